"""Several resources give one item: which value counts.

* Observations of the same item: the one with the latest effective date wins and the
  conflict is reported; different values on the same date, or where which is latest cannot
  be told (an undated one, a month beside a day of that month), leave the item uncertain.
* An active Condition and an Observation that disagree (a visceral metastasis
  Condition and an Observation "absent"; a paraplegia Condition and an Observation
  "ambulatory"): neither settles the other, so every value they give stays possible,
  the item is uncertain and flagged ``conflict``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec

from ..calculators import OneOf
from ..calculators.values import Shown
from ..i18n import N_, Said, said
from .dates import DateSpan
from .model import Fact
from .vocabulary import SUPPLIED_BY

CONFLICT = N_("conflict")  # a flag, and a word for the reader
LATEST_COUNTS = N_("records of different days differ, the latest counts: {sayings}")  # its note's template


class Candidate(msgspec.Struct):
    """One resource's say on one item."""

    value: Any
    source: str
    when: DateSpan | None
    flags: tuple[str, ...] = ()
    rule: str = ""
    kind: Literal["observation", "condition"] = "observation"
    also: tuple[str, ...] = ()  # further resources the value was derived from
    # How a note says the value where its words alone would not trace it to the record (a duration as written:
    # "“2 semaines” (14 days) when recorded, 15 days counted on to …"); None: the value in words.
    shown: Any = None

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) + self.also


def options(value: Any) -> tuple[Any, ...]:
    return value.values if isinstance(value, OneOf) else (value,)


def show(value: Any, item: str | None = None) -> Shown:
    """A value as a message quotes it: in words, in the reader's language."""
    return Shown(item, value)


def allowed_by_all(values: list[Any]) -> set[Any]:
    """The values every reading allows (a reading: a value or a ``OneOf``); empty when they disagree."""
    return set.intersection(*(set(options(value)) for value in values))


def one_of(values: list[Any]) -> Any:
    distinct = list(dict.fromkeys(v for value in values for v in options(value)))
    return distinct[0] if len(distinct) == 1 else OneOf(*distinct)


def _when(candidate: Candidate) -> date:
    return candidate.when.latest if candidate.when else date.min


def _shown(candidate: Candidate, item: str) -> Any:
    return show(candidate.value, item) if candidate.shown is None else candidate.shown


def _said(item: str, candidates: list[Candidate]) -> list[Said]:
    return [said("{source} ({date}) gives {value}", source=c.source, date=c.when.text, value=_shown(c, item))
            if c.when else said("{source} (no date) gives {value}", source=c.source, value=_shown(c, item))
            for c in candidates]


def choose(item: str, candidates: list[Candidate], notes: tuple[str, ...] = ()) -> Fact:
    """The item's value from every resource that gives it (rules in the module docstring)."""
    if not candidates:
        return Fact(item, notes=notes, supplied_by=SUPPLIED_BY.get(item, ""))
    observations = [c for c in candidates if c.kind == "observation"]
    conditions = [c for c in candidates if c.kind == "condition"]
    fact = _latest(item, observations or conditions, notes)
    if not (observations and conditions):
        return fact
    condition_value = one_of([c.value for c in conditions])
    if set(options(condition_value)) == set(options(fact.value)):
        return Fact(item, fact.value, fact.sources + tuple(s for c in conditions for s in c.sources), fact.rule,
                    fact.flags, fact.notes, recorded=fact.recorded)
    both = one_of([fact.value, condition_value])
    flags = tuple(dict.fromkeys(fact.flags + (CONFLICT,) + tuple(f for c in conditions for f in c.flags)))
    sayings = _said(item, sorted(observations + conditions, key=_when))
    return Fact(item, both, fact.sources + tuple(s for c in conditions for s in c.sources),
                "a Condition and an Observation disagree", flags,
                fact.notes + (said("a Condition and an Observation disagree, so both stay possible: {sayings}",
                                   sayings=sayings),),
                SUPPLIED_BY.get(item, ""))


def _timed(candidates: list[Candidate]) -> list[tuple[datetime, Candidate]] | None:
    """Each candidate at its instant, in order, where every one gives its time and zone; else None."""
    timed = [(c.when.instant, c) for c in candidates if c.when is not None and c.when.instant is not None]
    return sorted(timed, key=lambda pair: pair[0]) if len(timed) == len(candidates) else None


def _last_by_time(candidates: list[Candidate]) -> Candidate | None:
    """The one recorded last, where each gives its time and zone and one time is the latest; else None."""
    timed = _timed(candidates)
    return timed[-1][1] if timed and (len(timed) == 1 or timed[-2][0] < timed[-1][0]) else None


def _said_timed(item: str, candidates: list[Candidate]) -> list[Said]:
    # Each at its instant in UTC: times in their own zones read out of order ("15:30+01:00" before "14:45+00:00").
    return [said("{source} ({time} UTC) gives {value}", source=c.source,
                 time=instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), value=_shown(c, item))
            for instant, c in _timed(candidates) or []]


def _latest(item: str, candidates: list[Candidate], notes: tuple[str, ...]) -> Fact:
    ordered = sorted(candidates, key=_when)
    latest = ordered[-1]
    by_time = _last_by_time(candidates)
    if by_time is not None and _when(by_time) < _when(latest) and len({repr(c.value) for c in candidates}) > 1:
        # Each at its time and zone, in an order their written days do not give: "23:30-05:00" on the 6th is after
        # "01:00+01:00" on the 7th (probe 23 v08). The latest in time counts, and the card says why.
        return Fact(item, by_time.value, by_time.sources, by_time.rule, tuple(dict.fromkeys(by_time.flags + (
            CONFLICT,))), notes + (said("records differ, written in different time zones: the latest in time counts, "
                                        "not the latest day written: {sayings}", sayings=_said_timed(item, ordered)),),
                    recorded=by_time.when.text if by_time.when else "")
    # Those that may be the latest: each whose date may be after the start of every other's, and each with
    # no date ("2026-10" may be later than "2026-10-15"; an undated one may be the newest of all).
    start = max((c.when.earliest for c in candidates if c.when), default=date.min)
    contenders = [c for c in ordered if c.when is None or c.when.latest >= start]
    flags = latest.flags
    if len({repr(c.value) for c in candidates}) > 1:
        flags = tuple(dict.fromkeys(flags + (CONFLICT,)))
        if len({repr(c.value) for c in contenders}) > 1:
            same_day = all(c.when and c.when.exact for c in contenders) and len({_when(c) for c in contenders}) == 1
            timed = _last_by_time(contenders) if same_day else None
            if timed is not None:  # the same day, each at its time and zone: the latest is known (probe 16)
                notes = notes + (said("conflicting values the same day, the latest by its time wins: {sayings}",
                                      sayings=_said_timed(item, contenders)),)
                return Fact(item, timed.value, timed.sources, timed.rule, flags, notes, recorded=timed.when.text
                            if timed.when else "")
            why = (said("conflicting values on the same date: {sayings}", sayings=_said(item, ordered)) if same_day
                   else said("conflicting values, and which is the latest cannot be told (a date missing, or not "
                             "precise enough): {sayings}", sayings=_said(item, ordered)))
            # The same day: that is their date (the summary read "records undated").
            return Fact(item, one_of([c.value for c in contenders]), tuple(s for c in contenders for s in c.sources),
                        "conflict, same date" if same_day else "conflict, latest unknown", flags, notes + (why,),
                        recorded=contenders[-1].when.text if same_day and contenders[-1].when else "")
        # Records of different days: a change over time (a status that declined) or not, the latest counts.
        notes = notes + (said("records of different days differ, the latest counts: {sayings}",
                              sayings=_said(item, ordered)),)
    return Fact(item, latest.value, latest.sources, latest.rule, flags, notes,
                recorded=latest.when.text if latest.when and latest.when.earliest != date.min else "")
