"""The calculators' scales as SVG, with the categories of the seed tables and a total or range.

Server-rendered, no script: readable in the page, in a card's link, and by a screen reader (a title
and a description say what the picture shows). A visible title names the score and what is marked,
and a legend gives every category with its outcome in full, so that nothing is cut where the bar is
narrow. Only a ``viewBox``: the picture scales to the width it is given (a phone, a card's frame).
"""

from __future__ import annotations

import re
from html import escape

from ..calculators import load_table
from ..i18n import N_, Words, typeset

WIDTH, LEFT, RIGHT = 640, 20, 20
BAR_TOP, BAR_HEIGHT = 62, 36
LEGEND_TOP, LINE = 140, 18
# Colours by risk, each dark enough for white text (contrast above 4.5:1).
FILL = {"low": "#1b6e3a", "moderate": "#8a5300", "high": "#a3161a"}
WORDS = Words({"total": N_("Total"), "range": N_("Possible totals"), "none": N_("no total"), "scale": N_("scale"),
               "legend": N_("Categories")})
FONT = 'font-family="sans-serif"'
# About how wide a character of 12px sans-serif is, to shorten a label to the segment it sits in.
CHARACTER = 6.6


def scale_svg(calculator: str, low: int | None, high: int | None, locale: str = "en", key: str = "") -> str:
    """The scale of ``calculator``, with the total (``low == high``) or the range ``low``-``high`` marked.
    ``key`` makes the element ids unique when a page shows several scales."""
    table = load_table(calculator)
    words = WORDS[locale]
    lowest, highest = table.total_range
    unit = (WIDTH - LEFT - RIGHT) / (highest - lowest + 1)

    def x(total: float) -> float:
        return LEFT + (total - lowest) * unit

    def text(words_: str) -> str:
        return escape(typeset(words_, locale), quote=False)

    marked = (low is not None and high is not None and lowest <= low <= high <= highest)
    label = (f"{words['total']} {low}" if marked and low == high else
             f"{words['range']} {low}–{high}" if marked else words["none"])
    name = table.short_title(locale)  # "Score de Rades", never "Score de Rades ,"
    heading = f"{name}, {words['scale']} {lowest}–{highest}"
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", f"{calculator}{'-' + key if key else ''}")
    legend = [(category, f"{_span(category.min, category.max)}: {category.label(locale)}",
               category.outcome(locale) if category.outcome else "") for category in table.categories]
    description = "; ".join(line + (f" ({outcome})" if outcome else "") for _, line, outcome in legend)
    height = LEGEND_TOP + LINE + sum(LINE * (2 if outcome else 1) + 6 for _, _, outcome in legend)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="scale-picture" '
             f'role="img" aria-labelledby="t-{ident} d-{ident}">',
             f'<title id="t-{ident}">{text(f"{heading}: {label}")}</title>',
             f'<desc id="d-{ident}">{text(description)}</desc>',
             f'<text x="{LEFT}" y="20" fill="#1a1a1a" font-size="16" font-weight="bold" {FONT}>{text(heading)}</text>']
    for category in table.categories:
        start, end = x(category.min), x(category.max + 1)
        parts.append(f'<rect x="{start:.1f}" y="{BAR_TOP}" width="{end - start:.1f}" height="{BAR_HEIGHT}" '
                     f'fill="{FILL[category.risk]}"/>')
        inside = _short(category.label(locale), int((end - start) / CHARACTER))  # the legend gives it whole
        parts.append(f'<text x="{(start + end) / 2:.1f}" y="{BAR_TOP + 23}" fill="#fff" font-size="12" '
                     f'text-anchor="middle" {FONT}>{text(inside)}</text>')
    for total in range(lowest, highest + 1):
        parts.append(f'<text x="{x(total) + unit / 2:.1f}" y="{BAR_TOP + BAR_HEIGHT + 16}" fill="#1a1a1a" '
                     f'font-size="11" text-anchor="middle" {FONT}>{total}</text>')
    if marked and low is not None and high is not None:
        start, end = x(low), x(high + 1)
        # A black band above the bar over the total or the range, and its words above it.
        parts.append(f'<rect x="{start:.1f}" y="{BAR_TOP - 9}" width="{end - start:.1f}" height="7" fill="#000"/>')
        middle = min(max((start + end) / 2, LEFT + 60), WIDTH - RIGHT - 60)  # never past an edge
        parts.append(f'<text x="{middle:.1f}" y="{BAR_TOP - 15}" fill="#000" font-size="14" font-weight="bold" '
                     f'text-anchor="middle" {FONT}>{text(label)}</text>')
    # The legend: each category in full, its colour beside it.
    y = LEGEND_TOP
    parts.append(f'<text x="{LEFT}" y="{y}" fill="#1a1a1a" font-size="13" font-weight="bold" {FONT}>'
                 f'{text(words["legend"])}</text>')
    for category, line, outcome in legend:
        y += LINE + 6
        parts.append(f'<rect x="{LEFT}" y="{y - 11}" width="12" height="12" fill="{FILL[category.risk]}"/>')
        parts.append(f'<text x="{LEFT + 18}" y="{y}" fill="#1a1a1a" font-size="12" {FONT}>{text(line)}</text>')
        if outcome:
            y += LINE
            parts.append(f'<text x="{LEFT + 18}" y="{y}" fill="#1a1a1a" font-size="12" {FONT}>{text(outcome)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"
