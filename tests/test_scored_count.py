"""The cheap count of scored Conditions (``facts.prefilter.scored_at_most``), made before any per-lesion work
to refuse a record over BONEMET_MAX_SCORED_PER_PATIENT, is never below what the mapper scores: on every
example and corpus record, patient by patient."""

import json
from datetime import date
from pathlib import Path

import pytest

from service.facts import MappingOptions, extract_facts
from service.facts.prefilter import scored_at_most
from service.fhir.patients import group_by_patient
from service.fhir.shape import bundle_resources
from service.fhir.validate import InvalidFhir, bundle_entries

ROOT = Path(__file__).resolve().parent.parent
RECORDS = sorted(p for folder in (ROOT / "tests" / "corpus", ROOT / "examples")
                 for p in folder.rglob("*.json") if not p.name.startswith("expected") and "expected" not in p.parts)


def patients_of(document):
    """Each patient's (resources, aliases) in a Bundle, a Parameters' bundle, or a CDS Hooks request's prefetch."""
    if not isinstance(document, dict):
        return []
    if document.get("resourceType") == "Parameters":
        document = next((p.get("resource") for p in document.get("parameter", []) if p.get("name") == "bundle"), None)
        return patients_of(document)
    if document.get("resourceType") == "Bundle":
        try:
            entries = bundle_entries(document)
        except InvalidFhir:  # a record $assess refuses may still come as prefetch: its raw entries
            entries = [(e.get("fullUrl"), e["resource"], f"Bundle.entry[{i}]")
                       for i, e in enumerate(document.get("entry", [])) if isinstance(e.get("resource"), dict)]
        grouped = group_by_patient(entries)
        return [(resources, grouped.aliases) for resources in grouped.patients.values()]
    if isinstance(document.get("prefetch"), dict):
        resources = []
        for value in document["prefetch"].values():
            if isinstance(value, dict) and value.get("resourceType") == "Bundle":
                resources += bundle_resources(value, "prefetch")
            elif isinstance(value, dict):
                resources.append(value)
        return [(resources, {})]
    return []


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_cheap_count_is_never_below_the_mappers(path):
    document = json.loads(path.read_text("utf-8"))
    for resources, aliases in patients_of(document):
        for as_of in (date(2026, 11, 15), date.today()):  # the corpus's assessment date, and today's
            scored = extract_facts(resources, MappingOptions(as_of=as_of), aliases=aliases).scored
            assert scored_at_most(resources) >= len(scored), path.name


def test_records_are_found_and_some_are_scored():
    scored = [scored_at_most(resources) for path in RECORDS
              for resources, _ in patients_of(json.loads(path.read_text("utf-8")))]
    assert len(RECORDS) > 50 and sum(scored) > 50


def test_only_what_may_be_scored_counts():
    from support.fhir_builders import ICD10, SCT, condition, lesion

    refuted = lesion("refuted")
    refuted["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                 "code": "refuted"}]}
    resolved = condition("old-mscc", ICD10, "G95.2", onset="2025-01-01")
    resolved["clinicalStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                              "code": "resolved"}]}
    breast = condition("breast", SCT, "254837009", onset="2024-02-01")
    twice = lesion("l1")
    assert scored_at_most([lesion("l1"), twice, lesion("l2"), condition("mscc", ICD10, "G95.2"), refuted, resolved,
                           breast]) == 3
