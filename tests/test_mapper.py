"""FHIR -> calculator inputs: exact inputs and their provenance for small bundles."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from service.calculators import AtLeast, Between, OneOf, score_rades
from service.facts import MappingOptions, extract_facts
from service.facts.evidence import CONFLICT
from support.fhir_builders import (
    CIM10,
    FEMUR,
    FEMUR_SHAFT,
    HISTOLOGY,
    HUMERUS,
    ICD10,
    ICD10CM,
    ICDO3,
    LEFT,
    LOINC,
    OWN,
    RECENT_DAYS,
    RIGHT,
    SCT,
    VERTEBRA,
    coded,
    condition,
    histology,
    lesion,
    lesion_observations,
    observation,
    patient,
    quantity,
    site,
)

AS_OF = date.today()  # the builders date observations RECENT_DAYS before today: records are read for their moment


def days_ago(days):
    return (AS_OF - timedelta(days=days)).isoformat()


def facts_of(*resources, **options):
    return extract_facts([patient(), *resources], MappingOptions(as_of=AS_OF, **options))


def only_lesion(*resources, **options):
    found = facts_of(*resources, **options)
    assert len(found.scored_by("mirels")) == 1
    return found.scored_by("mirels")[0], found


def only_compression(*resources):
    found = facts_of(*resources)
    assert len(found.scored_by("rades")) == 1
    return found.scored_by("rades")[0], found


# ---------------------------------------------------------------- Mirels: lesions and sites


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


def topography(code):
    """A bodySite as mCODE also allows it: an ICD-O-3 topography."""
    return condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": ICDO3, "code": code}]}])


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


def unsited_metastasis(*body_sites):
    """mCODE's SecondaryCancerCondition with the site in bodySite: SNOMED CT 128462008 says only 'secondary'."""
    return condition("lesion-1", SCT, "128462008", body_site=list(body_sites) or None)


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


def test_a_traumatic_fracture_code_is_not_named_as_pathological():
    found = facts_of(lesion(), condition("fracture", ICD10CM, "S72.302A", onset="2026-10-20"), *lesion_observations())
    assert not found.entry("Condition/fracture").relevant


def test_lesion_without_body_site_has_site_missing_and_says_what_supplies_it():
    lesion_facts, _ = only_lesion(lesion(bone=None))
    fact = lesion_facts.facts["lesion_site"]
    assert fact.missing and "bodySite" in fact.supplied_by and fact.notes == ("the bone metastasis has no bodySite",)


SEVERAL_SITES = "its bodySite names several sites, so it may record several lesions"


@pytest.mark.parametrize("sites,value", [
    ([site(FEMUR_SHAFT, LEFT), site(HUMERUS, RIGHT)], OneOf("lower_limb", "upper_limb")),
    ([site(HUMERUS, RIGHT), site(FEMUR_SHAFT, LEFT)], OneOf("lower_limb", "upper_limb")),
    ([site(HUMERUS, LEFT), site(FEMUR, LEFT)], OneOf("lower_limb", "peritrochanteric", "upper_limb")),
    # One concept whose codings are two bones: no translation of one site, so two sites.
    ([{"coding": [{"system": SCT, "code": FEMUR_SHAFT}, {"system": SCT, "code": HUMERUS}]}],
     OneOf("lower_limb", "upper_limb")),
    # Both femurs: the row is the same whichever lesion it is, so it stays known.
    ([site(FEMUR_SHAFT, LEFT), site(FEMUR_SHAFT, RIGHT)], "lower_limb"),
])
def test_a_condition_naming_several_sites_is_scored_over_every_site_and_flagged(sites, value):
    """A problem-list "bone metastases" with every involved bone in bodySite: Mirels scores one lesion,
    so no site is picked (the last one used to win, silently)."""
    resource = lesion()
    resource["bodySite"] = sites
    lesion_facts, _ = only_lesion(resource, *lesion_observations())
    fact = lesion_facts.facts["lesion_site"]
    assert fact.value == value
    assert "several sites" in fact.notes[0]
    assert SEVERAL_SITES in lesion_facts.condition_flags
    assert None in lesion_facts.body_site  # no one bone and side links observations or orders to it


def test_a_long_bone_beside_a_bone_that_is_not_one_keeps_its_row_and_is_flagged():
    resource = lesion()
    resource["bodySite"] = [site(VERTEBRA), site(FEMUR_SHAFT, LEFT)]
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"
    assert "not a long bone" in lesion_facts.facts["lesion_site"].notes[0]
    assert SEVERAL_SITES in lesion_facts.condition_flags


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


BODY_SITE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/bodySite"


def body_structure(sid="bs-1", location=FEMUR_SHAFT, *qualifiers, extension=None):
    resource = {"resourceType": "BodyStructure", "id": sid, "patient": {"reference": "Patient/p1"},
                "location": {"coding": [{"system": SCT, "code": location}]},
                "locationQualifier": [{"coding": [{"system": SCT, "code": q}]} for q in qualifiers]}
    if extension:
        resource["extension"] = extension
    return resource


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
    assert fact.missing and any("BodyStructure/away, which is not among the resources read" in n for n in fact.notes)


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
    ("clinicalStatus", "its clinicalStatus is not a code of FHIR's: read as not given"),
    ("verificationStatus", "its verificationStatus is not a code of FHIR's: the calculators cannot read it"),
])
def test_a_status_written_in_words_only_is_never_read_and_the_score_says_so(element, flag):
    """"refuted" in words is not read as refuted (nor "active" as active): the lesion is counted, flagged for
    the clinician to look, as a Condition without the status would be."""
    written = lesion()
    written[element] = {"text": "refuted" if element == "verificationStatus" else "active"}
    lesion_facts, _ = only_lesion(written, *lesion_observations())
    assert flag in lesion_facts.condition_flags


CLINICAL_CS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_CS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LOCAL_STATUS = "http://hopital.example/fhir/statuts"


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


def versions(meta_confirmed, meta_refuted):
    confirmed, refuted = lesion(), lesion(verification="refuted")
    confirmed["meta"], refuted["meta"] = meta_confirmed, meta_refuted
    return confirmed, refuted


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


# ---------------------------------------------------------------- Mirels: observation status and values


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "registered"])
def test_observations_that_never_count(status):
    observations = lesion_observations()
    observations[1]["status"] = status
    lesion_facts, found = only_lesion(lesion(), *observations)
    assert lesion_facts.facts["lesion_type"].missing
    assert lesion_facts.facts["lesion_type"].supplied_by.startswith("an Observation coded")
    assert status in found.entry("Observation/o-type").reason


def two_codings(observation_, *codes):
    """The Observation's value with several codings (a concept's codings translate one meaning)."""
    observation_["valueCodeableConcept"] = {"coding": [{"system": system, "code": code} for system, code in codes]}
    return observation_


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


def ratio(numerator, denominator, unit="mm"):
    def term(value):
        return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    return {"numerator": term(numerator), "denominator": term(denominator)}


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
    ({"value": 70, "unit": "%"}, "its unit as text only ('%'), with no UCUM code"),  # as HL7 v2 converters write it
    ({"value": 70, "unit": "%", "system": "http://unitsofmeasure.org"}, "is not UCUM %, 1"),
    ({"value": 70, "code": "percent", "system": "http://unitsofmeasure.org"}, "is not UCUM %, 1"),
    ({"value": 70, "code": "%"}, "has the unit code '%' without its system (http://unitsofmeasure.org)"),
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


@pytest.mark.parametrize("value,unit,reason", [(12, "mm", "not UCUM %, 1"), (150, "%", "over 100 %"),
                                               (50, None, "not UCUM")])
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


_MONTH = AS_OF - timedelta(days=20)  # a month whose every day is within the 90-day window of a lesion's type


@pytest.mark.parametrize("first,second", [
    (None, days_ago(10)),  # an undated one may be the newest of all
    (_MONTH.strftime("%Y-%m"), _MONTH.replace(day=1).isoformat()),  # the month may be after its 1st
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


# ---------------------------------------------------------------- Mirels: linking


def test_linked_through_a_panel_has_member():
    panel = observation("panel", "cortical-osteolysis", focus="Condition/lesion-1")
    panel["code"] = {"coding": [{"system": LOINC, "code": "18748-4"}]}
    panel["hasMember"] = [{"reference": "Observation/o-type"}]
    member = observation("o-type", "lesion-type", **coded("mixed"))
    lesion_facts, found = only_lesion(lesion(), panel, member)
    assert lesion_facts.facts["lesion_type"].value == "mixed"
    assert "hasMember of Observation/panel" in lesion_facts.facts["lesion_type"].rule
    assert found.entry("Observation/panel").outcome == "used"


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
    assert "another lesion Condition names the same bone and side (Condition/visit)" in flags["Condition/problem"][0]
    assert "(Condition/problem): they may record one lesion" in flags["Condition/visit"][0]
    assert flags["Condition/humerus"] == ()


PROBLEMS = "https://chu.example.fr/fhir/sid/problems"


def by_identifier(value, kind="Condition"):
    """A logical reference, as record converters write them: an identifier, no literal reference."""
    return [{"identifier": {"system": PROBLEMS, "value": value}, "type": kind}]


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
    assert f"its focus (identifier {PROBLEMS}|{focus[0]['identifier']['value']})" in entry.reason


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


# ---------------------------------------------------------------- Mirels: pain score and osteolysis


def pain_score(value):
    return observation("score", "72514-3", system=LOINC, focus="Condition/lesion-1", valueInteger=value)


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


# ---------------------------------------------------------------- Rades


def compression(onset="2026-11-01", system=ICD10, code="G95.2", **kwargs):
    return condition("mscc", system, code, onset=onset, **kwargs)


def rades_observations(motor="ambulatory-with-aid", visceral="2667000", duration=(10, "d")):
    return [
        observation("motor", "motor-function", **coded(motor)),
        observation("visceral", "visceral-metastases", **coded(visceral, SCT)),
        observation("deficit", "days-developing-motor-deficits", **quantity(*duration)),
    ]


def test_complete_rades_in_snomed():
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    mscc, _found = only_compression(primary, compression(), *rades_observations())
    inputs = mscc.inputs()
    assert inputs.primary_tumour == "breast"
    assert inputs.months_to_cord_compression == Fraction(33) + Fraction(22, 31)
    assert (inputs.visceral_metastases, inputs.motor_function, inputs.days_developing_motor_deficits) == (
        "no", "ambulatory_with_aid", 10 + RECENT_DAYS)  # 10 days when recorded, RECENT_DAYS ago
    assert mscc.facts["primary_tumour"].sources == ("Condition/breast",)
    assert mscc.facts["months_to_cord_compression"].sources == ("Condition/breast", "Condition/mscc")
    assert mscc.facts["visceral_metastases"].sources == ("Observation/visceral",)
    assert mscc.facts["days_developing_motor_deficits"].sources == ("Observation/deficit",)


def test_icd10_only_record():
    resources = [
        condition("prostate", ICD10, "C61", onset="2026-01-15"),
        compression(onset="2026-10-20"),
        condition("liver", ICD10, "C78.7", recorded="2026-10-01"),
        condition("para", ICD10, "G82.2", onset=days_ago(6)),
    ]
    mscc, _found = only_compression(*resources)
    inputs = mscc.inputs()
    assert inputs.primary_tumour == "prostate"
    assert inputs.visceral_metastases == "yes" and mscc.facts["visceral_metastases"].sources == ("Condition/liver",)
    assert inputs.motor_function == "paraplegic" and mscc.facts["motor_function"].sources == ("Condition/para",)
    # The paraplegia began 6 days ago: the deficit began on or before it, so at least 6 days to the assessment.
    assert inputs.days_developing_motor_deficits == AtLeast(6)
    assert "start of the deficit not recorded" in mscc.facts["days_developing_motor_deficits"].flags
    assert inputs.months_to_cord_compression == 9 + Fraction(5, 31)


@pytest.mark.parametrize("system,code", [(ICD10, "G82.0"), (ICD10, "G82.1"), (ICD10, "G82.2"), (ICD10CM, "G82.22"),
                                         (CIM10, "G82.1")])
def test_flaccid_spastic_or_unspecified_paraplegia_is_paraplegic(system, code):
    """WHO ICD-10 and CIM-10 classify paraplegia as flaccid (G82.0), spastic (G82.1) or unspecified (G82.2)."""
    mscc, _ = only_compression(condition("para", system, code, onset="2026-10-30"), compression())
    assert mscc.inputs().motor_function == "paraplegic" and mscc.facts["motor_function"].sources == ("Condition/para",)


@pytest.mark.parametrize("system,code,display", [(ICD10, "G82.4", None), (ICD10CM, "G82.54", None),
                                                 (SCT, "00000000", "Tétraplégie")])
def test_a_tetraplegia_is_named_for_the_clinician_never_read_as_a_motor_function_row(system, code, display):
    para = condition("para", system, code, onset="2026-10-30")
    if display:
        para["code"]["coding"][0]["display"] = display
    mscc, found = only_compression(para, compression())
    entry = found.entry("Condition/para")
    assert mscc.facts["motor_function"].missing
    assert entry.outcome == "ignored" and entry.relevant and entry.attention
    assert ("tetraplegia" in entry.reason) if not display else ("Tétraplégie" in entry.reason)


@pytest.mark.parametrize("system,code,row", [
    (ICD10, "C50.9", "breast"), (ICD10CM, "C50.911", "breast"), (SCT, "399068003", "prostate"),
    (ICD10CM, "C90.00", "myeloma_lymphoma"), (ICD10, "C83.3", "myeloma_lymphoma"),
    (SCT, "109989006", "myeloma_lymphoma"),
    (SCT, "254637007", "nsclc"), (SCT, "254632001", "sclc"), (ICD10, "C80.1", "unknown_primary"),
    (ICD10CM, "C80.0", "unknown_primary"), (ICD10CM, "C80.1", "unknown_primary"), (ICD10CM, "C4A.9", "other"),
    (ICD10, "C64", "kidney"), (SCT, "363518003", "kidney"), (ICD10, "C18.7", "colorectal"),
    (ICD10, "C20", "colorectal"),
    (SCT, "363406005", "colorectal"), (ICD10, "C43.9", "other"), (ICD10, "C25.0", "other"),
])
def test_primary_tumour_rows_by_code(system, code, row):
    mscc, found = only_compression(condition("primary", system, code, onset="2025-01-01"), compression())
    assert mscc.facts["primary_tumour"].value == row
    assert found.entry("Condition/primary").outcome == "used"


@pytest.mark.parametrize("code,row", [
    ("353431000119107", "breast"),  # primary malignant neoplasm of female left breast (mCODE's example)
    ("93974005", "prostate"), ("93761005", "colorectal"), ("93984006", "colorectal"),
])
def test_snomed_ct_primary_malignant_neoplasm_of_a_site_gives_its_row(code, row):
    mscc, found = only_compression(condition("primary", SCT, code, onset="2025-01-01"), compression())
    assert mscc.facts["primary_tumour"].value == row
    assert found.entry("Condition/primary").outcome == "used"


def test_an_mcode_breast_primary_coded_for_the_left_female_breast_gives_the_breast_row_and_its_points():
    """mCODE 4.0.0's own example PrimaryCancerCondition (SNOMED CT 353431000119107, with its histology and the
    mCODE profile declared) and a cord compression: the primary is breast, 8 points, no longer undetermined."""
    primary = condition("jenny-m", SCT, "353431000119107", clinical="remission", onset="2018-03-16",
                        extension=[{"url": HISTOLOGY,
                                    "valueCodeableConcept": {"coding": [{"system": SCT, "code": "413448000"}]}}])
    primary["meta"] = {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]}
    primary["code"]["coding"][0]["display"] = "Primary malignant neoplasm of female left breast (disorder)"
    mscc, found = only_compression(primary, compression(), *rades_observations())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == "breast" and fact.sources == ("Condition/jenny-m",)
    assert found.entry("Condition/jenny-m").outcome == "used"
    item = score_rades(mscc.inputs()).item("primary_tumour")
    assert (item.status, item.row, item.points) == ("known", "breast", 8)


def test_icd10cm_malignancy_of_a_transplanted_organ_is_no_unknown_primary():
    # CMS: T86.- first, then C80.2, then the cancer's own code: the last one gives the row.
    transplant = condition("transplant", ICD10CM, "C80.2", onset="2025-01-01")
    mscc, found = only_compression(transplant, compression())
    assert mscc.facts["primary_tumour"].missing
    entry = found.entry("Condition/transplant")
    assert entry.outcome == "ignored" and entry.attention and "transplanted organ (C80.2)" in entry.reason
    mscc, _ = only_compression(transplant, condition("kidney", ICD10CM, "C64.1", onset="2025-01-01"), compression())
    assert mscc.facts["primary_tumour"].value == "kidney"


@pytest.mark.parametrize("system,code,words", [
    (ICD10, "C97", "independent multiple sites (C97)"), (CIM10, "C97", "independent multiple sites (C97)"),
    (ICD10CM, "C7A.090", "none of the Rades primary-tumour ValueSets places"),
    (ICD10, "C92.0", "only myeloma and lymphoma of the blood cancers are mapped"),
    (ICD10CM, "C90.30", "only myeloma and lymphoma of the blood cancers are mapped"),
])
def test_a_cancer_no_rades_row_places_is_named_with_why(system, code, words):
    mscc, found = only_compression(condition("cancer", system, code, onset="2025-01-01"), compression())
    assert mscc.facts["primary_tumour"].missing
    entry = found.entry("Condition/cancer")
    assert entry.outcome == "ignored" and entry.attention and words in entry.reason


def test_lung_cancer_without_histology_is_nsclc_or_sclc():
    mscc, _ = only_compression(condition("lung", ICD10, "C34.1", onset="2025-01-01"), compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == OneOf("nsclc", "sclc") and "without histology" in fact.notes[0]


@pytest.mark.parametrize("morphology,row", [("8041/3", "sclc"), ("8045", "sclc"), ("8140/3", "nsclc"),
                                            ("8046/3", "nsclc")])
def test_lung_cancer_histology_decides(morphology, row):
    lung = condition("lung", ICD10, "C34.9", onset="2025-01-01", extension=histology(morphology))
    mscc, _ = only_compression(lung, compression())
    assert mscc.facts["primary_tumour"].value == row


def test_unrecognised_lung_histology_leaves_nsclc_or_sclc_and_keeps_the_interval():
    lung = condition("lung", SCT, "363358000", onset="2025-01-01", extension=histology("8240/3"))
    mscc, found = only_compression(lung, compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == OneOf("nsclc", "sclc") and "in neither morphology ValueSet" in fact.notes[0]
    assert not mscc.facts["months_to_cord_compression"].missing
    assert found.entry("Condition/lung").outcome == "used"


def test_several_primaries_of_different_rows_stay_uncertain():
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2020-01-01"),
                               condition("prostate", ICD10, "C61", onset="2026-01-01"), compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == OneOf("breast", "prostate") and "conflict" in fact.flags
    months = mscc.facts["months_to_cord_compression"].value
    assert isinstance(months, Between) and months.low < 15 < months.high


def test_exactly_15_calendar_months():
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2025-08-01"), compression())
    assert mscc.facts["months_to_cord_compression"].value == 15


def test_partial_dates_give_a_range_of_months():
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2025"), compression(onset="2026-03"))
    value = mscc.facts["months_to_cord_compression"].value
    assert isinstance(value, Between)
    # from 2025-12-31 to 2026-03-01 (Feb 28 + 1 day of March), and from 2025-01-01 to 2026-03-31
    assert (value.low, value.high) == (2 + Fraction(1, 31), 14 + Fraction(30, 31))


def test_partial_dates_across_15_months():
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2025-01"), compression(onset="2026-04"))
    value = mscc.facts["months_to_cord_compression"].value
    assert value.low < 15 < value.high


ASSERTED = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


def test_diagnosis_date_falls_back_to_asserted_date():
    asserted = [{"url": ASSERTED, "valueDateTime": "2025-08-01"}]
    mscc, _ = only_compression(condition("breast", SCT, "254837009", recorded="2026-10-01", extension=asserted),
                               compression())
    fact = mscc.facts["months_to_cord_compression"]
    assert fact.value == 15 and "assertedDate 2025-08-01" in fact.rule


def test_a_recorded_date_alone_only_bounds_the_diagnosis():
    # A cancer diagnosed in 2019, written into a new EHR in October 2026 (onset as words only): the day it
    # was recorded is no diagnosis date. The interval is >= 1 month, so both rows stay possible.
    old = condition("prostate", ICD10CM, "C61", recorded="2026-10-01")
    old["onsetString"] = "June 2019"
    mscc, _ = only_compression(old, compression())
    fact = mscc.facts["months_to_cord_compression"]
    assert fact.value == AtLeast(1) and "recordedDate 2026-10-01" in fact.rule
    assert "diagnosed on or before that day" in fact.notes[0]
    assert "onsetString 'June 2019' is not read as a date" in fact.notes[1]
    assert not fact.missing and fact.sources == ("Condition/prostate", "Condition/mscc")
    # Recorded more than 15 months before the compression: > 15 months whatever the diagnosis date.
    mscc, _ = only_compression(condition("prostate", ICD10CM, "C61", recorded="2025-01-15"), compression())
    assert mscc.facts["months_to_cord_compression"].value == AtLeast(21 + Fraction(17, 31))
    # Recorded after the compression began: any interval from 0 months.
    mscc, _ = only_compression(condition("prostate", ICD10CM, "C61", recorded="2026-11-03"), compression())
    assert mscc.facts["months_to_cord_compression"].value == AtLeast(0)


def test_missing_compression_onset():
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2025-08-01"), compression(onset=None))
    fact = mscc.facts["months_to_cord_compression"]
    assert fact.missing and "no onset" in fact.notes[0] and "onset" in fact.supplied_by


@pytest.mark.parametrize("system,code,value", [
    (SCT, "52101004", "yes"), (SCT, "2667000", "no"), (SCT, "373066001", "yes"), (SCT, "373067005", "no"),
    (LOINC, "LA33-6", "yes"), (LOINC, "LA32-8", "no"),
    ("http://terminology.hl7.org/CodeSystem/v2-0136", "Y", "yes"),
    ("http://terminology.hl7.org/CodeSystem/v2-0136", "N", "no"),
    (LOINC, "Y", None),  # a code of v2's table under LOINC: no such answer
])
def test_visceral_metastases_answered_present_absent_or_yes_no_as_forms_code_them(system, code, value):
    motor, _, deficit = rades_observations()
    visceral = observation("visceral", "visceral-metastases", **coded(code, system))
    mscc, found = only_compression(motor, visceral, deficit, compression())
    fact = mscc.facts["visceral_metastases"]
    if value is None:
        assert fact.missing and "yes/no" in found.entry("Observation/visceral").reason
    else:
        assert fact.value == value and fact.sources == ("Observation/visceral",)


def test_inactive_visceral_metastasis_does_not_count():
    mscc, found = only_compression(condition("liver", SCT, "94381002", clinical="resolved"), compression())
    fact = mscc.facts["visceral_metastases"]
    assert fact.missing and "absence of a Condition is not taken as absence" in fact.notes[0]
    assert "does not count as present" in found.entry("Condition/liver").reason


def test_brain_metastasis_leaves_visceral_status_open():
    mscc, _ = only_compression(condition("brain", ICD10, "C79.3"), compression())
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == OneOf("yes", "no") and fact.sources == ("Condition/brain",)


def test_a_brain_metastasis_in_snomed_ct_is_read_as_its_icd10_code_is():
    """mCODE's SecondaryCancerCondition example codes a brain metastasis SNOMED CT 94225005: the item is open,
    as for C79.3, and the Condition is used, no longer named as a concept no ValueSet holds."""
    mscc, found = only_compression(condition("brain", SCT, "94225005"), compression())
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == OneOf("yes", "no") and fact.sources == ("Condition/brain",)
    assert found.entry("Condition/brain").outcome == "used"


def test_an_active_visceral_condition_and_an_absent_observation_leave_both_possible():
    liver = condition("liver", SCT, "94381002", recorded="2026-01-01")
    absent = observation("visceral", "visceral-metastases", effective="2026-11-01", **coded("2667000", SCT))
    mscc, _ = only_compression(liver, absent, compression())
    fact = mscc.facts["visceral_metastases"]
    assert set(fact.value.values) == {"yes", "no"} and "conflict" in fact.flags
    assert set(fact.sources) == {"Observation/visceral", "Condition/liver"}
    assert "disagree" in fact.notes[-1]


@pytest.mark.parametrize("duration,days", [((2, "wk"), 14), ((1, "mo"), Fraction(487, 16)), ((5, "d"), 5)])
def test_duration_units(duration, days):
    """The duration recorded RECENT_DAYS ago, plus those days: by the assessment the deficit is that much older."""
    mscc, _ = only_compression(compression(), *rades_observations(duration=duration))
    assert mscc.facts["days_developing_motor_deficits"].value == days + RECENT_DAYS


def test_duration_in_hours_is_read_and_other_units_are_refused():
    mscc, _ = only_compression(compression(), *rades_observations(duration=(36, "h")))
    assert mscc.facts["days_developing_motor_deficits"].value == Fraction(3, 2) + RECENT_DAYS
    mscc, found = only_compression(compression(), *rades_observations(duration=(3, "days")))
    assert mscc.facts["days_developing_motor_deficits"].missing
    assert "is not UCUM h, d, wk, mo" in found.entry("Observation/deficit").reason


def test_paraplegia_onset_only_bounds_the_deficit_from_below():
    # Onset "YYYY-MM" of a past month is any day of it: at least the days from its last day, maybe far more.
    month = (AS_OF.replace(day=1) - timedelta(days=1))
    mscc, _ = only_compression(condition("para", SCT, "60389000", onset=month.strftime("%Y-%m")), compression())
    fact = mscc.facts["days_developing_motor_deficits"]
    assert fact.value == AtLeast((AS_OF - month).days) and "began is not recorded" in fact.notes[0]


def test_inactive_compression_gets_no_rades_and_primaries_are_reported():
    found = facts_of(condition("breast", SCT, "254837009"), compression(clinical="resolved"))
    assert found.scored_by("rades") == []
    assert "not active" in found.entry("Condition/mscc").reason


def test_no_compression_means_no_rades():
    found = facts_of(condition("breast", SCT, "254837009"))
    assert found.scored_by("rades") == []
    assert "no active spinal cord compression" in found.entry("Condition/breast").reason


def test_observation_focused_on_another_compression_is_not_used():
    obs = observation("motor", "motor-function", focus="Condition/other-mscc", **coded("paraplegic"))
    mscc, _ = only_compression(compression(), obs)
    assert mscc.facts["motor_function"].missing


def test_resources_to_ignore_are_reported_with_reasons():
    resources = [
        {"resourceType": "MedicationRequest", "id": "med"},
        condition("htn", SCT, "38341003"),
        observation("bp", "85354-9", system=LOINC, valueQuantity={"value": 120}),
    ]
    found = facts_of(*resources)
    assert found.entry("MedicationRequest/med").reason == "MedicationRequest is not read by the calculators"
    assert "none of the ValueSets" in found.entry("Condition/htn").reason
    assert found.entry("Observation/bp").outcome == "ignored"
    assert found.entry("Patient/p1").outcome == "used"


@pytest.mark.parametrize("onset,said", [
    ({"onsetAge": {"value": 60, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}},
     "onsetAge '60 years' is not read as one"),
    ({"onsetString": "early 2024"}, "onsetString 'early 2024' is not read as one"),
    ({"onsetRange": {"low": {"value": 58, "unit": "a"}, "high": {"value": 60, "unit": "a"}}},
     "onsetRange '58 a–60 a' is not read as one"),
])
def test_an_onset_that_is_not_a_date_is_named_never_turned_into_one(onset, said):
    primary = condition("breast", SCT, "254837009")
    primary.update(onset)
    mscc, _ = only_compression(primary, compression())
    fact = mscc.facts["months_to_cord_compression"]
    assert fact.missing and said in fact.notes[0]
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-02-01"),
                               {**{k: v for k, v in compression().items() if k != "onsetDateTime"}, **onset})
    assert said in mscc.facts["months_to_cord_compression"].notes[0]


def test_a_paraplegia_of_this_month_gives_at_least_zero_days_never_a_negative_count():
    # Onset "YYYY-MM" of this month may be any day of it: the deficit may have begun today.
    mscc, _ = only_compression(condition("para", SCT, "60389000", onset=AS_OF.strftime("%Y-%m")), compression())
    assert mscc.facts["days_developing_motor_deficits"].value == AtLeast(0)


@pytest.mark.parametrize("system", [ICD10, ICD10CM, CIM10, "urn:oid:2.16.840.1.113883.6.3"])
def test_a_cancer_the_table_does_not_classify_is_named_in_every_icd_system(system):
    found = facts_of(condition("leukaemia", system, "C91.0"), compression())
    entry = found.entry("Condition/leukaemia")
    assert entry.outcome == "ignored" and entry.relevant and entry.attention
    assert "does not classify" in entry.reason


@pytest.mark.parametrize("system,code,display,said", [
    # A secondary cancer at a site no ValueSet places is a metastasis, not an unclassified primary.
    (ICD10CM, "C79.52", None, "a metastasis (C79.52) at a site none of the ValueSets places"),
    (ICD10, "C77.0", None, "a metastasis (C77.0) at a site none of the ValueSets places"),
    (ICDO3, "8000/6", None, "coded in ICD-O-3 only (8000/6)"),
    (ICDO3, "C50.9", None, "coded in ICD-O-3 only (C50.9)"),
    # Codes of no ValueSet (another SNOMED CT concept, a local code): their words say what they are.
    (SCT, "94493005", "Secondary malignant neoplasm of pleura", "its words ('Secondary malignant neoplasm of pleura')"),
    ("https://chu.example.fr/fhir/CodeSystem/diagnostics", "MET-OS", "Métastase osseuse fémorale",
     "its words ('Métastase osseuse fémorale') name a cancer"),
    ("https://chu.example.fr/fhir/CodeSystem/diagnostics", "CM-01", "Compression médullaire métastatique",
     "its words ('Compression médullaire métastatique')"),
    # A code the ValueSets hold, with no words, under a system URI they do not name: its code says enough.
    ("http://hl7.org/fhir/sid/icd-10-fr", "C79.5", None,
     "its code 'C79.5' is one the calculators read, but in a code system they do not read"),
    ("urn:oid:1.2.250.1.999", "94222008", None, "('urn:oid:1.2.250.1.999'; they read SNOMED CT"),
])
def test_a_cancer_coded_outside_the_value_sets_is_named_with_what_it_is(system, code, display, said):
    resource = condition("other", system, code)
    if display:
        resource["code"]["coding"][0]["display"] = display
    found = facts_of(resource, lesion(), *lesion_observations())
    entry = found.entry("Condition/other")
    assert entry.outcome == "ignored" and entry.relevant and entry.attention and said in entry.reason, entry.reason


@pytest.mark.parametrize("system,code", [("https://chu.example.fr/fhir/CodeSystem/diagnostics", "Y"),
                                         ("https://chu.example.fr/fhir/CodeSystem/diagnostics", "moderate"),
                                         ("https://chu.example.fr/fhir/CodeSystem/diagnostics", "I10")])
def test_a_local_code_that_is_no_diagnosis_of_the_value_sets_stays_among_the_irrelevant(system, code):
    """Only a diagnosis code of the ValueSets under an unknown system is named: an answer's code (Y, moderate)
    is not taken for one."""
    entry = facts_of(condition("other", system, code)).entry("Condition/other")
    assert not entry.relevant and not entry.attention


@pytest.mark.parametrize("display", ["Hypertensive disorder", "Benign neoplasm of bone", "Fracture of femur"])
def test_a_diagnosis_whose_words_name_no_cancer_stays_among_the_irrelevant(display):
    resource = condition("other", SCT, "38341003")
    resource["code"]["coding"][0]["display"] = display
    entry = facts_of(resource).entry("Condition/other")
    assert not entry.relevant and not entry.attention


@pytest.mark.parametrize("code,said", [
    ({"text": "Métastase osseuse fémur gauche"}, "only written ('Métastase osseuse fémur gauche')"),
    ({"coding": [{"display": "bone metastasis"}], "text": "bone mets, L femur"}, "only written ('bone mets, L femur')"),
    (None, "has no diagnosis code"),
    ({"coding": [{"code": "94222008"}]}, "its code '94222008' names no code system"),
])
def test_a_condition_whose_diagnosis_is_not_coded_is_named_never_lumped_or_read(code, said):
    """A problem-list entry written as text may be the metastasis itself: the calculators cannot read it,
    and it is named with its text for the clinician, not counted among the irrelevant resources."""
    written = lesion("written")
    if code is None:
        del written["code"]
    else:
        written["code"] = code
    found = facts_of(written, *lesion_observations(focus="Condition/written"))
    entry = found.entry("Condition/written")
    assert entry.outcome == "ignored" and entry.relevant and entry.attention and said in entry.reason
    assert not found.scored_by("mirels")


@pytest.mark.parametrize("abatement", [{"abatementDateTime": "2026-10-01"}, {"abatementString": "after fixation"}])
def test_an_active_condition_that_records_an_abatement_is_counted_and_flagged(abatement):
    """FHIR (con-4) allows an abatement only with an inactive status: the record contradicts itself. It is
    counted, as its status says, and the contradiction is flagged, never settled by guess."""
    lesion_facts, _ = only_lesion({**lesion(), **abatement}, *lesion_observations())
    (flag,) = [f for f in lesion_facts.condition_flags if "abatement" in f]
    assert flag.startswith("an abatement is recorded (abatement") and "its clinicalStatus says it is active" in flag


@pytest.mark.parametrize("abatement", [{"abatementDateTime": "2026-10-01"}, {"abatementString": "after fixation"},
                                       {"abatementBoolean": True}])
def test_an_abated_condition_without_clinical_status_is_not_active(abatement):
    """FHIR (con-4): an abated Condition is inactive, resolved or in remission. With no clinicalStatus to say
    otherwise, an abated lesion is not scored as active, and is named with its abatement."""
    unstated = {k: v for k, v in lesion().items() if k != "clinicalStatus"}
    found = facts_of({**unstated, **abatement}, *lesion_observations())
    assert found.scored_by("mirels") == []
    assert "abated (abatement" in found.entry("Condition/lesion-1").reason


def test_an_abatement_dated_after_the_assessment_has_not_happened_yet():
    unstated = {k: v for k, v in lesion().items() if k != "clinicalStatus"}
    lesion_facts, _ = only_lesion({**unstated, "abatementDateTime": days_ago(-10)}, *lesion_observations())
    assert "no clinicalStatus" in lesion_facts.condition_flags


def test_a_bone_metastasis_recorded_as_an_observation_is_named_not_dropped():
    finding = observation("mri-bone-mets", "94222008", system=SCT, **coded("52101004", SCT))
    found = facts_of(finding)
    entry = found.entry("Observation/mri-bone-mets")
    assert entry.relevant and entry.attention and "record it as a Condition" in entry.reason


@pytest.mark.parametrize("extension", [3.5, "text", {"url": "x"}, [None, 1]])
def test_a_malformed_body_site_extension_is_read_as_none_never_a_crash(extension):
    # Found by the fuzz suite: the CDS Hooks shape check does not descend into bodySite[].extension.
    resource = lesion()
    resource["bodySite"][0]["extension"] = extension
    lesion_facts, _ = only_lesion(resource)
    assert lesion_facts.facts["lesion_site"].value == "lower_limb"  # the shaft code still reads


@pytest.mark.parametrize("fracture", [
    condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20"),  # the code says: left femur
    condition("fracture", ICD10, "M84.45", onset="2026-10-20", body_site=[site(FEMUR, LEFT)]),
    condition("fracture", CIM10, "M907*", onset="2026-10-20", body_site=[site(FEMUR_SHAFT, LEFT)]),
])
def test_a_pathological_fracture_of_the_same_bone_and_side_means_no_mirels_score(fracture):
    """Mirels scores a fracture to come: once the same bone has broken on the same side, the lesion gets no
    score (no "fixation first"), and the clinician is told why (brief, section 5)."""
    found = facts_of(lesion(), fracture, *lesion_observations())
    assert found.scored_by("mirels") == []
    entry = found.entry("Condition/lesion-1")
    assert entry.attention and entry.reason.startswith("the bone has broken") and "no prophylactic fixation" in \
        entry.reason
    assert found.entry("Condition/fracture").outcome == "used"
    size = found.entry("Observation/o-size")  # the broken lesion's measurements change no score: no warning
    assert "bone has broken" in size.reason and not size.attention
    (broken,) = found.broken
    assert (broken.lesion, broken.fracture, broken.when) == ("Condition/lesion-1", "Condition/fracture", "2026-10-20")
    assert broken.where("en").startswith("left femur") and broken.where("fr").startswith("fémur gauche")


def test_a_fracture_of_the_other_side_leaves_the_score_and_one_of_unstated_side_is_flagged():
    right = condition("fracture", ICD10CM, "M84.551A", onset="2026-10-20")  # right femur
    lesion_facts, _ = only_lesion(lesion(), right, *lesion_observations())
    assert not any("pathological fracture" in flag for flag in lesion_facts.condition_flags)
    unstated = condition("fracture", ICD10CM, "M84.553A", onset="2026-10-20")  # femur, side unspecified
    lesion_facts, _found = only_lesion(lesion(), unstated, *lesion_observations())
    assert any("side of one of them is not stated" in flag for flag in lesion_facts.condition_flags)


def test_a_refuted_or_future_fracture_does_not_count():
    refuted = condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20", verification="refuted")
    assert len(facts_of(lesion(), refuted, *lesion_observations()).scored_by("mirels")) == 1
    future = condition("fracture", ICD10CM, "M84.552A", onset=days_ago(-3))
    assert len(facts_of(lesion(), future, *lesion_observations()).scored_by("mirels")) == 1


def test_a_metastasis_named_at_an_unplaced_site_is_what_the_visceral_item_says_not_nothing():
    """An mCODE metastasis coded without its site, in the liver: named (its site is in no ValueSet), and the
    Rades visceral item says so instead of "no resource says whether there are visceral metastases"."""
    liver = condition("liver", SCT, "128462008", body_site=[{"coding": [{"system": SCT, "code": "10200004",
                                                                           "display": "Liver structure"}]}])
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(), liver)
    fact = mscc.facts["visceral_metastases"]
    assert fact.missing and "Condition/liver: a metastasis at a site the calculators do not class" in fact.notes[0]
    assert found.entry("Condition/liver").attention


@pytest.mark.parametrize("system,code", [(ICD10, "G99.2"), (CIM10, "G992"), (ICD10CM, "G99.2")])
def test_a_myelopathy_in_diseases_classified_elsewhere_is_named_with_attention(system, code):
    found = facts_of(condition("breast", SCT, "254837009", onset="2024-01-10"), condition("myelo", system, code))
    entry = found.entry("Condition/myelo")
    assert entry.relevant and entry.attention and "myelopathy in diseases classified elsewhere" in entry.reason


def test_a_record_past_its_window_beside_a_current_one_is_history_not_a_warning():
    """The pain of last year beside this week's: this week's counts, last year's is named in the mapping report
    only (no warning card nobody can act on); alone, last year's is why the item is missing, and a warning."""
    old_pain = observation("pain-old", "mirels-pain", focus="Condition/lesion-1", effective=days_ago(400),
                           **coded("mild"))
    lesion_facts, found = only_lesion(lesion(), old_pain, *lesion_observations())
    assert lesion_facts.facts["pain"].value == "moderate" and not lesion_facts.facts["pain"].notes
    entry = found.entry("Observation/pain-old")
    assert entry.outcome == "ignored" and "older than the 30-day window" in entry.reason and not entry.attention
    without = [o for o in lesion_observations() if o["id"] != "o-pain"]
    lesion_facts, found = only_lesion(lesion(), old_pain, *without)
    assert lesion_facts.facts["pain"].missing and "older than the 30-day window" in lesion_facts.facts["pain"].notes[0]
    assert found.entry("Observation/pain-old").attention


def test_a_deficit_duration_dated_by_its_month_only_still_scores():
    """A month-precision date may end after the assessment date: the record is not later than it, and the
    score is never lost (it was: a negative day count made the calculator refuse it, with no word)."""
    this_month = AS_OF.strftime("%Y-%m")
    deficit = observation("deficit", "days-developing-motor-deficits", effective=this_month, **quantity(3, "d"))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(),
                               *[o for o in rades_observations() if o["id"] != "deficit"], deficit)
    value = mscc.facts["days_developing_motor_deficits"].value
    assert value == Between(3, 3 + (AS_OF - AS_OF.replace(day=1)).days) or value == 3


def test_a_motor_status_before_the_deficit_began_is_refused_even_when_the_compression_began_earlier():
    """Compression dated 30 days ago, a status 'walks without aid' 10 days ago, a deficit of 3 days recorded
    yesterday (so it began 4 days ago): the status predates the deficit and cannot describe the motor function."""
    walks = observation("motor", "motor-function", effective=days_ago(10), **coded("ambulatory-without-aid"))
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(3, "d"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(30)), walks, deficit)
    assert mscc.facts["motor_function"].missing
    assert "before the motor deficit began" in found.entry("Observation/motor").reason


def test_a_healed_or_earlier_fracture_does_not_take_a_current_lesions_score_away():
    healed = condition("fracture", ICD10CM, "M84.552A", onset="2019-03-01", clinical="resolved")
    lesion_facts, _ = only_lesion(lesion(), healed, *lesion_observations())
    assert lesion_facts.facts["pain"].value  # scored, as before the fracture rule
    earlier = condition("fracture", ICD10CM, "M84.552A", onset="2019-03-01")
    lesion_facts, _ = only_lesion({**lesion(), "onsetDateTime": days_ago(40)}, earlier, *lesion_observations())
    assert any("recorded before this lesion began" in flag for flag in lesion_facts.condition_flags)


@pytest.mark.parametrize("abatement", [{"abatementPeriod": {"start": days_ago(-30)}},
                                       {"abatementAge": {"value": 70, "unit": "a"}},
                                       {"abatementDateTime": AS_OF.strftime("%Y")}])
def test_an_abatement_whose_day_may_be_after_the_assessment_is_flagged_never_read_as_abated(abatement):
    unstated = {k: v for k, v in lesion().items() if k != "clinicalStatus"}
    found = facts_of({**unstated, **abatement}, *lesion_observations())
    (lesion_facts,) = found.scored_by("mirels")  # scored: not read as abated
    flagged = any("abatement is recorded" in flag and "check it" in flag for flag in lesion_facts.condition_flags)
    # A period that surely starts after the assessment is simply not abated yet; an age or a year may be either.
    assert flagged is ("abatementPeriod" not in abatement)


def test_a_record_dated_by_its_year_only_may_be_old_and_an_undated_one_is_flagged():
    year = observation("motor", "motor-function", effective=AS_OF.strftime("%Y"), **coded("ambulatory-without-aid"))
    mscc, _ = only_compression(compression(), year)
    # Its first day may be more than 14 days ago: not counted, unless the year began within the window.
    assert mscc.facts["motor_function"].missing or (AS_OF - AS_OF.replace(month=1, day=1)).days <= 14
    undated = observation("motor", "motor-function", effective=None, **coded("ambulatory-without-aid"))
    mscc, _ = only_compression(compression(), undated)
    assert "its date is not recorded" in mscc.facts["motor_function"].flags
