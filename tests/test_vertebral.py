"""Vertebral metastases -> SINS inputs (facts/vertebral.py), and a vertebral record through the doors
(CDS Hooks patient-view and $assess), in English and French."""

import re
import uuid
from datetime import date, timedelta

import pytest

from service.calculators import OneOf
from service.facts import MappingOptions, extract_facts
from service.i18n import translate
from service.render.questionnaires import questionnaire_response
from support.fhir_builders import (
    ICD10,
    ICDO3,
    SCT,
    VERTEBRA,
    bundle,
    cc,
    coded,
    condition,
    lesion,
    observation,
    patient,
    site,
)

AS_OF = date.today()
ROWS = "http://bonemet-cds.org/fhir/CodeSystem/table-row"
THORACIC_SPINE, LUMBAR_SPINE = "122495006", "122496007"
SACRUM, COCCYX = "54735007", "64688005"
# Every item but the location, each as an Observation of the item's own code (seeds/sins.json).
IMAGING = {"sins-pain": "mechanical_pain", "spinal-alignment": "de_novo_deformity",
           "vertebral-body-collapse": "collapse_under_50_percent",
           "posterolateral-involvement": "posterolateral_unilateral"}


def facts_of(*resources):
    return extract_facts([patient(), *resources], MappingOptions(as_of=AS_OF))


def spine_lesion(code=THORACIC_SPINE, cid="spine-1", **kwargs):
    return condition(cid, SCT, "94222008", body_site=[site(code)], **kwargs)


def sins_observations(focus="Condition/spine-1", kind="lytic", **rows):
    found = [observation(f"s-{code}", code, focus=focus, **coded(rows.get(code, row), ROWS))
             for code, row in IMAGING.items()]
    return found + [observation("s-type", "lesion-type", focus=focus, **coded(kind))]


def only_sins(*resources):
    found = facts_of(*resources)
    assert [f.calculator for f in found.scored] == ["sins"]
    return found.scored[0], found


def test_a_thoracic_spine_lesion_with_every_imaging_item_leaves_only_its_level_open():
    spine, found = only_sins(spine_lesion(), *sins_observations())
    values = {name: fact.value for name, fact in spine.facts.items()}
    assert values == {"spinal_location": OneOf("junctional_spine", "semi_rigid_spine"),
                      "mechanical_pain": "mechanical_pain", "bone_lesion": "lytic_bone_lesion",
                      "spinal_alignment": "de_novo_deformity", "vertebral_body_collapse": "collapse_under_50_percent",
                      "posterolateral_involvement": "posterolateral_unilateral"}
    # T1-T2 or T11-T12 junctional (3), T3-T10 semi-rigid (1): 3+2+2+2+1 = 10 more
    assert spine.facts["spinal_location"].sources == ("Condition/spine-1",)
    assert "Questionnaire/bonemet-sins" in spine.facts["spinal_location"].supplied_by
    assert "vertebral metastasis of a SINS score" in found.entry("Condition/spine-1").reason
    assert found.entry("Observation/s-type").outcome == "used"  # Mirels' lesion type, linked to the vertebra


@pytest.mark.parametrize("code,rows", [
    (VERTEBRA, {"junctional_spine", "mobile_spine", "semi_rigid_spine", "rigid_spine"}),
    ("122494005", {"junctional_spine", "mobile_spine"}),
    (LUMBAR_SPINE, {"junctional_spine", "mobile_spine"}),
    (THORACIC_SPINE, {"junctional_spine", "semi_rigid_spine"}),
])
def test_the_location_is_every_row_of_the_levels_the_body_site_names(code, rows):
    spine, _ = only_sins(spine_lesion(code))
    assert set(spine.facts["spinal_location"].value.values) == rows


def test_a_site_recorded_in_a_body_structure_is_the_place_the_card_names():
    """The location rows were read from a contained BodyStructure, but the card was titled "Vertebral metastasis"."""
    lesion_only = condition("spine-1", SCT, "94222008")
    lesion_only["contained"] = [{"resourceType": "BodyStructure", "id": "bs", "location": cc(SCT, THORACIC_SPINE),
                                 "patient": {"reference": "Patient/p1"}}]
    lesion_only["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/bodySite",
                                 "valueReference": {"reference": "#bs"}}]
    spine, _ = only_sins(lesion_only)
    assert set(spine.facts["spinal_location"].value.values) == {"junctional_spine", "semi_rigid_spine"}
    assert spine.where() == "thoracic spine", spine.where()


def test_a_level_in_the_body_sites_text_beside_a_region_code_is_said_not_read():
    """Coded lumbar spine, written "T11": the level is read from codes only, so every lumbar row stays possible,
    and the note quotes the code's words and the text left unread (it said the text named the region)."""
    lesion_resource = spine_lesion(LUMBAR_SPINE)
    lesion_resource["bodySite"][0]["text"] = "T11"
    spine, _ = only_sins(lesion_resource)
    (note,) = spine.facts["spinal_location"].notes
    assert note.startswith("the code of bodySite '") and "its text, 'T11', is not read" in note, note
    assert set(spine.facts["spinal_location"].value.values) == {"junctional_spine", "mobile_spine"}


def test_an_icd_o_3_vertebral_column_topography_is_a_vertebral_metastasis_the_pelvic_bones_are_not():
    column = condition("spine-1", SCT, "94222008", body_site=[{"coding": [{"system": ICDO3, "code": "C41.2"}]}])
    assert len(facts_of(column).scored_by("sins")) == 1
    pelvic = condition("spine-1", SCT, "94222008", body_site=[{"coding": [{"system": ICDO3, "code": "C41.4"}]}])
    found = facts_of(pelvic)
    assert found.scored == []  # no Mirels (not a long bone), no SINS: it may or may not be the sacrum, and is said so
    reason = found.entry("Condition/spine-1").reason
    assert "not a long bone" in reason and "names the pelvic bones and the sacrum together" in reason, reason


def test_a_sacrum_gets_sins_never_mirels_its_level_junctional_or_rigid_until_coded():
    """Probe 14: a sacrum written "S1-S2" got a Mirels card ("names no long bone this service reads") and no SINS.
    S1 is junctional (L5-S1), S2-S5 rigid: with no level coded both stay possible (0 or 3 points), the text unread."""
    sacral = spine_lesion(SACRUM)
    sacral["bodySite"][0]["text"] = "S1-S2"
    spine, found = only_sins(sacral, *sins_observations())
    location = spine.facts["spinal_location"]
    assert location.value == OneOf("junctional_spine", "rigid_spine")
    assert "its text, 'S1-S2', is not read" in location.notes[0], location.notes
    # 0 or 3 + mechanical pain 3, lytic 2, de novo deformity 2, collapse < 50 % 2, unilateral 1 = 10 to 13
    assert (spine.inputs().spinal_location, spine.where("en"), spine.where("fr")) == (
        OneOf("junctional_spine", "rigid_spine"), "sacrum (“S1-S2” in the record)",
        "sacrum (« S1-S2 » dans le dossier)")
    assert "vertebral metastasis of a SINS score" in found.entry("Condition/spine-1").reason


def test_a_coccyx_is_scored_by_neither_and_the_report_says_why_in_both_languages():
    """Below S5: no SINS location row names it (Fisher 2010), and it is no long bone; the mapping report says so
    beside its count for §1.5, rather than dropping it."""
    found = facts_of(spine_lesion(COCCYX))
    assert found.scored == []
    entry = found.entry("Condition/spine-1")
    assert entry.outcome == "used"  # a bone metastatic site all the same (§1.5)
    assert "below the levels the SINS location rows name (occiput to S5)" in entry.reason, entry.reason
    assert "sous les niveaux que nomment les lignes de localisation du SINS (de l'occiput à S5)" in translate(
        entry.reason, "fr"), translate(entry.reason, "fr")
    (oligometastatic,) = [s for s in found.situations if s.situation == "oligometastatic"]
    assert [where.place.words("en") for where in oligometastatic.about] == ["coccyx"]  # midline: no side asked


def test_every_missing_item_names_the_resource_that_would_supply_it():
    spine, _ = only_sins(spine_lesion())
    for name in ("mechanical_pain", "bone_lesion", "spinal_alignment", "vertebral_body_collapse",
                 "posterolateral_involvement"):
        fact = spine.facts[name]
        assert fact.missing and "Questionnaire/bonemet-sins" in fact.supplied_by, name
    assert "CodeSystem/bonemet#spinal-alignment" in spine.facts["spinal_alignment"].supplied_by
    assert "CodeSystem/bonemet#lesion-type" in spine.facts["bone_lesion"].supplied_by


def test_entered_in_error_records_never_count():
    wrong = observation("s-wrong", "spinal-alignment", focus="Condition/spine-1", status="entered-in-error",
                        **coded("subluxation_translation", ROWS))
    spine, found = only_sins(spine_lesion(), wrong)
    assert spine.facts["spinal_alignment"].missing
    assert found.entry("Observation/s-wrong").outcome == "ignored"
    gone = spine_lesion(verification="entered-in-error")
    assert facts_of(gone, *sins_observations()).scored == []


def test_a_value_that_is_no_row_of_the_item_is_named_not_used():
    spine, found = only_sins(spine_lesion(), *sins_observations(**{"spinal-alignment": "mechanical_pain"}))
    assert spine.facts["spinal_alignment"].missing
    entry = found.entry("Observation/s-spinal-alignment")
    assert entry.outcome == "ignored" and entry.attention and "is not one of the SINS table's answers" in entry.reason
    # Named by their words, not their codes (a probe's card listed "de_novo_deformity, normal_alignment, ...").
    assert "Normal alignment" in entry.reason and "normal_alignment" not in entry.reason, entry.reason


def test_an_observation_of_another_lesion_is_not_this_ones():
    other = observation("s-other", "sins-pain", focus="Condition/elsewhere", **coded("mechanical_pain", ROWS))
    spine, found = only_sins(spine_lesion(), other)
    assert spine.facts["mechanical_pain"].missing
    assert found.entry("Observation/s-other").outcome == "ignored"


def test_a_record_older_than_its_window_is_not_counted():
    old = observation("s-old", "spinal-alignment", focus="Condition/spine-1", **coded("normal_alignment", ROWS),
                      effective=(AS_OF - timedelta(days=200)).isoformat())
    spine, _ = only_sins(spine_lesion(), old)
    assert spine.facts["spinal_alignment"].missing
    assert any("90-day window" in note for note in spine.facts["spinal_alignment"].notes)


def _laminectomy(reason, days_ago):
    return {"resourceType": "Procedure", "id": "lami", "status": "completed", "code": cc(SCT, "387731002"),
            "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": reason}],
            "performedDateTime": (AS_OF - timedelta(days=days_ago)).isoformat()}


def test_records_from_before_the_lesions_operation_describe_the_spine_before_it():
    """SINS scores the spine as it is. Its records are dated RECENT_DAYS ago; a laminectomy for this lesion since:
    they describe the spine before it, and are not counted. One for a compression (its level not coded) since: the
    card says it first, to check the level (a probe's "unstable spine: surgical consultation" the day after)."""
    spine, found = only_sins(spine_lesion(), *sins_observations(), _laminectomy("Condition/spine-1", 1))
    assert spine.facts["spinal_alignment"].missing
    assert any("before its operation" in str(note) for note in spine.facts["spinal_alignment"].notes)
    # The lesion type, which Mirels reads too, is named for SINS's reason, not "no long-bone lesion to attach it to".
    assert "before its operation" in found.entry("Observation/s-type").reason
    compression = condition("mscc", ICD10, "G95.2", body_site=[site(THORACIC_SPINE)])
    found = facts_of(spine_lesion(), compression, *sins_observations(), _laminectomy("Condition/mscc", 1))
    (spine,) = found.scored_by("sins")
    assert spine.facts["spinal_alignment"].value == "de_novo_deformity"
    assert any("an operation of the spine is recorded after some of these records (Procedure/lami)" in str(flag)
               for flag in spine.operations_to_check)
    earlier = facts_of(spine_lesion(), compression, *sins_observations(), _laminectomy("Condition/mscc", 60))
    assert not earlier.scored_by("sins")[0].operations_to_check  # done before the records: they describe after it


def _instrumentation(pid="fusion", code="1653007", reason=None, body_site=THORACIC_SPINE, status="completed"):
    """A spinal instrumentation of 2019 ("Ostéosynthèse rachidienne T11-L1"): 1653007 is in ValueSet
    order-prophylactic-fixation; 44337006 (posterior spinal fusion) in none of the procedure ValueSets."""
    found = {"resourceType": "Procedure", "id": pid, "status": status, "subject": {"reference": "Patient/p1"},
             "code": {**cc(SCT, code), "text": "Ostéosynthèse rachidienne T11-L1"}, "performedDateTime": "2019-05-14"}
    if body_site:
        found["bodySite"] = [{**site(body_site), "text": "T11-L1"}]
    if reason:
        found["reasonReference"] = [{"reference": reason}]
    return found


def test_an_old_instrumentation_at_the_lesions_spine_is_said_first_and_what_sins_does_not_say_of_it():
    """T11-L1 fixed in 2019, a metastasis at T12 now: the card said "stable spine" and nothing of the implant (probe
    14, a09 and a25). Said first, by its words and date, with SINS's silence on it; in another region, both coded, not
    said; one naming this lesion said as its own; one not done, not said."""
    spine, found = only_sins(spine_lesion(), *sins_observations(), _instrumentation())
    (flag,) = spine.operations_before
    assert flag == ("an operation at the spine is recorded (Procedure/fusion), level not compared: SINS (Fisher 2010) "
                    "scores the spine without saying what a prior operation or instrumentation changes (the sources "
                    "are silent); check its level first") and flag in spine.condition_flags
    assert found.entry("Procedure/fusion").outcome == "used"
    assert found.labels["Procedure/fusion"].said_in("en") == "“Ostéosynthèse rachidienne T11-L1”, 2019-05-14"
    spine, _ = only_sins(spine_lesion(), _instrumentation(code="44337006"))  # coded outside the lists: said too
    assert spine.operations_before[0].startswith("a procedure at the spine is recorded (Procedure/fusion), level not "
                                                 "compared, its code in none of the procedure lists read here")
    spine, _ = only_sins(spine_lesion(VERTEBRA), _instrumentation(body_site=LUMBAR_SPINE))  # a vertebra: any region
    assert len(spine.operations_before) == 1
    spine, _ = only_sins(spine_lesion(), _instrumentation(body_site=LUMBAR_SPINE))
    assert spine.operations_before == ()  # thoracic and lumbar, both coded
    spine, _ = only_sins(spine_lesion(), _instrumentation(body_site=None, reason="Condition/spine-1"))
    assert spine.operations_before[0].startswith("an operation of it is recorded (Procedure/fusion): SINS")
    spine, _ = only_sins(spine_lesion(), _instrumentation(status="not-done"))
    assert spine.operations_before == ()


def test_an_imaging_or_a_puncture_of_the_spine_is_no_operation_and_a_card_names_a_few_operations_at_most():
    """An MRI of the lumbar spine (CCAM) and a lumbar puncture beside an L3 metastasis read "spinal operation
    recorded, check it first" (review 14): a procedure coded outside the lists is said only where its words may name
    an operation (a bare code may). Hundreds at the spine are a line, not a list (and the work stays linear)."""
    mri = {**_instrumentation("mri", code="LHQN001"), "code": {
        "coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "LHQN001"}],
        "text": "IRM du rachis lombaire"}}
    spine, found = only_sins(spine_lesion(), mri)
    assert spine.operations_before == () and found.entry("Procedure/mri").outcome == "ignored"
    for words in ("Zoledronic acid infusion", "Platelet transfusion", "Scanner, bilan préopératoire"):  # review 15
        spine, _ = only_sins(spine_lesion(), {**mri, "code": {"text": words}})
        assert spine.operations_before == (), words
    spine, _ = only_sins(spine_lesion(), {**mri, "code": {"text": "Vertébroplastie T12 sous scanner"}})
    assert len(spine.operations_before) == 1  # an operation's name counts whatever else its words say
    bare = {**mri, "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "LHCA002"}]}}
    spine, _ = only_sins(spine_lesion(), bare)
    assert len(spine.operations_before) == 1  # no words: it may be one
    many = [_instrumentation(f"fusion-{i}", code="44337006") for i in range(6)]
    spine, _ = only_sins(spine_lesion(), *many)
    assert len(spine.operations_before) == 4 and spine.operations_before[-1] == (
        "3 more operations at the spine are recorded: check their levels")


@pytest.mark.parametrize("locale,words", [
    ("en", (": spinal operation recorded, check it first — ",
            "**Check first**: an operation at the spine is recorded (“Ostéosynthèse rachidienne T11-L1”, 2019-05-14), "
            "level not compared: SINS (Fisher 2010) scores the spine without saying what a prior operation or "
            "instrumentation changes (the sources are silent); check its level first")),
    ("fr", ("\u202f: opération du rachis enregistrée, à vérifier d'abord — ",
            "**À vérifier d'abord**\u202f: une opération du rachis est enregistrée (« Ostéosynthèse rachidienne "
            "T11-L1 », 14/05/2019), niveau non comparé\u202f: le SINS (Fisher 2010) cote le rachis sans dire ce que "
            "change une opération ou une instrumentation antérieure (les sources sont muettes)\u202f; vérifier "
            "d'abord son niveau"))])
def test_patient_view_says_an_old_instrumentation_first_on_the_sins_card(client, locale, words):
    def searchset(*resources):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(spine_lesion()),
                         "observations": searchset(*sins_observations()),
                         "procedures": searchset(_instrumentation())}}
    cards = client.post("/cds-services/bonemet-patient-view", json=body,
                        headers={"Accept-Language": locale}).get_json()["cards"]
    (card,) = [card for card in cards if "SINS" in card["summary"]]
    assert words[0] in card["summary"]
    detail = re.sub("[\u00a0\u202f](?=[»])|(?<=[«])[\u00a0\u202f]", " ", card["detail"])  # « » set as typed
    assert words[1] in detail
    assert detail.index(words[1]) < detail.index("| Item |")  # before the score


def test_a_long_bone_lesion_and_a_vertebral_one_get_mirels_and_sins():
    found = facts_of(lesion(), spine_lesion())
    assert sorted(f.calculator for f in found.scored) == ["mirels", "sins"]


def test_one_condition_naming_a_femur_and_the_spine_gets_one_score_mirels_which_says_so():
    both = condition("lesion-1", SCT, "94222008", body_site=[site("71341001"), site(THORACIC_SPINE)])
    found = facts_of(both)
    assert [f.calculator for f in found.scored] == ["mirels"]
    assert any("not a long bone" in note for note in found.scored[0].facts["lesion_site"].notes)


def test_answers_on_the_assessment_page_complete_the_items():
    answers = {"spinal_location": "junctional_spine", "spinal_alignment": "normal_alignment",
               "vertebral_body_collapse": "no_collapse_none_of_the_above",
               "posterolateral_involvement": "posterolateral_none", "mechanical_pain": "pain_free_lesion"}
    response = questionnaire_response("sins", "Condition/spine-1", "Patient/p1", answers, "Practitioner/doc",
                                      AS_OF.isoformat(), "fr")
    spine, found = only_sins(spine_lesion(), observation("s-type", "lesion-type", focus="Condition/spine-1",
                                                         **coded("blastic")), response)
    assert spine.facts["spinal_location"].value == "junctional_spine"  # one of the rows the record left open
    assert spine.inputs().bone_lesion == "blastic_bone_lesion"
    assert found.entry(f"QuestionnaireResponse/{response['id']}").outcome == "used"


# ---------------------------------------------------------------- the doors


RECORD = [spine_lesion(LUMBAR_SPINE), *sins_observations(kind="mixed")]  # 2 or 3 + 3+1+2+2+1 = 11 or 12


@pytest.mark.parametrize("locale,words", [("en", ("SINS 7–12: indeterminate (possibly impending) instability",
                                                  "surgical consultation is warranted")),
                                          ("fr", ("SINS 7-12\u202f: instabilité indéterminée (possiblement imminente)",
                                                  "avis chirurgical justifié"))])
def test_patient_view_gives_the_sins_card_in_both_languages(client, locale, words):
    def searchset(*resources):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(RECORD[0]),
                         "observations": searchset(*RECORD[1:])}}
    cards = client.post("/cds-services/bonemet-patient-view", json=body,
                        headers={"Accept-Language": locale}).get_json()["cards"]
    sins = [card for card in cards if "SINS" in card["summary"]]
    assert len(sins) == 1, [card["summary"] for card in cards]
    (card,) = sins
    assert card["indicator"] == "warning"
    assert words[1] in card["summary"] and words[0] in card["detail"]
    assert "11" in card["detail"] and "12" in card["detail"]  # the range while the level is open
    assert card["source"]["url"].endswith(f"/guideline/sins?lang={locale}")


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_patient_view_names_a_sacrum_without_a_side_on_a_sins_card_and_no_mirels_card(client, locale):
    def searchset(*resources):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(spine_lesion(SACRUM)),
                         "observations": searchset(*sins_observations())}}
    cards = client.post("/cds-services/bonemet-patient-view", json=body,
                        headers={"Accept-Language": locale}).get_json()["cards"]
    assert not [card for card in cards if "Mirels" in card["summary"]], [card["summary"] for card in cards]
    (card,) = [card for card in cards if "SINS" in card["summary"]]
    assert card["summary"].startswith("Sacrum, SINS 10–13" if locale == "en" else "Sacrum, SINS 10–13\u202f:"), \
        card["summary"]
    assert not re.search(r"side not stated|côté non précisé", card["summary"] + card["detail"])


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_assess_gives_the_sins_observation_risk_assessment_and_care_plan(client, locale):
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": bundle(patient(), *RECORD)}, {"name": "language", "valueCode": locale}]}
    answer = client.post("/fhir/$assess", json=body).get_json()
    resources = [entry["resource"] for entry in answer["entry"]]
    (score,) = [r for r in resources if r["resourceType"] == "Observation"]
    assert score["code"]["coding"][0]["code"] == "sins-score"
    assert score["valueRange"]["low"]["value"] == 11 and score["valueRange"]["high"]["value"] == 12
    assert [c["code"]["coding"][0]["code"] for c in score["component"]] == [
        "spinal-location", "sins-pain", "sins-bone-lesion", "spinal-alignment", "vertebral-body-collapse",
        "posterolateral-involvement"]
    (risk,) = [r for r in resources if r["resourceType"] == "RiskAssessment"]
    assert risk["prediction"][0]["outcome"]["coding"][0]["code"] == "neoplastic-spinal-instability"
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "moderate"
    plans = [r for r in resources if r["resourceType"] == "CarePlan"]  # SINS's, and §1.5's (one bone site)
    (plan,) = [p for p in plans if p["addresses"] == [{"reference": "urn:uuid:spine-1"}]
               and p["activity"][0]["detail"]["code"]["coding"][0]["code"] == "spine-surgical-consultation"]
    assert plan["language"] == locale


def test_the_assessment_page_lets_the_clinician_complete_the_sins_items(client):
    """Most SINS items come from imaging and are rarely coded: the page offers every missing one, its rows
    marked, and recomputes with the answers."""
    def searchset(*resources):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset(spine_lesion(LUMBAR_SPINE)),
                         "observations": searchset(observation("s-type", "lesion-type", focus="Condition/spine-1",
                                                               **coded("lytic")))}}
    answer = client.post("/cds-services/bonemet-patient-view", json=body)
    answer.close()  # the linked assessment is kept once the answer is sent
    (url,) = {link["url"] for card in answer.get_json()["cards"] for link in card.get("links", [])}
    url = url.removeprefix("http://127.0.0.1:8080")
    html = client.get(url).get_data(as_text=True)
    fields = sorted(set(re.findall(r'name="(answer\|[^"]+)"', html)))
    assert fields == [f"answer|Condition/spine-1|{item}" for item in (
        "mechanical_pain", "posterolateral_involvement", "spinal_alignment", "spinal_location",
        "vertebral_body_collapse")]
    answers = {"answer|Condition/spine-1|spinal_location": "mobile_spine",
               "answer|Condition/spine-1|mechanical_pain": "mechanical_pain",
               "answer|Condition/spine-1|spinal_alignment": "subluxation_translation",
               "answer|Condition/spine-1|vertebral_body_collapse": "collapse_over_50_percent",
               "answer|Condition/spine-1|posterolateral_involvement": "posterolateral_bilateral"}
    partial = client.post(url, data=answers, headers={"X-Bonemet-Partial": "scores"}).get_data(as_text=True)
    assert 'data-total="17" data-category="unstable"' in partial  # 2 + 3 + 2 + 4 + 3 + 3
    stored = client.post(url.split("?")[0] + "/resources", data=answers).get_json()
    (response,) = [e["resource"] for e in stored["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert response["questionnaire"].startswith("http://bonemet-cds.org/fhir/Questionnaire/bonemet-sins|")


@pytest.mark.parametrize("percent,row", [(60, "collapse_over_50_percent"), (30, "collapse_under_50_percent"),
                                         (50, None), (0, None)])
def test_a_collapse_measured_in_percent_is_read_as_the_tables_row_it_names(percent, row):
    """Radiologists record "60 %" of collapse: it was "missing". The table's rows are "> 50 %" and "< 50 %"; 50 %
    itself is neither, and no collapse (0) is two rows (with or without > 50 % of the body involved): not read."""
    observations = [o for o in sins_observations() if o["id"] != "s-vertebral-body-collapse"]
    collapse = observation("s-collapse", "vertebral-body-collapse", focus="Condition/spine-1",
                           valueQuantity={"value": percent, "unit": "%", "system": "http://unitsofmeasure.org",
                                          "code": "%"})
    spine, _ = only_sins(spine_lesion(), *observations, collapse)
    fact = spine.facts["vertebral_body_collapse"]
    assert fact.value == row and (row is not None or any(f"({percent} %)" in str(note) for note in fact.notes))


def test_a_pain_score_of_the_vertebral_lesion_is_said_where_sins_pain_is_missing():
    """A probe's EVA 7/10 linked to the L4 lesion: the SINS card said pain "no record of it was found". SINS pain is
    mechanical, occasional or none, which a score does not say: not read, but said."""
    observations = [o for o in sins_observations() if o["id"] != "s-sins-pain"]
    score = observation("eva", "72514-3", system="http://loinc.org", focus="Condition/spine-1", valueInteger=7)
    spine, found = only_sins(spine_lesion(), *observations, score)
    pain = spine.facts["mechanical_pain"]
    assert pain.missing and any("a 0-10 pain score is recorded for this lesion (7, Observation/eva)" in str(note)
                                for note in pain.notes), pain.notes
    # Not read by SINS, it is this lesion's pain for guideline §1.1 (tests/test_pain_sites.py): used there.
    assert found.entry("Observation/eva").outcome == "used"
    assert "read for guideline §1.1" in found.entry("Observation/eva").reason
    out_of_range = score | {"valueInteger": 42}  # no pain score: not said as one
    spine, _ = only_sins(spine_lesion(), *observations, out_of_range)
    assert not any("pain score" in str(note) for note in spine.facts["mechanical_pain"].notes)


def test_an_undetermined_sins_whose_every_category_calls_for_a_surgical_consultation_says_so():
    """SINS 12-14 (indeterminate or unstable) read "category undetermined" with no advice, where both categories
    call for a spine surgical consultation (Fisher: SINS 7 to 18) (probe 12). Stable or not says none."""
    from service.calculators.sins import SinsInputs, score_sins

    unsure_level = OneOf("junctional_spine", "semi_rigid_spine")  # 3 or 1
    score = score_sins(SinsInputs(unsure_level, "mechanical_pain", "lytic_bone_lesion", "de_novo_deformity",
                                  "collapse_under_50_percent", "posterolateral_unilateral"))
    assert (score.total_min, score.total_max, score.category) == (11, 13, None)
    assert score.common_action == "spine surgical consultation (SINS 7 to 18)"
    score = score_sins(SinsInputs(OneOf("junctional_spine", "rigid_spine"), "mechanical_pain", "lytic_bone_lesion",
                                  "normal_alignment", "no_collapse_none_of_the_above", "posterolateral_none"))
    assert (score.total_min, score.total_max, score.category) == (5, 8, None) and score.common_action == ""


def test_a_vertebral_fracture_or_collapse_is_named_beside_a_missing_collapse_item_by_level_and_never_read():
    """A "Fracture pathologique L2 (tassement)" beside the L2 lesion sat on a data-review card in Mirels's words, and
    a collapsed vertebra (ICD-10-CM M48.56, lumbar) appeared nowhere, while the SINS card said of the collapse "no
    record of it was found". A collapse is a fracture (source 003); how much of the body's height it took, which
    SINS scores, is not in such a record: named beside the missing item, never read as a row."""
    observations = [o for o in sins_observations() if o["id"] not in ("s-vertebral-body-collapse", "s-sins-pain")]
    at_l2 = condition("fx", "http://hl7.org/fhir/sid/icd-10-cm", "M84.58XA",
                      body_site=[{"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L2"}])
    at_l2["code"]["text"] = "Fracture pathologique L2 (tassement)"
    lumbar = condition("fx2", "http://hl7.org/fhir/sid/icd-10-cm", "M48.56XA")
    thoracic = condition("fx3", ICD10, "S22.0")  # another region: not this lesion's
    words_only = {"resourceType": "Condition", "id": "fx4", "subject": {"reference": "Patient/p1"},
                  "code": {"text": "Tassement vertébral L2"}, "onsetDateTime": AS_OF.isoformat(),
                  "bodySite": [{"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L2"}]}
    l2 = condition("spine-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": LUMBAR_SPINE}],
                                                          "text": "L2"}])
    spine, found = only_sins(l2, *observations, at_l2, lumbar, thoracic, words_only)
    collapse = spine.facts["vertebral_body_collapse"]
    notes = [str(note) for note in collapse.notes]
    assert collapse.missing and collapse.value is None
    assert notes == ["Condition/fx records a fracture at this level: the body may have collapsed, by how much of its "
                     "height is not recorded; not read",
                     "Condition/fx4 records a fracture at this level: the body may have collapsed, by how much of its "
                     "height is not recorded; not read",
                     "Condition/fx2 records a fracture of the spine whose level cannot be compared with this lesion's: "
                     "if it is at this level, the body may have collapsed; not read"]
    for ref in ("Condition/fx", "Condition/fx2", "Condition/fx4"):
        assert not found.entry(ref).attention and "SINS collapse item" in found.entry(ref).reason
    # Of another region or level, it is not this lesion's; said as a vertebra's, never in Mirels's words.
    assert "a fracture or collapse of a vertebra (S22.0)" in found.entry("Condition/fx3").reason
    assert not any("Mirels" in found.entry(f"Condition/fx{n}").reason for n in (2, 3, 4))


def test_a_collapse_item_recorded_before_a_fracture_at_its_level_no_longer_counts():
    """A fact counts only for the moment it describes: "no collapse" read on an MRI, then a pathological fracture of
    that vertebra recorded after it. The item counted (SINS scored "no collapse") with the fracture nowhere on the
    card (ninth session's note). It is now refused, named with the fracture, and the range widens; a fracture
    before the item, or at another level, leaves it counted."""
    l2_site = [{"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L2"}]
    l2 = condition("spine-1", SCT, "94222008", body_site=l2_site, onset=(AS_OF - timedelta(days=40)).isoformat())
    observations = [o for o in sins_observations(**{"vertebral-body-collapse": "no_collapse_over_50_percent_involved"})]
    for item in observations:
        item["effectiveDateTime"] = (AS_OF - timedelta(days=20)).isoformat()

    def fracture(days_ago, level="L2"):
        found = condition("fx", "http://hl7.org/fhir/sid/icd-10-cm", "M84.58XA", onset=(
            AS_OF - timedelta(days=days_ago)).isoformat(), body_site=[
            {"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": level}])
        found["code"]["text"] = f"Fracture pathologique {level}"
        return found

    spine, found = only_sins(l2, *observations, fracture(5))
    collapse = spine.facts["vertebral_body_collapse"]
    assert collapse.missing, collapse
    assert any("before a fracture at this level (20" in str(note) for note in collapse.notes), collapse.notes
    assert any("Condition/fx records a fracture at this level" in str(note) for note in collapse.notes)
    assert "before a fracture at this level (20" in found.entry("Observation/s-vertebral-body-collapse").reason
    written_down = fracture(5)  # recorded 5 days ago, its onset not recorded: it may have broken before the item
    written_down["recordedDate"] = written_down.pop("onsetDateTime")
    for earlier_or_elsewhere in (fracture(30), fracture(5, level="L4"), written_down):
        spine, _ = only_sins(l2, *observations, earlier_or_elsewhere)
        assert spine.facts["vertebral_body_collapse"].value == "no_collapse_over_50_percent_involved"


def test_a_fracture_of_the_sacrum_is_at_a_sacral_lesions_level_the_sacrum_being_one_bone():
    """Regression diff 17: on a sacrum's SINS card the collapse line said the fracture's "level cannot be compared",
    while the same card said "a fracture of this bone": both coded sacrum, one bone."""
    observations = [o for o in sins_observations() if o["id"] not in ("s-vertebral-body-collapse", "s-sins-pain")]
    sacrum = spine_lesion(SACRUM)
    fracture = condition("fx", "http://hl7.org/fhir/sid/icd-10-cm", "M84.58XA", body_site=[site(SACRUM)])
    fracture["code"]["text"] = "Fracture pathologique du sacrum"
    spine, _ = only_sins(sacrum, *observations, fracture)
    assert [str(note) for note in spine.facts["vertebral_body_collapse"].notes] == [
        "Condition/fx records a fracture at this level: the body may have collapsed, by how much of its height is "
        "not recorded; not read"]


@pytest.mark.parametrize("words,read", [
    ("Tassement vertébral L2", True), ("compression fx L2", True), ("Vertebral body fracture L2", True),
    ("sans tassement vertébral L2", False), ("tassement discal L2-L3", False),
    ("Tassement de la tête fémorale gauche (ostéonécrose)", False), ("Tassement", False)])
def test_only_words_of_a_vertebras_collapse_are_read_as_a_fracture(words, read):
    """Review 17, probe 17: any "tassement" was a fracture: a femoral head's (osteonecrosis) broke a femur's Mirels
    card, a disc's and a negated one withheld §1.1. Its words must name a vertebra (a word or a level), unnegated."""
    from service.facts.unrecognised import is_fracture

    record = {"resourceType": "Condition", "id": "fx", "code": {"text": words}}
    assert is_fracture(record) is read


def test_a_vertebral_lesion_refuted_at_its_level_in_another_record_is_said_first():
    """Probe 17: a T8 metastasis refuted at biopsy (a haemangioma) beside an active T8 lesion still got a SINS "spine
    surgical consultation" with no word of it. The level read on both: said first; another level, or one refuted
    before this lesion began, says nothing of it."""
    t8 = [{"coding": [{"system": SCT, "code": THORACIC_SPINE}], "text": "T8"}]
    active = condition("spine-1", SCT, "94222008", body_site=t8, onset=(AS_OF - timedelta(days=20)).isoformat())
    refuted = condition("old", SCT, "94222008", body_site=t8, verification="refuted",
                        onset=(AS_OF - timedelta(days=10)).isoformat())
    spine, _ = only_sins(active, refuted, *sins_observations())
    assert any("a record at the same level is refuted (Condition/old)" in str(flag) for flag in spine.condition_flags)
    elsewhere = refuted | {"bodySite": [{"coding": [{"system": SCT, "code": THORACIC_SPINE}], "text": "T11"}]}
    before = refuted | {"onsetDateTime": (AS_OF - timedelta(days=400)).isoformat()}
    for other in (elsewhere, before):
        spine, _ = only_sins(active, other, *sins_observations())
        assert not any("refuted" in str(flag) for flag in spine.condition_flags)
    # The card says it first.
    from datetime import UTC, datetime

    from service.pipeline import assess_patient
    from service.render.cards import cards_for_patient

    result = assess_patient([patient(), active, refuted, *sins_observations()], "Patient/p1",
                            when=datetime.now(UTC), as_of=AS_OF)
    (card,) = [card for _, card in cards_for_patient(result.assessments, result.facts, "en", result.advice)
               if card["source"]["topic"]["code"] == "sins"]
    assert "refuted in another record, check it first" in card["summary"], card["summary"]


def test_an_item_linked_to_the_lesion_whose_own_site_is_another_level_is_not_counted():
    """Probe 18: an alignment "subluxation" whose focus is the L3 lesion but whose own bodySite says T12 counted 4
    points and turned "stable" into "surgical consultation", T12 said nowhere. The link and the record's own words
    disagree: not counted, named beside the item; its own site at the same level (or stating none) counts."""
    lumbar = [{"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L3"}]
    l3 = condition("spine-1", SCT, "94222008", body_site=lumbar)
    observations = sins_observations(**{"spinal-alignment": "subluxation_translation"})
    alignment = next(o for o in observations if o["id"] == "s-spinal-alignment")
    for own, counted in (([{"coding": [{"system": SCT, "code": THORACIC_SPINE}], "text": "T12"}], False),
                         ([{"coding": [{"system": SCT, "code": LUMBAR_SPINE}], "text": "L1"}], False),
                         ([site("71341001", "7771000")], False),  # a femur's record: another bone (review 18)
                         (lumbar, True), ([{"coding": [{"system": SCT, "code": LUMBAR_SPINE}]}], True)):
        alignment["bodySite"] = own
        spine, found = only_sins(l3, *observations)
        fact = spine.facts["spinal_alignment"]
        assert (fact.value == "subluxation_translation") is counted, fact
        if not counted:
            assert any("but its own bodySite says" in str(note) for note in fact.notes), fact.notes
            entry = found.entry("Observation/s-spinal-alignment")
            assert entry.attention and "which lesion it describes is not certain" in entry.reason
    # The sacrum is one bone: an item of "S2" counts for the lesion of "S1" (review 18).
    s1 = condition("spine-1", SCT, "94222008", body_site=[{"coding": [{"system": SCT, "code": SACRUM}], "text": "S1"}])
    alignment["bodySite"] = [{"coding": [{"system": SCT, "code": SACRUM}], "text": "S2"}]
    spine, _ = only_sins(s1, *observations)
    assert spine.facts["spinal_alignment"].value == "subluxation_translation"


def test_a_pathological_fracture_whose_words_only_name_the_spine_is_said_beside_the_collapse_item():
    """Probe 22 (g4): "Fracture pathologique vertèbre D7 (tassement)", M84.48 (no bone in its code): the D7 lesion's
    SINS asked for its collapse with no word of it, and the data card spoke of Mirels. Its level is not read from
    its words: it may be at this level, said beside the collapse item."""
    fracture = condition("fx", ICD10, "M84.48", onset="2026-12-01")
    fracture["code"]["text"] = "Fracture pathologique vertèbre D7 (tassement)"
    spine, found = only_sins(spine_lesion(), fracture)
    assert any("Condition/fx records a fracture of the spine whose level cannot be compared with this lesion's"
               in str(note) for note in spine.facts["vertebral_body_collapse"].notes)
    assert "SINS collapse item" in found.entry("Condition/fx").reason


@pytest.mark.parametrize("words", ["Fracture cervicale vraie du fémur droit", "Fracture of the spine of the scapula",
                                   "Fracture radius distal, déplacement dorsal"])
def test_a_fracture_whose_words_name_another_bone_is_not_said_to_be_of_the_spine(words):
    """Review 24: "cervical", "dorsal" and "spine" name a femoral neck, a displacement, a scapula's spine too."""
    fracture = condition("fx", ICD10, "M84.48", onset="2026-12-01")
    fracture["code"]["text"] = words
    spine, _ = only_sins(spine_lesion(), fracture)
    assert not any("Condition/fx" in str(note) for note in spine.facts["vertebral_body_collapse"].notes)


@pytest.mark.parametrize("words,said", [("Laminectomie D8 décompressive", True),
                                        ("Enclouage centromédullaire fémur G", False),  # a long bone's
                                        ("IRM rachis entier", False)])  # no operation
def test_an_operation_coded_outside_the_lists_with_no_site_is_at_the_spine_by_its_words(words, said):
    """Probe 23 (v19): "Laminectomie D8 décompressive" in CCAM, no bodySite, no reason, five days before: the D8
    compression's card said "radiotherapy alone" and nothing of it. Its words name the spine: said, level not
    compared."""
    ccam = {"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "LFFA003"}
    operation = {"resourceType": "Procedure", "id": "lam", "status": "completed",
                 "subject": {"reference": "Patient/p1"}, "code": {"coding": [ccam], "text": words},
                 "performedDateTime": "2026-11-02"}
    spine, _ = only_sins(spine_lesion(), *sins_observations(), operation)
    assert [flag for flag in spine.operations_before if "(Procedure/lam)" in flag] == ([
        "a procedure at the spine is recorded (Procedure/lam), level not compared, its code in none of the procedure "
        "lists read here: SINS (Fisher 2010) scores the spine without saying what a prior operation or "
        "instrumentation changes (the sources are silent); check what it was and its level first"] if said else [])


def test_a_radiotherapy_of_the_vertebral_lesion_is_said_on_its_sins_card():
    """Probe 24 (p06): "RTE D7 8 Gy" naming the vertebral metastasis, three weeks before: its SINS card named it
    nowhere. Said, as on a long bone's card: the card's advice may be what was given."""
    course = {"resourceType": "Procedure", "id": "rte", "status": "completed", "subject": {"reference": "Patient/p1"},
              "code": {**cc(SCT, "33195004"), "text": "RTE D7 8 Gy"},
              "performedDateTime": (AS_OF - timedelta(days=21)).isoformat(),
              "reasonReference": [{"reference": "Condition/spine-1"}]}
    spine, _ = only_sins(spine_lesion(), *sins_observations(), course)
    assert any(str(flag).startswith("a radiotherapy of it is recorded (Procedure/rte)") for flag in
               spine.condition_flags), spine.condition_flags
