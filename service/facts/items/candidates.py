"""Resources as candidates for an item, the two ways every Rades extractor gathers them.

* Observations: each is read by the item's reader; one it cannot read is named with the reason
  (it may change a score), the others are used.
* Conditions: an active one is a fixed value (visceral metastasis -> "yes", paraplegia ->
  "paraplegic"); an inactive one is named and does not count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...calculators import OneOf
from ...calculators.values import ItemName
from ...i18n import Said, said
from ..dates import parse_date
from ..evidence import Candidate, allowed_by_all
from ..moments import Event, out_of_time
from ..record import PatientRecord
from ..statuses import unconfirmed as diagnosis_unconfirmed
from ..terminology import codings, describe_concepts

Reader = Callable[[PatientRecord, dict[str, Any]], tuple[Any, "Said | None"]]


# FHIR's data-absent-reason codes, in words the card can say in the reader's language (the CodeSystem's displays
# are English); a code not listed is said as the record says it.
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_ABSENT_WORDS = {
    "unknown": said("unknown"), "asked-unknown": said("asked, but unknown"),
    "temp-unknown": said("temporarily unknown"),
    "not-asked": said("not asked"), "asked-declined": said("asked, but declined"), "masked": said("masked"),
    "not-applicable": said("not applicable"), "unsupported": said("unsupported"), "as-text": said("as text"),
    "error": said("error"), "not-a-number": said("not a number"), "negative-infinity": said("negative infinity"),
    "positive-infinity": said("positive infinity"), "not-performed": said("not performed"),
    "not-permitted": said("not permitted"),
}

_VALUES = ("valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger", "valueRange",
           "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod")


def unread_value(observation: dict[str, Any]) -> Said | None:
    """What an Observation holds instead of a value an item reads, said as the record says it, for one its
    reader could not read: why it has no value (dataAbsentReason), or a value written as text only."""
    held = [key for key in _VALUES if key in observation]
    reason = observation.get("dataAbsentReason")
    if not held and isinstance(reason, dict):
        coded = next((_ABSENT_WORDS[c["code"]] for c in codings(reason)
                      if c.get("system") == DATA_ABSENT and c.get("code") in _ABSENT_WORDS), None)
        return said("no value recorded, the record says why: {reason}",
                    reason=coded if coded else describe_concepts([reason]) or "–")
    text = observation.get("valueString")
    if held == ["valueString"] and isinstance(text, str) and text.strip():
        return said("recorded as text only ('{text}'), not as a code or a measurement: not read",
                    text=text.strip()[:80])
    return None


def observation_candidates(record: PatientRecord, observations: list[dict[str, Any]], read: Reader, item: str,
                           rule: Callable[[Any], str], unread: list[Said] | None = None) -> list[Candidate]:
    """A candidate per Observation ``read`` can read (value, None); the others named (None, why), and, in ``unread``,
    said for the item's own notes (probe 28: "no record of it was found" beside a status written as text)."""
    candidates = []
    for observation in observations:
        ref = record.ref(observation)
        value, problem = read(record, observation)
        if problem:
            problem = unread_value(observation) or problem
            record.report.ignore(ref, problem, attention=True)
            if unread is not None:
                unread.append(said("{resource}: {why}", resource=ref, why=problem))
            continue
        record.report.use(ref, said("{item}", item=ItemName(item)))
        candidates.append(Candidate(value, ref, record.effective(observation), record.observation_flags(observation),
                                    rule(value)))
    return candidates


def condition_candidates(record: PatientRecord, kind: str, item: str, value: Any, rule: str,
                         inactive: Said, unconfirmed: Any = None) -> list[Candidate]:
    """Candidates from the patient's Conditions of ``kind``, worked out once per patient. ``unconfirmed``: the value
    of one whose diagnosis is not confirmed (provisional, differential), where it may not hold."""
    return conditions_before(record, kind, item, value, rule, inactive, (), unconfirmed)[0]


def conditions_before(record: PatientRecord, kind: str, item: str, value: Any, rule: str, inactive: Said,
                      before: tuple[Event, ...], unconfirmed: Any = None,
                      withheld: Callable[[dict[str, Any]], Said | None] | None = None,
                      ) -> tuple[list[Candidate], list[Said]]:
    """``condition_candidates`` of a state "before" events (a motor status before radiotherapy): a Condition that
    began after one of them began describes the time since, is not counted and is named, with why (the item's
    notes). ``withheld``: why a Condition of the kind does not give ``value`` after all (named the same way)."""
    def compute() -> tuple[list[Candidate], list[Said]]:
        found, late = [], []
        for condition in record.conditions[kind]:
            ref = record.ref(condition)
            active, flags = record.active(condition)
            onset = record.onset(condition)
            ended = _ended_since(condition, onset, before) if not active and before else None
            if not active and ended is None:
                why = said("{why}; the reason: {detail}", why=inactive, detail=flags[0]) if flags else inactive
                record.report.ignore(ref, why)
                continue
            why_not = withheld(condition) if withheld is not None else None
            if why_not is not None:
                record.report.ignore(ref, why_not, attention=True)
                late.append(said("{resource}: {why}", resource=ref, why=why_not))
                continue
            if ended is not None:  # over now, but it held when the radiotherapy began: the status before it
                flags = (said("ended {date}, after the radiotherapy began: it is the status before it",
                              date=ended.text),)
            after = out_of_time(onset, item, record.as_of, {}, before=before) if before else None
            if after is not None:
                record.report.ignore(ref, after, attention=True)
                late.append(said("{resource}: {why}", resource=ref, why=after))
                continue
            record.report.use(ref, said("{item}", item=ItemName(item)))
            unsure = unconfirmed is not None and diagnosis_unconfirmed(condition) is not None
            found.append(Candidate(unconfirmed if unsure else value, ref, onset, flags, rule, "condition"))
        return found, late

    return record.once(f"{kind}-conditions-{'|'.join(event.when.text for event in before)}", compute)


def _ended_since(condition: dict[str, Any], onset: Any, before: tuple[Event, ...]) -> Any:
    """When a Condition no longer active ended, if it surely began before the first of ``before`` and surely ended
    after it began (a patient unable to walk before radiotherapy who walks again since), else None."""
    period = condition.get("abatementPeriod")
    value = condition.get("abatementDateTime") or (period.get("start") if isinstance(period, dict) else None)
    ended = parse_date(value) if isinstance(value, str) else None
    first = min((event.when for event in before), key=lambda span: span.earliest)
    if onset is None or ended is None or onset.latest > first.earliest or ended.earliest <= first.latest:
        return None
    return ended


def read_codings(concept: Any, read: Callable[[Any], Any]) -> tuple[Any, Said | None]:
    """The value a coded answer gives (``read`` of a concept -> a value, a ``OneOf`` or None), or why
    it gives none. A CodeableConcept's codings are translations of one meaning, so each is read on
    its own: what they say together is what each allows; codings that cannot all be true ("lytic"
    beside "blastic") give no value, never the first one's."""
    raw = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(raw, list) or len(raw) < 2:  # most answers: one coding, nothing to compare
        return read(concept), None
    found = codings(concept)
    readings = [value for value in (read({"coding": [coding]}) for coding in found) if value is not None]
    if not readings:
        return None, None
    common = allowed_by_all(readings)
    if not common:
        words = ", ".join(describe_concepts([{"coding": [coding]}]) for coding in found)
        return None, said("the codings of its value say different things ({codings}): a concept's codings "
                          "translate one meaning; not used", codings=words)
    if len(common) == 1:
        return common.pop(), None
    return OneOf(*[value for value in readings[0].values if value in common]), None  # several: the first was a OneOf
