"""Rades visceral metastases at radiotherapy: yes (5), no (8).

From an Observation ``visceral-metastases`` (present / absent, or a boolean) and from
active visceral metastasis Conditions (present). Absence is never inferred from a
missing Condition. Brain, other nervous-system and unspecified-site metastases are not
classed by the guideline: with nothing else said they leave "yes or no".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from msgspec.structs import replace

from ...calculators import OneOf
from ...calculators.values import ItemName
from ...i18n import N_, Said, said
from ..dates import parse_date
from ..evidence import CONFLICT, LATEST_COUNTS, choose
from ..model import Fact
from ..moments import Event
from ..record import PatientRecord
from ..vocabulary import PRESENCE_VS, PRESENT, SUPPLIED_BY
from .candidates import condition_candidates, observation_candidates, read_codings

ITEM = "visceral_metastases"
PAST_BESIDE_ABSENT = N_("{conditions}: a visceral metastasis recorded as no longer active, beside the visceral status "
                        "\"absent\"; the guideline does not say whether a past one counts")
BRAIN_BESIDE_ABSENT = N_("{conditions}: a brain, nervous system or unspecified metastasis is recorded beside the "
                         "visceral status \"absent\"; the guideline does not say whether it counts as visceral")


VISCERAL_METASTASIS_VS = "visceral-metastasis"
_WORDS = {"yes": said("present"), "no": said("absent")}


def _presence(record: PatientRecord, observation: dict[str, Any]) -> tuple[str | None, Said | None]:
    if isinstance(observation.get("valueBoolean"), bool):
        return ("yes" if observation["valueBoolean"] else "no"), None
    # A value naming a visceral metastasis itself ("Secondary malignant neoplasm of liver") says one is present.
    presence = lambda concept: (  # noqa: E731
        "yes" if record.terms.coding_in(concept, VISCERAL_METASTASIS_VS) else
        None if (coding := record.terms.coding_in(concept, PRESENCE_VS)) is None else
        "yes" if coding["code"] in PRESENT else "no")
    value, why = read_codings(observation.get("valueCodeableConcept"), presence)
    if value is not None or why is not None:
        return value, why
    return None, said("visceral metastases value is not present/absent or yes/no (ValueSet presence) nor a boolean")


def visceral_fact(record: PatientRecord, observations: list[dict[str, Any]], before: tuple[Event, ...] = ()) -> Fact:
    """``before``: the compression's radiotherapies begun: Rades asks the status when radiotherapy began, so an
    "absent" is superseded only by a metastasis that began before them (one found since leaves both open)."""
    conditions = condition_candidates(
        record, "visceral", ITEM, "yes", "active visceral metastasis Condition",
        said("visceral metastasis is not active: does not count as present"), unconfirmed=OneOf("yes", "no"))
    # "Absent" recorded before a visceral metastasis began describes the time before it, not now: no conflict.
    first_course = min((event.when.earliest for event in before), default=None)
    began = min((c for c in conditions if c.value == "yes" and c.when is not None
                 and (first_course is None or (c.when is not None and c.when.latest <= first_course))),
                key=lambda c: c.when.earliest if c.when else date.max, default=None)
    superseded: list[Said] = []
    if began is not None and began.when is not None:
        current = []
        for observation in observations:
            when = record.effective(observation)
            if when is not None and when.latest < began.when.earliest and _presence(record, observation)[0] == "no":
                why = said("recorded absent {date}, before {condition} began ({onset}): it describes the time before, "
                           "not counted", date=when.text, condition=began.source, onset=began.when.text)
                record.report.ignore(record.ref(observation), why)
                superseded.append(said("{resource}: {why}", resource=record.ref(observation), why=why))
            else:
                current.append(observation)
        observations = current
    unread: list[Said] = []
    candidates = observation_candidates(record, observations, _presence, ITEM,
                                        lambda value: "Observation visceral-metastases", unread)
    fact = _ended_since(record, choose(ITEM, candidates + conditions, tuple(superseded)))
    if fact.missing and unread:  # none read: those that could not be, said with it
        fact = replace(fact, notes=fact.notes + tuple(unread))
    recorded = parse_date(fact.recorded) if fact.recorded and first_course is not None else None
    # The last status before the course (review 29: not the last one that disagrees) against the one since.
    prior = [c for c in candidates + conditions if first_course is not None and c.when is not None
             and c.when.latest < first_course and isinstance(c.value, str)]
    last_day = max((c.when.latest for c in prior if c.when), default=None)  # any of that day disagreeing (review 30)
    latest = next((c for c in prior if c.when and c.when.latest == last_day and c.value != fact.value), None)
    if recorded is not None and first_course is not None and recorded.earliest > first_course and latest is not None \
            and latest.value != fact.value and isinstance(fact.value, str):  # probe 26
        fact = Fact(ITEM, OneOf("yes", "no"), fact.sources + (latest.source,), "records before and since disagree",
                    tuple(dict.fromkeys(fact.flags + (CONFLICT,))), tuple(  # not "the latest counts": it may not
                        note for note in fact.notes if getattr(note, "template", "") != LATEST_COUNTS) + (said(
                        "{before} gives {was} before its radiotherapy began ({began}), {since} {now} since: which held "
                        "when it began is not known, so both stay possible", before=latest.source,
                        was=_WORDS[latest.value], began=first_course.isoformat(), since=fact.sources[0],
                        now=_WORDS[str(fact.value)]),), SUPPLIED_BY[ITEM], fact.recorded)
    elif recorded is not None and first_course is not None and recorded.earliest > first_course:  # probe 24 p04
        fact = replace(fact, notes=fact.notes + (said(
            "recorded {date}, after its radiotherapy began ({began}): Rades scores the visceral status when "
            "radiotherapy began, which this record does not describe; counted as recorded", date=fact.recorded[:10],
            began=first_course.isoformat()),))
    undetermined = [c for c in record.conditions["undetermined_site"] if record.active(c)[0]]
    if not fact.missing:
        for condition in undetermined:  # it could change the answer only beside "absent"
            record.report.ignore(record.ref(condition), said("site not classed as visceral; visceral status given "
                                                             "elsewhere"), attention=fact.value == "no")
        past = [record.ref(c) for c in record.conditions["visceral"] if not record.active(c)[0]]
        notes = ((Said(BRAIN_BESIDE_ABSENT, {"conditions": ", ".join(record.ref(c) for c in undetermined)}),)
                 if undetermined else ()) + ((Said(PAST_BESIDE_ABSENT, {"conditions": ", ".join(past)}),)
                                             if past else ())
        if notes and fact.value == "no":  # "absent" beside a brain or a past visceral metastasis: the reader sees both
            return replace(fact, notes=fact.notes + notes)
        return fact
    for condition in undetermined:
        record.report.use(record.ref(condition), said("{item}", item=ItemName(ITEM)))
    if undetermined:
        return Fact(ITEM, OneOf("yes", "no"), tuple(record.ref(c) for c in undetermined),
                    "metastasis of a site the guideline does not class as visceral or not", (),
                    (said("brain, nervous system or unspecified metastasis: the guideline does not say whether it "
                          "counts as visceral"),), SUPPLIED_BY[ITEM])
    if record.unplaced_metastases:  # named as metastases: the note must not say that nothing was recorded
        return Fact(ITEM, notes=(said("{conditions}: a metastasis at a site the calculators do not class as visceral "
                                      "or not; check whether it is visceral", conditions=", ".join(
                                          record.unplaced_metastases)),), supplied_by=SUPPLIED_BY[ITEM])
    past = [record.ref(c) for kind in ("visceral", "undetermined_site") for c in record.conditions[kind]
            if not record.active(c)[0]]
    for ref in past:  # named where the item is missing: it is not nothing (a probe's resolved brain metastasis)
        record.report.ignore(ref, said("metastasis not active: not counted as present now"), attention=True)
    return Fact(ITEM, notes=(said("nothing recorded says whether there are visceral metastases; no record of one "
                                  "is not taken to mean there are none"),) + ((said(
                                      "{conditions}: a metastasis recorded as no longer active, not counted as present "
                                      "now; the guideline does not say whether a past one counts",
                                      conditions=", ".join(past)),) if past else ()), supplied_by=SUPPLIED_BY[ITEM])


def _ended_since(record: PatientRecord, fact: Fact) -> Fact:
    """"Present" by an Observation, a visceral metastasis recorded as ended after it (probe 26: "present" of
    2026-09-15 counted, a liver metastasis resolved 2026-10-01 said nowhere): whether one remains is not known, so
    both stay possible, and the card says why. One recorded present again since its end is as recorded."""
    when = parse_date(fact.recorded) if fact.value == "yes" and fact.recorded else None
    if when is None or not all(source.startswith("Observation/") for source in fact.sources):
        return fact
    ended = [(record.ref(condition), abated) for condition in record.conditions["visceral"]
             if not record.active(condition)[0] and (abated := parse_date(record.abated(condition))) is not None
             and abated.earliest > when.latest]
    if not ended:
        return fact
    return Fact(ITEM, OneOf("yes", "no"), fact.sources + tuple(ref for ref, _ in ended),
                "an Observation and a Condition disagree", tuple(dict.fromkeys(fact.flags + (CONFLICT,))),
                fact.notes + (said("{observation} records a visceral metastasis on {date}; {conditions} records one "
                                   "ended since ({ended}): whether one remains when radiotherapy begins is not known, "
                                   "so both stay possible", observation=fact.sources[0], date=when.text,
                                   conditions=", ".join(ref for ref, _ in ended),
                                   ended=", ".join(span.text for _, span in ended)),),
                SUPPLIED_BY[ITEM], fact.recorded)
