"""Assessments -> the resources of a Bundle answer: per patient an OperationOutcome
(missing and uncertain data, resources ignored and why) and a Provenance (what the
service used and produced), one Device naming the service and table versions, and
the collection Bundle itself.

Every id here is derived from the content (a name-based UUID), like the assessments' own: the same
input gives the same answer, apart from its timestamps (``Bundle.timestamp``, ``Provenance.recorded``
and the assessments' dates).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import __version__
from ..calculators import load_table
from ..facts import PatientFacts
from ..facts.record import unread_reason
from .fhir_resources import Assessment, generated_by, relink

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "http://bonemet-cds.org/fhir/sid/answer")


def content_id(kind: str, content: Any) -> str:
    """A name-based UUID of ``content``: equal content, equal id."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{digest}"))

PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"


def service_device() -> dict[str, Any]:
    """The service as a Device: its version and the versions of the tables it scored with."""
    versions = [{"type": {"text": "bonemet-cds"}, "value": __version__}]
    versions += [{"type": {"text": f"{name} table (seeds/{name}.json)"}, "value": load_table(name).version}
                 for name in ("mirels", "rades")]
    return {"resourceType": "Device", "id": content_id("Device", versions), "extension": [generated_by(None)],
            "deviceName": [{"name": "bonemet-cds", "type": "user-friendly-name"}], "version": versions}


def _issue(severity: str, code: str, text: str, where: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if where:
        issue["expression"] = [where]  # the input element the issue is about (FHIRPath)
    return issue


def _report_issue(subject: str, entry, where: str | None) -> dict[str, Any]:
    """A resource not used (warning when that may hide or change a score), or shown as context."""
    what = f" ({entry.description})" if entry.description else ""
    if entry.outcome == "context":
        return _issue("information", "informational", f"{subject}: {entry.resource}{what}: {entry.reason}", where)
    severity = "warning" if entry.attention else "information"
    code = "not-found" if entry.attention else "informational"
    return _issue(severity, code, f"{subject}: {entry.resource}{what} not used: {entry.reason}", where)


def outcome_issues(subject: str, facts: PatientFacts, assessments: list[Assessment],
                   locations: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """What a reader of the answer must know: what is missing or uncertain, and what was ignored.
    ``locations``: where each input is ("Type/id" -> FHIRPath), for the issues' ``expression``."""
    locations = locations or {}
    issues = []
    for assessment in assessments:
        score, found = assessment.score, assessment.facts
        at = locations.get(found.condition)
        name = f"{subject}: {score.title.split(':')[0].strip()} of {found.condition} ({found.description})"
        for item in score.items:
            fact = found.facts[item.name]
            notes = f" ({'; '.join(fact.notes)})" if fact.notes else ""
            if item.status == "missing":
                issues.append(_issue("warning", "incomplete", f"{name}: {item.label} missing; would be supplied "
                                     f"by {fact.supplied_by or 'no known resource'}{notes}", at))
            elif item.status == "uncertain":
                issues.append(_issue("warning", "incomplete", f"{name}: {item.label} uncertain, "
                                     f"points {item.possible_points[0]}-{item.possible_points[-1]}{notes}", at))
            elif fact.notes and "conflict" not in fact.flags:  # conflicts get their own warning below
                issues.append(_issue("information", "informational", f"{name}: {item.label}: {'; '.join(fact.notes)}",
                                     at))
        if score.category is None:
            issues.append(_issue("warning", "incomplete", f"{name}: possible totals {score.total_min}-"
                                 f"{score.total_max}; category undetermined until the missing items are known", at))
        conflicts = [f for f in found.facts.values() if "conflict" in f.flags]
        for fact in conflicts:
            issues.append(_issue("warning", "business-rule", f"{name}: conflicting data for {fact.item}: "
                                 + "; ".join(fact.notes), at))
    # Resources that look relevant are named one by one; the others (labs, medications... the bulk of a
    # real export) are counted by reason and type, so that the answer says of them without growing with them.
    unread: dict[str, dict[str, int]] = {}
    for kind, count in facts.unread.items():
        kinds = unread.setdefault(unread_reason(kind), {})
        kinds[kind] = kinds.get(kind, 0) + count
    for entry in facts.report:
        if entry.outcome == "used":
            continue
        if entry.outcome == "ignored" and not entry.relevant:
            kinds = unread.setdefault(entry.reason, {})
            kind = entry.resource.split("/")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
            continue
        issues.append(_report_issue(subject, entry, locations.get(entry.resource)))
    for reason, kinds in sorted(unread.items()):
        counted = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        issues.append(_issue("information", "informational",
                             f"{subject}: {sum(kinds.values())} other resource(s) not used ({counted}): {reason}"))
    dated = f" as of {facts.as_of.isoformat()}" if facts.as_of else ""
    summary = (f"{subject}: {len(assessments)} score(s){dated}" if assessments else
               f"{subject}: no active long-bone metastasis or spinal cord compression found, so no score{dated}")
    return [_issue("information", "informational", summary)] + issues


def operation_outcome(issues: list[dict[str, Any]], locale: str | None = None) -> dict[str, Any]:
    outcome: dict[str, Any] = {"resourceType": "OperationOutcome", "id": content_id("OperationOutcome", issues)}
    if locale:
        outcome["language"] = locale
    outcome["issue"] = issues
    return outcome


def provenance(produced: list[dict[str, Any]], used: Iterable[str], device: dict[str, Any],
               when: datetime) -> dict[str, Any]:
    """``used``: the inputs as the answer cites them (``Grouped.cite``)."""
    targets = [f"{r['resourceType']}/{r['id']}" for r in produced]
    return {
        "resourceType": "Provenance",
        "id": content_id("Provenance", targets),
        "target": [{"reference": target} for target in targets],
        "recorded": when.isoformat(timespec="seconds"),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": "CREATE", "display": "create"}]},
        "agent": [{"type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
                   "who": {"reference": f"Device/{device['id']}", "display": f"bonemet-cds {__version__}"}}],
        "entity": [{"role": "source", "what": {"reference": ref}} for ref in dict.fromkeys(used)],
    }


def collection(resources: list[dict[str, Any]], when: datetime) -> dict[str, Any]:
    """A collection Bundle; references between its resources become their urn:uuid fullUrls."""
    targets = {f"{r['resourceType']}/{r['id']}": f"urn:uuid:{r['id']}" for r in resources}
    return {"resourceType": "Bundle", "id": content_id("Bundle", sorted(targets)), "type": "collection",
            "timestamp": when.isoformat(timespec="seconds"),
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": relink(r, targets)} for r in resources]}
