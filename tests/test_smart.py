"""SMART App Launch over real HTTP: the service (in process) against a stand-in EHR (tests/support/smart_ehr.py)
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
from support.smart_ehr import StandInEhr

pytestmark = pytest.mark.server

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
    # The answer, its Observation (extracted: the EHR keeps it as a record), the score and what follows from it.
    assert kinds == ["QuestionnaireResponse", "Observation", "Observation", "RiskAssessment", "CarePlan"]
    assert transaction["entry"][1]["resource"]["valueCodeableConcept"]["coding"][0]["code"] == "functional"
    assert transaction["entry"][2]["resource"]["valueInteger"] == 10
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
    refused_page(answer, 400, "allow-list")


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


# -- a hostile or broken flow: issue 29, items 5 and 6 ----------------------------------------------


def authorized_callback(client, ehr, lang="en"):
    """Launch in ``client``'s browser; the authorization server's redirect back (path and query)."""
    step = client.get(f"/smart/launch?iss={ehr.fhir}&launch=xyz&lang={lang}")
    assert step.status_code == 302, step.get_data(as_text=True)
    back = requests.get(step.headers["Location"], allow_redirects=False, timeout=5)
    callback = urlparse(back.headers["Location"])
    return f"{callback.path}?{callback.query}"


def refused_page(answer, status, words):
    text = answer.get_data(as_text=True)
    assert answer.status_code == status and answer.mimetype == "text/html", (answer.status_code, text)
    assert words in text, text
    return text


def test_the_launch_cookie_is_http_only_lax_and_scoped_to_the_callback(tmp_path, ehr):
    client = service(tmp_path, ehr)
    step = client.get(f"/smart/launch?iss={ehr.fhir}&launch=xyz")
    (cookie,) = step.headers.getlist("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/smart/callback" in cookie
    assert "Secure" not in cookie  # the service's public URL is http here
    secure = service(tmp_path, ehr, public_url="https://bonemet.example.org")
    (cookie,) = secure.get(f"/smart/launch?iss={ehr.fhir}&launch=xyz").headers.getlist("Set-Cookie")
    assert "Secure" in cookie


def test_a_callback_completed_in_another_browser_is_refused(tmp_path, ehr):
    """Login CSRF (RFC 6749 §10.12): the attacker's own authorized callback, opened in the victim's
    browser, neither exchanges the code nor opens the attacker's assessment there."""
    settings = Settings(feedback_db=str(tmp_path / "f.sqlite3"), smart_client_id="bonemet",
                        fhir_allowed_hosts=urlparse(ehr.base).netloc)
    app = create_app(settings)
    attacker, victim = app.test_client(), app.test_client()
    callback = authorized_callback(attacker, ehr)
    refused_page(victim.get(callback), 403, "another browser")
    assert ehr.tokens == set()  # the code was never exchanged
    assert attacker.get(callback).status_code == 303  # the browser that started it still can


def test_a_callback_whose_state_is_not_the_browsers_is_refused(tmp_path, ehr):
    client = service(tmp_path, ehr)
    mine = authorized_callback(client, ehr)
    other = service(tmp_path, ehr)
    theirs = authorized_callback(other, ehr)  # another launch, its state unknown to this browser
    refused_page(client.get(theirs), 403, "another browser")
    assert client.get(mine).status_code == 303


def test_an_unknown_language_at_launch_falls_back_to_the_default(tmp_path, ehr):
    client = service(tmp_path, ehr)
    opened = client.get(authorized_callback(client, ehr, lang="xx"))
    assert opened.status_code == 303
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200 and 'lang="en"' in page.get_data(as_text=True)
    token = opened.headers["Location"].split("/assessment/")[1].split("?")[0]
    assert client.get(f"/assessment/{token}?lang=xx").status_code == 200


@pytest.mark.parametrize("changes,status,words", [
    ({"access_token": None}, 502, "no access token"),
    ({"access_token": 12}, 502, "no access token"),
    ({"patient": None}, 502, "names no patient"),
    ({"patient": ["example"]}, 502, "names no patient"),
    ({"patient": "../../admin"}, 502, "not a FHIR id"),
    ({"patient": ".."}, 502, "not a FHIR id"),
    ({"patient": "example?_format=xml"}, 502, "not a FHIR id"),
    ({"encounter": "../x"}, 502, "not a FHIR id"),
])
def test_a_token_answer_without_what_the_launch_needs_is_an_error_page(tmp_path, ehr, changes, status, words):
    client = service(tmp_path, ehr)
    callback = authorized_callback(client, ehr)
    ehr.token_changes = changes
    ehr.fhir_requests.clear()
    refused_page(client.get(callback), status, words)
    assert ehr.fhir_requests == []  # nothing was asked of the EHR's FHIR server with the token


def test_a_launch_without_a_readable_smart_configuration_is_an_error_page(tmp_path, ehr):
    client = service(tmp_path, ehr)
    text = refused_page(client.get(f"/smart/launch?iss={ehr.base}/nothing-here&launch=xyz"), 502,
                        "SMART configuration")
    assert "<script" not in text


def test_a_callback_without_state_or_with_the_ehrs_refusal_is_an_error_page(tmp_path, ehr):
    client = service(tmp_path, ehr)
    refused_page(client.get("/smart/callback?code=abc"), 400, "launch")
    refused_page(client.get("/smart/callback?error=access_denied&state=x"), 403, "access_denied")
    refused_page(client.get("/smart/callback?error=<b>x</b>&state=x"), 403, "&lt;b&gt;")


def test_a_refused_code_exchange_is_an_error_page_in_the_launchs_language(tmp_path, ehr):
    client = service(tmp_path, ehr)
    callback = authorized_callback(client, ehr, lang="fr")
    ehr.codes.clear()  # the authorization server no longer knows the code: invalid_grant
    text = refused_page(client.get(callback), 502, "aucun jeton")
    assert 'lang="fr"' in text and "invalid_grant" in text
    assert ehr.tokens == set()


def test_a_write_back_to_a_server_off_the_allow_list_is_not_a_500(tmp_path, ehr):
    client = service(tmp_path, ehr)
    page_url = launch(client, ehr)
    token = page_url.split("/assessment/")[1].split("?")[0]
    other = service(tmp_path, ehr, fhir_allowed_hosts="elsewhere.example.org")  # the same kept assessments
    assert other.post(f"/assessment/{token}/save", data={}).status_code < 500
