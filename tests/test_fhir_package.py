"""fhir_profiles/ as a FHIR package, and outputs an EHR can store.

Conformance is judged by a maintained validator, not by code written here: Medplum's
(@medplum/core, run with node by fhir_profiles/source/validate.js) checks cardinality, types,
fixed and pattern values, slicing and FHIRPath invariants against the StructureDefinitions that
SUSHI builds from fhir_profiles/source/. `.ci/run` installs both (`npm ci`); without node or
without them, these tests say so and skip.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from service import __version__
from support.answer_checks import foreign_references, is_advice_resource, without_advice
from support.fhir_builders import bundle, lesion, lesion_observations, observation, patient, quantity
from support.fhir_schema_check import schema_errors
from support.redate import EXAMPLES_AS_OF, to_today

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "fhir_profiles"
SOURCE = PROFILES / "source"
EXAMPLES = sorted((ROOT / "examples" / "bundles").glob("*.json"))
OWN = "http://bonemet-cds.org/fhir/CodeSystem/bonemet"
ASSESSMENT = "http://bonemet-cds.org/fhir/sid/assessment"
TIMESTAMPS = {"effectiveDateTime", "occurrenceDateTime", "created", "recorded", "timestamp"}

sys.path.insert(0, str(SOURCE))
import build  # noqa: E402  (fhir_profiles/source/build.py)

pytestmark = pytest.mark.slow


def _missing_tools():
    return build.tools_missing()


needs_tools = pytest.mark.skipif(_missing_tools() is not None,
                                 reason=f"FHIR validator not available: {_missing_tools()}")


def validate(named_resources):
    """{name: resource} -> {name: (profile, [error issues])}, by Medplum's validator."""
    requests = [{"name": name, "resource": resource} for name, resource in named_resources.items()]
    result = subprocess.run(["node", str(SOURCE / "validate.js")], input=json.dumps(requests),
                            capture_output=True, text=True, timeout=600, check=True)
    return {r["name"]: (r["profile"], [i for i in r["issues"] if i.get("severity") in ("error", "fatal")])
            for r in json.loads(result.stdout)}


def errors_of(results):
    return {name: issues for name, (_, issues) in results.items() if issues}




def assess(client, source, language="en", as_of=None):
    """``as_of``: for an example, the day its results are documented for (``EXAMPLES_AS_OF``: records age)."""
    body = {"resourceType": "Parameters", "parameter": [{"name": "language", "valueCode": language},
                                                        {"name": "bundle", "resource": source}]}
    if as_of:
        body["parameter"].append({"name": "asOf", "valueDate": as_of})
    response = client.post("/fhir/$assess", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def patient_view(client, resources, patient_id, as_of=None):
    """``as_of``: the day the records were written for (an example's): moved so that today is that day."""
    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}
    request = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
               "context": {"userId": "Practitioner/1", "patientId": patient_id},
               "prefetch": {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
                            "conditions": searchset("Condition"), "observations": searchset("Observation")}}
    response = client.post("/cds-services/bonemet-patient-view", json=to_today(request, as_of) if as_of else request)
    assert response.status_code == 200
    return response.get_json()["cards"]


def suggested(cards):
    return [action["resource"] for card in cards for suggestion in card.get("suggestions", [])
            for action in suggestion["actions"]]


# -- the package ------------------------------------------------------------------------------------


def test_the_manifest_and_the_implementation_guide_agree():
    manifest = json.loads((PROFILES / "package.json").read_text("utf-8"))
    (guide_path,) = PROFILES.glob("ImplementationGuide-*.json")
    guide = json.loads(guide_path.read_text("utf-8"))
    assert manifest["name"] == guide["packageId"] and manifest["version"] == guide["version"]
    assert manifest["fhirVersions"] == guide["fhirVersion"] == ["4.0.1"]
    assert manifest["canonical"] + "/ImplementationGuide/" + guide["id"] == guide["url"]
    # Dependencies pinned to one version each (no ranges, no "latest").
    assert manifest["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
    assert schema_errors(guide) == []
    # Every resource of the package is listed in the guide, examples with the profile they illustrate.
    listed = {r["reference"]["reference"] for r in guide["definition"]["resource"]}
    files = [json.loads(p.read_text("utf-8"))
             for p in [*PROFILES.glob("*-*.json"), *PROFILES.glob("example/[!.]*.json")]]
    assert {f"{r['resourceType']}/{r['id']}" for r in files if r["resourceType"] != "ImplementationGuide"} == listed


def test_the_published_capability_statement_states_requirements_and_the_served_one_this_instance(client):
    published = json.loads((PROFILES / "CapabilityStatement-bonemet.json").read_text("utf-8"))
    assert published["kind"] == "requirements" and "software" not in published and "implementation" not in published
    served = client.get("/fhir/metadata").get_json()
    assert served["kind"] == "instance" and served["software"]["version"] == __version__
    assert served["instantiates"] == [f"{published['url']}|{published['version']}"]
    assert schema_errors(served) == [] and schema_errors(published) == []


@needs_tools
def test_the_committed_profiles_are_what_sushi_builds_from_the_fsh():
    assert build.main(["--check"]) == 0, "run `python fhir_profiles/source/build.py` and commit"


@needs_tools
def test_every_example_of_the_package_conforms_to_its_profile():
    examples = {p.name: json.loads(p.read_text("utf-8")) for p in sorted((PROFILES / "example").glob("[!.]*.json"))}
    results = validate(examples)
    assert errors_of(results) == {}
    # Every example that claims a profile was judged against it.
    assert all(results[name][0] == r["meta"]["profile"][0] for name, r in examples.items() if "meta" in r)


@needs_tools
def test_every_input_and_output_of_every_example_conforms(client):
    """Inputs of examples/bundles against the profile they claim (else base R4); outputs of $assess
    in both languages and of patient-view's suggestions against theirs."""
    named = {}
    for path in EXAMPLES:
        source = json.loads(path.read_text("utf-8"))
        for index, entry in enumerate(source["entry"]):
            named[f"{path.stem} input {index}"] = entry["resource"]
        for language in ("en", "fr"):
            answer = assess(client, source, language, EXAMPLES_AS_OF)
            for index, entry in enumerate(answer["entry"]):
                named[f"{path.stem} {language} output {index} {entry['resource']['resourceType']}"] = entry["resource"]
        patients = [e["resource"] for e in source["entry"] if e["resource"]["resourceType"] == "Patient"]
        for person in patients:
            mine = [e["resource"] for e in source["entry"] if (e["resource"]["resourceType"] == "Patient"
                    and e["resource"]["id"] == person["id"]) or e["resource"].get("subject", {}).get(
                        "reference") == f"Patient/{person['id']}"]
            for index, resource in enumerate(suggested(patient_view(client, mine, person["id"], EXAMPLES_AS_OF))):
                named[f"{path.stem} cds {person['id']} {index} {resource['resourceType']}"] = resource
    results = validate(named)
    assert errors_of(results) == {}
    outputs = [name for name in results if " output " in name or " cds " in name]
    profiled = [name for name in outputs if results[name][0]]
    print(f"\nMedplum validator: {len(results)} resources, {len(outputs)} outputs "
          f"({len(profiled)} against bonemet profiles), 0 errors")
    assert len(profiled) > 100


@needs_tools
@pytest.mark.parametrize("case", ["final score with a range", "range with a final status", "missing component",
                                  "item with neither points nor reason", "wrong outcome", "uncoded activity",
                                  "activity already done", "lesion size in mm", "unknown risk code", "wrong code",
                                  "probability over 100", "no generated-by extension",
                                  "another extension instead of generated-by", "generated-by without its version",
                                  "generated-by with a table but no tableVersion", "generated-by with a bogus part",
                                  "generated-by with a number for a text", "generated-by with a value of its own",
                                  "an extension the package does not define"])
def test_the_profiles_have_teeth(client, case):
    """Each rule the profiles add is enforced by the validator: break one, get an error."""
    source = json.loads((ROOT / "examples" / "bundles" / "03-mirels-11-fixation.json").read_text("utf-8"))
    answer = assess(client, source, as_of=EXAMPLES_AS_OF)
    by_type = {e["resource"]["resourceType"]: copy.deepcopy(e["resource"]) for e in answer["entry"]}
    score, risk, plan = by_type["Observation"], by_type["RiskAssessment"], by_type["CarePlan"]
    assert errors_of(validate({"score": score, "risk": risk, "plan": plan})) == {}  # before breaking one
    broken = {
        "final score with a range": lambda: score.update(valueRange={"low": {"value": 8}, "high": {"value": 9}})
        or (score.pop("valueInteger") and score),
        "range with a final status": lambda: score.pop("valueInteger") and score,
        "missing component": lambda: score.update(component=score["component"][:3]) or score,
        "item with neither points nor reason": lambda: score["component"][0].pop("valueInteger") and score,
        "wrong outcome": lambda: risk["prediction"][0]["outcome"]["coding"][0].update(code="282145008") or risk,
        "uncoded activity": lambda: plan["activity"][0]["detail"].pop("code") and plan,
        "activity already done": lambda: plan["activity"][0]["detail"].update(status="completed") or plan,
        "wrong code": lambda: score["code"]["coding"][0].update(code="rades-score") or score,
        # R4's ras-2, whose false alarm validate.js drops only when there is no probability at all.
        "probability over 100": lambda: risk["prediction"][0].update(probabilityDecimal=150) or risk,
        "lesion size in mm": lambda: {**observation("s", "lesion-size", focus="Condition/lesion-1",
                                                   effective="2026-11-01T10:00:00+01:00", **quantity(5, "mm")),
                                      "meta": {"profile": ["http://bonemet-cds.org/fhir/StructureDefinition/"
                                                           "bonemet-lesion-size"]}},
        "unknown risk code": lambda: risk["prediction"][0]["qualitativeRisk"]["coding"][0].update(code="certain")
        or risk,
        "no generated-by extension": lambda: score.pop("extension") and score,
        "another extension instead of generated-by": lambda: score.update(
            extension=[{"url": "http://example.org/fhir/StructureDefinition/x", "valueString": "y"}]) or score,
        # Medplum's validator does not read an extension's definition: validate.js checks ours against theirs.
        "generated-by without its version": lambda: _parts(score, lambda parts: [
            p for p in parts if p["url"] != "version"]),
        "generated-by with a table but no tableVersion": lambda: _parts(risk, lambda parts: [
            p for p in parts if p["url"] != "tableVersion"]),
        "generated-by with a bogus part": lambda: _parts(plan, lambda parts: [*parts, {"url": "tabel",
                                                                                      "valueString": "mirels"}]),
        "generated-by with a number for a text": lambda: _parts(score, lambda parts: [
            {"url": p["url"], "valueInteger": 1} if p["url"] == "tableVersion" else p for p in parts]),
        "generated-by with a value of its own": lambda: score["extension"][0].update(valueString="x") or score,
        "an extension the package does not define": lambda: score["extension"].append(
            {"url": "http://bonemet-cds.org/fhir/StructureDefinition/generated-bye", "valueString": "x"}) or score,
    }[case]()
    assert errors_of(validate({case: broken})), f"{case} was accepted"


def _parts(resource, change):
    """``resource`` with the parts of its generated-by extension changed."""
    (extension,) = resource["extension"]
    extension["extension"] = change(extension["extension"])
    return resource


# -- stable identity and resolvable references ------------------------------------------------------


def _without_timestamps(node):
    if isinstance(node, dict):
        return {k: _without_timestamps(v) for k, v in node.items() if k not in TIMESTAMPS}
    if isinstance(node, list):
        return [_without_timestamps(v) for v in node]
    return node


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_posting_the_same_bundle_twice_gives_identical_resources_apart_from_timestamps(client, path):
    source = json.loads(path.read_text("utf-8"))
    first, second = assess(client, source, as_of=EXAMPLES_AS_OF), assess(client, source, as_of=EXAMPLES_AS_OF)
    assert json.dumps(_without_timestamps(first)) == json.dumps(_without_timestamps(second))
    assert foreign_references(first, source) == []
    for entry in first["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in ("Observation", "RiskAssessment", "CarePlan"):
            assert resource["identifier"] == [{"system": ASSESSMENT, "value": resource["id"]}]
            assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


def test_the_identity_is_what_is_assessed_and_when_not_the_inputs(client):
    """One lesion, one day, one assessment: more data the same day revises it (same identifiers, stored over the
    first); another day, or another lesion, is another assessment."""
    def identifiers(answer):
        return sorted(e["resource"]["identifier"][0]["value"] for e in answer["entry"] if "identifier" in e["resource"]
                      and not is_advice_resource(e["resource"]))  # §1.5's advice does not rest on the pain

    day, next_day = date.today().isoformat(), (date.today() + timedelta(days=1)).isoformat()
    base = identifiers(assess(client, bundle(patient(), lesion(), *lesion_observations()), as_of=day))
    assert len(base) == 3
    assert identifiers(assess(client, bundle(patient(), lesion(), *lesion_observations()), language="fr",
                              as_of=day)) == base
    other_pain = identifiers(assess(client, bundle(patient(), lesion(), *lesion_observations(pain="mild")),
                                    as_of=day))
    assert other_pain == base
    later = identifiers(assess(client, bundle(patient(), lesion(), *lesion_observations()), as_of=next_day))
    assert len(later) == 3 and not set(base) & set(later)
    other_lesion = identifiers(assess(client, bundle(patient(), lesion("lesion-2"),
                                                     *lesion_observations("Condition/lesion-2")), as_of=day))
    assert len(other_lesion) == 3 and not set(base) & set(other_lesion)


def test_accepting_a_suggestion_twice_cannot_make_two_assessments(client):
    resources = [patient(), lesion(), *lesion_observations()]
    first, second = (suggested(without_advice(patient_view(client, resources, "p1"))) for _ in range(2))
    assert [r["identifier"] for r in first] == [r["identifier"] for r in second]
    # The suggested resources cite one another by identifier, which survives the EHR's own ids.
    score, risk, plan = first
    assert risk["basis"][0] == {"type": "Observation", "identifier": score["identifier"][0]}
    assert plan["supportingInfo"] == [{"type": "RiskAssessment", "identifier": risk["identifier"][0]}]
    # The inputs are the EHR's own references.
    assert risk["condition"] == {"reference": "Condition/lesion-1"} and risk["subject"] == {"reference": "Patient/p1"}


def test_absolute_and_urn_uuid_inputs_are_cited_as_given_never_by_a_made_up_id(client):
    absolute = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": f"https://ehr.example.fr/fhir/{r['resourceType']}/{r['id']}", "resource": r}
        for r in (patient(), lesion(), *lesion_observations())]}
    answer = assess(client, absolute)
    (risk,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "RiskAssessment"]
    assert risk["subject"]["reference"] == "https://ehr.example.fr/fhir/Patient/p1"
    assert risk["condition"]["reference"] == "https://ehr.example.fr/fhir/Condition/lesion-1"
    assert foreign_references(answer, absolute) == []
    # A transaction whose entries have no id: the urn:uuid fullUrls are cited, no id is invented.
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    for resource in (patient(), lesion(), *lesion_observations(focus="urn:uuid:11111111-0000-4000-8000-000000000002")):
        resource = copy.deepcopy(resource)
        urn = {"Patient": "urn:uuid:11111111-0000-4000-8000-000000000001",
               "Condition": "urn:uuid:11111111-0000-4000-8000-000000000002"}.get(resource["resourceType"],
                                                                                 f"urn:uuid:{uuid.uuid4()}")
        old = resource.pop("id")
        if "subject" in resource:
            resource["subject"] = {"reference": "urn:uuid:11111111-0000-4000-8000-000000000001"}
        transaction["entry"].append({"fullUrl": urn, "resource": resource,
                                     "request": {"method": "POST", "url": resource["resourceType"]}})
        assert old
    answer = assess(client, transaction)
    assert foreign_references(answer, transaction) == []
    (risk,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "RiskAssessment"]
    assert risk["subject"]["reference"] == "urn:uuid:11111111-0000-4000-8000-000000000001"
    assert all(not b["reference"].startswith(("Condition/", "Observation/", "Patient/"))
               for b in risk["basis"][1:] if "reference" in b)


# -- coded, narrated, versioned ----------------------------------------------------------------------


def _codings(node):
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node
        for value in node.values():
            yield from _codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codings(value)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_outputs_are_coded_narrated_in_their_language_and_traceable_to_versions(client, language):
    code_system = json.loads((PROFILES / "CodeSystem-bonemet.json").read_text("utf-8"))
    displays = {c["code"]: {"en": c["display"], **{d["language"]: d["value"] for d in c["designation"]}}
                for c in code_system["concept"]}
    source = json.loads((ROOT / "examples" / "bundles" / "03-mirels-11-fixation.json").read_text("utf-8"))
    answer = assess(client, source, language, EXAMPLES_AS_OF)
    produced = [e["resource"] for e in answer["entry"]
                if e["resource"]["resourceType"] in ("Observation", "RiskAssessment", "CarePlan")
                and not is_advice_resource(e["resource"])]
    assert [r["resourceType"] for r in produced] == ["Observation", "RiskAssessment", "CarePlan"]
    own = 0
    for resource in produced:
        assert resource["language"] == language
        assert resource["text"]["status"] == "generated"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        (extension,) = resource["extension"]
        parts = {part["url"]: part["valueString"] for part in extension["extension"]}
        assert parts == {"software": "bonemet-cds", "version": __version__, "table": "mirels", "tableVersion": "1"}
        for coding in _codings(resource):
            if coding["system"] == OWN:
                own += 1
                assert coding["display"] == displays[coding["code"]][language], coding
    assert own >= 8
    (risk,) = [r for r in produced if r["resourceType"] == "RiskAssessment"]
    assert risk["prediction"][0]["outcome"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "268029009", "display": "Pathological fracture (disorder)"}]
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "high"
    assert {"en": "table version 1", "fr": "version de la table 1"}[language] in risk["method"]["text"]
    (outcome,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    assert outcome["language"] == language


def test_operation_outcome_issues_point_at_the_input_element(client):
    source = bundle(patient(), lesion(), observation("o-type", "lesion-type", status="entered-in-error",
                                                     focus="Condition/lesion-1"))
    answer = client.post("/fhir/$assess", json=source).get_json()  # a bare Bundle: paths start at Bundle
    (outcome,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    by_text = {issue["diagnostics"]: issue.get("expression") for issue in outcome["issue"]}
    ignored = [expression for text, expression in by_text.items()
               if "Observation/o-type" in text and "not used" in text]
    assert ignored == [["Bundle.entry[2].resource"]]
    missing = [expression for text, expression in by_text.items() if "missing; would be supplied" in text]
    assert missing and all(expression == ["Bundle.entry[1].resource"] for expression in missing)


# -- invalid required codes -----------------------------------------------------------------------


@pytest.mark.parametrize("resource,where", [
    (observation("o-type", "lesion-type", status="not-a-status", focus="Condition/lesion-1"),
     "Bundle.entry[2].resource.status"),
    ({**lesion("lesion-2"), "clinicalStatus": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "ongoing"}]}},
     "Bundle.entry[2].resource.clinicalStatus.coding[0].code"),
])
def test_a_code_outside_a_required_binding_the_mapper_reads_is_400(client, resource, where):
    response = client.post("/fhir/$assess", json=bundle(patient(), lesion(), resource))
    assert response.status_code == 400 and response.mimetype == "application/fhir+json"
    outcome = response.get_json()
    assert schema_errors(outcome) == []
    assert [issue["expression"] for issue in outcome["issue"]] == [[where]]


def test_a_local_coding_beside_the_standard_one_is_not_refused(client):
    local = {**lesion(), "clinicalStatus": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"},
        {"system": "https://chu.example.fr/statuts", "code": "EN-COURS"}]}}
    assert client.post("/fhir/$assess", json=bundle(patient(), local)).status_code == 200


@pytest.mark.parametrize("language", ["en", "fr"])
def test_cards_use_the_code_systems_displays_and_name_the_version(client, language):
    code_system = json.loads((PROFILES / "CodeSystem-bonemet.json").read_text("utf-8"))
    displays = {c["code"]: {"en": c["display"], **{d["language"]: d["value"] for d in c["designation"]}}
                for c in code_system["concept"]}
    request = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
               "context": {"userId": "Practitioner/1", "patientId": "p1"},
               "prefetch": {"patient": patient(), "conditions": {"resourceType": "Bundle", "type": "searchset",
                                                                  "entry": [{"resource": lesion()}]},
                            "observations": {"resourceType": "Bundle", "type": "searchset", "entry": [
                                {"resource": r} for r in lesion_observations()]}}}
    cards = client.post("/cds-services/bonemet-patient-view", json=request,
                        headers={"Accept-Language": language}).get_json()["cards"]
    own = [c for card in cards for c in [card["source"].get("topic"), *card.get("overrideReasons", [])] if c]
    assert len(own) >= 4
    assert all(c["display"] == displays[c["code"]][language] for c in own)
    assert all(__version__ in card["source"]["label"] for card in cards)


def test_one_assessment_whatever_the_door_and_however_the_input_spells_its_references(client):
    """The same lesion, the same day: $assess with absolute fullUrls, with :443 in them, without fullUrls, and
    patient-view give the same identifiers (an EHR using two doors stores one assessment, not two)."""
    resources = [patient(), lesion(), *lesion_observations()]
    spelled = []
    for base in ("https://ehr.example.fr/fhir", "https://ehr.example.fr:443/fhir"):
        spelled.append({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources]})
    spelled.append({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]})
    found = [sorted(e["resource"]["identifier"][0]["value"] for e in assess(client, source)["entry"]
                    if "identifier" in e["resource"]) for source in spelled]
    from_cds = sorted(r["identifier"][0]["value"] for r in suggested(patient_view(client, resources, "p1")))
    assert found[0] == found[1] == found[2] and sorted(found[0]) == from_cds and from_cds


# -- the server answers reads of its own canonicals ----------------------------------------------------


@pytest.mark.slow
def test_every_canonical_of_the_package_is_read_from_the_server_and_an_unknown_one_is_a_404(client):
    files = [json.loads(p.read_text("utf-8")) for p in sorted(PROFILES.glob("[A-Z]*-*.json"))]
    assert len(files) > 60
    for resource in files:
        answer = client.get(f"/fhir/{resource['resourceType']}/{resource['id']}")
        assert answer.status_code == 200 and answer.mimetype == "application/fhir+json"
        assert answer.get_json() == resource
        found = client.get(f"/fhir/{resource['resourceType']}", query_string={"url": resource["url"]}).get_json()
        assert [e["resource"]["id"] for e in found["entry"]] == [resource["id"]] and schema_errors(found) == []
    for path in ("/fhir/StructureDefinition/no-such-profile", "/fhir/ValueSet/no-such", "/fhir/CodeSystem/x",
                 "/fhir/Questionnaire/bonemet-other"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.mimetype == "application/fhir+json", path
        outcome = missing.get_json()
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "not-found"
        assert schema_errors(outcome) == []
    assert client.get("/fhir/ValueSet", query_string={"name": "x"}).status_code == 400
    versioned = client.get("/fhir/Questionnaire", query_string={
        "url": "http://bonemet-cds.org/fhir/Questionnaire/bonemet-mirels|0.1.0"}).get_json()
    other = client.get("/fhir/Questionnaire", query_string={
        "url": "http://bonemet-cds.org/fhir/Questionnaire/bonemet-mirels|9.9.9"}).get_json()
    assert (versioned["total"], other["total"]) == (1, 0)


def test_every_canonical_an_output_cites_is_served(client):
    """Profiles, extensions, code systems and Questionnaires that $assess's answers name resolve on the server."""
    source = json.loads((ROOT / "examples" / "bundles" / "03-mirels-11-fixation.json").read_text("utf-8"))
    answer = assess(client, source, as_of=EXAMPLES_AS_OF)
    cited = set()

    def walk(node):
        if isinstance(node, dict):
            cited.update(p for p in node.get("meta", {}).get("profile", []))
            if isinstance(node.get("url"), str) and "/StructureDefinition/" in node["url"]:
                cited.add(node["url"])
            if isinstance(node.get("system"), str):
                cited.add(node["system"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(answer)
    own = sorted(url for url in cited if url.startswith("http://bonemet-cds.org/fhir/") and "/sid/" not in url)
    assert len(own) >= 3
    for url in own:
        kind, rid = url.removeprefix("http://bonemet-cds.org/fhir/").split("/")
        assert client.get(f"/fhir/{kind}/{rid}").status_code == 200, url


def test_the_statements_say_what_the_server_does_guide_security_output_profiles_and_strictness(client):
    published = json.loads((PROFILES / "CapabilityStatement-bonemet.json").read_text("utf-8"))
    (guide,) = PROFILES.glob("ImplementationGuide-*.json")
    assert published["implementationGuide"] == [json.loads(guide.read_text("utf-8"))["url"]]
    (rest,) = published["rest"]
    assert "JWT" in rest["security"]["description"] and "not SMART" in rest["security"]["description"]
    supported = {p for r in rest["resource"] for p in r.get("supportedProfile", [])}
    claimed = set()
    for path in EXAMPLES:
        answer = assess(client, json.loads(path.read_text("utf-8")), as_of=EXAMPLES_AS_OF)
        claimed |= {p for e in answer["entry"] for p in e["resource"].get("meta", {}).get("profile", [])}
    assert claimed and claimed <= supported, claimed - supported
    operation = json.loads((PROFILES / "OperationDefinition-assess.json").read_text("utf-8"))
    documented = json.dumps(operation)
    assert all(profile in documented for profile in claimed)
    assert "valueString" in documented and "BCP-47" in documented and "misspelt asof" in documented
    # Every type the statement says may be read is read; the instance's statement says whether CORS is on.
    served = client.get("/fhir/metadata").get_json()
    for resource in served["rest"][0]["resource"]:
        if resource.get("interaction"):
            assert client.get(f"/fhir/{resource['type']}").status_code == 200, resource["type"]
    assert served["rest"][0]["security"]["cors"] is False and schema_errors(served) == []


# -- the package as another project consumes it ---------------------------------------------------------


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """``npm pack`` of fhir_profiles/, unpacked: the folder ``package/`` of the tarball."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the package cannot be packed")
    work = tmp_path_factory.mktemp("packed")
    result = subprocess.run(["npm", "pack", "--pack-destination", str(work), "--json"], cwd=PROFILES,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (tarball,) = work.glob("*.tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(work, filter="data")
    return work / "package"


def test_npm_pack_ships_the_package_alone_in_the_fhir_package_layout(packed):
    names = sorted(str(p.relative_to(packed)) for p in packed.rglob("*") if p.is_file())
    assert "package.json" in names and ".index.json" in names and "example/.index.json" in names
    assert not [n for n in names if n.startswith(("source", "node_modules")) or n.endswith((".py", ".fsh", ".js"))]
    for folder in (packed, packed / "example"):
        index = json.loads((folder / ".index.json").read_text("utf-8"))
        listed = {entry["filename"] for entry in index["files"]}
        assert listed == {p.name for p in folder.glob("[!.]*.json")} - {"package.json"}
        for entry in index["files"]:
            resource = json.loads((folder / entry["filename"]).read_text("utf-8"))
            assert (resource["resourceType"], resource["id"]) == (entry["resourceType"], entry["id"])
            assert resource.get("url") == entry.get("url") and resource.get("version") == entry.get("version")
    assert len(list((packed / "example").glob("[!.]*.json"))) >= 15


def test_every_conformance_resource_has_version_publisher_date_and_a_narrative(packed):
    manifest = json.loads((packed / "package.json").read_text("utf-8"))
    conformance = [json.loads(p.read_text("utf-8")) for p in sorted(packed.glob("[A-Z]*-*.json"))]
    assert len(conformance) > 60
    dates = set()
    for resource in conformance:
        name = f"{resource['resourceType']}/{resource['id']}"
        assert resource["version"] == manifest["version"], name
        assert resource["publisher"] == "bonemet-cds" and resource["date"], name
        dates.add(resource["date"])
        assert resource["text"]["status"] == "generated", name
        div = ElementTree.fromstring(resource["text"]["div"])  # well-formed XHTML, FHIR's namespace
        assert div.tag == "{http://www.w3.org/1999/xhtml}div" and len("".join(div.itertext())) > 20, name
        assert not {element.tag.split("}")[1] for element in div.iter()} & {"script", "style", "a", "img"}, name
        assert (resource.get("title") or resource.get("name") or resource["id"]) in "".join(div.itertext()), name
        assert schema_errors(resource) == [], name
    assert dates == {manifest["date"][:4] + "-" + manifest["date"][4:6] + "-" + manifest["date"][6:8]}


@needs_tools
def test_the_package_passes_the_project_validator_with_its_extension_checks(packed):
    """Every resource of the tarball: the conformance resources against base R4, the examples against the
    profile they claim, with every extension of the package checked against its definition."""
    named = {str(p.relative_to(packed)): json.loads(p.read_text("utf-8"))
             for p in sorted([*packed.glob("[A-Z]*-*.json"), *packed.glob("example/[!.]*.json")])}
    results = validate(named)
    assert errors_of(results) == {}
    print(f"\nproject validator over the packed package: {len(results)} resources, 0 errors")


@needs_tools
def test_sushi_builds_another_project_on_the_package_as_a_dependency(packed, tmp_path):
    """A hospital's own guide depends on bonemet.cds: SUSHI resolves its profiles, extension and ValueSets
    from the package as npm packed it, in a FHIR package cache of its own."""
    home = tmp_path / "home"
    cache = home / ".fhir" / "packages"
    build.write_r4_core_package(cache)
    shutil.copytree(packed, cache / "bonemet.cds#0.1.0" / "package")
    project = tmp_path / "hospital"
    (project / "input" / "fsh").mkdir(parents=True)
    (project / "sushi-config.yaml").write_text(
        "id: hospital.bonemet\ncanonical: http://hospital.example.org/fhir\nname: HospitalBonemet\n"
        "status: draft\nversion: 0.0.1\nfhirVersion: 4.0.1\nFSHOnly: true\n"
        "publisher:\n  name: Hospital\ndependencies:\n  bonemet.cds: 0.1.0\n", encoding="utf-8")
    (project / "input" / "fsh" / "hospital.fsh").write_text("""
Profile: HospitalMirelsScore
Parent: BonemetMirelsScore
Id: hospital-mirels-score
Title: "Mirels score as the hospital stores it"
* performer 1..1
* code from http://bonemet-cds.org/fhir/ValueSet/score-code (required)

Profile: HospitalNote
Parent: Observation
Id: hospital-note
* extension contains http://bonemet-cds.org/fhir/StructureDefinition/generated-by named generatedBy 1..1
* value[x] from http://bonemet-cds.org/fhir/ValueSet/lesion-type (required)
""", encoding="utf-8")
    result = subprocess.run([str(SOURCE / "node_modules" / ".bin" / "sushi"), "build", str(project), "--snapshot"],
                            env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and " 0 Errors " in result.stdout, result.stdout + result.stderr
    generated = project / "fsh-generated" / "resources"
    score = json.loads((generated / "StructureDefinition-hospital-mirels-score.json").read_text("utf-8"))
    assert score["baseDefinition"] == "http://bonemet-cds.org/fhir/StructureDefinition/bonemet-mirels-score"
    # The snapshot is the package's profile's, constrained further: its rules came from the dependency.
    component = {e["id"]: e for e in score["snapshot"]["element"]}
    assert component["Observation.performer"]["min"] == 1 and component["Observation.focus"]["min"] == 1
    note = json.loads((generated / "StructureDefinition-hospital-note.json").read_text("utf-8"))
    slices = [e for e in note["snapshot"]["element"] if e["id"] == "Observation.extension:generatedBy"]
    assert slices[0]["type"][0]["profile"] == ["http://bonemet-cds.org/fhir/StructureDefinition/generated-by"]


# -- SDC: the total calculated, the answers extracted to Observations -----------------------------------


def _scores(answer):
    return sorted(e["resource"].get("valueInteger") for e in answer["entry"]
                  if e["resource"]["resourceType"] == "Observation")


def test_the_questionnaires_calculate_the_total_and_mark_the_items_an_observation_records():
    concept_map = json.loads((PROFILES / "ConceptMap-table-row-to-observation.json").read_text("utf-8"))
    targets = {element["code"]: (group["target"], target["code"]) for group in concept_map["group"]
               for element in group["element"] for target in element["target"]}
    for name in ("mirels", "rades"):
        form = json.loads((PROFILES / f"Questionnaire-bonemet-{name}.json").read_text("utf-8"))
        (total,) = [item for item in form["item"] if item["linkId"] == "total"]
        (expression,) = [e["valueExpression"] for e in total["extension"] if e["url"].endswith("calculatedExpression")]
        assert expression["language"] == "text/fhirpath" and "ordinal()" in expression["expression"]
        assert total["readOnly"] is True and total["type"] == "integer"
        extracted = [item for item in form["item"] if any(e["url"].endswith("observationExtract") and e["valueBoolean"]
                                                          for e in item.get("extension", []))]
        assert extracted
        for item in extracted:
            profile = item["definition"].split("#")[0]
            definition = json.loads((PROFILES / f"StructureDefinition-{profile.rsplit('/', 1)[1]}.json").read_text())
            assert item["code"][0] == {k: v for k, v in definition["differential"]["element"][[
                e["id"] for e in definition["differential"]["element"]].index("Observation.code")][
                "patternCodeableConcept"]["coding"][0].items()} | {"display": item["code"][0]["display"]}
            bindings = [e["binding"]["valueSet"] for e in definition["snapshot"]["element"]
                        if e["id"].startswith("Observation.value[x]") and "binding" in e]
            value_set = json.loads((PROFILES / f"ValueSet-{bindings[-1].rsplit('/', 1)[1]}.json").read_text())
            allowed = {(i["system"], c["code"]) for i in value_set["compose"]["include"] for c in i["concept"]}
            for option in item["answerOption"]:  # every row maps to a code the Observation's profile allows
                assert targets[option["valueCoding"]["code"]] in allowed, (item["linkId"], option)


@needs_tools
def test_answers_extracted_to_observations_conform_and_score_as_the_answers_do(client):
    from service.render.questionnaires import extracted_observations, questionnaire_response

    when = f"{date.today() - timedelta(days=1)}T10:00:00+01:00"
    response = questionnaire_response("mirels", "Condition/lesion-1", "Patient/p1",
                                      {"lesion_size": "over_two_thirds", "lesion_type": "mixed", "pain": "functional"},
                                      "Practitioner/doc", when, "en")
    observations = extracted_observations(response, "mirels")
    assert sorted(o["code"]["coding"][0]["code"] for o in observations) == ["lesion-size", "lesion-type", "mirels-pain"]
    assert errors_of(validate({o["code"]["coding"][0]["code"]: o for o in observations})) == {}
    by_answers = assess(client, bundle(patient(), lesion(), response))
    by_observations = assess(client, bundle(patient(), lesion(), *observations))
    # Femur shaft (lower limb) 2, over two thirds 3, mixed 2, functional pain 3: Mirels 10 both ways.
    assert _scores(by_answers) == _scores(by_observations) == [2 + 3 + 2 + 3]
    # Rades: the motor function and visceral metastases of a compression (example 05's), extracted the same way.
    rades = questionnaire_response("rades", "Condition/cord-compression", "Patient/example",
                                   {"motor_function": "not_ambulatory", "visceral_metastases": "yes"}, None, when, "fr")
    extracted = extracted_observations(rades, "rades")
    assert sorted(o["valueCodeableConcept"]["coding"][0]["code"] for o in extracted) == ["373066001", "not-ambulatory"]
    assert errors_of(validate({o["code"]["coding"][0]["code"]: o for o in extracted})) == {}
    # The motor status answered for this compression is this compression's (focus), not every compression's (a
    # probe's answer for the cervical one reached the lumbar one's card once stored); the visceral status is the
    # patient's (no focus).
    focus = {o["code"]["coding"][0]["code"]: o.get("focus") for o in extracted}
    assert focus == {"motor-function": [{"reference": "Condition/cord-compression"}], "visceral-metastases": None}
