"""CDS Hooks 2.0: discovery, patient-view with prefetch or fetch, cards, errors, feedback."""

import io
import json
import sys
import uuid

import pytest
import requests
import responses
from conftest import ROOT

from service.config import Settings
from service.web import create_app
from support.answer_checks import score_words, without_advice
from support.fhir_builders import (
    HUMERUS,
    ICD10,
    LEFT,
    RECENT,
    SCT,
    bundle,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    patient,
    quantity,
    site,
)
from support.fhir_schema_check import schema_errors

SERVICE = "/cds-services/bonemet-patient-view"
EHR = "https://ehr.example.org/fhir"


# The EHR's FHIR server the tests stand in for (``responses``), and a body limit small enough to reach.
OTHER_SETTINGS = {"fhir_allowed_hosts": "ehr.example.org", "max_body_bytes": 200_000}


@pytest.fixture
def settings(tmp_path):
    return Settings(feedback_db=str(tmp_path / "feedback.sqlite3"), **OTHER_SETTINGS)


@pytest.fixture(scope="module")
def client(make_app):
    return make_app(**OTHER_SETTINGS).test_client()


def searchset(*resources, next_url=None):
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def hook_request(conditions=(), observations=(), **overrides):
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations), "procedures": None}}
    body.update(overrides)
    return body


def test_discovery_lists_the_service_with_prefetch_templates(client):
    services = {s["id"]: s for s in client.get("/cds-services").get_json()["services"]}
    assert {sid: s["hook"] for sid, s in services.items()} == {"bonemet-patient-view": "patient-view",
                                                               "bonemet-order-sign": "order-sign"}
    for service in services.values():
        assert service["description"] and service["title"] and service["usageRequirements"]
        assert service["prefetch"]["conditions"] == "Condition?patient={{context.patientId}}"


def test_patient_view_gives_a_score_card_with_sources_and_valid_create_actions(client):
    response = client.post(SERVICE, json=hook_request([lesion()], lesion_observations()))
    assert response.status_code == 200
    (card,) = without_advice(response.get_json()["cards"])
    assert card["indicator"] == "critical" and len(card["summary"]) <= 140
    assert score_words(card["summary"]) == "Mirels score 9"
    assert f"| Type of lesion | Lytic | 3 | {RECENT} |" in card["detail"]  # each item with the date of its record
    assert "Observation/" not in card["detail"]  # a card names no FHIR id: the resources carry the provenance
    (risk,) = [a["resource"] for a in card["suggestions"][0]["actions"] if a["resource"]["resourceType"] ==
               "RiskAssessment"]
    assert {"reference": "Observation/o-type"} in risk["basis"]
    assert card["source"]["label"].startswith("bonemet-cds")
    assert card["selectionBehavior"] == "at-most-one" and card["overrideReasons"]
    uuid.UUID(card["uuid"])
    actions = card["suggestions"][0]["actions"]
    assert [a["resource"]["resourceType"] for a in actions] == ["Observation", "RiskAssessment", "CarePlan"]
    assert all(a["type"] == "create" and schema_errors(a["resource"]) == [] for a in actions)


def test_missing_data_gets_its_own_card(client):
    response = client.post(SERVICE, json=hook_request([lesion()], lesion_observations()[:2]))
    cards = without_advice(response.get_json()["cards"])
    assert [c["indicator"] for c in cards] == ["warning"]  # 8 to 10: undetermined
    (card,) = cards
    assert "missing: pain" in card["summary"]
    assert "**Pain** (missing): no record of it was found" in card["detail"] and "Possible totals: 8–10" in card[
        "detail"]
    assert card["links"][0]["label"] == "Complete the missing items"


def test_a_category_every_completion_gives_is_one_card_that_says_what_is_missing(client):
    """Femoral shaft (2), over 2/3 (3), lytic (3), pain not recorded: 9 to 11, fixation whatever the pain. One card,
    the action first and the missing pain after it, and why it is missing; there was a second card repeating the
    table for a decision the pain cannot change."""
    size, kind, _ = lesion_observations(size=(80, "%"))
    cards = without_advice(client.post(SERVICE, json=hook_request([lesion()], [size, kind])).get_json()["cards"])
    (card,) = cards
    assert card["indicator"] == "critical" and card["summary"] == (
        "Left femur, shaft of femur, Mirels score 9–11: surgical fixation opinion before radiotherapy (missing: pain)")
    assert card["detail"].startswith("**Mirels score** — Left femur, shaft of femur\n\n- **Pain** (missing): no record "
                                     "of it was found\n\n| Item |")
    assert card["links"][0]["label"] == "Complete the missing items"


def test_the_records_words_beside_a_place_give_way_to_the_action_in_a_summary_never_the_reverse(client):
    """A humerus whose bodySite text is long and whose qualifier no code here reads: quoted beside the place, they
    cut the action off ("surgical fixation opinion before…", a review's finding). The summary drops them when the
    whole does not fit; the detail keeps them."""
    body_site = site(HUMERUS, LEFT, location="40415009")
    body_site["text"] = "Proximal third of the diaphysis, lytic lesion seen on the CT of last week"
    lesion_at = condition("lesion-1", SCT, "94222008", body_site=[body_site])
    cards = without_advice(client.post(SERVICE, json=hook_request(
        [lesion_at], lesion_observations(size=(80, "%"), pain="functional"))).get_json()["cards"])
    (card,) = cards
    assert card["summary"].startswith("Left humerus, Mirels score ") and card["summary"].endswith(
        "surgical fixation opinion before radiotherapy"), card["summary"]
    assert "Left humerus (“Proximal; Proximal third of the" in card["detail"], card["detail"][:300]


def test_a_summary_over_the_limit_is_cut_after_a_whole_word():
    from service.render.card_text import SUMMARY_LIMIT, fit_summary

    text = "Left femur, Mirels score 10: " + "surgical fixation opinion before radiotherapy " * 4
    cut = fit_summary(text)
    assert len(cut) <= SUMMARY_LIMIT and cut.endswith("…") and text.startswith(cut[:-1])
    assert text[len(cut) - 1] == " "  # the word before "…" is whole
    assert fit_summary("a" * 200) == "a" * (SUMMARY_LIMIT - 1) + "…"  # no space near the limit: cut where it is


def test_another_patients_record_on_another_server_is_named_with_no_url_nor_empty_brackets(client):
    """An Observation of patient 456 named by an absolute reference: the card read '...: not read: belongs to another
    patient, “456” ()' (the URL cut out of its brackets)."""
    theirs = observation("visc-other", "visceral-metastases", **coded("2667000", SCT))
    theirs["subject"] = {"reference": "https://ehr.example/fhir/Patient/456"}
    body = hook_request([lesion()], [*lesion_observations(), theirs])
    review = next(c for c in client.post(SERVICE, json=body).get_json()["cards"]
                  if c["source"]["topic"]["code"] == "data-review")
    line = next(line for line in review["detail"].splitlines() if "another patient" in line)
    # Probe 27: the other patient's id is the integrator's (the mapping report), not for this patient's chart.
    assert line.endswith(": not read: belongs to another patient") and "http" not in line and "456" not in line, line
    assert line.startswith("- **“Visceral metastases at the time of radiotherapy”"), line  # its words, not its code
    review = next(c for c in client.post(SERVICE, json=body, headers={"Accept-Language": "fr"}).get_json()["cards"]
                  if c["source"]["topic"]["code"] == "data-review")  # in the reader's language (review 31)
    assert "Métastases viscérales lors de la radiothérapie" in review["detail"], review["detail"]


def test_rades_card_and_french(client):
    resources = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                 condition("mscc", ICD10, "G95.2", onset="2026-11-01")]
    observations = [observation("motor", "motor-function", **coded("paraplegic")),
                    observation("visceral", "visceral-metastases", **coded("52101004", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(3, "d"))]
    response = client.post(SERVICE, json=hook_request(resources, observations), headers={"Accept-Language": "fr"})
    (card,) = without_advice(response.get_json()["cards"])
    assert card["indicator"] == "critical"  # 8 + 8 + 5 + 1 + 4 = 26, group I
    assert "hypofractionnement" in card["summary"] and "Groupe I" in card["detail"]
    assert card["summary"].startswith("Compression médullaire, score de Rades 26\u202f: radiothérapie")


def test_no_applicable_score_gives_no_card(client):
    assert client.post(SERVICE, json=hook_request()).get_json() == {"cards": []}


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("change,field", [
    (lambda b: b.pop("hookInstance"), "hookInstance"),
    (lambda b: b.update(hookInstance="not-a-uuid"), "hookInstance"),
    (lambda b: b.update(hook="order-select"), "hook"),
    (lambda b: b["context"].pop("patientId"), "context"),
    (lambda b: b.update(fhirAuthorization={"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                           "scope": "patient/*.read", "subject": "app"}), "fhirServer"),
    (lambda b: b.update(fhirServer=EHR, fhirAuthorization={"access_token": "t"}), "fhirAuthorization"),
    (lambda b: b["prefetch"].update(conditions=[1, 2]), "prefetch"),
])
def test_invalid_requests_are_400_naming_the_field(client, change, field):
    body = hook_request()
    change(body)
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_malformed_prefetched_resource_is_400_naming_the_element(client):
    bad = lesion()
    bad["bodySite"] = "femur"
    response = client.post(SERVICE, json=hook_request([bad]))
    assert response.status_code == 400
    assert response.get_json()["field"] == "prefetch.conditions.entry[0].resource.bodySite"


@pytest.mark.parametrize("where,date", [
    ("observations.entry[0].resource.effectiveDateTime", "05/11/2026"),  # read as undated: counted as current
    ("observations.entry[0].resource.effectiveDateTime", "20261105"),  # read as the whole of 2026
    ("observations.entry[0].resource.effectivePeriod.end", "2026-02-30"),
    ("observations.entry[0].resource.effectiveDateTime", "2026-11-05T10:00:00"),  # a time without its zone
    ("conditions.entry[0].resource.onsetDateTime", "2026-13-45"),
])
def test_a_date_the_mapper_reads_that_is_no_fhir_date_is_400_as_at_every_door(client, where, date):
    """An Observation dated '05/11/2026' was read as undated, and so counted whatever its age, with a card saying
    its date was not recorded; '20261105' was read as a year. $assess (the FHIR models) and bulk refuse such a
    record: the hook does too, naming the element and its text, rather than guess what moment it describes."""
    condition, size = lesion(), lesion_observations()[0]
    element = where.split(".resource.")[1]
    target = condition if where.startswith("conditions") else size
    target.pop("effectiveDateTime", None)
    if element.startswith("effectivePeriod"):
        target["effectivePeriod"] = {"start": "2026-11-01", "end": date}
    else:
        target[element] = date
    response = client.post(SERVICE, json=hook_request([condition], [size]))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == f"prefetch.{where}" and date in response.get_json()["detail"]
    # A local time with no zone is said so, not "not a date" (probe 17: it read as if the date itself were wrong).
    assert ("time without its time zone" in response.get_json()["detail"]) is date.endswith("T10:00:00")
    lab = observation("glucose", "2345-7", system="http://loinc.org", valueQuantity={"value": 5.1},
                      effective=date)  # no calculator reads it: its date is not ours to judge
    assert client.post(SERVICE, json=hook_request([lesion()], [*lesion_observations(), lab])).status_code == 200


def test_a_malformed_lab_is_not_read_hence_not_refused_while_a_malformed_input_is(client):
    """What no calculator reads (a lab) is only named as not read, malformed or not; what the mapper
    reads is shape-checked, and a malformed one is a 400 naming it."""
    lab = observation("glucose", "2345-7", system="http://loinc.org", valueQuantity={"value": 5.1})
    lab["status"], lab["focus"] = 5, "not a list"
    answer = client.post("/cds-services/bonemet-patient-view",
                         json=hook_request([lesion()], [*lesion_observations(), lab]))
    assert answer.status_code == 200 and answer.get_json()["cards"]
    size = lesion_observations()[0]
    size["status"] = 5
    refused = client.post("/cds-services/bonemet-patient-view", json=hook_request([lesion()], [size]))
    assert refused.status_code == 400 and "status" in json.dumps(refused.get_json())


@pytest.mark.parametrize("data", [b"{not json", b"[]", b"\xff\xfe"])
def test_non_json_or_non_object_body_is_400(client, data):
    response = client.post(SERVICE, data=data, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["status"] == 400


def test_a_fhir_bundle_sent_to_a_cds_service_is_400_pointing_to_assess(client):
    """A newcomer posting an example Bundle to the hook got "invalid CDS Hooks request" and a list of missing
    fields; the answer now says which door takes it."""
    bundle = json.loads((ROOT / "examples" / "bundles" / "01-mirels-7-observation.json").read_text())
    response = client.post(SERVICE, json=bundle)
    assert response.status_code == 400 and "POST it to /fhir/$assess" in response.get_json()["detail"]


def test_unknown_service_is_404(client):
    response = client.post("/cds-services/nope", json=hook_request())
    assert response.status_code == 404 and "nope" in response.get_json()["detail"]


def test_too_large_body_is_413(client):
    body = hook_request(observations=[observation(f"o{i}", "lesion-type", **coded("lytic")) for i in range(2000)])
    response = client.post(SERVICE, json=body)
    assert response.status_code == 413 and response.get_json()["status"] == 413


def test_missing_prefetch_without_fhir_server_is_412(client):
    body = hook_request()
    body["prefetch"].pop("observations")
    response = client.post(SERVICE, json=body)
    assert response.status_code == 412 and "prefetch.observations" in response.get_json()["detail"]


def test_fhir_server_not_on_the_allow_list_is_never_called(client):
    body = hook_request(fhirServer="https://attacker.example.com/fhir")
    body["prefetch"].pop("conditions")
    with responses.RequestsMock() as mock:  # any call would fail this test
        response = client.post(SERVICE, json=body)
        assert len(mock.calls) == 0
    assert response.status_code == 412 and "allow-list" in response.get_json()["detail"]


# ------------------------------------------------------------------ fetching from the EHR


def fetch_request():
    body = hook_request(fhirServer=EHR, fhirAuthorization={
        "access_token": "secret-token", "token_type": "Bearer", "expires_in": 300,
        "scope": "patient/Condition.read patient/Observation.read", "subject": "bonemet"})
    body["prefetch"] = {"patient": patient()}  # conditions and observations are fetched
    return body


@responses.activate
def test_missing_prefetch_is_fetched_with_the_token_following_pages(client):
    responses.get(f"{EHR}/Condition", json=searchset(lesion(), next_url=f"{EHR}/Condition?page=2"))
    responses.get(f"{EHR}/Condition?page=2", json=searchset())
    responses.get(f"{EHR}/Observation", json=searchset(*lesion_observations()))
    responses.get(f"{EHR}/Procedure", json=searchset())  # the operations a post-operative window follows (§1.4)
    response = client.post(SERVICE, json=fetch_request())
    assert response.status_code == 200 and len(without_advice(response.get_json()["cards"])) == 1
    assert all(call.request.headers["Authorization"] == "Bearer secret-token" for call in responses.calls)
    assert len(responses.calls) == 4
    assert "patient=p1" in responses.calls[0].request.url


@pytest.mark.parametrize("reply,reason", [
    # Timeouts and refused connections read alike: the message says nothing of what listens where.
    (dict(body=requests.exceptions.ReadTimeout()), "gave no usable answer in time"),
    (dict(body=requests.exceptions.ConnectionError()), "gave no usable answer in time"),
    (dict(status=401, json={}), "refused the access token"),
    (dict(status=500, json={}), "HTTP 500"),
    (dict(body="<html>"), "other than JSON"),
    (dict(json={"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Condition", "code": "x"}}]}),
     "malformed answer"),
])
@responses.activate
def test_fetch_failures_are_412_with_the_reason(client, reply, reason):
    responses.get(f"{EHR}/Condition", **reply)
    response = client.post(SERVICE, json=fetch_request())
    assert response.status_code == 412 and reason in response.get_json()["detail"]
    assert "secret-token" not in response.get_data(as_text=True)


@responses.activate
def test_a_fetched_input_whose_date_is_no_date_is_refused_a_fetched_lab_is_not(client):
    """As in prefetch: the EHR's server answering with a lesion's size dated '05/11/2026' is a malformed answer;
    the same date on a lab, which nothing reads, is not ours to judge."""
    size = lesion_observations()[0]
    lab = observation("glucose", "2345-7", system="http://loinc.org", valueQuantity={"value": 5.1},
                      effective="05/11/2026")
    responses.get(f"{EHR}/Condition", json=searchset(lesion()))
    responses.get(f"{EHR}/Procedure", json=searchset())
    observations = responses.get(f"{EHR}/Observation", json=searchset(*lesion_observations(), lab))
    assert client.post(SERVICE, json=fetch_request()).status_code == 200
    size["effectiveDateTime"] = "05/11/2026"
    responses.replace(observations.method, observations.url, json=searchset(size))
    response = client.post(SERVICE, json=fetch_request())
    assert response.status_code == 412, response.get_json()
    assert "malformed answer" in response.get_json()["detail"] and "05/11/2026" in response.get_json()["detail"]


@responses.activate
def test_next_link_to_another_host_is_not_followed(client):
    responses.get(f"{EHR}/Condition", json=searchset(next_url="https://elsewhere.example.net/steal"))
    responses.get(f"{EHR}/Observation", json=searchset())
    response = client.post(SERVICE, json=fetch_request())
    assert response.status_code == 412 and "off the EHR's FHIR server" in response.get_json()["detail"]



def paged_prefetch(**overrides):
    """The EHR paginates prefetch (CDS Hooks 2.0 allows it): the observations' first page holds the size
    only; the type and the pain are on the next page, which only the EHR's server can give."""
    size, kind, pain = lesion_observations()
    body = hook_request([lesion()], [size], **overrides)
    body["prefetch"]["observations"]["total"] = 3
    body["prefetch"]["observations"]["link"] = [
        {"relation": "self", "url": f"{EHR}/Observation?patient=p1"},
        {"relation": "next", "url": f"{EHR}/Observation?patient=p1&page=2"}]
    return body, [kind, pain]


def data_review(cards):
    return next((c for c in cards if c["source"]["topic"]["code"] == "data-review"), None)


@pytest.mark.parametrize("next_url", [f"{EHR}/Observation?patient=p1&page=2", "Observation?patient=p1&page=2"])
@responses.activate
def test_the_next_pages_of_a_paginated_prefetch_are_fetched_with_the_token(client, next_url):
    body, rest = paged_prefetch(fhirServer=EHR, fhirAuthorization=fetch_request()["fhirAuthorization"])
    body["prefetch"]["observations"]["link"][1]["url"] = next_url
    responses.get(f"{EHR}/Observation?patient=p1&page=2", json=searchset(rest[0], next_url=f"{EHR}/Observation?page=3"))
    responses.get(f"{EHR}/Observation?page=3", json=searchset(rest[1]))
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert [score_words(c["summary"]) for c in cards] == ["Mirels score 9"]  # all three items, none missing
    assert [call.request.url for call in responses.calls] == [f"{EHR}/Observation?patient=p1&page=2",
                                                             f"{EHR}/Observation?page=3"]
    assert all(call.request.headers["Authorization"] == "Bearer secret-token" for call in responses.calls)


@pytest.mark.parametrize("overrides,reply,said", [
    ({}, None, "there is no allowed fhirServer to fetch them from"),
    ({"fhirServer": "https://attacker.example.com/fhir"}, None, "there is no allowed fhirServer"),
    ({"fhirServer": EHR}, dict(status=500, json={}), "fetching them from fhirServer failed: the EHR's FHIR server "
                                                     "answered HTTP 500"),
])
def test_next_pages_that_cannot_be_read_are_said_in_a_card_and_the_score_says_what_is_missing(
        client, overrides, reply, said):
    body, _ = paged_prefetch(**overrides)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        if reply:
            mock.get(f"{EHR}/Observation?patient=p1&page=2", **reply)
        response = client.post(SERVICE, json=body)
        assert len(mock.calls) == (1 if reply else 0)  # never the attacker's host
    assert response.status_code == 200
    cards = without_advice(response.get_json()["cards"])
    review = data_review(cards)
    assert review is not None and review["indicator"] == "warning"
    # The EHR's answer in its own sentence: no prefetch key, no FHIR query on a card (last note: "prefetch.conditions").
    assert "prefetch." not in review["detail"] and "- The EHR sent the first page of the patient's observations only" \
        in review["detail"] and said in review["detail"] and "not in this assessment" in review["detail"]
    score = next(c for c in cards if "Mirels score" in c["summary"])
    assert "missing" in score["detail"].lower()  # the type and the pain are not guessed


@pytest.mark.parametrize("total,included,said", [
    (120, False, "The EHR sent 1 of the patient's 120 diagnoses: the other 119 are not in this assessment"),
    (1, True, None),  # an included Patient is not one of the matches
    (1, False, None),
])
def test_a_prefetch_capped_below_its_total_without_a_next_page_is_said_in_a_card(client, total, included, said):
    body = hook_request([lesion()], lesion_observations())
    conditions = body["prefetch"]["conditions"]
    conditions["total"] = total
    if included:
        conditions["entry"].append({"resource": patient(), "search": {"mode": "include"}})
    review = data_review(client.post(SERVICE, json=body).get_json()["cards"])
    if said is None:
        assert review is None
    else:
        # In a clinician's words (probe 19: "the EHR's answer to Condition?patient=p1 holds 1 of its 120 results").
        assert review["indicator"] == "warning" and "Condition?patient" not in review["detail"] and said in \
            review["detail"], review["detail"]


@pytest.mark.parametrize("cut", ["conditions", "observations", None])
def test_a_score_resting_on_a_search_sent_in_part_says_so_first(client, cut):
    """3 of 250 observations sent: the Mirels card read an exact score, the cut said only on the data card (probe 20,
    i05). A later record, a fracture, may be among those not sent: each score card says so first."""
    body = hook_request([lesion()], lesion_observations())
    if cut:
        body["prefetch"][cut]["total"] = 250
    (score,) = [card for card in client.post(SERVICE, json=body).get_json()["cards"] if "Mirels" in card["summary"]]
    first = score["detail"].split("\n\n")[0]
    if cut:
        assert first == ("**Check first**: the EHR sent only part of the patient's diagnoses or observations: a "
                         "record it did not send may change this score")
    else:
        assert "the EHR sent only part" not in score["detail"]


@responses.activate
def test_a_fetched_search_the_server_caps_below_its_total_is_said_in_a_card(client):
    responses.get(f"{EHR}/Condition", json={**searchset(lesion()), "total": 50})
    responses.get(f"{EHR}/Observation", json=searchset(*lesion_observations()))
    review = data_review(client.post(SERVICE, json=fetch_request()).get_json()["cards"])
    assert "Condition: the EHR's FHIR server gave 1 of its 50 results, with no next page" in review["detail"]


@responses.activate
def test_next_pages_that_end_short_of_the_first_pages_total_are_said_in_a_card(client):
    body, rest = paged_prefetch(fhirServer=EHR)
    body["prefetch"]["observations"]["total"] = 4  # one more than the three pages hold
    responses.get(f"{EHR}/Observation?patient=p1&page=2", json=searchset(*rest))
    review = data_review(client.post(SERVICE, json=body).get_json()["cards"])
    assert "gave 3 of its 4 results, with no next page" in review["detail"]


@responses.activate
def test_the_prefetched_first_page_counts_towards_the_page_cap(tmp_path):
    capped = create_app(Settings(feedback_db=str(tmp_path / "fb.sqlite3"), fhir_allowed_hosts="ehr.example.org",
                                 fhir_page_cap=2)).test_client()
    body, rest = paged_prefetch(fhirServer=EHR)
    responses.get(f"{EHR}/Observation?patient=p1&page=2", json=searchset(rest[0], next_url=f"{EHR}/Observation?page=3"))
    cards = without_advice(capped.post(SERVICE, json=body).get_json()["cards"])
    assert len(responses.calls) == 1
    assert "only the first 2 pages were read" in data_review(cards)["detail"]


@responses.activate
def test_a_next_page_link_to_another_host_is_not_followed_and_is_said(client):
    body, _ = paged_prefetch(fhirServer=EHR)
    body["prefetch"]["observations"]["link"][1]["url"] = "https://elsewhere.example.net/steal"
    response = client.post(SERVICE, json=body)
    assert response.status_code == 200 and len(responses.calls) == 0
    assert "leads off the EHR's FHIR server" in data_review(response.get_json()["cards"])["detail"]


# ------------------------------------------------------------------ feedback


BODY_SITE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/bodySite"


def lesion_sited_in(reference):
    """A lesion whose site is recorded in a BodyStructure, as FHIR's bodySite extension refers to it."""
    resource = lesion(bone=None)
    resource["bodySite"] = [{"extension": [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": reference}}]}]
    return resource


def femur_structure(pid="p1"):
    return {"resourceType": "BodyStructure", "id": "bs-1", "patient": {"reference": f"Patient/{pid}"},
            "location": {"coding": [{"system": SCT, "code": "41111004"}]},
            "locationQualifier": [{"coding": [{"system": SCT, "code": "7771000"}]}]}


@pytest.mark.parametrize("reference", ["BodyStructure/bs-1", f"{EHR}/BodyStructure/bs-1/_history/3"])
@responses.activate
def test_a_body_structure_holding_the_lesion_site_is_read_from_the_fhir_server(client, reference):
    """No prefetch search by patient brings the BodyStructure a Condition refers to: it is read."""
    responses.get(f"{EHR}/BodyStructure/bs-1", json=femur_structure())
    body = hook_request([lesion_sited_in(reference)], lesion_observations(), fhirServer=EHR,
                        fhirAuthorization=fetch_request()["fhirAuthorization"])
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert [score_words(c["summary"]) for c in cards] == ["Mirels score 9"]  # femoral shaft: lower limb, known
    assert [call.request.headers["Authorization"] for call in responses.calls] == ["Bearer secret-token"]


@pytest.mark.parametrize("overrides,reply,said", [
    ({}, None, "its site is recorded in a separate record (a resource (BodyStructure)) that was not received"),
    ({"fhirServer": "https://attacker.example.com/fhir"}, None, "(a resource (BodyStructure)) that was not received"),
    ({"fhirServer": EHR}, dict(status=404, json={}), "reading it from fhirServer failed: the EHR's FHIR server "
                                                     "answered HTTP 404"),
    ({"fhirServer": EHR}, dict(json=femur_structure("p2")),
     "not read: belongs to another patient\n"),  # what it is, never "a resource (Patient)"
])
def test_a_body_structure_that_cannot_be_read_leaves_the_site_missing_and_is_named(client, overrides, reply, said):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        if reply:
            mock.get(f"{EHR}/BodyStructure/bs-1", **reply)
        cards = without_advice(client.post(SERVICE, json=hook_request([lesion_sited_in("BodyStructure/bs-1")],
                                                       lesion_observations(), **overrides)).get_json()["cards"])
        assert len(mock.calls) == (1 if reply else 0)  # never the attacker's host
    text = " ".join(c["detail"] for c in cards)
    assert "missing: site" in cards[0]["summary"] and said in text, text


@responses.activate
def test_body_structures_are_read_at_most_twenty_per_request_and_the_others_named(client):
    lesions = [lesion_sited_in(f"BodyStructure/bs-{n}") | {"id": f"lesion-{n}"} for n in range(22)]
    for n in range(22):
        responses.get(f"{EHR}/BodyStructure/bs-{n}", json=femur_structure() | {"id": f"bs-{n}"})
    cards = without_advice(client.post(SERVICE, json=hook_request(lesions, fhirServer=EHR)).get_json()["cards"])
    assert len(responses.calls) == 20
    review = data_review(cards)
    assert review["detail"].count("more than 20 BodyStructures") == 2 and "BodyStructure/" not in review["detail"]


@responses.activate
def test_a_body_structure_another_patients_condition_refers_to_is_never_read(client):
    theirs = lesion_sited_in("BodyStructure/bs-1")
    theirs["subject"] = {"reference": "Patient/p2"}
    responses.get(f"{EHR}/BodyStructure/bs-1", json=femur_structure("p2"))
    client.post(SERVICE, json=hook_request([theirs], fhirServer=EHR))
    assert len(responses.calls) == 0


@responses.activate
def test_a_body_structure_on_another_server_is_not_read_from_this_one(client):
    body = hook_request([lesion_sited_in("https://elsewhere.example.org/fhir/BodyStructure/bs-1")],
                        lesion_observations(), fhirServer=EHR)
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert len(responses.calls) == 0 and "missing: site" in cards[0]["summary"]


def feedback_item(**overrides):
    item = {"card": str(uuid.uuid4()), "outcome": "accepted", "acceptedSuggestions": [{"id": str(uuid.uuid4())}],
            "outcomeTimestamp": "2026-11-22T10:00:00Z"}
    item.update(overrides)
    return item


def issued_card(client):
    """A Mirels 9 card (with its suggestion) that this service issued."""
    response = client.post(SERVICE, json=hook_request([lesion()], lesion_observations()))
    response.close()  # the service remembers its cards once the answer is sent, as gunicorn closes it
    card = without_advice(response.get_json()["cards"])[0]
    return card["uuid"], card["suggestions"][0]["uuid"]


def test_feedback_is_stored_once_and_survives_a_restart(settings):
    client = create_app(settings).test_client()
    card, suggestion = issued_card(client)
    accepted = feedback_item(card=card, acceptedSuggestions=[{"id": suggestion}])
    overridden = feedback_item(card=card, outcome="overridden", overrideReason={
        "reason": {"code": "override-clinical-judgement"}, "userComment": "already fixed"})
    overridden.pop("acceptedSuggestions")
    response = client.post(f"{SERVICE}/feedback", json={"feedback": [accepted, overridden]})
    assert response.status_code == 200 and response.get_json() == {"stored": 2, "already_stored": 0}
    again = client.post(f"{SERVICE}/feedback", json={"feedback": [accepted, overridden]})  # a client's retry
    assert again.get_json() == {"stored": 0, "already_stored": 2}
    restarted = create_app(settings)
    rows = restarted.extensions["bonemet_feedback"].all()
    assert [r["outcome"] for r in rows] == ["accepted", "overridden"]
    assert "already fixed" in rows[1]["override_reason"]


def test_feedback_must_match_a_card_this_service_issued(client):
    card, suggestion = issued_card(client)
    cases = [
        (feedback_item(), "is not a card this service"),
        (feedback_item(card=card, acceptedSuggestions=[{"id": str(uuid.uuid4())}]), "is not a suggestion of card"),
        (feedback_item(card=card, acceptedSuggestions=None), "needs acceptedSuggestions"),
    ]
    for item, reason in cases:
        item = {k: v for k, v in item.items() if v is not None}
        response = client.post(f"{SERVICE}/feedback", json={"feedback": [item]})
        assert response.status_code == 422 and reason in response.get_json()["detail"], response.get_json()
    other_service = client.post("/cds-services/bonemet-order-sign/feedback", json={"feedback": [
        feedback_item(card=card, acceptedSuggestions=[{"id": suggestion}])]})
    assert other_service.status_code == 422  # issued by patient-view, not by order-sign


def test_a_misspelt_feedback_field_is_named_not_dropped(client):
    card, _ = issued_card(client)
    item = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
            "overriddeReason": {"reason": {"code": "override-clinical-judgement"}}}  # as one public client spells it
    response = client.post(f"{SERVICE}/feedback", json={"feedback": [item]})
    assert response.status_code == 400 and "overriddeReason" in response.get_json()["fields"]["feedback"]["0"]


@pytest.mark.parametrize("body", [
    {}, {"feedback": []}, {"feedback": [feedback_item(outcome="maybe")]},
    {"feedback": [feedback_item(outcomeTimestamp="yesterday")]},
    {"feedback": [feedback_item(overrideReason={"userComment": "x"})]},
    {"feedback": [{"outcome": "accepted", "outcomeTimestamp": "2026-11-22T10:00:00Z"}]},
])
def test_malformed_feedback_is_400(client, body):
    response = client.post(f"{SERVICE}/feedback", json=body)
    assert response.status_code == 400 and response.get_json()["fields"]


def test_cors_headers_for_the_browser_sandboxes_named_in_the_setting(settings):
    from msgspec.structs import replace

    client = create_app(replace(settings, cors_origins="https://sandbox.example.org")).test_client()
    response = client.get("/cds-services", headers={"Origin": "https://sandbox.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://sandbox.example.org"


# ------------------------------------------------------------------ end to end over real HTTP


def test_a_cds_client_over_real_http(run_server, tmp_path):
    import os
    env = dict(os.environ, BONEMET_FEEDBACK_DB=str(tmp_path / "fb.sqlite3"))
    base = run_server(env=env)
    services = requests.get(f"{base}/cds-services", timeout=5).json()["services"]
    response = requests.post(f"{base}/cds-services/{services[0]['id']}",
                             json=hook_request([lesion()], lesion_observations()), timeout=10)
    assert response.status_code == 200
    card = without_advice(response.json()["cards"])[0]
    feedback = {"feedback": [feedback_item(card=card["uuid"],
                                           acceptedSuggestions=[{"id": card["suggestions"][0]["uuid"]}])]}
    answered = requests.post(f"{base}/cds-services/{services[0]['id']}/feedback", json=feedback, timeout=5)
    assert answered.status_code == 200
    broken = requests.post(f"{base}/cds-services/{services[0]['id']}", data="{", timeout=5,
                           headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]
    untyped = requests.post(f"{base}/cds-services/{services[0]['id']}", data="{}", timeout=5)
    assert untyped.status_code == 415 and "Content-Type: application/json" in untyped.json()["detail"]


# ------------------------------------------------------------------ prefetch as CDS Hooks 2.0 defines it

FAILED_QUERY = {"resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "too-costly", "diagnostics": "search timed out"}]}


def test_a_null_prefetch_key_means_no_data_and_the_patient_is_assessed(client):
    body = hook_request([lesion()], lesion_observations())
    body["prefetch"]["patient"] = None  # the EHR's read found nothing: not an error
    with responses.RequestsMock() as mock:  # nothing is fetched
        response = client.post(SERVICE, json=body)
        assert len(mock.calls) == 0
    assert response.status_code == 200
    assert without_advice(response.get_json()["cards"])[0]["summary"].count(", Mirels score 9:") == 1


def test_null_observations_assess_with_what_there_is(client):
    body = hook_request([lesion()], [])
    body["prefetch"]["observations"] = None
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    (card,) = cards
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Left femur, shaft of femur, Mirels score: no item recorded; record its items to score "
                               "it")


def test_a_failed_prefetch_query_without_a_server_is_said_in_a_card(client):
    body = hook_request([lesion()], [])
    body["prefetch"]["observations"] = FAILED_QUERY
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    review = next(c for c in cards if c["source"]["topic"]["code"] == "data-review")
    assert review["indicator"] == "warning"
    assert "prefetch." not in review["detail"] and "search timed out" in review["detail"]
    assert "- The EHR could not send the patient's observations" in review["detail"]


@responses.activate
def test_a_failed_prefetch_query_is_fetched_from_an_allowed_server(client):
    responses.get(f"{EHR}/Observation", json=searchset(*lesion_observations()))
    body = fetch_request()
    body["prefetch"] = {"patient": patient(), "conditions": searchset(lesion()), "observations": FAILED_QUERY,
                        "procedures": None}
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert [score_words(c["summary"]) for c in cards] == ["Mirels score 9"]
    assert len(responses.calls) == 1


def test_every_query_failed_and_no_server_is_412(client):
    body = hook_request()
    body["prefetch"] = {key: FAILED_QUERY for key in ("patient", "conditions", "observations")}
    response = client.post(SERVICE, json=body)
    assert response.status_code == 412 and "no prefetch query could be read" in response.get_json()["detail"]


def test_prefetch_of_another_patient_only_is_said_not_answered_with_an_empty_list(client):
    body = hook_request([lesion(pid="p2")], lesion_observations())
    body["prefetch"]["patient"] = patient("p2")
    for entry in body["prefetch"]["observations"]["entry"]:
        entry["resource"]["subject"] = {"reference": "Patient/p2"}
    (review,) = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert review["indicator"] == "warning"
    # Named in words, as the clinician knows them: never by id.
    assert "another patient" in review["detail"] and "Secondary malignant neoplasm of bone" in review["detail"]
    assert "Patient/p2" not in review["detail"] and "Condition/lesion-1" not in review["detail"]


def test_the_observation_template_fetches_every_code_the_mapper_reads(client):
    (service, _) = client.get("/cds-services").get_json()["services"]
    template = service["prefetch"]["observations"]
    for token in ("http://bonemet-cds.org/fhir/CodeSystem/bonemet|", "http://loinc.org|21889-1",
                  "http://loinc.org|33728-7", "http://loinc.org|72514-3", "http://loinc.org|89247-1",
                  "http://snomed.info/sct|282145008"):
        assert token in template


# ------------------------------------------------------------------ bodies no client should send

@pytest.mark.parametrize("raw,reason", [
    ('{"hook": "patient-view", "x": NaN}', "NaN is not a JSON number"),
    ('{"hook": "patient-view", "x": -Infinity}', "-Infinity is not a JSON number"),
    ('{"hook": "patient-view", "x": 1e400}', "numbers must be finite"),
    ("[" * 5000 + "]" * 5000, "nested more"),
    ("[1, 2]", "must be a JSON object"),
    ("\xff\xfe", "not valid JSON"),
])
def test_hostile_bodies_are_400_saying_why(client, raw, reason):
    for path in (SERVICE, SERVICE + "/feedback", "/fhir/$assess"):
        response = client.post(path, data=raw.encode("latin-1"), headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.get_data(as_text=True)[:200])
        body = response.get_json()
        text = body.get("detail") or body["issue"][0]["diagnostics"]
        assert reason in text


def test_deep_nesting_that_the_fhir_models_cannot_follow_is_400_never_500(client):
    def nested(levels):
        extension = {"url": "http://example.org/x", "valueString": "v"}
        for _ in range(levels):
            extension = {"url": "http://example.org/x", "extension": [extension]}
        return extension

    deep = lesion()
    deep["extension"] = [nested(450)]  # 900 levels of JSON: the models' validation recursion would overflow
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the test's own encoder needs room for this depth
    try:
        body = json.dumps(bundle(patient(), deep))
        hook_body = json.dumps(hook_request([deep], lesion_observations()))
    finally:
        sys.setrecursionlimit(limit)
    response = client.post("/fhir/$assess", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.get_json()["issue"][0]["diagnostics"]
    response = client.post(SERVICE, data=hook_body, headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400)  # read (nothing there recurses) or refused, never a 5xx


def test_a_chunked_body_over_the_limit_is_413(client, settings):
    body = b'{"pad": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    # As gunicorn passes a chunked body: no Content-Length, the input ends where the chunks end.
    response = client.post(SERVICE, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    assert response.status_code == 413 and response.get_json()["status"] == 413


def test_a_wrong_method_is_405_with_allow(client):
    response = client.get(SERVICE)
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.get_json()["status"] == 405


def test_a_warning_in_a_prefetched_searchset_is_said_in_the_card(client):
    body = hook_request([lesion()], lesion_observations())
    body["prefetch"]["conditions"]["entry"].append({"resource": {
        "resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "incomplete",
                                                      "diagnostics": "results limited to 1,000 Conditions"}]},
        "search": {"mode": "outcome"}})
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    review = next(c for c in cards if c["source"]["topic"]["code"] == "data-review")
    assert "results limited to 1,000 Conditions" in review["detail"] and review["indicator"] == "warning"


def test_a_score_cards_source_is_the_guidelines_table_on_a_page_of_this_service(client):
    """source.url leads to the table the score comes from, its categories, caveats and citation, in the card's
    language; the page holds no patient data."""
    cards = without_advice(client.post(SERVICE, json=hook_request([lesion()], lesion_observations()),
                                       headers={"Accept-Language": "fr"}).get_json()["cards"])
    (card,) = cards
    assert card["source"]["url"] == "http://127.0.0.1:8080/guideline/mirels?lang=fr"
    page = client.get("/guideline/mirels?lang=fr")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="fr">' in text
    assert "Tableau 3 – Score de Mirels" in text and "Région trochantérienne" in text
    assert "Chirurgie prophylactique première" in text and "Damron" in text and "Clin Orthop Relat Res" in text
    rades = client.get("/guideline/rades").get_data(as_text=True)
    assert "Paraplegic" in rades and "https://doi.org/" in rades and "Group III (38–44 points)" in rades
    sins = client.get("/guideline/sins?lang=fr").get_data(as_text=True)  # beyond the guideline: its article cited
    assert "Jonctionnelle (occiput-C2, C7-T2, T11-L1, L5-S1)" in sins and "SINS 13-18\u202f: instable" in sins
    assert "ne figure pas dans le référentiel suivi par le service" in sins
    assert "https://doi.org/10.1097/BRS.0b013e3181e16ae2" in sins and "Spine (Phila Pa 1976)" in sins
    assert client.get("/guideline/tokuhashi").status_code == 404


@pytest.mark.parametrize("hostile", ['"><img src=x onerror=alert(2)>', "[click](javascript:alert(3))",
                                     "![t](http://attacker.example/track.png)", "<script>alert(1)</script>",
                                     "**bold** _it_ `code` | cell |"])
def test_record_text_in_a_card_shows_as_words_and_runs_or_links_nothing(client, hostile):
    """EHRs render a card's detail as Markdown, some with raw HTML: whatever a record writes in its texts (a
    Condition's code.text, a bodySite's text, a displayed code) is shown, never run, fetched or linked."""
    import markdown

    written = lesion()
    written["code"]["text"] = hostile
    written["bodySite"][0]["text"] = hostile
    unplaced = condition("elsewhere", SCT, "128462008", body_site=[{"text": hostile}])
    answer = client.post(SERVICE, json=hook_request([written, unplaced], lesion_observations()[:2]))
    cards = without_advice(answer.get_json()["cards"])
    assert len(cards) == 2  # the missing pain, and the unplaced metastasis to check
    shown = ""
    for card in cards:
        html = markdown.markdown(card["detail"], extensions=["tables"])  # raw HTML passes, as in some EHRs
        assert "<img" not in html and "<script" not in html and 'href="javascript' not in html, html
        assert "<a " not in html.replace('<a href="http://127.0.0.1:8080/scale/', ""), html  # only its own link
        assert "<strong>bold</strong>" not in html and "<code>" not in html, html
        shown += html
    words = [word for word in ("onerror", "javascript", "![t]", "alert(1)", "bold") if word in hostile]
    assert any(word in shown for word in words), shown  # the record's words are shown, as words


# -- ids from the EHR, checked before any URL is built (issue 29, item 6) ---------------------------


@pytest.mark.parametrize("field,value", [
    ("patientId", ".."), ("patientId", "."), ("patientId", "../../admin"), ("patientId", "p1\n"),
    ("patientId", "p1?_format=xml"), ("patientId", "p1&code=x"), ("patientId", "x" * 65),
    ("encounterId", ".."), ("encounterId", "e/1"),
    ("userId", "Practitioner/.."), ("userId", "doc"), ("userId", "Practitioner/a/b"),
])
@responses.activate
def test_an_id_that_is_not_a_fhir_id_is_a_400_naming_the_field_and_nothing_is_fetched(client, field, value):
    body = hook_request(fhirServer=EHR)
    body["prefetch"].pop("patient")  # the service would read Patient/<patientId> from fhirServer
    body["context"][field] = value
    answer = client.post(SERVICE, json=body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert field in answer.get_json()["fields"]["context"], answer.get_json()
    assert len(responses.calls) == 0


def test_the_openapi_document_states_the_id_rules(client):
    import re

    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    for context in ("PatientViewContext", "OrderSignContext"):
        properties = schemas[context]["properties"]
        for field, good, bad in (("patientId", "p-1.2", ".."), ("encounterId", "e1", "."),
                                 ("userId", "Practitioner/doc", "Practitioner/..")):
            pattern = re.compile(properties[field]["pattern"])
            assert pattern.search(good) and not pattern.search(bad), (context, field)


@pytest.mark.parametrize("reference", ["BodyStructure/..", "BodyStructure/."])
@responses.activate
def test_a_body_structure_reference_whose_id_is_a_dot_segment_is_named_and_never_fetched(client, reference):
    """FHIR's id grammar admits "..", which a URL path reads as "up": BodyStructure/.. is the server's base."""
    body = hook_request([lesion_sited_in(reference)], lesion_observations(), fhirServer=EHR,
                        fhirAuthorization=fetch_request()["fhirAuthorization"])
    cards = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert len(responses.calls) == 0
    text = " ".join(c["detail"] for c in cards)
    assert "missing: site" in cards[0]["summary"]
    assert f"not read: not a FHIR id ('{reference.split('/')[1]}')" in text, text


def test_the_fhir_client_never_requests_a_path_with_a_dot_segment():
    from service.fhir.client import FetchError, FhirClient

    fhir = FhirClient(EHR, "t", allowed_hosts=frozenset({"ehr.example.org"}), timeout=(1, 1), page_cap=2)
    with responses.RequestsMock() as mock:  # any request would fail the test: none is registered
        for relative in ("Patient/..", "BodyStructure/.", "Patient/../../admin", "Condition/./x?patient=1"):
            with pytest.raises(FetchError, match="not a FHIR id"):
                fhir.read(relative)
        with pytest.raises(FetchError, match="not a FHIR id"):
            fhir.get_json("../admin")
        assert len(mock.calls) == 0


def test_a_412_for_a_host_off_the_allow_list_says_which_setting_allows_it(client):
    body = hook_request([lesion()], lesion_observations())
    del body["prefetch"]["observations"]
    body["fhirServer"] = "https://ehr.other.example/fhir"
    answer = client.post(SERVICE, json=body)
    assert answer.status_code == 412 and "BONEMET_FHIR_ALLOWED_HOSTS" in answer.get_json()["detail"]


def _unreadable(**code):
    resource = condition("x", SCT, "999999")
    resource["code"] = code
    return resource


@pytest.mark.parametrize("odd", [
    _unreadable(coding=[{"system": SCT, "code": "999999", "display": ["a"]}]),  # a display that is a list
    _unreadable(coding=[{"system": SCT, "code": "999999"}], text=["a"]),  # a text that is a list
    _unreadable(coding=[{"system": SCT, "code": {"a": 1}}]),  # a code that is an object
    dict(condition("x", SCT, "999999"), extension=[{"url": 5}]),  # an extension's url that is a number
])
def test_a_condition_with_odd_words_or_extensions_is_named_never_a_500(client, odd):
    """An outside review's finds: each of these answered 500 (a list as a cache key, a number with .endswith)."""
    response = client.post(SERVICE, json=hook_request([lesion(), odd], lesion_observations()))
    assert response.status_code == 200 and response.get_json()["cards"], response.get_json()


@pytest.mark.parametrize("extension", [5, True, "x"])
def test_an_extension_that_is_no_list_on_a_procedure_or_an_order_is_a_400_naming_it(client, extension):
    procedure = {"resourceType": "Procedure", "id": "nail", "status": "completed", "code": coded("1653007", SCT)
                 ["valueCodeableConcept"], "subject": {"reference": "Patient/p1"}, "extension": extension}
    body = hook_request([lesion()], lesion_observations())
    body["prefetch"]["procedures"] = searchset(procedure)
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400, response.get_json()
    assert "procedures.entry[0].resource.extension: must be a list of objects" in json.dumps(response.get_json())
    order = {"resourceType": "ServiceRequest", "id": "rt", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "code": {"coding": [{"system": SCT, "code": "33195004"}]},
             "extension": extension}
    body = hook_request([lesion()], lesion_observations(), hook="order-sign")
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}
    response = client.post("/cds-services/bonemet-order-sign", json=body)
    assert response.status_code == 400 and "draftOrders.entry[0].resource.extension" in json.dumps(
        response.get_json()), response.get_json()


def test_the_observations_prefetch_asks_for_every_finding_the_motor_status_reads():
    """A paraplegia recorded as an Observation is read as a motor status; the prefetch and the fetch searched by a
    list of codes without it, so an EHR never sent it (review 21)."""
    from service.web.prefetch import PREFETCH

    codes = PREFETCH["observations"].split("code=")[1].split(",")
    assert "http://snomed.info/sct|60389000" in codes and "http://snomed.info/sct|282145008" in codes
