"""Cards as a clinician reads them at 3 a.m. (probe 6): a summary keeps what is missing in either language, a card
names no code nor FHIR element, the §1.5 card's count and list agree, and two records described alike are told
apart."""

import uuid

import pytest

from support.answer_checks import advice_cards, without_advice
from support.fhir_builders import (
    FEMUR,
    LEFT,
    SCT,
    condition,
    lesion_observations,
    patient,
    site,
)

SERVICE = "/cds-services/bonemet-patient-view"


@pytest.fixture(scope="module")
def client(make_app):
    return make_app().test_client()


def searchset(*resources):
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def cards_of(client, conditions, observations, language="en"):
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations), "procedures": None}}
    answer = client.post(SERVICE, json=body, headers={"Accept-Language": language})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["cards"]


def peritrochanteric_lesion(cid="lesion-1"):
    return condition(cid, SCT, "94222008", body_site=[site(FEMUR, LEFT, peritrochanteric=True)])


@pytest.mark.parametrize("language, missing", [("en", "(missing: lesion size)"),
                                               ("fr", "(manquant\u202f: taille de la lésion)")])
def test_a_summary_keeps_what_is_missing_in_either_language_shortening_the_place_first(client, language, missing):
    """Peritrochanteric (3), lytic (3), moderate pain (2), size not recorded: 9 to 11, fixation whatever the size. The
    French summary ran 113 characters without its "(manquant : …)", which did not fit: it was dropped, and the range
    read as if nothing were missing. The place gives way first (the detail says it whole)."""
    observations = [o for o in lesion_observations() if not o["id"].endswith("size")]
    (card,) = without_advice(cards_of(client, [peritrochanteric_lesion()], observations, language))
    assert len(card["summary"]) <= 140
    assert card["summary"].endswith(missing), card["summary"]
    assert "9–11" in card["summary"] and ("fixation" in card["summary"])
