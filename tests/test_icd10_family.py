"""The ICD-10 family is one name (``terminology.ICD10_FAMILY``): a national modification added there, and named by
the ValueSets, is read by every ICD-10 check — a lesion, a primary, a compression, and the verdicts on codes no
ValueSet holds — with no other edit."""

import json
import shutil
from datetime import date

import pytest

from service.facts import MappingOptions, extract_facts, unrecognised
from service.facts import terminology as terminology_module
from service.facts.terminology import ICD10_FAMILY, load_terminology
from support.fhir_builders import FEMUR_SHAFT, ICD10, LEFT, condition, patient, site

VARIANT = "http://example.org/fhir/sid/icd-10-xx"  # made up: a national modification no ValueSet names today
AS_OF = date(2026, 11, 10)


def record_coded_only_in_the_variant():
    return [patient(),
            condition("lesion", VARIANT, "C79.5", onset="2026-10-01", body_site=[site(FEMUR_SHAFT, LEFT)]),
            condition("breast", VARIANT, "C50.9", onset="2024-01-10"),
            condition("mscc", VARIANT, "G95.20", onset="2026-11-01"),
            condition("tetra", VARIANT, "G82.3", onset="2026-11-02"),
            condition("broken", VARIANT, "M84.48", onset="2026-11-03")]


def facts():
    return extract_facts(record_coded_only_in_the_variant(), MappingOptions(as_of=AS_OF))


@pytest.fixture
def variant_in_the_family(monkeypatch, tmp_path):
    """The ValueSets name the variant wherever they name WHO's ICD-10, and the family holds it (its one place)."""
    folder = tmp_path / "fhir_profiles"
    shutil.copytree(terminology_module.data_dir("fhir_profiles"), folder)
    for path in folder.glob("ValueSet-*.json"):
        raw = json.loads(path.read_text("utf-8"))
        includes = raw["compose"]["include"]
        includes += [{**include, "system": VARIANT} for include in includes if include["system"] == ICD10]
        path.write_text(json.dumps(raw), "utf-8")
    monkeypatch.setattr(terminology_module, "data_dir", lambda name: folder)
    monkeypatch.setattr(terminology_module, "ICD10_FAMILY", ICD10_FAMILY | {VARIANT})
    monkeypatch.setattr(unrecognised, "_CODE_VERDICTS", {})  # verdicts this process gave before the family grew
    load_terminology.cache_clear()
    yield
    load_terminology.cache_clear()


def test_codes_of_an_icd10_system_outside_the_family_are_not_read():
    found = facts()
    assert found.scored == []
    assert not any(entry.resource == "Condition/tetra" and "tetraplegia" in entry.reason for entry in found.report)


@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_a_variant_added_to_the_family_is_read_by_every_check(variant_in_the_family):
    found = facts()
    [lesion] = found.scored_by("mirels")
    assert lesion.condition == "Condition/lesion"
    [mscc] = found.scored_by("rades")
    assert mscc.condition == "Condition/mscc"
    assert mscc.facts["primary_tumour"].value == "breast"
    reasons = {entry.resource: str(entry.reason) for entry in found.report}
    assert "a tetraplegia" in reasons["Condition/tetra"]  # the verdict on a code no ValueSet holds
    assert "a pathological fracture (M84.48)" in reasons["Condition/broken"]
