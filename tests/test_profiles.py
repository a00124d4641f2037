"""fhir_profiles/ is valid FHIR R4 and is the one source of the codes the mapper accepts."""

import json
from datetime import date

import msgspec
import pytest
from fhir.resources.R4B import get_fhir_model_class

from service.data import data_dir
from service.facts import MappingOptions, extract_facts, orders
from service.facts.terminology import OWN_SYSTEM, load_terminology
from service.facts.vocabulary import OWN_CODES_USED, VALUE_SETS_USED
from service.render.fhir_resources import VALUE_SETS_WRITTEN
from support.fhir_schema_check import schema_errors

pytestmark = pytest.mark.slow

FOLDER = data_dir("fhir_profiles")
BASE = "http://bonemet-cds.org/fhir"
# package.json: the manifest; .index.json: the index.
CONFORMANCE = sorted(p for p in FOLDER.glob("[!.]*.json") if p.name != "package.json")
EXAMPLES = sorted((FOLDER / "example").glob("[!.]*.json"))


def load(path):
    return json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("path", CONFORMANCE + EXAMPLES, ids=lambda p: p.name)
def test_every_resource_parses_with_the_models_and_passes_the_r4_schema(path):
    resource = load(path)
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert schema_errors(resource) == []
    assert path.name == f"{resource['resourceType']}-{resource['id']}.json"


@pytest.mark.parametrize("path", CONFORMANCE, ids=lambda p: p.name)
def test_one_canonical_base(path):
    resource = load(path)
    assert resource["url"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"


def test_every_value_set_is_used_by_the_mapper_or_renderer_and_every_used_one_is_published():
    published = {load(p)["id"] for p in FOLDER.glob("ValueSet-*.json")}
    assert published == VALUE_SETS_USED | orders.VALUE_SETS_USED | VALUE_SETS_WRITTEN
    assert not VALUE_SETS_USED & orders.VALUE_SETS_USED
    assert not (VALUE_SETS_USED | orders.VALUE_SETS_USED) & VALUE_SETS_WRITTEN


def test_own_codes_in_value_sets_and_mapper_are_in_the_code_system():
    terminology = load_terminology()
    for path in FOLDER.glob("ValueSet-*.json"):
        for include in load(path)["compose"]["include"]:
            if include["system"] == OWN_SYSTEM:
                assert {c["code"] for c in include["concept"]} <= terminology.own_codes
    assert terminology.own_codes >= OWN_CODES_USED


def test_the_present_code_the_mapper_names_is_in_value_set_presence():
    assert "presence" in load_terminology().memberships("http://snomed.info/sct", "52101004")


def test_every_profile_has_an_example():
    definitions = [load(p) for p in FOLDER.glob("StructureDefinition-*.json")]
    parents = {d["baseDefinition"] for d in definitions}  # exemplified through their children
    profiles = {d["url"] for d in definitions if d["type"] != "Extension" and d["url"] not in parents}
    exemplified = {url for path in EXAMPLES for url in load(path).get("meta", {}).get("profile", [])}
    assert profiles - exemplified == set()


OUTPUT_PROFILES = {f"{BASE}/StructureDefinition/bonemet-{name}" for name in (
    "mirels-score", "rades-score", "sins-score", "mirels-risk-assessment", "rades-risk-assessment",
    "sins-risk-assessment", "careplan", "guideline-careplan")}


def test_input_examples_run_through_the_mapper():
    resources = [load(p) for p in EXAMPLES if not set(load(p).get("meta", {}).get("profile", [])) & OUTPUT_PROFILES]
    facts = extract_facts(resources, MappingOptions(as_of=date(2026, 11, 2)))
    (lesion,) = facts.scored_by("mirels")
    assert msgspec.structs.asdict(lesion.inputs()) == {
        "lesion_site": "peritrochanteric", "lesion_size": 0.7, "lesion_type": "lytic", "pain": "functional",
        "cortical_osteolysis_axial_percent": 35, "cortical_osteolysis_circumference_percent": 60}
    (compression,) = facts.scored_by("rades")
    (vertebra,) = facts.scored_by("sins")
    assert vertebra.inputs().spinal_alignment == "de_novo_deformity"
    inputs = compression.inputs()
    assert (inputs.primary_tumour, inputs.visceral_metastases, inputs.motor_function,
            inputs.days_developing_motor_deficits) == ("breast", "yes", "ambulatory_with_aid", 5)
    assert 29 < inputs.months_to_cord_compression < 30
    # The Observation (present) and the liver Condition agree: both are cited.
    assert compression.facts["visceral_metastases"].sources == (
        "Observation/example-visceral-metastases", "Condition/example-liver-metastasis")
    assert all(entry.outcome == "used" for entry in facts.report), facts.report
