"""Calculator inputs in words: a table row by its label, a number as written, a range or the
possibilities left, in the reader's language."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from numbers import Real
from typing import Any

import msgspec

from ..i18n import N_, said, translate
from .registry import tables
from .scoring import AtLeast, Between, OneOf

OR = N_("or")  # between possible values: "NSCLC or SCLC"


# The units of the tables' numeric items (seeds/, "unit"), as a reader says them after a value.
UNIT_WORDS = {"months": N_("months"), "days": N_("days")}
_ONE_UNIT = {"months": N_("month"), "days": N_("day")}  # "1 day", not "1 days"


def number(value: Real | float | Fraction, locale: str = "en") -> str:
    """At most one decimal: 15, 15.2 (15,2 in French). Fractions of months come from calendar arithmetic."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    rounded = round(float(value), 1)
    text = str(int(rounded)) if rounded == int(rounded) else str(rounded)
    return text.replace(".", ",") if locale == "fr" else text


@lru_cache(maxsize=256)  # the tables are fixed at import: each item's unit looked up once (asked per value said)
def _table_unit(item: str | None) -> str:
    for table in tables():
        if item is not None and any(candidate.name == item for candidate in table.items):
            return table.item(item).unit or ""
    return ""


def _unit(item: str | None, locale: str, shown: str = "") -> str:
    """" months" after a value of an item counted in months (" month" after a ``shown`` 1), " %" after a share;
    "" for an item with no unit a reader says."""
    unit = _table_unit(item)
    if unit.startswith("fraction"):
        return " %"
    if unit not in UNIT_WORDS:
        return ""
    # English says "1 day", "0.5 days"; French "0,5 jour", "1,5 jour" (the singular below 2).
    one = shown == "1" or (locale == "fr" and shown != "" and float(shown.replace(",", ".")) < 2)
    return f" {translate((_ONE_UNIT if one else UNIT_WORDS)[unit], locale)}"


def _shown(value: Any, item: str | None, locale: str) -> str:
    """A number as a reader says it: a share of the cortex as a percentage (0.5: 50), as records write it."""
    return number(value * 100 if _table_unit(item).startswith("fraction") else value, locale)


@lru_cache(maxsize=4096)  # bounded: values may come from records; the tables themselves are fixed
def _row_label(item: str | None, value: str, locale: str) -> str | None:
    if item is None:
        return None
    for table in tables():
        if any(candidate.name == item for candidate in table.items):
            row = table.item(item).row(value)
            return row.label(locale) if row else None
    return None


def describe(value: Any, locale: str = "en", item: str | None = None) -> str:
    """``0.5``, ``"14 to 16"``, ``"NSCLC or SCLC"`` (the rows' labels, when ``item`` names the table
    item), ``"missing"``..."""
    if value is None:
        return translate(N_("missing"), locale)
    if isinstance(value, OneOf):
        word = translate(OR, locale)
        return f" {word} ".join(describe(v, locale, item) for v in value.values)
    if isinstance(value, Between):
        if value.high_excluded and value.low == 0 and not value.low_excluded:
            return translate(said("under {high}", high=_shown(value.high, item, locale)), locale) + _unit(item, locale)
        return translate(said("{low} to {high}", low=_shown(value.low, item, locale),
                              high=_shown(value.high, item, locale)), locale) + _unit(item, locale)
    if isinstance(value, AtLeast):
        low = _shown(value.low, item, locale)
        return translate(said("over {low}", low=low) if value.excluded else said("at least {low}", low=low),
                         locale) + _unit(item, locale, low)
    if isinstance(value, Real) and not isinstance(value, bool):
        shown = _shown(value, item, locale)
        return shown + _unit(item, locale, shown)
    if isinstance(value, str):
        label = _row_label(item, value, locale)
        if label:
            return label
    return str(value).replace("_", " ")


class Shown(msgspec.Struct, frozen=True):
    """A value quoted in a message (``said(..., value=Shown(item, value))``): said in words when the
    message is translated."""

    item: str | None
    value: Any

    def said_in(self, locale: str) -> str:
        return describe(self.value, locale, self.item)

    def __str__(self) -> str:
        return self.said_in("en")


class ItemName(msgspec.Struct, frozen=True):
    """A table item named in a message: its label in the reader's language (or, for an input that is
    not a table item, its name)."""

    item: str
    in_sentence: bool = False  # named mid-sentence: "it cannot describe pain", not "… describe Pain"

    def said_in(self, locale: str) -> str:
        label = _item_label(self.item, locale)
        return label[:1].lower() + label[1:] if self.in_sentence else label

    def __str__(self) -> str:
        return self.said_in("en")


class ItemChoices(msgspec.Struct, frozen=True):
    """The answers a coded table item accepts, named in a message in the reader's language ("> 50 % collapse;
    < 50 % collapse; ..."), never by their codes."""

    item: str

    def said_in(self, locale: str) -> str:
        return _choice_labels(self.item, locale)

    def __str__(self) -> str:
        return self.said_in("en")


@lru_cache(maxsize=512)
def _choice_labels(item: str, locale: str) -> str:
    for table in tables():
        if any(candidate.name == item for candidate in table.items):
            return "; ".join(choice.label(locale) for choice in table.item(item).choices)
    return ""


@lru_cache(maxsize=512)  # the tables are the service's own, fixed at import: each label worked out once
def _item_label(item: str, locale: str) -> str:
    for table in tables():
        if any(candidate.name == item for candidate in table.items):
            return table.item(item).label(locale)
    return item.replace("_", " ")
