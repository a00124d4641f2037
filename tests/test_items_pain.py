"""Mirels: pain scores and osteolysis (facts/items/pain.py, osteolysis.py)."""




from support.fhir_builders import (
    OWN,
    lesion,
    observation,
)
from support.mapping import only_lesion, pain_score


def test_pain_score_is_not_mapped_unless_configured():
    lesion_facts, found = only_lesion(lesion(), pain_score(8))
    assert lesion_facts.facts["pain"].missing
    entry = found.entry("Observation/score")
    assert entry.outcome == "context" and "gives no mapping" in entry.reason
    assert any("pain score 8" in note for note in lesion_facts.facts["pain"].notes)


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
