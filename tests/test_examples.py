"""Every sample bundle in examples/bundles gives its documented result through all
three doors: POST /fhir/$assess, `bonemet assess`, and the CDS Hooks patient-view."""

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest

from service.calculators import load_table
from service.cli import main
from support.answer_checks import foreign_references, local_of, score_words, without_advice
from support.fhir_schema_check import schema_errors
from support.redate import to_today

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "bundles"
EXPECTED = EXAMPLES.parent / "expected"
NAMES = sorted(p.name.removesuffix(".json") for p in EXAMPLES.glob("*.json"))


def as_of(name):
    """The day the documented result holds: records age (seeds/fact_windows.json), so it is dated."""
    return json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))["as_of"]


AS_OF = as_of(NAMES[0])


def load(name):
    return json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))


def expected(name):
    """(patient, calculator, condition, (min total, max total), risk or None) of each documented score."""
    found = []
    for score in json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))["scores"]:
        categories = {c.value: c for c in load_table(score["calculator"]).categories}
        risk = categories[score["category"]].risk if score["category"] else None
        found.append((score["patient"], score["calculator"], score["condition"], tuple(score["total_range"]), risk))
    return sorted(found)


def scores_in(bundle, inputs=None):
    """The same tuple, read back from an answer Bundle's score Observations and RiskAssessments
    (references as the ``inputs`` name their resources)."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    risks = {}
    for r in resources:
        if r["resourceType"] == "RiskAssessment":
            coding = r["prediction"][0].get("qualitativeRisk", {}).get("coding", [{}])
            risks[local_of(r["condition"]["reference"], inputs or {})] = coding[0].get("code")
    found = []
    for r in resources:
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"].endswith("-score"):
            total = ((r["valueInteger"], r["valueInteger"]) if "valueInteger" in r
                     else (r["valueRange"]["low"]["value"], r["valueRange"]["high"]["value"]))
            condition = local_of(r["focus"][0]["reference"], inputs or {})
            found.append((local_of(r["subject"]["reference"], inputs or {}),
                          r["code"]["coding"][0]["code"].removesuffix("-score"),
                          condition, total, risks[condition]))
    return sorted(found)




def test_there_are_at_least_twelve_examples_each_with_its_expected_result():
    assert len(NAMES) >= 12
    for name in NAMES:
        assert (EXPECTED / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_fhir_assess_operation(client, name):
    response = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load(name))
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    assert scores_in(bundle, load(name)) == expected(name)
    assert schema_errors(bundle) == []
    assert foreign_references(bundle, load(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_bonemet_assess_command(name, capsys):
    assert main(["assess", "--as-of", AS_OF, str(EXAMPLES / f"{name}.json")]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert scores_in(answer, load(name)) == expected(name)
    assert foreign_references(answer, load(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_cds_hooks_patient_view(client, name):
    by_patient = {}
    for entry in load(name)["entry"]:
        resource = entry["resource"]
        patient = (f"Patient/{resource['id']}" if resource["resourceType"] == "Patient"
                   else resource["subject"]["reference"])
        by_patient.setdefault(patient, []).append(resource)
    found, details = [], []
    for patient, resources in by_patient.items():
        def searchset(kind, resources=resources):
            return {"resourceType": "Bundle", "type": "searchset",
                    "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}
        request = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                   "context": {"userId": "Practitioner/1", "patientId": patient.removeprefix("Patient/")},
                   "prefetch": {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
                                "conditions": searchset("Condition"), "observations": searchset("Observation")}}
        response = client.post("/cds-services/bonemet-patient-view", json=to_today(request, AS_OF))
        assert response.status_code == 200
        for card in without_advice(response.get_json()["cards"]):
            details.append(card["detail"])
            for action in (card.get("suggestions") or [{}])[0].get("actions", []):
                found.append(action["resource"])
    # The score cards' suggestions carry the same resources as the $assess answer.
    scores = scores_in({"entry": [{"resource": r} for r in found]})
    determined = [score for score in expected(name) if score[4] is not None]
    assert scores == determined
    for _, _, _condition, (low, high), risk in expected(name):
        if risk is None:  # undetermined: a missing-data card with the range, no record suggestion
            assert any(f"Possible totals: {low}–{high}" in detail for detail in details)


def test_missing_data_is_reported_in_the_answer(client):
    bundle = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("09-missing-data")).get_json()
    (outcome,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    text = " ".join(issue["diagnostics"] for issue in outcome["issue"])
    assert "Pain missing; would be supplied by" in text and "possible totals 8-10" in text


def test_conflict_and_entered_in_error_are_reported(client):
    bundle = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("10-conflicting-data")).get_json()
    (outcome,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    text = " ".join(issue["diagnostics"] for issue in outcome["issue"])
    assert "Observation/femur-metastasis-type-ct" in text and "conflict" in text.lower()
    assert re.search(r"Observation/femur-metastasis-pain-error \(.*?\) not used: status is entered-in-error", text)


def test_no_score_says_why(client):
    bundle = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("13-no-score")).get_json()
    (outcome,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    text = " ".join(issue["diagnostics"] for issue in outcome["issue"])
    assert "no score" in text
    assert re.search(r"Condition/femur-metastasis-refuted \([^)]*\) not used: verificationStatus is refuted", text)
    assert re.search(r"Condition/humerus-metastasis-resolved \([^)]*\) not used: bone metastasis is not active", text)


def test_table_format_and_french(capsys):
    assert main(["assess", "--as-of", AS_OF, "--format", "table", "--lang", "fr",
                 str(EXAMPLES / "14-two-patients.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["fichier", "lésion", "total", "score", "catégorie", "patient", "items"]
    assert "Patient/patient-a" in lines[1] and " 9 " in lines[1] and "Mirels ≥ 9" in lines[1]
    assert "Patient/patient-b" in lines[2] and " 25 " in lines[2] and "Groupe I" in lines[2]


def test_one_default_format_for_any_number_of_files_and_csv_and_bundle(capsys):
    one, two = str(EXAMPLES / "05-rades-group-i.json"), str(EXAMPLES / "14-two-patients.json")
    assert main(["assess", "--as-of", AS_OF, one]) == 0
    (line,) = capsys.readouterr().out.splitlines()  # ndjson: one answer Bundle per line, also for one file
    assert json.loads(line)["resourceType"] == "Bundle"
    assert main(["assess", "--as-of", AS_OF, one, two]) == 0
    assert [json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()] == ["collection"] * 2
    assert main(["assess", "--as-of", AS_OF, "--format", "bundle", one, two]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [e["resource"]["resourceType"] for e in document["entry"]] == ["Bundle", "Bundle"]
    assert main(["assess", "--as-of", AS_OF, "--format", "csv", one, two]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["calculator"], r["total"], r["category"]) for r in rows] == [
        ("rades", "25", "group_i"), ("mirels", "9", "prophylactic_fixation"), ("rades", "25", "group_i")]
    assert rows[0]["file"].endswith("05-rades-group-i.json") and rows[0]["risk"] == "high"
    assert rows[1]["place"] == "left femur, shaft of femur"  # the side and the site, not only an id


def test_assess_reads_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(load("05-rades-group-i"))))
    assert main(["assess", "--as-of", AS_OF, "-", "--format", "table"]) == 0
    assert " 25 " in capsys.readouterr().out


def test_ready_to_send_cds_hooks_requests_and_parameters(client):
    folder = EXAMPLES.parent
    patient_view = to_today(json.loads((folder / "cds-hooks/patient-view.json").read_text("utf-8")), AS_OF)
    (card,) = without_advice(client.post("/cds-services/bonemet-patient-view", json=patient_view).get_json()["cards"])
    assert card["indicator"] == "critical" and score_words(card["summary"]) == "Mirels score 11"
    assert card["summary"].startswith("Left femur, peritrochanteric region, Mirels score 11: surgical fixation")
    # The breast cancer is seen, but there is no cord compression to score: nothing to act on, so no card; it is in
    # the assessment's mapping report (and $assess's OperationOutcome).
    answer = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("03-mirels-11-fixation")).get_json()
    assert "Condition/primary (Malignant neoplasm of breast) not used: no active spinal cord " \
        "compression" in " ".join(i["diagnostics"] for e in answer["entry"] if e["resource"]["resourceType"] ==
                                  "OperationOutcome" for i in e["resource"]["issue"])
    order_sign = to_today(json.loads((folder / "cds-hooks/order-sign.json").read_text("utf-8")), AS_OF)
    answer = client.post("/cds-services/bonemet-order-sign", json=order_sign)
    answer.close()  # the service remembers its cards once the answer is sent
    (card,) = answer.get_json()["cards"]
    assert card["indicator"] == "warning" and "surgical fixation opinion first" in card["summary"]
    feedback = json.loads((folder / "cds-hooks/feedback.json").read_text("utf-8"))
    feedback["feedback"][0]["card"] = card["uuid"]
    assert client.post("/cds-services/bonemet-order-sign/feedback", json=feedback).get_json() == {
        "stored": 1, "already_stored": 0}
    parameters = to_today(json.loads((folder / "assess-parameters.json").read_text("utf-8")), AS_OF)
    answer = client.post("/fhir/$assess", json=parameters).get_json()
    assert scores_in(answer, parameters["parameter"][-1]["resource"]) == expected("05-rades-group-i")
    (care_plan,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    assert "hypofractionnement" in care_plan["description"]


def test_every_bundle_has_its_ready_cds_hooks_request_and_prefetch_file(client):
    import sys

    sys.path.insert(0, str(EXAMPLES.parent))
    from make_cds_requests import requests_for

    from service.web.prefetch import PREFETCH

    folder = EXAMPLES.parent / "cds-hooks"
    ready = [("patient-view.json", json.loads((folder / "patient-view.json").read_text("utf-8"))),
             ("order-sign.json", json.loads((folder / "order-sign.json").read_text("utf-8")))]
    for name in NAMES:
        for stem, request in requests_for(load(name), name).items():
            assert json.loads((folder / "patient-view" / f"{stem}.json").read_text("utf-8")) == request, stem
            assert json.loads((folder / "prefetch" / f"{stem}.json").read_text("utf-8")) == request["prefetch"]
            answer = client.post("/cds-services/bonemet-patient-view", json=request)
            assert (answer.status_code == 200 and answer.get_json()["cards"]) or name == "13-no-score"
            ready.append((stem, request))
    # Integrators copy these as templates: every key discovery names, so that no card says a key was not sent
    # (an empty procedures searchset is "no operation", its absence "not sent").
    for stem, request in ready:
        assert set(request["prefetch"]) == set(PREFETCH), stem
        hook = "order-sign" if request["hook"] == "order-sign" else "patient-view"
        cards = client.post(f"/cds-services/bonemet-{hook}", json=request).get_json()["cards"]
        assert not any("did not send the patient's operations" in card["detail"] for card in cards), stem


def test_the_requests_dated_today_give_the_documented_results_through_cds_hooks(client, tmp_path):
    """A tester's first hour: the examples are written for one day, and patient-view assesses as of today, so the
    requests as shipped give "too old" cards. `make_cds_requests.py --dated-today FOLDER` writes them dated so that
    today is that day: each gives its documented category (the script run as a tester runs it)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(EXAMPLES.parent / "make_cds_requests.py"), "--dated-today",
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in ("03-mirels-11-fixation", "05-rades-group-i", "07-rades-group-iii"):
        request = json.loads((tmp_path / f"{name}.json").read_text("utf-8"))
        # and its prefetch alone, the folder docs/sandbox.md has HealthChain load
        assert json.loads((tmp_path / "prefetch" / f"{name}.json").read_text("utf-8")) == request["prefetch"]
        cards = client.post("/cds-services/bonemet-patient-view", json=request).get_json()["cards"]
        wanted = {(calculator, low) for _, calculator, _, (low, high), _ in expected(name) if low == high}
        assert wanted, name
        shown = {(card["source"]["topic"]["code"], card["summary"]) for card in cards}
        for calculator, total in wanted:
            assert any(topic == calculator and f" {total}:" in summary for topic, summary in shown), (name, shown)


LEFT, RIGHT = "7771000", "24028007"


@pytest.mark.parametrize("name", NAMES)
def test_every_card_of_an_example_says_the_side_and_names_no_fhir_id_and_no_url(client, name):
    """What a clinician reads: the side wherever the record states it (card summary, detail heading, and the
    resources the suggestion creates), resources in words and dates, no URL but the card's links; and the card
    of data not used only where something unused could change a score (a warning then)."""
    bundle = load(name)
    conditions = {f"Condition/{e['resource']['id']}": e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Condition"}
    ids = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    for patient in {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}:
        mine = [e["resource"] for e in bundle["entry"] if (e["resource"]["resourceType"] == "Patient" and
                e["resource"]["id"] == patient) or e["resource"].get("subject", {}).get("reference") ==
                f"Patient/{patient}"]
        request = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                   "context": {"userId": "Practitioner/1", "patientId": patient},
                   "prefetch": {"patient": next(r for r in mine if r["resourceType"] == "Patient"),
                                "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [
                                    {"resource": r} for r in mine if r["resourceType"] == "Condition"]},
                                "observations": {"resourceType": "Bundle", "type": "searchset", "entry": [
                                    {"resource": r} for r in mine if r["resourceType"] == "Observation"]}}}
        cards = client.post("/cds-services/bonemet-patient-view", json=to_today(request, AS_OF)).get_json()["cards"]
        for card in without_advice(cards):
            detail = re.sub(r"\]\(http[^)]*\)", "]()", card["detail"])  # the links a card carries are allowed
            assert "http" not in detail, detail
            assert not [ref for ref in ids if re.search(re.escape(ref) + r"(?![\w.-])", detail)], detail
            for action in (card.get("suggestions") or [{}])[0].get("actions", []):
                resource = action["resource"]
                condition = conditions[(resource.get("focus") or [{}])[0].get("reference") or
                                       resource.get("condition", {}).get("reference") or
                                       resource.get("addresses", [{}])[0].get("reference")]
                side = json.dumps(condition.get("bodySite", []))
                said = json.dumps(resource, ensure_ascii=False)
                if LEFT in side:
                    assert "left" in said.lower(), said[:300]
                if RIGHT in side:
                    assert "right" in said.lower(), said[:300]
            if card.get("suggestions"):
                condition = conditions[card["suggestions"][0]["actions"][0]["resource"]["focus"][0]["reference"]]
                side = json.dumps(condition.get("bodySite", []))
                for code, word in ((LEFT, "Left"), (RIGHT, "Right")):
                    if code in side:
                        assert card["summary"].startswith(word) and f"— {word}" in card["detail"]
        reviews = [c for c in cards if c["source"]["topic"]["code"] == "data-review"]
        answer = client.post(f"/fhir/$assess?asOf={AS_OF}", json=bundle).get_json()
        warned = [i for e in answer["entry"] if e["resource"]["resourceType"] == "OperationOutcome"
                  for i in e["resource"]["issue"] if i["severity"] == "warning" and " not used: " in i["diagnostics"]
                  and i["diagnostics"].startswith(f"Patient/{patient}")]
        assert len(reviews) == (1 if warned else 0), (warned, reviews)
        assert all(review["indicator"] == "warning" for review in reviews)
