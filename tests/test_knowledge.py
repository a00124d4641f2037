"""The care-plan knowledge published as PlanDefinition and ActivityDefinition (fhir_profiles/): generated from the
seeds, valid R4, served by the FHIR door, and what the CarePlans the service emits instantiate."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.calculators import NAMES, load_table
from service.calculators.situations import situations
from service.render.knowledge import knowledge
from support.fhir_builders import SCT, bundle, coded, condition, observation, patient, site
from support.fhir_schema_check import schema_errors
from support.redate import EXAMPLES_AS_OF

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "fhir_profiles"
SOURCE = PROFILES / "source"
CORPUS = sorted((ROOT / "tests" / "corpus").glob("[a-z][0-9]*.json"))
CORPUS_AS_OF = json.loads((ROOT / "tests" / "corpus" / "expected.json").read_text("utf-8"))["as_of"]
EXAMPLES = sorted((ROOT / "examples" / "bundles").glob("*.json"))
sys.path.insert(0, str(SOURCE))
import build  # noqa: E402  (fhir_profiles/source/build.py)

needs_tools = pytest.mark.skipif(build.tools_missing() is not None,
                                 reason=f"FHIR validator not available: {build.tools_missing()}")
GENERATED = knowledge()




@pytest.mark.parametrize("name", sorted(GENERATED))
def test_the_published_knowledge_is_the_seeds(name):
    published = json.loads((PROFILES / f"{name}.json").read_text("utf-8"))
    # The narrative and the release date are the package build's (fhir_profiles/source/build.py).
    assert {k: v for k, v in published.items() if k not in ("text", "date")} == GENERATED[name], \
        "regenerate with `python -m service.render.knowledge`, then run fhir_profiles/source/build.py"
    assert schema_errors(published) == []
    assert published["text"]["status"] == "generated" and published["date"] and published["version"]


def test_nothing_else_is_published_and_each_activity_of_the_seeds_has_its_definition():
    on_disk = {p.stem for kind in ("PlanDefinition", "ActivityDefinition") for p in PROFILES.glob(f"{kind}-*.json")}
    assert on_disk == set(GENERATED)
    activities = {r["url"]: r for r in GENERATED.values() if r["resourceType"] == "ActivityDefinition"}
    plans = {r["id"]: r for r in GENERATED.values() if r["resourceType"] == "PlanDefinition"}
    assert len(activities) == 12 and len(plans) == len(NAMES) + len(situations())
    cited = set()
    for calculator in NAMES:
        (score,) = plans[f"bonemet-{calculator}"]["action"]
        table = load_table(calculator)
        assert [a["title"] for a in score["action"]] == [c.label("en") for c in table.categories]
        for action, category in zip(score["action"], table.categories, strict=True):
            canonicals = [action["definitionCanonical"]] if "definitionCanonical" in action else [
                sub["definitionCanonical"] for sub in action["action"]]
            cited.update(canonicals)
            # The ActivityDefinition of each activity says it in the seed's words (French as a translation),
            # coded as the seed codes it.
            for canonical, words, code in zip(canonicals, category.activities, category.activity_codes, strict=True):
                defined = activities[canonical]
                assert defined["description"] == words("en")
                assert defined["_description"]["extension"][0]["extension"][1]["valueString"] == words("fr")
                assert {k: defined["code"]["coding"][0][k] for k in ("system", "code")} == {
                    k: code[k] for k in ("system", "code")}
    for name, situation in situations().items():
        (action,) = next(p for p in plans.values() if p["topic"][0]["coding"][0]["code"] in (
            name, name.replace("_", "-"), "painful-bone-metastasis" if name == "pain" else "")
                         and p["id"].startswith("bonemet-guideline-"))["action"]
        cited.add(action["definitionCanonical"])
        assert activities[action["definitionCanonical"]]["code"]["coding"][0]["code"] == situation.activity_code
    assert cited == set(activities), "an ActivityDefinition no plan uses"
    # The guideline and the primary article as the seeds cite them.
    mirels = plans["bonemet-mirels"]["relatedArtifact"]
    assert [a["citation"] for a in mirels if a["type"] == "citation"] == [
        load_table("mirels").citation["guideline"], load_table("mirels").citation["primary_source"]]
    assert any(a.get("url") == load_table("rades").citation["primary_source_url"]
               for a in plans["bonemet-rades"]["relatedArtifact"])


@needs_tools
@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_the_knowledge_passes_the_project_validator():
    requests = [{"name": p.name, "resource": json.loads(p.read_text("utf-8"))}
                for kind in ("PlanDefinition", "ActivityDefinition") for p in sorted(PROFILES.glob(f"{kind}-*.json"))]
    result = subprocess.run(["node", str(SOURCE / "validate.js")], input=json.dumps(requests), capture_output=True,
                            text=True, timeout=600, check=True)
    errors = {r["name"]: r["issues"] for r in json.loads(result.stdout)
              if any(i.get("severity") in ("error", "fatal") for i in r["issues"])}
    assert len(requests) == 18 and errors == {}


def test_the_server_reads_each_plan_and_activity_definition_and_the_openapi_lists_them(client):
    for resource in GENERATED.values():
        kind, rid = resource["resourceType"], resource["id"]
        answer = client.get(f"/fhir/{kind}/{rid}")
        assert answer.status_code == 200 and answer.mimetype == "application/fhir+json"
        assert answer.get_json() == json.loads((PROFILES / f"{kind}-{rid}.json").read_text("utf-8"))
        found = client.get(f"/fhir/{kind}", query_string={"url": resource["url"] + "|" + resource["version"]})
        assert [e["resource"]["id"] for e in found.get_json()["entry"]] == [rid]
    for path in ("/fhir/PlanDefinition/bonemet-other", "/fhir/ActivityDefinition/no-such"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.get_json()["issue"][0]["code"] == "not-found"
    paths = client.get("/openapi.json").get_json()["paths"]
    for kind in ("PlanDefinition", "ActivityDefinition"):
        assert f"/fhir/{kind}" in paths
        (rid,) = paths[f"/fhir/{kind}/{{rid}}"]["parameters"]
        assert rid["schema"]["enum"] == sorted(r["id"] for r in GENERATED.values() if r["resourceType"] == kind)


ROWS = "http://bonemet-cds.org/fhir/CodeSystem/table-row"
LUMBAR_SPINE = "122496007"


def _vertebral(pain, alignment, collapse, posterolateral):
    """A lumbar vertebral metastasis, blastic, with every SINS imaging item; its level (junctional 3 or mobile 2)
    is left open, so the score is a valueRange of two totals."""
    rows = {"sins-pain": pain, "spinal-alignment": alignment, "vertebral-body-collapse": collapse,
            "posterolateral-involvement": posterolateral}
    return {"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": bundle(
        patient(), condition("spine-1", SCT, "94222008", body_site=[site(LUMBAR_SPINE)]),
        *[observation(f"s-{code}", code, focus="Condition/spine-1", **coded(row, ROWS)) for code, row in rows.items()],
        observation("s-type", "lesion-type", focus="Condition/spine-1", **coded("blastic")))}]}


# SINS records the examples lack, one per band: 2-3 stable, 7-8 indeterminate, 15-16 unstable.
SINS_RECORDS = [_vertebral("pain_free_lesion", "normal_alignment", "no_collapse_none_of_the_above",
                           "posterolateral_none"),
                _vertebral("mechanical_pain", "normal_alignment", "collapse_under_50_percent", "posterolateral_none"),
                _vertebral("mechanical_pain", "subluxation_translation", "collapse_over_50_percent",
                           "posterolateral_bilateral")]


def _assessed(client, path):
    if isinstance(path, dict):
        answer = client.post("/fhir/$assess", json=path)
        return answer.get_json()["entry"]
    source = json.loads(path.read_text("utf-8"))
    body = {"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": source}]}
    # The day each was written for: records age.
    as_of = EXAMPLES_AS_OF if path.parent.name == "bundles" else CORPUS_AS_OF
    body["parameter"].append({"name": "asOf", "valueDate": as_of})
    answer = client.post("/fhir/$assess", json=body)
    return [e for e in answer.get_json().get("entry", [])] if answer.status_code == 200 else []


def _fhirpath(cases):
    """[(expression, score Observation)] -> [bool], by Medplum's FHIRPath engine (%score the Observation)."""
    script = ("const core = require('@medplum/core'); const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(cases.map(([e, o]) => { const s = core.toTypedValue(o);"
              " const r = core.evalFhirPathTyped(e, [s], {'%score': s}); return r.length === 1 && r[0].value === true;"
              " })));")
    result = subprocess.run(["node", "-e", script], input=json.dumps(cases), capture_output=True, text=True,
                            timeout=300, check=True, env={**os.environ, "NODE_PATH": str(SOURCE / "node_modules")})
    return json.loads(result.stdout)


@needs_tools
@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_every_care_plan_instantiates_a_published_plan_whose_condition_selects_its_activities(client):
    """Every CarePlan $assess gives for the examples and the corpus names a PlanDefinition the server reads; its
    activities are the ActivityDefinitions of the one action whose FHIRPath condition holds for the score."""
    plans, kinds, cases = [], set(), []
    for path in [*EXAMPLES, *CORPUS, *SINS_RECORDS, *sorted((PROFILES / "example").glob("CarePlan-*.json"))]:
        entries = (_assessed(client, path) if isinstance(path, dict) or path.parent.name != "example"
                   else [{"fullUrl": "x", "resource": json.loads(path.read_text("utf-8"))}])
        by_url = {e["fullUrl"]: e["resource"] for e in entries}
        for entry in entries:
            care_plan = entry["resource"]
            if care_plan["resourceType"] != "CarePlan":
                continue
            (canonical,) = care_plan["instantiatesCanonical"]
            kind, rid = canonical.removeprefix("http://bonemet-cds.org/fhir/").split("/")
            plan = client.get(f"/fhir/{kind}/{rid}").get_json()
            assert kind == "PlanDefinition" and plan["url"] == canonical, canonical
            kinds.add(rid)
            done = [c for a in care_plan["activity"] for c in a["detail"]["instantiatesCanonical"]]
            for activity, url in zip(care_plan["activity"], done, strict=True):
                defined = client.get("/fhir/ActivityDefinition/" + url.rsplit("/", 1)[1]).get_json()
                assert defined["url"] == url and defined["code"]["coding"][0]["code"] == \
                    activity["detail"]["code"]["coding"][0]["code"]
            if plan["id"].startswith("bonemet-guideline-"):
                assert done == [plan["action"][0]["definitionCanonical"]]
                continue
            risk = by_url.get(care_plan["supportingInfo"][0]["reference"])
            if risk is None:  # the package's example: its score is beside it
                continue
            score = by_url[risk["basis"][0]["reference"]]
            plans.append((done, plan))
            cases += [(action["condition"][0]["expression"]["expression"], score)
                      for action in plan["action"][0]["action"]]
    assert kinds == {r["id"] for r in GENERATED.values() if r["resourceType"] == "PlanDefinition"}, kinds
    held = iter(_fhirpath(cases))
    selected = set()
    for done, plan in plans:
        chosen = [action for action in plan["action"][0]["action"] if next(held)]
        assert len(chosen) == 1, plan["id"]
        (action,) = chosen
        selected.add((plan["id"], action["title"]))
        assert done == ([action["definitionCanonical"]] if "definitionCanonical" in action else
                        [sub["definitionCanonical"] for sub in action["action"]])
    # Every category of every table was reached, with a total and with a range (SINS's open level).
    assert selected == {(f"bonemet-{calculator}", category.label("en"))
                        for calculator in NAMES for category in load_table(calculator).categories}
    print(f"\n{len(plans)} score CarePlans: each one's activities are those of the one action whose condition holds")


@needs_tools
@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_the_care_plan_profiles_require_the_plan_and_each_activitys_definition():
    examples = {p.stem: json.loads(p.read_text("utf-8"))
                for p in sorted((PROFILES / "example").glob("CarePlan-*.json"))}
    broken = {}
    for name, care_plan in examples.items():
        broken[name] = care_plan
        broken[f"{name} without its PlanDefinition"] = {k: v for k, v in care_plan.items()
                                                          if k != "instantiatesCanonical"}
        without = json.loads(json.dumps(care_plan))
        del without["activity"][0]["detail"]["instantiatesCanonical"]
        broken[f"{name} without its ActivityDefinition"] = without
        broken[f"{name} instantiating a Questionnaire"] = {
            **care_plan, "instantiatesCanonical": ["http://bonemet-cds.org/fhir/Questionnaire/bonemet-mirels"]}
    requests = [{"name": name, "resource": resource} for name, resource in broken.items()]
    result = subprocess.run(["node", str(SOURCE / "validate.js")], input=json.dumps(requests), capture_output=True,
                            text=True, timeout=600, check=True)
    refused = {r["name"] for r in json.loads(result.stdout)
               if any(i.get("severity") in ("error", "fatal") for i in r["issues"])}
    assert len(examples) == 3 and refused == set(broken) - set(examples)
