"""Mirels: a lesion, its site and side (facts/items/site.py, facts/long_bone.py), and the status and date gates
of the Conditions read (facts/record.py, facts/statuses.py)."""



import pytest

from service.calculators import OneOf
from support.fhir_builders import (
    CIM10,
    FEMUR,
    FEMUR_SHAFT,
    HUMERUS,
    ICD10,
    ICD10CM,
    ICDO3,
    LEFT,
    LOINC,
    RIGHT,
    SCT,
    VERTEBRA,
    coded,
    condition,
    lesion,
    lesion_observations,
    observation,
    site,
)
from support.mapping import (
    BODY_SITE_REFERENCE,
    CLINICAL_CS,
    LOCAL_STATUS,
    SEVERAL_SITES,
    VERIFICATION_CS,
    body_structure,
    compression,
    facts_of,
    only_compression,
    only_lesion,
    topography,
    unsited_metastasis,
    versions,
)


def test_complete_lesion_in_snomed_with_focus_links():
    lesion_facts, found = only_lesion(lesion(), *lesion_observations())
    inputs = lesion_facts.inputs()
    assert (inputs.lesion_site, inputs.lesion_size, inputs.lesion_type, inputs.pain) == (
        "lower_limb", 0.5, "lytic", "moderate")
    assert lesion_facts.condition == "Condition/lesion-1"
    facts = lesion_facts.facts
    assert facts["lesion_site"].sources == ("Condition/lesion-1",)
    assert facts["lesion_size"].sources == ("Observation/o-size",)
    assert facts["lesion_type"].sources == ("Observation/o-type",)
    assert facts["pain"].sources == ("Observation/o-pain",)
    assert facts["lesion_size"].rule.startswith("focus -> Condition/lesion-1")
    assert found.entry("Observation/o-size").outcome == "used"


def test_a_form_recording_the_items_as_components_of_one_observation_is_named_never_lumped():
    """A hospital's "Mirels assessment" form: one Observation of a local code, an item per component."""
    size, kind, pain = lesion_observations()
    form = observation("form", "MIRELS-FORM", system="https://chu.example.fr/forms", focus="Condition/lesion-1")
    form["component"] = [{"code": item["code"], **{k: v for k, v in item.items() if k.startswith("value")}}
                         for item in (size, kind, pain)]
    vitals = observation("bp", "85354-9", system=LOINC)
    vitals["component"] = [{"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                            "valueQuantity": {"value": 120, "unit": "mm[Hg]"}}]
    lesion_facts, found = only_lesion(lesion(), form, vitals)
    entry = found.entry("Observation/form")
    assert entry.relevant and entry.attention and "its components record items the calculators read" in entry.reason
    assert lesion_facts.facts["pain"].missing  # never read from a component
    assert not found.entry("Observation/bp").relevant  # a blood pressure's components are no items


def test_a_site_coded_without_display_is_described_with_the_display_the_value_sets_list():
    """The clinician reads "Shaft of femur", not 41111004; a code no ValueSet lists stays as it is."""
    lesion_facts, _ = only_lesion(lesion(), *lesion_observations())
    assert lesion_facts.description == "Shaft of femur"
    shown = lesion()
    shown["bodySite"][0]["coding"][0]["display"] = "Diaphyse fémorale"
    lesion_facts, _ = only_lesion(shown, *lesion_observations())
    assert lesion_facts.description == "Diaphyse fémorale"  # the record's own words first


def test_peritrochanteric_region_scores_as_such():
    resource = condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR, LEFT, peritrochanteric=True)])
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "peritrochanteric"


def test_humerus_is_upper_limb():
    lesion_facts, _ = only_lesion(lesion(bone=HUMERUS))
    assert lesion_facts.facts["lesion_site"].value == "upper_limb"


@pytest.mark.parametrize("system,code", [(ICD10, "C79.5"), (ICD10CM, "C79.51"), (SCT, "94222008")])
def test_bone_metastasis_codes_of_each_system(system, code):
    resource = condition("lesion-1", system, code, body_site=[site(FEMUR_SHAFT, RIGHT)])
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"


def test_vertebral_lesion_gets_no_mirels_but_a_sins_score():
    found = facts_of(lesion(bone=VERTEBRA))
    assert found.scored_by("mirels") == []
    assert [f.condition for f in found.scored_by("sins")] == ["Condition/lesion-1"]
    assert "vertebral metastasis of a SINS score" in found.entry("Condition/lesion-1").reason


@pytest.mark.parametrize("code", ["C40.2", "C402"])
def test_an_icd_o_3_topography_of_the_lower_limb_long_bones_may_be_the_femur(code):
    lesion_facts, _ = only_lesion(topography(code), *lesion_observations())
    fact = lesion_facts.facts["lesion_site"]
    assert fact.value == OneOf("lower_limb", "peritrochanteric") and fact.sources == ("Condition/lesion-1",)
    assert "names the long bones of the lower limb, not which one" in fact.notes[-1]


@pytest.mark.parametrize("code,sins", [("C41.2", True), ("C41.4", False), ("C412", True)])
def test_an_icd_o_3_topography_of_the_spine_or_pelvis_gets_no_mirels(code, sins):
    found = facts_of(topography(code), *lesion_observations())
    assert found.scored_by("mirels") == []
    if sins:  # the vertebral column (C41.2): a SINS score, the sacrum (C41.4) aside
        assert "vertebral metastasis of a SINS score" in found.entry("Condition/lesion-1").reason
        location = found.scored_by("sins")[0].facts["spinal_location"].value
        assert set(location.values) == {"junctional_spine", "mobile_spine", "semi_rigid_spine"}
    else:
        assert found.scored_by("sins") == [] and "not a long bone" in found.entry("Condition/lesion-1").reason


@pytest.mark.parametrize("code", ["C40.0", "C40.9"])  # long bones of the upper limb *and the scapula*; bone of limb
def test_an_icd_o_3_topography_that_may_not_be_a_long_bone_leaves_the_site_missing(code):
    lesion_facts, _ = only_lesion(topography(code), *lesion_observations())
    assert lesion_facts.facts["lesion_site"].missing


@pytest.mark.parametrize("body_site,value", [
    (site(FEMUR_SHAFT, LEFT), "lower_limb"), (site(HUMERUS, RIGHT), "upper_limb"),
    ({"coding": [{"system": ICDO3, "code": "C40.2"}]}, OneOf("lower_limb", "peritrochanteric")),
    ({"coding": [{"system": ICDO3, "code": "C40.0"}]}, None),  # a bone, maybe the scapula: site missing
])
def test_a_metastasis_coded_without_its_site_is_a_bone_metastasis_when_its_body_site_is_a_bone(body_site, value):
    lesion_facts, found = only_lesion(unsited_metastasis(body_site), *lesion_observations())
    assert lesion_facts.facts["lesion_site"].value == value
    assert found.entry("Condition/lesion-1").outcome == "used"


def test_a_metastasis_coded_without_its_site_in_a_vertebra_is_a_bone_metastasis_with_no_mirels():
    found = facts_of(unsited_metastasis(site(VERTEBRA)), *lesion_observations())
    assert found.scored_by("mirels") == [] and len(found.scored_by("sins")) == 1


@pytest.mark.parametrize("body_sites,words", [
    ((), "with no bodySite: which bone or organ is not known"),
    (({"coding": [{"system": SCT, "code": "10200004", "display": "Liver structure"}]},),
     "whose bodySite (Liver structure) has no code of a bone"),
    (({"text": "femur"},), "whose bodySite (femur) has no code of a bone"),
])
def test_a_metastasis_coded_without_its_site_elsewhere_or_nowhere_is_named(body_sites, words):
    found = facts_of(unsited_metastasis(*body_sites), *lesion_observations())
    entry = found.entry("Condition/lesion-1")
    assert found.scored_by("mirels") == [] and entry.outcome == "ignored" and entry.attention and words in entry.reason


@pytest.mark.parametrize("system,code,display", [
    (ICD10CM, "M84.551A", None), (ICD10CM, "M84.452A", None), (ICD10, "M90.7", None), (CIM10, "M907*", None),
    (ICD10, "M84.45", None), (SCT, "999999", "Pathological fracture of femur"),
    ("http://hopital.example/codes", "FX12", "Fracture pathologique du fémur gauche"),
])
def test_a_pathological_fracture_is_named_beside_the_mirels_score(system, code, display):
    """A fracture that is not surely this lesion's bone and side (the right femur, or a place not coded) leaves
    the left femur's score, and is named with attention: it may be this bone."""
    fracture = condition("fracture", system, code, onset="2026-10-20")
    if display:
        fracture["code"]["coding"][0]["display"] = display
    lesion_facts, found = only_lesion(lesion(), fracture, *lesion_observations())
    entry = found.entry("Condition/fracture")
    assert entry.outcome == "ignored" and entry.relevant and entry.attention
    assert entry.reason.startswith("a pathological fracture") and "risk of a fracture to come" in entry.reason
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"
    # Its code stating its bone and side, it is said where it is, not "check whether it is at the site" (probe 16).
    assert ("a pathological fracture of the right femur" in entry.reason) is (code == "M84.551A")
    assert ("check whether it is at the site" in entry.reason) is (code != "M84.551A")


@pytest.mark.parametrize(("status", "said"), [
    ({"verification": "entered-in-error"}, "a fracture recorded in error: never counts"),
    ({"verification": "refuted"}, "a fracture refuted: never counts"),
    ({"clinical": "resolved"}, "a fracture recorded as over (healed, resolved or abated)")])
def test_a_fracture_that_does_not_count_says_why_in_the_mapping_report(status, said):
    """Probe 18: an entered-in-error pathological fracture of the femur was reported "check whether it is at the
    site of a scored lesion", as if it counted. It never counts, and its report line says why."""
    fracture = condition("fracture", ICD10, "M90.7", onset="2026-10-20", **status)
    lesion_facts, found = only_lesion(lesion(), fracture, *lesion_observations())
    entry = found.entry("Condition/fracture")
    assert entry.reason.startswith(said) and not entry.attention, entry.reason
    assert not lesion_facts.fractures_to_check


def test_an_injury_fracture_code_of_the_same_bone_is_named_and_flags_the_score_to_check_first():
    """A fracture coded as an injury (S72: femur) is a fracture of the bone whatever its cause (brief, section
    5): not called pathological, and, its side not stated, said first on the score. Named for the integrator
    only: a card of data not used for an injury away from any scored lesion was noise (a healed hip fracture)."""
    found = facts_of(lesion(), condition("fracture", ICD10CM, "S72.302A", onset="2026-10-20"), *lesion_observations())
    entry = found.entry("Condition/fracture")
    assert entry.relevant and not entry.attention and entry.reason.startswith("a fracture of the femur (side not")
    assert "pathological" not in entry.reason
    (lesion_facts,) = found.scored_by("mirels")
    (to_check,) = lesion_facts.fractures_to_check
    assert "side of one of them is not stated" in to_check and to_check in lesion_facts.condition_flags


def test_a_fracture_recorded_in_words_only_is_said_first_on_every_long_bone_score():
    words = condition("fracture", SCT, "x", onset="2026-12-03")
    words["code"] = {"text": "Fracture pathologique du fémur gauche sur métastase"}
    lesion_facts, found = only_lesion(lesion(), words, *lesion_observations())
    (to_check,) = lesion_facts.fractures_to_check
    assert "whose bone is not coded" in to_check and "check before any fixation" in to_check
    assert found.entry("Condition/fracture").attention


def test_a_fracture_of_another_bone_leaves_the_score_unflagged():
    humerus = condition("fracture", ICD10, "S42.3", onset="2026-10-20")
    lesion_facts, found = only_lesion(lesion(), humerus, *lesion_observations())
    assert lesion_facts.fractures_to_check == () and found.entry("Condition/fracture").relevant
    rib = condition("fracture", ICD10, "M84.48", onset="2026-10-20", body_site=[site("113197003", LEFT)])
    lesion_facts, _ = only_lesion(lesion(), rib, *lesion_observations())
    assert lesion_facts.fractures_to_check == ()  # a rib, coded: said "whose bone is not coded" on a femur (review 15)


def test_lesion_without_body_site_has_site_missing_and_says_what_supplies_it():
    lesion_facts, _ = only_lesion(lesion(bone=None))
    fact = lesion_facts.facts["lesion_site"]
    assert fact.missing and "bodySite" in fact.supplied_by and fact.notes == ("the bone metastasis has no bodySite",)


@pytest.mark.parametrize("sites,value", [
    ([site(FEMUR_SHAFT, LEFT), site(HUMERUS, RIGHT)], OneOf("lower_limb", "upper_limb")),
    ([site(HUMERUS, RIGHT), site(FEMUR_SHAFT, LEFT)], OneOf("lower_limb", "upper_limb")),
    ([site(HUMERUS, LEFT), site(FEMUR, LEFT)], OneOf("lower_limb", "peritrochanteric", "upper_limb")),
    # One concept whose codings are two bones: no translation of one site, so two sites.
    ([{"coding": [{"system": SCT, "code": FEMUR_SHAFT}, {"system": SCT, "code": HUMERUS}]}],
     OneOf("lower_limb", "upper_limb")),
    # Both femurs: the row is the same whichever lesion it is, so it stays known.
    ([site(FEMUR_SHAFT, LEFT), site(FEMUR_SHAFT, RIGHT)], "lower_limb"),
    # One laterality "right and left" (a probe's): two lesions at once, as two bodySites would say (it was scored as
    # one lesion, with a size measured on the right only, and counted one site).
    ([site(FEMUR_SHAFT, "51440002")], "lower_limb"),
])
def test_a_condition_naming_several_sites_is_scored_over_every_site_and_flagged(sites, value):
    """A problem-list "bone metastases" with every involved bone in bodySite: Mirels scores one lesion,
    so no site is picked (the last one used to win, silently)."""
    resource = lesion()
    resource["bodySite"] = sites
    lesion_facts, _ = only_lesion(resource, *lesion_observations())
    fact = lesion_facts.facts["lesion_site"]
    assert fact.value == value
    # One bone on both sides says so: "several sites ('Shaft of femur')" named no side (an older note's finding).
    both = all([coding["code"] for coding in part["coding"]] == [FEMUR_SHAFT] for part in sites)
    assert ("this bone on both sides, left and right" if both else "several sites") in fact.notes[0], fact.notes
    assert any(str(flag).startswith(SEVERAL_SITES) for flag in lesion_facts.sites_to_check)
    assert None in lesion_facts.body_site  # no one bone and side links observations or orders to it


def test_a_femoral_region_the_guideline_does_not_place_is_named_by_its_own_words():
    """The neck of the femur (a region code beside the femur's): the note quoted the bone's name as the region."""
    body_site = {"coding": [{"system": SCT, "code": FEMUR}, {"system": SCT, "code": "29627003"}]}
    lesion_facts, _ = only_lesion(condition("lesion-1", SCT, "94222008", body_site=[body_site]))
    (note,) = lesion_facts.facts["lesion_site"].notes
    assert note.startswith("the femoral region 'neck of femur' is not one the guideline places"), note


def test_a_long_bone_beside_a_bone_that_is_not_one_keeps_its_row_and_is_flagged():
    resource = lesion()
    resource["bodySite"] = [site(VERTEBRA), site(FEMUR_SHAFT, LEFT)]
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"
    assert "not a long bone" in lesion_facts.facts["lesion_site"].notes[0]
    assert any(str(flag).startswith(SEVERAL_SITES) for flag in lesion_facts.sites_to_check)


@pytest.mark.parametrize("sites,value", [
    ([site(FEMUR), {"coding": [{"system": SCT, "code": LEFT}]}], OneOf("lower_limb", "peritrochanteric")),
    ([site(FEMUR, LEFT), site(FEMUR_SHAFT)], "lower_limb"),  # a region refines the femur: one site
    ([site(FEMUR_SHAFT, LEFT), site(FEMUR_SHAFT, LEFT)], "lower_limb"),
])
def test_concepts_that_refine_one_site_are_one_site(sites, value):
    resource = lesion()
    resource["bodySite"] = sites
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == value
    assert lesion_facts.condition_flags == () and lesion_facts.body_site == (FEMUR, LEFT)


@pytest.mark.parametrize("on_body_site", [False, True])
def test_site_recorded_as_a_body_structure_is_read_with_its_qualifiers(on_body_site):
    """FHIR's "BodyStructure Reference" extension, on the Condition or on a bodySite element."""
    reference = [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": "BodyStructure/bs-1"}}]
    resource = lesion(bone=None)
    if on_body_site:
        resource["bodySite"] = [{"extension": reference}]
    else:
        resource["extension"] = reference
    observations = [observation("o-type", "lesion-type", body_site=site(FEMUR, LEFT), **coded("lytic"))]
    lesion_facts, found = only_lesion(resource, body_structure("bs-1", FEMUR, LEFT, "182047004"), *observations)
    fact = lesion_facts.facts["lesion_site"]
    assert fact.value == "peritrochanteric"
    assert fact.sources == ("Condition/lesion-1", "BodyStructure/bs-1")
    assert found.entry("BodyStructure/bs-1").outcome == "used"
    assert lesion_facts.facts["lesion_type"].value == "lytic"  # linked by the BodyStructure's side


def test_a_body_structure_not_in_the_record_is_named_as_the_missing_site():
    resource = lesion(bone=None)
    resource["extension"] = [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": "BodyStructure/away"}}]
    lesion_facts, _ = only_lesion(resource)
    fact = lesion_facts.facts["lesion_site"]
    assert fact.missing and any("(BodyStructure/away) that was not received" in n for n in fact.notes)


def test_a_body_structure_contained_in_the_lesion_gives_its_site_cited_as_the_condition():
    resource = lesion(bone=None)
    resource["contained"] = [body_structure("site", FEMUR_SHAFT, LEFT)]
    resource["bodySite"] = [{"extension": [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": "#site"}}]}]
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"
    assert lesion_facts.facts["lesion_site"].sources == ("Condition/lesion-1",)
    assert lesion_facts.body_site == (FEMUR, LEFT)  # the shaft names the femur


def test_inputs_contained_in_another_resource_are_named_never_read():
    """A contained resource has no identity a score could cite: the clinician is told it is there."""
    size, kind, pain = lesion_observations()
    resource = lesion()
    resource["contained"] = [size, {"resourceType": "Observation", "id": "lab", "status": "final",
                                    "code": {"coding": [{"system": LOINC, "code": "2345-7"}]}}]
    lesion_facts, found = only_lesion(resource, kind, pain)
    assert lesion_facts.facts["lesion_size"].missing
    entry = found.entry("Condition/lesion-1#o-size")
    assert (entry.outcome, entry.relevant, entry.attention) == ("ignored", True, True)
    assert entry.reason.startswith("contained in Condition/lesion-1")
    assert not any(e.resource.endswith("#lab") for e in found.report)  # a lab is not relevant: not listed


def test_an_mcode_tumour_related_to_the_lesion_gives_its_site():
    tumour = body_structure("t-1", HUMERUS, RIGHT, extension=[{
        "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-related-condition",
        "valueReference": {"reference": "Condition/lesion-1"}}])
    lesion_facts, _ = only_lesion(lesion(bone=None), tumour)
    assert lesion_facts.facts["lesion_site"].value == "upper_limb"
    assert lesion_facts.facts["lesion_site"].sources == ("Condition/lesion-1", "BodyStructure/t-1")
    # A tumour elsewhere than the Condition's own bodySite: two sites, none picked.
    lesion_facts, _ = only_lesion(lesion(), tumour)
    assert lesion_facts.facts["lesion_site"].value == OneOf("lower_limb", "upper_limb")


@pytest.mark.parametrize("clinical,verification,reason", [
    ("resolved", "confirmed", "not active"),
    ("inactive", "confirmed", "not active"),
    ("active", "refuted", "refuted"),
    ("active", "entered-in-error", "entered-in-error"),
])
def test_inactive_refuted_or_erroneous_lesions_never_count(clinical, verification, reason):
    found = facts_of(lesion(clinical=clinical, verification=verification), *lesion_observations())
    assert found.scored_by("mirels") == []
    assert reason in found.entry("Condition/lesion-1").reason


@pytest.mark.parametrize("element,flag", [
    ("clinicalStatus", "its clinical status is written “active”, not coded: read as not given; check it"),
    ("verificationStatus", "its verificationStatus is not a code of FHIR's: the calculators cannot read it"),
])
def test_a_status_written_in_words_only_is_never_read_and_the_score_says_so(element, flag):
    """"refuted" in words is not read as refuted (nor "active" as active): the lesion is counted, flagged for
    the clinician to look, as a Condition without the status would be."""
    written = lesion()
    written[element] = {"text": "refuted" if element == "verificationStatus" else "active"}
    lesion_facts, _ = only_lesion(written, *lesion_observations())
    assert flag in lesion_facts.condition_flags


@pytest.mark.parametrize("element,codings,reason", [
    # A hospital's own coding first, FHIR's second: FHIR's is the status.
    ("verificationStatus", [(LOCAL_STATUS, "R"), (VERIFICATION_CS, "refuted")], "verificationStatus is refuted"),
    ("clinicalStatus", [(LOCAL_STATUS, "X"), (CLINICAL_CS, "resolved")], "not active"),
    # The URIs of FHIR's earlier versions, as migrated records keep them.
    ("verificationStatus", [("http://hl7.org/fhir/condition-ver-status", "entered-in-error")], "entered-in-error"),
    ("clinicalStatus", [("http://hl7.org/fhir/condition-clinical", "inactive")], "not active"),
    # Codings that disagree: refuted never counts, whichever comes first.
    ("verificationStatus", [(VERIFICATION_CS, "confirmed"), (VERIFICATION_CS, "refuted")],
     "verificationStatus is refuted"),
])
def test_the_fhir_status_is_read_whatever_codings_stand_beside_it(element, codings, reason):
    condition_ = lesion()
    condition_[element] = {"coding": [{"system": system, "code": code} for system, code in codings]}
    found = facts_of(condition_, *lesion_observations())
    assert found.scored_by("mirels") == [] and reason in found.entry("Condition/lesion-1").reason


@pytest.mark.parametrize("element,code,flag", [
    ("verificationStatus", "Refuted", "its verificationStatus is not a code of FHIR's: the calculators cannot read it"),
    ("verificationStatus", "R", "its verificationStatus is not a code of FHIR's: the calculators cannot read it"),
    ("clinicalStatus", "Resolved", "its clinicalStatus is not a code of FHIR's: read as not given"),
])
def test_a_status_code_fhir_does_not_define_is_not_read_and_the_score_says_so(element, code, flag):
    condition_ = lesion()
    system = LOCAL_STATUS if code == "R" else VERIFICATION_CS if element == "verificationStatus" else CLINICAL_CS
    condition_[element] = {"coding": [{"system": system, "code": code}]}
    lesion_facts, _ = only_lesion(condition_, *lesion_observations())
    assert flag in lesion_facts.condition_flags


@pytest.mark.parametrize("codes", [("active", "resolved"), ("inactive", "relapse")])
def test_clinical_status_codes_that_disagree_are_not_read_and_the_score_says_so(codes):
    # Which of "active" and "resolved" holds is not guessed, whichever comes first: read as not given (counted,
    # flagged), as a Condition without a clinicalStatus is.
    for ordered in (codes, codes[::-1]):
        condition_ = lesion()
        condition_["clinicalStatus"] = {"coding": [{"system": CLINICAL_CS, "code": code} for code in ordered]}
        lesion_facts, _ = only_lesion(condition_, *lesion_observations())
        assert "its clinicalStatus codes disagree (active, and not): read as not given" in lesion_facts.condition_flags


@pytest.mark.parametrize("meta_confirmed,meta_refuted,scored", [
    ({"versionId": "1"}, {"versionId": "2"}, False),  # refuted since: the newer version holds
    ({"versionId": "3"}, {"versionId": "2"}, True),
    ({"lastUpdated": "2026-11-12T08:00:00Z"}, {"lastUpdated": "2026-11-12T08:30:00+01:00"}, True),  # 07:30 UTC
])
def test_two_versions_of_one_condition_the_newer_is_read_in_either_order(meta_confirmed, meta_refuted, scored):
    for pair in (versions(meta_confirmed, meta_refuted), versions(meta_confirmed, meta_refuted)[::-1]):
        found = facts_of(*pair, *lesion_observations())
        assert (len(found.scored_by("mirels")) == 1) is scored
        older = next(entry for entry in found.report if entry.resource.startswith("Condition/lesion-1 ("))
        assert older.outcome == "ignored" and "an older version of Condition/lesion-1" in older.reason


@pytest.mark.parametrize("meta", [{}, {"versionId": "2"}, {"lastUpdated": "2026-11-12T08:00:00Z"}])
def test_two_differing_versions_neither_marked_newer_are_neither_read(meta):
    # Which of two differing records holds (confirmed, or refuted) is not guessed, in either order.
    for pair in (versions(dict(meta), dict(meta)), versions(dict(meta), dict(meta))[::-1]):
        found = facts_of(*pair, *lesion_observations())
        entry = found.entry("Condition/lesion-1")
        assert found.scored_by("mirels") == [] and entry.attention and "neither says it is the newer" in entry.reason


def test_the_same_resource_sent_twice_is_read_once():
    found = facts_of(lesion(), lesion(), *lesion_observations())
    assert len(found.scored_by("mirels")) == 1 and [e.resource for e in found.report].count("Condition/lesion-1") == 1


def test_a_primary_cancer_whose_verification_is_written_in_words_only_is_flagged():
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    primary["verificationStatus"] = {"text": "réfuté"}
    mscc, _ = only_compression(primary, compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == "breast"  # words are never read as a status
    assert "its verificationStatus is not a code of FHIR's: the calculators cannot read it" in fact.flags
    assert "Condition/breast: verificationStatus not a code of FHIR's" in fact.notes


def test_display_text_alone_is_not_enough():
    resource = lesion()
    resource["code"] = {"coding": [{"display": "Secondary malignant neoplasm of bone"}], "text": "bone metastasis"}
    found = facts_of(resource)
    assert found.scored_by("mirels") == [] and found.entry("Condition/lesion-1").outcome == "ignored"


def test_two_lesions_two_inputs():
    found = facts_of(lesion("lesion-1", FEMUR_SHAFT, LEFT), lesion("lesion-2", HUMERUS, RIGHT),
                     *lesion_observations("Condition/lesion-1", prefix="a"),
                     *lesion_observations("Condition/lesion-2", size=(20, "%"), kind="blastic", pain="mild",
                                          prefix="b"))
    by_condition = {found_lesion.condition: found_lesion.inputs() for found_lesion in found.scored_by("mirels")}
    assert by_condition["Condition/lesion-1"].lesion_type == "lytic"
    assert by_condition["Condition/lesion-2"].lesion_type == "blastic"
    assert by_condition["Condition/lesion-2"].lesion_size == 0.2
    assert by_condition["Condition/lesion-2"].lesion_site == "upper_limb"


def test_an_injury_fracture_away_from_any_scored_lesion_or_that_does_not_count_asks_no_ones_attention():
    """A healed hip fracture of 2019 in a patient with no bone metastasis, an entered-in-error one beside a
    lesion: named for the integrator, never on a card of data not used (it was, every time the chart opened)."""
    healed = condition("fracture", ICD10CM, "S72.001A", onset="2019-03-01")
    assert not facts_of(healed).entry("Condition/fracture").attention
    wrong = condition("fracture", ICD10CM, "S72.002A", onset="2026-10-20", verification="entered-in-error")
    lesion_facts, found = only_lesion(lesion(), wrong, *lesion_observations())
    assert not found.entry("Condition/fracture").attention and lesion_facts.fractures_to_check == ()


def _with_text(concept, text):
    return {**concept, "text": text}


@pytest.mark.parametrize("body_site", [
    {"coding": [{"system": SCT, "code": FEMUR_SHAFT}, {"system": SCT, "code": LEFT}],  # a coding and a qualifier
     "extension": site(FEMUR_SHAFT, RIGHT)["extension"]},
    _with_text(site(FEMUR_SHAFT, RIGHT), "Fémur gauche, diaphyse"),  # the code and its own text
    _with_text(site(FEMUR_SHAFT, LEFT), "R femur diaphysis"),  # an abbreviated side in the text
    _with_text(site(FEMUR_SHAFT, LEFT), "fémur D"),
])
def test_a_site_recorded_as_both_left_and_right_has_no_side_picked_and_says_so(body_site):
    """A probe's record coded left with an mCODE qualifier right: the card said "Right femur ... Mirels 12:
    surgical fixation opinion", and with a code right and a text "Fémur gauche", "Right femur", the text nowhere.
    One lesion recorded with two sides: no side is picked (nothing links by it), the place says both are recorded,
    the record's words beside it, and the site's note asks to check the side."""
    resource = lesion(bone=None)
    resource["bodySite"] = [body_site]
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.body_site == (FEMUR, None)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"  # one lesion of one bone, not several sites
    place = lesion_facts.place.words("en")
    assert place.startswith("femur (left and right both recorded), shaft of femur"), place
    if body_site.get("text"):
        assert f"“{body_site['text']}” in the record" in place
    assert any("both left and right" in note and "check the side before any procedure" in note
               for note in lesion_facts.facts["lesion_site"].notes)
    assert lesion_facts.place.words("fr").startswith("fémur (côtés gauche et droit tous deux enregistrés)")


@pytest.mark.parametrize("text", ["Left femur, shaft", "L femur diaphysis", "fémur G", "Fémur gauche", "L3-femur"])
def test_a_text_that_agrees_with_the_coded_side_or_says_none_changes_nothing(text):
    resource = lesion(bone=None)
    resource["bodySite"] = [_with_text(site(FEMUR_SHAFT, LEFT), text)]
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.body_site == (FEMUR, LEFT) and not lesion_facts.place.sides_disagree


@pytest.mark.parametrize("text,disagree", [
    ("Metastasis to left proximal humerus", True),
    ("Métastase humérus gauche", True),
    ("Metastasis to right humerus", False),  # the coded side
    ("Métastase humérus", False),  # no side written
    ("Cancer du sein gauche, métastase humérale", False),  # the breast's side, not the bone's
    ("Métastase humérale sein gauche", False),  # review 21: the primary's side, after the bone
    ("Métastase humérus primitif rein gauche", False),
    ("Left RCC humerus metastasis", False),
    ("Métastase humérus proximal G", True),
])
def test_a_diagnosis_whose_words_write_the_other_side_than_its_coded_site_has_no_side_picked(text, disagree):
    """"Metastasis to left proximal humerus", its bodySite coded right humerus: the card said "Right humerus, Mirels
    10: surgical fixation opinion", the words nowhere (probe 20). One lesion recorded with two sides: no side picked,
    both said, the side to check; another organ's side in the words is not the bone's."""
    resource = lesion(bone=HUMERUS, side=RIGHT)
    resource["code"]["text"] = text
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.place.sides_disagree is disagree
    assert lesion_facts.body_site == (HUMERUS, None if disagree else RIGHT)
    notes = [str(note) for note in lesion_facts.facts["lesion_site"].notes]
    assert any(f"its words (“{text}”) write the other side than its recorded site (right humerus)" in note
               and "check the side before any procedure" in note for note in notes) is disagree, notes


def test_a_body_structure_giving_the_other_side_than_its_condition_is_a_disagreement_not_two_lesions():
    """A probe's lesion coded left whose BodyStructure says right read as "Femur, both sides" (two lesions at once,
    the several-sites reading): it is one lesion recorded with two sides."""
    resource = lesion(bone=FEMUR_SHAFT, side=LEFT)
    resource["extension"] = [{"url": BODY_SITE_REFERENCE, "valueReference": {"reference": "BodyStructure/bs-1"}}]
    lesion_facts, _ = only_lesion(resource, body_structure("bs-1", FEMUR_SHAFT, RIGHT))
    assert lesion_facts.body_site == (FEMUR, None) and lesion_facts.place.sides_disagree
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"
    assert lesion_facts.place.words("en").startswith("femur (left and right both recorded)")
    agreeing, _ = only_lesion(resource, body_structure("bs-1", FEMUR_SHAFT, LEFT))
    assert agreeing.body_site == (FEMUR, LEFT)


def test_a_bilateral_code_is_still_both_sides():
    resource = lesion(bone=FEMUR_SHAFT, side="51440002")
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.place.words("en").startswith("femur, both sides") and not lesion_facts.place.sides_disagree


@pytest.mark.parametrize("body_sites", [[{"text": "right proximal femur"}],  # words only
                                        [site(FEMUR, LEFT), site(HUMERUS, LEFT)]])  # a problem-list entry, two bones
def test_a_fracture_beside_a_lesion_whose_bone_is_not_coded_is_said_first_on_its_score(body_sites):
    """A probe's lesion C79.51 with its site in words only ("right proximal femur") beside a pathological fracture of
    the left femur: the card asked for a fixation with no word of the fracture (it compared the fracture's bone with
    no bone, and left it). The lesion's bone not known, any fracture may be of it: said first."""
    resource = lesion(bone=None)
    resource["bodySite"] = body_sites
    fracture = condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20")
    lesion_facts, _ = only_lesion(resource, fracture, *lesion_observations())
    (to_check,) = lesion_facts.fractures_to_check
    assert to_check.startswith("a fracture is recorded (Condition/fracture) and this lesion's bone is not coded")
    assert to_check in lesion_facts.condition_flags


def test_a_fracture_whose_record_names_one_lesion_is_said_on_that_lesions_score_only():
    """A probe's pathological fracture with no site, its evidence naming the left femur's lesion: "check it first" on
    both femurs' cards. It is said on the lesion it names, as due to it; the other lesion's card says nothing of it.
    A fracture naming another lesion still breaks this lesion's bone when its coded bone and side are this lesion's."""
    left, right = lesion("les-l", FEMUR_SHAFT, LEFT), lesion("les-r", FEMUR_SHAFT, RIGHT)
    fracture = condition("fx", ICD10, "M84.4", onset="2026-10-20")
    fracture["evidence"] = [{"detail": [{"reference": "Condition/les-l"}]}]
    found = facts_of(left, right, fracture)
    by_ref = {lesion_facts.condition: lesion_facts for lesion_facts in found.scored_by("mirels")}
    (to_check,) = by_ref["Condition/les-l"].fractures_to_check
    assert to_check.startswith("a fracture recorded as due to this lesion (Condition/fx), its bone not coded")
    assert by_ref["Condition/les-r"].fractures_to_check == ()
    due_to = condition("fx", ICD10, "M84.4", onset="2026-10-20", body_site=[site(FEMUR_SHAFT, RIGHT)])
    due_to["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/condition-dueTo",
                            "valueReference": {"reference": "Condition/les-l"}}]
    found = facts_of(left, right, due_to)
    assert [broken.lesion for broken in found.broken] == ["Condition/les-r"]  # its bone and side: the rule stands


def test_a_fracture_tied_to_the_lesion_but_coded_elsewhere_is_said_and_an_older_one_beside_an_unplaced_lesion_not():
    """An outside review's cases. A fracture of the right femur recorded as due to the left femur's lesion was left
    out as the other side's: the link and the code disagree, so it is said first. A humerus fracture of 2015 beside a
    lesion whose bone is written only ("Left femur") and began this year was said first on it: noise."""
    left = lesion("les-l", FEMUR_SHAFT, LEFT)
    fracture = condition("fx", ICD10, "M84.4", onset="2026-10-20", body_site=[site(FEMUR_SHAFT, RIGHT)])
    fracture["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/condition-dueTo",
                              "valueReference": {"reference": "Condition/les-l"}}]
    lesion_facts, _ = only_lesion(left, fracture)
    (to_check,) = lesion_facts.fractures_to_check
    assert to_check.startswith("a fracture recorded as due to this lesion (Condition/fx) is coded at another bone")
    unplaced = lesion(bone=None, onset="2026-11-01")
    unplaced["bodySite"] = [{"text": "Left femur"}]
    old = condition("fx", ICD10, "M84.4", onset="2015-03-01", body_site=[site(HUMERUS, LEFT)])
    lesion_facts, _ = only_lesion(unplaced, old)
    assert lesion_facts.fractures_to_check == ()


def test_a_fracture_of_the_bone_a_lesion_names_in_words_is_said_even_before_its_onset():
    """An outside review's case: a left femur fracture 20 days ago beside a lesion written only "Fémur gauche,
    diaphyse" whose onset (a report's date) is 10 days ago was dropped. Only a fracture of another bone than the one
    the words name is left out."""
    unplaced = lesion(bone=None, onset="2026-11-20")
    unplaced["bodySite"] = [{"text": "Fémur gauche, diaphyse"}]
    fracture = condition("fx", ICD10CM, "M84.552A", onset="2026-11-10")
    lesion_facts, _ = only_lesion(unplaced, fracture)
    assert len(lesion_facts.fractures_to_check) == 1
    humerus = condition("fx", ICD10, "M84.4", onset="2026-11-10", body_site=[site(HUMERUS, LEFT)])
    lesion_facts, _ = only_lesion(unplaced, humerus)
    assert lesion_facts.fractures_to_check == ()


def test_a_side_written_only_in_the_diagnosis_text_is_quoted_never_read():
    """"Metastasis L femur, lytic" as the Condition's text, a femur of no side coded: the card said "Femur (side not
    stated)" and never the record's words (probe 11). Quoted; "L" is never read as the side."""
    femur = condition("lesion-1", SCT, "94222008", body_site=[site(FEMUR)])
    femur["code"]["text"] = "Metastasis L femur, lytic"
    scored, _ = only_lesion(femur, *lesion_observations())
    assert scored.place.side is None
    assert scored.where("en") == "femur (side not stated) (“Metastasis L femur, lytic” in the record)", scored.where()


@pytest.mark.parametrize("on_the_body_site", [False, True])
def test_an_ehrs_own_laterality_extension_gives_the_side_as_mcodes_does(on_the_body_site):
    """Probe 18: a left and a right femur, each side in Epic's laterality extension (SNOMED CT Left / Right), read
    "side not stated" and were flagged as maybe one lesion, their words saying otherwise. An extension named
    "laterality" whose value is a SNOMED CT laterality is read as mCODE's; one of another name is not."""
    def femur(cid, side, url="http://open.epic.com/FHIR/StructureDefinition/extension/laterality"):
        found = condition(cid, ICD10CM, "C79.51", body_site=[site(FEMUR)])
        extension = [{"url": url, "valueCodeableConcept": {"coding": [{"system": SCT, "code": side}]}}]
        if on_the_body_site:
            found["bodySite"][0]["extension"] = extension
        else:
            found["extension"] = extension
        return found

    found = facts_of(femur("a", LEFT), femur("b", RIGHT))
    assert sorted(scored.body_site[1] for scored in found.scored) == sorted([LEFT, RIGHT])
    assert not any("may record one lesion" in str(flag) for scored in found.scored for flag in scored.condition_flags)
    found = facts_of(femur("a", LEFT, url="http://example.org/extension/side-of-body"))
    assert [scored.body_site[1] for scored in found.scored] == [None]


@pytest.mark.parametrize("side, said", [
    (LEFT, "its words give the other side: check the side before any fixation"),
    (RIGHT, "its words give this side: if so, this bone has broken and Mirels no longer applies"),
])
def test_a_fracture_whose_side_only_its_words_give_is_said_with_that_side(side, said):
    """Probe 22 (g11): "Fracture col fémoral droit sur métastase" (S72.0, no side coded) read on the left femur's card
    as "the side of one of them is not stated". Its words are said, never counted: a coded side settles it."""
    from support.fhir_builders import FEMUR_NECK, RECENT

    fracture = condition("fx", ICD10, "S72.0", onset=RECENT)
    fracture["code"]["text"] = "Fracture col fémoral droit sur métastase"
    lesion_facts, _ = only_lesion(lesion(bone=FEMUR_NECK, side=side), fracture)
    flags = [str(flag) for flag in lesion_facts.condition_flags if "Condition/fx" in str(flag)]
    assert flags == [f"a fracture of the same bone is recorded (Condition/fx), its side not coded; {said}"]


@pytest.mark.parametrize("side, said", [
    (LEFT, "coded on this side, its words giving the other side"),
    (RIGHT, "coded on the other side, its words giving this side"),
])
def test_a_fracture_coded_on_one_side_whose_words_give_the_other_is_said_on_both_sides(side, said):
    """Review 24: "Fracture col fémoral droit sur métastase", its bodySite coded left, took the left femur as broken
    (no Mirels) and was said nowhere on the right femur's card, which advised fixation. Which side is right is not
    known: both femurs are scored, each says the fracture first."""
    fracture = condition("fx", ICD10, "M84.45", onset="2026-11-20", body_site=[site(FEMUR, LEFT)])
    fracture["code"]["text"] = "Fracture col fémoral droit sur métastase"
    lesion_facts, _ = only_lesion(lesion(side=side, onset="2026-10-01"), *lesion_observations(), fracture)
    flags = [str(flag) for flag in lesion_facts.condition_flags if "Condition/fx" in str(flag)]
    assert flags == [f"a fracture of this bone is recorded (Condition/fx), {said}: which is right is not known; if it "
                     "is this side, the bone has broken and Mirels no longer applies; check the side before any "
                     "fixation"]


def test_a_fracture_coded_and_written_on_the_same_side_still_breaks_the_bone():
    fracture = condition("fx", ICD10, "M84.45", onset="2026-11-20", body_site=[site(FEMUR, LEFT)])
    fracture["code"]["text"] = "Fracture pathologique fémur gauche"
    found = facts_of(lesion(side=LEFT, onset="2026-10-01"), *lesion_observations(), fracture)
    assert found.scored_by("mirels") == []


def test_a_fracture_of_the_spine_in_words_only_is_no_femurs():
    """Review 24: "Fracture pathologique vertèbre D7" (M84.48, no bone in its code) flagged the femur's Mirels card
    "a fracture is recorded whose bone is not coded"; its words place it at the spine."""
    fracture = condition("fx", ICD10, "M84.48", onset="2026-11-20")
    fracture["code"]["text"] = "Fracture pathologique vertèbre D7 (tassement)"
    lesion_facts, found = only_lesion(lesion(side=LEFT, onset="2026-10-01"), *lesion_observations(), fracture)
    assert not [flag for flag in lesion_facts.condition_flags if "Condition/fx" in str(flag)]
    assert "a fracture of the spine by its words" in str(found.entry("Condition/fx").reason)


def test_a_fracture_before_the_lesion_its_side_not_stated_is_not_said_of_the_same_side():
    """Review 24: a fracture dated before the lesion began, its side not coded, read "of the same bone and side"."""
    fracture = condition("fx", ICD10, "S72.3", onset="2024-03-01")
    lesion_facts, _ = only_lesion(lesion(side=LEFT, onset="2026-10-01"), *lesion_observations(), fracture)
    assert [str(flag) for flag in lesion_facts.condition_flags if "Condition/fx" in str(flag)] == [
        "a fracture of the same bone is recorded before this lesion began (Condition/fx), the side of one of them "
        "not stated: if the bone has broken since, Mirels no longer applies"]


def test_a_long_bone_fracture_written_under_a_local_code_is_said_on_that_bones_cards_only():
    """Probe 23 (c05): "Fract. humérus D" under a hospital's own code, no bodySite: said nowhere, the right humerus
    offered fixation. It is a fracture of the humerus by its words: said on each humerus's card with the side its
    words give, on no femur's."""
    fracture = condition("fx", "http://hopital.example/codes", "FRAC-12", onset="2026-11-20")
    fracture["code"]["text"] = "Fract. humérus D"
    lesions = [lesion("right", bone=HUMERUS, side=RIGHT, onset="2026-10-01"),
               lesion("left", bone=HUMERUS, side=LEFT, onset="2026-10-01"),
               lesion("femur", bone=FEMUR_SHAFT, side=RIGHT, onset="2026-10-01")]
    found = facts_of(*lesions, *[o for cid in ("right", "left", "femur")
                                 for o in lesion_observations(f"Condition/{cid}", prefix=cid)], fracture)
    flags = {scored.condition.split("/")[1]: [str(f) for f in scored.condition_flags if "Condition/fx" in str(f)]
             for scored in found.scored_by("mirels")}
    assert flags == {
        "right": ["a fracture is recorded whose bone is not coded (Condition/fx); its words give this bone and side: "
                  "if so, it has broken and Mirels no longer applies; check before any fixation"],
        "left": ["a fracture is recorded whose bone is not coded (Condition/fx); its words give this bone on the "
                 "other side: check the side before any fixation"],
        "femur": []}
    entry = found.entry("Condition/fx")  # for the integrator, as a fracture a code places: the cards say it
    assert not entry.attention and "a fracture of a long bone by its words" in str(entry.reason)


def test_two_lesions_of_the_same_words_and_date_are_told_apart_by_their_site():
    """Probe 23 (t12): three lesions each said "“Secondary malignant neoplasm of bone”, 2026-10-01" on one card: which
    one a line is about could not be told. Where two Conditions' words and date are the same, each says its site."""
    found = facts_of(lesion("left", side=LEFT, onset="2026-10-01"), lesion("right", side=RIGHT, onset="2026-10-01"),
                     lesion("arm", bone=HUMERUS, onset="2026-09-01"))
    assert found.labels["Condition/left"].said_in("en") == ("“Secondary malignant neoplasm of bone” (left femur, "
                                                             "shaft of femur), 2026-10-01")
    assert "(fémur droit" in found.labels["Condition/right"].said_in("fr")
    assert found.labels["Condition/arm"].said_in("en") == "“Secondary malignant neoplasm of bone”, 2026-09-01"


@pytest.mark.parametrize("words", ["Pas de fracture du fémur G", "Fracture imminente fémur gauche",
                                   "Métastase lytique fémur G, risque de fracture", "Fracture fémur G consolidée",
                                   "Antécédent de fracture du fémur G (2015)"])
def test_words_that_name_no_break_now_are_no_fracture(words):
    """Review 26: any words holding "fract…" and a long bone became a fracture ("if so, it has broken"): a negation,
    an impending fracture (what Mirels scores), a risk, a healed one, a history. Only words whose subject is a
    fracture now are read as one."""
    record = condition("fx", "http://hopital.example/codes", "X-1", onset="2026-11-20")
    record["code"]["text"] = words
    lesion_facts, _ = only_lesion(lesion(side=LEFT, onset="2026-10-01"), *lesion_observations(), record)
    assert not [flag for flag in lesion_facts.condition_flags if "Condition/fx" in str(flag)]


def test_a_doctors_initial_after_the_bone_is_no_side():
    """Review 26: "Fracture pathologique du fémur D. Martin", coded left: "D." is an initial, not "droit"."""
    fracture = condition("fx", ICD10, "M84.45", onset="2026-11-20", body_site=[site(FEMUR, LEFT)])
    fracture["code"]["text"] = "Fracture pathologique du fémur D. Martin"
    found = facts_of(lesion(side=LEFT, onset="2026-10-01"), *lesion_observations(), fracture)
    assert found.scored_by("mirels") == []  # the coded side stands: the bone has broken
