"""SMART App Launch over real HTTP: the service (in process) against a stand-in EHR (tests/smart_ehr.py)
whose authorization server checks the PKCE S256 verifier and whose FHIR server checks the token."""

import json
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from service.config import Settings
from service.web import create_app
from smart_ehr import StandInEhr

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "bundles" / "09-missing-data.json"


@pytest.fixture
def ehr():
    resources = [entry["resource"] for entry in json.loads(EXAMPLE.read_text("utf-8"))["entry"]]
    with StandInEhr(resources) as running:
        yield running


def example_request():
    """patient-view for the example patient, the prefetch as the EHR would send it."""
    resources = [entry["resource"] for entry in json.loads(EXAMPLE.read_text("utf-8"))["entry"]]

    def searchset(kind):
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == kind]}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "example"},
            "prefetch": {"patient": resources[0], "conditions": searchset("Condition"),
                         "observations": searchset("Observation")}}


def service(tmp_path, ehr, **more):
    settings = Settings(**{"feedback_db": str(tmp_path / "f.sqlite3"), "smart_client_id": "bonemet",
                           "fhir_allowed_hosts": urlparse(ehr.base).netloc, **more})
    return create_app(settings).test_client()


def launch(client, ehr):
    """The EHR opens the app; the browser goes to the authorization server and back. Returns the page."""
    step = client.get(f"/smart/launch?iss={ehr.fhir}&launch=xyz&lang=en")
    assert step.status_code == 302
    authorize = step.headers["Location"]
    assert parse_qs(urlparse(authorize).query)["code_challenge_method"] == ["S256"]
    back = requests.get(authorize, allow_redirects=False, timeout=5)  # the stand-in approves at once
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    opened = client.get(f"{callback.path}?{callback.query}")
    assert opened.status_code == 303, opened.get_data(as_text=True)
    return opened.headers["Location"]


def test_cards_link_as_a_smart_app_when_a_client_id_is_set(tmp_path, ehr):
    client = service(tmp_path, ehr)
    cards = client.post("/cds-services/bonemet-patient-view", json=example_request()).get_json()["cards"]
    links = [link for card in cards for link in card.get("links", [])]
    assert links and all(link["type"] == "smart" and link["url"].endswith("/smart/launch") for link in links)


def test_an_ehr_launch_reads_the_record_and_writes_the_results_back(tmp_path, ehr):
    client = service(tmp_path, ehr)
    page_url = launch(client, ehr)
    page = client.get(page_url).get_data(as_text=True)
    assert "8–10" in page and 'id="save"' in page  # read from the EHR's FHIR server with the token
    (field,) = re.findall(r'name="(answer\|[^"]+)"', page)
    token = page_url.split("/assessment/")[1].split("?")[0]
    saved = client.post(f"/assessment/{token}/save", data={field: "functional"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    (transaction,) = ehr.stored
    kinds = [entry["resource"]["resourceType"] for entry in transaction["entry"]]
    assert kinds == ["QuestionnaireResponse", "Observation", "RiskAssessment", "CarePlan"]
    assert transaction["entry"][1]["resource"]["valueInteger"] == 10
    assert "201 Created" in saved.get_data(as_text=True)


def test_a_replayed_callback_gets_no_second_token(tmp_path, ehr):
    client = service(tmp_path, ehr)
    step = client.get(f"/smart/launch?iss={ehr.fhir}&launch=xyz")
    back = requests.get(step.headers["Location"], allow_redirects=False, timeout=5)
    callback = urlparse(back.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code == 303
    assert client.get(f"{callback.path}?{callback.query}").status_code == 400  # the state is used once
    assert len(ehr.tokens) == 1


def test_a_server_off_the_allow_list_is_never_contacted(tmp_path, ehr):
    client = service(tmp_path, ehr)
    answer = client.get("/smart/launch?iss=https://elsewhere.example/fhir&launch=xyz")
    assert answer.status_code == 400 and "allow-list" in answer.get_json()["detail"]


def test_without_a_client_id_there_is_no_smart_launch(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    assert client.get("/smart/launch?iss=x&launch=y").status_code == 404


def test_an_assessment_not_opened_by_smart_cannot_be_saved_to_an_ehr(tmp_path, ehr):
    client = service(tmp_path, ehr, smart_client_id="")
    answer = client.post("/cds-services/bonemet-patient-view", json=example_request())
    answer.close()  # the linked assessment is kept once the answer is sent
    cards = answer.get_json()["cards"]
    url = next(link["url"] for card in cards for link in card.get("links", []))
    token = url.split("/assessment/")[1].split("?")[0]
    assert client.post(f"/assessment/{token}/save", data={}).status_code == 400
