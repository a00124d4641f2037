"""CDS Hooks order-sign: draft orders cross-checked with Mirels and Rades."""

import uuid

import pytest

from support.fhir_builders import (
    FEMUR,
    HUMERUS,
    ICD10,
    LEFT,
    OWN,
    RECENT,
    RIGHT,
    SCT,
    VERTEBRA,
    cc,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    patient,
    quantity,
    site,
)

SERVICE = "/cds-services/bonemet-order-sign"
RADIOTHERAPY = (SCT, "33195004")
FIXATION = (SCT, "1653007")
LAMINECTOMY = (SCT, "387731002")
LONG_COURSE = (OWN, "radiotherapy-long-course")
HYPOFRACTIONATED = (OWN, "radiotherapy-hypofractionated")




def order(oid, code, *, reason=None, body_site=None, reason_code=None, status="draft", kind="ServiceRequest",
          **extra):
    resource = {"resourceType": kind, "id": oid, "status": status, "subject": {"reference": "Patient/p1"},
                "code": cc(*code)}
    if kind == "ServiceRequest":
        resource["intent"] = "order"
    if reason:
        resource["reasonReference"] = [{"reference": reason}]
    if body_site:
        resource["bodySite"] = [body_site]
    if reason_code:
        resource["reasonCode"] = [reason_code]
    resource.update(extra)
    return resource


def searchset(*resources):
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def order_sign(conditions, observations, *orders, language=None):
    body = {"hook": "order-sign", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1",
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": o} for o in orders]}},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations)}}
    return body


def cards(client, *args, language="en"):
    response = client.post(SERVICE, json=order_sign(*args), headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    found = response.get_json()["cards"]
    for card in found:  # CDS Hooks 2.0 card requirements
        uuid.UUID(card["uuid"])
        assert len(card["summary"]) <= 140 and card["indicator"] in {"info", "warning", "critical"}
        assert card["source"]["label"] and card["detail"]
    return found


MIRELS_9 = ([lesion()], lesion_observations())  # lower limb 2, 50 % 2, lytic 3, moderate 2
MIRELS_8 = ([lesion()], lesion_observations(pain="mild"))
MIRELS_7 = ([lesion()], lesion_observations(pain="mild", kind="mixed"))
MIRELS_8_TO_10 = ([lesion()], lesion_observations()[:2])  # pain missing


def rades(motor, days, visceral, onset_primary="2024-01-10"):
    conditions = [condition("breast", SCT, "254837009", onset=onset_primary),
                  condition("mscc", ICD10, "G95.2", onset="2026-11-01")]
    observations = [observation("motor", "motor-function", **coded(motor)),
                    observation("visceral", "visceral-metastases", **coded(visceral, SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(days, "d"))]
    return conditions, observations


RADES_GROUP_I = rades("paraplegic", 3, "52101004")  # 8 + 8 + 5 + 1 + 4 = 26
RADES_GROUP_III = rades("ambulatory-without-aid", 20, "2667000")  # 8 + 8 + 8 + 10 + 9 = 43


# ------------------------------------------------------------------ Mirels


def test_radiotherapy_alone_with_mirels_9_warns_fixation_first(client):
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Radiotherapy alone ordered, Mirels ≥ 9: surgical fixation opinion first")
    assert "15 days to 3 weeks after surgery" in card["detail"]
    assert "the order names this diagnosis as its reason" in card["detail"]
    assert f"| Type of lesion | Lytic | 3 | {RECENT} |" in card["detail"]  # the score, with the date of each record
    assert "ServiceRequest/" not in card["detail"] and "Observation/" not in card["detail"]  # no FHIR id
    assert card["overrideReasons"]


def test_radiotherapy_of_a_lesion_with_a_fixation_recorded_says_check_it_first_and_proposes_no_withdrawal(client):
    """Probe 16: a femur nailed 17 days ago (CCAM, naming the lesion) or being nailed today, and its post-operative
    radiotherapy ordered. The card read "Radiotherapy alone ordered, Mirels ≥ 9: surgical fixation opinion first",
    one click from withdrawing a course the guideline gives in any case (§1.4). The fixation is said first, and
    nothing is proposed."""
    under_way = {"resourceType": "Procedure", "id": "nail", "status": "in-progress", "subject": {
        "reference": "Patient/p1"}, "code": cc(*FIXATION), "performedDateTime": RECENT, "reasonReference": [
        {"reference": "Condition/lesion-1"}]}
    in_ccam = under_way | {"status": "completed", "code": {"coding": [
        {"system": "https://www.ameli.fr/ccam", "code": "NBCA005"}], "text": "Enclouage centromédullaire fémur G"}}
    for fixation, first in ((under_way, "Fixation"), (in_ccam, "Operation")):  # a code not read: not "fixation"
        body = order_sign(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
        body["prefetch"]["procedures"] = searchset(fixation)
        (card,) = [c for c in client.post(SERVICE, json=body).get_json()["cards"]
                   if c["source"]["topic"]["code"] == "mirels"]
        assert card["summary"].startswith(f"{first} recorded, check it first — radiotherapy alone ordered, Mirels ≥ 9")
        assert card["detail"].startswith("**Check first**: ") and card["detail"].count("**Check first**") == 1
        assert "suggestions" not in card


def test_a_prophylactic_fixation_beside_a_fracture_its_words_alone_place_says_it_first(client):
    """A pathological fracture coded M84.4 with no bodySite, its words "diaphyse fémorale gauche", beside the left
    femur's Mirels 9: patient-view said "fracture recorded, check it first", but "Enclouage prophylactique" got no card
    at order-sign (probe 20; one with the fracture's site coded was warned). A prophylactic fixation is against a
    fracture to come: said first, with no word that the lesion has no score (it has one)."""
    fracture = condition("fx", ICD10, "M84.4", onset=RECENT)
    fracture["code"]["text"] = "Fracture pathologique diaphyse fémorale gauche sur métastase"
    conditions, observations = MIRELS_9
    nailing = order("nail", FIXATION, reason="Condition/lesion-1")
    (card,) = cards(client, [*conditions, fracture], observations, nailing)
    assert card["indicator"] == "warning" and card["summary"].startswith("Prophylactic fixation ordered: ")
    assert "a prophylactic fixation is against a fracture to come" in card["detail"]
    assert "Fracture pathologique diaphyse fémorale gauche" in card["detail"]
    assert "No Mirels score is given" not in card["detail"]
    assert cards(client, conditions, observations, nailing) == []  # no fracture: in line, no card


def test_fixation_with_radiotherapy_gives_the_post_operative_timing_instead(client):
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                    order("fix", FIXATION, reason="Condition/lesion-1"))
    assert card["indicator"] == "info" and "15 to 21 days after surgery" in card["summary"]
    orders = [line for line in card["detail"].splitlines() if line.startswith("- ") and "as its reason" in line]
    assert len(orders) == 2 and "ServiceRequest/" not in card["detail"]  # both orders, by their words
    # A start the radiotherapy order gives is said beside it: "15 days to 3 weeks after surgery" is read against it.
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1",
                                             occurrenceDateTime="2026-12-08"),
                    order("fix", FIXATION, reason="Condition/lesion-1"))
    assert "(start ordered: 2026-12-08): the order names this diagnosis as its reason" in card["detail"]


@pytest.mark.parametrize("starts_in, early", [(5, True), (20, False)])
def test_a_radiotherapy_ordered_with_a_fixation_to_start_before_day_15_warns(client, starts_in, early):
    """Probe 27 (p45): a fixation not yet done and a radiotherapy ordered to start in 5 days: "start ordered" said,
    without a word that day 15 after the fixation is at the earliest 15 days from now. Said on its line, the card
    warns; a start from day 15 says nothing more."""
    from datetime import date, timedelta

    start = (date.today() + timedelta(days=starts_in)).isoformat()
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1", occurrenceDateTime=start),
                    order("fix", FIXATION, reason="Condition/lesion-1"))
    opens = (date.today() + timedelta(days=15)).isoformat()
    said = f"its start ({start}) is before day 15 after the fixation, at the earliest {opens}: check the start"
    assert (said in card["detail"]) is early and card["indicator"] == ("warning" if early else "info"), card["detail"]


def test_a_fixation_naming_no_lesion_beside_this_lesions_radiotherapy_is_not_read_as_its_fixation(client):
    """A nailing whose reason names no lesion (two femurs), beside a radiotherapy naming this lesion: the card read
    "Fixation and radiotherapy ordered" as if the nailing were this lesion's; if it is the other femur's, this
    Mirels 9 has radiotherapy alone. The summary hedges and the detail says the other reading."""
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                    order("fix", FIXATION, reason_code={"text": "métastase fémorale"}))
    assert card["summary"].startswith("Fixation and radiotherapy ordered, Mirels ≥ 9: radiotherapy 15 to 21 days")
    assert card["summary"].endswith(", if the fixation is for it"), card["summary"]
    assert card["indicator"] == "warning"  # the other reading is radiotherapy alone at Mirels >= 9
    assert "The fixation ordered does not say which lesion it is for: if it is for another one, this lesion has " \
           "radiotherapy alone ordered" in card["detail"]
    (french,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                      order("fix", FIXATION, reason_code={"text": "métastase fémorale"}), language="fr")
    assert "fémur" in french["summary"] and french["summary"].endswith(", si la fixation la concerne")
    assert "n'a qu'une radiothérapie prescrite" in french["detail"]
    # A radiotherapy naming no lesion beside this lesion's fixation: hedged too, without the fixation's words.
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason_code={"text": "métastase osseuse"}),
                    order("fix", FIXATION, reason="Condition/lesion-1"))
    assert card["summary"].endswith(", if the order is for it") and "The fixation ordered" not in card["detail"]
    assert card["indicator"] == "info"


def test_mirels_8_suggests_the_tumour_board_for_any_order(client):
    for ordered in (RADIOTHERAPY, FIXATION):
        (card,) = cards(client, *MIRELS_8, order("o1", ordered, reason="Condition/lesion-1"))
        assert card["indicator"] == "info" and "tumour board" in card["summary"]


def test_an_order_whose_body_site_text_writes_the_other_side_of_a_femur_coded_with_no_side_is_a_side_to_check(client):
    """Probe 24 (o13): the order's bodySite the femur with no side coded, its text "Fémur G", beside a right femur's
    Mirels 9: read "the order's side is not stated". Its bodySite's text writes the other side: said to check."""
    text_site = order("rt", RADIOTHERAPY, body_site={**site(FEMUR), "text": "Fémur G"})
    right = ([lesion(side=RIGHT)], lesion_observations())
    (mirels,) = [c for c in cards(client, *right, text_site) if c["source"]["topic"]["code"] == "mirels"]
    assert "its side not coded, and its words write the other side: check which side it is for" in mirels["detail"]


def test_mirels_7_radiotherapy_is_in_line_and_gives_no_card_but_fixation_is_questioned(client):
    assert cards(client, *MIRELS_7, order("rt", RADIOTHERAPY, reason="Condition/lesion-1")) == []
    (card,) = cards(client, *MIRELS_7, order("fix", FIXATION, reason="Condition/lesion-1"))
    assert card["indicator"] == "info" and "observation and radiotherapy" in card["summary"]


def test_an_order_whose_name_writes_the_other_side_of_a_femur_coded_with_no_side_is_a_side_to_check(client):
    """Probe 18: "RTE fémur droit 8 Gy", its bodySite the femur with no side, beside a left femur's Mirels 11: read
    "the order's side is not stated", no "Check the side" (the same words in its bodySite's text gave one). Order
    sets put the side in the order's name: it is checked as that side, never proposed for withdrawal."""
    in_its_name = order("rt", RADIOTHERAPY, body_site=site(FEMUR))
    in_its_name["code"]["text"] = "RTE fémur droit 8 Gy"
    found = cards(client, *MIRELS_9, in_its_name)
    assert [c["summary"] for c in found if c["summary"].startswith("Check the side")] == [
        "Check the side: order for the right femur, bone metastasis recorded on the left femur"]
    (mirels,) = [c for c in found if c["source"]["topic"]["code"] == "mirels"]
    assert "its side not coded, and its words write the other side: check which side it is for" in mirels["detail"]
    assert not any(action["type"] == "delete" for suggestion in mirels.get("suggestions", [])
                   for action in suggestion["actions"])
    # The lesion's side, or a side not beside the femur's name (review 18: another bone's, a past course's, a
    # stray capital): nothing to check.
    for words in ("RTE fémur gauche 8 Gy", "RTE fémur + humérus D 8 Gy", "RTE fémur 8 Gy (côté droit irradié en 2023)",
                  "RTE fémur 8 Gy, Dr D. Martin", "RTE fémur technique 3 D", "RTE fémur gauche et droit"):
        in_its_name["code"]["text"] = words
        found = cards(client, *MIRELS_9, in_its_name)
        assert not any(c["summary"].startswith("Check the side") for c in found), words
        assert "write the other side" not in " ".join(c["detail"] for c in found), words
    in_its_name["code"]["text"] = "RTE fémur D 8 Gy"  # "D" right against the femur's name: its side
    assert any(c["summary"].startswith("Check the side") for c in cards(client, *MIRELS_9, in_its_name))


def test_undetermined_category_gives_possible_findings_with_what_is_missing(client):
    found = cards(client, *MIRELS_8_TO_10, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    assert [(c["indicator"], c["summary"].split(":")[0]) for c in found] == [("warning", "Possible"),
                                                                             ("info", "Possible")]
    assert "Possible totals: 8–10" in found[0]["detail"] and "missing: Pain" in found[0]["detail"]
    assert "Mirels ≥ 9" in found[0]["detail"]


def test_order_on_the_other_femur_does_not_target_the_lesion_and_its_side_is_said_first(client):
    """The left femur's advice is not given for an order of the right femur. It was said only on the data-review
    card, while its §2 card read as normal (probe 16: "RTE fémur gauche 8 Gy" for a right femur's lesion). No bone
    metastasis is recorded on that side, one is on the other: the side is said first, as a warning."""
    other = order("rt", RADIOTHERAPY, body_site=site(FEMUR, RIGHT))
    (card,) = cards(client, *MIRELS_9, other)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Check the side: order for the right femur, bone metastasis recorded on the left femur"
    assert "where no bone metastasis is recorded" in card["detail"] and "Condition/" not in card["detail"]
    (french,) = cards(client, *MIRELS_9, other, language="fr")
    assert french["summary"].startswith("Vérifier le côté")
    # Its reason the primary cancer, which says no side: still the other side's order (probe 17).
    breast = condition("breast", SCT, "254837009", onset="2024-01-10")
    for_cancer = order("rt", RADIOTHERAPY, reason="Condition/breast", body_site=site(FEMUR, RIGHT))
    assert any(c["summary"].startswith("Check the side") for c in cards(client, [lesion(), breast],
                                                                         lesion_observations(), for_cancer))
    # What the order may be for on its side, a pathological fracture, a metastasis in remission, a metastasis whose
    # site is not read: no side to question (review 17: "where no bone metastasis is recorded" invited a switch).
    fracture = condition("fx", "http://hl7.org/fhir/sid/icd-10-cm", "M84.551A", onset=RECENT)
    in_remission = lesion("lesion-2", side=RIGHT, clinical="remission", onset=RECENT)
    in_words = condition("words", SCT, "94222008", onset=RECENT) | {"bodySite": [{"text": "fémur droit"}]}
    for there in (fracture, in_remission, in_words):
        assert not any(c["summary"].startswith("Check the side") for c in cards(
            client, [lesion(), there], lesion_observations(), other)), there["id"]
    # A metastasis recorded on that side too (another lesion, unscored or scored): nothing to warn of the side.
    both = ([lesion(), lesion("lesion-2", side=RIGHT, onset=RECENT)], lesion_observations())
    assert not any(c["summary"].startswith("Check the side") for c in cards(client, *both, other))
    same = order("rt", RADIOTHERAPY, body_site=site(FEMUR, LEFT))
    (card,) = cards(client, *MIRELS_9, same)
    assert "the order's site is the same bone and side" in card["detail"]


def test_reason_reference_to_a_condition_that_is_no_lesion_is_checked_against_each_one(client):
    """Probe 24 (o16, x01): a radiotherapy whose reason is the primary cancer, or a Condition not in the record,
    escaped the Mirels >= 9 check (it was taken for another Condition's). It names no lesion: checked against each,
    never proposed for withdrawal, the card saying what it names (as an order of a site no code places is: a hedged
    card is less harm than a missed "fixation first")."""
    for reason, named in (("Condition/something-else", "a diagnosis not in the record"),
                          ("Condition/lesion-1", None)):
        (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason=reason))
        assert card["summary"].endswith("if the order is for it") == (named is not None), card["summary"]
        if named:
            assert f"the order's reason, {named}, is no lesion or compression the service scores" in card["detail"]
            assert not any(a["type"] == "delete" for s in card["suggestions"] for a in s["actions"])


def test_order_naming_no_target_is_checked_and_says_so(client):
    """Checked against the lesion, and said so; but never proposed for withdrawal on that lesion's score: it may
    be for another lesion (the helper's probe: a right femur's Mirels 9 withdrew an order of no site)."""
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY))
    assert "names no lesion, reason or site" in card["detail"]
    assert not any(action["type"] == "delete" for suggestion in card["suggestions"] for action in suggestion["actions"])
    # Its label promises no withdrawal it does not carry (a probe's "... and withdraw the radiotherapy order").
    assert [s["label"] for s in card["suggestions"]] == ["Request an orthopaedic surgical opinion"]
    (targeted,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    assert any(action["type"] == "delete" for suggestion in targeted["suggestions"] for action in suggestion["actions"])
    assert [s["label"] for s in targeted["suggestions"]] == [
        "Request an orthopaedic surgical opinion and withdraw the radiotherapy order"]


def test_an_order_whose_reason_code_does_not_say_which_lesion_is_checked_against_each_and_says_why(client):
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason_code=cc(ICD10, "C79.5")))
    assert ("the order's reason ('Secondary malignant neoplasm of bone and bone marrow') does not say which lesion "
            "it is for") in card["detail"]
    assert "names no lesion, reason or site" not in card["detail"]


def test_orders_not_to_be_done_or_not_recognised_count_for_nothing(client):
    ignored = [order("a", RADIOTHERAPY, reason="Condition/lesion-1", status="entered-in-error"),
               order("b", RADIOTHERAPY, reason="Condition/lesion-1", status="revoked"),
               order("c", RADIOTHERAPY, reason="Condition/lesion-1", status="completed"),
               order("d", RADIOTHERAPY, reason="Condition/lesion-1", doNotPerform=True),
               order("e", (SCT, "71388002")),  # a procedure of no order ValueSet, for no scored Condition
               {"resourceType": "MedicationRequest", "id": "m", "status": "draft"}]
    assert cards(client, *MIRELS_9, *ignored) == []


def test_procedure_in_preparation_is_read_like_a_service_request(client):
    (card,) = cards(client, *MIRELS_9, order("p", RADIOTHERAPY, reason="Condition/lesion-1", kind="Procedure",
                                            status="preparation"))
    assert card["indicator"] == "warning" and "Procedure/" not in card["detail"]
    assert "the order names this diagnosis as its reason" in card["detail"]
    assert "reasonReference" not in card["detail"]  # the clinician's words, not FHIR's element names


def test_a_cancelled_fixation_does_not_silence_the_warning(client):
    (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                    order("fix", FIXATION, reason="Condition/lesion-1", status="revoked"))
    assert card["indicator"] == "warning"


# ------------------------------------------------------------------ Rades


def test_group_i_with_a_long_course_suggests_hypofractionation(client):
    (card,) = cards(client, *RADES_GROUP_I, order("rt", LONG_COURSE, reason="Condition/mscc"))
    assert card["indicator"] == "warning" and "prefer hypofractionation" in card["summary"]
    assert "no benefit" in card["detail"]


def test_group_i_with_a_hypofractionated_course_gives_no_card(client):
    assert cards(client, *RADES_GROUP_I, order("rt", HYPOFRACTIONATED, reason="Condition/mscc")) == []


def test_group_i_with_a_course_not_stated_reminds_of_hypofractionation(client):
    (card,) = cards(client, *RADES_GROUP_I, order("rt", RADIOTHERAPY, reason_code=cc(ICD10, "G95.2")))
    # The code says no course; a dose, when the order gives one, is the §2 card's (it said "does not state").
    assert card["indicator"] == "info" and "its code does not say the course" in card["summary"]
    assert "the order's reason is a spinal cord compression" in card["detail"]


def test_group_i_with_a_single_fraction_ordered_is_not_asked_its_course(client):
    """Probe 29 (r21): 8 Gy in 1 fraction for a group I compression got "prefer hypofractionation (its code does not
    say the course)": a single fraction is the fewest there is, nothing to act on. Its §2 card stays; a 30 Gy in 10
    still gets the reminder (the guideline gives no number of fractions that makes a course long)."""
    def with_scheme(total, fractions):
        return order("rt", RADIOTHERAPY, reason="Condition/mscc", extension=[{
            "url": "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
                   "codexrt-radiotherapy-dose-prescribed-to-volume",
            "extension": [{"url": "totalDose", "valueQuantity": {"value": total, "unit": "Gy", "code": "Gy",
                                                                 "system": "http://unitsofmeasure.org"}},
                          {"url": "fractions", "valuePositiveInt": fractions}]}])

    found = cards(client, *RADES_GROUP_I, with_scheme(8, 1))
    assert [card["summary"].split(":")[0] for card in found] == ["8 Gy single fraction ordered"], found
    found = cards(client, *RADES_GROUP_I, with_scheme(30, 10))
    assert any("its code does not say the course" in card["summary"] for card in found), found


def test_an_order_naming_no_lesion_keeps_the_place_in_the_summary_before_the_advices_aside(client):
    """Probe 24: "Radiothérapie prescrite, Rades groupe I : privilégier l'hypofractionnement (son code ne précise pas
    le…), si la prescription la concerne" said no place at all, and the English "— spinal cord…" none either."""
    rt = order("rt", RADIOTHERAPY)
    for language, place, hedge in (("en", "spinal cord compression", "if the order is for it"),
                                   ("fr", "compression médullaire", "si la prescription la concerne")):
        (card,) = cards(client, *RADES_GROUP_I, rt, language=language)
        assert card["summary"].endswith(f" — {place}, {hedge}"), card["summary"]
        assert "hypofraction" in card["summary"]
        assert "does not say whether the course is long" in card["detail"] or "ne précise pas" in card["detail"]


def test_group_i_with_decompressive_surgery_says_no_benefit(client):
    (card,) = cards(client, *RADES_GROUP_I, order("lam", LAMINECTOMY, body_site=site(VERTEBRA)))
    assert card["indicator"] == "warning" and "no benefit from surgery" in card["summary"]
    # Its spinal bodySite may be another level than the compression's: advice, but no withdrawal proposed.
    assert not any(a["type"] == "delete" for s in card.get("suggestions", []) for a in s["actions"])
    (card,) = cards(client, *RADES_GROUP_I, order("lam", LAMINECTOMY, reason="Condition/mscc"))
    assert any(a["type"] == "delete" for s in card["suggestions"] for a in s["actions"])


def test_group_iii_with_decompressive_surgery_informs_excellent_result_without(client):
    (card,) = cards(client, *RADES_GROUP_III, order("lam", LAMINECTOMY, reason="Condition/mscc"))
    assert card["indicator"] == "info" and "excellent result without surgery" in card["summary"]


def test_group_iii_long_course_gives_no_card(client):
    assert cards(client, *RADES_GROUP_III, order("rt", LONG_COURSE, reason="Condition/mscc")) == []


def test_fixation_order_is_not_about_a_cord_compression(client):
    assert cards(client, *RADES_GROUP_I, order("fix", FIXATION, reason="Condition/mscc")) == []


def test_french(client):
    (card,) = cards(client, *RADES_GROUP_III, order("lam", LAMINECTOMY, reason="Condition/mscc"), language="fr")
    assert "excellent résultat sans chirurgie" in card["summary"]


def test_order_sign_without_draft_orders_or_a_malformed_order_is_400(client):
    body = order_sign(*MIRELS_9)
    del body["context"]["draftOrders"]
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400 and "draftOrders" in response.get_json()["fields"]["context"]
    body = order_sign(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    body["context"]["draftOrders"]["entry"][0]["resource"]["reasonReference"] = "Condition/lesion-1"
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == "context.draftOrders.entry[0].resource.reasonReference"


def test_patient_view_request_sent_to_order_sign_is_400(client):
    body = order_sign(*MIRELS_9)
    body["hook"] = "patient-view"
    response = client.post(SERVICE, json=body)
    assert response.status_code == 400 and "hook" in response.get_json()["fields"]


def test_order_sign_over_real_http_with_feedback(run_server, tmp_path):
    import os

    import requests
    base = run_server(env=dict(os.environ, BONEMET_FEEDBACK_DB=str(tmp_path / "fb.sqlite3")))
    services = {s["id"]: s for s in requests.get(f"{base}/cds-services", timeout=5).json()["services"]}
    assert services["bonemet-order-sign"]["hook"] == "order-sign"
    response = requests.post(f"{base}{SERVICE}", timeout=10,
                             json=order_sign(*MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1")))
    (card,) = response.json()["cards"]
    assert card["indicator"] == "warning"
    feedback = {"feedback": [{"card": card["uuid"], "outcome": "overridden",
                              "overrideReason": {"reason": card["overrideReasons"][2]},
                              "outcomeTimestamp": "2026-11-22T10:00:00Z"}]}
    assert requests.post(f"{base}{SERVICE}/feedback", json=feedback, timeout=5).json() == {
        "stored": 1, "already_stored": 0}


def test_a_draft_order_for_another_patient_is_never_checked_and_is_said(client):
    other = order("rt-other", RADIOTHERAPY, reason="Condition/lesion-1", subject={"reference": "Patient/p2"})
    (card,) = cards(client, *MIRELS_9, other)
    assert card["source"]["topic"]["code"] == "data-review" and card["indicator"] == "warning"
    assert "ServiceRequest/" not in card["detail"] and "another patient" in card["detail"]
    # A possible wrong-patient order says so in its summary, not "Data not used" (a probe's finding).
    assert card["summary"] == "Draft orders not known to be this patient's (1): check the patient before signing"
    assert "belongs to another patient" in card["detail"] and "Data not used" not in card["detail"]
    assert "p2" not in card["detail"]  # the other patient's id is the mapping report's (probe 27)


def test_an_order_whose_reason_is_another_patients_diagnosis_is_never_checked_and_is_said(client):
    """Review 27: a radiotherapy whose reasonReference is a Condition of patient p2 (sent in the same prefetch) was
    checked against this patient's femur as "another diagnosis of the record", with no word of a wrong patient."""
    others = condition("x", SCT, "254837009", pid="p2")  # a breast cancer
    conditions, observations = MIRELS_9
    rt = order("rt", RADIOTHERAPY, reason="Condition/x")
    (card,) = cards(client, [*conditions, others], observations, rt)
    assert card["summary"] == "Draft orders not known to be this patient's (1): check the patient before signing"
    assert "its reason is a diagnosis that is not this patient's: belongs to another patient" in card["detail"]
    assert "Mirels" not in card["detail"]
    # Its own patient's diagnosis of the same kind is checked, as before; so is one naming no patient (review 28: it
    # was called another patient's).
    (checked,) = cards(client, [*conditions, condition("x", SCT, "254837009")], observations, rt)
    assert "Mirels ≥ 9" in checked["summary"], checked["summary"]
    no_subject = condition("x", SCT, "254837009")
    del no_subject["subject"]
    assert any("Mirels ≥ 9" in card["summary"] for card in cards(client, [*conditions, no_subject], observations, rt))


@pytest.mark.parametrize("status, said", [("entered-in-error", "entered in error"), ("refuted", "refuted")])
def test_an_order_whose_reason_never_counts_is_checked_against_each_lesion_and_says_so(client, status, said):
    """Probe 25 (r35): an 8 Gy radiotherapy whose reason is a right-femur metastasis entered in error, the only real
    lesion the left femur at Mirels 9: no "fixation first", its §2 card "For" the erroneous diagnosis as if real. The
    reason names no lesion: the order is checked against each one, hedged, and the reason is said for what it is."""
    conditions, observations = MIRELS_9
    wrong = lesion("wrong", side=RIGHT, verification=status)
    rt = order("rt", RADIOTHERAPY, reason="Condition/wrong")
    (card,) = cards(client, [*conditions, wrong], observations, rt)
    assert "Mirels ≥ 9: surgical fixation opinion first" in card["summary"], card["summary"]
    assert card["summary"].endswith("if the order is for it")
    assert f"(right femur, shaft of femur), recorded as {said}, is no lesion or compression the service scores, so " \
           "it is checked against each one" in card["detail"], card["detail"]
    # In line with the lesion (Mirels 7): nothing to warn of, and the reason is still said.
    (review,) = cards(client, [*MIRELS_7[0], wrong], MIRELS_7[1], rt)
    assert "is recorded as refuted or entered in error: checked against each lesion as an order naming none" in \
        review["detail"], review["detail"]


CCAM_RADIOTHERAPY = ("https://www.ameli.fr/ccam", "ZZNL045")  # a national procedure code no ValueSet holds


def test_an_order_of_no_known_code_whose_reason_has_a_score_is_said_not_checked(client):
    """A radiotherapy ordered under a national code: the check did not run on it, and the clinician
    is told so (it used to give no card at all)."""
    (card,) = cards(client, *MIRELS_9, order("rt-ccam", CCAM_RADIOTHERAPY, reason="Condition/lesion-1"))
    assert card["source"]["topic"]["code"] == "data-review" and card["indicator"] == "warning"
    assert "ServiceRequest/" not in card["detail"] and "not checked" in card["detail"]
    assert "it is for “Secondary malignant neoplasm of bone”, which has a score" in card["detail"]  # its reason


def test_an_order_of_no_known_code_for_something_unscored_gives_no_card(client):
    imaging = order("xray", (SCT, "168537006"), reason="Condition/other")  # an X-ray, for another problem
    assert cards(client, *MIRELS_9, imaging) == []


PROBLEMS = "https://chu.example.fr/fhir/sid/problems"


def test_a_reason_by_identifier_names_the_condition_that_carries_it(client):
    """Two lesions; the radiotherapy is for the humerus (Mirels 8), named by identifier: it is checked
    against that lesion only, never against the femur's (11, which would warn of radiotherapy alone)."""
    femur = lesion("femur") | {"identifier": [{"system": PROBLEMS, "value": "P-1"}]}
    humerus = lesion("humerus", bone=HUMERUS, side=RIGHT) | {"identifier": [{"system": PROBLEMS, "value": "P-2"}]}
    observations = [*lesion_observations("Condition/femur", size=(70, "%"), pain="functional", prefix="f"),
                    *lesion_observations("Condition/humerus", prefix="h")]
    rt = order("rt", RADIOTHERAPY) | {"reasonReference": [{"identifier": {"system": PROBLEMS, "value": "P-2"}}]}
    (card,) = cards(client, [femur, humerus], observations, rt)
    assert card["indicator"] == "info" and "Mirels 8" in card["summary"], card["summary"]


def test_a_reason_by_identifier_that_names_no_condition_is_said_not_checked(client):
    rt = order("rt", RADIOTHERAPY) | {"reasonReference": [{"identifier": {"system": PROBLEMS, "value": "P-9"}}]}
    (card,) = cards(client, *MIRELS_9, rt)
    assert card["source"]["topic"]["code"] == "data-review"
    assert "its reasonReference (identifier P-9) names no Condition" in card["detail"]



def test_an_order_whose_body_site_names_several_sites_is_said_not_checked(client):
    """A radiotherapy for "femur and humerus": which lesion it is for is not said, and it is not taken for a
    cord compression's order either (two bones are no "bodySite that is not a long bone")."""
    rt = order("rt", RADIOTHERAPY) | {"bodySite": [site(FEMUR, LEFT), site(HUMERUS, RIGHT)]}
    conditions, observations = RADES_GROUP_I
    (card,) = cards(client, [*MIRELS_9[0], *conditions], [*MIRELS_9[1], *observations], rt)
    assert card["source"]["topic"]["code"] == "data-review"
    assert "ServiceRequest/" not in card["detail"] and "its site names several places" in card["detail"]


# ------------------------------------------------------------------ a bone already broken or fixed


def test_a_prophylactic_fixation_of_a_bone_already_broken_or_fixed_is_said_before_it_is_signed(client):
    """The lesion has no Mirels score (its bone has broken, or has been fixed), so no score can check the order:
    what the record says of that bone is said instead, on the side and site the order names."""
    fracture = condition("fracture", "http://hl7.org/fhir/sid/icd-10-cm", "M84.552A", onset="2026-10-20")
    (card,) = cards(client, [lesion(), fracture], lesion_observations(), order("fix", FIXATION,
                                                                               body_site=site(FEMUR, LEFT)))
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Prophylactic fixation ordered: left femur")
    assert "the bone has already broken" in card["summary"] and "Condition/" not in card["detail"]
    fixed = {"resourceType": "Procedure", "id": "nail", "status": "completed", "subject": {"reference": "Patient/p1"},
             "code": cc(*FIXATION), "performedDateTime": "2026-11-20", "reasonReference": [
                 {"reference": "Condition/lesion-1"}]}
    body = order_sign([lesion()], lesion_observations(), order("fix", FIXATION, reason="Condition/lesion-1"))
    body["prefetch"]["procedures"] = searchset(fixed)
    found = client.post(SERVICE, json=body).get_json()["cards"]
    assert any("the bone has already been fixed" in card["summary"] for card in found), found
    other_side = cards(client, [lesion(), fracture], lesion_observations(), order("fix", FIXATION,
                                                                                  body_site=site(FEMUR, RIGHT)))
    assert not any("already broken" in card["summary"] for card in other_side)


@pytest.mark.parametrize("status", ["preparation", "in-progress"])
def test_a_prophylactic_fixation_ordered_while_one_of_the_lesion_is_planned_or_under_way_is_said(client, status):
    """Probe 25 (r70): "Ostéosynthèse préventive fémur G" ordered while "Enclouage fémur G programmé" (in preparation,
    the same lesion) is recorded: no card, where the patient-view card said "fixation recorded, check it first"."""
    planned = {"resourceType": "Procedure", "id": "nail", "status": status, "subject": {"reference": "Patient/p1"},
               "code": {**cc(*FIXATION), "text": "Enclouage fémur G programmé"}, "performedDateTime": RECENT,
               "reasonReference": [{"reference": "Condition/lesion-1"}]}
    body = order_sign(*MIRELS_9, order("fix", FIXATION, reason="Condition/lesion-1"))
    body["prefetch"]["procedures"] = searchset(planned)
    (card,) = [card for card in client.post(SERVICE, json=body).get_json()["cards"]
               if card["summary"].startswith("Prophylactic fixation ordered: left femur")]
    assert card["indicator"] == "warning" and "“Enclouage fémur G" in card["summary"], card["summary"]
    assert "check that it is not the fixation being ordered" in card["detail"], card["detail"]


def test_an_order_whose_reason_and_body_site_name_different_sides_says_check_the_side_first(client):
    """Its reasonReference names the left femur's lesion, its bodySite the right femur: which one the order is for
    is not certain, so no advice is given on either. It was said on the data-review card only (probe 16): a side is
    checked first, so the card is a warning of its own, the side first."""
    found = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1",
                                           body_site=site(FEMUR, RIGHT)))
    assert not any(card["summary"].startswith("Radiotherapy alone ordered") for card in found)
    (card,) = found
    assert card["indicator"] == "warning"
    assert card["summary"] == "Check the side: order for the right femur, its reason the lesion of the left femur"
    # Another bone than its reason's: not a side to check, said not checked as before.
    found = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1",
                                           body_site=site(HUMERUS, RIGHT)))
    (review,) = [card for card in found if card["summary"].startswith("Data not used")]
    assert "but its own site is right humerus: which it is for is not certain" in review["detail"]


def test_an_order_for_this_lesion_whose_words_write_the_other_side_is_never_proposed_for_withdrawal(client):
    """Probe 17: "RTE fémur droit 8 Gy" whose reason is the left femur's lesion (Mirels ≥ 9), its site in words only:
    a one-click "Withdraw the draft order" was offered. Words are not read as a side, but they may name the other
    one: the card says so, and proposes no withdrawal."""
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1") | {"bodySite": [{"text": "fémur droit"}]}
    rt["code"]["text"] = "RTE fémur droit 8 Gy"
    (card,) = [c for c in cards(client, *MIRELS_9, rt) if c["source"]["topic"]["code"] == "mirels"]
    assert "its words (“fémur droit”) write the other side: check which side it is for" in card["detail"]
    assert not any(action["type"] == "delete" for suggestion in card.get("suggestions", [])
                   for action in suggestion["actions"])


def test_an_order_for_a_long_bone_with_no_scored_lesion_is_said_not_checked(client):
    found = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, body_site=site(HUMERUS, LEFT)))
    (review,) = [card for card in found if card["summary"].startswith("Data not used")]
    assert "its site is left humerus, where no lesion with a score is recorded" in review["detail"]


def test_an_order_for_a_femur_with_no_side_is_checked_but_not_withdrawn_when_both_femurs_have_lesions(client):
    """Left femur Mirels 9, right femur Mirels 7; radiotherapy for "femur" with no side: it may be for either, so
    the left's warning is given without proposing to withdraw it (the reviewer's case)."""
    conditions = [lesion(), lesion("lesion-2", side=RIGHT)]
    observations = lesion_observations() + lesion_observations("Condition/lesion-2", pain="mild", kind="mixed",
                                                               prefix="r")
    found = cards(client, conditions, observations, order("rt", RADIOTHERAPY, body_site=site(FEMUR)))
    (warning,) = [card for card in found if card["summary"].startswith("Radiotherapy alone ordered")]
    assert not any(a["type"] == "delete" for s in warning["suggestions"] for a in s["actions"])


def test_an_order_for_one_side_is_checked_against_a_lesion_whose_side_is_not_stated(client):
    (card,) = cards(client, [lesion(side=None)], lesion_observations(), order("rt", RADIOTHERAPY,
                                                                              body_site=site(FEMUR, RIGHT)))
    assert card["summary"].startswith("Radiotherapy alone ordered")
    assert "the lesion's side is not stated" in card["detail"]
    assert not any(a["type"] == "delete" for s in card["suggestions"] for a in s["actions"])


@pytest.mark.parametrize("parts", [5, "x", None, {"url": "fractions"}])
def test_a_dose_extension_whose_parts_are_not_a_list_is_said_never_a_500(client, parts):
    rt = order("rt", RADIOTHERAPY, extension=[{
        "url": "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
               "codexrt-radiotherapy-dose-prescribed-to-volume", "extension": parts}])
    found = cards(client, *MIRELS_9, rt)  # 200 (it was a 500: the parts were iterated as a list)
    (review,) = [card for card in found if card["summary"].startswith("Data not used")]
    assert "its prescribed dose holds no parts" in review["detail"]


def test_an_order_whose_site_is_in_words_only_is_checked_against_each_score_not_read_as_the_spine(client):
    """A radiotherapy order whose bodySite is only "fémur gauche", for a patient with a left femur at Mirels 9 and a
    cord compression: read as "not a long bone", it reached the Rades card only, and the Mirels ≥ 9 warning was lost
    (a probe's finding). A site no code places may be any lesion's or the compression's: both cards, saying why."""
    conditions = MIRELS_9[0] + RADES_GROUP_I[0]
    observations = MIRELS_9[1] + RADES_GROUP_I[1]
    found = cards(client, conditions, observations, order("rt", RADIOTHERAPY, body_site={"text": "fémur gauche"}))
    by_topic = {card["source"]["topic"]["code"]: card for card in found}
    assert by_topic["mirels"]["summary"].startswith("Radiotherapy alone ordered, Mirels ≥ 9: surgical fixation")
    link = "the order's site (“fémur gauche”) is not one the codes place, so it is checked against each one"
    assert link in by_topic["mirels"]["detail"] and link in by_topic["rades"]["detail"]
    # A local code no ValueSet here places ("FEMG", "Fémur gauche") is read as words are: checked, the card hedged
    # (a review found a first version that took any code for another site, and gave no card at all).
    local = order("rt", RADIOTHERAPY, body_site={"coding": [{"system": "urn:oid:1.2.250.1", "code": "FEMG",
                                                             "display": "Fémur gauche"}]})
    (card,) = cards(client, *MIRELS_9, local)
    assert card["source"]["topic"]["code"] == "mirels" and card["summary"].endswith(", if the order is for it")


def test_an_order_for_the_other_femur_says_its_side_and_no_fhir_names_on_the_card(client):
    """A nailing of the right femoral shaft for a left femur lesion: the card said "its bodySite names “Shaft of
    femur” (as written)", the side, the one thing wrong, nowhere (a probe's finding)."""
    from support.fhir_builders import FEMUR_SHAFT

    nailing = order("nail", FIXATION, body_site=site(FEMUR_SHAFT, RIGHT))
    for language, words in (("en", "The order's site is the right femur, where no bone metastasis is recorded"),
                            ("fr", "Site prescrit\u202f: fémur droit, où aucune métastase osseuse")):
        (card,) = cards(client, *MIRELS_9, nailing, language=language)
        assert words in card["detail"] and "bodySite" not in card["detail"], card["detail"]
    # A bone with no metastasis recorded on either side: said not checked, with its side and site.
    humerus = order("nail", FIXATION, body_site=site(HUMERUS, RIGHT))
    for language, words in (("en", "its site is right humerus, where no lesion with a score"),
                            ("fr", "son site est humérus droit, où aucune lésion avec un score")):
        (review,) = cards(client, *MIRELS_9, humerus, language=language)
        assert words in review["detail"] and "bodySite" not in review["detail"], review["detail"]


@pytest.mark.parametrize("words, body_site", [("RTE fémur D 8 Gy", None), ("Radiothérapie", {"text": "Fémur D"})])
def test_an_order_for_the_other_femur_in_words_only_says_check_the_side_and_is_still_checked(client, words, body_site):
    """Probe 26 (O06, O06b): "RTE fémur D 8 Gy", the only lesion on the left femur (Mirels 9): the card read "…
    surgical fixation opinion first — left femur, if the order is for it", no word of the side. Coded, the side was
    checked ("Check the side"); written, it is too, and the hedged check stays (the words may be a slip)."""
    rt = order("rt", RADIOTHERAPY, body_site=body_site) | {"code": {**cc(*RADIOTHERAPY), "text": words}}
    found = cards(client, *MIRELS_9, rt)
    assert found[0]["summary"] == "Check the side: order for the right femur, bone metastasis recorded on the left " \
                                  "femur", [card["summary"] for card in found]
    assert any(card["summary"].endswith("— left femur, shaft of femur, if the order is for it") for card in found)
    # The other side written elsewhere in its words is not both sides (review 30: "néo sein G").
    other = order("rt", RADIOTHERAPY) | {"code": {**cc(*RADIOTHERAPY), "text": "RTE fémur D 8 Gy - néo sein G"}}
    assert cards(client, *MIRELS_9, other)[0]["summary"].startswith("Check the side: order for the right femur")
    # Its words on the lesion's side, or on both sides (review 29): no side to check.
    for text in ("RTE fémur G 8 Gy", "RTE fémur D et G 8 Gy", "RTE fémur droit et gauche", "RTE fémur D + G"):
        same = order("rt", RADIOTHERAPY) | {"code": {**cc(*RADIOTHERAPY), "text": text}}
        assert not any(card["summary"].startswith("Check the side") for card in cards(client, *MIRELS_9, same)), text


def test_an_order_for_a_bone_metastasis_with_no_score_of_its_kind_is_said_not_checked(client):
    """A laminectomy whose reason is the vertebral metastasis, beside a cord compression in Rades group I: no card
    at all, though group I gets no benefit from surgery (a probe's finding). It is said not checked, with why; an
    order whose reason is no lesion nor compression (the primary cancer) is checked against each one, "if the order is
    for it" (probe 24: it escaped the checks)."""
    vertebral = lesion("vert", bone=VERTEBRA, side=None)
    conditions = [*RADES_GROUP_I[0], vertebral]
    (review,) = cards(client, conditions, RADES_GROUP_I[1], order("lam", LAMINECTOMY, reason="Condition/vert"))
    assert review["source"]["topic"]["code"] == "data-review"
    assert "not checked: it is for “" in review["detail"] and "whose scores do not apply to this kind of order" in \
        review["detail"]
    (card,) = cards(client, conditions, RADES_GROUP_I[1], order("lam", LAMINECTOMY, reason="Condition/breast"))
    assert card["source"]["topic"]["code"] == "rades" and card["summary"].endswith("if the order is for it")


def test_a_proposed_request_is_described_in_words_not_by_its_resource_type(client):
    """The action read "ServiceRequest (Avis chirurgical ...)" on a French card (a probe's finding)."""
    for language, start in (("en", "Request: "), ("fr", "Demander\u202f: ")):
        (card,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"), language=language)
        (create,) = [a for a in card["suggestions"][0]["actions"] if a["type"] == "create"]
        assert create["description"].startswith(start) and "ServiceRequest" not in create["description"], create


def test_an_order_not_surely_this_lesions_says_so_in_the_summary(client):
    """A radiotherapy order naming no lesion (its reason in words: "humérus droit") read "Radiotherapy alone ordered,
    Mirels ≥ 9: surgical fixation opinion first — left femur", as if it were the femur's (a probe's finding)."""
    rt = order("rt", RADIOTHERAPY, reason_code={"text": "métastase humérus droit"})
    (card,) = cards(client, *MIRELS_9, rt)
    assert card["summary"].endswith(", if the order is for it"), card["summary"]
    (french,) = cards(client, *MIRELS_9, rt, language="fr")
    assert french["summary"].endswith(", si la prescription la concerne"), french["summary"]
    (targeted,) = cards(client, *MIRELS_9, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    assert "if the order is for it" not in targeted["summary"]


def test_an_order_card_calls_an_uncertain_item_uncertain_as_the_score_card_does(client):
    """A femur with no region is the lower limb or peritrochanteric: the order card said "missing: Site of the
    lesion" where the patient-view card said "uncertain: site" (review)."""
    femur = condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR, LEFT)])
    found = cards(client, [femur], lesion_observations(pain="mild"),
                  order("rt", RADIOTHERAPY, reason="Condition/lesion-1"))
    first = next(card for card in found if "Radiotherapy alone ordered" in card["summary"])
    assert "Possible totals: 8–9; uncertain: Site of the lesion." in first["detail"]
    assert "missing: Site of the lesion" not in first["detail"]


def test_an_order_whose_site_is_in_its_words_only_says_so_and_a_femur_order_of_no_side_says_that(client):
    """"Radiothérapie fémur droit 8 Gy" was said to name "no lesion, reason or site", which reads false; a nailing
    coded "femur" with no side read "the order's site is the same bone" on the right femur's card (probe 11)."""
    words_only = order("rt", RADIOTHERAPY)
    words_only["code"]["text"] = "Radiothérapie fémur droit 8 Gy"
    side, card = cards(client, *MIRELS_9, words_only)  # the other side: said first (probe 26)
    assert side["summary"].startswith("Check the side: order for the right femur")
    assert "the order names no lesion or reason, and a site only in its words, which are not read as one" in \
        card["detail"], card["detail"]
    no_side = order("fix", FIXATION, body_site={"coding": [{"system": SCT, "code": FEMUR}]})
    (card,) = cards(client, *MIRELS_7, no_side)
    assert "the order's site is the same bone; the order's side is not stated" in card["detail"], card["detail"]


def test_several_radiotherapy_orders_for_one_diagnosis_in_one_signing_are_said_first(client):
    """Probe 18: "8 Gy en 1 fraction", "30 Gy/10 fr" and "20Gy in 5#" for one femur in one signing got no card
    (Mirels 7: radiotherapy in line); each order is checked as if it were the course. Said first, as a warning,
    with each order's words; one order, or orders for two diagnoses, say nothing of it."""
    words = ("RTE fémur G 8 Gy en 1 fraction", "RTE fémur G 30 Gy/10 fr", "RTE fémur G 20Gy in 5#")
    drafts = [order(f"rt{n}", RADIOTHERAPY, reason="Condition/lesion-1") for n in range(3)]
    for draft, text in zip(drafts, words, strict=True):
        draft["code"]["text"] = text
    found = cards(client, *MIRELS_7, *drafts)
    assert found[0]["summary"] == ("3 radiotherapy orders for one diagnosis in this signing: check which one is "
                                   "meant — left femur, shaft of femur") and found[0]["indicator"] == "warning"
    assert found[0]["detail"].startswith("These orders all name left femur, shaft of femur as their reason")
    assert all(text.replace("#", "\\#") in found[0]["detail"] for text in words), found[0]["detail"]
    assert "Condition/" not in found[0]["detail"]
    (french,) = cards(client, *MIRELS_7, *drafts[:2], language="fr")
    assert french["summary"].startswith("2 prescriptions de radiothérapie pour un même diagnostic")
    assert cards(client, *MIRELS_7, drafts[0]) == []
    # Two bones' courses each naming the primary cancer as their reason (review 18), or one naming the lesion and
    # the other the cancer: no such card; orders naming the lesion and the cancer alike: one card, not two.
    conditions, observations = MIRELS_7
    breast = condition("breast", SCT, "254837009", onset="2024-01-10")
    for_cancer = [order(f"c{n}", RADIOTHERAPY, reason="Condition/breast") for n in range(2)]
    assert not any("radiotherapy orders for one" in c["summary"]
                   for c in cards(client, [*conditions, breast], observations, *for_cancer))
    both = [order(f"b{n}", RADIOTHERAPY, reasonReference=[{"reference": "Condition/lesion-1"},
                                                          {"reference": "Condition/breast"}]) for n in range(2)]
    assert sum("radiotherapy orders for one" in c["summary"]
               for c in cards(client, [*conditions, breast], observations, *both)) == 1


def test_a_radiotherapy_ordered_with_the_orthopaedic_opinion_is_not_proposed_the_opinion_again(client):
    """Probe 19: the opinion this service's own card proposes (bonemet#orthopaedic-surgical-opinion), signed with the
    radiotherapy, still read "Radiotherapy alone ordered … surgical fixation opinion first", proposing the opinion
    again, the opinion itself on the data-review card as not recognised. The pair is said as such, nothing proposed;
    the opinion alone is no treatment ordered (no tumour-board card for a Mirels 8)."""
    opinion = order("opinion", ("http://bonemet-cds.org/fhir/CodeSystem/bonemet", "orthopaedic-surgical-opinion"),
                    reason="Condition/lesion-1")
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1")
    (card,) = cards(client, *MIRELS_9, rt, opinion)
    assert card["summary"] == ("Radiotherapy with the orthopaedic opinion, Mirels ≥ 9: fixation first if retained — "
                               "left femur, shaft of femur"), card["summary"]
    assert card["indicator"] == "warning" and "suggestions" not in card
    (french,) = cards(client, *MIRELS_9, rt, opinion, language="fr")
    assert french["summary"].replace("\u202f", " ") == ("Radiothérapie avec l'avis orthopédique, Mirels ≥ 9 : fixation "
                                                        "d'abord si retenue — fémur gauche, diaphyse fémorale")
    mirels_8 = ([lesion()], lesion_observations(pain="mild"))  # 2 + 2 + 3 + 1: the tumour board
    assert cards(client, *mirels_8, opinion) == []
    assert any("tumour board" in c["summary"] for c in cards(client, *mirels_8, rt))


@pytest.mark.parametrize("code", [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "77427",
                                               "display": "Radiation treatment management, 5 treatments"}],
                                   "text": "XRT R femur"},
                                  {"text": "Radiation Oncology - External Beam, right femur 8 Gy x 1"}])
def test_a_radiotherapy_coded_in_no_list_read_here_is_said_not_checked(client, code):
    """Probe 19: a radiotherapy coded in CPT or in words only, naming no reason, got no card at all beside a left
    femur's Mirels 11 (one for the right femur too). It is said, with attention: not checked, its words naming a
    radiotherapy; a planning CT so coded is not."""
    rt = order("rt", ("http://www.ama-assn.org/go/cpt", "77427")) | {"code": code}
    found = cards(client, *MIRELS_9, rt)
    (review,) = [c for c in found if c["source"]["topic"]["code"] == "data-review"]
    assert "its words name a radiotherapy: check its side, site and scheme" in review["detail"], review["detail"]
    assert "ValueSet" not in review["detail"]
    for words in ("CT simulation XRT", "Radiation oncology follow-up visit"):  # steps beside a course (review 19)
        beside = order("ct", ("http://www.ama-assn.org/go/cpt", "77014")) | {"code": {"text": words}}
        assert cards(client, *MIRELS_9, beside) == [], words


def test_an_opinion_naming_no_lesion_does_not_silence_radiotherapy_alone(client):
    """Review 19: two Mirels 9 lesions, a radiotherapy for the femur, the opinion naming nothing: the femur's card read
    "fixation first if retained", though the opinion may be the humerus's. Only an opinion naming the lesion (its
    reason, or its bone and side) answers "fixation first"."""
    humerus = lesion("hum", bone=HUMERUS, side=LEFT)
    observations = [*lesion_observations(), *lesion_observations("Condition/hum", prefix="h")]
    opinion = order("opinion", ("http://bonemet-cds.org/fhir/CodeSystem/bonemet", "orthopaedic-surgical-opinion"))
    found = cards(client, [lesion(), humerus], observations, order("rt", RADIOTHERAPY, reason="Condition/lesion-1"),
                  opinion)
    femur = [c for c in found if "left femur" in c["summary"].lower()]
    assert femur and all(c["summary"].startswith("Radiotherapy alone ordered") for c in femur), \
        [c["summary"] for c in found]


def test_several_courses_for_a_rib_say_its_site_and_each_orders_scheme(client):
    """Review 20: two "Teleradiotherapy procedure" orders for a left rib (a site only §1.5 counts), 8 Gy/1 and
    20 Gy/5: the card said neither the site nor the schemes that tell the orders apart."""
    dose = "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/codexrt-radiotherapy-dose-prescribed-to-volume"

    def course(oid, total, fractions):
        gray = {"value": total, "unit": "Gy", "system": "http://unitsofmeasure.org", "code": "Gy"}
        return order(oid, RADIOTHERAPY, reason="Condition/rib") | {"extension": [{"url": dose, "extension": [
            {"url": "totalDose", "valueQuantity": gray}, {"url": "fractions", "valuePositiveInt": fractions}]}]}

    rib = lesion("rib", bone="113197003", side=LEFT)
    found = cards(client, [rib], [], course("a", 8, 1), course("b", 20, 5))
    (card,) = [c for c in found if "radiotherapy orders for one diagnosis" in c["summary"]]
    assert card["summary"].endswith("— left rib"), card["summary"]
    assert "(8 Gy in 1 fraction)" in card["detail"] and "(20 Gy in 5 fractions)" in card["detail"], card["detail"]


def test_an_order_whose_words_name_other_levels_than_the_compressions_is_a_level_to_check(client):
    """Probe 24 (o17): "Laminectomie T12-L1", its reasonCode a cord compression, beside a compression "D8" in Rades
    group I: proposed for withdrawal, the levels never compared. Both named, apart: said to check, not withdrawn."""
    conditions, observations = RADES_GROUP_I
    d8 = {**conditions[1], "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "122495006"}],
                                        "text": "D8"}]}
    laminectomy = order("lam", LAMINECTOMY, reason_code=cc(ICD10, "G95.2"))
    laminectomy["code"]["text"] = "Laminectomie T12-L1"
    level, card = cards(client, [conditions[0], d8], observations, laminectomy)  # the level said first (probe 29)
    assert level["indicator"] == "warning" and level["summary"] == "Check the level: order for T12, L1, spinal cord " \
        "compression recorded at T8", level["summary"]
    assert "**Spinal cord compression recorded**" in level["detail"] and "thoracic spine (“D8”" in level["detail"]
    assert "its words name T12, L1, the compression's record T8: check the level" in card["detail"], card["detail"]
    assert not any(a["type"] == "delete" for s in card.get("suggestions", []) for a in s["actions"])
    for words in ("Laminectomie D8", "Laminectomie décompressive (cf IRM T2)", "Laminectomie puis C1J1"):
        laminectomy["code"]["text"] = words  # the same level, or no level (an MRI sequence, a cycle: review 27)
        (card,) = cards(client, [conditions[0], d8], observations, laminectomy)
        assert "check the level" not in card["detail"], words
        assert any(a["type"] == "delete" for s in card.get("suggestions", []) for a in s["actions"]), words
    # Named by its reasonReference, its words at another level: not surely this one's either (review 27).
    by_reason = order("lam", LAMINECTOMY, reason="Condition/mscc")
    by_reason["code"]["text"] = "Laminectomie L3"
    level, card = cards(client, [conditions[0], d8], observations, by_reason)
    assert level["summary"].startswith("Check the level: order for L3,") and "check the level" in card["detail"]
    assert not any(a["type"] == "delete" for s in card.get("suggestions", []) for a in s["actions"])


def test_an_order_placed_by_its_codes_is_checked_against_a_lesion_placed_by_words_of_the_same_side(client):
    """Review 34: a fixation coded for the left femur, beside two femur lesions whose sides are in words only
    ("fémur droit" Mirels 8, "fémur gauche" Mirels 9): "not checked: its site is left femur, where no lesion with a
    score is recorded", where one is. It is checked against the lesion its words place there (in line: no card), never
    against the one they place on the other side; coded for the right femur, the right one's card says how it was
    linked, and hedges."""
    right = condition("les-r", SCT, "94222008", body_site=[{"text": "fémur droit"}])
    left = condition("les-l", SCT, "94222008", body_site=[{"text": "fémur gauche"}])
    observations = lesion_observations("Condition/les-r", prefix="r") + lesion_observations(
        "Condition/les-l", size=(80, "%"), prefix="l")
    assert cards(client, [right, left], observations, order("fix", FIXATION, body_site=site(FEMUR, LEFT))) == []
    (card,) = cards(client, [right, left], observations, order("fix", FIXATION, body_site=site(FEMUR, RIGHT)))
    assert card["summary"].startswith("Possible: Mirels 8") and "“fémur droit”" in card["summary"], card["summary"]
    assert card["summary"].endswith("if the order is for it")
    assert "the lesion's site is written only (“fémur droit”), the same bone and side as the order's: check the " \
           "order is for it" in card["detail"]
    # Only the other side's lesion: the side is said first (as with a lesion placed by its codes), with its words.
    (card,) = cards(client, [left], lesion_observations("Condition/les-l", prefix="l"),
                    order("fix", FIXATION, body_site=site(FEMUR, RIGHT)))
    assert card["summary"] == "Check the side: order for the right femur, bone metastasis recorded on the “fémur " \
                              "gauche” (as written)", card["summary"]
    # A lesion whose site is not recorded at all may be the order's: checked, hedged.
    found = cards(client, [condition("les-x", SCT, "94222008")],
                  lesion_observations("Condition/les-x", pain="mild", prefix="x"),
                  order("fix", FIXATION, body_site=site(FEMUR, LEFT)))  # Mirels 7-9: a card for each category
    assert found and all("the lesion's site is not recorded: check the order is for it" in card["detail"]
                         and card["summary"].endswith("if the order is for it") for card in found), found


@pytest.mark.parametrize("placed", ["bodySite", "name"])
def test_an_order_placed_by_its_words_is_not_checked_against_the_other_sides_lesion(client, placed):
    """Review 34: "Enclouage fémur gauche" (its words only), beside "fémur droit" Mirels 8 and "fémur gauche"
    Mirels 9 (their words only): the card was the right femur's, "Mirels 8: tumour board, if the order is for it".
    The words on both sides place it: checked against the left one (in line: no card). With only the right one, the
    side is said first, the lesion by its words."""
    right = condition("les-r", SCT, "94222008", body_site=[{"text": "fémur droit"}])
    left = condition("les-l", SCT, "94222008", body_site=[{"text": "fémur gauche"}])
    right_observations = lesion_observations("Condition/les-r", prefix="r")
    left_observations = lesion_observations("Condition/les-l", size=(80, "%"), prefix="l")
    nailing = order("fix", FIXATION, body_site={"text": "fémur gauche"})
    if placed == "name":
        nailing = order("fix", FIXATION) | {"code": {**cc(*FIXATION), "text": "Enclouage prophylactique fémur gauche"}}
    assert cards(client, [right, left], right_observations + left_observations, nailing) == []
    side, hedged = cards(client, [right], right_observations, nailing)  # the words may be a slip: still checked
    assert side["indicator"] == "warning" and side["summary"].startswith(
        "Check the side: order for the left femur, bone metastasis recorded on the “fémur droit”"), side["summary"]
    assert "— “fémur droit” (as written)" in side["detail"]
    assert hedged["summary"].endswith("— “fémur droit” (as written), if the order is for it"), hedged["summary"]


def test_a_lesion_whose_side_is_a_letter_beside_its_coded_bone_has_the_side_checked(client):
    """Probe 29 (r43): "fémur D" (the femur coded, no side coded), Mirels 12, and a radiotherapy coded for the left
    femur: "… — femur (side not stated), if the order is for it", "the lesion's side is not stated". The letter beside
    the bone's name is read as the side (flagged as read from the text): the side is said first, the check hedged."""
    femur_d = condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": FEMUR}],
                                                                 "text": "fémur D"}])
    observations = lesion_observations(size=(80, "%"), pain="functional")
    side, card = cards(client, [femur_d], observations, order("rt", RADIOTHERAPY, body_site=site(FEMUR, LEFT)))
    assert side["summary"] == "Check the side: order for the left femur, bone metastasis recorded on the right femur"
    assert card["summary"].endswith("— right femur (side read from the text), if the order is for it"), card["summary"]
    assert "the lesion's side is not coded, and its words (“fémur D”) write the other side: check which side it is " \
           "for" in card["detail"]
    assert "Right femur (side read from the text)" in card["detail"]
    # "D" away from the bone's name (a doctor's initial) is no side.
    initial = condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": FEMUR}],
                                                                 "text": "fémur, vu par Dr D. Martin"}])
    found = cards(client, [initial], observations, order("rt", RADIOTHERAPY, body_site=site(FEMUR, LEFT)))
    assert not any(card["summary"].startswith("Check the side") for card in found), found


def test_a_radiotherapy_for_one_lesion_of_a_femur_is_checked_against_the_other_lesion_of_that_femur(client):
    """Probe 29 (r42): a left femur's trochanter at Mirels 12 ("fixation first") and its shaft at 5; 30 Gy ordered for
    the shaft: one info card on the scheme. For a long bone the guideline irradiates the whole affected bone (§2.1):
    the trochanter's check is said first, as a warning, never proposing to withdraw the shaft's course."""
    trochanter = lesion("troch", bone="182047004")
    shaft = lesion("shaft")
    observations = lesion_observations("Condition/troch", size=(80, "%"), pain="functional", prefix="t") + \
        lesion_observations("Condition/shaft", size=(20, "%"), kind="blastic", pain="mild", prefix="s")
    found = cards(client, [trochanter, shaft], observations, order("rt", RADIOTHERAPY, reason="Condition/shaft"))
    assert found[0]["indicator"] == "warning" and found[0]["summary"] == (
        "Radiotherapy alone ordered, Mirels ≥ 9: surgical fixation opinion first — left femur, trochanter, its bone "
        "irradiated by the order"), [card["summary"] for card in found]
    assert "ordered for another lesion of this bone (left femur, shaft of femur): for a long bone, the volume the " \
           "guideline irradiates takes in the whole affected bone (§2.1)" in found[0]["detail"]
    assert not any(s["label"].startswith("Withdraw") for card in found for s in card.get("suggestions", []))
    # Another bone's lesion (the right femur): nothing to say of it.
    right = lesion("troch", bone="182047004", side=RIGHT)
    assert not any("Mirels ≥ 9" in card["summary"] for card in cards(
        client, [right, shaft], observations, order("rt", RADIOTHERAPY, reason="Condition/shaft")))


def test_review_35_sides_and_levels_read_no_further_than_the_words_say(client):
    """Review 35: "fémur G et D" read as the left femur ("Check the side: … recorded on the left femur"); "Métastase
    humérale sein gauche" drove a side check on the primary's side; "RTE L3" beside compressions at D8 and L3 read
    "Check the level … at T8"; a single fraction whose name writes "30 Gy en 10 fractions" hid group I's advice."""
    both = condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": FEMUR}],
                                                              "text": "fémur G et D"}])
    found = cards(client, [both], lesion_observations(size=(80, "%")),
                  order("rt", RADIOTHERAPY, body_site=site(FEMUR, RIGHT)))
    assert not any(card["summary"].startswith("Check the side") for card in found), found
    breast = condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": HUMERUS}],
                                                                "text": "Métastase humérale sein gauche"}])
    found = cards(client, [breast], lesion_observations(size=(80, "%")),
                  order("rt", RADIOTHERAPY, body_site=site(HUMERUS, RIGHT)))
    assert not any(card["summary"].startswith("Check the side") for card in found), found
    conditions, observations = RADES_GROUP_I
    d8 = {**conditions[1], "bodySite": [{"coding": [{"system": SCT, "code": "122495006"}], "text": "D8"}]}
    l3 = {**conditions[1], "id": "mscc-l3", "bodySite": [{"coding": [{"system": SCT, "code": "122496007"}],
                                                          "text": "L3"}]}
    rt_l3 = order("rt", RADIOTHERAPY, body_site={"coding": [{"system": SCT, "code": "122496007"}], "text": "L3"})
    rt_l3["code"]["text"] = "RTE L3 20 Gy/5"
    found = cards(client, [conditions[0], d8, l3], observations, rt_l3)
    assert not any(card["summary"].startswith("Check the level") for card in found), [c["summary"] for c in found]
    named_otherwise = order("rt", RADIOTHERAPY, reason="Condition/mscc", extension=[{
        "url": "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
               "codexrt-radiotherapy-dose-prescribed-to-volume",
        "extension": [{"url": "totalDose", "valueQuantity": {"value": 8, "unit": "Gy", "code": "Gy",
                                                             "system": "http://unitsofmeasure.org"}},
                      {"url": "fractions", "valuePositiveInt": 1}]}])
    named_otherwise["code"]["text"] = "RTE D9 30 Gy en 10 fractions"
    found = cards(client, *RADES_GROUP_I, named_otherwise)
    assert any("prefer hypofractionation" in card["summary"] for card in found), [c["summary"] for c in found]


def test_a_chemotherapy_cycle_is_no_vertebral_level():
    from service.facts.levels import levels_named

    assert levels_named("Laminectomie puis C1 J1") == [] and levels_named("RTE D8, cycle C3") == ["T8"]


def test_an_order_coded_without_words_is_named_in_the_readers_language(client):
    """Probe 29: French cards named orders "Teleradiotherapy procedure" (the code's English title) where the ValueSet
    gives « Radiothérapie externe »; its own words, when it has some, are said as written."""
    rt = order("rt", RADIOTHERAPY, reason="Condition/lesion-1")
    rt["code"]["coding"][0]["display"] = "Teleradiotherapy procedure"
    (card,) = cards(client, *MIRELS_9, rt, language="fr")
    assert "- Radiothérapie externe" in card["detail"] and "Teleradiotherapy" not in card["detail"], card["detail"]
    (card,) = cards(client, *MIRELS_9, rt)
    assert "- Teleradiotherapy procedure" in card["detail"]
    rt["code"]["text"] = "RTE fémur G"
    (card,) = cards(client, *MIRELS_9, rt, language="fr")
    assert "- RTE fémur G" in card["detail"]
