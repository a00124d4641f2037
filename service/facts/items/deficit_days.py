"""Rades time developing motor deficits: 1-7 days (4), 8-14 days (7), > 14 days (9).

From an Observation ``days-developing-motor-deficits`` (UCUM h, d, wk, mo), which says
when the deficit began: the days it gives, plus the days from the record to the assessment date
(Tableau 4 counts the time before radiotherapy, which is decided now), or to the first day of a radiotherapy of the
compression already begun. A paraplegia Condition's
onset is *not* the start of the deficit (weakness usually comes first): it only says the
deficit began on or before that date, so the item is "at least" the days since then, to the assessment date, and
the card says the start is not recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from msgspec.structs import replace

from ...calculators import AtLeast, Between, OneOf, load_table
from ...i18n import N_, Said, said
from ..dates import DateSpan, day_range
from ..evidence import CONFLICT, choose, one_of, show
from ..model import Fact
from ..record import PatientRecord
from ..terminology import codings
from ..unrecognised import names_motor_deficit
from ..vocabulary import ROW_SYSTEM, SUPPLIED_BY
from .candidates import observation_candidates
from .quantities import DURATION_DAYS, ucum_or_bound

ITEM = "days_developing_motor_deficits"


def _duration(record: PatientRecord, observation: dict[str, Any], end: DateSpan,
              operated: tuple[DateSpan, ...] = ()) -> tuple[Any, Said | None]:
    row = _row(observation) if "valueQuantity" not in observation else None
    if row is not None:  # the table's own row (CodeSystem table-row): its days as of the record, counted on
        return _counted(row, record.effective(observation), end, operated), None
    days, problem = ucum_or_bound(observation.get("valueQuantity"), DURATION_DAYS, said("duration of motor deficit"))
    if problem or days is None:
        return days, problem
    whole: Any = int(days) if isinstance(days, Fraction) and days.denominator == 1 else days
    return _counted(whole, record.effective(observation), end, operated), None


def _operated_between(recorded: DateSpan | None, end: DateSpan, operated: tuple[DateSpan, ...]) -> DateSpan | None:
    """The first operation of the compression (a decompression) done after the duration's record, before the end of
    the count (review 35: not an earlier one, a re-operation after the record being the one to count to)."""
    return next((day for day in sorted(operated, key=lambda span: span.earliest)
                 if recorded and recorded.latest < day.earliest and day.latest <= end.latest), None)


def _counted(days: Any, recorded: DateSpan | None, end: DateSpan, operated: tuple[DateSpan, ...]) -> Any:
    """``until_assessment``; across an operation of the compression, from the days to the operation to those to the
    end (probe 29: "5 days" the day before a laminectomy counted on to 24 days, 9 points, the group settled: whether
    a deficit keeps developing after a decompression, and which time Tableau 4 counts then, the sources do not say)."""
    to_end = until_assessment(days, recorded, end)
    operation = _operated_between(recorded, end, operated)
    if operation is None:
        return to_end
    fewest = until_assessment(days, recorded, operation)
    low = fewest.low if isinstance(fewest, AtLeast | Between) else fewest
    if isinstance(to_end, AtLeast):
        return AtLeast(low, to_end.excluded)
    high = to_end.high if isinstance(to_end, Between) else to_end
    return Between(low, high) if high != low else to_end


def _row(observation: dict[str, Any]) -> Between | AtLeast | None:
    """The days a row of Tableau 4 stands for ("8_to_14_days": more than 7, at most 14), where the value is that row
    as the project's CodeSystem ``table-row`` codes it (probe 18: "has no numeric valueQuantity")."""
    concept = observation.get("valueCodeableConcept")
    bands = {band.value: band for band in _bands()}
    found = {coding.get("code") for coding in codings(concept) if coding.get("system") == ROW_SYSTEM} & bands.keys()
    if len(found) != 1:
        return None
    band = bands[found.pop()]
    low = band.above if band.above is not None else Fraction(1)  # the first row is "1–7 days" as recorded (not "0 to
    # 7", which its band also holds: a deficit of hours)
    excluded = band.above is not None and not band.above_inclusive
    return AtLeast(low, excluded=excluded) if band.up_to is None else Between(  # whole days: "> 7" is 8 or more
        low + 1 if excluded else low, band.up_to, high_excluded=not band.up_to_inclusive)


def _bands() -> tuple[Any, ...]:
    return next(item.bands for item in load_table("rades").items if item.name == ITEM)


def deficit_end(record: PatientRecord, radiotherapy: DateSpan | None) -> DateSpan:
    """Where the time before radiotherapy ends: the first day of one of this compression already begun, else the
    assessment date (the radiotherapy decided now)."""
    if radiotherapy is not None and radiotherapy.earliest <= record.as_of:
        return radiotherapy
    return DateSpan(record.as_of, record.as_of, record.as_of.isoformat())


def until_assessment(days: Any, recorded: DateSpan | None, end: DateSpan) -> Any:
    """A duration recorded on a day, as of ``end`` (the assessment date, or the first day of a radiotherapy already
    begun): the deficit began that many days before the record, so by then it has been developing for the days
    since as well (a range when a date is partial). Tableau 4 counts the time "avant la radiothérapie"."""
    if recorded is None:
        return days
    # A partial date ("2026-11") may end after the end: the record is not later than it.
    fewest, most = max((end.earliest - recorded.latest).days, 0), max((end.latest - recorded.earliest).days, 0)
    if most <= 0:
        return days
    if isinstance(days, AtLeast):
        return AtLeast(days.low + fewest, days.excluded)
    if isinstance(days, Between):
        return Between(days.low + fewest, days.high + most, days.low_excluded, days.high_excluded)
    return days + fewest if fewest == most else Between(days + fewest, days + most)


def deficit_days_fact(record: PatientRecord, observations: list[dict[str, Any]],
                      radiotherapy: DateSpan | None = None, operated: tuple[DateSpan, ...] = ()) -> Fact:
    """``radiotherapy``: the first day of a radiotherapy of the compression already begun, where the time before
    radiotherapy ends; ``operated``: the days of the operations of the compression (a decompression), past which the
    count is not certain."""
    end = deficit_end(record, radiotherapy)
    unread: list[Said] = []
    candidates = observation_candidates(record, observations, lambda r, o: _duration(r, o, end, operated), ITEM,
                                        lambda value: "Observation days-developing-motor-deficits", unread)
    bound = record.once(f"deficit-from-paraplegia-{end.text}", lambda: _from_paraplegia(record, end))
    if not candidates:  # missing: a motor deficit recorded as a diagnosis is named beside it (looked for only then)
        return replace(bound, notes=bound.notes + tuple(unread) + record.once(
            "motor-deficits-unread", lambda: _deficits_unread(record))) if bound.missing else bound
    if len(candidates) > 1:  # each said in a note of their conflict, as the record writes it
        candidates = [replace(c, shown=_as_recorded(record, c, end)) for c in candidates]
    recorded = _counted_on(record, choose(ITEM, candidates), end, operated)
    if not isinstance(bound.value, AtLeast) or recorded.value is None or _may_reach(recorded.value, bound.value.low):
        return recorded
    # A paraplegia since a date says the deficit began on or before it; a duration that makes it begin later
    # disagrees with it: both stay possible, and the card says so (never the one, silently).
    return Fact(ITEM, one_of([recorded.value, bound.value]), recorded.sources + bound.sources,
                "a Condition and an Observation disagree", tuple(dict.fromkeys(recorded.flags + (CONFLICT,))),
                recorded.notes + (said(
                    "the deficit's duration ({days}, {duration}) makes it begin after the paraplegia recorded since "
                    "{onset} ({paraplegia}): the two disagree, so both stay possible", days=show(recorded.value, ITEM),
                    duration=recorded.sources[0], onset=_onset_text(record, bound.sources[0]),
                    paraplegia=bound.sources[0]),),
                SUPPLIED_BY[ITEM])


def _counted_on(record: PatientRecord, fact: Fact, end: DateSpan, operated: tuple[DateSpan, ...] = ()) -> Fact:
    """The fact, with a note showing the days added to a duration recorded before the assessment date (a number
    on a card is traceable: "3 days" on a record of last month reads "> 14 days" in the table)."""
    if fact.value is None or len(fact.sources) != 1 or not fact.sources[0].startswith("Observation/"):
        return fact
    observation = record.get(fact.sources[0])
    days = _recorded_days(observation)
    when = record.effective(observation)
    if days is None:
        return fact
    written = _as_written(observation, days)
    if when is None or until_assessment(days, when, end) == days:  # not counted on: a value converted is traced
        return fact if written is None else replace(fact, notes=fact.notes + (said(
            "{source} ({date}) gives {value}", source=fact.sources[0], date=when.text, value=written) if when else said(
            "{source} (no date) gives {value}", source=fact.sources[0], value=written),))
    if (operation := _operated_between(when, end, operated)) is not None:
        return replace(fact, notes=fact.notes + (said(
            "{resource}: {days} when recorded ({date}); an operation of the compression is recorded since "
            "({operated}): whether the deficit's time counts on past it the guideline does not say, so {total}, from "
            "its count to the operation to its count to now", resource=fact.sources[0], days=written or show(
                days, ITEM), date=when.text, operated=operation.text, total=show(fact.value, ITEM)),))
    if end.earliest < record.as_of or end.latest < record.as_of:  # a radiotherapy already begun
        return replace(fact, notes=fact.notes + (said(
            "{resource}: {days} when recorded ({date}), counted on to the first day of its radiotherapy ({start}): "
            "{total}", resource=fact.sources[0], days=written or show(days, ITEM), date=when.text, start=end.text,
            total=show(fact.value, ITEM)),))
    return replace(fact, notes=fact.notes + (said(
        "{resource}: {days} when recorded ({date}), counted on to the assessment date: {total}, the time before "
        "radiotherapy if it begins now; if it began earlier, count to its first day", resource=fact.sources[0],
        days=written or show(days, ITEM), date=when.text, total=show(fact.value, ITEM)),))


def _recorded_days(observation: dict[str, Any]) -> Fraction | AtLeast | Between | None:
    """The days an Observation gives as recorded, not counted on: its row of the table, else its quantity."""
    days: Fraction | AtLeast | Between | None = _row(observation) if "valueQuantity" not in observation else None
    if days is None:
        days, _ = ucum_or_bound(observation.get("valueQuantity"), DURATION_DAYS, said("duration of motor deficit"))
    return days


_DAYS_WRITTEN = frozenset({"d", "day", "days", "jour", "jours", "j"})


def _as_written(observation: dict[str, Any], days: Any) -> Said | None:
    """A duration recorded in another unit than days, as the record writes it, beside the days it gives ("“2 semaines”
    (14 days)", "“36 h” (1.5 days)"): a card said "gives 15 days" and "2 semaines" nowhere (probe 29). None for days
    written as days, or a row of the table (its words are the table's)."""
    quantity = observation.get("valueQuantity")
    if not isinstance(quantity, dict):
        return None
    unit = quantity.get("unit") if isinstance(quantity.get("unit"), str) else quantity.get("code")
    if quantity.get("code") == "d" and str(unit).strip().casefold() in _DAYS_WRITTEN:
        return None
    written = " ".join(str(part).strip() for part in (quantity.get("comparator"), quantity.get("value"), unit)
                       if part is not None and str(part).strip())
    return said("“{written}” ({days})", written=written[:40], days=show(days, ITEM))


def _as_recorded(record: PatientRecord, candidate: Any, end: DateSpan) -> Said | None:
    """A duration as a note of several says it: as written, and the days it gives counted on to where the time before
    radiotherapy ends ("“2 semaines” (14 days) when recorded, 15 days counted on to 2026-12-08"); None: its days."""
    observation = record.get(candidate.source)
    days = _recorded_days(observation) if observation else None
    if days is None:
        return None
    written, when = _as_written(observation, days), record.effective(observation)
    if when is None or until_assessment(days, when, end) == days:
        return written
    return said("{recorded} when recorded, {total} counted on to {date}", recorded=written or show(days, ITEM),
                total=show(candidate.value, ITEM), date=end.text)


def began_at(record: PatientRecord, deficit: Fact) -> datetime | None:
    """The instant the deficit began, where one duration Observation with its time and zone says it exactly ("3 h"
    at 23:00): a status taken at 09:00 that day is from before it. None otherwise (days are then compared)."""
    if len(deficit.sources) != 1 or not deficit.sources[0].startswith("Observation/"):
        return None
    observation = record.get(deficit.sources[0])
    days, _ = ucum_or_bound(observation.get("valueQuantity"), DURATION_DAYS, said("duration of motor deficit"))
    when = record.effective(observation)
    quantity = observation.get("valueQuantity")
    unit = quantity.get("code") if isinstance(quantity, dict) else None
    # Only hours or minutes say an hour: "2 d" is a rounded count of days, not 48 hours to the minute.
    if when is None or when.instant is None or unit not in ("h", "min") or not isinstance(days, int | Fraction) \
            or isinstance(days, bool):
        return None
    try:
        return when.instant - timedelta(seconds=round(days * 86400))
    except OverflowError:  # a duration longer than the calendar: no instant (the days say what there is)
        return None


def _onset_text(record: PatientRecord, ref: str) -> str:
    onset = record.onset(record.get(ref))
    return onset.text if onset else ""


def _may_reach(days: Any, low: Any) -> bool:
    """Whether a duration may be ``low`` days or more."""
    if isinstance(days, OneOf):
        return any(_may_reach(value, low) for value in days.values)
    if isinstance(days, AtLeast):
        return True
    if isinstance(days, Between):
        return days.high >= low
    return days >= low


def _from_paraplegia(record: PatientRecord, as_of: DateSpan) -> Fact:
    for condition in record.conditions["paraplegia"]:
        onset = record.onset(condition)
        # One that began after the count's end (a radiotherapy's first day) bounds nothing before it: the motor
        # status does not count it either.
        if onset is None or onset.earliest > as_of.latest or not record.active(condition)[0]:
            continue
        low, _ = day_range(onset, as_of)
        ref = record.ref(condition)
        record.report.use(ref, ITEM)
        return Fact(ITEM, AtLeast(max(low, 0)), (ref,),
                    f"the paraplegia began {onset.text}; motor deficits began on or before it: at least the days "
                    f"from then to {as_of.text}, where the time before radiotherapy ends",
                    (N_("start of the deficit not recorded"),),
                    (said("when the motor deficit began is not recorded: the paraplegia's onset only bounds it"),),
                    SUPPLIED_BY[ITEM])
    return Fact(ITEM, notes=(said("when the motor deficit began is not recorded"),), supplied_by=SUPPLIED_BY[ITEM])


def _deficits_unread(record: PatientRecord) -> tuple[Said, ...]:
    """Motor deficits recorded as diagnoses no ValueSet reads ("Déficit moteur des membres inférieurs", muscle
    weakness): one may date this deficit, but nothing says it is the compression's. Named with their onset beside
    the missing item, never read (the card said "not recorded" and nothing more: probe 14)."""
    found = []
    for ref, resource in record.by_ref.items():
        if resource.get("resourceType") != "Condition" or not ref.startswith("Condition/") \
                or record.condition_kinds(resource) \
                or not names_motor_deficit(resource, codings(resource.get("code"))) or not record.active(resource)[0]:
            continue
        # Filed as a code nothing reads before a compression made it relevant; said on the Rades card, not twice.
        record.report.ignore(ref, said("a motor deficit recorded as a diagnosis: if it is the compression's, it dates "
                                       "its start; not read (the calculators read a deficit's duration)"), again=True)
        found.append(said("{resource} records a motor deficit: if it is this compression's, it began on that day; it "
                          "is not read as its start", resource=ref) if record.onset(resource) else said(
            "{resource} records a motor deficit, its onset not recorded; it is not read as this deficit's start",
            resource=ref))
    return tuple(found)
