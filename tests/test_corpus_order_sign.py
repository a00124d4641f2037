"""The order-sign records of issue 26 (tests/corpus/order-sign/): §2 dose and fractionation of a radiotherapy
order, and §1.4's window for its start after a recorded fixation, through the order-sign door in English and
French. Each record is the EHR's request (draftOrders and prefetch, procedures included); the expected cards
(expected-26.json) were worked out by hand, each description shows how. Order-sign assesses as of today: the
records are moved in time (``redate``) so that today is the corpus's assessment date, and so are the dates the
expected summaries give."""

import json
import re
from datetime import date
from pathlib import Path

import pytest

from service.i18n import typeset
from support.answer_checks import cards_validator
from support.fhir_schema_check import schema_errors
from support.redate import redate, to_today

FOLDER = Path(__file__).resolve().parent / "corpus" / "order-sign"
EXPECTED = json.loads((FOLDER / "expected-26.json").read_text("utf-8"))
AS_OF = EXPECTED["as_of"]
CASES = EXPECTED["cases"]
SERVICE = "/cds-services/bonemet-order-sign"




def moved(text):
    """The expected text's dates as they stand today (the records are moved by the same number of days)."""
    days = (date.today() - date.fromisoformat(AS_OF)).days
    return re.sub(r"\d{4}-\d{2}-\d{2}", lambda match: redate(match.group(0), days), text)


def test_every_record_has_its_expected_cards_and_every_expectation_its_record():
    assert {p.stem for p in FOLDER.glob("*.json")} - {"expected-26"} == set(CASES)
    assert all(case["description"] for case in CASES.values())


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_order_sign(client, name, language):
    case = CASES[name]
    body = to_today(json.loads((FOLDER / f"{name}.json").read_text("utf-8")), AS_OF)
    response = client.post(SERVICE, json=body, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    cards = response.get_json()["cards"]
    shown = [(c["source"]["topic"]["code"], c["indicator"], c["summary"]) for c in cards]
    # What a person reads is set in French typography (i18n.typeset): the expected words are set the same way.
    wanted = [(c["topic"], c["indicator"], typeset(moved(c["summary"][language]), language)) for c in case["cards"]]
    assert shown == wanted, case["description"]
    for card, expected in zip(cards, case["cards"], strict=True):
        for words in expected["detail"][language]:
            assert typeset(moved(words), language) in card["detail"], (words, card["detail"])
        assert "ServiceRequest/" not in card["detail"] and "Procedure/" not in card["detail"]  # words, never ids
        proposal = expected.get("suggestion")
        if proposal is None:
            assert "suggestions" not in card
            continue
        (suggestion,) = card["suggestions"]
        assert card["selectionBehavior"] == "at-most-one"
        assert suggestion["label"] == typeset(proposal["label"][language], language)
        assert [a["type"] for a in suggestion["actions"]] == [a["type"] for a in proposal["actions"]]
        for action, wanted_action in zip(suggestion["actions"], proposal["actions"], strict=True):
            if action["type"] == "delete":  # CDS Hooks 2.0: resourceId, a relative reference
                assert action["resourceId"] == wanted_action["resourceId"] and "resource" not in action
                continue
            resource = action["resource"]
            assert schema_errors(resource) == []
            assert (resource["resourceType"], resource["status"], resource["intent"]) == (
                "ServiceRequest", "draft", "proposal")
            assert resource["code"]["coding"][0]["code"] == wanted_action["code"]
            assert resource["reasonReference"] == [{"reference": wanted_action["reason"]}]
            assert resource["subject"] == {"reference": wanted_action["subject"]}



@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_order_sign_answer_holds_to_the_cds_hooks_card_schema(client, language):
    """Suggestions with create and delete actions included: every answer of the order-sign records is a valid
    CDS Hooks 2.0 response as the service's OpenAPI document states it (HealthChain's strict models accept them
    too: tests/test_healthchain.py)."""
    validator = cards_validator(client)
    suggested = 0
    for name in sorted(CASES):
        body = to_today(json.loads((FOLDER / f"{name}.json").read_text("utf-8")), AS_OF)
        answer = client.post(SERVICE, json=body, headers={"Accept-Language": language}).get_json()
        errors = [error.message for error in validator.iter_errors(answer)]
        assert errors == [], (name, errors)
        suggested += sum(len(card.get("suggestions", [])) for card in answer["cards"])
    assert suggested >= 2  # the records with a create and a delete action are among them
    broken = {"cards": [{"summary": "s", "indicator": "info", "source": {"label": "l"},
                         "suggestions": [{"label": "x", "actions": [{"type": "delete", "description": "d",
                                                                     "resourceId": ["ServiceRequest/1"]}]}]}]}
    assert not validator.is_valid(broken)  # a list where CDS Hooks 2.0 says a string: refused
