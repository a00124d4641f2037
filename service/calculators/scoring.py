"""Table-driven scoring with partial and uncertain inputs.

An item's input is one of:

* a value: a choice of the table (``"lytic"``), a number for a banded item
  (``0.5``), or a band's name (``"over_two_thirds"``) when the source already
  gives the band;
* ``None``: missing. It never gets a default: every row stays possible;
* ``OneOf(...)``: one of several values, not known which (a lung cancer with
  no histology is NSCLC or SCLC);
* ``Between(low, high)``: a number known only to lie in ``[low, high]``
  (months computed from partial dates);
* ``AtLeast(low)``: a number known only to be ``low`` or more (days since a
  deficit that began on or before a known date).

The total is then a range; a category is given only when every completion of
the inputs falls in it. Categories are intervals of the total, so checking the
smallest and largest possible totals is enough.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache
from numbers import Real
from typing import Any, Literal, cast

import msgspec
from msgspec.structs import replace

from ..i18n import said, translate
from .tables import DEFAULT_LOCALE, LOCALES, Band, Category, Choice, Item, Table, short_title

# 1/3 has no exact binary form; the nearest fraction with a small denominator
# makes 0.3333333333333333 exactly 1/3 while 0.33 stays 33/100.
_MAX_DENOMINATOR = 1_000_000


Number = int | float | Fraction  # for type checkers; numbers.Real at run time


class OneOf:
    """The item is one of ``values``; which one is not known.

    Written by hand, not a ``msgspec.Struct`` as the other values are: a Struct may not define ``__init__``
    (nor ``__new__``), and ``OneOf("nsclc", "sclc")`` takes its values as they are said. Frozen, compared and
    hashed by its values, as a frozen dataclass was."""

    __slots__ = ("values",)
    __match_args__ = ("values",)
    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        if len(values) < 2:
            raise ValueError("OneOf needs at least two values")
        object.__setattr__(self, "values", tuple(values))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"OneOf is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"OneOf is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.values == cast(OneOf, other).values

    def __hash__(self) -> int:
        return hash((self.values,))

    def __repr__(self) -> str:
        return f"OneOf(values={self.values!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by the bulk workers and Spark: built again from its values
        return OneOf, self.values


class Between(msgspec.Struct, frozen=True):
    """A number known only to lie between ``low`` and ``high``, both included unless said excluded
    (``high_excluded``: a measurement recorded as "< 20 %")."""

    low: Number
    high: Number
    low_excluded: bool = False
    high_excluded: bool = False


class AtLeast(msgspec.Struct, frozen=True):
    """A number known only to be ``low`` or more (more than ``low`` when ``excluded``: "> 14 days")."""

    low: Number
    excluded: bool = False


class InvalidInput(ValueError):
    """An input outside what the table defines. Names the item and what is allowed."""

    def __init__(self, calculator: str, item: str, value: Any, allowed: str) -> None:
        self.calculator = calculator
        self.item = item
        self.value = value
        self.allowed = allowed
        super().__init__(f"{calculator}: invalid {item} {value!r}; allowed: {allowed}")


class ItemScore(msgspec.Struct, frozen=True):
    """How one item of the table was scored."""

    name: str
    label: str
    value: Any
    status: Literal["known", "uncertain", "missing"]
    possible_rows: tuple[str, ...]
    possible_points: tuple[int, ...]
    row_label: str | None = None
    source: str = ""
    possible_labels: tuple[str, ...] = ()  # the labels of possible_rows, in the score's locale

    @property
    def points(self) -> int | None:
        return self.possible_points[0] if self.status == "known" else None

    @property
    def row(self) -> str | None:
        return self.possible_rows[0] if self.status == "known" else None


class Caveat(msgspec.Struct, frozen=True):
    """What the guideline says beside a score, in the reader's words, with its source (the score's limits; a
    finding that changes the advice, as cortical osteolysis with Mirels >= 9)."""

    value: str
    text: str
    source: str


class Score(msgspec.Struct, frozen=True):
    """The result of one calculator on one set of inputs, in one locale."""

    calculator: str
    title: str
    predicted_outcome: str
    locale: str
    items: tuple[ItemScore, ...]
    total_min: int
    total_max: int
    possible_categories: tuple[str, ...]
    category: Category | None
    source: str
    caveats: tuple[Caveat, ...] = ()
    citation: str = ""  # the guideline and the table's primary article, as a reader can look them up
    reference: str = ""  # the same for a clinician: the guideline's section and table, and the primary article
    citation_url: str | None = None
    # Undetermined, but every possible category says the same thing to do (SINS 12-14: indeterminate or unstable,
    # a spine surgical consultation either way): that action, in its locale; else "".
    common_action: str = ""

    @property
    def total(self) -> int | None:
        return self.total_min if self.total_min == self.total_max else None

    @property
    def short_title(self) -> str:
        """Its name as a heading or a list says it ("Mirels score", "Score de Mirels")."""
        return short_title(self.title)

    @property
    def total_range(self) -> str:
        """The possible totals, "8–11" (en dash), even when they are one."""
        return f"{self.total_min}–{self.total_max}"

    @property
    def total_text(self) -> str:
        """The total when known, else the possible totals ("9", "8–11")."""
        return str(self.total) if self.total is not None else self.total_range

    @property
    def is_complete(self) -> bool:
        return all(item.status == "known" for item in self.items)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items if item.status == "missing")

    @property
    def uncertain(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items if item.status == "uncertain")

    @property
    def category_label(self) -> str | None:
        return self.category.label(self.locale) if self.category else None

    @property
    def recommendation(self) -> str | None:
        return self.category.recommendation(self.locale) if self.category else None

    @property
    def action(self) -> str | None:
        """What to do, in a few words (a card's summary); the recommendation says it in full."""
        if not self.category:
            return None
        return self.category.action(self.locale) if self.category.action else self.category.recommendation(self.locale)

    @property
    def short_action(self) -> str | None:
        """The action's first part, where the seed gives one (Rades: "radiotherapy"), else None."""
        short = self.category.short_action if self.category else None
        return short(self.locale) if short else None

    @property
    def activities(self) -> tuple[str, ...]:
        """The care plan's activities for the category, in the score's locale."""
        return tuple(a(self.locale) for a in self.category.activities) if self.category else ()

    @property
    def activity_codes(self) -> tuple[dict[str, str], ...]:
        """One coding per activity (system, code; display for codes of other systems than the project's)."""
        return self.category.activity_codes if self.category else ()

    @property
    def risk(self) -> str | None:
        return self.category.risk if self.category else None

    def item(self, name: str) -> ItemScore:
        return next(item for item in self.items if item.name == name)


_UNKNOWN_PUBLISHER = said("its publisher and year are not stated in the source documents")


_BEYOND = said("beyond the guideline the service follows: not in its source documents")


def _citation(table: Table, locale: str) -> str:
    cited = table.citation
    if not cited:
        return f"{table.source_document}, {table.source_table}"
    if not cited.get("guideline"):  # a published score the guideline does not give: its article is the source
        return translate(said("Source of the table: {primary} ({beyond})", primary=cited["primary_source"],
                              beyond=_BEYOND), locale)
    return translate(said("Guideline: {guideline} ({unknown}). Primary source of the table: {primary}",
                          guideline=cited["guideline"], unknown=_UNKNOWN_PUBLISHER, primary=cited["primary_source"]),
                     locale)


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise InvalidInput("locale", "locale", locale, ", ".join(LOCALES))
    return locale


def _number(table: Table, item: Item, value: Any) -> Fraction:
    # What is allowed is worded only for a value that is not (an error's words, not every value's).
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidInput(table.calculator, item.name, value, _allowed(item))
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(table.calculator, item.name, value, _allowed(item))
    number = exact(cast(float, value))  # a Real, checked above
    if (item.allowed_min is not None and number < item.allowed_min) or (
        item.allowed_max is not None and number > item.allowed_max
    ):
        raise InvalidInput(table.calculator, item.name, value, _allowed(item))
    return number


@lru_cache(maxsize=4096)
def exact(value: float | Fraction) -> Fraction:
    """A number as the tables compare it: the nearest fraction with a denominator up to a million. Worked out
    once per value (``Fraction(float)`` and ``limit_denominator`` cost about 10 µs, and a record repeats its
    numbers); equal numbers give the same fraction whatever their type, so the cache's key is the value."""
    return Fraction(value).limit_denominator(_MAX_DENOMINATOR)


def _allowed(item: Item) -> str:
    names = ", ".join(row.value for row in item.rows)
    if not item.is_numeric:
        return names
    low = "" if item.allowed_min is None else f"{item.allowed_min} <= "
    high = "" if item.allowed_max is None else f" <= {item.allowed_max}"
    return f"a number {low}{item.name}{high} ({item.unit}), or one of the rows {names}"


def _band_of(item: Item, number: Fraction) -> Band:
    return next(band for band in item.bands if band.contains(number))


def _rows_of(table: Table, item: Item, value: Any) -> list[Choice | Band]:
    """The rows of ``item`` that ``value`` could fall in; raises on invalid values."""
    if value is None:
        return list(item.rows)
    if isinstance(value, OneOf):
        rows: list[Choice | Band] = []
        for option in value.values:
            rows.extend(row for row in _rows_of(table, item, option) if row not in rows)
        return sorted(rows, key=item.rows.index)
    if isinstance(value, Between):
        if not item.is_numeric:
            raise InvalidInput(table.calculator, item.name, value, _allowed(item))
        low, high = _number(table, item, value.low), _number(table, item, value.high)
        if low > high or (low == high and (value.low_excluded or value.high_excluded)):
            raise InvalidInput(table.calculator, item.name, value, "Between(low, high) with low <= high")
        return [band for band in item.bands if band.meets(low, value.low_excluded, high, value.high_excluded)]
    if isinstance(value, AtLeast):
        if not item.is_numeric:
            raise InvalidInput(table.calculator, item.name, value, _allowed(item))
        low = _number(table, item, value.low)
        return [band for band in item.bands if band.meets(low, value.excluded, None, False)]
    if isinstance(value, str):
        row = item.row(value)
        if row is None:
            raise InvalidInput(table.calculator, item.name, value, _allowed(item))
        return [row]
    if item.is_numeric:
        return [_band_of(item, _number(table, item, value))]
    raise InvalidInput(table.calculator, item.name, value, _allowed(item))


def possible_rows(table: Table, item_name: str, value: Any) -> tuple[str, ...]:
    """The rows (their values) an input could fall in: all of them when it is missing."""
    return tuple(row.value for row in _rows_of(table, table.item(item_name), value))


def score_item(table: Table, item: Item, value: Any, locale: str) -> ItemScore:
    rows = _rows_of(table, item, value)
    status: Literal["known", "uncertain", "missing"] = (
        "missing" if value is None else ("known" if len(rows) == 1 else "uncertain"))
    return ItemScore(
        name=item.name,
        label=item.label(locale),
        value=value,
        status=status,
        possible_rows=tuple(row.value for row in rows),
        possible_points=tuple(sorted({row.points for row in rows})),
        row_label=rows[0].label(locale) if status == "known" else None,
        source=item.source,
        possible_labels=tuple(row.label(locale) for row in rows),
    )


def score_table(
    table: Table,
    inputs: dict[str, Any],
    locale: str = DEFAULT_LOCALE,
    caveats: Iterable[Caveat] = (),
) -> Score:
    """Score ``inputs`` (item name -> value) against ``table``."""
    check_locale(locale)
    unknown = set(inputs) - {item.name for item in table.items}
    if unknown:
        raise InvalidInput(
            table.calculator, ", ".join(sorted(unknown)), None, ", ".join(i.name for i in table.items)
        )
    items = tuple(score_item(table, item, inputs.get(item.name), locale) for item in table.items)
    total_min = sum(item.possible_points[0] for item in items)
    total_max = sum(item.possible_points[-1] for item in items)
    low, high = table.category_of(total_min), table.category_of(total_max)
    possible = table.categories[table.categories.index(low) : table.categories.index(high) + 1]
    return Score(
        calculator=table.calculator,
        title=table.title(locale),
        predicted_outcome=table.predicted_outcome(locale),
        locale=locale,
        items=items,
        total_min=total_min,
        total_max=total_max,
        possible_categories=tuple(c.value for c in possible),
        category=low if low == high else None,
        source=f"{table.source_document}, {table.source_table}",
        citation=_citation(table, locale),
        reference=("; ".join(table.citation[part] for part in ("guideline", "primary_source")
                             if table.citation.get(part)) if table.citation
                   else f"{table.source_document}, {table.source_table}"),
        citation_url=table.citation.get("primary_source_url"),
        caveats=tuple(caveats),
        common_action=(_common_action(possible, locale) or (table.every_category(locale) if table.every_category
                                                             else "")) if low != high else "",
    )


def _common_action(possible: Any, locale: str) -> str:
    """The activity every possible category gives in the same words (SINS 7-12 and 13-18: "Spine surgical
    consultation (SINS 7 to 18)"), said as an action ("spine surgical consultation (SINS 7 to 18)"); else ""."""
    shared = set.intersection(*({activity(locale) for activity in category.activities} for category in possible))
    if len(shared) != 1:
        return ""
    text = shared.pop().rstrip(". ")
    return text[:1].lower() + text[1:]


def over_alternatives(score: Score, alternatives: list[Score]) -> Score:
    """``score`` (its items as they stand, values left open) with the totals that only the alternatives
    allow: when items are tied (each primary cancer with its own interval), the possible totals are those of
    the real combinations, not of every value of each item. A category only when every alternative gives it."""
    if not alternatives:
        return score
    categories = {alternative.category.value if alternative.category else None for alternative in alternatives}
    possible = tuple(dict.fromkeys(value for alternative in alternatives
                                   for value in alternative.possible_categories))
    category = alternatives[0].category if len(categories) == 1 and None not in categories else None
    return replace(score, total_min=min(a.total_min for a in alternatives),
                   total_max=max(a.total_max for a in alternatives), possible_categories=possible, category=category)

