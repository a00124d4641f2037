"""Records coded as hospitals code them (tests/corpus/), each with its expected result, through all
three doors: POST /fhir/$assess, `bonemet assess`, and the CDS Hooks patient-view.

The expected totals in tests/corpus/expected.json were worked out by hand from the guideline's
tables (each case's description shows the sum). A case lists the doors it goes through: a
transaction Bundle with urn:uuid references cannot be a CDS Hooks prefetch. Patient-view assesses as
of today: its requests are moved in time (``redate``) so that today is the corpus's assessment date.
"""

import json
import re
import uuid
from pathlib import Path

import pytest

from service.calculators import NAMES, load_table
from service.cli import main
from service.config import Settings
from service.web import create_app
from support.answer_checks import (
    advice_cards,
    cards_validator,
    foreign_references,
    is_advice_resource,
    local_of,
    without_advice,
)
from support.fhir_schema_check import schema_errors
from support.redate import to_today

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text("utf-8"))
AS_OF = EXPECTED["as_of"]
# expected-25.json: records of when each fact was true, sides, fractures and abatement (hand-worked the same way).
CLINICAL = json.loads((CORPUS / "expected-25.json").read_text("utf-8"))
assert CLINICAL["as_of"] == AS_OF
# expected-26.json: the guideline's situations that are advice (§1.1, §1.4, §1.5), hand-worked the same way.
SITUATIONS = json.loads((CORPUS / "expected-26.json").read_text("utf-8"))
assert SITUATIONS["as_of"] == AS_OF
CASES = {**EXPECTED["cases"], **CLINICAL["cases"], **SITUATIONS["cases"]}
RISK = {calculator: {c.value: c.risk for c in load_table(calculator).categories} for calculator in NAMES}
INDICATOR = {"low": "info", "moderate": "warning", "high": "critical"}


def load(name):
    return json.loads((CORPUS / f"{name}.json").read_text("utf-8"))


def door_cases(door):
    return [name for name, case in CASES.items() if door in case["doors"]]




def expected_scores(case):
    return sorted((s["patient"], s["calculator"], s["condition"], tuple(s["total_range"]),
                   RISK[s["calculator"]][s["category"]] if s["category"] else None) for s in case["scores"])


def scores_in(bundle, inputs=None):
    """(patient, calculator, condition, (min, max), risk or None) of each score in an $assess answer;
    the patient and condition as the input names them ("Type/id"), given the ``inputs``."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    by_id = {f"urn:uuid:{r['id']}": r for r in resources}
    found = []
    for risk in (r for r in resources if r["resourceType"] == "RiskAssessment"):
        score = by_id[risk["basis"][0]["reference"]]
        total = ((score["valueInteger"],) * 2 if "valueInteger" in score
                 else (score["valueRange"]["low"]["value"], score["valueRange"]["high"]["value"]))
        qualitative = risk["prediction"][0].get("qualitativeRisk", {}).get("coding", [{}])[0].get("code")
        found.append((local_of(risk["subject"]["reference"], inputs or {}), risk["code"]["coding"][0]["code"],
                      local_of(risk["condition"]["reference"], inputs or {}), total, qualitative))
    return sorted(found)


def outcome_text(bundle):
    return " ".join(issue["diagnostics"] for entry in bundle["entry"]
                    if entry["resource"]["resourceType"] == "OperationOutcome" for issue in entry["resource"]["issue"])


def advice_in(bundle):
    """(situation, possible) of each proposed CarePlan of the guideline's advice in an $assess answer."""
    return sorted((plan["category"][0]["coding"][0]["code"], plan["title"].split(": ", 1)[-1].startswith("Possible"))
                  for plan in (e["resource"] for e in bundle["entry"]) if is_advice_resource(plan))


def expected_advice(case):
    return sorted((advice["situation"], advice["possible"]) for advice in case["advice"])


def check_bundle_answer(name, bundle):
    case = CASES[name]
    assert scores_in(bundle, load(name)) == expected_scores(case), case["description"]
    if "advice" in case:  # the guideline's advice (§1.1, §1.4, §1.5), hand-worked as the scores are
        assert advice_in(bundle) == expected_advice(case), case["description"]
    assert foreign_references(bundle, load(name)) == []
    text = outcome_text(bundle)
    for ref in case["named"]:
        assert re.search(re.escape(ref) + r"\b.*?not (used|read)", text), f"{ref} is not named: {text}"
    assert f"as of {AS_OF}" in text
    assert schema_errors(bundle) == []


@pytest.mark.parametrize("name", door_cases("assess"))
def test_fhir_assess(client, name):
    response = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load(name))
    assert response.status_code == 200, response.get_json()
    check_bundle_answer(name, response.get_json())


@pytest.mark.parametrize("name", door_cases("cli"))
def test_bonemet_assess(name, capsys):
    assert main(["assess", "--as-of", AS_OF, str(CORPUS / f"{name}.json")]) == 0
    check_bundle_answer(name, json.loads(capsys.readouterr().out))


def hook_request(name):
    """The corpus Bundle as a CDS Hooks patient-view request, prefetched the way the EHR would: everything
    its searches returned, other patients' resources included when the Bundle has them; its dates moved so
    that today is the corpus's assessment date."""
    case = CASES[name]
    resources = [entry["resource"] for entry in load(name)["entry"]]
    patient_id = case["patient"].removeprefix("Patient/")
    patient = next((r for r in resources if r["resourceType"] == "Patient" and r.get("id") == patient_id), None)

    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}

    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/dr-lefevre", "patientId": patient_id},
            "prefetch": {"patient": patient, "conditions": searchset("Condition"),
                         "observations": searchset("Observation")}}
    if case["server"]:
        body["fhirServer"] = case["server"]
    # The operations done (§1.4), as an EHR prefetches them where the service's discovery asks for them.
    body["prefetch"]["procedures"] = searchset("Procedure")
    return to_today(body, AS_OF)  # patient-view assesses as of today: the record is moved to stand today


def foreign_ids(text, bundle):
    """The "Type/id" references of the record's resources that ``text`` quotes."""
    refs = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]
            if e["resource"].get("id")}
    return [ref for ref in refs if re.search(re.escape(ref) + r"(?![\w.-])", text)]


def card_total(card):
    match = re.search(r"\*\*Total[ \u202f]?: ([0-9]+)(?:–([0-9]+))?\*\*", card["detail"])  # French: "Total\u202f: 25"
    low = int(match[1])
    return low, int(match[2] or low)


@pytest.mark.parametrize("name", door_cases("cds"))
def test_cds_hooks_patient_view(client, name):
    case = CASES[name]
    response = client.post("/cds-services/bonemet-patient-view", json=hook_request(name))
    assert response.status_code == 200, response.get_json()
    cards = response.get_json()["cards"]
    assert [error.message for error in cards_validator(client).iter_errors(response.get_json())] == []
    score_cards = [c for c in cards if c["source"]["topic"]["code"] in NAMES and "**Total" in c["detail"]]
    shown = {(c["source"]["topic"]["code"], card_total(c)) for c in score_cards}
    # Scores with no item recorded share one card per calculator, a line per lesion with its possible totals.
    shown |= {(c["source"]["topic"]["code"], (int(low), int(high or low))) for c in cards
              if c["source"]["topic"]["code"] in NAMES and "**Total" not in c["detail"]
              for low, high in re.findall(r"\(possible totals ([0-9]+)(?:–([0-9]+))?\)", c["detail"])}
    wanted = {(s["calculator"], tuple(s["total_range"])) for s in case["scores"] if s["patient"] == case["patient"]}
    assert shown == wanted, case["description"]
    for score in case["scores"]:
        with_advice = [c for c in score_cards if c["source"]["topic"]["code"] == score["calculator"] and card_total(c)
                       == tuple(score["total_range"]) and any(a["resource"]["resourceType"] == "RiskAssessment"
                                                              for s in c.get("suggestions", []) for a in s["actions"])]
        if score["category"]:
            (card,) = with_advice
            assert card["indicator"] == INDICATOR[RISK[score["calculator"]][score["category"]]]
        else:
            assert with_advice == []  # no advice while the category is undetermined
    # What could change a score reaches the clinician: every warning of the $assess answer's "not used" list is a
    # line of patient-view's one review card, itself a warning; the rest is the integrator's (mapping report).
    answer = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load(name)).get_json()
    warned = [issue for entry in answer.get("entry", []) if entry["resource"]["resourceType"] == "OperationOutcome"
              for issue in entry["resource"]["issue"] if issue["severity"] == "warning" and " not used: " in
              issue["diagnostics"] and issue["diagnostics"].startswith(case["patient"])]
    reviews = [c for c in cards if c["source"]["topic"]["code"] == "data-review"]
    assert len(reviews) <= 1 and all(review["indicator"] == "warning" for review in reviews)
    # A lesion whose bone has broken has a card of its own that says why it has no score: not listed again.
    broken = [issue for issue in warned if " not used: the bone has broken: " in issue["diagnostics"]]
    assert len(broken) == sum("the bone has broken" in card["summary"] for card in cards), case["description"]
    warned = [issue for issue in warned if issue not in broken]
    if warned:  # patient-view may name more: the prefetch's resources of other patients, say
        (review,) = reviews
        assert review["detail"].count("\n- ") >= min(len(warned), 30), review["detail"]
    if "advice" in case:  # §1.1 is said on its lesion's Mirels or SINS card (else on one card of the patient's),
        shown_advice = sorted((c["source"]["topic"]["code"], c["summary"].startswith("Possible"))  # the others
                              for c in advice_cards(cards) if c["source"]["topic"]["code"] != "painful-bone-metastasis")
        on_cards = [a for a in expected_advice(case) if a[0] != "painful-bone-metastasis"]
        assert shown_advice == on_cards, case["description"]
        painful = [c for c in score_cards if "(guideline §1.1)**: Radiotherapy is the first" in c["detail"]]
        painful += advice_cards(cards, "painful-bone-metastasis")
        assert bool(painful) == any(a[0] == "painful-bone-metastasis" for a in expected_advice(case))
        for card in painful:  # its CarePlan is recorded with the score's, as $assess writes it (one assessment)
            plans = [a["resource"] for a in card["suggestions"][0]["actions"] if a["resource"]["resourceType"] ==
                     "CarePlan"]
            assert any("§1.1" in plan["title"] for plan in plans), [plan["title"] for plan in plans]
    for card in cards:  # a card names resources in words and dates, never by FHIR id
        assert not foreign_ids(card["detail"], load(name)), card["detail"]
    summaries = " ".join(card["summary"] for card in cards).lower()
    for word in case.get("summary_words", ()):  # the side and the bone, where the clinician reads first
        assert word in summaries, (word, summaries)
    said = (" ".join(card["summary"] + " " + card["detail"] for card in cards) + " " + " ".join(
        issue["diagnostics"] for entry in answer.get("entry", []) if entry["resource"]["resourceType"] ==
        "OperationOutcome" for issue in entry["resource"]["issue"])).lower()
    for reason in case.get("reasons", ()):
        assert reason in said, (reason, said)
    if not cards:
        assert not case["scores"] and not warned  # "no card" only ever means "nothing to score"


def test_the_corpus_is_large_and_every_case_goes_through_at_least_one_door():
    assert len(CASES) >= 40
    assert all(case["doors"] for case in CASES.values())
    assert {name for name in CASES} == {p.stem for p in CORPUS.glob("*.json")} - {"expected", "expected-25",
                                                                                "expected-26"}


def test_a_null_coding_in_a_body_site_is_refused_by_the_bundle_doors_naming_the_element(client):
    response = client.post("/fhir/$assess", json=load("m04-site-null-coding"))
    assert response.status_code == 400
    (issue,) = [i for i in response.get_json()["issue"] if "coding" in i["expression"][0]]
    # R4's schema names the null itself: the first coding, which must be an object.
    assert issue["expression"] == ["Bundle.entry[1].resource.bodySite[0].coding[0]"]
    assert issue["diagnostics"].endswith("must be an object")


def test_the_conflict_is_in_the_summary_where_the_clinician_reads_it(client):
    cards = client.post("/cds-services/bonemet-patient-view", json=hook_request("r08-visceral-condition-vs-absent"))
    (card,) = [c for c in without_advice(cards.get_json()["cards"]) if c.get("suggestions")]
    assert "conflicting data" in card["summary"]
    # Both records, in their words and dates: the card names no FHIR id.
    assert "gives Yes" in card["detail"] and "gives No" in card["detail"] and "Condition/liver" not in card["detail"]


def test_a_derived_share_is_flagged_and_cites_both_measurements(client):
    bundle = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("m12-loinc-size-with-width")).get_json()
    (score,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    derived = {local_of(ref["reference"], load("m12-loinc-size-with-width")) for ref in score["derivedFrom"]}
    assert {"Observation/size-ct", "Observation/width-ct"} <= derived
    cards = client.post("/cds-services/bonemet-patient-view", json=hook_request("m12-loinc-size-with-width"))
    (card,) = without_advice(cards.get_json()["cards"])
    assert "derived: tumour size / cortical width" in card["detail"]


def test_a_compression_without_clinical_status_is_flagged_in_the_card(client):
    cards = client.post("/cds-services/bonemet-patient-view", json=hook_request("r11-no-clinical-status"))
    (card,) = without_advice(cards.get_json()["cards"])
    assert "the diagnosis has no clinical status (active or not): check it" in card["detail"]


def test_ecog_is_shown_as_context_never_mapped(client):
    cards = client.post("/cds-services/bonemet-patient-view", json=hook_request("r13-ecog-is-context"))
    (card,) = without_advice(cards.get_json()["cards"])
    assert "ECOG" in card["detail"] and "not an item of Mirels or Rades" in card["detail"]
    assert "Observation/ecog" not in card["detail"]


def test_a_site_sets_its_own_windows_and_a_malformed_one_stops_the_start(tmp_path):
    """How old a record may be is the site's decision (seeds/fact_windows.json, BONEMET_FACT_WINDOWS): a motor
    status of 20 days is too old by the shipped 14 days, and counts where the site allows 30."""
    settings = Settings(feedback_db=str(tmp_path / "feedback.sqlite3"), fact_windows="motor_function=30")
    client = create_app(settings).test_client()
    answer = client.post(f"/fhir/$assess?asOf={AS_OF}", json=load("t02-motor-20-days-old")).get_json()
    assert [score[3] for score in scores_in(answer, load("t02-motor-20-days-old"))] == [(41, 41)]
    with pytest.raises(ValueError, match="BONEMET_FACT_WINDOWS: cannot read 'motor=3'"):
        create_app(Settings(feedback_db=str(tmp_path / "other.sqlite3"), fact_windows="motor=3"))


FRENCH_WORDS = {"left": "gauche", "right": "droit", "femur": "fémur", "humerus": "humérus", "tibia": "tibia",
                "rades": "rades"}


@pytest.mark.parametrize("name", sorted(CLINICAL["cases"]))
def test_the_records_of_when_and_where_give_the_same_answer_in_french(client, name):
    """The records of issue 25 through the three doors in French: the same scores, and the side and the bone in
    French words where the clinician reads first."""
    case = CASES[name]
    answer = client.post(f"/fhir/$assess?asOf={AS_OF}&language=fr", json=load(name)).get_json()
    assert scores_in(answer, load(name)) == expected_scores(case)
    assert main(["assess", "--as-of", AS_OF, "--lang", "fr", str(CORPUS / f"{name}.json")]) == 0
    cards = client.post("/cds-services/bonemet-patient-view", json=hook_request(name),
                        headers={"Accept-Language": "fr"}).get_json()["cards"]
    totals = {card_total(c) for c in cards if "**Total" in c["detail"]}
    assert totals == {tuple(s["total_range"]) for s in case["scores"] if s["patient"] == case["patient"]}
    summaries = " ".join(card["summary"] for card in cards).lower()
    for word in case.get("summary_words", ()):
        assert FRENCH_WORDS[word] in summaries, (word, summaries)


@pytest.mark.parametrize("name", sorted(SITUATIONS["cases"]))
def test_the_guidelines_advice_is_said_in_french_through_the_three_doors(client, name):
    """The situations of the guideline in French: the same advice through $assess and the command line, and the
    cards and outcome in French words where the clinician reads."""
    case = CASES[name]
    answer = client.post(f"/fhir/$assess?asOf={AS_OF}&language=fr", json=load(name)).get_json()
    assert scores_in(answer, load(name)) == expected_scores(case)
    assert advice_in(answer) == expected_advice(case)
    said = outcome_text(answer) + " " + " ".join(
        plan["title"] + " " + plan["description"] for plan in (e["resource"] for e in answer["entry"])
        if is_advice_resource(plan))
    assert main(["assess", "--as-of", AS_OF, "--lang", "fr", str(CORPUS / f"{name}.json")]) == 0
    if "cds" in case["doors"]:
        cards = client.post("/cds-services/bonemet-patient-view", json=hook_request(name),
                            headers={"Accept-Language": "fr"}).get_json()["cards"]
        said += " " + " ".join(card["summary"] + " " + card["detail"] for card in cards)
    for words in case["french"]:
        assert words.lower() in said.lower(), (words, said)
