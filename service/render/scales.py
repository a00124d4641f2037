"""The Mirels and Rades scales as SVG, with the categories of the seed tables and a total or range.

Server-rendered, no script: readable in the page, in a card's link, and by a screen reader (a title
and a description say what the picture shows).
"""

from __future__ import annotations

from html import escape

from ..calculators import load_table
from ..i18n import N_, Words

WIDTH, LEFT, RIGHT = 640, 20, 20
# Colours by risk, each dark enough for white text (contrast above 4.5:1).
FILL = {"low": "#1b6e3a", "moderate": "#8a5300", "high": "#a3161a"}
WORDS = Words({"total": N_("Total"), "range": N_("Possible totals"), "none": N_("no total"), "scale": N_("scale")})


def scale_svg(calculator: str, low: int | None, high: int | None, locale: str = "en") -> str:
    """The scale of ``calculator``, with the total (``low == high``) or the range ``low``-``high`` marked."""
    table = load_table(calculator)
    words = WORDS[locale]
    lowest, highest = table.total_range
    span = highest - lowest + 1
    unit = (WIDTH - LEFT - RIGHT) / span

    def x(total: float) -> float:
        return LEFT + (total - lowest) * unit

    marked = (low is not None and high is not None and lowest <= low <= high <= highest)
    label = (f"{words['total']} {low}" if marked and low == high else
             f"{words['range']} {low}–{high}" if marked else words["none"])
    title = f"{table.short_title(locale)}, {words['scale']} {lowest}–{highest}: {label}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 150" width="{WIDTH}" height="150" '
             f'role="img" aria-labelledby="t-{calculator} d-{calculator}">',
             f'<title id="t-{calculator}">{escape(title)}</title>']
    description = "; ".join(f"{c.min}–{c.max}: {c.label(locale)}" + (f" ({c.outcome(locale)})" if c.outcome else "")
                            for c in table.categories)
    parts.append(f'<desc id="d-{calculator}">{escape(description)}</desc>')
    for category in table.categories:
        start, end = x(category.min), x(category.max + 1)
        parts.append(f'<rect x="{start:.1f}" y="40" width="{end - start:.1f}" height="36" '
                     f'fill="{FILL[category.risk]}"/>')
        parts.append(f'<text x="{(start + end) / 2:.1f}" y="63" fill="#fff" font-size="12" text-anchor="middle" '
                     f'font-family="sans-serif">{escape(_short(category.label(locale)))}</text>')
        if category.outcome:
            parts.append(f'<text x="{(start + end) / 2:.1f}" y="122" fill="#222" font-size="10" '
                         f'text-anchor="middle" font-family="sans-serif">{escape(_short(category.outcome(locale), 38))}'
                         '</text>')
    for total in range(lowest, highest + 1):
        parts.append(f'<text x="{x(total) + unit / 2:.1f}" y="94" fill="#222" font-size="10" text-anchor="middle" '
                     f'font-family="sans-serif">{total}</text>')
    if marked and low is not None and high is not None:
        start, end = x(low), x(high + 1)
        # A black band above the bar over the total or the range, and its words above it.
        parts.append(f'<rect x="{start:.1f}" y="30" width="{end - start:.1f}" height="7" fill="#000"/>')
        parts.append(f'<text x="{(start + end) / 2:.1f}" y="22" fill="#000" font-size="14" font-weight="bold" '
                     f'text-anchor="middle" font-family="sans-serif">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
