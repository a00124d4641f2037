"""Cards as a clinician reads them at 3 a.m. (probe 6): a summary keeps what is missing in either language, a card
names no code nor FHIR element, the §1.5 card's count and list agree, and two records described alike are told
apart."""

import re
import uuid
from datetime import date, timedelta

import pytest

from service.i18n import typeset
from support.answer_checks import advice_cards, without_advice
from support.fhir_builders import (
    FEMUR,
    FEMUR_NECK,
    FEMUR_SHAFT,
    HUMERUS,
    ICD10,
    LEFT,
    LOINC,
    RECENT,
    RIGHT,
    SCT,
    cc,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    operated_compression,
    patient,
    quantity,
    site,
)
from support.fhir_schema_check import schema_errors

SERVICE = "/cds-services/bonemet-patient-view"


@pytest.fixture(scope="module")
def client(make_app):
    return make_app().test_client()


def searchset(*resources):
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def cards_of(client, conditions, observations, language="en", procedures=None):
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations),
                         "procedures": searchset(*procedures) if procedures else None}}
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


@pytest.mark.parametrize("language, said", [("en", "category undetermined, uncertain: site"),
                                            ("fr", "catégorie indéterminée, incertain\u202f: localisation")])
def test_an_uncertain_item_is_not_called_missing(client, language, said):
    """A femur with no region is the lower limb (2) or peritrochanteric (3): the summary said "missing: site"."""
    femur = condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR, LEFT)])
    (card,) = without_advice(cards_of(client, [femur], lesion_observations(pain="mild"), language))  # 8 or 9
    assert card["summary"].endswith(said), card["summary"]
    observations = [o for o in lesion_observations() if not o["id"].endswith("pain")]
    (card,) = without_advice(cards_of(client, [femur], observations, "en"))
    assert card["summary"].endswith("missing: pain; uncertain: site"), card["summary"]


def test_a_summary_says_the_old_record_a_score_rests_on_in_either_language_shortening_the_place_first(client):
    """The French summary, longer, dropped "(statut viscéral du …)" where the English kept it: a score resting on an
    80-day-old visceral status read as current (probe 11). The place gives way first, as for what is missing."""
    from datetime import date, timedelta

    old = (date.today() - timedelta(days=80)).isoformat()
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    observations = [observation("motor", "motor-function", **coded("ambulatory-without-aid")),
                    observation("visceral", "visceral-metastases", effective=old, **coded("2667000", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    for language, said in (("en", f"(visceral status of {old})"),
                           ("fr", f"(statut viscéral du {date.fromisoformat(old).strftime('%d/%m/%Y')})")):
        (card,) = without_advice(cards_of(client, conditions, observations, language))
        assert card["summary"].endswith(said), card["summary"]


def test_a_conflict_of_dated_records_is_not_said_undated(client):
    """Probe 18: visceral "none" on an Observation and a liver metastasis Condition, both dated, disagree: the card
    opened with "The score rests on: records undated". A conflict has no one date; each record's is in its note."""
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine]),
                  condition("liver", SCT, "94381002", onset=RECENT)]
    observations = [observation("motor", "motor-function", **coded("ambulatory-without-aid")),
                    observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    (card,) = without_advice(cards_of(client, conditions, observations, "en"))
    assert "disagree" in card["detail"], card["detail"][:600]
    assert "undated" not in card["summary"] and "records undated" not in card["detail"], card["summary"]


@pytest.mark.parametrize("language, said", [
    ("en", "— records differ over time, the latest, preliminary, used (lesion size)"),
    ("fr", "— relevés changeants, le dernier, provisoire, retenu")])
def test_a_score_resting_on_a_preliminary_result_says_so_in_its_summary(client, language, said):
    """Probe 25 (r40): a preliminary size of 80 % (a day later) over a final 20 % moved Mirels from 6 (observation) to
    8 (tumour board); the summary said "records differ over time, the latest used", "preliminary" in the flags only."""
    older = observation("size-final", "lesion-size", focus="Condition/lesion-1",
                        effective=(date.today() - timedelta(days=10)).isoformat(), **quantity(20, "%"))
    newer = observation("size-prelim", "lesion-size", focus="Condition/lesion-1", status="preliminary",
                        **quantity(80, "%"))
    kind = observation("kind", "lesion-type", focus="Condition/lesion-1", **coded("blastic"))
    pain = observation("pain", "mirels-pain", focus="Condition/lesion-1", **coded("mild"))
    (card,) = without_advice(cards_of(client, [lesion(bone=HUMERUS)], [older, newer, kind, pain], language))
    assert typeset(said, language) in card["summary"], card["summary"]
    # Alone (no older record), it is said too; beside a conflict of another item, not as that conflict (review 28).
    (card,) = without_advice(cards_of(client, [lesion(bone=HUMERUS)], [newer, kind, pain], "en"))
    if language == "en":
        assert card["summary"].endswith("— a preliminary result counted (lesion size)"), card["summary"]
        older_pain = observation("pain-old", "mirels-pain", focus="Condition/lesion-1", **coded("functional"),
                                 effective=(date.today() - timedelta(days=10)).isoformat())
        (card,) = without_advice(cards_of(client, [lesion(bone=HUMERUS)], [newer, kind, pain, older_pain], "en"))
        assert "the latest used, a preliminary result counted" in card["summary"], card["summary"]


@pytest.mark.parametrize("language, summary", [
    ("en", "Thoracic spine (“D10” in the record), Rades score 33–36: radiotherapy recorded — radiotherapy (missing: "
           "visceral status)"),
    ("fr", "Rachis thoracique (« D10 » dans le dossier), score de Rades 33–36 : radiothérapie enregistrée — "
           "radiothérapie (manquant : statut viscéral)")])
def test_an_action_of_two_clauses_keeps_its_first_whole_before_what_is_missing_gives_way(client, language, summary):
    """Probe 26 (R17): "…radiotherapy; no significant benefit of… (missing: visceral status)": the action was cut
    inside its second clause. Its first is kept whole, and the detail says the whole advice."""
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    course = {"resourceType": "Procedure", "id": "rt", "status": "in-progress", "code": cc(SCT, "108290001"),
              "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/mscc"}],
              "performedPeriod": {"start": (date.today() - timedelta(days=2)).isoformat()}}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    observations = [observation("motor", "motor-function", **coded("not-ambulatory")),
                    observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    (card,) = without_advice(cards_of(client, conditions, observations, language, procedures=[course]))
    assert card["summary"] == typeset(summary, language), card["summary"]
    assert ("no significant benefit of laminectomy" if language == "en" else "pas de bénéfice significatif de la "
            "laminectomie") in card["detail"]


def test_an_action_of_two_clauses_stays_whole_where_the_old_records_shorter_form_makes_room(client):
    """Review 29: "radiotherapy (visceral status of …) (missing: deficit duration)" where "radiotherapy; no significant
    benefit of laminectomy (data of …) (missing: deficit duration)" fits: the old record's item gives way first."""
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D6"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    observations = [observation("motor", "motor-function", **coded("not-ambulatory")),
                    observation("visceral", "visceral-metastases", **coded("2667000", SCT),
                                effective=(date.today() - timedelta(days=17)).isoformat())]
    (card,) = without_advice(cards_of(client, conditions, observations, "en"))
    assert "radiotherapy; no significant benefit of laminectomy (data of " in card["summary"], card["summary"]
    assert card["summary"].endswith("(missing: deficit duration)")


def test_the_action_is_never_cut_for_the_old_records_date_which_then_opens_the_detail(client):
    """« Fémur gauche, score de Mirels 11 : fixation enregistrée, à vérifier d'abord — avis chirurgical de… (taille de
    la lésion du 12/11/2026) » (review 16): the date was kept and the action cut. The date's words give way, then
    the date itself, which then opens the detail; the action stays whole, in either language."""
    from datetime import date, timedelta

    old = (date.today() - timedelta(days=25)).isoformat()
    observations = [o | {"effectiveDateTime": old} for o in lesion_observations(size=(70, "%"), pain="functional")]
    nailing = {"resourceType": "Procedure", "id": "nail", "status": "in-progress",
               "subject": {"reference": "Patient/p1"}, "code": cc(SCT, "1653007"), "performedDateTime": RECENT,
               "reasonReference": [{"reference": "Condition/lesion-1"}]}
    french_day = date.fromisoformat(old).strftime("%d/%m/%Y")
    for language, summary_said, detail_said in (
            ("en", "Left femur, Mirels score 11: fixation recorded, check it first — surgical fixation opinion before "
                   f"radiotherapy (lesion size of {old})", "**Mirels score**"),
            ("fr", "Fémur gauche, score de Mirels 11 : fixation enregistrée, à vérifier d'abord — avis chirurgical de "
                   "fixation avant la radiothérapie",
             f"**Le score repose sur :** taille de la lésion du {french_day}")):
        body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/doc", "patientId": "p1"},
                "prefetch": {"patient": patient(), "conditions": searchset(lesion()),
                             "observations": searchset(*observations), "procedures": searchset(nailing)}}
        cards = client.post(SERVICE, json=body, headers={"Accept-Language": language}).get_json()["cards"]
        (card,) = [c for c in cards if c["source"]["topic"]["code"] == "mirels"]
        assert card["summary"].replace("\u202f", " ") == summary_said
        assert card["detail"].replace("\u202f", " ").startswith(detail_said), card["detail"][:200]


# FHIR's element names a card must not show a clinician (the mapping report keeps them, for the integrator).
FHIR_WORDS = ("bodySite", "hasMember", "derivedFrom", "focus", "evidence", "cortical-width", "Condition")


def card_texts(cards):
    return "\n".join(f"{card['summary']}\n{card.get('detail', '')}" for card in cards)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_card_shows_a_coded_answer_and_a_score_without_their_codes(client, language):
    """ECOG recorded as a LOINC answer code with no display, Karnofsky with the UCUM annotation "{score}": the card
    showed "LA9623-5" and "30 {score}"."""
    observations = [*lesion_observations(),
                    observation("kps", "89243-0", system=LOINC, **quantity(30, "{score}")),
                    observation("ecog", "89247-1", system=LOINC, valueCodeableConcept=cc(LOINC, "LA9623-5"))]
    text = card_texts(cards_of(client, [lesion()], observations, language))
    assert "LA9623-5" not in text and "{score}" not in text, text
    assert ("a coded answer" if language == "en" else "une réponse codée") in text
    assert ("(ECOG / Karnofsky): 30," if language == "en" else "(ECOG / Karnofsky)\u202f: 30,") in text


def test_the_mapping_report_keeps_the_code_of_a_coded_answer():
    from service.facts.terminology import observation_value

    ecog = observation("ecog", "89247-1", system=LOINC, valueCodeableConcept=cc(LOINC, "LA9623-5"))
    assert observation_value(ecog) == "a coded answer (LA9623-5)"
    assert observation_value(observation("kps", "89243-0", system=LOINC, **quantity(30, "{score}"))) == "30"
    assert observation_value(observation("d", "x", **quantity(3, "d"))) == "3 d"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_card_names_no_fhir_element(client, language):
    """A lesion with no bodySite (the site item missing), a pain Observation linked to nothing, another whose own
    bodySite names another bone, a size without the cortical width: each said in the clinic's words."""
    stray_pain = observation("pain-stray", "mirels-pain", **coded("moderate"))
    other_bone = observation("pain-humerus", "mirels-pain", focus="Condition/lesion-1",
                             body_site=site(HUMERUS, RIGHT), **coded("mild"))
    size = observation("size", "21889-1", system=LOINC, focus="Condition/lesion-1", **quantity(35, "mm"))
    kind = observation("kind", "lesion-type", focus="Condition/lesion-1", **coded("lytic"))
    unsited = condition("lesion-2", SCT, "94222008")
    cards = cards_of(client, [lesion(), unsited], [stray_pain, other_bone, size, kind], language)
    text = card_texts(cards)
    assert not [word for word in FHIR_WORDS if word in text], text
    said = {"en": ("not linked to any lesion", "its own recorded site says right humerus",
                   "without the cortical width of the bone at the lesion the share", "has no recorded site"),
            "fr": ("rattachée à aucune lésion", "son propre site enregistré indique humérus droit",
                   "sans la largeur corticale de l'os au niveau de la lésion la part", "n'a pas de site enregistré")}
    assert [words for words in said[language] if words not in text] == [], text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_rades_card_says_a_primary_dated_in_words_or_by_its_record_only_without_fhir_elements(client, language):
    """Probe 25 (r93, r90): "the primary cancer Condition has no date of diagnosis (onset, assertedDate or
    recordedDate; onsetString '2023' is not read as one)", "…has no onset date or assertedDate: its recordedDate…"."""
    mscc = condition("mscc", ICD10, "G95.2", onset=RECENT)
    in_words = condition("breast", SCT, "254837009") | {"onsetString": "2023"}
    recorded_only = condition("breast", SCT, "254837009", recorded="2026-01-10")
    said = {"en": ("the primary cancer has no date of diagnosis (“2023”, as written, is not read as a date)",
                   "has no date of diagnosis: 2026-01-10 is the day it was recorded"),
            "fr": ("le cancer primitif n'a pas de date de diagnostic (« 2023 », tel qu'écrit, n'est pas lu comme une "
                   "date)", "n'a pas de date de diagnostic")}
    for primary, words in zip((in_words, recorded_only), said[language], strict=True):
        text = card_texts(cards_of(client, [primary, mscc], [], language))
        assert not [word for word in FHIR_WORDS + ("onset", "assertedDate", "recordedDate") if word in text], text
        assert typeset(words, language) in text, text


def test_every_message_a_card_rewords_is_one_the_code_says_and_both_have_their_french():
    """A template reworded for the card that the facts layer no longer writes would silently stop applying."""
    from service.i18n import catalogue
    from service.render.card_text import FOR_CLINICIAN

    french = catalogue("fr")
    assert [template for template in FOR_CLINICIAN if template not in french] == []
    assert [card for card in FOR_CLINICIAN.values() if card not in french] == []
    shown = [re.sub(r"\{\w+\}", "", card) for card in FOR_CLINICIAN.values()]  # a placeholder is not shown
    assert [card for card in shown if any(word in card for word in FHIR_WORDS)] == []


def test_every_status_flag_said_before_the_action_is_one_the_code_says():
    """The flags a card says first as "status to check" are known by their templates: one the statuses' code no
    longer writes would silently stop being said first (the catalogue holds exactly what the code says)."""
    from service.facts.statuses import STATUS_TO_CHECK
    from service.i18n import catalogue

    assert [template for template in STATUS_TO_CHECK if template not in catalogue("fr")] == []


def two_left_femur_lesions():
    """Two metastases of the left femur, recorded alike ("Secondary malignant neoplasm of bone", the same day)."""
    return [lesion("les-neck", FEMUR_NECK, LEFT, onset="2026-11-07"),
            lesion("les-shaft", FEMUR_SHAFT, LEFT, onset="2026-11-07")]


@pytest.mark.parametrize("language, summaries", [
    ("en", ("Left femur, neck of femur: the bone has broken (fracture, ",
            "Left femur, shaft of femur: the bone has broken (neck of femur, ")),
    ("fr", ("Fémur gauche, col du fémur\u202f: os fracturé (fracture, ",
            "Fémur gauche, diaphyse fémorale\u202f: os fracturé (col du fémur, "))])
def test_a_fracture_of_the_neck_beside_two_lesions_of_the_femur_is_said_once_each_and_where(client, language,
                                                                                          summaries):
    """A fracture of the left femoral neck sets both lesions aside (the same bone and side, brief section 5). The
    data-not-used card listed both lesions again, in two identical lines, beside their own cards; and the shaft's
    card read "Left femur, shaft of femur: the bone has broken (fracture...)", as if the shaft had broken."""
    fracture = condition("fx", ICD10, "S72.0", onset=RECENT, body_site=[site(FEMUR_NECK, LEFT)])
    cards = cards_of(client, [*two_left_femur_lesions(), fracture], [], language)
    assert not [card for card in cards if card["source"]["topic"]["code"] == "data-review"], cards
    broken = sorted(card["summary"] for card in cards if card["source"]["topic"]["code"] == "mirels")
    assert len(broken) == 2, broken
    assert all(summary.startswith(start) for summary, start in zip(broken, summaries, strict=True)), broken


@pytest.mark.parametrize("language, summary, line", [
    ("en", "(1 bone site) — visceral status not known", "- left femur: 2 lesions (neck of femur; shaft of femur)"),
    ("fr", "(1 site métastatique osseux renseigné) — statut viscéral inconnu",
     "- fémur gauche\u202f: 2 lésions (col du fémur\u202f; diaphyse fémorale)")])
def test_the_oligometastatic_card_lists_the_sites_its_count_counts(client, language, summary, line):
    """Two metastases of the left femur are one site (sites are counted by bone and side, guideline §1.5: 1 to 3
    sites): the summary said 1 site while the list gave two lines, one per lesion. No visceral status is recorded:
    the summary says it (review 16: "Possible" on half the answers, what it waits for in the detail only)."""
    (card,) = advice_cards(cards_of(client, two_left_femur_lesions(), [], language), "oligometastatic")
    assert card["summary"].endswith(summary), card["summary"]
    (sites,) = [part for part in card["detail"].split("\n\n") if part.startswith(("**Sites counted**",
                                                                                  "**Sites comptés**"))]
    assert sites.splitlines()[1:] == [line], card["detail"]


def test_a_place_gives_way_by_whole_clauses_and_keeps_its_first():
    from service.render.card_text import SUMMARY_LIMIT, fit_summary, shortened

    assert shortened("left femur, neck of femur", 40) == "left femur, neck of femur"
    assert shortened("left femur, neck of femur", 12) == "left femur"
    assert shortened("Compression médullaire", 12) == "Compression médullaire"  # not "Compression…"
    # Both sides are the side, never a clause to drop (probe 25: "Fémur, score de Mirels 11–12 : fracture…").
    assert shortened("Fémur, des deux côtés, col du fémur", 10) == "Fémur, des deux côtés"
    assert shortened("Femur, both sides, neck of femur", 10) == "Femur, both sides"
    # A group of bones (ICD-O-3 C40.2) cut to its fewest words keeps its side (review 28).
    assert shortened("Long bones of the lower limb, left side", 10, 24) == "Long bones…, left side"
    assert shortened("a " * 50, 10).endswith("…") and len(shortened("a " * 50, 10)) <= 60
    kept = fit_summary("Left femur, Mirels score 9–11: " + "surgical fixation opinion " * 6, " (missing: pain)")
    assert len(kept) <= SUMMARY_LIMIT and kept.endswith("… (missing: pain)")


def test_a_place_cut_inside_the_records_quoted_words_closes_the_quotation():
    from service.render.card_text import shortened

    assert shortened("“Bone structure of humerus, Bone structure of femur” (as written)", 30) == \
        "“Bone structure of humerus”"


def test_a_summary_cut_inside_a_quotation_closes_it_and_keeps_its_hedge():
    from service.render.card_text import fit_summary

    summary = fit_summary("Radiotherapy alone ordered — “" + "lésion lytique de la diaphyse " * 6 + "”",
                          ", if the order is for it")
    assert summary.endswith("…”, if the order is for it") and len(summary) <= 140, summary


def test_a_french_rades_summary_keeps_its_word_on_conflicting_records(client):
    """"données contradictoires, la plus récente…" was cut before its verb (a probe's lumbar compression): the
    French says it shorter, whole."""
    from datetime import date, timedelta

    from support.fhir_builders import ICD10, coded, condition, observation, quantity

    def day(days):
        return (date.today() - timedelta(days=days)).isoformat()

    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=day(20), body_site=[{"coding": [
                      {"system": SCT, "code": "122496007"}]}])]
    observations = [observation("m1", "motor-function", effective=day(3), **coded("not-ambulatory")),
                    observation("m2", "motor-function", effective=day(1), **coded("ambulatory-without-aid")),
                    observation("v", "visceral-metastases", effective=day(3), **coded("2667000", SCT)),
                    observation("d", "days-developing-motor-deficits", effective=day(3), **quantity(20, "d"))]
    (card,) = [c for c in cards_of(client, conditions, observations, "fr") if c["source"]["topic"]["code"] == "rades"]
    assert card["summary"].endswith("relevés changeants, le dernier retenu"), card["summary"]
    assert "…" not in card["summary"], card["summary"]  # the action whole


def test_a_score_whose_advice_may_be_what_was_given_says_radiotherapy_recorded_first(client):
    """A Rades card read "Rades score 34: radiotherapy" for a compression irradiated the week before; the course was
    in its flags only (probe 11)."""
    from support.mapping import days_ago

    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=days_ago(30))]
    observations = [observation("motor", "motor-function", effective=days_ago(12), **coded("ambulatory-with-aid")),
                    observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                    observation("deficit", "days-developing-motor-deficits", effective=days_ago(12),
                                **quantity(10, "d"))]
    course = {"resourceType": "Procedure", "id": "rt", "status": "completed", "code": cc(SCT, "108290001"),
              "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/mscc"}],
              "performedPeriod": {"start": days_ago(10), "end": days_ago(6)}}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                         "observations": searchset(*observations), "procedures": searchset(course)}}
    (card,) = without_advice(client.post(SERVICE, json=body).get_json()["cards"])
    assert "Rades score" in card["summary"] and ": radiotherapy recorded — radiotherapy" in card["summary"], \
        card["summary"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_metastasis_at_a_site_read_nowhere_is_said_without_the_integrators_words(client, language):
    """A lymph-node metastasis (C77.3) read on the §1.5 card and among the data not used "at a site none of the
    ValueSets places" / "que les calculateurs ne classent ni viscéral ni non viscéral" (probe 12)."""
    nodes = condition("nodes", ICD10, "C77.3")
    text = card_texts(cards_of(client, [lesion(), nodes], lesion_observations(), language))
    assert "ValueSet" not in text and "calculat" not in text, text
    assert ("a metastasis at a site not read here" if language == "en" else "une métastase d'un site non lu ici") \
        in text, text


def test_a_patient_recorded_as_deceased_gets_one_card_saying_so_and_no_advice(client):
    """Probe 16: a patient who died yesterday got a critical "fixation opinion before radiotherapy", §1.5 and §1.1
    cards, and at order-sign a one-click surgical opinion. Nothing said the patient had died (sources silent: no
    clinical rule, a card no one can act on). One card says so; a date of death after today's is not read."""
    from datetime import date, timedelta

    def view(dead, language="en"):
        body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/doc", "patientId": "p1"},
                "prefetch": {"patient": patient() | dead, "conditions": searchset(lesion()),
                             "observations": searchset(*lesion_observations()), "procedures": None}}
        return client.post(SERVICE, json=body, headers={"Accept-Language": language}).get_json()["cards"]

    yesterday = date.today() - timedelta(days=1)
    (card,) = view({"deceasedDateTime": yesterday.isoformat()})
    assert card["summary"] == f"The record says this patient died on {yesterday}: no score or advice is given"
    assert "suggestions" not in card and card["indicator"] == "info"
    (card,) = view({"deceasedDateTime": yesterday.isoformat()}, "fr")
    assert card["summary"] == typeset(f"Le dossier indique le décès de ce patient le {yesterday:%d/%m/%Y} : aucun "
                                      "score ni avis n'est donné", "fr")
    (card,) = view({"deceasedBoolean": True})
    assert card["summary"] == "The record says this patient has died: no score or advice is given"
    (card,) = view({"deceasedDateTime": "hier soir"})  # a death recorded, its day unreadable: a death all the same
    assert card["summary"] == "The record says this patient has died: no score or advice is given"
    # No bone metastasis in the chart: nothing would be scored, no card (review 17: every deceased chart had one).
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient() | {"deceasedBoolean": True}, "conditions": searchset(),
                         "observations": searchset(), "procedures": None}}
    assert client.post(SERVICE, json=body).get_json()["cards"] == []
    for alive in ({"deceasedBoolean": False}, {"deceasedDateTime": (date.today() + timedelta(days=3)).isoformat()}):
        assert any(c["source"]["topic"]["code"] == "mirels" for c in view(alive)), alive
    # A date of death to come is not read, and said (probe 17: dropped without a word).
    (review,) = [c for c in view({"deceasedDateTime": (date.today() + timedelta(days=3)).isoformat()})
                 if c["source"]["topic"]["code"] == "data-review"]
    assert "a date of death after the assessment date" in review["detail"]
    # $assess returns the scores (the record's), and says first that the Patient is recorded as deceased.
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (
        patient() | {"deceasedDateTime": yesterday.isoformat()}, lesion(), *lesion_observations())]}
    answer = client.post("/fhir/$assess", json=bundle).get_json()
    (outcome,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    (dead,) = [issue for issue in outcome["issue"] if "recorded as deceased" in issue["diagnostics"]]
    assert dead["severity"] == "warning"


def test_a_lesion_refuted_in_another_record_of_its_bone_and_side_is_said_first_and_named(client):
    """Probe 16: "Métastase humérus G (infirmée après biopsie)", refuted, with the Mirels items, beside a confirmed
    "Métastase humérale gauche" of no items. The card read "Left humerus, Mirels score 4–10: category undetermined",
    and the data-review card three times "what it names is no active long-bone metastasis", never which record."""
    refuted = lesion("old", bone=HUMERUS, verification="refuted")
    refuted["code"]["text"] = "Métastase humérus G (infirmée après biopsie)"
    confirmed = lesion("new", bone=HUMERUS)
    cards = cards_of(client, [refuted, confirmed], lesion_observations(focus="Condition/old"))
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == "mirels"]
    assert card["summary"].startswith("Left humerus, Mirels score 4–10: refuted in another record, check it first")
    assert "a record of the same bone and side is refuted (“Métastase humérus G (infirmée après biopsie)”" in \
        card["detail"]
    (review,) = [c for c in cards if c["source"]["topic"]["code"] == "data-review"]
    assert "it describes “Métastase humérus G (infirmée après biopsie)”" in review["detail"]
    # Of the other side, it says nothing of this lesion.
    other_side = lesion("old", bone=HUMERUS, side=RIGHT, verification="refuted")
    cards = cards_of(client, [other_side, confirmed], [])
    assert not any("refuted" in c["summary"] for c in cards)
    # Refuted before this lesion began (a 2024 biopsy's answer, a lesion found in 2026): of another time (review 17).
    old = refuted | {"recordedDate": "2024-03-01", "onsetDateTime": "2024-02-01"}
    cards = cards_of(client, [old, lesion("new", bone=HUMERUS, onset=RECENT)], [])
    assert not any("refuted" in c["summary"] for c in cards)


def test_a_possible_oligometastatic_card_with_an_open_count_keeps_the_visceral_status_whole(client):
    """Regression diff 17: with a count open above ("at least 1"), "— visceral status…" was cut: the count's words
    give way to it as an exact count's do."""
    no_bone = lesion("vague", bone=None)
    (card,) = advice_cards(cards_of(client, [lesion(), no_bone], []), "oligometastatic")
    assert card["summary"] == ("Possible: discuss ablative radiotherapy in the oligometastatic tumour board (RCP-OOS) "
                               "(at least 1 bone site) — visceral status not known")


def test_a_missing_item_card_keeps_what_to_record_before_category_undetermined(client):
    """Regression diff 17: « Rachis thoracique « D10 », score de Rades 33–42 : opération du rachis enregistrée, à
    vérifier d'abord — radiothérapie (§1.3), catégorie… »: what to record was lost. "Category undetermined" (the
    range says it) gives way first, then the shared action; what is missing stays."""
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    observations = [observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    laminectomy = {"resourceType": "Procedure", "id": "lami", "status": "completed",
                   "subject": {"reference": "Patient/p1"}, "performedDateTime": RECENT,
                   "code": {"coding": [{"system": "https://www.ameli.fr/ccam", "code": "LFFA004"}],
                            "text": "Laminectomie décompressive D9-D11"},
                   "reasonReference": [{"reference": "Condition/mscc"}]}
    for language, ending in (("en", "radiotherapy (§1.3), missing: motor status"),
                             ("fr", "à vérifier d'abord — manquant : statut moteur")):
        body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/doc", "patientId": "p1"},
                "prefetch": {"patient": patient(), "conditions": searchset(*conditions),
                             "observations": searchset(*observations), "procedures": searchset(laminectomy)}}
        cards = client.post(SERVICE, json=body, headers={"Accept-Language": language}).get_json()["cards"]
        (card,) = [c for c in cards if c["source"]["topic"]["code"] == "rades"]
        assert card["summary"].replace("\u202f", " ").endswith(ending), card["summary"]


def test_a_summary_with_items_missing_and_uncertain_counts_the_missing_rather_than_cut_the_list(client):
    """Regression diff 18: "Lumbar spine “L3”, SINS 2–18: category undetermined, missing: mechanical pain, bone
    lesion, alignment, collapse, posterolateral…", the uncertain level cut off. The missing items become their count
    before anything is cut, in either language."""
    l3 = condition("l3", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": "122496007"}], "text": "L3"}])
    too_old = observation("old", "sins-pain", focus="Condition/l3", effective="2025-01-01",  # said: its own card
                          **coded("mechanical_pain", "http://bonemet-cds.org/fhir/CodeSystem/table-row"))
    for language, said in (("en", "missing: 5 items; uncertain: level"),
                           ("fr", "manquant\u202f: 5 éléments\u202f; incertain\u202f: niveau")):
        (card,) = [c for c in cards_of(client, [l3], [too_old], language) if c["source"]["topic"]["code"] == "sins"]
        assert card["summary"].endswith(said) and "…" not in card["summary"], card["summary"]


def test_the_most_urgent_score_comes_first(client):
    """Probe 19: an "observation and radiotherapy alone" humerus card came before a cord compression's emergency. The
    score cards are read critical, then warning, then info."""
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    humerus = condition("hum", SCT, "94222008", body_site=[site(HUMERUS, RIGHT)], onset=RECENT)
    conditions = [humerus, condition("breast", SCT, "254837009", onset="2025-06-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    observations = [*lesion_observations(focus="Condition/hum", size=(20, "%"), kind="blastic", pain="mild"),
                    observation("motor", "motor-function", **coded("paraplegic")),
                    observation("visceral", "visceral-metastases", **coded("52101004", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(1, "d"))]
    scores = [c for c in cards_of(client, conditions, observations) if c["source"]["topic"]["code"] in ("mirels",
                                                                                                       "rades")]
    assert [c["source"]["topic"]["code"] for c in scores] == ["rades", "mirels"], [c["summary"] for c in scores]
    urgency = {"critical": 0, "warning": 1, "info": 2}
    assert [urgency[c["indicator"]] for c in scores] == sorted(urgency[c["indicator"]] for c in scores)


def test_an_active_diagnosis_the_score_rests_on_is_not_said_old_for_its_date(client):
    """Probe 19: "(visceral status of 2026-10-18)" for an active liver metastasis diagnosed then: a diagnosis holds
    until it ends, its date is no age. An Observation of the same date is still said old."""
    from datetime import date, timedelta

    old = (date.today() - timedelta(days=50)).isoformat()
    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine]),
                  condition("liver", SCT, "94381002", onset=old)]
    observations = [observation("motor", "motor-function", **coded("ambulatory-without-aid")),
                    observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    (card,) = without_advice(cards_of(client, conditions, observations))
    assert old not in card["summary"], card["summary"]
    as_observation = observation("visceral", "visceral-metastases", effective=old, **coded("52101004", SCT))
    (card,) = without_advice(cards_of(client, conditions[:2], [*observations, as_observation]))
    assert card["summary"].endswith(f"(visceral status of {old})"), card["summary"]


def test_a_status_that_changed_over_days_is_not_called_conflicting(client):
    """Probe 19: "walks with aid", then "not ambulatory" the next day, a decline, was summarised "conflicting records,
    the latest used", as if a data error. Records of different days changed over time: said so, the latest counting."""
    from datetime import date, timedelta

    spine = {"coding": [{"system": SCT, "code": "122495006"}], "text": "D10"}
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT, body_site=[spine])]
    day_before = (date.today() - timedelta(days=3)).isoformat()
    observations = [observation("motor-1", "motor-function", effective=day_before, **coded("ambulatory-with-aid")),
                    observation("motor-2", "motor-function", **coded("not-ambulatory")),
                    observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                    observation("deficit", "days-developing-motor-deficits", **quantity(5, "d"))]
    for language, words, note in (
            ("en", "records differ over time, the latest used", "records of different days differ"),
            ("fr", "relevés changeants, le dernier retenu", "relevés de jours différents")):
        (card,) = without_advice(cards_of(client, conditions, observations, language))
        assert words in card["summary"] and "conflicting" not in card["summary"], card["summary"]
        assert note in card["detail"], card["detail"][:800]


def test_a_conflict_gives_way_whole_where_the_action_would_not_fit_beside_it(client):
    """Probe 23 (t15): "Compression médullaire…, Rades score 31: spinal operation recorded, check it first —… —
    records differ over time, the latest used": the action was cut to nothing for the conflict. The action is never
    cut for the tail: the conflict gives way whole (the detail says it)."""
    from datetime import date, timedelta

    def days_ago(days):
        return (date.today() - timedelta(days=days)).isoformat()

    compression = condition("mscc", ICD10, "G95.2", onset=days_ago(6))
    compression["code"]["text"] = "Compression médullaire D8"
    conditions = [condition("breast", SCT, "254837009", onset="2024-05-10"), compression]
    laminectomy = {"resourceType": "Procedure", "id": "lam", "status": "completed",
                   "subject": {"reference": "Patient/p1"},
                   "code": {"coding": [{"system": SCT, "code": "387731002"}], "text": "Laminectomie D8"},
                   "reasonReference": [{"reference": "Condition/mscc"}], "performedDateTime": days_ago(4)}
    observations = [observation("motor-1", "motor-function", effective=days_ago(5), **coded("ambulatory-without-aid")),
                    observation("motor-2", "motor-function", effective=days_ago(2), **coded("not-ambulatory")),
                    observation("visceral", "visceral-metastases", effective=days_ago(2), **coded("373067005", SCT)),
                    observation("deficit", "days-developing-motor-deficits", effective=days_ago(2),
                                **quantity(5, "d"))]
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=[laminectomy])
               if c["source"]["topic"]["code"] == "rades"]
    # The laminectomy names it: the action is the table's after an operation, not group II's word on laminectomy.
    assert "—…" not in card["summary"] and card["summary"].endswith("post-operative radiotherapy"), card["summary"]
    assert "records of different days differ" in card["detail"]


@pytest.mark.parametrize("language, action, detail", [
    ("en", "post-operative radiotherapy", "the guideline's radiotherapy is then adjuvant to the neurosurgery (§1.3)"),
    ("fr", "radiothérapie post-opératoire", "la radiothérapie est alors adjuvante au geste neurochirurgical (§1.3)")])
def test_an_operated_compression_is_not_told_of_the_benefit_of_laminectomy(client, language, action, detail):
    """The known contradiction (and the profile's own Rades CarePlan example): a compression operated by laminectomy
    read "Rades score 31: … — radiotherapy; no significant benefit of laminectomy", and its CarePlan proposed
    emergency radiotherapy beside the post-operative card's window (§1.4). Once a done operation names it, the card
    says the table's words for then (seeds/rades.json ``after_operation``), proposes no CarePlan of its own, and
    still says the group, whose prognosis holds."""
    conditions, observations, procedures = operated_compression()
    cards = cards_of(client, conditions, observations, language, procedures=procedures)
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == "rades"]
    assert card["summary"].endswith(action) and "laminect" not in card["summary"].lower(), card["summary"]
    assert detail in card["detail"] and ("Group II" in card["detail"] or "Groupe II" in card["detail"])
    (suggestion,) = card["suggestions"]
    assert [a["resource"]["resourceType"] for a in suggestion["actions"]] == ["Observation", "RiskAssessment"]
    assert suggestion["label"] == ("Record the assessment" if language == "en" else "Enregistrer l'évaluation")
    (risk,) = [a["resource"] for a in suggestion["actions"] if a["resource"]["resourceType"] == "RiskAssessment"]
    assert detail in risk["mitigation"] and schema_errors(risk) == []
    # The post-operative card, beside it, proposes the plan.
    assert any(c["source"]["topic"]["code"] == "post-operative" and c.get("suggestions") for c in cards)


@pytest.mark.parametrize("how", ["coded in CCAM", "undated", "in progress"])
def test_an_operation_that_may_be_of_its_time_gives_what_every_category_gives(client, how):
    """Review 32: a laminectomy naming the compression coded in CCAM three days ago (the §1.4 card: "Possible: …,
    operated"), or one with no date, read "radiotherapy alone", with a CarePlan of emergency radiotherapy. What it
    was, or when, is not read: the summary gives "radiotherapy (§1.3)" (alone or adjuvant), and no CarePlan."""
    conditions, observations, (laminectomy,) = operated_compression(operated_days_ago=3)
    if how == "undated":
        del laminectomy["performedDateTime"]
    elif how == "in progress":  # review 32: said nowhere, "radiotherapy alone: excellent result without surgery"
        laminectomy["status"] = "in-progress"
    else:
        laminectomy["code"] = {"coding": [{"system": "https://www.ameli.fr/ccam", "code": "LFFA004"}],
                               "text": "Laminectomie décompressive D8"}
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=[laminectomy])
               if c["source"]["topic"]["code"] == "rades"]
    assert card["summary"].endswith("radiotherapy (§1.3)"), card["summary"]
    assert [a["resource"]["resourceType"] for a in card["suggestions"][0]["actions"]] == ["Observation",
                                                                                         "RiskAssessment"]
    if how == "in progress":
        assert "an operation of it is recorded in progress (“Laminectomie D8”" in card["detail"], card["detail"]


@pytest.mark.parametrize("status, reason, days", [
    ("completed", None, 6), ("preparation", "Condition/mscc", 6), ("entered-in-error", "Condition/mscc", 6),
    ("not-done", "Condition/mscc", 6), ("completed", "Condition/mscc", 60), ("completed", "Condition/mscc", 400)])
def test_an_operation_not_done_or_naming_nothing_leaves_the_group_s_action(client, status, reason, days):
    """Only a done operation that names the compression, of its time, changes its action: one planned, not done or
    entered in error does not, nor one of the spine naming nothing, whose level is not compared (said first, as
    before); nor one past the operation's window (42 days), nor one before the compression began (review 31: a
    laminectomy of 2025 hid the group's orientation and its plan on a relapse)."""
    conditions, observations, procedures = operated_compression(status, reason, days)
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=procedures)
               if c["source"]["topic"]["code"] == "rades"]
    assert card["summary"].endswith("radiotherapy; no significant benefit of laminectomy"), card["summary"]
    assert "CarePlan" in [a["resource"]["resourceType"] for a in card["suggestions"][0]["actions"]]
    if status == "preparation":  # a choice still open, which the group orients: said first beside its action
        assert "an operation of it is recorded in preparation (“Laminectomie D8”" in card["detail"], card["detail"]


def test_a_french_sins_summary_keeps_its_uncertain_level_counting_the_missing_items(client):
    """Review 20: « manquant : tassement, atteinte… », the uncertain level cut off, where the count of the missing
    items would have kept the whole: the whole list is preferred, counted when it must be."""
    rows = "http://bonemet-cds.org/fhir/CodeSystem/table-row"
    l3 = condition("l3", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": "122496007"}],
                                                      "text": "Métastase L3"}])
    items = [observation("p", "sins-pain", focus="Condition/l3", **coded("mechanical_pain", rows)),
             observation("t", "lesion-type", focus="Condition/l3", **coded("lytic")),
             observation("a", "spinal-alignment", focus="Condition/l3", **coded("subluxation_translation", rows))]
    (card,) = [c for c in cards_of(client, [l3], items, "fr") if c["source"]["topic"]["code"] == "sins"]
    assert card["summary"].endswith("incertain\u202f: niveau") and "…" not in card["summary"], card["summary"]


@pytest.mark.parametrize("language,action", [
    ("en", "surgical fixation opinion before radiotherapy (missing: site)"),
    ("fr", "avis chirurgical de fixation avant la radiothérapie (manquant\u202f: localisation)")])
def test_a_long_place_in_the_records_words_is_cut_before_the_action_is(client, language, action):
    """A femur written as a code's whole postcoordinated text ("Bone structure of femur : Laterality = Left"): the
    place, one clause of 58 characters, was kept whole and the action cut, "surgical fixation opinion before…
    (missing: site)" (probe 20). The place gives way first, "(as written)" before its words; the detail says it."""
    femur = condition("lesion-1", SCT, "94222008", body_site=[
        {"text": "Bone structure of femur : Laterality = Left : Finding site = Proximal"}])
    cards = without_advice(cards_of(client, [femur], lesion_observations(pain="functional"), language))
    (card,) = [card for card in cards if "Mirels" in card["summary"]]
    assert len(card["summary"]) <= 140 and card["summary"].endswith(action), card["summary"]
    assert "Bone structure of femur" in card["summary"]


def _vertebra(cid, text, code="94222008", system=SCT):
    return condition(cid, system, code, onset=RECENT,
                     body_site=[{"coding": [{"system": SCT, "code": "122495006"}], "text": text}])


def test_scores_with_no_item_recorded_are_one_card_per_calculator_and_one_with_anything_keeps_its_own(client):
    """Probe 20 (n02): a vertebra written "T8" on one diagnosis and "D8" on another, and a third at "T4", no SINS
    item recorded for any: three cards reading "SINS 1–18: category undetermined, missing: 5 items". They are one
    card naming each lesion and what to record; a lesion with a record set aside (too old) keeps its own card."""
    vertebrae = [_vertebra("t8", "T8"), _vertebra("d8", "D8", "C79.5", ICD10), _vertebra("t4", "T4")]
    cards = [c for c in cards_of(client, vertebrae, []) if c["source"]["topic"]["code"] == "sins"]
    assert [c["summary"] for c in cards] == ["SINS: no item recorded for 3 lesions; record their items to score each"]
    detail = cards[0]["detail"]
    for place in ("T8", "D8", "T4"):
        assert f"- Thoracic spine (“{place}” in the record) (possible totals 1–18): the recorded site's code names a " \
               "region of the spine, not the level" in detail
    assert "**Items not recorded**\n- Pain (relief with recumbency" in detail
    assert "- Vertebral body collapse" in detail
    assert "- Location" not in detail and cards[0]["indicator"] == "warning"
    # Its link opens the assessment page, where each lesion's items can be completed; no picture of one scale.
    assert [link["label"] for link in cards[0]["links"]] == ["Complete the missing items"]
    assert "Scale with this total" not in detail
    too_old = observation("old", "sins-pain", focus="Condition/t4", effective="2025-01-01",
                          **coded("mechanical_pain", "http://bonemet-cds.org/fhir/CodeSystem/table-row"))
    cards = [c for c in cards_of(client, vertebrae, [too_old]) if c["source"]["topic"]["code"] == "sins"]
    assert [c["summary"] for c in cards] == [
        "Thoracic spine (“T4” in the record), SINS 1–18: category undetermined, missing: 5 items; uncertain: level",
        "SINS: no item recorded for 2 lesions; record their items to score each"]


def test_one_score_with_no_item_recorded_names_its_place_in_either_language(client):
    """A bone metastasis written with no coded site, and a femur lesion: each the only one of its score with nothing
    recorded. Each card names its lesion and says what to record, in French too. (One whose words place it at the
    spine, "vertèbre T8", gets no Mirels card: test_pain_sites.)"""
    unsited = condition("m1", ICD10, "C79.5", onset=RECENT)
    unsited["code"]["text"] = "Métastase osseuse, bilan en cours"  # no words of the spine (those get no Mirels card)
    for language, said in (("en", ["Métastase osseuse, bilan en cours, site not recorded, Mirels score: no item "
                                   "recorded; record its items to score it"]),
                           ("fr", ["Métastase osseuse, bilan en cours, score de Mirels\u202f: aucun élément "
                                   "enregistré\u202f; enregistrer ses éléments pour obtenir le score"])):
        cards = [c for c in cards_of(client, [unsited], [], language) if c["source"]["topic"]["code"] == "mirels"]
        assert [c["summary"] for c in cards] == said
        assert "4–12" in cards[0]["detail"]


def test_scores_with_no_item_recorded_are_not_grouped_when_the_observations_were_sent_in_part(client):
    """The EHR sent 0 of the patient's 12 observations: "no item recorded" would not be known. Each lesion keeps its
    card, which says first what was sent in part."""
    vertebrae = [_vertebra("t8", "T8"), _vertebra("t4", "T4")]
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(*vertebrae),
                         "observations": {**searchset(), "total": 12}, "procedures": None}}
    cards = [c for c in client.post(SERVICE, json=body).get_json()["cards"] if c["source"]["topic"]["code"] == "sins"]
    assert len(cards) == 2 and all("SINS 1–18: category undetermined" in c["summary"] for c in cards)
    assert all(c["detail"].startswith("**Check first**: the EHR sent only part") for c in cards)


def test_a_painful_site_summary_in_french_drops_the_places_aside_before_cutting_its_action(client):
    """Probe 20 (s07): "Métastase douloureuse (§1.1) — ilium gauche (côté lu dans le texte) : la radiothérapie est le
    premier traitement si les antalgiques ne…": the action cut for an aside the detail says."""
    ilium = condition("pel", SCT, "94222008", onset=RECENT,
                      body_site=[{"coding": [{"system": SCT, "code": "22356005"}], "text": "Aile iliaque gauche"}])
    score = observation("eva", "72514-3", system=LOINC, focus="Condition/pel", valueInteger=8)
    (card,) = [c for c in cards_of(client, [ilium], [score], "fr")
               if c["source"]["topic"]["code"] == "painful-bone-metastasis"]
    assert card["summary"] == ("Métastase douloureuse (§1.1) — ilium gauche\u202f: la radiothérapie est le premier "
                               "traitement si les antalgiques ne contrôlent pas la douleur"), card["summary"]
    assert "ilium gauche (côté lu dans le texte)" in card["detail"]


def test_a_summary_short_of_room_keeps_the_spine_level_before_an_old_record_s_item(client):
    """Probe 27 (p40): « Rachis thoracique « … », score de Rades 30 : radiothérapie ; … (statut viscéral du …) »: the
    level T11 cut to an ellipsis so that the old record's item fit. The place's first clause as a short summary says
    it ("Rachis thoracique « T11 »") is kept whole first; the old record's date stays, its item gives way."""
    compression = condition("mscc", ICD10, "G95.2", onset=(date.today() - timedelta(days=9)).isoformat(),
                            body_site=[{"coding": [{"system": SCT, "code": "122495006"}], "text": "T11"}])
    observations = [
        observation("motor", "motor-function", **coded("not-ambulatory")),
        observation("deficit", "days-developing-motor-deficits", **quantity(6, "d")),
        observation("visceral", "visceral-metastases", effective=(date.today() - timedelta(days=10)).isoformat(),
                    **coded("2667000", SCT))]
    conditions = [condition("prostate", SCT, "399068003", onset="2024-01-10"), compression]
    (card,) = [c for c in cards_of(client, conditions, observations, "fr") if c["source"]["topic"]["code"] == "rades"]
    summary = card["summary"].replace("\u202f", " ").replace("\u00a0", " ")
    assert summary.startswith("Rachis thoracique « T11 », score de Rades") and "« … »" not in summary, summary
    assert re.search(r"\(données du \d\d/\d\d/\d{4}\)$", summary), summary


def test_an_uncertain_only_summary_gives_up_category_undetermined_before_the_spine_level(client):
    """Review 31: « Rachis thoracique « … », score de Rades 31–38 : radiothérapie (§1.3), catégorie indéterminée,
    incertain — données contradictoires… »: with nothing missing, only uncertain, "category undetermined" (the range
    says it) gives way before the level and the conflicting items do."""
    compression = condition("mscc", ICD10, "G95.2", onset=(date.today() - timedelta(days=9)).isoformat(),
                            body_site=[{"coding": [{"system": SCT, "code": "122495006"}], "text": "T11"}])
    observations = [
        observation("motor-1", "motor-function", **coded("not-ambulatory")),
        observation("motor-2", "motor-function", **coded("ambulatory-with-aid")),
        observation("deficit", "days-developing-motor-deficits", **quantity(6, "d")),
        observation("visceral", "visceral-metastases", **coded("2667000", SCT))]
    conditions = [condition("lung", ICD10, "C34.1", onset="2024-01-10"), compression]
    (card,) = [c for c in cards_of(client, conditions, observations, "fr") if c["source"]["topic"]["code"] == "rades"]
    summary = card["summary"].replace("\u202f", " ").replace("\u00a0", " ")
    assert summary.startswith("Rachis thoracique « T11 », score de Rades") and "…" not in summary, summary
    assert "incertain" in summary and "radiothérapie (§1.3)" in summary, summary


def test_a_post_operative_summary_of_two_sites_keeps_its_quote_closed(client):
    """Review 32 (F10): one nailing of the left femur and the left humerus (two bodySites, each lesion its reason):
    the §1.4 summary read "“Bone structure of femur, operated …", its quote never closed."""
    femur = condition("m1", SCT, "94222008", body_site=[site(FEMUR, LEFT)])
    humerus = condition("m2", SCT, "94222008", body_site=[site(HUMERUS, LEFT)])
    nailing = {"resourceType": "Procedure", "id": "op", "status": "completed", "subject": {"reference": "Patient/p1"},
               "code": {"coding": [{"system": SCT, "code": "1653007"}], "text": "Enclouage fémur G et humérus G"},
               "performedDateTime": (date.today() - timedelta(days=5)).isoformat(),
               "reasonReference": [{"reference": "Condition/m1"}, {"reference": "Condition/m2"}],
               "bodySite": [site(FEMUR, LEFT), site(HUMERUS, LEFT)]}
    for language in ("en", "fr"):
        (card,) = advice_cards(cards_of(client, [femur, humerus], [], language, procedures=[nailing]), "post-operative")
        summary = card["summary"]
        assert summary.count("“") == summary.count("”") and summary.count("«") == summary.count("»"), summary



@pytest.mark.parametrize("side", [LEFT, RIGHT])
def test_two_lesions_of_one_bone_whose_advice_differs_each_name_the_other(client, side):
    """Probe 28 (r02): a left trochanter at Mirels 11 ("fixation first") and a left shaft at 7 ("radiotherapy alone"):
    two cards of one femur gave opposite advice, the shaft's linked to the other only by "they may record one lesion".
    The guideline irradiates the whole long bone (§2.1): each card names the other's score and advice first. A shaft
    of the other femur is another bone: nothing said."""
    shaft = lesion("shaft", bone=FEMUR_SHAFT, side=side)
    shaft_observations = lesion_observations("Condition/shaft", size=(20, "%"), pain="mild", prefix="s")
    cards = [card for card in cards_of(client, [peritrochanteric_lesion(), shaft],
                                       [*lesion_observations(size=(80, "%")), *shaft_observations])
             if card["source"]["topic"]["code"] == "mirels"]
    assert len(cards) == 2
    trochanter, shaft_card = sorted(cards, key=lambda card: "shaft" in card["summary"])
    named = "**The same bone holds another lesion scored here**"
    assert (named in trochanter["detail"]) is (side == LEFT)
    assert (named in shaft_card["detail"]) is (side == LEFT)
    # Said first in the summaries too, each with its region (probe 29: the shaft's summary gave no hint of it).
    first = ": another lesion here, weigh both — "
    assert all((first in card["summary"]) is (side == LEFT) for card in cards), [card["summary"] for card in cards]
    if side == LEFT:
        assert trochanter["summary"].startswith("Left femur, peritrochanteric region, Mirels score 11: another "), \
            trochanter["summary"]
        assert shaft_card["summary"].startswith("Left femur, shaft of femur, Mirels score 7: another lesion here")
        assert ("(left femur, shaft of femur, Mirels score 7: observation and radiotherapy alone)"
                in trochanter["detail"]), trochanter["detail"]
        assert ("(left femur, peritrochanteric region, Mirels score 11: surgical fixation opinion"
                in shaft_card["detail"]), shaft_card["detail"]
        assert "takes in the whole affected bone and the surgical material (§2.1)" in shaft_card["detail"]
        (french,) = [card for card in cards_of(client, [peritrochanteric_lesion(), shaft], [
            *lesion_observations(size=(80, "%")), *shaft_observations], "fr")
            if card["source"]["topic"]["code"] == "mirels" and "diaphyse" in card["summary"]]
        assert typeset("**Le même os porte une autre lésion évaluée ici** (fémur gauche, région trochantérienne, "
                       "score de Mirels 11 : avis chirurgical de fixation", "fr") in french["detail"], french["detail"]


def test_a_status_not_read_is_why_its_item_is_missing_and_an_observation_of_the_compression_in_words_is_named(
        client):
    """Probe 28 (r26): a motor status coded, its value "marche avec aide" in words only, and an Observation of the
    compression coded in words only ("Fonction motrice avant RT": "Marche avec déambulateur"). The card read "Motor
    function before radiotherapy (missing): no record of it was found" beside a data card naming the first; the
    second was said nowhere. The first is now why the item is missing; the second is named on the data card."""
    conditions = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                  condition("mscc", ICD10, "G95.2", onset=RECENT)]
    words_only = observation("motor", "motor-function", valueCodeableConcept={"text": "marche avec aide"})
    in_words = {"resourceType": "Observation", "id": "m1", "status": "final", "subject": {"reference": "Patient/p1"},
                "code": {"text": "Fonction motrice avant RT"}, "effectiveDateTime": RECENT,
                "focus": [{"reference": "Condition/mscc"}], "valueString": "Marche avec déambulateur"}
    cards = cards_of(client, conditions, [words_only, in_words])
    (rades,) = [card for card in cards if card["source"]["topic"]["code"] == "rades"]
    assert "no record of it was found" not in rades["detail"]
    assert "'marche avec aide', is not one read here" in rades["detail"].split("|")[0], rades["detail"]
    review = next(card for card in cards if card["summary"].startswith("Data not used"))
    assert "whose code is in none of the lists read here (“Fonction motrice avant RT”)" in review["detail"]
    # Of a compression entered in error (or refuted, or over): never counts, said nowhere as "could change a score"
    # (review 33).
    void = [*conditions[:1], condition("mscc", ICD10, "G95.2", onset=RECENT, verification="entered-in-error")]
    assert not any("none of the lists read here" in card["detail"] for card in cards_of(client, void, [in_words]))


def test_a_level_quoted_beside_the_place_gives_way_whole_before_the_action_is_cut():
    """Probe 28 (r51): « Rachis thoracique « … », score de Rades 22 : opération du rachis enregistrée, à vérifier
    d'abord — radiothérapie, privilégier… »: the level cut to « … » and the action cut too, where the place without
    its level leaves the action whole (the detail says the level)."""
    from types import SimpleNamespace

    from service.facts.place import Place
    from service.render.card_text import SUMMARY_LIMIT, place_summary

    place = Place("122495006", written="D11")  # thoracic spine, "D11" in the record
    assessment = SimpleNamespace(score=SimpleNamespace(locale="fr"), facts=SimpleNamespace(
        where=lambda locale, as_written=True: place.words(locale, as_written), description=""))
    rest = ("score de Rades 22 : opération du rachis enregistrée, à vérifier d'abord — radiothérapie, privilégier "
            "l'hypofractionnement")
    summary = place_summary(assessment, rest)
    assert summary == f"Rachis thoracique, {rest}" and len(typeset(summary, "fr")) <= SUMMARY_LIMIT
    short = "score de Rades 22 : radiothérapie"  # room for the level: kept
    assert place_summary(assessment, short) == f"Rachis thoracique (« D11 » dans le dossier), {short}"


def test_the_records_of_a_lesion_entered_in_error_say_so_not_that_it_is_no_active_metastasis(client):
    """Probe 28 (r06): the size, type and pain of a lesion recorded as entered in error were listed among the "data
    not used that could change a score" with the reason "which is no active long-bone metastasis of this record".
    Each says what its diagnosis is recorded as; none counts."""
    void = lesion("void", bone=HUMERUS, side=RIGHT, verification="entered-in-error")
    cards = cards_of(client, [void, lesion()], [*lesion_observations(), *lesion_observations("Condition/void",
                                                                                             prefix="v")])
    (review,) = [c for c in cards if c["source"]["topic"]["code"] == "data-review"]
    assert review["detail"].count("recorded as entered in error: never counts") == 3, review["detail"]
    assert "no active long-bone metastasis" not in review["detail"]
    (mirels,) = [c for c in cards if c["source"]["topic"]["code"] == "mirels"]
    assert "Mirels score 9" in mirels["summary"]  # the other lesion's own items only
    # Beside an active lesion missing an item, they are pointed to (review 33: "no record of it was found").
    cards = cards_of(client, [void, lesion()], [*lesion_observations()[:2], *lesion_observations(
        "Condition/void", prefix="v")])
    (mirels,) = [c for c in cards if c["source"]["topic"]["code"] == "mirels"]
    assert "a record of it describes a diagnosis recorded as refuted or entered in error" in mirels["detail"]


def test_a_lesion_recorded_on_both_sides_of_a_bone_says_first_to_check_the_side(client):
    """Probe 28 (r19): one Condition of the femur on both sides, its size, type and pain recorded: "Femur, both
    sides, Mirels score 11–12: surgical fixation opinion before radiotherapy", critical, as if one lesion's (the
    items may each be of either side). Said first: which side each item describes is not said."""
    both = lesion("both", bone=None)
    both["bodySite"] = [site(FEMUR_SHAFT, LEFT), site(FEMUR_SHAFT, RIGHT)]
    for language, words in (("en", "several sites, check the side first — "),
                            ("fr", "plusieurs sites, vérifier le côté — ")):
        (card,) = [c for c in cards_of(client, [both], lesion_observations("Condition/both", size=(80, "%")),
                                       language) if c["source"]["topic"]["code"] == "mirels"]
        assert words in card["summary"], card["summary"]
        assert card["detail"].split("\n\n")[1].startswith(typeset("**Check first**" if language == "en" else
                                                                  "**À vérifier d'abord**", language))


def test_a_deficit_recorded_before_a_decompression_is_not_counted_on_past_it_as_settled(client):
    """Probe 29 (r37): "5 days" recorded the day before a laminectomy was counted on to the assessment date (24 days,
    9 points), the group settled on it. Whether a deficit keeps developing after a decompression, and which time
    Tableau 4 counts then, the sources do not say: from its count to the operation to its count to now, said."""
    conditions, observations, procedures = operated_compression(operated_days_ago=6)
    deficit = next(o for o in observations if o["id"] == "deficit")
    deficit["effectiveDateTime"] = (date.today() - timedelta(days=8)).isoformat()
    deficit["valueQuantity"] = {"value": 5, "unit": "d", "code": "d", "system": "http://unitsofmeasure.org"}
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=procedures)
               if c["source"]["topic"]["code"] == "rades"]
    # 5 days + 2 to the operation (1-7 days, 4 points), + 8 to today (8-14 days, 7 points)
    assert "| Time developing motor deficits before radiotherapy | 7 to 13 days (uncertain) | 4–7 |" in card["detail"]
    assert "whether the deficit's time counts on past it the guideline does not say, so 7 to 13 days" in card["detail"]
    # Recorded after the operation: counted on as before.
    deficit["effectiveDateTime"] = (date.today() - timedelta(days=1)).isoformat()
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=procedures)
               if c["source"]["topic"]["code"] == "rades"]
    assert "counts on past it" not in card["detail"] and "counted on to the assessment date: 6 days" in card["detail"]


@pytest.mark.parametrize("language, first", [("en", ": site already irradiated, check it first — radiotherapy"),
                                             ("fr", "\u202f: site déjà irradié, à vérifier d'abord — radiothérapie")])
def test_a_compression_irradiated_before_its_records_says_so_in_its_summary(client, language, first):
    """Probe 29 (r41b): a compression irradiated in the autumn, not ambulatory now: "Rades score 34: radiotherapy; no
    significant benefit of laminectomy", the course said in the flags under the table only. The advice is for a new
    course, a re-irradiation (the guideline gives rates, no rule): said first in the summary."""
    conditions, observations, _ = operated_compression()
    conditions[1]["onsetDateTime"] = (date.today() - timedelta(days=90)).isoformat()
    course = {"resourceType": "Procedure", "id": "rt", "status": "completed", "code": cc(SCT, "108290001"),
              "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/mscc"}],
              "performedPeriod": {"start": (date.today() - timedelta(days=80)).isoformat(),
                                  "end": (date.today() - timedelta(days=70)).isoformat()}}
    (card,) = [c for c in cards_of(client, conditions, observations, language, procedures=[course])
               if c["source"]["topic"]["code"] == "rades"]
    assert first in card["summary"], card["summary"]


def test_a_metastasis_refuted_at_a_compressions_level_is_said_first_on_its_rades_card(client):
    """Probe 29 (r32): "MTS D5 ?" refuted beside a D5 compression was said nowhere, though a compression that is not
    metastatic is not what Rades scores. Said first, as on a vertebral lesion's card; one at another level is not."""
    conditions, observations, _ = operated_compression()
    d5 = {"coding": [{"system": SCT, "code": "51282000"}], "text": "D5"}
    conditions[1]["bodySite"] = [d5]
    refuted = condition("met-d5", ICD10, "C79.5", verification="refuted", body_site=[d5],
                        onset=(date.today() - timedelta(days=2)).isoformat())
    refuted["code"]["text"] = "MTS D5 ?"
    (card,) = [c for c in cards_of(client, [*conditions, refuted], observations)
               if c["source"]["topic"]["code"] == "rades"]
    assert "refuted in another record, check it first" in card["summary"], card["summary"]
    assert "a record at the same level is refuted (“MTS D5 ?”" in card["detail"], card["detail"]
    # Refuted before the compression began (a negative biopsy days before): said too (review 36).
    refuted["onsetDateTime"] = (date.today() - timedelta(days=15)).isoformat()
    (card,) = [c for c in cards_of(client, [*conditions, refuted], observations)
               if c["source"]["topic"]["code"] == "rades"]
    assert "refuted in another record, check it first" in card["summary"], card["summary"]
    refuted["bodySite"] = [{**d5, "text": "L2"}]
    (card,) = [c for c in cards_of(client, [*conditions, refuted], observations)
               if c["source"]["topic"]["code"] == "rades"]
    assert "refuted" not in card["summary"] and "MTS D5 ?" not in card["detail"]


def test_a_score_recorded_by_hand_is_named_as_one_to_compare(client):
    """Probe 29 (r28): an orthopaedist's "Score de Mirels (ortho)" of 7 (a local code) beside the service's 11 read
    "if it records an item of its score, record it with the item's code", words for an integrator. Named as a score
    recorded by hand, with its value, to compare."""
    recorded = observation("mir", "SCORE-MIRELS", system="https://hopital.example/actes", focus="Condition/lesion-1",
                           valueInteger=7)
    recorded["code"]["text"] = "Score de Mirels (ortho)"
    cards = cards_of(client, [lesion()], [*lesion_observations(), recorded])
    (review,) = [c for c in cards if c["summary"].startswith("Data not used")]
    assert "a score recorded for " in review["detail"] and "(“Score de Mirels (ortho)”, 7): not read, the service " \
        "computes its own from the items; compare the two" in review["detail"], review["detail"]
    assert "record it with the item's code" not in review["detail"]
    # Entered in error, it never counts, nor is it weighed (review 36).
    recorded["status"] = "entered-in-error"
    assert not any("Score de Mirels (ortho)" in c["detail"] for c in cards_of(client, [lesion()],
                                                                      [*lesion_observations(), recorded]))


def test_a_status_of_a_compression_recorded_as_over_is_not_on_the_data_card(client):
    """Probe 29 (r05): a 2025 motor status of a compression in remission since was listed as "could change a score"
    beside today's compression: it describes that one, and is named in the mapping report only."""
    conditions, observations, _ = operated_compression()
    old = condition("old", ICD10, "G95.2", clinical="remission", onset="2025-04-02")
    status = observation("old-motor", "motor-function", focus="Condition/old", effective="2025-04-03",
                         **coded("not-ambulatory"))
    cards = cards_of(client, [*conditions, old], [*observations, status])
    assert not any("old-motor" in c["detail"] or "2025-04-03" in c["detail"] for c in cards
                   if c["summary"].startswith("Data not used")), [c["summary"] for c in cards]
    # Recorded within the motor status's window, it may be this compression's, mis-focused: said (review 36).
    status["effectiveDateTime"] = (date.today() - timedelta(days=1)).isoformat()
    assert any("old-motor" in c["detail"] or "Motor function" in c["detail"] for c in cards_of(
        client, [*conditions, old], [*observations, status]) if c["summary"].startswith("Data not used"))
    # Focused on a compression not in the record: still said.
    status["focus"] = [{"reference": "Condition/unknown"}]
    assert any(c["summary"].startswith("Data not used") for c in cards_of(client, [*conditions, old],
                                                                         [*observations, status]))


def test_a_status_taken_with_an_at_least_duration_before_a_decompression_still_counts(client):
    """Review 35 (n44): "> 3 days" and "not ambulatory" recorded the day before a laminectomy: the status was set
    aside as "before the last day the motor deficit may have begun", a day counted back from the range's low end,
    which counts only to the operation. When it began is counted from its days as recorded."""
    conditions, observations, procedures = operated_compression(operated_days_ago=7)
    eight = (date.today() - timedelta(days=8)).isoformat()
    for item in observations:
        item["effectiveDateTime"] = eight
        if item["id"] == "deficit":
            item["valueQuantity"] = {"comparator": ">", "value": 3, "unit": "d", "code": "d",
                                     "system": "http://unitsofmeasure.org"}
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=procedures)
               if c["source"]["topic"]["code"] == "rades"]
    assert f"| Motor function before radiotherapy | Not ambulatory | 3 | {eight} |" in card["detail"], card["detail"]
    # An earlier operation of it, before the record, is not the one counted to (review 35, n35): the later one is.
    earlier = {**procedures[0], "id": "lam0", "performedDateTime": (date.today() - timedelta(days=20)).isoformat()}
    (card,) = [c for c in cards_of(client, conditions, observations, procedures=[earlier, *procedures])
               if c["source"]["topic"]["code"] == "rades"]
    assert "whether the deficit's time counts on past it the guideline does not say" in card["detail"], card["detail"]
