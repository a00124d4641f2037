"""Rades motor function before radiotherapy: ambulatory without aid (10), with aid (9),
not ambulatory (3), paraplegic (1).

From an Observation ``motor-function`` whose value is a row's code, a paraplegia code
(paraplegic), or SNOMED CT "unable to walk" (not ambulatory *or* paraplegic: the
finding does not say which); from an Observation coded "unable to walk" or paraplegia itself; and
from an active paraplegia Condition, or an active "unable to walk" one (a problem list's
way: read as the Observation of that code is). A Condition and an Observation that disagree
leave both values possible (``evidence``).
"""

from __future__ import annotations

import re
from typing import Any

from ...calculators import OneOf
from ...i18n import Said, said
from ..evidence import choose
from ..model import Fact
from ..moments import Event
from ..record import PatientRecord
from ..terminology import canonical_system, codings, describe_concepts, objects
from ..timely import with_untimely
from ..vocabulary import MOTOR_FUNCTION_VS, NOT_WALKING_VS, PRESENCE_VS, PRESENT
from .candidates import conditions_before, observation_candidates, read_codings

ITEM = "motor_function"
# Its rows from walking unaided to paraplegic: a later status further down is a worsening.
_FROM_BEST = ("ambulatory_without_aid", "ambulatory_with_aid", "not_ambulatory", "paraplegic")
_NOT_WALKING = OneOf("not_ambulatory", "paraplegic")
# ICD-10's G82 holds paraparesis too ("Paraparesis (lower) NOS" under G82.2; ICD-10-CM: "Paraplegia (paraparesis)",
# G82.22 "incomplete"): a Condition whose own words say so is not read as paraplegic. Words only withhold, never give.
_PARESIS_WORDS = re.compile(r"\b(para)?par[eé]s(is|ie)\b|\bincompl|\bpartial\b|\bpartiel(le)?\b",  # not "paresthésie"
                            re.IGNORECASE)
_INCOMPLETE_CODES = frozenset({("http://hl7.org/fhir/sid/icd-10-cm", "G82.22")})


def motor_value(record: PatientRecord, observation: dict[str, Any]) -> tuple[Any, Said | None]:
    """One Observation's motor status (a row, or ``OneOf`` of them), or None and why it gives none."""
    terms = record.terms
    concept = observation.get("valueCodeableConcept")
    for vs_id, value, finding in ((NOT_WALKING_VS, _NOT_WALKING, said("'unable to walk'")),
                                  ("paraplegia", "paraplegic", said("paraplegia"))):
        if terms.coding_in(observation.get("code"), vs_id):  # the finding is the code itself
            present, why = _finding(record, observation, finding)
            if present is None and concept is not None and why is None:
                break  # its value is a row's code: read as any motor status
            partial = _paresis(observation) if value == "paraplegic" and present else None  # "paraparésie"
            return (value if present and not partial else None), partial or why
    value, why = read_codings(concept, lambda one: _motor_code(record, one))
    if value is not None or why is not None:
        return value, why
    return None, said("motor function value '{value}' is not a code of ValueSet motor-function, "
                      "motor-function-not-walking or paraplegia", value=describe_concepts([concept]) or "–")


# A finding's own words saying it is not there ("Pas de paraplégie", "No paraplegia"); not "sans précision".
_NEGATED = re.compile(r"\b(pas d[e']|absence\b|absente?\b|aucune?\b|no\b|not\b|n[ée]gati)", re.IGNORECASE)


def _finding(record: PatientRecord, observation: dict[str, Any], finding: Said) -> tuple[bool | None, Said | None]:
    """Whether an Observation coded as a finding ("unable to walk", paraplegia) records it present: with no value, or
    true, or a coded yes (review 21: "Paraplegia: No", a dataAbsentReason, "Pas de paraplégie" read as paraplegic).
    None and no reason: a value to read as a motor status's; None and a reason: it says nothing of how one walks."""
    if "dataAbsentReason" in observation:  # said as for any Observation, and no finding either
        return False, said("{finding} recorded with no value: says nothing of how the patient walks", finding=finding)
    if isinstance(observation.get("valueBoolean"), bool):
        return observation["valueBoolean"], None if observation["valueBoolean"] else said(
            "{finding} recorded as false: says nothing of how the patient walks", finding=finding)
    concept = observation.get("valueCodeableConcept")
    if concept is not None:
        coding = record.terms.coding_in(concept, PRESENCE_VS)
        if coding is None:
            return None, None
        return (True, None) if coding["code"] in PRESENT else (False, said(
            "{finding} recorded as absent: says nothing of how the patient walks", finding=finding))
    code = observation.get("code")
    negated = _NEGATED.search(code.get("text") or "") if isinstance(code, dict) and \
        isinstance(code.get("text"), str) else None
    if any(key.startswith("value") for key in observation) or negated or any(
            coding.get("code") in ("NEG", "N") for concept in objects(observation.get("interpretation"))
            for coding in codings(concept)):
        return False, said("{finding} recorded with a value or words that do not say it is present: says nothing "
                           "of how the patient walks", finding=finding)
    return True, None


def _motor_code(record: PatientRecord, concept: Any) -> Any:
    terms = record.terms
    coding = terms.coding_in(concept, MOTOR_FUNCTION_VS)
    if coding:
        return coding["code"].replace("-", "_")
    if terms.coding_in(concept, NOT_WALKING_VS):
        return _NOT_WALKING
    if terms.coding_in(concept, "paraplegia"):
        return "paraplegic"
    return None


def _paresis(condition: dict[str, Any]) -> Said | None:
    """Why a paraplegia Condition does not say the patient is paraplegic: its code or its own words say the
    paralysis is partial (a paraparesis, an incomplete paraplegia), which leaves every motor status possible."""
    code = condition.get("code")
    words = [code.get("text")] if isinstance(code, dict) else []
    incomplete = False
    for coding in codings(code):
        words.append(coding.get("display"))
        incomplete = incomplete or (canonical_system(coding.get("system") or ""),
                                    str(coding.get("code") or "").upper()) in _INCOMPLETE_CODES
    said_partial = [text for text in words if isinstance(text, str) and _PARESIS_WORDS.search(text)]
    if not incomplete and not said_partial:
        return None
    return said("its words say a partial paralysis (“{words}”): a paraparesis does not say whether the patient "
                "walks, so it is not read as paraplegic", words=(said_partial or [describe_concepts([code])])[0][:80])


def motor_fact(record: PatientRecord, observations: list[dict[str, Any]], before: tuple[Event, ...] = ()) -> Fact:
    """``before``: the radiotherapies of the compression begun: a paraplegia that began since is not the status
    before radiotherapy (Tableau 4), as an Observation taken since is not."""
    unread: list[Said] = []
    candidates = observation_candidates(
        record, observations, motor_value, ITEM, lambda value: "Observation motor-function" + (
            ": unable to walk, paraplegia not stated" if value == _NOT_WALKING else ""), unread)
    paraplegia, late = conditions_before(record, "paraplegia", ITEM, "paraplegic", "active paraplegia Condition",
                                         said("paraplegia is not active"), before, withheld=_paresis)
    not_walking, late_too = conditions_before(record, "not_walking", ITEM, _NOT_WALKING,
                                              "active 'unable to walk' Condition: paraplegia not stated",
                                              said("'unable to walk' is not active"), before)
    fact = choose(ITEM, candidates + paraplegia + not_walking)
    late += late_too + (unread if fact.missing else [])  # none read: those that could not be, said with it
    return with_untimely(fact, late) if late else fact


def may_be_worse(later: Any, before: Any) -> bool:
    """Whether a status ``later`` may be worse than ``before`` (each a row, ``OneOf`` rows, or None). A later one not
    read may be; with none known before, any but walking unaided may be (review 33: a paraplegia since radiotherapy,
    none recorded before it, said only as "not counted")."""
    ranks = [[_FROM_BEST.index(v) for v in (value.values if isinstance(value, OneOf) else (value,)) if v in _FROM_BEST]
             for value in (later, before)]
    if not ranks[1]:  # none known before: one not read may be worse too (review 34: "Paraplégie complète" in words)
        return not ranks[0] or max(ranks[0]) > 0
    return not ranks[0] or max(ranks[0]) > min(ranks[1])
