"""When a fact was true: a record counts only for the moment its item describes.

Tableau 4 dates three Rades items (motor function and the deficit *before radiotherapy*,
visceral metastases *at the time of radiotherapy*); Tableau 3 scores one lesion as it is.
Two rules follow, applied before any extractor reads a value:

* ordering: a record dated before the event it should describe (a motor status before the
  compression or the deficit began, a lesion's pain before the lesion's onset) is no evidence of
  it: never counted, always named;
* age: a record older than its item's window (``seeds/fact_windows.json``: the deploying site's
  decision, since the guideline is silent) is not counted: the item is missing and the range
  widens, and the record is named with its date.

An undated record cannot be aged: it counts, as before, and the card shows it has no date.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

import msgspec

from ..calculators.values import ItemName
from ..data import read_json
from ..i18n import Said, said
from .dates import DateSpan


class Window(msgspec.Struct, frozen=True):
    """How long a fact of an item holds (seeds/fact_windows.json), and the moment it must describe."""

    item: str
    days: int
    moment: dict[str, str]


@cache
def default_windows() -> dict[str, Window]:
    raw = read_json("seeds", "fact_windows.json")
    return {item: Window(item, int(entry["window_days"]), dict(entry["moment"]))
            for item, entry in raw["items"].items()}


def parse_windows(text: str) -> tuple[tuple[str, int], ...]:
    """'motor_function=7,pain=14' -> overrides; ValueError naming what is wrong."""
    known = default_windows()
    found = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        item, _, days = part.partition("=")
        if item.strip() not in known or not days.strip().isdigit() or int(days) < 1:
            raise ValueError(f"BONEMET_FACT_WINDOWS: cannot read {part!r}; write item=days with an item of "
                             f"{', '.join(sorted(known))} and a whole number of days >= 1")
        found.append((item.strip(), int(days)))
    return tuple(found)


def windows(overrides: tuple[tuple[str, int], ...] = ()) -> dict[str, Window]:
    chosen = dict(default_windows())
    for item, days in overrides:
        chosen[item] = Window(item, days, chosen[item].moment)
    return chosen


def _named(item: str) -> ItemName:
    return ItemName(item, in_sentence=True)  # "it cannot describe motor function before radiotherapy"


class Event(msgspec.Struct, frozen=True):
    """What a record must come after: ``when`` it began, and its name in a message."""

    when: DateSpan
    what: Said


def out_of_time(when: DateSpan | None, item: str, as_of: date, chosen: dict[str, Window],
                after: tuple[Event, ...] = (), since: DateSpan | None = None,
                before: tuple[Event, ...] = ()) -> Said | None:
    """Why a record dated ``when`` cannot stand for ``item`` as of ``as_of``, or None when it can. ``since``:
    the start of the period it was made over, when a period (ending ``when``) dates it. ``before``: what the item
    comes before (a radiotherapy already begun, for a status "before radiotherapy")."""
    if when is None:
        return None
    for event in before:
        if surely_before(event.when, when):  # surely after it began: the same day may be before it
            return said("recorded {date}, after {event} began ({began}): it cannot describe {item}: not counted",
                        date=when.text, event=event.what, began=event.when.text, item=_named(item)) \
                if when.earliest > event.when.latest else _by_times(when, event, item, later=True)
    for event in after:
        if surely_before(when, event.when):  # surely before: a partial date that may be after is not refused
            return said("recorded {date}, before {event} ({began}): it cannot describe {item}: not counted",
                        date=when.text, event=event.what, began=event.when.text, item=_named(item)) \
                if event.when.earliest > when.latest else _by_times(when, event, item, later=False)
        if since is not None and event.when.earliest > since.latest:  # a span that surely began before it
            return said("recorded over {start} to {date}, a period that began before {event} ({began}): it may "
                        "describe the time before, so it cannot stand for {item}: not counted", start=since.text,
                        date=when.text, event=event.what, began=event.when.text, item=_named(item))
    window = chosen.get(item)
    first = min(before, key=lambda event: event.when.earliest, default=None)
    if window is not None and first is not None and first.when.latest < as_of:  # the moment it describes has passed:
        return _older_than(when, first, window, item)  # its age is taken then (probe 20: refused as of today)
    # A partial date ("2026") may be as old as its first day: the record counts only if it is surely recent.
    if window is not None and (as_of - when.earliest).days > window.days and (as_of - when.latest).days <= window.days:
        return said("recorded {date}, {age} days before the assessment: it may be older than the {days}-day window "
                    "for {item} (a setting of this hospital), so it is not counted", date=when.text,
                    age=f"{(as_of - when.latest).days}–{(as_of - when.earliest).days}", days=window.days,
                    item=_named(item))
    if window is not None and (as_of - when.earliest).days > window.days:
        return said("recorded {date}, {age} days before the assessment: older than the {days}-day window for "
                    "{item} (a setting of this hospital): not counted", date=when.text,
                    age=(as_of - when.earliest).days if when.exact else
                    f"{(as_of - when.latest).days}–{(as_of - when.earliest).days}", days=window.days,
                    item=_named(item))
    return None


def _older_than(when: DateSpan, first: Event, window: Window, item: str) -> Said | None:
    """Why a record of an item "before radiotherapy" is too old for it, its age taken on the course's first day
    (its latest possible one: a course known to the month may have begun at its end)."""
    began = first.when.latest
    if (began - when.earliest).days <= window.days:
        return None
    return said("recorded {date}, {age} days before {event} began ({began}): older than the {days}-day window for "
                "{item} (a setting of this hospital): not counted", date=when.text, event=first.what,
                began=first.when.text, age=(began - when.earliest).days if when.exact and first.when.exact else
                f"{max(0, (first.when.earliest - when.latest).days)}–{(began - when.earliest).days}",
                days=window.days, item=_named(item))


def surely_before(first: DateSpan, then: DateSpan) -> bool:
    """Whether ``first`` is surely before ``then``: by their instants where both are dateTimes with a time and zone
    (a status at 09:00 before a deficit that began at 19:00; 00:50 in Paris before 23:55 UTC the day before), else by
    their days (a day alone may be any time of it; a partial date, any of its days)."""
    if first.exact and then.exact and first.instant is not None and then.instant is not None:
        return first.instant < then.instant
    return first.latest < then.earliest


def _by_times(when: DateSpan, event: Event, item: str, later: bool) -> Said:
    """Why a record its day alone would not place is before or after an event: their times say it."""
    if when.earliest == event.when.earliest:
        return said("recorded {date}, later that day than {event} began: it cannot describe {item}: not counted",
                    date=when.text, event=event.what, item=_named(item)) if later else said(
            "recorded {date}, earlier that day than {event}: it cannot describe {item}: not counted",
            date=when.text, event=event.what, item=_named(item))
    return said("recorded {date}, after {event} began ({began}), by their times and time zones: it cannot describe "
                "{item}: not counted", date=when.text, event=event.what, began=event.when.text,
                item=_named(item)) if later else said(
        "recorded {date}, before {event} ({began}), by their times and time zones: it cannot describe {item}: not "
        "counted", date=when.text, event=event.what, began=event.when.text, item=_named(item))


def started(end: DateSpan, days_high: Any) -> DateSpan:
    """The day something began that had lasted at most ``days_high`` days on ``end``."""
    # A duration longer than the calendar ("1000000 d") began before any date a record can hold.
    first = end.earliest - timedelta(days=int(days_high)) if int(days_high) < (end.earliest - date.min).days \
        else date.min
    return DateSpan(first, first, first.isoformat())
