"""§2 of the guideline at order-sign: an ordered radiotherapy scheme beside the palliative schemes it names.

Pure rules over plain values, as the calculators are: the facts layer reads the total dose and the number of
fractions from the draft order; ``seeds/fractionation.json`` holds the guideline's words. §1.4's window for a
radiotherapy order is checked here too (``outside_window``), with the window of ``situations.window_of``.

    >>> compare(Scheme(30, 10)).scheme.id
    '30-gy-10-fractions'
    >>> compare(Scheme(25, 5)).kind, compare(Scheme(None, 5)).missing
    ('not_listed', ('total',))
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any, Literal

import msgspec

from ..data import read_json
from .situations import window_of
from .tables import Text, parse_text


class Scheme(msgspec.Struct, frozen=True):
    """What an order states: its total dose in Gy and its number of fractions (None: not stated)."""

    total_gy: float | None
    fractions: int | None

    def words(self, locale: str) -> str:
        """"30 Gy in 10 fractions", "8 Gy in 1 fraction" (French: "30 Gy en 10 fractions")."""
        total = f"{self.total_gy:g}".replace(".", "," if locale == "fr" else ".")
        count = self.fractions or 0
        noun = "fraction" if count == 1 else "fractions"
        return f"{total} Gy {'en' if locale == 'fr' else 'in'} {count} {noun}"


class ListedScheme(msgspec.Struct, frozen=True):
    id: str
    total_gy: float
    fractions: int
    summary: Text
    statement: Text


class Fractionation(msgspec.Struct, frozen=True):
    """The guideline's words on dose and fractionation (``seeds/fractionation.json``)."""

    version: str
    source: Text
    quote: str
    schemes: tuple[ListedScheme, ...]
    comparison: Text
    not_listed: Text
    missing: Text
    ablative: Text
    missing_words: dict[str, Text]


@cache
def fractionation() -> Fractionation:
    raw: dict[str, Any] = read_json("seeds", "fractionation.json")
    schemes = tuple(ListedScheme(s["id"], float(s["total_gy"]), int(s["fractions"]), parse_text(s["summary"]),
                                 parse_text(s["statement"])) for s in raw["schemes"])
    return Fractionation(str(raw["version"]), parse_text(raw["source"]), raw["quote"], schemes,
                         parse_text(raw["comparison"]), parse_text(raw["not_listed"]["summary"]),
                         parse_text(raw["missing"]["summary"]), parse_text(raw["ablative"]),
                         {key: parse_text(text) for key, text in raw["missing_words"].items()})


class SchemeAdvice(msgspec.Struct, frozen=True):
    """``listed``: one of the guideline's four schemes (``scheme``); ``not_listed``: a scheme it does not name;
    ``missing``: what the order does not state (``"total"``, ``"fractions"``)."""

    kind: Literal["listed", "not_listed", "missing"]
    ordered: Scheme
    scheme: ListedScheme | None = None
    missing: tuple[str, ...] = ()


def compare(ordered: Scheme) -> SchemeAdvice:
    """The ordered scheme against the guideline's: the same total and number of fractions is that scheme (a
    dose within 0.01 Gy: 3000 cGy is 30 Gy); any other is not listed. What is not stated is named."""
    missing = tuple(name for name, value in (("total", ordered.total_gy), ("fractions", ordered.fractions))
                    if value is None)
    if missing:
        return SchemeAdvice("missing", ordered, missing=missing)
    for scheme in fractionation().schemes:
        if ordered.fractions == scheme.fractions and abs((ordered.total_gy or 0) - scheme.total_gy) < 0.01:
            return SchemeAdvice("listed", ordered, scheme)
    return SchemeAdvice("not_listed", ordered)


def outside_window(start: date, operated_from: date, operated_to: date) -> tuple[bool, date, date]:
    """Whether a radiotherapy starting on ``start`` falls outside §1.4's window of an operation (day 15 to day
    21 after it; an operation known to a period: from the earliest day the window may open to the latest it
    may close), and that window."""
    opens, closes = window_of(operated_from, operated_to)
    return not opens <= start <= closes, opens, closes


__all__ = ["Fractionation", "ListedScheme", "Scheme", "SchemeAdvice", "compare", "fractionation", "outside_window"]
