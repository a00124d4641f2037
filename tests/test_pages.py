"""The screens without a browser: links and tokens, answers (QuestionnaireResponse) in the mapper,
the tester's page, the scales, and the Questionnaires published in fhir_profiles/."""

import base64
import json
import re
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from service.config import Settings
from service.render.questionnaires import questionnaire, row_code_system, row_concept_map
from service.web import create_app
from support.answer_checks import is_advice_resource
from support.fhir_builders import bundle, lesion, lesion_observations, operated_compression, patient
from support.fhir_schema_check import schema_errors

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "fhir_profiles"
ROW = "http://bonemet-cds.org/fhir/CodeSystem/table-row"
MIRELS_Q = "http://bonemet-cds.org/fhir/Questionnaire/bonemet-mirels"


@pytest.fixture
def settings(tmp_path):
    return Settings(feedback_db=str(tmp_path / "feedback.sqlite3"))


def hook(resources, patient_id="p1", user="Practitioner/doc"):
    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": user, "patientId": patient_id},
            "prefetch": {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
                         "conditions": searchset("Condition"), "observations": searchset("Observation")}}


def cards_of(client, request):
    """patient-view's cards, once the answer is sent (closed): the linked assessment is kept then."""
    answer = client.post("/cds-services/bonemet-patient-view", json=request)
    answer.close()
    return answer.get_json()["cards"]


def link_of(client, resources, **kwargs):
    cards = cards_of(client, hook(resources, **kwargs))
    links = {link["url"] for card in cards for link in card.get("links", [])}
    assert len(links) == 1
    return links.pop().removeprefix("http://127.0.0.1:8080")


def without_pain():
    return [patient(), lesion(), *lesion_observations()[:2]]


def response(answers, *, condition="Condition/lesion-1", status="completed", rid="qr-1",
             authored=None, questionnaire=MIRELS_Q):
    authored = authored or f"{date.today() - timedelta(days=1)}T10:00:00+01:00"  # a day after RECENT records
    return {"resourceType": "QuestionnaireResponse", "id": rid, "questionnaire": questionnaire, "status": status,
            "subject": {"reference": "Patient/p1"}, "authored": authored,
            "author": {"reference": "Practitioner/doc", "display": "Dr Martin"},
            "item": [{"linkId": "condition", "answer": [{"valueReference": {"reference": condition}}]}]
            + [{"linkId": item, "answer": [{"valueCoding": {"system": ROW, "code": row}}]}
               for item, row in answers.items()]}


def assess(client, *resources):
    answer = client.post(f"/fhir/$assess?asOf={date.today()}", json=bundle(*resources))
    assert answer.status_code == 200, answer.get_json()
    resources = [e["resource"] for e in answer.get_json()["entry"]]
    (score,) = [r for r in resources if r["resourceType"] == "Observation"]
    (outcome,) = [r for r in resources if r["resourceType"] == "OperationOutcome"]
    return score, " ".join(issue["diagnostics"] for issue in outcome["issue"])


# -- Questionnaires and their answers --------------------------------------------------------------


@pytest.mark.parametrize("name,build", [("Questionnaire-bonemet-mirels", lambda: questionnaire("mirels")),
                                        ("Questionnaire-bonemet-rades", lambda: questionnaire("rades")),
                                        ("Questionnaire-bonemet-sins", lambda: questionnaire("sins")),
                                        ("CodeSystem-table-row", row_code_system),
                                        ("ConceptMap-table-row-to-observation", row_concept_map)])
def test_the_published_questionnaires_are_the_tables(name, build):
    published = json.loads((PROFILES / f"{name}.json").read_text("utf-8"))
    # The narrative and the release date are the package build's (fhir_profiles/source/build.py).
    assert {k: v for k, v in published.items() if k not in ("text", "date")} == build(), \
        "regenerate from service/render/questionnaires.py, then run fhir_profiles/source/build.py"
    assert schema_errors(published) == []


def test_each_questionnaire_item_is_coded_and_offers_every_row_in_both_languages():
    form = questionnaire("rades")
    items = {item["linkId"]: item for item in form["item"]}
    assert items["condition"]["type"] == "reference"
    motor = items["motor_function"]
    assert motor["code"][0]["code"] == "motor-function"
    assert [o["valueCoding"]["code"] for o in motor["answerOption"]] == [
        "ambulatory_without_aid", "ambulatory_with_aid", "not_ambulatory", "paraplegic"]
    assert [o["valueCoding"]["extension"][0]["valueDecimal"] for o in motor["answerOption"]] == [10, 9, 3, 1]
    french = motor["_text"]["extension"][0]["extension"]
    assert french[1]["valueString"] == "Fonction motrice avant la radiothérapie"


def test_an_answer_completes_a_missing_item_with_who_and_when(client):
    score, _text = assess(client, *without_pain(), response({"pain": "functional"}))
    assert score["valueInteger"] == 10 and score["status"] == "final"
    assert {"reference": "urn:uuid:qr-1"} in score["derivedFrom"]


def test_an_answer_that_contradicts_the_record_is_a_conflict_never_an_overwrite(client):
    score, text = assess(client, *[patient(), lesion(), *lesion_observations()], response({"lesion_type": "blastic"}))
    # The record says lytic (3); the answer blastic (1): both stay possible.
    assert score["valueRange"] == {"low": {"value": 7}, "high": {"value": 9}}
    assert "conflicting data for Type of lesion" in text and "Dr Martin" in text


def test_an_answer_that_agrees_is_cited_beside_the_record(client):
    score, _ = assess(client, *[patient(), lesion(), *lesion_observations()], response({"lesion_type": "lytic"}))
    assert score["valueInteger"] == 9


@pytest.mark.parametrize("qr,why", [
    (response({"pain": "mild"}, status="in-progress"), "only completed or amended answers count"),
    (response({"pain": "mild"}, condition="Condition/elsewhere"), "names no Mirels scored Condition"),
    (response({"pain": "mild"}, authored=str(date.today() + timedelta(days=30))), "after the assessment date"),
    (response({"pain": "mild"}, questionnaire="http://example.org/Questionnaire/other"), None),
])
def test_answers_that_do_not_count_are_named_and_leave_the_item_missing(client, qr, why):
    score, text = assess(client, *without_pain(), qr)
    assert score["valueRange"] == {"low": {"value": 8}, "high": {"value": 10}}
    if why:
        assert re.search(r"QuestionnaireResponse/qr-1 .*not used: .*" + re.escape(why), text), text


def test_an_invalid_questionnaire_response_status_is_400(client):
    answer = client.post("/fhir/$assess", json=bundle(*without_pain(), response({}, status="done")))
    assert answer.status_code == 400
    assert answer.get_json()["issue"][0]["expression"] == ["Bundle.entry[4].resource.status"]


# -- the card's link and the page ------------------------------------------------------------------


def test_the_page_of_an_operated_compression_says_what_its_card_says(client):
    """After a laminectomy naming the compression, its card says the radiotherapy is adjuvant (seeds/rades.json
    ``after_operation``) before group II's word on laminectomy: the page it links to says the same, not the group's
    words alone (the calculator page, with no record, says the group's)."""
    conditions, observations, procedures = operated_compression()
    request = hook([patient(), *conditions, *observations])
    request["prefetch"]["procedures"] = {"resourceType": "Bundle", "type": "searchset",
                                         "entry": [{"resource": r} for r in procedures]}
    (url,) = {link["url"] for card in cards_of(client, request) for link in card.get("links", [])}
    html = client.get(url.removeprefix("http://127.0.0.1:8080")).get_data(as_text=True)
    (advice,) = re.findall(r'<p class="recommendation">([^<]*)</p>', html)
    assert advice.startswith("An operation of this compression is recorded: the guideline&#39;s radiotherapy is then "
                             "adjuvant") and "no significant benefit of laminectomy" in advice, advice


def test_score_and_missing_data_cards_link_to_the_page_and_to_their_scale(client):
    cards = cards_of(client, hook(without_pain()))
    scored = [card for card in cards if card["source"]["topic"]["code"] == "mirels"]
    assert scored and all(card["links"][0]["type"] == "absolute" for card in scored)
    assert all("/scale/mirels.svg?low=8&high=10" in card["detail"] for card in scored)
    # Nothing about the patient in the URL: the signed token carries a random key, nothing else.
    token = scored[0]["links"][0]["url"].split("/assessment/")[1].split("?")[0]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert isinstance(payload, str) and len(payload) == 22 and "Patient" not in token


def test_the_page_recomputes_with_the_answers_and_produces_resources_to_store(client):
    url = link_of(client, without_pain())
    page = client.get(url)
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    html = page.get_data(as_text=True)
    assert 'data-total=""' in html and "8–10" in html
    (field,) = re.findall(r'name="(answer\|[^"]+)"', html)
    assert field == "answer|Condition/lesion-1|pain"
    partial = client.post(url, data={field: "moderate"}, headers={"X-Bonemet-Partial": "scores"}).get_data(as_text=True)
    assert 'data-total="9" data-category="prophylactic_fixation"' in partial and "<html" not in partial
    stored = client.post(url.split("?")[0] + "/resources", data={field: "moderate"}).get_json()
    assert stored["type"] == "transaction" and schema_errors(stored) == []
    kinds = [(e["resource"]["resourceType"], e["request"]["method"]) for e in stored["entry"]
             if not is_advice_resource(e["resource"])]
    assert kinds == [("QuestionnaireResponse", "PUT"), ("Observation", "PUT"), ("Observation", "PUT"),
                     ("RiskAssessment", "PUT"), ("CarePlan", "PUT")]
    # The answer, extracted as the Observation that records the item (SDC, through the package's ConceptMap).
    extracted = stored["entry"][1]["resource"]
    assert extracted["meta"]["profile"] == ["http://bonemet-cds.org/fhir/StructureDefinition/bonemet-mirels-pain"]
    assert extracted["valueCodeableConcept"]["coding"][0]["code"] == "moderate"
    assert extracted["focus"] == [{"reference": "Condition/lesion-1"}]
    qr = stored["entry"][0]["resource"]
    assert qr["author"] == {"reference": "Practitioner/doc"} and qr["status"] == "completed"
    again = client.post(url.split("?")[0] + "/resources", data={field: "moderate"}).get_json()
    assert [e["resource"]["id"] for e in again["entry"]] == [e["resource"]["id"] for e in stored["entry"]]


def test_a_form_that_names_no_item_of_the_assessment_is_400(client):
    url = link_of(client, without_pain())
    assert client.post(url, data={"answer|Condition/lesion-1|pain": "severe"}).status_code == 400
    assert client.post(url, data={"answer|Condition/other|pain": "mild"}).status_code == 400


def test_a_link_cannot_be_altered_to_open_another_assessment(client):
    url = link_of(client, without_pain())
    token = url.split("/assessment/")[1].split("?")[0]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = client.get(f"/assessment/{altered}")
    assert page.status_code == 403 and "p1" not in page.get_data(as_text=True)


@pytest.mark.slow
def test_a_link_expires_cleanly(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"), assessment_minutes=1 / 60)).test_client()
    url = link_of(client, without_pain())
    assert client.get(url).status_code == 200
    time.sleep(2.1)
    page = client.get(url)
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)


def test_the_page_needs_no_ehr_token_but_the_tester_is_off_where_callers_authenticate(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    settings = Settings(feedback_db=str(tmp_path / "f.sqlite3"), trusted_issuers=json.dumps({"ehr": str(jwks)}))
    client = create_app(settings).test_client()
    assert client.post("/cds-services/bonemet-patient-view", json=hook(without_pain())).status_code == 401
    shown = client.get("/")  # the explanation, not a blank page
    assert shown.status_code == 200 and "authenticates its callers" in shown.get_data(as_text=True)
    assert 'id="tester"' not in shown.get_data(as_text=True)
    refused = client.post("/", data={"bundle": json.dumps(bundle(*without_pain()))})
    assert refused.status_code == 403 and "authenticates its callers" in refused.get_data(as_text=True)
    assert client.post("/assessment/not-a-token", data={}).status_code == 403  # the signed token, not a JWT


@pytest.mark.parametrize("language,words", [("en", ["Paste a FHIR R4 Bundle", "Assess"]),
                                            ("fr", ["Coller un Bundle FHIR R4", "Évaluer"])])
def test_the_testers_page_speaks_both_languages(client, language, words):
    html = client.get(f"/?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in html and all(word in html for word in words)


def test_the_testers_page_shows_cards_report_and_offers_the_answer(client):
    source = json.dumps(bundle(*without_pain()))
    html = client.post("/", data={"bundle": source}).get_data(as_text=True)
    assert 'class="card warning"' in html and "Mapping report" in html and "Condition/lesion-1" in html
    download = client.post("/", data={"bundle": source, "download": "1"})
    assert download.mimetype == "application/fhir+json" and download.get_json()["resourceType"] == "Bundle"


def test_the_testers_page_says_what_it_is_and_lists_every_example(client):
    html = client.get("/").get_data(as_text=True)
    assert '<p class="intro">' in html and '<a href="/docs">' in html
    assert all(f'<option value="{path.stem}">' in html for path in (ROOT / "examples" / "bundles").glob("*.json"))


def test_each_scale_sits_in_its_own_card_named_by_its_lesion(client):
    html = client.post("/", data={"example": "04-several-lesions"}).get_data(as_text=True)
    cards = html.split('<article class="card')[1:]
    captions = [re.search(r"<figcaption>(.*?)</figcaption>", card).group(1) for card in cards if "<figcaption>" in card]
    assert len(captions) == 3 == len(set(captions)) and all("Mirels" in caption for caption in captions)
    # The caveats are a list, as an EHR's CommonMark reads the card's Markdown.
    assert "<strong>Caveats</strong></p>\n<ul>" in html


def test_the_testers_page_says_what_is_wrong_with_bad_input(client):
    for source in ("{not json", json.dumps({"resourceType": "Patient"})):
        page = client.post("/", data={"bundle": source})
        assert page.status_code == 400 and 'role="alert"' in page.get_data(as_text=True)
    page = client.post("/", data={"bundle": "{not json"}).get_data(as_text=True)  # not Python's bare words
    assert "not a JSON document" in page and "paste or upload a FHIR Bundle" in page
    deep = client.post("/", data={"bundle": "[" * 100 + "]" * 100})  # the doors' one reader, its limit too
    assert deep.status_code == 400 and "nested more than 64 levels" in deep.get_data(as_text=True)


def test_record_text_cannot_inject_markup_into_the_testers_page(client):
    hostile = lesion()
    hostile["bodySite"] = [{"text": "<script>alert(1)</script>"}]
    html = client.post("/", data={"bundle": json.dumps(bundle(patient(), hostile))}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


def test_the_scale_pictures(client):
    picture = client.get("/scale/rades.svg?low=25&high=25&lang=fr")
    assert picture.mimetype == "image/svg+xml"
    svg = picture.get_data(as_text=True)
    assert "Total 25" in svg and "Groupe I" in svg and "Faible taux de maintien ambulatoire" in svg
    assert client.get("/scale/rades.svg?low=x").status_code == 400
    assert client.get("/scale/other.svg").status_code == 404


def test_cards_still_come_without_a_link_when_the_assessment_cannot_be_kept(tmp_path, caplog):
    import sqlite3

    database = tmp_path / "f.sqlite3"
    client = create_app(Settings(feedback_db=str(database))).test_client()
    with sqlite3.connect(database) as connection:  # the store breaks under the running service
        connection.execute("DROP TABLE kept_assessment")
    answer = client.post("/cds-services/bonemet-patient-view", json=hook(without_pain()))
    assert answer.status_code == 200
    cards = answer.get_json()["cards"]
    # The assessment is kept before the cards are sent: here it cannot be, so no card offers a link that
    # would not open; the scores and their scale picture are still there.
    assert cards and "assessment page link not kept" in caplog.text
    assert not [link for card in cards for link in card.get("links", [])]
    assert any("/scale/" in card["detail"] for card in cards)


def test_a_kept_assessment_that_cannot_be_read_is_a_clean_503(tmp_path):
    import sqlite3

    database = tmp_path / "f.sqlite3"
    client = create_app(Settings(feedback_db=str(database))).test_client()
    cards = client.post("/cds-services/bonemet-patient-view", json=hook(without_pain())).get_json()["cards"]
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE kept_assessment")
    url = next(link["url"] for card in cards for link in card.get("links", []))
    page = client.get(url.removeprefix("http://127.0.0.1:8080"))
    assert page.status_code == 503 and "cannot be read now" in page.get_data(as_text=True)


def test_the_assessment_page_opens_with_the_patient_banner(client):
    """Name, birth date and id of the kept Patient, to confirm the patient; "not recorded" where the record is
    silent, never a blank."""
    named = {**patient(), "name": [{"use": "old", "family": "Avant"},
                                   {"use": "official", "family": "Dupont", "given": ["Marie", "Anne"]}],
             "birthDate": "1950-03-07"}
    page = client.get(link_of(client, [named, lesion(), *lesion_observations()[:2]]).replace("lang=en", "lang=fr"))
    text = page.get_data(as_text=True)
    assert '<dd id="banner-name">Marie Anne Dupont</dd>' in text and '<dd id="banner-birth">07/03/1950</dd>' in text
    assert '<dd id="banner-id"><code>p1</code></dd>' in text
    silent = client.get(link_of(client, without_pain())).get_data(as_text=True)
    assert '<dd id="banner-name">not recorded</dd>' in silent and '<dd id="banner-birth">not recorded</dd>' in silent
