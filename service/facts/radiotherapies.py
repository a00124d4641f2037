"""Radiotherapies given: a course of this lesion or compression recorded as done or begun, said on its card, whose
advice may be what was given; and a pain recorded since a course began. Read from ``procedures``' Procedures."""

from __future__ import annotations

from datetime import date

from msgspec.structs import replace

from ..i18n import Said, said
from .dates import DateSpan, parse_date
from .model import Fact
from .place import LEFT, RIGHT, one_long_bone, side_beside_bone
from .procedure_model import Procedure, treated
from .procedures import STATUS_WORDS, procedures_done
from .record import PatientRecord

# The templates of ``radiotherapies_given``'s flags that say a course of this lesion or compression was given (in part
# or in full): an order of radiotherapy for it re-irradiates it (said on its §2 card).
GIVEN_NOW = frozenset({  # a course this card's advice may be: said before the action in the summary
    "a radiotherapy of it is recorded ({course}): this card's advice may be what was given; the guideline gives "
    "re-irradiation rates (20 % after 8 Gy, 8 % after the other schemes), no rule for irradiating again",
    "a radiotherapy of it is recorded {status} ({course}): this card's advice may be what is being given"})
IRRADIATED = GIVEN_NOW | {
    "a radiotherapy of it is recorded before the records this score rests on ({course}): the advice is for a new "
    "course; the guideline gives re-irradiation rates (20 % after 8 Gy, 8 % after the other schemes), no rule for "
    "irradiating again"}


def ended(record: PatientRecord, course: Procedure) -> bool:
    """A course over: given in full, or stopped before its end (FHIR's "stopped") on a day it records (its date, its
    period's end); one with a start only may have run until now (review 29: its start alone was read as its end)."""
    resource = record.get(course.ref) if course.ref in record.by_ref else {}
    period = resource.get("performedPeriod")
    return course.status == "completed" or (course.status == "stopped" and (isinstance(
        resource.get("performedDateTime"), str) or (isinstance(period, dict) and isinstance(period.get("end"), str))))


def radiotherapies_given(record: PatientRecord, condition: str, bone: str | None = None,
                         side: str | None = None, onset: DateSpan | None = None,
                         history: date | None = None) -> tuple[Said, ...]:
    """A radiotherapy of this lesion or compression recorded as done: said on its card, whose advice may be what was
    given already (the guideline gives re-irradiation rates, no rule for when to irradiate again). ``history``: a
    course done and ended before this day is before every record the score rests on (Rades's motor window): the
    advice is then for a new course."""
    given = radiotherapies_of(record, condition, bone, side)
    for course in given:  # named on the card by its words and date
        record.report.use(course.ref, said("radiotherapy given for {condition}, said on its card", condition=condition))
    return tuple(said("a radiotherapy of the same bone and side is recorded before this lesion began ({course}): not "
                      "of this lesion; check what it covered", course=course.ref)
                 if _before(course, onset) else
                 said("a radiotherapy of it is recorded before the records this score rests on ({course}): the advice "
                      "is for a new course; the guideline gives re-irradiation rates (20 % after 8 Gy, 8 % after the "
                      "other schemes), no rule for irradiating again", course=course.ref)
                 if history and ended(record, course) and course.performed and course.performed.latest < history
                 else
                 said("a radiotherapy of it is recorded ({course}): this card's advice may be what was given; the "
                      "guideline gives re-irradiation rates (20 % after 8 Gy, 8 % after the other schemes), no rule "
                      "for irradiating again", course=course.ref) if course.status == "completed" else
                 said("a radiotherapy of it is recorded {status} ({course}): this card's advice may be what is being "
                      "given", status=STATUS_WORDS[course.status], course=course.ref) for course in given)


def pain_under_radiotherapy(record: PatientRecord, condition: str, bone: str | None, side: str | None,
                            onset: DateSpan | None, pain: Fact) -> Fact:
    """A lesion's pain recorded after a radiotherapy of it began: counted as recorded, and said. Radiotherapy
    relieves pain, and the sources do not say whether Mirels scores the pain before it (Rades's Tableau 4 says
    "before radiotherapy"; the Mirels table does not)."""
    when = parse_date(pain.recorded) if pain.recorded else None
    if when is None:
        return pain
    first = min((course.began for course in radiotherapies_of(record, condition, bone, side)
                 if course.began is not None and not _before(course, onset)),
                key=lambda span: span.earliest, default=None)
    if first is None or when.earliest <= first.latest:  # the same day may be before it
        return pain
    return replace(pain, notes=pain.notes + (said(
        "the pain was recorded {date}, after a radiotherapy of this lesion began ({began}): radiotherapy relieves "
        "pain, and the sources do not say whether Mirels scores the pain before it; counted as recorded",
        date=when.text, began=first.text),))


def _before(course: Procedure, onset: DateSpan | None) -> bool:
    """Surely done before the lesion began, and linked to it by its bone and side only (a reason naming the
    lesion makes it the lesion's, whatever its date)."""
    return bool(onset and course.performed and not course.reasons and course.performed.latest < onset.earliest)


def radiotherapies_of(record: PatientRecord, condition: str, bone: str | None = None,
                      side: str | None = None) -> list[Procedure]:
    """The radiotherapies of this lesion or compression given, in full or in part (under way, paused, stopped). One
    coded in no list whose words name a radiotherapy ("Radiothérapie rachis T7-T9 20 Gy/5", CCAM) counts where its
    reason names this Condition: a motor status recorded under it is no status "before radiotherapy" (probe 18)."""
    procedures_done(record)  # reads them
    return [course for course in procedures_done(record) + record.once("radiotherapies-begun", list)
            if course.kind == "radiotherapy" and treated(course, condition, bone, side)] + [
        course for course in record.once("unread-courses", list) if condition in course.reasons]


def radiotherapies_maybe(record: PatientRecord, condition: str, bone: str | None, side: str | None,
                         onset: DateSpan | None) -> tuple[Said, ...]:
    """A radiotherapy naming no Condition that may be of this lesion, its side not stated on it or on the lesion, or
    its site not coded and its words naming this bone ("RTE fémur D 8 Gy", no bodySite: probe 23 v10, v11, said
    nowhere beside "radiotherapy is the first treatment"): said, never settled. Its words give a bone only, to say it
    on that bone's cards; a side in them links nothing. One done before the lesion began is none of its (review 26)."""
    if not bone:
        return ()
    found = [course for course in procedures_done(record) + record.once("radiotherapies-begun", list)
             if course.kind == "radiotherapy" and not course.reasons and not treated(course, condition, bone, side)
             and not (onset and course.performed and course.performed.latest < onset.earliest)
             and ((course.bone == bone and (course.side is None or side is None))
                  or (course.bone is None and course.place is None and one_long_bone(course.description) == bone))]
    # A course coded in no list ("Séance d'irradiation externe", CCAM), its words naming one, naming no Condition
    # (probe 27: dropped without a word where the same course coded in SNOMED CT was said): its bone, by its bodySite
    # or its words, is this lesion's, on no other side. It may be of this lesion; what it covered is not read.
    unread = [course for course in record.once("unread-courses", list)
              if not course.reasons and not (onset and course.performed and course.performed.latest < onset.earliest)
              and ((course.bone == bone and not (course.side and side and course.side != side))
                   or (course.bone is None and course.place is None and one_long_bone(course.description) == bone))]
    for course in found + unread:
        record.report.use(course.ref, said("a radiotherapy that may be of {condition}, said on its card",
                                           condition=condition))
    return tuple(said("a radiotherapy that may be of this lesion is recorded ({course}), its site, or the side of one "
                      "of them, not coded: if it is, this card's advice may be what was given; check what it covered",
                      course=course.ref) for course in found) + tuple(
        # Its words beside the bone give the other side (review 31: "RTE fémur D" on the left femur's card): said.
        said("a radiotherapy is recorded ({course}), its code in none of the procedure lists read here, its words "
             "naming this bone on the other side: check which side it covered", course=course.ref)
        if side in (LEFT, RIGHT) and course.side is None
        and side_beside_bone(course.description, bone) in ({LEFT, RIGHT} - {side}) else
        said("a radiotherapy that may be of this lesion is recorded ({course}), its code in none of the procedure "
             "lists read here: if it is, this card's advice may be what was given; check what it covered",
             course=course.ref) for course in unread)
