"""FHIR dates with their precision, and the intervals the calculators need.

A FHIR date may be a year (``2024``), a month (``2024-03``), a day or a
dateTime. A partial date is the whole span it names; an interval between two
such dates is then a range, and the calculators show when the range straddles
a table boundary (15 months, 7 or 14 days).

Days are the record's own, local to the clinic that wrote it; only whether a record is after the assessment
date also reads the instant of a dateTime with its zone (``after``).
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

import msgspec

UNBOUNDED = date.min  # the first day of a date known only as a bound ("on or before"): see ``DateSpan``
# The whole text: a year, a month or a day, a time after "T" (dropped). "20261105" or "2026-1105" is no date, never
# a year or a month read from its first characters (the doors refuse them; this keeps every reader safe too).
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T\S*)?)?)?$")


class DateSpan(msgspec.Struct, frozen=True):
    """The first and last day a FHIR date can mean; ``earliest`` is ``UNBOUNDED`` for a date known only
    as a bound (a diagnosis on or before the day its Condition was recorded)."""

    earliest: date
    latest: date
    text: str
    # The instant a dateTime with a time and zone names (the end's, for a period): "00:15 on the 7th in Paris" is
    # before an assessment at 23:30 UTC on the 6th. None for a date, or a time without its zone.
    instant: datetime | None = None

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest


def parse_date(text: str | None) -> DateSpan | None:
    """``None`` for a missing or unreadable date. Times are dropped, from the span and from its text: the
    calculators count whole days and months, and a message says the day ("recorded 2026-11-26", not its
    "T10:30:00+01:00", which a French card cannot set as a date either)."""
    if not isinstance(text, str):
        return None
    # A record names the same few dates many times (a DateSpan is immutable): cached, but only texts as long as a
    # FHIR dateTime can be, so that the cache cannot be made to hold what a client sends.
    return _cached_parse(text) if len(text) <= _LONGEST_DATE else _parse_text(text)


def effective_date(observation: dict[str, Any]) -> DateSpan | None:
    """When an Observation was made: its effective[x] (a period by its end), else when it was issued."""
    period = observation.get("effectivePeriod") or {}
    for text in (observation.get("effectiveDateTime"), observation.get("effectiveInstant"),
                 period.get("end"), period.get("start"), observation.get("issued")):
        span = parse_date(text)
        if span:
            return span
    return None


_LONGEST_DATE = 40  # "2024-03-05T10:20:30.123456789+01:00" is 35


def _parse_text(text: str) -> DateSpan | None:
    match = _PATTERN.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            exact = date(int(year), int(month), int(day))
            return DateSpan(exact, exact, text[:10], _instant(text))  # the day, as messages say it (no time)
        if month:
            last = calendar.monthrange(int(year), int(month))[1]
            return DateSpan(date(int(year), int(month), 1), date(int(year), int(month), last), text)
        return DateSpan(date(int(year), 1, 1), date(int(year), 12, 31), text)
    except ValueError:
        return None


def _instant(text: str) -> datetime | None:
    if len(text) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # "T24:00:00", or a shape the pattern let through: the day alone is read
        return None
    return moment if moment.tzinfo is not None else None


_cached_parse = functools.lru_cache(maxsize=4096)(_parse_text)


def assessment_moment(as_of: date, when: datetime) -> datetime | None:
    """The last instant an assessment as of ``as_of``, made at ``when``, sees: ``when`` itself on its own day, else
    the end of ``as_of`` in the zone of ``when`` (the site's). None when ``when`` has no zone."""
    if when.tzinfo is None:
        return None
    return min(when, datetime.combine(as_of, time.max, tzinfo=when.tzinfo))


def timed_by(span: DateSpan, moment: datetime | None) -> bool:
    """Whether a record timed with its zone is at or before ``moment``, whatever day its local date says."""
    return span.instant is not None and moment is not None and span.instant <= moment


def after(span: DateSpan, as_of: date, moment: datetime | None) -> bool:
    """Whether a record dated ``span`` is after the assessment date: its day is, and it is not timed at or before
    the assessment moment (records carry the clinic's local times; the assessment date may be another zone's day)."""
    return span.earliest > as_of and not timed_by(span, moment)


# Two clocks (the EHR's, the service's) may differ by a few minutes: a record made "now" is not one made ahead.
CLOCK_SKEW = timedelta(minutes=5)


def ahead(span: DateSpan, moment: datetime | None) -> bool:
    """Whether a record is timed, with its zone, later than the assessment moment by more than two clocks differ.
    On the assessment's own day it still counts (probe 22: set aside, a paraplegia timed 10:00-05:00 left an older
    "ambulatory" to score 38, "excellent result"; a laminectomy timed 16:00 vanished): it is flagged, its time said."""
    return span.instant is not None and moment is not None and span.instant > moment + CLOCK_SKEW


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=4096)  # a pure function of two days; a record asks the same spans for each item
def months_between(start: date, end: date) -> Fraction:
    """Calendar months from ``start`` to ``end``: whole months, then the share of
    the next month. 2023-01-10 to 2024-04-10 is exactly 15."""
    if end < start:
        return -months_between(end, start)
    whole = (end.year - start.year) * 12 + end.month - start.month
    if _add_months(start, whole) > end:
        whole -= 1
    anchor, following = _add_months(start, whole), _add_months(start, whole + 1)
    return whole + Fraction((end - anchor).days, (following - anchor).days)


def month_range(start: DateSpan, end: DateSpan) -> tuple[Fraction, Fraction]:
    """Smallest and largest number of months between two possibly partial dates."""
    return months_between(start.latest, end.earliest), months_between(start.earliest, end.latest)


def day_range(start: DateSpan, end: DateSpan) -> tuple[int, int]:
    return (end.earliest - start.latest).days, (end.latest - start.earliest).days


def reversed_period(period: Any) -> bool:
    """A period whose end, read, comes before its start, read (FHIR's per-1)."""
    if not isinstance(period, dict):
        return False
    start, end = (parse_date(text) if isinstance(text, str) else None for text in (period.get("start"),
                                                                                    period.get("end")))
    return bool(start and end and end.latest < start.earliest)


def performed(procedure: dict[str, Any]) -> DateSpan | None:
    """The day it was done: performedDateTime, else its period: any day from its start to its end (over several
    days, which one is not said: a range, as a month is), or the one it gives."""
    written = procedure.get("performedDateTime")
    done = parse_date(written) if isinstance(written, str) else None
    if done:
        return done
    period: dict[str, Any] = procedure["performedPeriod"] if isinstance(procedure.get("performedPeriod"), dict) else {}
    start, end = (parse_date(text) if isinstance(text, str) else None
                  for text in (period.get("start"), period.get("end")))
    if start and end and end.latest >= start.earliest:
        return end if (start.earliest, start.latest) == (end.earliest, end.latest) else DateSpan(
            start.earliest, end.latest, f"{start.text[:10]} – {end.text[:10]}", end.instant)
    if start and end:  # ending before it starts (FHIR's per-1): which date is wrong is not guessed, so either
        return DateSpan(end.earliest, start.latest, f"{start.text[:10]} – {end.text[:10]}")  # (as a month is)
    return end or start
