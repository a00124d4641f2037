"""Mirels lesion type: blastic (1), mixed (2), lytic (3), from an Observation ``lesion-type``
whose value is a code of ValueSet ``lesion-type``."""

from __future__ import annotations

from typing import Any

from ...calculators.values import ItemName
from ...i18n import Said, said
from ..evidence import Candidate, choose
from ..model import Fact
from ..record import PatientRecord
from ..terminology import describe_concepts
from .candidates import read_codings, unread_value

Linked = tuple[dict[str, Any], str]


def coded_candidates(record: PatientRecord, item: str, linked: list[Linked], value_set: str,
                     lesion: str) -> tuple[list[Candidate], list[Said]]:
    """Candidates from Observations whose value is a code of ``value_set`` (the code is the row)."""
    candidates, notes = [], []
    for observation, how in linked:
        ref = record.ref(observation)
        code, why = read_codings(observation.get("valueCodeableConcept"),
                                 lambda concept: (record.terms.coding_in(concept, value_set) or {}).get("code"))
        if code is None:
            value = describe_concepts([observation.get("valueCodeableConcept")])
            why = why or (said("value '{value}' is not a code of ValueSet {value_set}", value=value,
                               value_set=value_set) if value else unread_value(observation) or
                          said("no value: not a code of ValueSet {value_set}", value_set=value_set))
            record.report.ignore(ref, why, attention=True)
            notes.append(said("{resource}: {why}", resource=ref, why=why))
            continue
        record.report.use(ref, said("{item} of {lesion}", item=ItemName(item), lesion=lesion))
        candidates.append(Candidate(code, ref, record.effective(observation),
                                    record.observation_flags(observation), f"{how}; {value_set}"))
    return candidates, notes


def lesion_type_fact(record: PatientRecord, lesion: str, linked: dict[str, list[Linked]]) -> Fact:
    candidates, notes = coded_candidates(record, "lesion_type", linked.get("lesion-type", []), "lesion-type", lesion)
    return choose("lesion_type", candidates, tuple(notes))
