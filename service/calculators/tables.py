"""Read the scoring tables in ``seeds/`` into typed, immutable objects.

The tables are the single source of every point value, threshold, category,
recommendation and caveat; this module only checks their shape, so that a
malformed table fails at import rather than in front of a clinician.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from itertools import pairwise
from typing import Any

import msgspec

from ..data import read_json
from ..i18n import DEFAULT_LOCALE, LOCALES


def short_title(title: str) -> str:
    """A table's name as a heading or a list says it: its title before the colon ("Mirels score", "Score de
    Mirels" of "Mirels score: risk of pathological fracture")."""
    return title.split(":")[0].strip()


class Text(msgspec.Struct, frozen=True):
    """A text in every supported locale."""

    by_locale: dict[str, str]

    def __call__(self, locale: str = DEFAULT_LOCALE) -> str:
        return self.by_locale[locale]


class Choice(msgspec.Struct, frozen=True):
    """One answer of a coded item, with its points and its words (seeds/)."""

    value: str
    points: int
    label: Text


class Band(msgspec.Struct, frozen=True):
    """One row of a numeric item: the values in (above, up_to], ends as stated."""

    value: str
    points: int
    label: Text
    above: Fraction | None
    above_inclusive: bool
    up_to: Fraction | None
    up_to_inclusive: bool

    def contains(self, number: Fraction) -> bool:
        below = self.above is not None and (number < self.above or (number == self.above and not self.above_inclusive))
        beyond = self.up_to is not None and (number > self.up_to or (number == self.up_to and not self.up_to_inclusive))
        return not (below or beyond)

    def meets(self, low: Fraction, low_excluded: bool, high: Fraction | None, high_excluded: bool) -> bool:
        """Whether some number from ``low`` to ``high`` (None: no end; an end excluded when said) is in the band."""
        # The two intervals overlap when the greater of their starts is before the lesser of their ends, or
        # is that end, included by both.
        if self.above is None or low > self.above:
            start, start_in = low, not low_excluded
        elif low < self.above:
            start, start_in = self.above, self.above_inclusive
        else:
            start, start_in = low, self.above_inclusive and not low_excluded
        if high is None and self.up_to is None:
            return True
        if self.up_to is None or (high is not None and high < self.up_to):
            end, end_in = high, not high_excluded
        elif high is None or high > self.up_to:
            end, end_in = self.up_to, self.up_to_inclusive
        else:
            end, end_in = high, self.up_to_inclusive and not high_excluded
        assert end is not None
        return start < end or (start == end and start_in and end_in)


class Item(msgspec.Struct, frozen=True):
    """One item of a calculator's table: its choices (coded) or bands (numeric), and the values it accepts."""

    name: str
    label: Text
    source: str
    choices: tuple[Choice, ...] = ()
    bands: tuple[Band, ...] = ()
    unit: str | None = None
    allowed_min: Fraction | None = None
    allowed_max: Fraction | None = None
    code: str = ""  # its code in the project's CodeSystem (a score Observation's component, a Questionnaire item)
    observed: bool = False  # an Observation coded ``code`` gives it (the mapper files such Observations by code)

    @property
    def is_numeric(self) -> bool:
        return bool(self.bands)

    @property
    def rows(self) -> tuple[Choice | Band, ...]:
        return self.bands or self.choices

    def row(self, value: str) -> Choice | Band | None:
        return next((row for row in self.rows if row.value == value), None)


class Category(msgspec.Struct, frozen=True):
    """A band of totals and what the table says of it: its risk, recommendation and activities."""

    value: str
    min: int
    max: int
    label: Text
    risk: str
    recommendation: Text
    source: str
    activities: tuple[Text, ...] = ()
    outcome: Text | None = None
    activity_codes: tuple[dict[str, str], ...] = ()  # one coding per activity (CarePlan.activity.detail.code)
    action: Text | None = None  # the recommendation in a few words, first in a card's summary
    short_action: Text | None = None  # its first part, where a summary has no room for the whole (the detail says it)


class AfterOperation(msgspec.Struct, frozen=True):
    """What the advice becomes once a done operation names the scored Condition (Rades: the radiotherapy is then
    adjuvant, §1.3-§1.4): a few words for the summary, and a sentence said before the category's own."""

    action: Text
    recommendation: Text


class Table(msgspec.Struct, frozen=True):
    """One calculator's table as its seed file gives it: items, categories and the source they come from."""

    calculator: str
    version: str
    title: Text
    predicted_outcome: Text
    source_document: str
    source_table: str
    items: tuple[Item, ...]
    categories: tuple[Category, ...]
    caveats: dict[str, dict[str, Any]]
    citation: dict[str, Any] = msgspec.field(default_factory=dict)  # guideline and primary article (seeds' source)
    outcome_coding: dict[str, str] = msgspec.field(default_factory=dict)  # what a RiskAssessment predicts, coded
    scored: Text | None = None  # what one score is about, for a person ("The spinal cord compression")
    # What every category gives, said where the category is not determined (Rades: emergency radiotherapy, §1.3).
    every_category: Text | None = None
    after_operation: AfterOperation | None = None

    def short_title(self, locale: str = DEFAULT_LOCALE) -> str:
        return short_title(self.title(locale))

    def item(self, name: str) -> Item:
        return next(item for item in self.items if item.name == name)

    def category_of(self, total: int) -> Category:
        return next(c for c in self.categories if c.min <= total <= c.max)

    @property
    def total_range(self) -> tuple[int, int]:
        return (
            sum(min(row.points for row in item.rows) for item in self.items),
            sum(max(row.points for row in item.rows) for item in self.items),
        )

    def caveat_text(self, caveat: str, key: str = "text") -> Text:
        return parse_text(self.caveats[caveat][key])


def parse_text(raw: dict[str, str]) -> Text:
    missing = [locale for locale in LOCALES if not raw.get(locale)]
    if missing:
        raise ValueError(f"text {raw!r} lacks locale(s) {missing}")
    return Text(dict(raw))


def _fraction(raw: str | None) -> Fraction | None:
    return None if raw is None else Fraction(raw)


def _item(raw: dict[str, Any]) -> Item:
    return Item(
        name=raw["name"],
        label=parse_text(raw["label"]),
        source=raw["source"],
        choices=tuple(
            Choice(c["value"], int(c["points"]), parse_text(c["label"])) for c in raw.get("choices", ())
        ),
        bands=tuple(
            Band(
                value=b["value"],
                points=int(b["points"]),
                label=parse_text(b["label"]),
                above=_fraction(b["above"]),
                above_inclusive=bool(b.get("above_inclusive", False)),
                up_to=_fraction(b["up_to"]),
                up_to_inclusive=bool(b.get("up_to_inclusive", False)),
            )
            for b in raw.get("bands", ())
        ),
        unit=raw.get("unit"),
        allowed_min=_fraction(raw.get("allowed_min")),
        allowed_max=_fraction(raw.get("allowed_max")),
        code=raw["code"],
        observed=bool(raw.get("observed", False)),
    )


def _check(table: Table) -> None:
    """Refuse a table whose rows overlap or leave gaps: every value scores once."""
    for item in table.items:
        if bool(item.choices) == bool(item.bands):
            raise ValueError(f"{table.calculator}.{item.name}: give either choices or bands")
        for earlier, later in pairwise(item.bands):
            if earlier.up_to != later.above or earlier.up_to_inclusive == later.above_inclusive:
                raise ValueError(
                    f"{table.calculator}.{item.name}: rows {earlier.value} and {later.value} "
                    "must meet at one value that belongs to exactly one of them"
                )
    low, high = table.total_range
    expected = low
    for category in table.categories:
        if category.min != expected:
            raise ValueError(f"{table.calculator}: categories must cover {low}..{high} without gaps")
        expected = category.max + 1
    if expected != high + 1:
        raise ValueError(f"{table.calculator}: categories must end at {high}")


@cache
def load_table(calculator: str) -> Table:
    """The table of ``calculator`` (a name of ``registry.CALCULATORS``), read once."""
    raw = read_json("seeds", f"{calculator}.json")
    table = Table(
        calculator=raw["calculator"],
        version=raw["version"],
        title=parse_text(raw["title"]),
        predicted_outcome=parse_text(raw["predicted_outcome"]),
        source_document=raw["source"]["document"],
        source_table=raw["source"]["table"],
        citation=dict(raw["source"].get("citation") or {}),
        outcome_coding=dict(raw.get("outcome_coding") or {}),
        scored=parse_text(raw["scored"]) if "scored" in raw else None,
        every_category=parse_text(raw["every_category"]) if "every_category" in raw else None,
        after_operation=AfterOperation(parse_text(raw["after_operation"]["action"]),
                                       parse_text(raw["after_operation"]["recommendation"]))
        if "after_operation" in raw else None,
        items=tuple(_item(item) for item in raw["items"]),
        categories=tuple(
            Category(
                value=c["value"],
                min=int(c["min"]),
                max=int(c["max"]),
                label=parse_text(c["label"]),
                risk=c["risk"],
                recommendation=parse_text(c["recommendation"]),
                source=c["source"],
                activities=tuple(parse_text({k: v for k, v in a.items() if k != "code"}) for a in c["activities"]),
                activity_codes=tuple(dict(a["code"]) for a in c["activities"]),
                outcome=parse_text(c["outcome"]) if "outcome" in c else None,
                action=parse_text(c["action"]) if "action" in c else None,
                short_action=parse_text(c["short_action"]) if "short_action" in c else None,
            )
            for c in raw["categories"]
        ),
        caveats={c["value"]: c for c in raw["caveats"]},
    )
    _check(table)
    return table
