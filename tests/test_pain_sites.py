"""§1.1 beyond the long bones (facts/pain_sites.py, the rule in calculators/situations.py, the cards in render/): a
painful bone metastasis of a rib, the pelvis, the sternum, a vertebra. A probe found painful ribs (NRS 8, 9), an
acetabulum (Mirels pain "functional"), the sternum and L3 (NRS 8) never given §1.1, with no word of their pain: the
clinician could not tell "not painful" from "outside the service's §1.1"."""

from datetime import UTC, date, datetime, timedelta

import pytest

from service.facts import MappingOptions, extract_facts
from service.pipeline import assess_patient
from service.render.bundle import outcome_issues
from service.render.cards import cards_for_patient
from support.fhir_builders import (
    CIM10,
    FEMUR_SHAFT,
    LEFT,
    LOINC,
    RIGHT,
    SCT,
    condition,
    lesion,
    lesion_observations,
    observation,
    patient,
    site,
)
from support.fhir_schema_check import schema_errors

AS_OF = date.today()
RIB, LUMBAR_SPINE = "113197003", "122496007"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"


def rib(cid="rib", side=LEFT, **kwargs):
    return lesion(cid, bone=RIB, side=side, onset=(AS_OF - timedelta(days=40)).isoformat(), **kwargs)


def l3(cid="l3"):
    concept = {"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L3"}
    return condition(cid, SCT, "94222008", body_site=[concept], onset=(AS_OF - timedelta(days=40)).isoformat())


def nrs(value, focus, oid="nrs", days_ago=2, **kwargs):
    found = observation(oid, "72514-3", system=LOINC, focus=focus, valueInteger=value,
                        effective=(AS_OF - timedelta(days=days_ago)).isoformat(), **kwargs)
    found["code"]["text"] = "EVA / NRS"
    return found


def assessed(*resources, locale="en"):
    result = assess_patient([patient(), *resources], "Patient/p1", when=datetime.now(UTC), as_of=AS_OF,
                            locale=locale)
    return result, [card for _, card in cards_for_patient(result.assessments, result.facts, locale, result.advice)]


def pain_cards(cards):
    return [card for card in cards if card["source"]["topic"]["code"] == "painful-bone-metastasis"]


def test_a_painful_left_rib_gets_one_card_naming_the_site_and_its_pain_record_in_english_and_french():
    _, cards = assessed(rib(), nrs(8, "Condition/rib"))
    (card,) = pain_cards(cards)
    assert card["summary"] == ("Painful bone metastasis (guideline §1.1) — left rib: radiotherapy is the first "
                               "treatment if analgesics do not control the pain")
    assert card["indicator"] == "info"
    assert "Whether the analgesics control the pain is not read from the record." in card["detail"]
    assert f"- left rib: “EVA / NRS”, {(AS_OF - timedelta(days=2)).isoformat()}: 8" in card["detail"]
    (action,) = card["suggestions"][0]["actions"]
    care_plan = action["resource"]
    assert care_plan["addresses"] == [{"reference": "Condition/rib"}]
    assert care_plan["supportingInfo"] == [{"reference": "Observation/nrs"}]
    assert care_plan["activity"][0]["detail"]["code"]["coding"][0]["code"] == "analgesic-radiotherapy"
    assert schema_errors(care_plan) == []
    _, cards = assessed(rib(), nrs(8, "Condition/rib"), locale="fr")
    (card,) = pain_cards(cards)
    assert card["summary"].startswith("Métastase douloureuse (§1.1) — côte gauche\u202f: la radiothérapie est le "
                                      "premier traitement")
    assert "**Sites douloureux**" in card["detail"] and "- côte gauche\u202f: «\u202f" in card["detail"]
    assert "Le contrôle de la douleur par les antalgiques n'est pas lu dans le dossier." in card["detail"]


def test_a_rib_with_a_pain_score_of_0_or_an_old_one_or_one_from_before_it_began_gets_no_card():
    assert len(pain_cards(assessed(rib(), nrs(8, "Condition/rib"))[1])) == 1  # what each record below changes
    for record in ([nrs(0, "Condition/rib")], [nrs(8, "Condition/rib", days_ago=45)],
                   [nrs(8, "Condition/rib", days_ago=41)], []):
        result, cards = assessed(rib(), *record)
        assert pain_cards(cards) == [] and not [a for a in result.advice if a.advice.situation.name == "pain"]
    # The latest record decides: 8, then 0 two days later, is no pain now.
    _, cards = assessed(rib(), nrs(8, "Condition/rib", "old", days_ago=5), nrs(0, "Condition/rib"))
    assert pain_cards(cards) == []


def test_pain_is_linked_by_the_same_bodysite_and_side_and_by_a_sins_pain_or_mirels_pain_of_any_value():
    by_site = nrs(6, None, body_site=site(RIB, LEFT))
    _, cards = assessed(rib(), by_site)
    assert "left rib" in pain_cards(cards)[0]["summary"]
    _, cards = assessed(rib(), nrs(6, None, body_site=site(RIB, RIGHT)))  # the other side: not this rib's
    assert pain_cards(cards) == []
    for code, painful in (("mild", True), ("functional", True)):
        mirels = observation("mp", "mirels-pain", focus="Condition/rib", **{"valueCodeableConcept": {
            "coding": [{"system": "http://bonemet-cds.org/fhir/CodeSystem/bonemet", "code": code}]}})
        assert bool(pain_cards(assessed(rib(), mirels)[1])) is painful
    for row, painful in (("occasional_non_mechanical_pain", True), ("pain_free_lesion", False)):
        sins = observation("sp", "sins-pain", focus="Condition/rib", **{"valueCodeableConcept": {
            "coding": [{"system": "http://bonemet-cds.org/fhir/CodeSystem/table-row", "code": row}]}})
        assert bool(pain_cards(assessed(rib(), sins)[1])) is painful


def test_two_painful_sites_share_one_card_and_a_broken_rib_gets_no_advice_and_says_why():
    sternum = condition("sternum", SCT, "94222008", body_site=[site("56873002")],
                        onset=(AS_OF - timedelta(days=40)).isoformat())
    _, cards = assessed(rib(), sternum, nrs(8, "Condition/rib"), nrs(6, "Condition/sternum", "nrs2"))
    (card,) = pain_cards(cards)
    assert "left rib, sternum" in card["summary"] and len(card["suggestions"][0]["actions"]) == 2
    fracture = condition("fx", ICD10_CM, "M84.58XA", body_site=[site(RIB, LEFT)])
    result, cards = assessed(rib(), nrs(8, "Condition/rib"), fracture)
    assert not [a for a in result.advice if a.advice.situation.name == "pain"]
    # Alone, the card says why, and proposes nothing (it said nothing at all, the fracture on a data-review card in
    # Mirels's words: probe 15); the answer Bundle says it too.
    (card,) = pain_cards(cards)
    assert card["summary"] == ("Painful bone metastasis (guideline §1.1) — left rib: not given, a complication is or "
                               "may be recorded (see below)") and "suggestions" not in card
    # Twelve ribs a side: a fracture of a left rib may be another rib than this one (said so), and still withholds it.
    assert "- left rib: a fracture of a rib on this side is recorded (“M84.58XA”): it may be this rib" in card["detail"]
    assert result.facts.entry("Condition/fx").outcome == "used"
    assert any("§1.1) not given for Condition/rib (left rib)" in issue["diagnostics"]
               for issue in outcome_issues("Patient/p1", result.facts, result.assessments, locale="en",
                                           advice=result.advice))
    # Beside another painful site, the broken rib is said with why.
    _, cards = assessed(rib(), sternum, nrs(8, "Condition/rib"), nrs(6, "Condition/sternum", "nrs2"), fracture)
    (card,) = pain_cards(cards)
    assert "— sternum:" in card["summary"]
    assert "**Not given: the guideline's first treatment is for an uncomplicated metastasis, and this one may not " \
           "be**\n- left rib: a fracture of a rib on this side is recorded (“" in card["detail"]
    # A bone that is one a side (the scapula): a fracture of it on this side is this bone's.
    scapula = lesion("scap", bone="79601000", side=LEFT, onset=(AS_OF - timedelta(days=40)).isoformat())
    broken = condition("fx2", ICD10_CM, "M84.512A", body_site=[site("79601000", LEFT)])
    (card,) = pain_cards(assessed(scapula, nrs(8, "Condition/scap"), broken)[1])
    assert "- left scapula: a fracture of this bone and side is recorded (“M84.512A”)" in card["detail"]
    # A fracture of the other rib, or of a femur, is not this one's.
    for other in (condition("fx", ICD10_CM, "M84.58XA", body_site=[site(RIB, RIGHT)]),
                  condition("fx", ICD10_CM, "M84.552A")):
        assert len(pain_cards(assessed(rib(), nrs(8, "Condition/rib"), other)[1])) == 1


@pytest.mark.parametrize("code, bone, words", [
    ("S22.3", RIB, "Fracture 7e côte G"),  # an injury code of a rib, its bodySite the rib
    ("S22.4", RIB, "Fractures costales multiples G"),
    ("S32.3", "22356005", "Fracture aile iliaque G"),
    ("S32.8", "22356005", "Fracture aile iliaque G"),  # a code of two editions' meanings: its words and site say it
])
def test_a_fracture_of_a_rib_or_the_pelvis_coded_as_an_injury_withholds_the_first_treatment(code, bone, words):
    """Probe 25 (r86, r82c): a painful left-rib metastasis beside "Fracture 7e côte G" (CIM-10 S22.3, bodySite left
    rib) was called uncomplicated, the fracture said nowhere; only the pathological-fracture codes were read."""
    metastasis = lesion("met", bone=bone, side=LEFT, onset=(AS_OF - timedelta(days=40)).isoformat())
    fracture = condition("fx", "https://smt.esante.gouv.fr/terminologie-cim-10", code, body_site=[site(bone, LEFT)],
                         onset=(AS_OF - timedelta(days=5)).isoformat())
    fracture["code"]["text"] = words
    result, cards = assessed(metastasis, nrs(8, "Condition/met"), fracture)
    (card,) = pain_cards(cards)
    assert card["summary"].endswith(": not given, a complication is or may be recorded (see below)"), card["summary"]
    assert f"(“{words}”" in card["detail"] and "suggestions" not in card
    assert result.facts.entry("Condition/fx").outcome == "used"
    if code == "S32.8":  # read by its words only: words that say it healed are no fracture now
        fracture["code"]["text"] = f"{words} consolidée"
        (card,) = pain_cards(assessed(metastasis, nrs(8, "Condition/met"), fracture)[1])
        assert ": not given" not in card["summary"], card["summary"]


@pytest.mark.parametrize("code, words, given", [
    (None, "Fracture aile iliaque G", False),  # words alone, its bodySite the bone: a fracture that may be (review 29)
    ("S32.8", "Fracture aile iliaque G à éliminer", False),  # ruled out, suspected: may be, never dropped
    ("S32.8", "Fracture aile iliaque G ?", False),
    (None, "Fracture prevention", True),  # no fracture at all (review 28)
    ("S32.8", "Fracture aile iliaque G consolidée", True),  # healed: no complication now
])
def test_a_fracture_in_words_only_or_not_yet_certain_may_be_a_complication_a_prevention_none(code, words, given):
    metastasis = lesion("met", bone="22356005", side=LEFT, onset=(AS_OF - timedelta(days=40)).isoformat())
    fracture = condition("fx", "https://smt.esante.gouv.fr/terminologie-cim-10", code or "X",
                         body_site=[site("22356005", LEFT)], onset=(AS_OF - timedelta(days=5)).isoformat())
    if code is None:
        fracture["code"] = {"text": words}
    fracture["code"]["text"] = words
    (card,) = pain_cards(assessed(metastasis, nrs(8, "Condition/met"), fracture)[1])
    assert (": not given" not in card["summary"]) is given, card["summary"]


def test_a_condition_opening_with_fracture_under_no_code_does_not_take_a_mirels_score_away():
    """Review 28: "Fracture prevention: prophylactic nailing planned" (no code, bodySite left trochanter) read as the
    femur broken; the Mirels 12 card, "fixation first", was replaced by "Mirels no longer applies". Review 29: one
    recorded in words only, or as possible, is said first, the score kept."""
    from support.fhir_builders import TROCHANTER

    words = condition("prev", SCT, "x", body_site=[site(TROCHANTER, LEFT)])
    words["code"] = {"text": "Fracture prevention: prophylactic nailing planned"}
    result, _ = assessed(lesion(bone=TROCHANTER), words, *lesion_observations())
    assert [a.score.total_text for a in result.assessments] == ["10"]  # a scored lesion, not a broken bone
    # A code that says the fracture keeps it sure, whatever its words' doubts are about (review 30: "appui
    # impossible", "origine métastatique probable" under S72.0 and M84.45 brought "fixation first" back).
    for system, code, text in (("http://hl7.org/fhir/sid/icd-10", "S72.0", "Fracture col fémoral G, appui impossible"),
                               ("http://hl7.org/fhir/sid/icd-10", "M84.45", "Fracture fémur G, origine probable"),
                               (SCT, "71620000", "Fracture of femur")):
        words["code"] = {"coding": [{"system": system, "code": code}], "text": text}
        result, _ = assessed(lesion(bone=TROCHANTER), words, *lesion_observations())
        assert result.assessments == [], (code, [a.score.total_text for a in result.assessments])
    for text in ("Fracture diaphysaire", "Fracture fémur G probable"):
        words["code"] = {"text": text}
        result, _ = assessed(lesion(bone=TROCHANTER), words, *lesion_observations())
        (scored,) = result.assessments
        assert scored.score.total_text == "10" and any(
            "a fracture of this bone and side may be recorded (Condition/prev)" in flag
            for flag in scored.facts.fractures_to_check), scored.facts.fractures_to_check


def test_two_ribs_of_one_side_are_told_apart_by_their_words_and_a_pain_at_that_side_names_both():
    """Probe 25 (r80): "7e côte D" and "9e côte D" listed once, "right rib", under §1.5's sites counted, and a right-rib
    pain score said "no active long-bone metastasis Condition to attach it to" (not true, nor a clinician's words)."""
    seventh, ninth = rib("r7", side=RIGHT), rib("r9", side=RIGHT)
    seventh["bodySite"][0]["text"], ninth["bodySite"][0]["text"] = "7e côte D", "9e côte D"
    pain = nrs(6, None, body_site=site(RIB, RIGHT) | {"text": "9e côte D"})
    _, cards = assessed(seventh, ninth, pain)
    (oligo,) = [card for card in cards if "oligometastatic" in card["summary"]]
    assert "- right rib (“7e côte D” in the record)\n- right rib (“9e côte D” in the record)" in oligo["detail"]
    (review,) = [card for card in cards if card["summary"].startswith("Data not used")]
    assert "its recorded site matches several lesions (“" in review["detail"], review["detail"]
    assert "long-bone" not in review["detail"]


def _sins_card(cards):
    return next(card for card in cards if card["source"]["topic"]["code"] == "sins")


def test_the_rule_for_another_bone_needs_no_complication_and_says_a_sins_that_is_not_stable():
    from service.calculators.sins import SinsInputs, score_sins
    from service.calculators.situations import PainInputs, pain

    stable = score_sins(SinsInputs("rigid_spine", "occasional_non_mechanical_pain", "blastic_bone_lesion",
                                   "normal_alignment", "no_collapse_none_of_the_above",
                                   "posterolateral_none"))
    unstable = score_sins(SinsInputs("junctional_spine", "mechanical_pain", "lytic_bone_lesion",
                                     "subluxation_translation", "collapse_over_50_percent", "posterolateral_bilateral"))
    assert stable.category.value == "stable" and unstable.category.value == "unstable"
    assert pain(PainInputs(True, long_bone=False), stable).missing == ()
    (said_beside,) = pain(PainInputs(True, long_bone=False), unstable).missing
    assert "the guideline does not say whether spinal instability" in str(said_beside)
    assert pain(PainInputs(True, long_bone=False), None).missing == ()  # a rib: no score card
    assert pain(PainInputs(True, long_bone=False, complications=("a fracture",)), None) is None
    assert pain(PainInputs(False, long_bone=False), None) is None


def test_a_painful_l3_gets_its_line_on_its_sins_card_and_none_with_a_compression_at_l3():
    result, cards = assessed(l3(), nrs(8, "Condition/l3"))
    assert pain_cards(cards) == []
    card = _sins_card(cards)
    assert card["detail"].startswith("**Painful bone metastasis (guideline §1.1)**: Radiotherapy is the first "
                                     "treatment of painful uncomplicated bone metastases")
    # SINS undetermined: said, never decided (the sources do not say whether instability is a complication).
    assert "the guideline does not say whether spinal instability makes a bone metastasis complicated" in card["detail"]
    (care_plan,) = [a["resource"] for s in card["suggestions"] for a in s["actions"]
                    if a["resource"]["resourceType"] == "CarePlan"]
    assert care_plan["addresses"] == [{"reference": "Condition/l3"}] and schema_errors(care_plan) == []
    # $assess and bulk write the CarePlans the hook's cards carry (the same pipeline).
    assert care_plan in [r for r in result.resources if r["resourceType"] == "CarePlan"]
    at_l3 = condition("mscc", CIM10, "G95.2", body_site=[{"coding": [{"system": SCT, "code": LUMBAR_SPINE}],
                                                          "text": "L3"}])
    result, cards = assessed(l3(), nrs(8, "Condition/l3"), at_l3)
    assert not [a for a in result.advice if a.advice.situation.name == "pain"]
    card = _sins_card(cards)
    assert card["detail"].startswith("**Painful bone metastasis (guideline §1.1)**: not given for this lesion: the "
                                     "guideline's first treatment is for an uncomplicated metastasis, and this one may "
                                     "not be: a spinal cord compression is recorded at this level (“")
    # At another level (T7): not this metastasis's complication; at a level not stated: it may be.
    at_t7 = condition("mscc", CIM10, "G95.2", body_site=[{"coding": [{"system": SCT, "code": "122495006"}],
                                                          "text": "T7"}])
    assert "pain" in [a.advice.situation.name for a in assessed(l3(), nrs(8, "Condition/l3"), at_t7)[0].advice]
    unstated = condition("mscc", CIM10, "G95.2")
    result, cards = assessed(l3(), nrs(8, "Condition/l3"), unstated)
    assert "whose level cannot be compared with this lesion's: it may be at this level" in _sins_card(cards)["detail"]


def test_a_painful_femur_keeps_its_mirels_card_line_unchanged_beside_a_painful_ribs_card():
    femur = lesion(bone=FEMUR_SHAFT, side=LEFT)
    _, cards = assessed(femur, *lesion_observations(kind="blastic", size=(20, "%")))
    (mirels,) = [card for card in cards if card["source"]["topic"]["code"] == "mirels"]
    assert mirels["detail"].startswith("**Painful bone metastasis (guideline §1.1)**: Radiotherapy is the first "
                                       "treatment of painful uncomplicated bone metastases that resist analgesic "
                                       "drugs. Whether the analgesics control the pain is not read from the "
                                       "record.\n\n")
    assert pain_cards(cards) == []
    _, cards = assessed(femur, *lesion_observations(kind="blastic", size=(20, "%")), rib("rib", side=RIGHT),
                        nrs(9, "Condition/rib"))
    (card,) = pain_cards(cards)  # the rib's alone: the femur's §1.1 stays on its Mirels card, said once
    assert "— right rib:" in card["summary"] and "femur" not in card["detail"]
    assert [c["detail"].count("(guideline §1.1)**") for c in cards if c["source"]["topic"]["code"] == "mirels"] == [1]


def test_the_pain_record_is_reported_as_used_for_the_guideline():
    found = extract_facts([patient(), rib(), nrs(8, "Condition/rib")], MappingOptions(as_of=AS_OF))
    assert found.entry("Observation/nrs").outcome == "used"
    assert "pain of Condition/rib, read for guideline §1.1" in found.entry("Observation/nrs").reason



def test_a_painful_vertebra_with_an_old_fusion_says_the_fusion_before_radiotherapy_first():
    """An L3 fused in 2019 (CCAM, no words) and painful now: its SINS card opened "Painful bone metastasis: radiotherapy
    is the first treatment" and said the fusion after it (probe 15). What must be checked comes first."""
    fusion = {"resourceType": "Procedure", "id": "fusion", "status": "completed",
              "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "LHDA002"}]},
              "performedDateTime": "2019-05-14", "reasonReference": [{"reference": "Condition/l3"}]}
    _, cards = assessed(l3(), nrs(8, "Condition/l3"), fusion)
    detail = _sins_card(cards)["detail"]
    assert detail.index("**Check first**") < detail.index("**Painful bone metastasis (guideline §1.1)**"), detail


def test_a_ribs_side_in_a_vendor_extension_is_quoted_and_a_score_written_as_text_is_said():
    """A rib whose side is only in a vendor's laterality extension read "rib (side not stated)" with nothing of it (a
    femur's was quoted: probe 15); a sternum's "8/10" written as text was dropped without a word."""
    vendor = rib(side=None)
    vendor["extension"] = [{"url": "https://fhir.cerner.com/StructureDefinition/laterality",
                            "valueCodeableConcept": {"text": "Right"}}]
    _, cards = assessed(vendor, nrs(7, "Condition/rib"))
    (card,) = pain_cards(cards)
    assert "- rib (side not stated) (“Right” in the record): “EVA / NRS”" in card["detail"], card["detail"]
    sternum = condition("sternum", SCT, "94222008", body_site=[site("56873002")],
                        onset=(AS_OF - timedelta(days=40)).isoformat())
    text = observation("nrs", "72514-3", system=LOINC, focus="Condition/sternum", valueString="8/10",
                       effective=(AS_OF - timedelta(days=2)).isoformat())
    result, cards = assessed(sternum, text)
    assert pain_cards(cards) == [] and result.facts.entry("Observation/nrs").attention
    assert "its value (8/10) is not read as a pain of Condition/sternum" in result.facts.entry("Observation/nrs").reason
    assert any("Data not used" in card["summary"] for card in cards)


def test_a_pain_of_a_refuted_lesion_is_said_as_such_not_as_nothing_to_attach_it_to():
    """Pain scores of a refuted rib and of an entered-in-error pelvis read twice "no active long-bone metastasis
    Condition to attach it to", alike (probe 15): each says which record it describes."""
    refuted = rib(verification="refuted")
    _, cards = assessed(refuted, nrs(8, "Condition/rib"))
    review = next(card for card in cards if "Data not used" in card["summary"])
    assert "it describes “" in review["detail"] and "attach it to" not in review["detail"]
    assert "whose diagnosis is recorded as refuted: never counts" in review["detail"]  # probe 28: not "no active …"


def test_a_fracture_of_the_sacrum_is_the_sacrums_whatever_its_level():
    """A painful sacrum beside a fracture coded sacrum: "its bone, side or level is not stated ... it may be of this
    bone", though both are the sacrum, one bone (probe 15)."""
    sacrum = condition("sacrum", SCT, "94222008", body_site=[site("54735007")],
                       onset=(AS_OF - timedelta(days=40)).isoformat())
    fracture = condition("fx", ICD10_CM, "M84.58XA", body_site=[site("54735007")])
    result, _ = assessed(sacrum, nrs(7, "Condition/sacrum"), fracture)
    (withheld,) = [found for found in result.facts.situations if found.situation == "pain"]
    assert [str(reason) for reason in withheld.inputs.complications] == [
        "a fracture of this bone is recorded (Condition/fx)"]


def test_old_pain_records_beside_a_current_one_are_not_on_the_data_review_card():
    """Forty flowsheet scores from before the rib's lesion beside a current 7/10: a data-review card of forty lines
    (review 15). They could change nothing: named in the report only; with nothing current, they are on the card."""
    old = [nrs(6, "Condition/rib", f"old-{i}", days_ago=400 + i) for i in range(5)]
    result, cards = assessed(rib(), nrs(7, "Condition/rib"), *old)
    assert len(pain_cards(cards)) == 1 and not any("Data not used" in card["summary"] for card in cards)
    assert not result.facts.entry("Observation/old-0").attention
    result, cards = assessed(rib(), *old)
    assert result.facts.entry("Observation/old-0").attention


def test_a_fracture_of_the_level_before_the_lesion_began_is_no_complication_of_it():
    """Review 17: a 2015 lumbar fracture (S32.0) withheld §1.1 for an L3 metastasis that began 40 days ago. Broken
    before this metastasis began, it is no complication of it (long bones already read it so)."""
    old_fracture = condition("fx", "http://hl7.org/fhir/sid/icd-10", "S32.0", onset="2015-06-01")
    result, _ = assessed(l3(), nrs(8, "Condition/l3"), old_fracture)
    assert [a for a in result.advice if a.advice.situation.name == "pain"]  # given: the fracture is of another time
    recent = old_fracture | {"onsetDateTime": (AS_OF - timedelta(days=5)).isoformat()}
    result, _ = assessed(l3(), nrs(8, "Condition/l3"), recent)
    assert not [a for a in result.advice if a.advice.situation.name == "pain"]  # withheld: it may be a complication


def test_a_metastasis_placed_at_the_spine_by_its_words_only_gets_no_mirels_card_and_its_pain_is_a_site_of_1_1():
    """Probe 28 (r21): "MTS rachis D4, D7, L2" coded C79.5, no bodySite, an NRS 7 of it. It got a Mirels card, "site
    not recorded, Mirels score 4-12" (no long bone), its pain "not mapped to a Mirels category", and the §1.1 card
    listed the rib only. Its words place it at the spine: no Mirels card, the reason said on the data card, its pain
    a site of §1.1 quoted as written; a compression recorded beside it, whose level cannot be compared, withholds
    the advice as at a vertebra coded."""
    spine = condition("vert", ICD10_CM, "C79.51", onset=(AS_OF - timedelta(days=30)).isoformat())
    spine["code"]["text"] = "MTS rachis D4, D7, L2"
    result, cards = assessed(spine, nrs(7, "Condition/vert"))
    assert result.facts.scored_by("mirels") == []
    (card,) = pain_cards(cards)
    assert f"- “MTS rachis D4, D7, L2” (as written): “EVA / NRS”, {(AS_OF - timedelta(days=2)).isoformat()}: 7" \
        in card["detail"], card["detail"]
    review = next(card for card in cards if card["summary"].startswith("Data not used"))
    assert "its words place it at the spine (“MTS rachis D4, D7, L2”) and no site is coded" in review["detail"]
    # Its other records (a lytic type: SINS reads a type, were its site coded) are named, not dropped (review 33).
    kind = observation("type", "lesion-type", focus="Condition/vert", valueCodeableConcept={
        "coding": [{"system": "http://bonemet-cds.org/fhir/CodeSystem/bonemet", "code": "lytic"}]})
    _, cards = assessed(spine, nrs(7, "Condition/vert"), kind)
    review = next(card for card in cards if card["summary"].startswith("Data not used"))
    assert "whose site is not coded: not read" in review["detail"], review["detail"]
    compression = condition("mscc", ICD10_CM, "G95.20", onset=(AS_OF - timedelta(days=5)).isoformat())
    result, cards = assessed(spine, nrs(7, "Condition/vert"), compression)
    (pain,) = [situation for situation in result.facts.situations if situation.situation == "pain"]
    assert pain.inputs.complications, pain.inputs


@pytest.mark.parametrize("side, said", [(RIGHT, "a fracture of this bone and side is recorded (Condition/fx)"),
                                        (LEFT, None)])
def test_a_fracture_coded_by_its_bone_takes_the_side_its_body_site_codes(side, said):
    """Probe 28 (r41): a painful right ilium beside "Fracture aile iliaque D", coded S32.3 (ilium, no side) with its
    bodySite the right ilium: "a fracture … whose bone, side or level is not stated or cannot be compared … it may be
    of this bone". Its bodySite gives the side, as a long bone's fracture takes it: this bone and side, or, the left
    ilium, not this one's."""
    ilium = condition("il", SCT, "94222008", body_site=[site("22356005", RIGHT)],
                      onset=(AS_OF - timedelta(days=40)).isoformat())
    fracture = condition("fx", "https://smt.esante.gouv.fr/terminologie-cim-10", "S32.3",
                         body_site=[site("22356005", side)])
    result, _ = assessed(ilium, nrs(7, "Condition/il"), fracture)
    (pain,) = [found for found in result.facts.situations if found.situation == "pain"]
    assert [str(reason) for reason in pain.inputs.complications] == ([said] if said else [])
