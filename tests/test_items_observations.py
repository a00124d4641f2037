"""Mirels: the observations of a lesion, their status and values (facts/items/size.py, lesion_type.py,
candidates.py, quantities.py)."""


from fractions import Fraction

import pytest

from service.calculators import AtLeast, Between, OneOf
from service.facts.evidence import CONFLICT
from support.fhir_builders import (
    FEMUR_SHAFT,
    ICD10,
    ICD10CM,
    LEFT,
    LOINC,
    OWN,
    SCT,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    quantity,
    site,
)
from support.mapping import (
    MONTH_AGO,
    compression,
    days_ago,
    facts_of,
    only_compression,
    only_lesion,
    ratio,
    two_codings,
)


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "registered"])
def test_observations_that_never_count(status):
    observations = lesion_observations()
    observations[1]["status"] = status
    lesion_facts, found = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["lesion_type"].missing
    assert lesion_facts.facts["lesion_type"].supplied_by.startswith("an Observation coded")
    assert status in found.entry("Observation/o-type").reason


@pytest.mark.parametrize("index,item,codes", [
    (1, "lesion_type", [(OWN, "lytic"), (OWN, "blastic")]),
    (2, "pain", [(OWN, "mild"), (OWN, "functional")]),
    (0, "lesion_size", [(OWN, "under-one-third"), (OWN, "over-two-thirds")]),
])
def test_a_value_whose_codings_disagree_is_named_never_read_as_its_first_coding(index, item, codes):
    observations = lesion_observations()
    observations[index].pop("valueQuantity", None)
    two_codings(observations[index], *codes)
    lesion_facts, found = only_lesion(lesion(), *observations)
    assert lesion_facts.facts[item].missing
    entry = found.entry(observations[index]["resourceType"] + "/" + observations[index]["id"])
    assert entry.attention and "the codings of its value say different things" in entry.reason


def test_codings_that_agree_give_what_they_both_allow():
    """The project's "not ambulatory" beside SNOMED CT "unable to walk" (not ambulatory or paraplegic)."""
    motor = two_codings(observation("motor", "motor-function"), (OWN, "not-ambulatory"), (SCT, "282145008"))
    mscc, _ = only_compression(compression(), motor)
    assert mscc.facts["motor_function"].value == "not_ambulatory"
    motor = two_codings(observation("motor", "motor-function"), (OWN, "ambulatory-with-aid"), (SCT, "282145008"))
    mscc, found = only_compression(compression(), motor)
    assert mscc.facts["motor_function"].missing and found.entry("Observation/motor").attention
    visceral = two_codings(observation("v", "visceral-metastases"), (SCT, "52101004"), (SCT, "2667000"))
    mscc, _ = only_compression(compression(), visceral)
    assert mscc.facts["visceral_metastases"].missing


def test_one_problem_coded_as_a_primary_cancer_and_a_bone_metastasis_is_read_as_each():
    """An EHR's problem "metastatic breast cancer to the femur", billed as C50.919 and C79.51: the
    lesion used to be dropped silently, the Condition being filed as the primary only."""
    problem = condition("mbc", ICD10CM, "C50.919", onset="2024-02-01", body_site=[site(FEMUR_SHAFT, LEFT)])
    problem["code"]["coding"].append({"system": ICD10CM, "code": "C79.51"})
    found = facts_of(problem, compression(), *lesion_observations(focus="Condition/mbc"))
    [lesion_facts], [mscc] = found.scored_by("mirels"), found.scored_by("rades")
    assert lesion_facts.condition == "Condition/mbc" and lesion_facts.inputs().lesion_site == "lower_limb"
    assert "its codings name several diagnoses, and it is read as each" in lesion_facts.condition_flags
    assert mscc.facts["primary_tumour"].value == "breast" and mscc.facts["primary_tumour"].sources == ("Condition/mbc",)


@pytest.mark.parametrize("codes,value,conflict", [
    ([(SCT, "254837009"), (ICD10, "C61")], OneOf("breast", "prostate"), True),  # breast and prostate
    ([(SCT, "254837009"), (ICD10, "C50.9")], "breast", False),  # one cancer in two classifications
    ([(ICD10, "C34.1"), (SCT, "254637007")], "nsclc", False),  # a lung cancer, and its histology
])
def test_the_codings_of_one_primary_cancer_give_what_they_all_allow(codes, value, conflict):
    primary = condition("primary", *codes[0], onset="2024-02-01")
    primary["code"]["coding"] += [{"system": system, "code": code} for system, code in codes[1:]]
    mscc, _ = only_compression(primary, compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == value
    assert (CONFLICT in fact.flags) == conflict


@pytest.mark.parametrize("value,share,said", [
    (ratio(45, 60), 0.75, None),  # the lesion's size over the cortical width, as recorded
    (ratio(2, 6, "cm"), 1 / 3, None),
    (ratio(70, 60), None, "is over 100 %"),
    ({"numerator": {"value": 45, "unit": "mm"}, "denominator": {"value": 60, "unit": "mm"}}, None,
     "same kind of UCUM unit"),  # no UCUM system
    ({**ratio(45, 60), "denominator": {"value": 6, "unit": "cm", "system": "http://unitsofmeasure.org",
                                       "code": "cm", "comparator": ">"}}, None, "without a comparator"),
])
def test_a_lesion_size_recorded_as_a_ratio_is_the_share_it_says(value, share, said):
    size, kind, pain = lesion_observations()
    del size["valueQuantity"]
    size["valueRatio"] = value
    lesion_facts, found = only_lesion(lesion(), size, kind, pain)
    fact = lesion_facts.facts["lesion_size"]
    if share is None:
        assert fact.missing and said in found.entry("Observation/o-size").reason
    else:
        assert fact.value == pytest.approx(share) and fact.sources == ("Observation/o-size",)


@pytest.mark.parametrize("value,said", [
    ({"value": 70, "unit": "%"}, "its unit as text only ('%'), not as a coded unit"),  # as HL7 v2 converters write it
    ({"value": 70, "unit": "%", "system": "http://unitsofmeasure.org"}, "a unit not read here (%, 1)"),
    ({"value": 70, "code": "percent", "system": "http://unitsofmeasure.org"}, "a unit not read here (%, 1)"),
    ({"value": 70, "code": "%"}, "has the unit '%' without saying which system of units it is from"),
])
def test_a_lesion_size_whose_unit_is_not_a_ucum_code_is_named_with_what_would_make_it_read(value, said):
    size, kind, pain = lesion_observations()
    size["valueQuantity"] = value
    lesion_facts, found = only_lesion(lesion(), size, kind, pain)
    assert lesion_facts.facts["lesion_size"].missing
    assert said in found.entry("Observation/o-size").reason


@pytest.mark.parametrize("code", [{"value": "%"}, ["%"], 5])
def test_a_ratio_whose_unit_code_is_not_text_is_not_read_and_does_not_crash(code):
    # A Ratio's numerator and denominator are below what the shape check covers.
    size, kind, pain = lesion_observations()
    del size["valueQuantity"]
    size["valueRatio"] = {"numerator": {"value": 20, "code": code}, "denominator": {"value": 40, "code": code}}
    lesion_facts, _ = only_lesion(lesion(), size, kind, pain)
    assert lesion_facts.facts["lesion_size"].missing


def test_preliminary_counts_and_is_flagged():
    observations = lesion_observations()
    observations[2]["status"] = "preliminary"
    lesion_facts, _ = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["pain"].value == "moderate" and "preliminary" in lesion_facts.facts["pain"].flags


@pytest.mark.parametrize("value,unit,expected", [(80, "%", 0.8), (0.8, "1", 0.8), (0, "%", 0.0)])
def test_size_units(value, unit, expected):
    lesion_facts, _ = only_lesion(lesion(), *lesion_observations(size=(value, unit)))
    assert lesion_facts.facts["lesion_size"].value == expected


@pytest.mark.parametrize("value,unit,reason", [(12, "mm", "a unit not read here (%, 1)"), (150, "%", "over 100 %"),
                                               (50, None, "has no unit (a unit read here: %, 1)")])
def test_wrong_size_unit_or_value_leaves_the_item_missing_with_reason(value, unit, reason):
    observations = lesion_observations(size=(value, unit))
    lesion_facts, found = only_lesion(lesion(), *observations)
    fact = lesion_facts.facts["lesion_size"]
    assert fact.missing and reason in fact.notes[0]
    assert reason in found.entry("Observation/o-size").reason


@pytest.mark.parametrize("comparator,value,expected", [
    (">", 50, AtLeast(Fraction(1, 2), excluded=True)),
    (">=", 50, AtLeast(Fraction(1, 2))),
    ("<", 20, Between(0, Fraction(1, 5), high_excluded=True)),
    ("<=", 150, Between(0, 1)),  # a share is at most the whole width
])
def test_size_given_as_a_bound_is_the_range_it_allows_never_the_bound_as_a_value(comparator, value, expected):
    observations = lesion_observations()
    observations[0]["valueQuantity"] = {"comparator": comparator, "value": value, "unit": "%",
                                         "system": "http://unitsofmeasure.org", "code": "%"}
    lesion_facts, _ = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["lesion_size"].value == expected


def test_a_measured_size_given_as_a_bound_is_not_divided_by_the_width():
    """A share derived from a tumour size and a cortical width takes measurements, not bounds."""
    size = observation("ct-size", "21889-1", system=LOINC, focus="Condition/lesion-1",
                       valueQuantity={"comparator": ">", "value": 30, "unit": "mm",
                                      "system": "http://unitsofmeasure.org", "code": "mm"})
    width = observation("width", "cortical-width", focus="Condition/lesion-1", **quantity(40, "mm"))
    lesion_facts, found = only_lesion(lesion(), size, width, *lesion_observations()[1:])
    assert lesion_facts.facts["lesion_size"].value is None
    assert "given as a bound (> 30), not as a value: not used" in found.entry("Observation/ct-size").reason


def test_a_unit_system_written_with_a_trailing_slash_is_ucum():
    observations = lesion_observations()
    observations[0]["valueQuantity"]["system"] = "http://unitsofmeasure.org/"
    lesion_facts, _ = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["lesion_size"].value == 0.5


def test_size_given_as_a_coded_row():
    observations = lesion_observations()
    observations[0] = observation("o-size", "lesion-size", focus="Condition/lesion-1", **coded("over-two-thirds"))
    lesion_facts, _ = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["lesion_size"].value == "over_two_thirds"


@pytest.mark.parametrize("first,second", [
    (None, days_ago(10)),  # an undated one may be the newest of all
    (MONTH_AGO.strftime("%Y-%m"), MONTH_AGO.replace(day=1).isoformat()),  # the month may be after its 1st
    (None, None),
])
def test_when_which_value_is_latest_cannot_be_told_both_stay_possible(first, second):
    earlier = observation("type-a", "lesion-type", focus="Condition/lesion-1", effective=first, **coded("lytic"))
    later = observation("type-b", "lesion-type", focus="Condition/lesion-1", effective=second, **coded("blastic"))
    lesion_facts, _ = only_lesion(lesion(), earlier, later)
    fact = lesion_facts.facts["lesion_type"]
    assert set(fact.value.values) == {"lytic", "blastic"} and "conflict" in fact.flags
    assert "which is the latest cannot be told" in fact.notes[-1]


def test_conflicting_observations_latest_wins_and_conflict_is_reported():
    older = observation("type-old", "lesion-type", focus="Condition/lesion-1", effective=days_ago(40),
                        **coded("blastic"))
    newer = observation("type-new", "lesion-type", focus="Condition/lesion-1", effective=days_ago(10),
                        **coded("lytic"))
    lesion_facts, _ = only_lesion(lesion(), older, newer)
    fact = lesion_facts.facts["lesion_type"]
    assert fact.value == "lytic" and fact.sources == ("Observation/type-new",) and "conflict" in fact.flags
    assert f"Observation/type-old ({days_ago(40)}) gives Blastic (condensing)" in fact.notes[0]


def test_conflict_on_the_same_date_is_uncertain():
    first = observation("t1", "lesion-type", focus="Condition/lesion-1", **coded("mixed"))
    second = observation("t2", "lesion-type", focus="Condition/lesion-1", **coded("lytic"))
    lesion_facts, _ = only_lesion(lesion(), first, second)
    fact = lesion_facts.facts["lesion_type"]
    assert fact.value == OneOf("mixed", "lytic") and set(fact.sources) == {"Observation/t1", "Observation/t2"}


def test_a_value_written_as_text_or_left_out_with_a_reason_is_said_as_the_record_says_it():
    """A lesion type written "lytic" as text, a size "60 %" as text, a pain the patient declined to give: each is
    named with what the record holds, in the clinician's words, never as "no numeric valueQuantity"."""
    size = observation("o-size", "lesion-size", focus="Condition/lesion-1", valueString="60 %")
    kind = observation("o-type", "lesion-type", focus="Condition/lesion-1", valueString="lytic")
    pain = observation("o-pain", "mirels-pain", focus="Condition/lesion-1")
    pain["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                            "code": "asked-declined", "display": "Asked But Declined"}]}
    lesion_facts, found = only_lesion(lesion(), size, kind, pain)
    assert found.entry("Observation/o-size").reason == ("recorded as text only ('60 %'), not as a code or a "
                                                       "measurement: not read")
    assert "('lytic')" in found.entry("Observation/o-type").reason
    assert found.entry("Observation/o-pain").reason == "no value recorded, the record says why: asked, but declined"
    from service.i18n import translate  # FHIR's reason in the reader's language (its display is English)

    assert translate(found.entry("Observation/o-pain").reason, "fr").endswith("demandé, mais refusé")
    assert all(lesion_facts.facts[item].missing for item in ("lesion_size", "lesion_type", "pain"))


def test_a_rades_value_written_as_text_is_said_as_the_record_says_it():
    walks = observation("motor", "motor-function", valueString="marche avec une canne")
    _, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(), walks)
    assert "recorded as text only ('marche avec une canne')" in found.entry("Observation/motor").reason


def test_an_undated_value_derived_from_a_dated_one_is_as_old_as_its_source():
    """A probe's size with no date, derivedFrom a CT measurement of 249 days ago: counted as "undated" (so current),
    while the CT was past the 90-day window. A derived value describes its source's moment: it is aged by it."""
    from support.fhir_builders import lesion, observation, quantity
    from support.mapping import days_ago, only_lesion

    ct = observation("ct", "lesion-size", focus="Condition/lesion-1", effective=days_ago(249), **quantity(20, "%"))
    derived = observation("size", "lesion-size", focus="Condition/lesion-1", effective=None, **quantity(70, "%"))
    derived["derivedFrom"] = [{"reference": "Observation/ct"}]
    lesion_facts, found = only_lesion(lesion(), ct, derived)
    assert lesion_facts.facts["lesion_size"].missing, lesion_facts.facts["lesion_size"]
    assert "older than the 90-day window" in str(found.entry("Observation/size").reason)
    # Derived from the imaging study itself (its "started"), the same.
    study = {"resourceType": "ImagingStudy", "id": "ct-study", "status": "available",
             "subject": {"reference": "Patient/p1"}, "started": f"{days_ago(249)}T09:00:00+01:00"}
    derived["derivedFrom"] = [{"reference": "ImagingStudy/ct-study"}]
    lesion_facts, _ = only_lesion(lesion(), study, derived)
    assert lesion_facts.facts["lesion_size"].missing, lesion_facts.facts["lesion_size"]


ROW = "http://bonemet-cds.org/fhir/CodeSystem/table-row"


def test_the_answers_of_the_services_own_questionnaires_are_read_as_the_codes_they_are_equivalent_to():
    """Probe 28 (r01, r53): Observations whose values are the answers of our own Questionnaires (CodeSystem table-row,
    "over_two_thirds", "lytic", "functional", "not_ambulatory", "no") were not read: "'lytic' is not one read here",
    a Mirels 11 left at 5-12, a Rades at 26-41, "no record of it was found". Read as the published ConceptMap says
    they are equivalent; a row it does not map (the deficit's days) stays as before, and a code of no row is named."""
    size = observation("size", "lesion-size", focus="Condition/lesion-1", valueCodeableConcept={
        "coding": [{"system": ROW, "code": "over_two_thirds"}]})
    kind = observation("type", "lesion-type", focus="Condition/lesion-1", **coded("lytic", ROW))
    pain = observation("pain", "mirels-pain", focus="Condition/lesion-1", **coded("functional", ROW))
    lesion_facts, _ = only_lesion(lesion(), size, kind, pain)
    assert [lesion_facts.facts[item].value for item in ("lesion_size", "lesion_type", "pain")] == [
        "over_two_thirds", "lytic", "functional"]
    assert lesion_facts.facts["lesion_size"].sources == ("Observation/size",)
    motor = observation("motor", "motor-function", **coded("not_ambulatory", ROW))
    visceral = observation("visceral", "visceral-metastases", **coded("no", ROW))
    mscc, _ = only_compression(compression(), motor, visceral)
    assert (mscc.facts["motor_function"].value, mscc.facts["visceral_metastases"].value) == ("not_ambulatory", "no")
    unknown = observation("type", "lesion-type", focus="Condition/lesion-1", **coded("osteolytic", ROW))
    lesion_facts, found = only_lesion(lesion(), unknown)
    assert lesion_facts.facts["lesion_type"].missing and "osteolytic" in str(found.entry("Observation/type").reason)
