"""Mirels: which observations belong to which lesion (facts/linking.py)."""



import pytest

from service.facts import MappingOptions, extract_facts
from support.fhir_builders import (
    FEMUR,
    FEMUR_SHAFT,
    HUMERUS,
    ICD10,
    LEFT,
    LOINC,
    RECENT,
    RIGHT,
    SCT,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    patient,
    quantity,
    site,
)
from support.mapping import AS_OF, PROBLEMS, by_identifier, days_ago, facts_of, only_lesion


def test_linked_through_a_panel_has_member():
    panel = observation("panel", "cortical-osteolysis", focus="Condition/lesion-1")
    panel["code"] = {"coding": [{"system": LOINC, "code": "18748-4"}]}
    panel["hasMember"] = [{"reference": "Observation/o-type"}]
    member = observation("o-type", "lesion-type", **coded("mixed"))
    lesion_facts, found = only_lesion(lesion(), panel, member)
    assert lesion_facts.facts["lesion_type"].value == "mixed"
    assert "hasMember of Observation/panel" in lesion_facts.facts["lesion_type"].rule
    assert found.entry("Observation/panel").outcome == "used"


@pytest.mark.parametrize("status, said", [("entered-in-error", "entered in error"), ("cancelled", "cancelled")])
def test_a_panel_entered_in_error_or_cancelled_links_none_of_its_members(status, said):
    """Probe 25 (r41): a CT panel "Scanner fémur G" entered in error, its focus the left femur, linked its size and type
    to it (Mirels 12, "fixation first"); without the panel both are unlinked (8–12). A panel that was a mistake links
    nothing, and its members say why."""
    panel = observation("panel", "cortical-osteolysis", status=status, focus="Condition/lesion-1")
    panel["code"] = {"coding": [{"system": LOINC, "code": "18748-4"}], "text": "Scanner fémur G"}
    panel["hasMember"] = [{"reference": "Observation/o-type"}]
    member = observation("o-type", "lesion-type", **coded("mixed"))
    lesion_facts, found = only_lesion(lesion(), panel, member)
    assert lesion_facts.facts["lesion_type"].missing
    assert found.entry("Observation/o-type").reason.startswith(
        f"not linked to any lesion: the panel that lists it (“Scanner fémur G”) is recorded as {said}")
    # Linked by its own focus, it counts, and says which panel listed it (review 28).
    member["focus"] = [{"reference": "Condition/lesion-1"}]
    lesion_facts, _ = only_lesion(lesion(), panel, member)
    assert lesion_facts.facts["lesion_type"].value == "mixed"
    assert "listed by an examination recorded as entered in error or cancelled" in lesion_facts.facts[
        "lesion_type"].flags


def test_a_record_whose_focus_is_one_lesion_and_another_cites_as_evidence_is_linked_to_neither_and_said():
    """Probe 25 (r43): the left femur's evidence cites the pain whose focus is the right femur: the left card read
    "Pain (missing): no record of it was found", the right one counted it. The two disagree: neither, and each card
    says a record of it is linked to no lesion."""
    left = lesion("left", side=LEFT) | {"evidence": [{"detail": [{"reference": "Observation/pain"}]}]}
    right = lesion("right", side=RIGHT)
    pain = observation("pain", "mirels-pain", focus="Condition/right", **coded("moderate"))
    found = facts_of(left, right, pain)
    assert found.entry("Observation/pain").reason.startswith(
        "its focus names Condition/right, but Condition/left cites it as evidence: which lesion it describes is not "
        "certain")
    for lesion_facts in found.scored_by("mirels"):
        assert lesion_facts.facts["pain"].missing
        assert any("a record of it is linked to no lesion (Observation/pain)" in note
                   for note in lesion_facts.facts["pain"].notes), lesion_facts.facts["pain"].notes


def test_linked_through_derived_from():
    imaging = observation("imaging", "lesion-size", focus="Condition/lesion-1", **quantity(40, "%"))
    derived = observation("o-type", "lesion-type", **coded("lytic"))
    derived["derivedFrom"] = [{"reference": "Observation/imaging"}]
    lesion_facts, _ = only_lesion(lesion(), imaging, derived)
    assert lesion_facts.facts["lesion_type"].value == "lytic"
    assert lesion_facts.facts["lesion_type"].rule.startswith("derivedFrom Observation/imaging")


@pytest.mark.parametrize("malformed", [5, "Condition/lesion-1", {"reference": "Condition/lesion-1"}, [5, None]])
def test_a_derived_from_chain_into_an_unchecked_observation_of_any_shape_links_nothing(malformed):
    # An imaging report coded LOINC (no ValueSet holds it) is not shape-checked on the CDS Hooks path
    # (``may_be_read``); the chain reaches it all the same, and its elements may be anything.
    report = observation("ct", "24627-2", system=LOINC, focus="Condition/lesion-1")
    report["focus"] = report["derivedFrom"] = malformed
    derived = observation("o-type", "lesion-type", **coded("lytic"))
    derived["derivedFrom"] = [{"reference": "Observation/ct"}]
    lesion_facts, found = only_lesion(lesion(), report, derived)
    assert lesion_facts.facts["lesion_type"].value is None
    assert "not linked to any lesion" in found.entry("Observation/o-type").reason


def test_an_observation_cited_as_evidence_by_two_lesions_is_named_not_guessed():
    observations = lesion_observations(focus=None)
    cites = [{"detail": [{"reference": "Observation/o-type"}]}]
    found = facts_of({**lesion("lesion-l", FEMUR, LEFT), "evidence": cites},
                     {**lesion("lesion-r", FEMUR, RIGHT), "evidence": cites}, *observations)
    assert all(lesion_facts.facts["lesion_type"].value is None for lesion_facts in found.scored_by("mirels"))
    assert "cited as evidence by several lesions (Condition/lesion-l, Condition/lesion-r)" in \
        found.entry("Observation/o-type").reason


def test_rades_observations_cited_as_evidence_by_one_compression_are_its_own():
    first = {**condition("mscc-1", ICD10, "G95.2", onset="2026-11-01"),
             "evidence": [{"detail": [{"reference": "Observation/motor-1"}]}]}
    second = condition("mscc-2", ICD10, "G95.2", onset="2026-11-01")
    motor = observation("motor-1", "motor-function", **coded("not-ambulatory"))
    found = facts_of(condition("breast", SCT, "254837009", onset="2024-01-10"), first, second, motor)
    values = {mscc.condition: mscc.facts["motor_function"].value for mscc in found.scored_by("rades")}
    assert values == {"Condition/mscc-1": "not_ambulatory", "Condition/mscc-2": None}


def test_linked_by_same_body_site_and_laterality():
    left = observation("left-type", "lesion-type", body_site=site(FEMUR, LEFT), **coded("lytic"))
    right = observation("right-type", "lesion-type", body_site=site(FEMUR, RIGHT), **coded("blastic"))
    found = facts_of(lesion("lesion-l", FEMUR, LEFT), lesion("lesion-r", FEMUR, RIGHT), left, right)
    by_condition = {scored.condition: scored.facts["lesion_type"] for scored in found.scored_by("mirels")}
    assert by_condition["Condition/lesion-l"].value == "lytic"
    assert by_condition["Condition/lesion-r"].value == "blastic"
    assert "same bodySite and laterality" in by_condition["Condition/lesion-r"].rule


def test_ambiguous_body_site_is_not_linked_and_is_reported():
    obs = observation("o-type", "lesion-type", body_site=site(FEMUR), **coded("lytic"))
    found = facts_of(lesion("a", FEMUR, None), lesion("b", FEMUR, None), obs)
    assert all(scored.facts["lesion_type"].missing for scored in found.scored_by("mirels"))
    assert "several lesions" in found.entry("Observation/o-type").reason


def test_two_lesion_conditions_at_the_same_bone_and_side_are_each_scored_and_flagged():
    """A hospital server returns the problem-list entry and each encounter's diagnosis: never merged by guess,
    and never two silent cards for one femur."""
    problem, visit = lesion("problem"), lesion("visit")
    visit["category"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                      "code": "encounter-diagnosis"}]}]
    found = facts_of(problem, visit, lesion("humerus", HUMERUS, LEFT), *lesion_observations("Condition/problem"))
    flags = {scored.condition: scored.condition_flags for scored in found.scored_by("mirels")}
    # Where the EHR put each, when that differs: their words and dates alike, a card could not tell them apart.
    assert "another lesion Condition names the same bone and side (Condition/visit, an encounter diagnosis)" in \
        flags["Condition/problem"][0]
    assert "(Condition/problem; this one, an encounter diagnosis): they may record one lesion" in \
        flags["Condition/visit"][0]
    assert flags["Condition/humerus"] == ()
    problem["category"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                        "code": "problem-list-item"}]}]
    found = facts_of(problem, visit, *lesion_observations("Condition/problem"))
    flags = {scored.condition: scored.condition_flags for scored in found.scored_by("mirels")}
    assert "(Condition/problem, on the problem list; this one, an encounter diagnosis): they may" in \
        flags["Condition/visit"][0]
    visit["category"] = problem["category"]  # alike: nothing to tell them apart by
    found = facts_of(problem, visit, *lesion_observations("Condition/problem"))
    flags = {scored.condition: scored.condition_flags for scored in found.scored_by("mirels")}
    assert "(Condition/problem): they may" in flags["Condition/visit"][0]


def test_a_focus_by_identifier_names_the_one_resource_with_that_identifier():
    problem = lesion() | {"identifier": [{"system": PROBLEMS, "value": "P-123"}]}
    observations = [o | {"focus": by_identifier("P-123")} for o in lesion_observations()]
    lesion_facts, found = only_lesion(problem, *observations)
    assert lesion_facts.inputs().lesion_type == "lytic" and lesion_facts.facts["pain"].value == "moderate"
    assert found.entry("Observation/o-size").outcome == "used"


@pytest.mark.parametrize("identifiers,focus", [
    ({"lesion-1": "P-123", "lesion-2": "P-123"}, by_identifier("P-123")),  # two resources: which one is not known
    ({"lesion-1": "P-123"}, by_identifier("P-999")),  # none
    ({"lesion-1": "P-123"}, by_identifier("P-123", kind="Observation")),  # not of the type it says
])
def test_a_focus_by_identifier_that_names_no_one_resource_is_not_linked_and_says_its_focus(identifiers, focus):
    lesions = [lesion(cid, HUMERUS if cid == "lesion-2" else FEMUR_SHAFT, LEFT)
               | {"identifier": [{"system": PROBLEMS, "value": value}]} for cid, value in identifiers.items()]
    found = facts_of(*lesions, observation("o-type", "lesion-type", focus=None, **coded("lytic")) | {"focus": focus})
    entry = found.entry("Observation/o-type")
    assert entry.outcome == "ignored" and entry.attention
    assert f"the lesion it describes (identifier {PROBLEMS}|{focus[0]['identifier']['value']})" in entry.reason


def test_an_observation_whose_focus_names_two_lesions_is_not_linked_to_either():
    """One pain for two lesions: which one it is about is not said (the first focus used to win)."""
    pain = observation("pain", "mirels-pain", **coded("functional"))
    pain["focus"] = [{"reference": "Condition/lesion-1"}, {"reference": "Condition/lesion-2"}]
    found = facts_of(lesion(), lesion("lesion-2", HUMERUS, RIGHT), pain)
    assert all(scored.facts["pain"].missing for scored in found.scored_by("mirels"))
    assert "its focus names several lesions (Condition/lesion-1, Condition/lesion-2)" in found.entry(
        "Observation/pain").reason
    pain["focus"].append({"reference": "Condition/lesion-1/_history/2"})  # the same lesion twice is one lesion
    pain["focus"].pop(1)
    found = facts_of(lesion(), lesion("lesion-2", HUMERUS, RIGHT), pain)
    values = {scored.condition: scored.facts["pain"].value for scored in found.scored_by("mirels")}
    assert values == {"Condition/lesion-1": "functional", "Condition/lesion-2": None}


def test_unlinked_observation_is_reported():
    obs = observation("o-type", "lesion-type", **coded("lytic"))
    lesion_facts, found = only_lesion(lesion(), obs)
    assert lesion_facts.facts["lesion_type"].missing
    assert found.entry("Observation/o-type").reason.startswith("not linked to any lesion")


def test_full_url_references_resolve_through_aliases():
    obs = observation("o-type", "lesion-type", focus="urn:uuid:abc", **coded("lytic"))
    found = extract_facts([patient(), lesion(), obs], MappingOptions(as_of=AS_OF),
                          aliases={"urn:uuid:abc": "Condition/lesion-1"})
    assert found.scored_by("mirels")[0].facts["lesion_type"].value == "lytic"


@pytest.mark.parametrize("own_site", [
    site(FEMUR_SHAFT, RIGHT),                         # the other side, coded
    {"text": "cuisse droite"},                        # the other side, in words
    site(HUMERUS, LEFT),                              # another bone
])
def test_an_observation_whose_own_body_site_says_elsewhere_is_not_counted_for_the_lesion_it_names(own_site):
    """Its focus names the left femur's lesion, its own bodySite another place: which lesion it describes is not
    certain. Not counted (the item is missing: a range), named where the clinician reads it, and said on the item."""
    size = observation("o-size", "lesion-size", focus="Condition/lesion-1", body_site=own_site, **quantity(80, "%"))
    lesion_facts, found = only_lesion(lesion(), size)
    fact = lesion_facts.facts["lesion_size"]
    assert fact.missing and any("its own bodySite says" in note for note in fact.notes)
    entry = found.entry("Observation/o-size")
    assert entry.outcome == "ignored" and entry.attention and "which lesion it describes is not certain" in entry.reason


def test_an_observation_whose_body_site_agrees_or_says_no_side_is_counted():
    for own_site in (site(FEMUR_SHAFT, LEFT), site(FEMUR_SHAFT), {"text": "left thigh"}):
        size = observation("o-size", "lesion-size", focus="Condition/lesion-1", body_site=own_site,
                           **quantity(80, "%"))
        lesion_facts, _ = only_lesion(lesion(), size)
        assert lesion_facts.facts["lesion_size"].value is not None


def test_records_of_both_sides_counted_for_a_lesion_of_no_stated_side_flag_it():
    sides = [observation("o-size", "lesion-size", focus="Condition/lesion-1", body_site=site(FEMUR_SHAFT, LEFT),
                         **quantity(80, "%")),
             observation("o-type", "lesion-type", focus="Condition/lesion-1", body_site=site(FEMUR_SHAFT, RIGHT),
                         **coded("lytic"))]
    lesion_facts, _ = only_lesion(lesion(side=None), *sides)
    assert any("name both sides (left: Observation/o-size; right: Observation/o-type)" in flag
               for flag in lesion_facts.condition_flags)
    lesion_facts, _ = only_lesion(lesion(side=None), sides[0])
    assert not any("both sides" in flag for flag in lesion_facts.condition_flags)
    # One side given by the records counted: said, for the surgeon to check (probe 27: "right" said nowhere).
    assert ("the side of this lesion is not stated; the records counted for it give the left side "
            "(Observation/o-size): check the side") in [str(flag) for flag in lesion_facts.condition_flags]
    lesion_facts, _ = only_lesion(lesion(side=LEFT), sides[0])
    assert not any("side of this lesion is not stated" in flag for flag in lesion_facts.condition_flags)
    # A record set aside (before the lesion began: review 31) gives no side.
    before = {**sides[0], "effectiveDateTime": "2025-01-01"}
    lesion_facts, _ = only_lesion(lesion(side=None, onset=days_ago(20)), before)
    assert not any("side of this lesion is not stated" in flag for flag in lesion_facts.condition_flags)


def test_an_observation_whose_focus_is_not_among_the_resources_read_says_so():
    """Its lesion's line was cut short in an export, say: "no active long-bone metastasis Condition to attach it
    to" was said, as if there were none."""
    size = observation("o-size", "lesion-size", focus="Condition/lost", **quantity(80, "%"))
    found = facts_of(size)
    entry = found.entry("Observation/o-size")
    assert entry.attention and entry.reason == (
        "the lesion it describes (Condition/lost) is not among this patient's records received: not linked")


def test_a_resolved_lesions_measurements_are_not_a_warning_unless_recorded_after_it_ended():
    """Probe 20 (t04, n04): a femur lesion resolved on 2026-09-01 with a year of monthly measurements focused on it:
    36 lines on the data card, each "is no active metastasis the service reads". They change no score: the mapping
    report names them. A pain recorded after the lesion ended may mean it is active again: that one is a warning."""
    resolved = lesion(clinical="resolved", onset="2025-06-01")
    resolved["abatementDateTime"] = "2026-09-01"
    monthly = []
    for month in range(1, 13):
        monthly += lesion_observations(prefix=f"m{month}")
        for measurement in monthly[-3:]:
            measurement["effectiveDateTime"] = f"2025-{month:02d}-15"
    late = {**lesion_observations(prefix="late")[2], "effectiveDateTime": days_ago(3)}
    found = facts_of(resolved, *monthly, late)
    assert found.scored == []
    entries = {entry.resource: entry for entry in found.report}
    for month in range(1, 13):
        entry = entries[f"Observation/m{month}-size"]
        assert entry.reason == "of a lesion recorded as no longer active: no Mirels score; not used"
        assert not entry.attention
    assert entries["Observation/late-pain"].attention
    assert entries["Observation/late-pain"].reason == (
        f"recorded {days_ago(3)}, after Condition/lesion-1 was recorded as over (2026-09-01): if the lesion is active "
        "again, its diagnosis does not say so; not used")


def test_recent_measurements_of_a_lesion_in_remission_with_no_end_date_are_said_old_ones_are_not():
    """Probe 27 (p28): a humerus lesion "in remission" (no abatement), its size > 2/3, lytic, functional pain recorded
    four days ago (Mirels 10 were it active): no card, no data review line. A measurement recent enough to count were
    the lesion active is said to the clinician; one outside its window stays in the mapping report."""
    in_remission = lesion(clinical="remission", onset="2025-06-01")
    recent = lesion_observations(size=(70, "%"), pain="functional")
    old = [{**measurement, "id": f"old-{measurement['id']}", "effectiveDateTime": "2025-09-15"}
           for measurement in lesion_observations()]
    found = facts_of(in_remission, *recent, *old)
    assert found.scored == []
    entries = {entry.resource: entry for entry in found.report}
    for measurement in recent:
        entry = entries[f"Observation/{measurement['id']}"]
        assert entry.attention and entry.reason == (
            f"recorded {RECENT}, recent, of Condition/lesion-1, recorded as no longer active: if the lesion is "
            "active, its diagnosis does not say so; not used")
    for measurement in old:
        entry = entries[f"Observation/{measurement['id']}"]
        assert not entry.attention
        assert entry.reason == "of a lesion recorded as no longer active: no Mirels score; not used"


def test_records_made_after_a_lesion_ended_are_said_on_a_new_lesion_of_the_same_bone_and_side():
    """Probe 22 (d1): a left femoral shaft lesion resolved in June, and a new active one at the same place; this
    week's size, type and pain focus on the old one. The new lesion's card read "no item recorded": it now says
    they may be its own, to check (never counted for it)."""
    from support.fhir_builders import FEMUR_SHAFT, LEFT, site

    resolved = lesion("old", onset="2025-06-01", clinical="resolved")
    resolved["abatementDateTime"] = "2026-06-01"
    new = condition("new", SCT, "94222008", onset=days_ago(10), body_site=[site(FEMUR_SHAFT, LEFT)])
    lesion_facts, _ = only_lesion(resolved, new, *lesion_observations(focus="Condition/old"))
    assert lesion_facts.condition == "Condition/new" and lesion_facts.facts["pain"].missing
    said = [str(flag) for flag in lesion_facts.condition_flags if "end recorded" in str(flag)]
    assert said == ["records made after the end recorded for Condition/old (2026-06-01) are not counted "
                    "(Observation/o-size, Observation/o-type, Observation/o-pain): they may be of this lesion; check "
                    "them"]
    # Review 23: a new lesion whose side is not stated may be the same; records before it began are not its own.
    unsided = condition("new", SCT, "94222008", onset=days_ago(10), body_site=[site(FEMUR_SHAFT)])
    lesion_facts, _ = only_lesion(resolved, unsided, *lesion_observations(focus="Condition/old"))
    assert any("end recorded" in str(flag) for flag in lesion_facts.condition_flags)
    before_it = lesion_observations(focus="Condition/old")
    for measurement in before_it:
        measurement["effectiveDateTime"] = "2026-07-01"
    lesion_facts, _ = only_lesion(resolved, new, *before_it)
    assert not any("end recorded" in str(flag) for flag in lesion_facts.condition_flags)
