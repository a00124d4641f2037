"""Mirels: pain scores and osteolysis (facts/items/pain.py, osteolysis.py)."""

import pytest

from support.fhir_builders import (
    OWN,
    SCT,
    cc,
    coded,
    lesion,
    lesion_observations,
    observation,
    quantity,
)
from support.mapping import days_ago, only_lesion, pain_score


def test_pain_score_is_not_mapped_unless_configured():
    lesion_facts, found = only_lesion(lesion(), pain_score(8))
    assert lesion_facts.facts["pain"].missing
    entry = found.entry("Observation/score")
    assert entry.outcome == "context" and "gives no mapping" in entry.reason
    assert any("pain score 8" in note for note in lesion_facts.facts["pain"].notes)


def test_a_mirels_pain_set_aside_for_its_moment_is_said_beside_a_pain_score_that_is_not_mapped():
    """A Mirels pain recorded before the lesion began, and a 0-10 score (not mapped, no bands set): the item is
    missing, and the set-aside record was named in the mapping report only (the score was taken for a current
    record of the item); it is why the item is missing, beside the score, and said with attention."""
    from support.fhir_builders import coded

    early = observation("early-pain", "mirels-pain", focus="Condition/lesion-1", effective="2026-10-01",
                        **coded("functional"))
    lesion_facts, found = only_lesion(lesion(onset="2026-11-01"), pain_score(8), early)
    notes = [str(note) for note in lesion_facts.facts["pain"].notes]
    assert lesion_facts.facts["pain"].missing and any("pain score 8" in note for note in notes)
    assert any("Observation/early-pain" in note and "before the lesion's onset" in note for note in notes), notes
    assert found.entry("Observation/early-pain").attention
    bands = (("mild", 0, 3), ("moderate", 4, 6), ("functional", 7, 10))  # mapped: the score is current, the other
    lesion_facts, found = only_lesion(lesion(onset="2026-11-01"), pain_score(8), early, pain_score_bands=bands)
    assert lesion_facts.facts["pain"].value == "functional" and not found.entry("Observation/early-pain").attention


def test_configured_pain_score_bands_give_a_derived_flagged_category():
    bands = (("mild", 0, 3), ("moderate", 4, 6), ("functional", 7, 10))
    lesion_facts, _ = only_lesion(lesion(), pain_score(8), pain_score_bands=bands)
    fact = lesion_facts.facts["pain"]
    assert fact.value == "functional" and fact.sources == ("Observation/score",)
    assert any("derived" in flag for flag in fact.flags)


def test_cortical_osteolysis_components():
    panel = observation("osteo", "cortical-osteolysis", focus="Condition/lesion-1", component=[
        {"code": {"coding": [{"system": OWN, "code": "cortical-osteolysis-axial"}]},
         "valueQuantity": {"value": 35, "system": "http://unitsofmeasure.org", "code": "%"}},
        {"code": {"coding": [{"system": OWN, "code": "cortical-osteolysis-circumference"}]},
         "valueQuantity": {"value": 60, "system": "http://unitsofmeasure.org", "code": "%"}},
    ])
    lesion_facts, _ = only_lesion(lesion(), panel)
    inputs = lesion_facts.inputs()
    assert (inputs.cortical_osteolysis_axial_percent, inputs.cortical_osteolysis_circumference_percent) == (35, 60)
    assert lesion_facts.facts["cortical_osteolysis_axial_percent"].sources == ("Observation/osteo",)


def test_cortical_osteolysis_recorded_as_two_observations_of_their_own_is_read():
    """Probe 25 (r99): the axial share and the circumference's, each an Observation of its own code (40 %, 60 %),
    linked to a trochanter at Mirels 12: read nowhere, named nowhere, the consolidation prompt lost."""
    axial = observation("ax", "cortical-osteolysis-axial", focus="Condition/lesion-1", **quantity(40, "%"))
    around = observation("ci", "cortical-osteolysis-circumference", focus="Condition/lesion-1", **quantity(60, "%"))
    lesion_facts, found = only_lesion(lesion(), axial, around)
    inputs = lesion_facts.inputs()
    assert (inputs.cortical_osteolysis_axial_percent, inputs.cortical_osteolysis_circumference_percent) == (40, 60)
    assert lesion_facts.facts["cortical_osteolysis_circumference_percent"].sources == ("Observation/ci",)
    assert found.entry("Observation/ax").outcome == "used"


def test_a_pain_that_may_predate_a_lesion_known_to_its_month_is_counted_and_said():
    """Probe 26 (M10): the lesion's onset "2026-11" (a month), its pain of the 10th counted with no word that it may be
    from before the lesion existed. One of the same day as an onset known to the day is said nothing (no noise)."""
    from datetime import date, timedelta

    month = (date.today() - timedelta(days=20)).isoformat()[:7]
    day = min(date.fromisoformat(f"{month}-28"), date.today() - timedelta(days=1)).isoformat()  # after the 1st
    pain = observation("pain", "mirels-pain", focus="Condition/lesion-1", effective=day, **coded("moderate"))
    lesion_facts, _ = only_lesion(lesion(onset=month), pain)
    fact = lesion_facts.facts["pain"]
    assert fact.value == "moderate"
    assert any(f"perhaps before the lesion's onset ({month})" in note for note in fact.notes), fact.notes
    # Said of the record counted only, not of an older one that is not (review 29).
    older = observation("pain-old", "mirels-pain", focus="Condition/lesion-1", effective=f"{month}-02",
                        **coded("mild"))
    lesion_facts, _ = only_lesion(lesion(onset=month), older, pain)
    assert [note for note in lesion_facts.facts["pain"].notes if "perhaps before" in note] == [
        f"Observation/pain: recorded {day}, perhaps before the lesion's onset ({month}): their dates do not tell which "
        "came first; counted"], lesion_facts.facts["pain"].notes
    lesion_facts, _ = only_lesion(lesion(onset=day), pain)
    assert not any("perhaps before" in note for note in lesion_facts.facts["pain"].notes)


def test_a_lesions_pain_score_is_context_beside_its_own_score_only():
    """A probe's 8/10 score linked to the right humerus showed under "Context, not scored" on the right femur's card
    too: a reader takes it as femur pain. A patient's context (ECOG) stays beside every score."""
    from datetime import UTC, datetime

    from service.pipeline import assess_patient
    from support.fhir_builders import FEMUR_SHAFT, HUMERUS, RIGHT, patient
    from support.mapping import AS_OF

    femur, humerus = lesion("femur", FEMUR_SHAFT, RIGHT), lesion("lesion-1", HUMERUS, RIGHT)
    result = assess_patient([patient(), femur, humerus, pain_score(8)], "Patient/p1", when=datetime.now(UTC),
                            as_of=AS_OF)
    context = {assessment.facts.condition: [entry.resource for entry in assessment.context]
               for assessment in result.assessments}
    assert context == {"Condition/lesion-1": ["Observation/score"], "Condition/femur": []}


@pytest.mark.parametrize("began_days_ago, said", [(10, True), (1, False)])
def test_a_pain_recorded_after_the_lesions_radiotherapy_began_is_counted_and_said(began_days_ago, said):
    """Radiotherapy relieves pain; the Mirels table does not say whether it scores the pain before it (Rades's
    Tableau 4 does, for the motor status). A pain recorded three days into the course was counted in silence."""
    size, kind, pain = lesion_observations()
    pain["effectiveDateTime"] = days_ago(3)
    course = {"resourceType": "Procedure", "id": "rt", "status": "in-progress", "code": cc(SCT, "108290001"),
              "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/lesion-1"}],
              "performedPeriod": {"start": days_ago(began_days_ago)}}
    scored, _ = only_lesion(lesion(), size, kind, pain, course)
    fact = scored.facts["pain"]
    assert fact.value == "moderate" and fact.sources == ("Observation/o-pain",)  # counted as recorded
    assert any("after a radiotherapy of this lesion began" in note for note in fact.notes) is said, fact.notes


@pytest.mark.parametrize(("score", "eased"), [(0, True), (4, False)])
def test_a_later_pain_score_of_zero_is_said_beside_the_mirels_pain_and_withholds_painful_advice(score, eased):
    """Mirels pain "functional" of two weeks ago, then a 0/10 yesterday: the card counted 3 points and headed
    "Painful bone metastasis (§1.1)" with no word of it (probe 14). The 0/10 is said beside the pain and §1.1 is not
    said; the Mirels row stands (a first fix made every row possible, which turned a femur's "fixation first" into
    "category undetermined" on one score that may be at rest or under analgesics: the regression check). A later
    4/10 is context only, as before. The score's record is said once on the card, not again under "Context"."""
    from datetime import UTC, datetime

    from service.pipeline import assess_patient
    from service.render.cards import cards_for_patient
    from support.fhir_builders import HUMERUS, patient
    from support.mapping import AS_OF

    humerus = lesion(bone=HUMERUS)
    older = [{**o, "effectiveDateTime": days_ago(14)} for o in lesion_observations(kind="blastic", pain="functional")]
    later = {**pain_score(score), "effectiveDateTime": days_ago(1)}
    found, _ = only_lesion(humerus, *older, later)
    pain = found.facts["pain"]
    assert pain.value == "functional" and ("a later pain score says no pain" in pain.flags) is eased
    assert any("was recorded after the Mirels pain of" in str(note) for note in pain.notes) is eased
    result = assess_patient([patient(), humerus, *older, later], "Patient/p1", when=datetime.now(UTC), as_of=AS_OF)
    assert ("pain" in [advised.advice.situation.name for advised in result.advice]) is not eased
    (card,) = [card for _, card in cards_for_patient(result.assessments, result.facts, "en", result.advice)
               if "Mirels" in card["summary"]]
    assert card["detail"].count(f"0-10 pain score {score} ") == (not eased), card["detail"]  # eased: said as such
    assert card["detail"].count("“Pain severity - 0-10") == 1, card["detail"]  # not again under "Context"


def test_a_zero_is_no_pain_row_even_where_a_site_sets_bands_and_a_later_time_that_day_counts():
    """With bands "mild=0-3", a 0/10 became "mild" and §1.1 said "painful" (review 14); a 0/10 at 18:00 after a
    "functional" at 08:00 the same day was not "later". A 0 is no row whatever the bands; the times decide."""
    bands = (("mild", 0, 3), ("moderate", 4, 6), ("functional", 7, 10))
    functional = observation("o-pain", "mirels-pain", focus="Condition/lesion-1",
                             effective=f"{days_ago(3)}T08:00:00+01:00", **coded("functional"))
    for options in ({}, {"pain_score_bands": bands}):
        zero = {**pain_score(0), "effectiveDateTime": f"{days_ago(3)}T18:00:00+01:00"}
        found, _ = only_lesion(lesion(), functional, zero, **options)
        assert found.facts["pain"].value == "functional" and "a later pain score says no pain" in \
            found.facts["pain"].flags, options
        alone, _ = only_lesion(lesion(), zero, **options)
        assert alone.facts["pain"].missing, options  # no pain is no Mirels row, never "mild"


@pytest.mark.parametrize(("status", "why"), [
    ("registered", "status is registered: no result yet; not counted"),
    ("unknown", "status is unknown: not counted; check whether it is final"),
    (None, "no status: not counted; check whether it is final"),
])
def test_a_pain_with_no_result_yet_or_a_status_not_known_is_why_the_item_is_missing(status, why):
    """Probe 20 (t07): a lesion's Mirels pain recorded with status registered or unknown. Not counted, as before;
    the card's missing line said "no record of it was found", and the record was named nowhere a clinician reads."""
    lesion_facts, found = only_lesion(lesion(), *lesion_observations())
    assert lesion_facts.facts["pain"].value == "moderate"
    observations = lesion_observations()
    if status:
        observations[2]["status"] = status
    else:
        del observations[2]["status"]
    lesion_facts, found = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["pain"].missing
    assert [str(note) for note in lesion_facts.facts["pain"].notes] == [f"Observation/o-pain: {why}"]
    entry = found.entry("Observation/o-pain")
    assert entry.outcome == "ignored" and entry.reason == why and entry.attention


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled"])
def test_a_pain_entered_in_error_or_cancelled_never_counts_and_is_not_said_to_the_clinician(status):
    observations = lesion_observations()
    observations[2]["status"] = status
    lesion_facts, found = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["pain"].missing and not lesion_facts.facts["pain"].notes
    entry = found.entry("Observation/o-pain")
    assert entry.reason == f"status is {status}: never counts" and not entry.attention


def test_a_pain_with_no_result_yet_beside_a_final_one_is_history_not_a_warning():
    """Review 22 (#3): a registered pain beside a final Mirels pain of the lesion raised "Data not used that could
    change a score": the item is known, so the record not yet counted is named in the mapping report only."""
    pending = {**lesion_observations(prefix="later")[2], "status": "registered"}
    lesion_facts, found = only_lesion(lesion(), *lesion_observations(), pending)
    assert lesion_facts.facts["pain"].value == "moderate"
    entry = found.entry("Observation/later-pain")
    assert entry.reason == "status is registered: no result yet; not counted" and not entry.attention


def test_a_record_not_yet_counted_names_no_side_for_a_lesion_whose_side_is_not_stated():
    """Review 22 (#6): a lesion of the femur, side not stated; a final size on the left, a registered pain on the
    right. The pain is not counted, so the records counted for the lesion do not name both sides."""
    from support.fhir_builders import FEMUR_SHAFT, LEFT, RIGHT, site

    observations = lesion_observations()
    observations[0]["bodySite"] = site(FEMUR_SHAFT, LEFT)
    observations[2]["bodySite"] = site(FEMUR_SHAFT, RIGHT)
    observations[2]["status"] = "registered"
    lesion_facts, _ = only_lesion(lesion(side=None), *observations)
    assert not any("name both sides" in str(flag) for flag in lesion_facts.condition_flags)
    observations[2]["status"] = "final"
    lesion_facts, _ = only_lesion(lesion(side=None), *observations)
    assert any("name both sides" in str(flag) for flag in lesion_facts.condition_flags)


def test_a_newer_pain_not_yet_counted_beside_an_older_final_one_is_said_beside_the_score():
    """Probe 22 (b2): a "functional" pain of 2 days ago, registered, beside a final "mild" one of 6 days ago: Mirels 8
    from the mild pain, and the newer record named nowhere a clinician reads (counted, it gives 10: fixation)."""
    from support.mapping import days_ago

    older = lesion_observations(pain="mild")
    for measurement in older:
        measurement["effectiveDateTime"] = days_ago(6)
    newer = {**lesion_observations(pain="functional", prefix="new")[2], "status": "registered",
             "effectiveDateTime": days_ago(2)}
    lesion_facts, found = only_lesion(lesion(), *older, newer)
    assert lesion_facts.facts["pain"].value == "mild"
    assert [str(note) for note in lesion_facts.facts["pain"].notes] == [
        "Observation/new-pain, later than the record counted, is not: status is registered: no result yet; not "
        "counted; if it holds, it may change this score"]
    assert found.entry("Observation/new-pain").attention


def test_a_record_not_counted_is_said_later_only_when_both_dates_say_so():
    """Review 23: an undated registered pain was said "later than the record counted"; a final pain dated after a
    past asOf was said beside the score as if it might change it."""
    from support.mapping import days_ago

    older = lesion_observations(pain="mild")
    undated = {**lesion_observations(pain="functional", prefix="new")[2], "status": "registered"}
    del undated["effectiveDateTime"]
    lesion_facts, _ = only_lesion(lesion(), *older, undated)
    assert not any("later than the record counted" in str(note) for note in lesion_facts.facts["pain"].notes)
    same_day = lesion_observations(pain="mild")
    for measurement in same_day:
        measurement["effectiveDateTime"] = f"{days_ago(3)}T08:00:00+00:00"
    timed = {**undated, "effectiveDateTime": f"{days_ago(3)}T11:00:00+00:00"}  # three hours later the same day
    lesion_facts, _ = only_lesion(lesion(), *same_day, timed)
    assert any("later than the record counted" in str(note) for note in lesion_facts.facts["pain"].notes)
