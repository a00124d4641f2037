"""Order-sign and the guideline beyond the scores (issue 26): §2 dose and fractionation of a radiotherapy
order, §1.4's post-operative window for its start, the suggestions of the order checks (create and delete
actions) and the feedback that says which was accepted; the procedures prefetch, which an EHR may leave out."""

import uuid
from datetime import date, timedelta

import pytest
import responses
from test_order_sign import (
    FIXATION,
    LAMINECTOMY,
    LONG_COURSE,
    MIRELS_7,
    MIRELS_8_TO_10,
    MIRELS_9,
    RADES_GROUP_I,
    RADES_GROUP_III,
    RADIOTHERAPY,
    SERVICE,
    order,
    searchset,
)

from service.i18n import typeset
from support.fhir_builders import SCT, cc, coded, observation, patient, site
from support.fhir_schema_check import schema_errors

DOSE = "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/codexrt-radiotherapy-dose-prescribed-to-volume"
EHR = "https://ehr.example.org/fhir"
TODAY = date.today()


@pytest.fixture
def app(make_app):
    """One per test (a test counts the feedback stored), reading the EHR's FHIR server the tests stand in for."""
    return make_app(fhir_allowed_hosts="ehr.example.org")


@pytest.fixture
def client(app):
    return app.test_client()


def dose(total=None, fractions=None, unit="Gy"):
    """A draft ServiceRequest's prescription as the CodeX Radiation Therapy IG writes it (one volume)."""
    parts = []
    if total is not None:
        parts.append({"url": "totalDose", "valueQuantity": {"value": total, "unit": unit,
                                                            "system": "http://unitsofmeasure.org", "code": unit}})
    if fractions is not None:
        parts.append({"url": "fractions", "valuePositiveInt": fractions})
    return {"extension": [{"url": DOSE, "extension": parts}]}


def fixation_done(days_ago, reason="Condition/lesion-1", pid="p1"):
    return {"resourceType": "Procedure", "id": "fix-done", "status": "completed", "code": cc(SCT, "1653007"),
            "subject": {"reference": f"Patient/{pid}"}, "reasonReference": [{"reference": reason}],
            "performedDateTime": (TODAY - timedelta(days=days_ago)).isoformat()}


def radiotherapy_done(days_ago, reason="Condition/lesion-1"):
    return {"resourceType": "Procedure", "id": "rt-given", "status": "completed", "code": cc(SCT, "108290001"),
            "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": reason}],
            "performedDateTime": (TODAY - timedelta(days=days_ago)).isoformat()}


def request(conditions, observations, *orders, procedures=(), **top):
    body = {"hook": "order-sign", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1",
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": o} for o in orders]}},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations),
                         "procedures": searchset(*procedures) if procedures else None}}
    body.update(top)
    return body


def post(client, body, language="en"):
    response = client.post(SERVICE, json=body, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["cards"]


def by_topic(cards, code):
    return [card for card in cards if card["source"]["topic"]["code"] == code]


def mirels_7_not_oligometastatic():
    """Mirels 7 (radiotherapy is in line: no order check) and a visceral metastasis (no §1.5 advice)."""
    conditions, observations = MIRELS_7
    return conditions, [*observations, observation("visceral", "visceral-metastases", **coded("52101004", SCT))]


# ------------------------------------------------------------------ §2


@pytest.mark.parametrize(("total", "fractions", "unit", "en", "fr"), [
    (8, 1, "Gy", "8 Gy single fraction ordered: pain relief as with the other schemes, re-irradiation 20 % vs 8 %",
     "8 Gy en séance unique prescrits\u202f: antalgie équivalente aux autres schémas, ré-irradiation 20 % vs 8 %"),
    (2000, 5, "cGy", "20 Gy in 5 fractions ordered: pain relief as with 8 Gy single, re-irradiation 8 % vs 20 %",
     "20 Gy en 5 fractions prescrits\u202f: antalgie équivalente à 8 Gy en séance unique, ré-irradiation 8 % vs 20 %"),
    (24, 6, "Gy", "24 Gy in 6 fractions ordered: pain relief as with 8 Gy single, re-irradiation 8 % vs 20 %",
     "24 Gy en 6 fractions prescrits\u202f: antalgie équivalente à 8 Gy en séance unique, ré-irradiation 8 % vs 20 %"),
    (30, 10, "Gy", "30 Gy in 10 fractions ordered: pain relief as with 8 Gy single, re-irradiation 8 % vs 20 %",
     "30 Gy en 10 fractions prescrits\u202f: antalgie équivalente à 8 Gy en séance unique, ré-irradiation 8 % vs 20 %"),
])
def test_each_scheme_the_guideline_names_gets_its_comparison(client, total, fractions, unit, en, fr):
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(total, fractions, unit))
    for language, summary in (("en", en), ("fr", fr)):
        (card,) = post(client, request(*mirels_7_not_oligometastatic(), rt), language)
        assert card["summary"].startswith(typeset(summary, language)) and card["indicator"] == "info"
        # The order's site where it fits (two orders' cards read apart); the detail says it whole.
        assert card["summary"].endswith(" — left femur, shaft of femur" if language == "en" else
                                        " — fémur gauche, diaphyse fémorale"), card["summary"]
        assert card["source"]["topic"]["code"] == "fractionation" and "suggestions" not in card
        assert typeset("20 % after 8 Gy versus 8 %" if language == "en" else "20 % après 8 Gy vs 8 %",
                       language) in card["detail"]
        assert ("progression-free survival" if language == "en" else "survie sans progression") in card["detail"]
        assert "ServiceRequest/" not in card["detail"] and "ablative" not in card["detail"]
        # Each sentence once (the 8 Gy card printed the analysis of 29 trials twice: review 16), and no note of
        # the project's reviewers on a card ("Tableau 5 is named there but not in the seed text").
        sentences = [part.strip() for part in card["detail"].replace("\n", " ").split(". ") if len(part) > 30]
        assert len(sentences) == len(set(sentences)), card["detail"]
        assert "Tableau 5" not in card["detail"] and "seed" not in card["detail"]


def test_an_order_for_a_bone_no_score_reads_names_its_side_and_site_as_the_other_cards_do(client):
    """A left rib metastasis (no Mirels: not a long bone), its side coded: the §2 card read "— “Métastase costale”,
    2026-11-07" where patient-view says "left rib" (probe 14)."""
    rib = {"resourceType": "Condition", "id": "rib", "subject": {"reference": "Patient/p1"},
           "code": {**cc(SCT, "94222008"), "text": "Métastase costale"}, "bodySite": [site("113197003", "7771000")],
           "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")}
    visceral = observation("visceral", "visceral-metastases", **coded("52101004", SCT))  # no §1.5 advice either
    rt = order("rt", RADIOTHERAPY, reason="Condition/rib", **dose(30, 10))
    for language, place in (("en", "left rib"), ("fr", "côte gauche")):
        (card,) = post(client, request([rib], [visceral], rt), language)
        assert card["summary"].endswith(f" — {place}") and f"\n- {'For' if language == 'en' else 'Pour'}" in \
            card["detail"], card
        assert "Métastase costale" in card["detail"]  # which rib: its record, beside the side (regression check)
    # Beside a scored femur (whose Mirels applies to radiotherapy), the rib's order with its scheme is §2's to check:
    # it read "not checked: … whose scores do not apply to this kind of order" on a data-review card (probe 15).
    conditions, observations = MIRELS_7
    cards = post(client, request([*conditions, rib], [*observations, visceral], rt))
    assert not any("not checked" in card["detail"] for card in cards), [card["summary"] for card in cards]
    assert any(card["summary"].endswith(" — left rib") for card in by_topic(cards, "fractionation"))  # §2 checks it


@pytest.mark.parametrize("status", ["resolved", "remission", "active"])
def test_an_order_for_a_metastasis_recorded_as_over_says_so_beside_what_it_is_for(client, status):
    """An 8 Gy order naming a left femur metastasis resolved 20 days ago: the §2 card read "For: “Métastase diaphyse
    fémorale gauche”, 2026-10-08 — “Métastase diaphyse fémorale gauche”, 2026-10-08", the record twice and its status
    nowhere (probe 20). Once, with the status; the sources are silent on what to do, so nothing more is said."""
    femur = {"resourceType": "Condition", "id": "fg", "subject": {"reference": "Patient/p1"},
             "code": {**cc(SCT, "94222008"), "text": "Métastase diaphyse fémorale gauche"},
             "bodySite": [site("71341001", "7771000")],
             "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", status)}
    visceral = observation("visceral", "visceral-metastases", **coded("52101004", SCT))
    rt = order("rt", RADIOTHERAPY, reason="Condition/fg", **dose(8, 1))
    cards = post(client, request([femur], [visceral], rt))
    (card,) = by_topic(cards, "fractionation")
    (line,) = [line for line in card["detail"].splitlines() if line.startswith("- For")]
    assert line.count("Métastase diaphyse fémorale gauche") <= 1, line
    assert line.endswith("(recorded as no longer active: check what the order is for)") is (status != "active"), line


def test_20_gy_in_4_fractions_is_said_as_the_guideline_names_it_a_trial_arm_with_what_the_trials_found(client):
    """The guideline names 20 Gy/4 in its analysis of 29 trials (seed 004, §2): the card said it did not name it.
    It also says those trials found no difference in acute toxicity, beside "toxicity increased" after 8 Gy: both."""
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(20, 4))
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), rt))
    assert card["summary"].startswith("20 Gy in 4 fractions ordered: named by the guideline as a trial arm, response "
                                      "as with 8 Gy single")
    assert "no difference in pathological fracture, cord compression or acute toxicity" in card["detail"]
    # Which lesion the order is for, as two orders are told apart (a probe's two "Teleradiotherapy procedure").
    assert card["detail"].startswith("**Order**: ")
    assert "\n- For: left femur, shaft of femur\n- Scheme ordered: 20 Gy in 4" in card["detail"], card["detail"]
    single = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(8, 1))
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), single))
    assert "more toxicity" in card["detail"] and "no difference in pathological fracture" in card["detail"]


def test_a_scheme_the_guideline_does_not_name_gets_one_line(client):
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(25, 5))
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), rt))
    assert card["summary"].startswith("25 Gy in 5 fractions ordered: not among the schemes the guideline names "
                                      "(30 Gy/10, 24 Gy/6, 20 Gy/5, 8 Gy/1; 20 Gy/4 in trials)")
    assert "re-irradiation" not in card["detail"]  # no comparison for a scheme the guideline does not compare
    (french,) = post(client, request(*mirels_7_not_oligometastatic(), rt), "fr")
    assert french["summary"].startswith("25 Gy en 5 fractions prescrits\u202f: hors des schémas que cite la "
                                        "recommandation")


@pytest.mark.parametrize(("name", "differs"), [("RTE fémur G 30 Gy en 10 fractions", True),
                                               ("RTE fémur G 3000 cGy", True), ("RTE fémur G 8 Gy", False),
                                               ("RTE fémur G 1 x 8Gy", False), ("RTE fémur G", False),
                                               ("RTE fémur G 8 GY", False), ("RTE fémur G 3000 CGY", True)])
def test_an_order_whose_name_writes_another_dose_than_it_prescribes_says_it_first(client, name, differs):
    """Probe 18: the prescription 8 Gy in 1 fraction, the order's name "30 Gy en 10 fractions": the §2 card compared
    8 Gy/1 with no word of the name. Which is meant comes first, as a warning; a name writing the prescribed total
    or its dose per fraction, or no dose, says nothing. The name's dose is never read as the scheme."""
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(8, 1))
    rt["code"]["text"] = name
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), rt))
    assert card["summary"].startswith("Another dose in its name, check it first: 8 Gy in 1 fraction — left femur") \
        is differs, card["summary"]
    assert (card["indicator"] == "warning") is differs
    assert ("**Check first**: the order's name writes another dose" in card["detail"]) is differs
    assert "Scheme ordered: 8 Gy in 1 fraction" in card["detail"]
    # A dose per fraction written to two decimals is that dose (review 18: 20 Gy in 3, "6,66 Gy", was flagged).
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(20, 3))
    rt["code"]["text"] = "RTE fémur G 3 x 6,66 Gy"
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), rt))
    assert "Another dose" not in card["summary"], card["summary"]


def test_half_a_scheme_names_what_is_missing_and_no_scheme_gives_no_card(client):
    only_fractions = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(fractions=5))
    (card,) = post(client, request(*mirels_7_not_oligometastatic(), only_fractions))
    assert card["summary"].startswith("Radiotherapy ordered without its total dose: the scheme cannot be compared "
                                      "with the guideline's")
    (french,) = post(client, request(*mirels_7_not_oligometastatic(),
                                     order("rt", RADIOTHERAPY, **dose(total=8))), "fr")
    assert french["summary"].startswith("Radiothérapie prescrite sans nombre de fractions\u202f:")
    # Most orders state no dose: said to the integrator, never a card each.
    assert post(client, request(*mirels_7_not_oligometastatic(), order("rt", RADIOTHERAPY))) == []


def test_a_dose_in_another_unit_is_not_read(client):
    rt = order("rt", RADIOTHERAPY, **dose(30, 10, unit="mGy"))
    card, review = post(client, request(*mirels_7_not_oligometastatic(), rt))
    assert "without its total dose" in card["summary"]
    assert "its total dose '30 mGy' is not read" in review["detail"]  # said where the clinician reads it


def test_a_dose_given_as_a_bound_a_part_given_twice_or_no_fractions_are_not_read_and_said(client):
    """"> 8 Gy" is a bound, not the dose ordered (it was read as 8 Gy in one fraction); two fraction counts in one
    prescription say neither; 0 fractions is no count. Each is said, never taken for a scheme."""
    bound = dose(8, 1)
    bound["extension"][0]["extension"][0]["valueQuantity"]["comparator"] = ">"
    cards = post(client, request(*mirels_7_not_oligometastatic(), order("rt", RADIOTHERAPY, **bound)))
    assert not any("8 Gy single fraction" in card["summary"] for card in cards)
    assert "given as a bound ('\\> 8 Gy'), not as the dose" in cards[-1]["detail"]  # ">" escaped for Markdown
    twice = dose(30, 10)
    twice["extension"][0]["extension"].append({"url": "fractions", "valuePositiveInt": 5})
    cards = post(client, request(*mirels_7_not_oligometastatic(), order("rt", RADIOTHERAPY, **twice)))
    assert not any("30 Gy in" in card["summary"] for card in cards)
    assert "its number of fractions is given more than once in one prescription" in cards[-1]["detail"]
    cards = post(client, request(*mirels_7_not_oligometastatic(), order("rt", RADIOTHERAPY, **dose(30, 0))))
    assert "number of fractions '0' is not a positive whole number" in cards[-1]["detail"]
    # Probe 28 (r14): 10 fractions sent as an unsignedInt read "ordered without its number of fractions" beside its
    # name "30 Gy/10": the same number, read; 0 so sent is no count, as above.
    for value, said in ((10, "30 Gy in 10 fractions ordered"), (0, "number of fractions '0' is not a positive")):
        unsigned = dose(30, 10)
        unsigned["extension"][0]["extension"][1] = {"url": "fractions", "valueUnsignedInt": value}
        cards = post(client, request(*mirels_7_not_oligometastatic(), order("rt", RADIOTHERAPY, **unsigned)))
        assert said in cards[-1]["summary"] + cards[-1]["detail"], cards[-1]


def test_rades_group_i_long_course_keeps_its_warning_and_the_scheme_is_compared_beside_it(client):
    rt = order("rt", LONG_COURSE, reason="Condition/mscc", **dose(30, 10))
    cards = post(client, request(*RADES_GROUP_I, rt))
    assert [(c["indicator"], c["source"]["topic"]["code"]) for c in cards] == [("warning", "rades"),
                                                                               ("info", "fractionation")]
    assert "prefer hypofractionation" in cards[0]["summary"]
    assert sum("hypofractionation" in c["summary"] for c in cards) == 1  # said once


def test_where_the_oligometastatic_advice_applies_the_card_names_the_ablative_techniques(client):
    conditions, observations = MIRELS_7  # one site, visceral status not recorded: §1.5 "possible"
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(8, 1))
    (card,) = post(client, request(conditions, observations, rt))
    assert "stereotactic radiotherapy" in card["detail"] and "normo-fractionated" in card["detail"]
    (french,) = post(client, request(conditions, observations, rt), "fr")
    assert "stéréotaxie" in french["detail"] and "normo-fractionné" in french["detail"]


# ------------------------------------------------------------------ suggestions and feedback


def test_radiotherapy_alone_with_mirels_9_proposes_a_surgical_opinion_and_withdrawing_the_order(client):
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1")
    (card,) = post(client, request(*MIRELS_9, rt))
    (suggestion,) = card["suggestions"]
    assert card["selectionBehavior"] == "at-most-one" and suggestion["label"].startswith("Request an orthopaedic")
    create, delete = suggestion["actions"]
    proposal = create["resource"]
    assert create["type"] == "create" and schema_errors(proposal) == []
    assert (proposal["resourceType"], proposal["status"], proposal["intent"]) == ("ServiceRequest", "draft", "proposal")
    assert proposal["code"]["coding"][0]["code"] == "orthopaedic-surgical-opinion"
    assert proposal["subject"] == {"reference": "Patient/p1"}
    assert proposal["reasonReference"] == [{"reference": "Condition/lesion-1"}]
    assert delete == {"type": "delete", "resourceId": "ServiceRequest/rt",
                      "description": "Withdraw the draft order (Teleradiotherapy procedure)"}
    (french,) = post(client, request(*MIRELS_9, rt), "fr")
    assert french["suggestions"][0]["actions"][0]["resource"]["code"]["text"] == (
        "Avis chirurgical orthopédique de fixation prophylactique")


def test_an_order_with_no_id_is_not_deleted_and_a_possible_finding_proposes_nothing(client):
    body = request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    del body["context"]["draftOrders"]["entry"][0]["resource"]["id"]
    (card,) = post(client, body)
    assert [a["type"] for a in card["suggestions"][0]["actions"]] == ["create"]
    cards = post(client, request(*MIRELS_8_TO_10, order("rt", RADIOTHERAPY, reason="Condition/lesion-1")))
    assert cards and all("suggestions" not in c for c in cards)


def test_decompressive_surgery_in_rades_group_i_proposes_withdrawing_it(client):
    (card,) = post(client, request(*RADES_GROUP_I, order("lam", LAMINECTOMY, reason="Condition/mscc")))
    (suggestion,) = card["suggestions"]
    assert suggestion["actions"] == [{"type": "delete", "resourceId": "ServiceRequest/lam",
                                      "description": suggestion["actions"][0]["description"]}]


def test_feedback_records_the_suggestion_accepted(app, client):
    (card,) = post(client, request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1")))
    suggestion = card["suggestions"][0]["uuid"]
    feedback = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": suggestion}],
                              "outcomeTimestamp": "2026-12-06T10:00:00Z"}]}
    response = client.post(f"{SERVICE}/feedback", json=feedback)
    assert response.status_code == 200 and response.get_json() == {"stored": 1, "already_stored": 0}
    (row,) = app.extensions["bonemet_feedback"].all()
    assert (row["service_id"], row["card"], row["outcome"]) == ("bonemet-order-sign", card["uuid"], "accepted")
    assert row["accepted_suggestions"] == f'[{{"id": "{suggestion}"}}]'
    wrong = {"feedback": [{**feedback["feedback"][0], "acceptedSuggestions": [{"id": str(uuid.uuid4())}]}]}
    assert client.post(f"{SERVICE}/feedback", json=wrong).status_code == 422


# ------------------------------------------------------------------ §1.4


def starting(days_from_now):
    return {"occurrenceDateTime": (TODAY + timedelta(days=days_from_now)).isoformat()}


def test_a_start_outside_the_post_operative_window_is_a_warning(client):
    """Fixation 10 days ago: the window runs from day 15 to day 21, today + 5 to today + 11."""
    opens, closes = (TODAY + timedelta(days=5)).isoformat(), (TODAY + timedelta(days=11)).isoformat()
    early = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **starting(2))
    (card,) = post(client, request(*MIRELS_9, early, procedures=[fixation_done(10)]))
    assert card["indicator"] == "warning" and card["source"]["topic"]["code"] == "post-operative"
    assert card["summary"] == (f"Radiotherapy to start {(TODAY + timedelta(days=2)).isoformat()}, outside the "
                               f"post-operative window {opens} to {closes} (§1.4) — left femur, shaft of femur")
    assert "healed skin" in card["detail"] and "Procedure/" not in card["detail"]
    (french,) = post(client, request(*MIRELS_9, early, procedures=[fixation_done(10)]), "fr")
    assert french["summary"].startswith("Radiothérapie débutant le") and "hors de la fenêtre" in french["summary"]
    # The place is the treated lesion's, not the operation's own bodySite (review 29: "— right femur" for the left's).
    from support.fhir_builders import FEMUR, RIGHT, site

    elsewhere = fixation_done(10) | {"bodySite": [site(FEMUR, RIGHT)]}
    (card,) = [c for c in post(client, request(*MIRELS_9, early, procedures=[elsewhere]))
               if c["source"]["topic"]["code"] == "post-operative"]
    assert card["summary"].endswith("(§1.4) — left femur, shaft of femur"), card["summary"]


def test_a_start_inside_the_window_says_nothing_and_no_start_says_the_window(client):
    inside = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **starting(7))
    assert post(client, request(*MIRELS_9, inside, procedures=[fixation_done(10)])) == []
    (card,) = post(client, request(*MIRELS_9, order("rt", RADIOTHERAPY), procedures=[fixation_done(18)]))
    opens, closes = (TODAY - timedelta(days=3)).isoformat(), (TODAY + timedelta(days=3)).isoformat()
    assert card["indicator"] == "info"
    assert card["summary"] == (f"Radiotherapy ordered without a start date: post-operative window {opens} to {closes} "
                               "(§1.4) — left femur, shaft of femur")


def test_a_start_in_the_window_of_some_days_of_an_operation_known_to_its_month_only_is_a_warning(client):
    """An operation dated by its month: a start on its 26th day falls in the window only if the operation was done
    on the 5th to the 11th. It was said nothing (inside the widest window): now the card says on which days."""
    month = (TODAY - timedelta(days=40)).replace(day=1)
    operated = fixation_done(0)
    operated["performedDateTime"] = month.strftime("%Y-%m")
    start = {"occurrenceDateTime": (month + timedelta(days=25)).isoformat()}
    (card,) = post(client, request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **start),
                                   procedures=[operated]))
    first, last = (month + timedelta(days=4)).isoformat(), (month + timedelta(days=10)).isoformat()
    assert card["indicator"] == "warning" and card["summary"] == (
        f"Radiotherapy to start {start['occurrenceDateTime']}: in the post-operative window only if "
        f"operated {first} to {last} (§1.4) — left femur, shaft of femur")


def test_an_orders_start_as_a_timing_event_that_is_no_date_is_refused_not_read_as_its_year(client):
    """occurrenceTiming.event ["20261208"] was read as the whole of 2026: "in the window", and the §1.4 card went
    without a word; $assess refuses it (the FHIR models). The hook does too, naming the element."""
    start = {"occurrenceTiming": {"event": ["20261208"]}}
    body = request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **start),
                   procedures=[fixation_done(10)])
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == "context.draftOrders.entry[0].resource.occurrenceTiming.event[0]"
    from service.facts.dates import parse_date

    assert [parse_date(text) for text in ("20261208", "2026-1208", "2026-12-08 10:00")] == [None, None, None]
    assert parse_date("2026-12-08T10:00:00+01:00").text == "2026-12-08"  # the day, as messages say it


def test_an_order_for_another_lesion_is_not_held_to_the_window(client):
    other = order("rt", RADIOTHERAPY, reason="Condition/other", **starting(1))
    assert post(client, request(*MIRELS_9, other, procedures=[fixation_done(10)])) == []


def test_the_period_start_and_the_timing_event_are_read_as_the_start(client):
    """And a repeat's bounds (probe 19: "5 fractions, daily, from …" read "without a start date")."""
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for start in ({"occurrencePeriod": {"start": tomorrow}}, {"occurrenceTiming": {"event": [tomorrow]}},
                  {"occurrenceTiming": {"repeat": {"boundsPeriod": {"start": tomorrow}, "count": 5,
                                                   "frequency": 1, "period": 1, "periodUnit": "d"}}}):
        rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **start)
        (card,) = post(client, request(*MIRELS_9, rt, procedures=[fixation_done(10)]))
        assert card["indicator"] == "warning" and "outside the post-operative window" in card["summary"]


def test_discovery_asks_both_services_for_procedures(client):
    for service in client.get("/cds-services").get_json()["services"]:
        assert service["prefetch"]["procedures"] == "Procedure?patient={{context.patientId}}"


def test_procedures_left_out_without_a_fhir_server_is_no_412(client):
    body = request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **starting(2)))
    del body["prefetch"]["procedures"]
    cards = post(client, body)  # 200: the other keys are there
    assert [c["source"]["topic"]["code"] for c in cards] == ["mirels"]  # no window card, and no review card
    body["prefetch"].pop("conditions")  # a required key is still required
    assert client.post(SERVICE, json=body).status_code == 412


@responses.activate
def test_procedures_left_out_are_fetched_from_the_fhir_server(client):
    responses.get(f"{EHR}/Procedure", json=searchset(fixation_done(10)))
    body = request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **starting(2)), fhirServer=EHR)
    del body["prefetch"]["procedures"]
    cards = post(client, body)
    assert [c["source"]["topic"]["code"] for c in cards] == ["post-operative"]
    assert [call.request.url for call in responses.calls] == [f"{EHR}/Procedure?patient=p1"]


def test_fixation_ordered_with_radiotherapy_still_gets_its_own_check(client):
    """Nothing done yet: the order check of §1.4 (fixation and radiotherapy ordered together) is unchanged."""
    cards = post(client, request(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                                 order("fix", FIXATION, reason="Condition/lesion-1")))
    assert [c["indicator"] for c in cards] == ["info"] and "suggestions" not in cards[0]


def test_an_order_by_body_site_is_held_to_the_window_of_an_operation_of_that_bone_and_side(client):
    from support.fhir_builders import FEMUR_SHAFT, LEFT, RIGHT
    fixation = fixation_done(10) | {"bodySite": [site(FEMUR_SHAFT, LEFT)]}
    same = order("rt", RADIOTHERAPY, body_site=site(FEMUR_SHAFT, LEFT), **starting(1))
    (card,) = post(client, request(*MIRELS_9, same, procedures=[fixation]))
    assert card["source"]["topic"]["code"] == "post-operative" and card["indicator"] == "warning"
    other_side = order("rt", RADIOTHERAPY, body_site=site(FEMUR_SHAFT, RIGHT), **starting(1))
    # Not held to the left femur's window; no lesion is scored on the right femur: said as not checked.
    assert [c["source"]["topic"]["code"] for c in post(client, request(*MIRELS_9, other_side, procedures=[fixation]))
            ] == ["data-review"]


def test_patient_view_reads_the_procedures_prefetch_for_the_post_operative_window(client):
    body = request(*MIRELS_9, procedures=[fixation_done(10)])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    response = client.post("/cds-services/bonemet-patient-view", json=body)
    advice = by_topic(response.get_json()["cards"], "post-operative")
    assert [card["indicator"] for card in advice] == ["info"], response.get_json()["cards"]
    month = (TODAY - timedelta(days=20)).replace(day=1)  # a month, some of whose days put the window on today
    by_month = fixation_done(0) | {"performedDateTime": month.strftime("%Y-%m")}
    body = request(*MIRELS_9, procedures=[by_month])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (advice,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"],
                         "post-operative")
    first, last = max(month, TODAY - timedelta(days=21)), TODAY - timedelta(days=15)
    assert advice["summary"].endswith(f"post-operative radiotherapy now only if operated {first} to {last}"), advice
    # In French, whole and well said: "opéré du ... au ..." (it read "opéré le 01/11 au 30/11", and was cut before
    # the last date, the one that decides "now"; a probe's finding). The place's region gives way.
    french = client.post("/cds-services/bonemet-patient-view", json=body, headers={"Accept-Language": "fr"})
    (advice,) = by_topic(french.get_json()["cards"], "post-operative")
    assert f"opéré du {month.strftime('01/%m/%Y')} au " in advice["summary"], advice["summary"]
    assert advice["summary"].endswith(f"seulement si opéré du {first:%d/%m/%Y} au {last:%d/%m/%Y}"), advice["summary"]


@pytest.mark.parametrize("status,said", [("in-progress", "in progress"), ("preparation", "in preparation"),
                                         ("on-hold", "on hold"), ("stopped", "stopped before its end"),
                                         ("unknown", "with its status unknown"), ("not-done", None),
                                         ("entered-in-error", None)])
def test_a_fixation_of_the_lesion_not_known_done_is_said_first_on_its_mirels_card(client, status, said):
    """A fixation in progress for the femur scored Mirels 9: the card said "fixation first" with no word of it (a
    probe's finding). It is said before the action, named by its words. So is one stopped part-way (FHIR: some of
    it was done) or of unknown status, which were ignored; one in error says nothing, one not done is said as such
    (probe 28: refused; the test below)."""
    under_way = fixation_done(0) | {"status": status}
    del under_way["performedDateTime"]
    body = request(*MIRELS_9, procedures=[under_way])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    if said is None:
        assert ("check it first" in card["summary"]) is ("Check first" in card["detail"]) is (status == "not-done")
        return
    assert ": fixation recorded, check it first — surgical fixation" in card["summary"], card["summary"]
    assert f"**Check first**: a fixation of this lesion is recorded {said} (“" in card["detail"]
    assert "Procedure/" not in card["detail"] and "a resource (Procedure)" not in card["detail"]
    # What an EHR stores shows it too: the narratives of the resources the suggestion creates open with it.
    for action in card["suggestions"][0]["actions"]:
        assert f"Check first: a fixation of this lesion is recorded {said}" in action["resource"]["text"]["div"]


def test_a_fixation_recorded_as_done_on_a_day_to_come_is_said_first_on_its_mirels_card(client):
    """Probe 23 (t05, v14): a fixation "completed", performed in two days: said nowhere, the card offering fixation.
    Its date or its status is wrong: said first, as one not known done."""
    body = request(*MIRELS_9, procedures=[fixation_done(-2)])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    assert ": fixation recorded, check it first — surgical fixation" in card["summary"], card["summary"]
    assert "**Check first**: a fixation of this lesion is recorded as done on a day after this assessment (“" in \
        card["detail"]


def test_patient_view_without_the_procedures_says_on_each_mirels_card_that_a_fixation_is_not_known(client):
    """No procedures prefetched and no server to fetch them from: the femur may have been fixed since, which would
    take Mirels away; the score card says so first (a probe's nailed femur got "fixation first" with no word)."""
    body = request(*MIRELS_9)
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"], body["prefetch"]["procedures"]
    cards = client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"]
    (score,) = by_topic(cards, "mirels")
    assert score["detail"].startswith("**Check first**: the EHR did not send the patient's operations")
    body["prefetch"]["procedures"] = None  # the query found none: nothing to say
    cards = client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"]
    assert not any("did not send the patient's operations" in card["detail"] for card in cards)


def test_patient_view_with_the_first_page_of_procedures_only_says_they_were_sent_in_part(client):
    """Review 21 (#7): the procedures' first page only, no server to read the next: the Mirels card said "the EHR did
    not send the patient's operations". It says they were sent in part; the data card says which query."""
    body = request(*MIRELS_9)
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    body["prefetch"]["procedures"] = {"resourceType": "Bundle", "type": "searchset", "entry": [], "link": [
        {"relation": "next", "url": "https://ehr.example.org/fhir/Procedure?patient=p1&page=2"}]}
    cards = client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"]
    (score,) = by_topic(cards, "mirels")
    assert score["detail"].startswith("**Check first**: the EHR sent only part of the patient's operations: if this "
                                      "bone has already been fixed, Mirels no longer applies.")
    assert "did not send" not in score["detail"]
    (review,) = by_topic(cards, "data-review")
    assert "- The EHR sent the first page of the patient's procedures only" in review["detail"], review["detail"]


def test_procedures_left_out_is_a_line_of_the_mapping_report_not_a_warning(app):
    """What _gather keeps for the report: the line says §1.4 was not checked, and asks no one's attention."""
    from service.fhir.patients import PatientIdentity
    from service.web.cds_hooks import _gather
    body = request(*MIRELS_9, order("rt", RADIOTHERAPY))
    del body["prefetch"]["procedures"]
    with app.test_request_context():
        gathered = _gather(body, PatientIdentity("p1", None))
    (line,) = gathered.not_read
    assert line.resource == "prefetch.procedures" and not line.attention and not line.relevant
    assert "post-operative window (§1.4) was not checked" in str(line.reason)


def test_an_earlier_fixation_or_radiotherapy_of_the_same_bone_is_said_as_such_on_the_lesions_card(client):
    """A nail of the left femur in 2015 beside a left femur lesion begun last month: the card offered "fixation first"
    with no word of the implant (a probe's finding). A radiotherapy of that femur in 2019 was said as "this card's
    advice may be what was given": it is not of this lesion. Each is said as what it is."""
    from support.fhir_builders import FEMUR_SHAFT, LEFT, lesion

    conditions = [lesion(onset=(TODAY - timedelta(days=30)).isoformat())]
    nail = {"resourceType": "Procedure", "id": "nail", "status": "completed", "code": cc(SCT, "1653007"),
            "subject": {"reference": "Patient/p1"}, "bodySite": [site(FEMUR_SHAFT, LEFT)],
            "performedDateTime": "2015-06-03"}
    course = nail | {"id": "rt-2019", "code": cc(SCT, "108290001"), "performedDateTime": "2019-03-03"}
    body = request(conditions, MIRELS_9[1], procedures=[nail, course])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    assert ": fixation recorded, check it first — surgical fixation" in card["summary"], card["summary"]
    assert ("**Check first**: a fixation of the same bone and side is recorded before this lesion began (“"
            in card["detail"]) and "2015-06-03): check what it fixed before any other fixation" in card["detail"]
    assert "a radiotherapy of the same bone and side is recorded before this lesion began" in card["detail"]
    assert "may be what was given" not in card["detail"]


@pytest.mark.parametrize("status,said", [("provisional", "provisional diagnosis"),
                                         ("differential", "differential diagnosis"),
                                         ("unconfirmed", "diagnosis not confirmed"), ("confirmed", None)])
def test_a_diagnosis_not_confirmed_is_said_before_the_action_it_drives(client, status, said):
    """A provisional lesion got a critical "surgical fixation opinion" whose only sign was "Flags: Diagnosis:
    unconfirmed" deep in the detail (a probe's finding): the summary says it before the action, in its own words."""
    from support.fhir_builders import lesion

    body = request([lesion(verification=status)], MIRELS_9[1])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    if said is None:
        assert "confirmed" not in card["summary"] and "provisional" not in card["summary"]
        return
    assert f": {said} — surgical fixation opinion" in card["summary"], card["summary"]
    answer = client.post("/cds-services/bonemet-patient-view", json=body, headers={"Accept-Language": "fr"})
    french = by_topic(answer.get_json()["cards"], "mirels")[0]["summary"]
    assert "diagnostic" in french and "diagnosis" not in french, french


def test_a_score_resting_on_undated_records_says_so_in_its_summary(client):
    """Size, type and pain with no date (an encounter reference only): they count, as the moment of a record with
    no date cannot be checked, but the card said "Mirels score 9: surgical fixation opinion" and nothing of it in
    the summary (a probe's finding). The summary says the records are undated, in both languages."""
    undated = [{key: value for key, value in observation.items() if key != "effectiveDateTime"}
               for observation in MIRELS_9[1]]
    body = request(MIRELS_9[0], undated)
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    for language, words in (("en", "(records undated)"), ("fr", "(données non datées)")):
        answer = client.post("/cds-services/bonemet-patient-view", json=body, headers={"Accept-Language": language})
        (card,) = by_topic(answer.get_json()["cards"], "mirels")
        assert card["summary"].endswith(words), card["summary"]
    dated = client.post("/cds-services/bonemet-patient-view", json=request(*MIRELS_9) | {
        "hook": "patient-view", "context": {"userId": "Practitioner/doc", "patientId": "p1"}}).get_json()["cards"]
    assert "undated" not in by_topic(dated, "mirels")[0]["summary"]


def test_a_fixation_naming_the_lesion_dated_before_its_onset_is_said_first(client):
    """A nailing whose reason names the lesion, 40 days ago, and a lesion whose onset (a pathology report's date,
    say) is 20 days ago: the fixation was skipped as "before the lesion began", and the card asked for a fixation
    with no word of it (an outside review's finding). Which date is right is not known: it is said first."""
    from support.fhir_builders import lesion

    body = request([lesion(onset=(TODAY - timedelta(days=20)).isoformat())], MIRELS_9[1],
                   procedures=[fixation_done(40)])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    assert "fixation recorded, check it first" in card["summary"], card["summary"]
    assert "a fixation naming this lesion is recorded before the lesion's onset (“" in card["detail"]


def test_a_fixation_of_the_same_bone_is_said_first_where_the_lesions_side_is_recorded_both_ways(client):
    """A lesion coded right femur whose text says "Fémur gauche", the right femur nailed 20 days ago: with no side
    picked, the nail no longer linked by side, and the card asked for a fixation (an outside review's finding)."""
    from support.fhir_builders import FEMUR_SHAFT, RIGHT, lesion

    resource = lesion(side=RIGHT)
    resource["bodySite"][0]["text"] = "Fémur gauche"
    nail = fixation_done(20) | {"bodySite": [site(FEMUR_SHAFT, RIGHT)]}
    del nail["reasonReference"]
    body = request([resource], MIRELS_9[1], procedures=[nail])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    assert "fixation recorded, check it first" in card["summary"], card["summary"]
    assert "a fixation of the same bone is recorded (“" in card["detail"]


@pytest.mark.parametrize("change", [{"clinicalStatus": {"text": "résolu"}},
                                    {"abatementBoolean": True}])
def test_a_lesion_whose_record_may_say_it_is_over_says_its_status_is_to_check_first(client, change):
    """A probe's humerus with its clinical status in words ("résolu") and a femur with abatementBoolean beside
    "active": critical "fixation first" cards with nothing in the summary. The summary says the status is to check;
    for §1.5 such a lesion may be a site (a range), named."""
    from support.fhir_builders import lesion

    body = request([lesion() | change], MIRELS_9[1])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    cards = client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"]
    (score,) = by_topic(cards, "mirels")
    assert ": status to check — surgical fixation opinion" in score["summary"], score["summary"]
    (oligo,) = by_topic(cards, "oligometastatic")
    assert "its status is not clear, so it may be a site" in oligo["detail"], oligo["detail"]


def test_an_order_for_a_lesion_already_irradiated_says_it_would_irradiate_it_again(client):
    """An 8 Gy order for a femur irradiated 100 days ago compared the schemes and never said the lesion had had one
    (probe 11)."""
    given = radiotherapy_done(100)
    given["code"]["text"] = "RTE 8 Gy fémur G"
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(8, 1))
    (card,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt, procedures=[given])),
                       "fractionation")
    assert "**Already irradiated: this order would irradiate it again" in card["detail"]
    assert f"- “RTE 8 Gy fémur G”, {(TODAY - timedelta(days=100)).isoformat()}" in card["detail"]
    # Said first (probe 16: at the foot of the card, after the trials), the site kept in the summary.
    assert card["summary"] == ("Site already irradiated — 8 Gy single fraction ordered: pain relief as with the other "
                               "schemes, re-irradiation 20 % vs 8 % — left femur")
    assert card["detail"].index("Already irradiated") < card["detail"].index("A single 8 Gy fraction")
    (french,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt, procedures=[given]), "fr"),
                         "fractionation")
    assert french["summary"].startswith("Site déjà irradié — 8 Gy en séance unique prescrits") and \
        french["summary"].endswith("— fémur gauche"), french["summary"]
    # With another dose in its name too (review 18: that went unsaid, and the order's lines fell under the courses).
    rt["code"]["text"] = "RTE fémur G 30 Gy en 10 fractions"
    (card,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt, procedures=[given])),
                       "fractionation")
    assert card["summary"] == ("Another dose in its name, check it first; site already irradiated: 8 Gy in 1 fraction "
                               "— left femur, shaft of femur"), card["summary"]
    detail = card["detail"]
    assert detail.index("**Check first**") < detail.index("- For:") < detail.index("- Scheme ordered") < \
        detail.index("**Already irradiated"), detail
    (card,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt)), "fractionation")
    assert "Already irradiated" not in card["detail"]


def test_a_radiotherapy_order_of_no_scheme_for_a_site_already_irradiated_still_says_so(client):
    """No scheme stated, so no §2 card: a radiotherapy order for a site irradiated 300 days ago (a probe's cord
    compression) gave no card at all (probe 11)."""
    given = radiotherapy_done(300)
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1")
    (card,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt, procedures=[given])),
                       "fractionation")
    assert card["summary"].startswith("Radiotherapy ordered for a site already irradiated — left femur"), \
        card["summary"]
    assert "**Already irradiated: this order would irradiate it again" in card["detail"]
    assert by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt)), "fractionation") == []


@pytest.mark.parametrize(("words", "summary"), [
    ("Cimentoplastie du fémur gauche", "operation recorded, check it first"),
    ("Enclouage centromédullaire du fémur gauche", "operation recorded, check it first")])
def test_an_operation_coded_outside_the_lists_is_not_called_a_fixation_in_the_summary(client, words, summary):
    """A CCAM-coded femoral cementoplasty naming the lesion read "fixation recorded, check it first" (the ninth
    session's note): what it was is not read, so the summary says an operation, as its detail line does; a coded
    fixation keeps its word."""
    operation = fixation_done(10) | {"code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam",
                                                          "code": "NBLB001"}], "text": words}}
    body = request(*MIRELS_9, procedures=[operation])
    body["hook"] = "patient-view"
    del body["context"]["draftOrders"]
    (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=body).get_json()["cards"], "mirels")
    assert f": {summary} — " in card["summary"] and "fixation recorded" not in card["summary"], card["summary"]
    assert "an operation of this lesion is recorded (“" in card["detail"]


@pytest.mark.parametrize("code, words", [("1653007", "Enclouage prophylactique fémur gauche"),
                                         ("33195004", "Radiothérapie fémur gauche")])
def test_an_order_for_a_metastasis_recorded_as_resolved_only_is_said(client, code, words):
    """Probe 22 (h6b, h6c): a prophylactic fixation, or a radiotherapy, whose only reason is a femur metastasis
    recorded as resolved: no card at all. Nothing scores it and the sources are silent on what to do: the order is
    named, with why it was not checked."""
    from support.fhir_builders import condition, lesion

    resolved = lesion("res", clinical="resolved", onset="2025-06-01")
    resolved["code"]["text"] = "Métastase diaphyse fémorale gauche (traitée)"
    order = {"resourceType": "ServiceRequest", "id": "ord", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "code": {**cc(SCT, code), "text": words},
             "reasonReference": [{"reference": "Condition/res"}]}
    said = (f"- **“{words}”**: not checked: the diagnosis it is for (“Métastase diaphyse fémorale gauche (traitée)”, "
            "2025-06-01) is recorded as over; check what the order is for")
    (review,) = by_topic(post(client, request([resolved], [], order)), "data-review")
    assert said in review["detail"], review["detail"]
    # Review 24: beside the primary cancer in its reasons too; and a metastasis refuted.
    breast = condition("breast", SCT, "254837009", onset="2019-01-01")
    both = {**order, "reasonReference": [{"reference": "Condition/res"}, {"reference": "Condition/breast"}]}
    (review,) = by_topic(post(client, request([resolved, breast], [], both)), "data-review")
    assert said in review["detail"], review["detail"]
    # Review 27: a refuted one is said refuted ("over or refuted" left the clinician to guess which).
    refuted = lesion("res", verification="refuted", onset="2025-06-01")
    refuted["code"]["text"] = "Métastase diaphyse fémorale gauche (traitée)"
    (review,) = by_topic(post(client, request([refuted], [], order)), "data-review")
    assert said.replace("is recorded as over;", "is recorded as refuted, so there is no metastasis there to treat;") \
        in review["detail"], review["detail"]
    (review,) = by_topic(post(client, request([refuted, resolved | {"id": "res2"}], [], {
        **order, "reasonReference": [{"reference": "Condition/res"}, {"reference": "Condition/res2"}]})), "data-review")
    assert "are recorded as over, refuted or entered in error" in review["detail"], review["detail"]
    (review,) = by_topic(post(client, request([refuted], [], order), language="fr"), "data-review")
    assert "est enregistré comme réfuté\u202f: il n'y a donc pas de métastase à traiter là" in review["detail"]


def test_a_fixation_of_a_femur_with_no_side_says_the_other_femur_it_may_be_for(client):
    """Probe 24 (x13): a fixation ordered for "femur", no side, the left femur Mirels 10, the right Mirels 5: the only
    card was the right femur's "Fixation ordered, Mirels ≤ 7: observation", the left femur's named nowhere. Its card
    says first the other lesion it may be for, with that one's score and advice."""
    from support.fhir_builders import FEMUR, FEMUR_SHAFT, LEFT, RIGHT, lesion, lesion_observations

    left = lesion("left", FEMUR_SHAFT, LEFT)
    right = lesion("right", FEMUR_SHAFT, RIGHT)
    observations = [*lesion_observations("Condition/left", size=(70, "%"), prefix="l"),
                    *lesion_observations("Condition/right", size=(20, "%"), kind="blastic", pain="mild", prefix="r")]
    fixation = order("fix", FIXATION, body_site=site(FEMUR))
    cards = post(client, request([left, right], observations, fixation))
    (card,) = by_topic(cards, "mirels")
    assert "Mirels ≤ 7" in card["summary"] and card["summary"].endswith("if the order is for it"), card["summary"]
    assert card["detail"].startswith("**The order may be for another lesion**:\n- Left femur, shaft of femur, Mirels "
                                     "score "), card["detail"][:300]
    assert ": surgical fixation opinion before radiotherapy" in card["detail"].split("\n\n")[0]
    # An order surely the left femur's (its side coded) lists no other lesion (review 27).
    left_only = order("rt", RADIOTHERAPY, body_site=site(FEMUR, LEFT))
    for card in by_topic(post(client, request([left, right], observations, left_only)), "mirels"):
        assert "may be for another lesion" not in card["detail"]


def test_a_radiotherapy_of_a_bone_and_side_with_two_lesions_is_surely_neither_s(client):
    """Probe 27 (p20): "RTE fémur G", its bodySite the left femur, no reason, beside a trochanter (Mirels 12) and a
    shaft (Mirels 5) of the left femur: the trochanter's card said "Radiotherapy alone ordered…" as if the order were
    surely its, and proposed withdrawing it. It may be the shaft's: hedged, the other lesion said first, nothing
    withdrawn."""
    from support.fhir_builders import FEMUR, FEMUR_SHAFT, LEFT, TROCHANTER, lesion, lesion_observations

    trochanter = lesion("neck", TROCHANTER, LEFT)
    shaft = lesion("shaft", FEMUR_SHAFT, LEFT)
    observations = [*lesion_observations("Condition/neck", size=(70, "%"), pain="functional", prefix="n"),
                    *lesion_observations("Condition/shaft", size=(20, "%"), kind="blastic", pain="mild", prefix="s")]
    radiotherapy = order("rt", RADIOTHERAPY, body_site=site(FEMUR, LEFT))
    (card,) = by_topic(post(client, request([trochanter, shaft], observations, radiotherapy)), "mirels")
    assert card["summary"].endswith("if the order is for it"), card["summary"]
    assert card["detail"].startswith("**The order may be for another lesion**:\n- Left femur, shaft of femur, Mirels "
                                     "score "), card["detail"][:300]
    assert "where another lesion is recorded too: check which it is for" in card["detail"]
    assert not any(action["type"] == "delete" for suggestion in card["suggestions"]
                   for action in suggestion["actions"]), card["suggestions"]
    # One lesion on that bone and side: the order is surely its, withdrawal proposed, as before.
    (card,) = by_topic(post(client, request([trochanter], observations[:3], radiotherapy)), "mirels")
    assert any(action["type"] == "delete" for suggestion in card["suggestions"] for action in suggestion["actions"])
    # Review 31: its site coded at the trochanter picks that lesion: surely its, as before.
    at_trochanter = order("rt", RADIOTHERAPY, body_site=site(TROCHANTER, LEFT))
    (card,) = by_topic(post(client, request([trochanter, shaft], observations, at_trochanter)), "mirels")
    assert not card["summary"].endswith("if the order is for it"), card["summary"]
    # Review 31: the other lesion of that femur fixed (no score): the order may be its post-operative course.
    (card,) = by_topic(post(client, request([trochanter, shaft], observations, radiotherapy,
                                            procedures=[fixation_done(10, reason="Condition/shaft")])), "mirels")
    assert card["summary"].endswith("if the order is for it"), card["summary"]
    assert not any(action["type"] == "delete" for suggestion in card["suggestions"]
                   for action in suggestion["actions"]), card["suggestions"]
    # Review 32: its region the fixed trochanter's (its post-operative course), the shaft's Mirels 12 is not its:
    # never proposed for withdrawal there.
    shaft_high = lesion_observations("Condition/shaft", size=(70, "%"), pain="functional", prefix="s")
    cards = post(client, request([trochanter, shaft], shaft_high, at_trochanter,
                                 procedures=[fixation_done(10, reason="Condition/neck")]))
    assert by_topic(cards, "mirels"), cards
    for card in by_topic(cards, "mirels"):
        assert not any(action["type"] == "delete" for suggestion in card.get("suggestions", [])
                       for action in suggestion["actions"]), card["summary"]


@pytest.mark.parametrize("later, first", [("paraplegic", True), ("ambulatory-without-aid", False)])
def test_a_motor_status_worse_since_radiotherapy_is_said_first_and_no_order_is_proposed_for_withdrawal(
        client, later, first):
    """Probe 28 (r49, r49b): walking without aid before an 8 Gy course, paraplegic six days after it. The card read
    "Rades score 43: radiotherapy recorded — radiotherapy alone: excellent result without surgery", info, the
    paraplegia said only as "a motor status recorded since its radiotherapy began … is not counted"; an emergency
    laminectomy ordered got "Rades group III: excellent result without surgery". The score is still of the time
    before (Tableau 4), yet a status that may be worse since is said first, with its value, both cards warn, and
    nothing is proposed; the guideline's silence on a change after radiotherapy is said. The same status as before
    stays a flag."""
    conditions, observations = RADES_GROUP_III
    before = [{**o, "effectiveDateTime": (TODAY - timedelta(days=8)).isoformat()} for o in observations]
    course = {**radiotherapy_done(7, reason="Condition/mscc"), "code": cc(SCT, "108290001")}
    since = observation("since", "motor-function", effective=(TODAY - timedelta(days=1)).isoformat(), **coded(later))
    laminectomy = order("lam", LAMINECTOMY, reason="Condition/mscc")
    body = request(conditions, [*before, since], laminectomy, procedures=[course])
    view = {**body, "hook": "patient-view", "context": {"userId": "Practitioner/doc", "patientId": "p1"}}
    for language, words in (("en", ("motor status may be worse since radiotherapy, check it first",
                                    "a motor status “Paraplegic” is recorded")),
                            ("fr", ("statut moteur peut-être aggravé depuis la rt, à vérifier",
                                    "un statut moteur « Paraplégique » est enregistré"))):
        rades_card = by_topic(client.post("/cds-services/bonemet-patient-view", json=view,
                                          headers={"Accept-Language": language}).get_json()["cards"], "rades")[0]
        order_cards = by_topic(post(client, body, language), "rades")
        for card in (rades_card, *order_cards):
            assert (words[0] in card["summary"].lower()) is first, card["summary"]
            assert (typeset(words[1], language) in card["detail"]) is first
            assert card["indicator"] == ("warning" if first else "info"), card["summary"]
        if first:
            assert order_cards and all("suggestions" not in card for card in order_cards)
            # Short of room, the check's advice gives way whole, never cut mid-word (review 33: « chirurgie de… »).
            assert all("…" not in card["summary"] for card in order_cards), [c["summary"] for c in order_cards]
            assert "does not say what a change after it calls for" in rades_card["detail"] or language == "fr"


@pytest.mark.parametrize("status, reason, said_first", [("not-done", "Refus du patient", True),
                                                        ("not-done", None, True),
                                                        ("entered-in-error", None, False)])
def test_a_fixation_recorded_as_not_done_is_said_first_and_its_radiotherapy_never_proposed_for_withdrawal(
        client, status, reason, said_first):
    """Probe 28 (r35, r50): a gamma nail of the lesion recorded not-done, "Refus du patient". It never counts as a
    fixation, and the cards said nothing of it: "Mirels score 12: surgical fixation opinion before radiotherapy", and
    at order-sign "Request an orthopaedic surgical opinion and withdraw the radiotherapy order", which could leave the
    patient with neither. Said first, with its reason; the radiotherapy is not proposed for withdrawal. One entered in
    error never counts and is not said."""
    conditions, observations = MIRELS_9
    nail = {**fixation_done(1), "status": status, "code": {**cc(SCT, "1653007"), "text": "Clou gamma fémur G"}}
    if reason:
        nail["statusReason"] = {"text": reason}
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1")
    body = request(conditions, observations, rt, procedures=[nail])
    view = {**body, "hook": "patient-view", "context": {"userId": "Practitioner/doc", "patientId": "p1"}}
    for language, words in (("en", ("fixation recorded as not done, check it first",
                                    "a fixation of this lesion is recorded as not done (“Clou gamma fémur G”")),
                            ("fr", ("fixation non faite enregistrée, à vérifier d'abord",
                                    "une fixation de cette lésion est enregistrée comme non faite (« Clou gamma "
                                    "fémur G »"))):
        (score_card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=view,
                                             headers={"Accept-Language": language}).get_json()["cards"], "mirels")
        (order_card,) = by_topic(post(client, body, language), "mirels")
        for card in (score_card, order_card):
            assert (words[0] in card["summary"].lower()) is said_first, card["summary"]
            assert (typeset(words[1], language) in card["detail"]) is said_first, card["detail"]
            assert (typeset(reason or ("check why" if language == "en" else "en vérifier la raison"),
                            language) in card["detail"]) is said_first
        assert ("suggestions" in order_card) is not said_first  # no withdrawal of the radiotherapy beside it
    if said_first:  # beside "observation" (Mirels 7) it contradicts nothing: the detail says it first, not the summary
        body = request(*MIRELS_7, procedures=[nail])
        view = {**body, "hook": "patient-view", "context": {"userId": "Practitioner/doc", "patientId": "p1"}}
        (card,) = by_topic(client.post("/cds-services/bonemet-patient-view", json=view).get_json()["cards"], "mirels")
        assert "not done" not in card["summary"] and "recorded as not done" in card["detail"], card["summary"]


def test_a_scheme_ordered_after_an_operation_says_the_guideline_gives_none_for_it(client):
    """Probe 28 (r16b): 20 Gy/5 ordered after a nailing. The §1.4 card says the guideline gives no fractionation for
    post-operative radiotherapy (« pas de donnée sur le fractionnement »); the §2 card beside it read "20 Gy in 5
    fractions ordered: pain relief as with 8 Gy single…", the palliative comparison as if it applied. It says first
    that the order follows an operation and that the schemes it compares are those of a palliative aim."""
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(20, 5))
    for language, summary, line in (
            ("en", "20 Gy in 5 fractions ordered after an operation: the guideline gives no post-operative "
                   "fractionation (§1.4) — left femur",
             "This order follows an operation (§1.4): the guideline gives no fractionation for post-operative "
             "radiotherapy; the schemes below are those it names for a palliative aim."),
            ("fr", "20 Gy en 5 fractions prescrits après une opération : la recommandation ne donne pas de "
                   "fractionnement post-opératoire (§1.4) — fémur gauche",
             "Cette prescription suit une opération (§1.4)")):
        cards = by_topic(post(client, request(*MIRELS_9, rt, procedures=[fixation_done(18)]), language),
                         "fractionation")
        (card,) = cards
        assert card["summary"].startswith(typeset(summary, language)), card["summary"]
        assert typeset(line, language) in card["detail"]
    # Its start in the window (day 17, no §1.4 card): said all the same (review 33: only a start outside it said it).
    inside = order("rt", RADIOTHERAPY, reason="Condition/lesion-1", **dose(20, 5), **starting(7))
    (card,) = post(client, request(*MIRELS_9, inside, procedures=[fixation_done(10)]))
    assert card["source"]["topic"]["code"] == "fractionation" and "after an operation" in card["summary"]
    # No operation: the palliative comparison, as before.
    (card,) = by_topic(post(client, request(*mirels_7_not_oligometastatic(), rt)), "fractionation")
    assert "after an operation" not in card["summary"] and "follows an operation" not in card["detail"]


def test_a_course_ordered_again_after_a_status_that_may_be_worse_says_it_first(client):
    """Review 33 (n04b): walking unaided before an 8 Gy course, "not ambulatory" since; a new 8 Gy ordered for the
    compression read only "Site already irradiated: 8 Gy in 1 fraction", info. Its §2 card says the status first."""
    conditions, observations = RADES_GROUP_III
    before = [{**o, "effectiveDateTime": (TODAY - timedelta(days=8)).isoformat()} for o in observations]
    course = radiotherapy_done(7, reason="Condition/mscc")
    since = observation("since", "motor-function", effective=(TODAY - timedelta(days=1)).isoformat(),
                        **coded("not-ambulatory"))
    again = order("rt", RADIOTHERAPY, reason="Condition/mscc", **dose(8, 1))
    (card,) = by_topic(post(client, request(conditions, [*before, since], again, procedures=[course])),
                       "fractionation")
    assert card["summary"].startswith("Motor status may be worse since radiotherapy, check it first — ")
    assert card["indicator"] == "warning" and "a motor status “Not ambulatory” is recorded" in card["detail"]


def test_an_order_cards_advice_gives_way_past_possible_and_a_spines_place_stays_without_its_record_words(client):
    """Review 34: short of room after a prefix, an undetermined check read "… check it first — possible — left
    femur" (its advice gone, "possible" alone); a §2 card for a thoracic spine lost its place where only the
    record's words ("(“D7” in the record)") did not fit."""
    from service.render.order_cards import _before_advice

    assert _before_advice("possible: Radiotherapy alone ordered, Mirels ≥ 9: surgical fixation opinion first",
                          "Possible") == "possible: Radiotherapy alone ordered, Mirels ≥ 9"
    assert _before_advice("radiothérapie seule prescrite, Mirels ≥ 9\u202f: avis", "Possible") == \
        "radiothérapie seule prescrite, Mirels ≥ 9"
    conditions, observations = RADES_GROUP_III
    spine = {**conditions[1], "bodySite": [{"coding": [{"system": SCT, "code": "122495006"}], "text": "D7"}]}
    before = [{**o, "effectiveDateTime": (TODAY - timedelta(days=8)).isoformat()} for o in observations]
    since = observation("since", "motor-function", effective=(TODAY - timedelta(days=1)).isoformat(),
                        **coded("not-ambulatory"))
    again = order("rt", RADIOTHERAPY, reason="Condition/mscc", **dose(8, 1))
    (card,) = by_topic(post(client, request([conditions[0], spine], [*before, since], again,
                                            procedures=[radiotherapy_done(7, reason="Condition/mscc")])),
                       "fractionation")
    assert card["summary"].endswith(" — thoracic spine"), card["summary"]
