"""Assessments -> the resources of a Bundle answer: per patient an OperationOutcome
(missing and uncertain data, resources ignored and why) and a Provenance (what the
service used and produced), one Device naming the service and table versions, and
the collection Bundle itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Iterable

from .. import __version__
from ..calculators import load_table
from ..facts import PatientFacts
from .fhir_resources import Assessment

PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"


def service_device() -> dict[str, Any]:
    """The service as a Device: its version and the versions of the tables it scored with."""
    versions = [{"type": {"text": "bonemet-cds"}, "value": __version__}]
    versions += [{"type": {"text": f"{name} table (seeds/{name}.json)"}, "value": load_table(name).version}
                 for name in ("mirels", "rades")]
    return {"resourceType": "Device", "id": str(uuid.uuid4()),
            "deviceName": [{"name": "bonemet-cds", "type": "user-friendly-name"}], "version": versions}


def _issue(severity: str, code: str, text: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "diagnostics": text}


def _report_issue(subject: str, entry) -> dict[str, Any]:
    """A resource not used (warning when that may hide or change a score), or shown as context."""
    what = f" ({entry.description})" if entry.description else ""
    if entry.outcome == "context":
        return _issue("information", "informational", f"{subject}: {entry.resource}{what}: {entry.reason}")
    severity = "warning" if entry.attention else "information"
    code = "not-found" if entry.attention else "informational"
    return _issue(severity, code, f"{subject}: {entry.resource}{what} not used: {entry.reason}")


def outcome_issues(subject: str, facts: PatientFacts, assessments: list[Assessment]) -> list[dict[str, Any]]:
    """What a reader of the answer must know: what is missing or uncertain, and what was ignored."""
    issues = []
    for assessment in assessments:
        score, found = assessment.score, assessment.facts
        name = f"{subject}: {score.title.split(':')[0].strip()} of {found.condition} ({found.description})"
        for item in score.items:
            fact = found.facts[item.name]
            notes = f" ({'; '.join(fact.notes)})" if fact.notes else ""
            if item.status == "missing":
                issues.append(_issue("warning", "incomplete", f"{name}: {item.label} missing; would be supplied "
                                     f"by {fact.supplied_by or 'no known resource'}{notes}"))
            elif item.status == "uncertain":
                issues.append(_issue("warning", "incomplete", f"{name}: {item.label} uncertain, "
                                     f"points {item.possible_points[0]}-{item.possible_points[-1]}{notes}"))
            elif fact.notes and "conflict" not in fact.flags:  # conflicts get their own warning below
                issues.append(_issue("information", "informational", f"{name}: {item.label}: {'; '.join(fact.notes)}"))
        if score.category is None:
            issues.append(_issue("warning", "incomplete", f"{name}: possible totals {score.total_min}-"
                                 f"{score.total_max}; category undetermined until the missing items are known"))
        conflicts = [f for f in found.facts.values() if "conflict" in f.flags]
        for fact in conflicts:
            issues.append(_issue("warning", "business-rule", f"{name}: conflicting data for {fact.item}: "
                                 + "; ".join(fact.notes)))
    for entry in facts.report:
        if entry.outcome != "used":
            issues.append(_report_issue(subject, entry))
    dated = f" as of {facts.as_of.isoformat()}" if facts.as_of else ""
    summary = (f"{subject}: {len(assessments)} score(s){dated}" if assessments else
               f"{subject}: no active long-bone metastasis or spinal cord compression found, so no score{dated}")
    return [_issue("information", "informational", summary)] + issues


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "id": str(uuid.uuid4()), "issue": issues}


def provenance(produced: list[dict[str, Any]], used: Iterable[str], device: dict[str, Any],
               when: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Provenance",
        "id": str(uuid.uuid4()),
        "target": [{"reference": f"{r['resourceType']}/{r['id']}"} for r in produced],
        "recorded": when.isoformat(timespec="seconds"),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": "CREATE", "display": "create"}]},
        "agent": [{"type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
                   "who": {"reference": f"Device/{device['id']}", "display": f"bonemet-cds {__version__}"}}],
        "entity": [{"role": "source", "what": {"reference": ref}} for ref in dict.fromkeys(used)],
    }


def _relink(node: Any, targets: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: (targets.get(value, value) if key == "reference" and isinstance(value, str)
                      else _relink(value, targets)) for key, value in node.items()}
    if isinstance(node, list):
        return [_relink(value, targets) for value in node]
    return node


def collection(resources: list[dict[str, Any]], when: datetime) -> dict[str, Any]:
    """A collection Bundle; references between its resources become their urn:uuid fullUrls."""
    targets = {f"{r['resourceType']}/{r['id']}": f"urn:uuid:{r['id']}" for r in resources}
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": when.isoformat(timespec="seconds"),
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": _relink(r, targets)} for r in resources]}
