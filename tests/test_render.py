"""Rendered FHIR resources: valid R4 (models and official schema), traceable, and the
output examples in fhir_profiles/example/ are exactly what the renderer writes."""

import itertools
import json
import os
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B import get_fhir_model_class

from service.data import data_dir
from service.pipeline import assess_patient
from support.fhir_builders import (
    ICD10,
    SCT,
    coded,
    condition,
    histology,
    lesion,
    lesion_observations,
    observation,
    patient,
    quantity,
)
from support.fhir_schema_check import schema_errors

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
EXAMPLES = data_dir("fhir_profiles") / "example"


def assess(*resources, locale="en", ids=None):
    result = assess_patient([patient(), *resources], "Patient/p1", when=datetime.now(UTC), locale=locale)
    return result


def check_valid(resource):
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert schema_errors(resource) == []


def test_complete_mirels_renders_three_valid_linked_resources():
    (assessment,) = assess(lesion(), *lesion_observations()).assessments
    observation_, risk, plan = assessment.resources
    for resource in assessment.resources:
        check_valid(resource)
    assert observation_["valueInteger"] == 9 and observation_["status"] == "final"
    assert [c["valueInteger"] for c in observation_["component"]] == [2, 2, 3, 2]
    assert {d["reference"] for d in observation_["derivedFrom"]} == {
        "Observation/o-size", "Observation/o-type", "Observation/o-pain"}
    assert risk["basis"][0]["reference"] == f"Observation/{observation_['id']}"
    assert {b["reference"] for b in risk["basis"][1:] if "reference" in b} == {
        "Condition/lesion-1", "Observation/o-size", "Observation/o-type", "Observation/o-pain"}
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "high"
    assert "probabilityDecimal" not in risk["prediction"][0]
    assert risk["condition"]["reference"] == "Condition/lesion-1"
    assert (plan["status"], plan["intent"]) == ("draft", "proposal")
    assert plan["supportingInfo"] == [{"reference": f"RiskAssessment/{risk['id']}"}]
    assert len(plan["activity"]) == 2 and "15 days to 3 weeks" in plan["activity"][1]["detail"]["description"]
    assert any("Damron" in note["text"] for note in risk["note"])


def test_partial_score_is_preliminary_with_a_range_and_no_care_plan():
    observations = lesion_observations()[:2]  # no pain
    (assessment,) = assess(lesion(), *observations).assessments
    observation_, risk = assessment.resources
    for resource in assessment.resources:
        check_valid(resource)
    assert assessment.care_plan is None
    assert observation_["status"] == risk["status"] == "preliminary"
    assert observation_["valueRange"] == {"low": {"value": 8}, "high": {"value": 10}}
    assert observation_["component"][3]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "qualitativeRisk" not in risk["prediction"][0]
    assert observation_["note"][0]["text"].startswith("Missing: Pain: an Observation coded")


def test_uncertain_item_is_a_range_of_points():
    resources = [condition("lung", ICD10, "C34.1", onset="2024-01-01"),
                 condition("mscc", ICD10, "G95.2", onset="2026-11-01"),
                 observation("motor", "motor-function", **coded("ambulatory-without-aid")),
                 observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                 observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    (assessment,) = assess(*resources).assessments
    observation_ = assessment.observation
    check_valid(observation_)
    assert observation_["component"][0]["valueRange"] == {"low": {"value": 5}, "high": {"value": 6}}
    assert assessment.score.category.value == "group_iii"  # 40 or 41
    assert any("non-small-cell" in note["text"] for note in assessment.risk_assessment["note"])
    check_valid(assessment.care_plan)


def test_french_resources():
    (assessment,) = assess(lesion(), *lesion_observations(), locale="fr").assessments
    assert assessment.care_plan["description"].startswith("Chirurgie prophylactique première")
    assert assessment.risk_assessment["prediction"][0]["outcome"]["text"] == "Fracture pathologique de l'os long"


@pytest.mark.parametrize("size,kind,pain",
                         list(itertools.product((10, 50, 80), ("blastic", "lytic"), ("mild", "functional"))))
def test_every_rendered_resource_is_valid_r4(size, kind, pain):
    for assessment in assess(lesion(), *lesion_observations(size=(size, "%"), kind=kind, pain=pain)).assessments:
        for resource in assessment.resources:
            assert schema_errors(resource) == []


# -- the output examples are the renderer's own output on the example patient ------------------------

OUTPUT_EXAMPLES = {
    ("mirels", "Observation"): "example-mirels-score",
    ("mirels", "RiskAssessment"): "example-mirels-risk-assessment",
    ("mirels", "CarePlan"): "example-mirels-care-plan",
    ("rades", "Observation"): "example-rades-score",
    ("rades", "RiskAssessment"): "example-rades-risk-assessment",
    ("rades", "CarePlan"): "example-rades-care-plan",
    ("post_operative", "CarePlan"): "example-post-operative-care-plan",  # after the example's laminectomy (§1.4)
    ("sins", "Observation"): "example-sins-score",
    ("sins", "RiskAssessment"): "example-sins-risk-assessment",
}


def render_example_patient():
    from service.calculators import score_mirels, score_rades
    from service.calculators.sins import score_sins
    from service.facts import MappingOptions, extract_facts
    from service.render import render
    from service.render.fhir_resources import relink

    examples = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("[!.]*.json"))]
    inputs = [resource for resource in examples if resource["id"] not in OUTPUT_EXAMPLES.values()]
    facts = extract_facts(inputs, MappingOptions(as_of=WHEN.date()))
    # Rades's as for the same patient before the example's laminectomy: once an operation names the compression, its
    # score proposes no CarePlan (the post-operative one below is the plan), and the profile needs an example of one.
    before_operation = extract_facts([r for r in inputs if r["resourceType"] != "Procedure"],
                                     MappingOptions(as_of=WHEN.date()))
    rendered = {}
    for found, calculator, name in [(facts.scored_by("mirels")[0], score_mirels, "mirels"),
                                    (before_operation.scored_by("rades")[0], score_rades, "rades"),
                                    (facts.scored_by("sins")[0], score_sins, "sins")]:
        assessment = render(calculator(found.inputs()), found, "Patient/example", WHEN)
        # Stored under readable ids, as a server may store them; the identifiers stay the renderer's.
        ids = {f"{r['resourceType']}/{r['id']}": OUTPUT_EXAMPLES[(name, r["resourceType"])]
               for r in assessment.resources}
        targets = {old: f"{old.split('/')[0]}/{new}" for old, new in ids.items()}
        for resource in assessment.resources:
            readable = relink({**resource, "id": ids[f"{resource['resourceType']}/{resource['id']}"]}, targets)
            rendered[readable["id"]] = readable
    from service.calculators import rule
    from service.render.advice import render_advice

    (operated,) = [s for s in facts.situations if s.situation == "post_operative"]
    advice = render_advice(operated, rule("post_operative").evaluate(operated.inputs, None), "Patient/example", WHEN,
                           WHEN.date(), "en")
    plan = advice.care_plan
    rendered[OUTPUT_EXAMPLES[("post_operative", "CarePlan")]] = {**plan, "id": OUTPUT_EXAMPLES[("post_operative",
                                                                                                "CarePlan")]}
    return rendered


def test_output_examples_are_the_renderers_output():
    rendered = render_example_patient()
    if os.environ.get("BONEMET_WRITE_EXAMPLES"):  # after a deliberate change of the renderer
        for rid, resource in rendered.items():
            (EXAMPLES / f"{resource['resourceType']}-{rid}.json").write_text(
                json.dumps(resource, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for rid, resource in rendered.items():
        stored = json.loads((EXAMPLES / f"{resource['resourceType']}-{rid}.json").read_text("utf-8"))
        assert stored == resource


def test_several_primaries_each_keep_their_own_interval_so_the_range_is_that_of_the_real_pairs():
    """A breast cancer of 2026-06 (8, <= 15 months 6) and a non-small-cell lung cancer of 2020 (5, > 15 months 8):
    the real pairs give 14 or 13 points, not every row with every interval (11 to 16). With a visceral metastasis
    5, with aid 9 and a deficit of 24 days 9: 36 or 37, group II either way (unpaired: 34-39, undetermined)."""
    resources = [condition("breast", SCT, "254837009", onset="2026-06-01"),
                 condition("lung", ICD10, "C34.9", onset="2020-01-01", extension=histology("8140/3")),
                 condition("mscc", ICD10, "G95.2", onset="2026-11-01"),
                 condition("liver", ICD10, "C78.7", onset="2026-10-01"),
                 observation("motor", "motor-function", **coded("ambulatory-with-aid")),
                 observation("deficit", "days-developing-motor-deficits", **quantity(20, "d"))]
    (assessment,) = assess(*resources).assessments
    score = assessment.score
    assert (score.total_min, score.total_max, score.category.value) == (36, 37, "group_ii")
    assert any("its own interval" in note for note in assessment.facts.facts["primary_tumour"].notes)
    check_valid(assessment.observation)
    assert assessment.observation["valueRange"] == {"low": {"value": 36}, "high": {"value": 37}}


def test_cards_name_a_record_by_its_words_and_leave_other_text_as_written():
    from service.render.cards import namer

    resources = [lesion(), *lesion_observations()]
    facts = assess(*resources).facts
    name = namer(facts)
    label = facts.labels["Condition/lesion-1"].said_in("en")
    assert name("Condition/lesion-1 (2026 scan, 3 lesions)") == f"{label} (2026 scan, 3 lesions)"
    assert name("Condition/lesion-1 (2026-11-05)") == label  # the date a message gives after it: said once
    assert name("Condition/lesion-1/_history/2") == label
    assert "lesion-1" not in name("see https://other.example/fhir/Condition/lesion-1") and label not in name(
        "see https://other.example/fhir/Condition/lesion-1")  # another server's resource is not this one
    assert name("MedicationRequest/m-9 and urn:uuid:0f4f6c1e-2f5a-4c39-9a5b-0c9d2a7e1f10") == \
        "a resource (MedicationRequest) and a resource (urn:uuid)"


def test_a_fracture_that_may_be_of_the_lesions_bone_is_said_first_on_its_card_once():
    """The score and its "fixation first" stand (the bone is not coded), but the summary and the first line of
    the detail say the fracture, before the table: a broken bone is no longer Mirels's question."""
    from service.render.cards import cards_for_patient

    fracture = condition("fracture", SCT, "x", onset="2026-10-20")
    fracture["code"] = {"text": "Fracture pathologique du fémur gauche"}
    records = (lesion(), fracture, *lesion_observations(size=(80, "%"), pain="functional"))

    def score_card(locale):
        result = assess(*records, locale=locale)
        (assessment,) = result.assessments
        return assessment, next(card for about, card in cards_for_patient(result.assessments, result.facts, locale)
                                if about is assessment)

    assessment, card = score_card("en")
    # First, before the action it may make moot (a long summary is cut at its end, as in French).
    assert card["summary"].startswith("Left femur, shaft of femur, Mirels score 11: fracture recorded, check it "
                                      "first — surgical fixation opinion"), card["summary"]
    detail = card["detail"].split("\n")
    assert detail[2].startswith("**Check first**: a fracture is recorded whose bone is not coded")
    assert card["detail"].count("whose bone is not coded") == 1  # not again among the flags
    assert any("whose bone is not coded" in note["text"] for note in assessment.risk_assessment["note"])  # stored too
    _, french = score_card("fr")
    assert "fracture enregistrée, à vérifier d'abord" in french["summary"] and "À vérifier d'abord" in french["detail"]


def test_an_item_known_as_a_range_says_so_on_the_missing_data_card_never_no_record():
    """A primary diagnosed "2025-01" and a compression of "2026-04": the interval is 14 to 16 months, both sides of
    the 15-month row. The card says what the record gives, in months (decimal comma in French), never that no
    record was found."""
    from service.render.cards import cards_for_patient
    from support.mapping import compression, rades_observations

    def interval_line(locale):
        without_motor = [o for o in rades_observations() if o["id"] != "motor"]  # the category then undetermined
        result = assess(condition("breast", SCT, "254837009", onset="2025-01"), compression(onset="2026-04"),
                        *without_motor, locale=locale)
        detail = "\n".join(card["detail"] for _, card in cards_for_patient(result.assessments, result.facts, locale))
        return next(line for line in detail.split("\n") if line.startswith("- **Interval")
                    or line.startswith("- **Intervalle"))

    from fractions import Fraction

    from service.calculators.values import number

    assert (number(Fraction(141, 10), "fr"), number(Fraction(141, 10)), number(15, "fr")) == ("14,1", "14.1", "15")
    english = interval_line("en")
    assert "allows more than one row: 14 to 16 months" in english and "no record" not in english, english
    assert "à 16 mois" in interval_line("fr")


def test_a_missing_data_card_says_its_heading_and_what_is_missing_once():
    """A card with items missing or uncertain said "**Mirels score** — Right femur" twice, the missing items' lines
    above the table and the whole detail again under a second heading, with their notes again below it (probe 29:
    r06, r15, r32, r40, example 05). Each lesion's card says its heading once and each missing item's reason once;
    two lesions of one bone keep a card and a heading each."""
    from service.render.cards import cards_for_patient
    from support.fhir_builders import FEMUR, LEFT, RIGHT
    from support.mapping import compression, rades_observations

    unsited = [lesion("lesion-1", bone=FEMUR, side=LEFT), *lesion_observations(size=(20, "%")),  # no region: 8-9
               lesion("lesion-2", side=RIGHT), *lesion_observations("Condition/lesion-2", prefix="q")[:2]]  # no pain
    rades = [condition("breast", SCT, "254837009", onset="2024-01-10"), compression(),
             *[o for o in rades_observations() if o["id"] != "motor"]]
    for locale, mirels, rades_title, region in (("en", "Mirels score", "Rades score", "region is not stated"),
                                                ("fr", "Score de Mirels", "Score de Rades", "région n'est pas")):
        result = assess(*unsited, *rades, locale=locale)
        details = [card["detail"] for _, card in cards_for_patient(result.assessments, result.facts, locale)
                   if card["detail"].startswith(("**Mirels", "**Score de", "**Rades"))]
        headings = [line for detail in details for line in detail.split("\n")
                    if line.startswith((f"**{mirels}** — ", f"**{rades_title}** — "))]
        assert sorted(headings) == sorted({*headings}) and len(headings) == 3, headings  # one each, none twice
        assert sum(heading.startswith(f"**{mirels}**") for heading in headings) == 2
        assert sum(heading.startswith(f"**{rades_title}**") for heading in headings) == 1
        (femur,) = [detail for detail in details if region in detail]
        assert femur.count(region) == 1, femur


def test_a_share_of_the_cortex_is_said_as_the_percentage_records_write():
    """A size recorded "> 50 %" read "over 0.5" ("plus de 0,5"): the number no longer traced to the record."""
    from fractions import Fraction

    from service.calculators import AtLeast, Between
    from service.calculators.values import describe

    assert describe(AtLeast(Fraction(1, 2), True), "en", "lesion_size") == "over 50 %"
    assert describe(Fraction(45, 100), "fr", "lesion_size") == "45 %"
    assert describe(Between(Fraction(1, 3), Fraction(2, 3)), "fr", "lesion_size") == "33,3 à 66,7 %"
    assert describe(Between(3, 9), "en", "days_developing_motor_deficits") == "3 to 9 days"  # other units as were
    # One is said in the singular ("1 days when recorded": probe 14), in both languages.
    assert [describe(1, locale, "days_developing_motor_deficits") for locale in ("en", "fr")] == ["1 day", "1 jour"]
    assert describe(AtLeast(1), "en", "days_developing_motor_deficits") == "at least 1 day"
    assert [describe(Fraction(1, 8), locale, "days_developing_motor_deficits") for locale in ("en", "fr")] == [
        "0.1 days", "0,1 jour"]  # French: the singular below 2


def test_a_bone_broken_by_an_injury_code_is_said_a_fracture_a_pathological_one_pathological():
    from service.render.cards import cards_for_patient

    def broken_summary(code, display):
        fracture = condition("fracture", "http://hl7.org/fhir/sid/icd-10-cm", code, onset="2026-10-20")
        fracture["code"]["coding"][0]["display"] = display
        result = assess(lesion(), fracture, *lesion_observations())
        assert result.assessments == []  # the bone has broken: no Mirels score
        (card,) = [card for _, card in cards_for_patient([], result.facts, "en") if "has broken" in card["summary"]]
        return card["summary"]

    assert broken_summary("S72.302A", "Unspecified fracture of shaft of left femur").startswith(
        "Left femur, shaft of femur: the bone has broken (fracture, 2026-10-20)")
    assert "(pathological fracture, 2026-10-20)" in broken_summary(
        "M84.552A", "Pathological fracture in neoplastic disease, left femur")


def test_the_painful_metastasis_care_plan_and_its_outcome_name_the_situation_once():
    from service.render.bundle import outcome_issues

    result = assess(lesion(), *lesion_observations(pain="mild", kind="mixed"))  # Mirels 7, a painful lesion
    (plan,) = [r for advised in result.advice for r in advised.resources
               if r["resourceType"] == "CarePlan" and "1.1" in r["title"]]
    assert plan["title"].count("Painful bone metastasis (guideline §1.1)") == 1, plan["title"]
    issues = outcome_issues("Patient/p1", result.facts, result.assessments, advice=result.advice)
    (said,) = [i["diagnostics"] for i in issues if "§1.1" in i["diagnostics"]]
    assert said.count("Painful bone metastasis (guideline §1.1)") == 1, said


def test_a_summary_cut_inside_a_parenthesis_closes_it():
    """Probe 24: "— thoracic spine (“Compression médullaire…”, if the order is for it": the quotation closed, the
    parenthesis left open."""
    from service.render.card_text import fit_summary

    cut = fit_summary("Decompressive surgery ordered, Rades group I: no benefit from surgery — thoracic spine "
                      "(“Compression médullaire D8 sur métastase vertébrale", ", if the order is for it")
    assert cut.endswith("…”), if the order is for it") and len(cut) <= 140, cut  # the closers within the limit


def test_a_summary_cut_leaves_out_an_aside_it_would_leave_empty():
    """Probe 24 (o01): « … — rachis thoracique (« … ») »: the place's quotation cut to nothing. Left out whole."""
    from service.render.card_text import fit_summary

    cut = fit_summary("Radiothérapie prescrite, Rades groupe I : privilégier l'hypofractionnement (son code ne précise "
                      "pas le schéma) — rachis thoracique (« Compression médullaire D8 » dans le dossier)")
    assert cut.endswith("— rachis thoracique…") and len(cut) <= 140, cut
