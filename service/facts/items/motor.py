"""Rades motor function before radiotherapy: ambulatory without aid (10), with aid (9),
not ambulatory (3), paraplegic (1).

From an Observation ``motor-function`` whose value is a row's code, a paraplegia code
(paraplegic), or SNOMED CT "unable to walk" (not ambulatory *or* paraplegic: the
finding does not say which); from an Observation coded "unable to walk" itself; and
from an active paraplegia Condition. A Condition and an Observation that disagree
leave both values possible (``evidence``).
"""

from __future__ import annotations

from typing import Any

from ...calculators import OneOf
from ...i18n import Said, said
from ..evidence import choose
from ..model import Fact
from ..record import PatientRecord
from ..terminology import describe_concepts
from ..vocabulary import MOTOR_FUNCTION_VS, NOT_WALKING_VS
from .candidates import condition_candidates, observation_candidates, read_codings

ITEM = "motor_function"
_NOT_WALKING = OneOf("not_ambulatory", "paraplegic")


def _motor(record: PatientRecord, observation: dict[str, Any]) -> tuple[Any, Said | None]:
    terms = record.terms
    concept = observation.get("valueCodeableConcept")
    if concept is None and terms.coding_in(observation.get("code"), NOT_WALKING_VS):
        if observation.get("valueBoolean") is False:
            return None, said("'unable to walk' recorded as false: says nothing of how the patient walks")
        return _NOT_WALKING, None  # the finding is the code itself
    value, why = read_codings(concept, lambda one: _motor_code(record, one))
    if value is not None or why is not None:
        return value, why
    return None, said("motor function value '{value}' is not a code of ValueSet motor-function, "
                      "motor-function-not-walking or paraplegia", value=describe_concepts([concept]) or "–")


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


def motor_fact(record: PatientRecord, observations: list[dict[str, Any]]) -> Fact:
    candidates = observation_candidates(
        record, observations, _motor, ITEM, lambda value: "Observation motor-function" + (
            ": unable to walk, paraplegia not stated" if value == _NOT_WALKING else ""))
    return choose(ITEM, candidates + condition_candidates(record, "paraplegia", ITEM, "paraplegic",
                                                          "active paraplegia Condition",
                                                          said("paraplegia is not active")))

