"""Scores -> FHIR R4 resources: the score Observation, the RiskAssessment, the CarePlan.

Built as plain JSON dicts (fast on the request path); the tests check every one
against the fhir.resources models and the official R4 JSON schema.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..calculators import Score
from ..facts.model import ReportEntry, ScoredCondition
from ..facts.terminology import OWN_SYSTEM
from ..facts.vocabulary import ITEM_CODES
from .text import describe_value

PROFILE = "http://bonemet-cds.org/fhir/StructureDefinition/"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"



@dataclass(frozen=True)
class Assessment:
    """One score with the facts it came from, and the resources rendered for it."""

    score: Score
    facts: ScoredCondition
    observation: dict[str, Any]
    risk_assessment: dict[str, Any]
    care_plan: dict[str, Any] | None
    as_of: date | None = None
    context: tuple[ReportEntry, ...] = ()  # scores shown beside this one, never mapped (ECOG...)

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [r for r in (self.observation, self.risk_assessment, self.care_plan) if r is not None]


def _own(code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": OWN_SYSTEM, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def input_references(facts: ScoredCondition) -> list[str]:
    """Every resource an input came from, in item order, each once."""
    seen = dict.fromkeys([facts.condition])
    for fact in facts.facts.values():
        seen.update(dict.fromkeys(fact.sources))
    return list(seen)


def _range_text(score: Score) -> str:
    if score.total is not None:
        return str(score.total)
    return f"{score.total_min}-{score.total_max}"


def _component(item, fact) -> dict[str, Any]:
    component: dict[str, Any] = {
        "code": {**_own(ITEM_CODES[item.name], item.label),
                 "text": f"{item.label}: {item.row_label or describe_value(fact.value)}"},
    }
    if item.points is not None:
        component["valueInteger"] = item.points
    elif item.status == "uncertain":
        component["valueRange"] = {"low": {"value": item.possible_points[0]},
                                   "high": {"value": item.possible_points[-1]}}
    else:
        component["dataAbsentReason"] = {"coding": [{"system": DATA_ABSENT, "code": "unknown"}]}
    return component


def render(score: Score, facts: ScoredCondition, subject: str, when: datetime,
           new_id=lambda: str(uuid.uuid4()), as_of: date | None = None) -> Assessment:
    """The three resources of one assessment. ``subject`` is "Patient/<id>".

    ``when`` is the moment of the computation; an assessment made as of another day
    (``as_of``) is dated that day, so a re-run of a past decision says so."""
    complete = score.total is not None
    occurrence = as_of.isoformat() if as_of and as_of != when.date() else when.isoformat(timespec="seconds")
    created = when.isoformat(timespec="seconds")
    notes = [{"text": caveat.text} for caveat in score.caveats]
    missing = [f"{item.label}: {facts.facts[item.name].supplied_by or 'missing'}"
               for item in score.items if item.status == "missing"]
    if missing:
        notes.insert(0, {"text": "Missing: " + "; ".join(missing)})

    observation_id, risk_id = new_id(), new_id()
    derived_from = [ref for ref in input_references(facts) if ref.startswith("Observation/")]
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": observation_id,
        "meta": {"profile": [PROFILE + "bonemet-score-observation"]},
        "status": "final" if complete else "preliminary",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {**_own(f"{score.calculator}-score"), "text": score.title},
        "subject": {"reference": subject},
        "focus": [{"reference": facts.condition}],
        "effectiveDateTime": occurrence,
        "component": [_component(item, facts.facts[item.name]) for item in score.items],
    }
    if complete:
        observation["valueInteger"] = score.total
    else:
        observation["valueRange"] = {"low": {"value": score.total_min}, "high": {"value": score.total_max}}
    if derived_from:
        observation["derivedFrom"] = [{"reference": ref} for ref in derived_from]
    if notes:
        observation["note"] = notes

    rationale = (f"{score.title}: {_range_text(score)} ({score.category_label}). {score.recommendation}"
                 if score.category else
                 f"{score.title}: {_range_text(score)}; category undetermined until the missing items are known.")
    prediction: dict[str, Any] = {"outcome": {"text": score.predicted_outcome}, "rationale": rationale}
    if score.risk:
        prediction["qualitativeRisk"] = {"coding": [{"system": RISK_PROBABILITY, "code": score.risk}]}
    risk_assessment: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": risk_id,
        "meta": {"profile": [f"{PROFILE}bonemet-{score.calculator}-risk-assessment"]},
        "status": "final" if complete else "preliminary",
        "method": _own(score.calculator, score.title),
        "code": {**_own(score.calculator), "text": score.title},
        "subject": {"reference": subject},
        "occurrenceDateTime": occurrence,
        "condition": {"reference": facts.condition},
        "basis": [{"reference": f"Observation/{observation_id}"}]
        + [{"reference": ref} for ref in input_references(facts)],
        "prediction": [prediction],
    }
    if score.recommendation:
        risk_assessment["mitigation"] = score.recommendation
    if notes:
        risk_assessment["note"] = notes

    care_plan = None
    if score.category:  # no advice while the category is undetermined
        care_plan = {
            "resourceType": "CarePlan",
            "id": new_id(),
            "meta": {"profile": [PROFILE + "bonemet-careplan"]},
            "status": "draft",
            "intent": "proposal",
            "title": f"{score.title}: {score.category_label}",
            "description": score.recommendation,
            "subject": {"reference": subject},
            "created": created,
            "addresses": [{"reference": facts.condition}],
            "supportingInfo": [{"reference": f"RiskAssessment/{risk_id}"}],
            "activity": [{"detail": {"status": "not-started", "description": text}} for text in score.activities],
        }
        if notes:
            care_plan["note"] = notes
    return Assessment(score, facts, observation, risk_assessment, care_plan, as_of)
