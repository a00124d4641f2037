from service.facts.terminology import ICD10, ICD10_CM, ICD_O_3, SNOMED, load_terminology


def test_icd10_is_a_matches_descendants_with_or_without_dots():
    terms = load_terminology()
    assert "primary-breast" in terms.memberships(ICD10_CM, "C50.911")
    assert "primary-breast" in terms.memberships(ICD10, "C509")
    assert terms.memberships(ICD10, "C5") == frozenset()
    assert "bone-metastasis" in terms.memberships(ICD10, "C79.5")
    assert "visceral-metastasis" not in terms.memberships(ICD10, "C79.5")


def test_icd10_cm_c79_5_is_read_as_who_icd10_reads_it_and_its_bone_marrow_code_is_not():
    """The category C79.5 (bone and bone marrow), which problem lists use, counts as the WHO and French code
    does; C79.52 (bone marrow alone) is not a bone lesion (named as a metastasis no ValueSet places)."""
    terms = load_terminology()
    assert terms.memberships(ICD10_CM, "C79.5") == terms.memberships(ICD10, "C79.5") == {"bone-metastasis"}
    assert terms.memberships(ICD10_CM, "C79.52") == frozenset()


def test_icd10_cm_secondary_carcinoid_tumours_are_placed_as_the_other_secondary_cancers():
    """ICD-10-CM's C7B.0x: bone is a lesion, liver and peritoneum visceral (as C78), other or unspecified
    sites undetermined (as C79.8, C79.9), distant lymph nodes none (as C77)."""
    terms = load_terminology()
    assert terms.memberships(ICD10_CM, "C7B.03") == {"bone-metastasis"}
    assert terms.memberships(ICD10_CM, "C7B02") == terms.memberships(ICD10_CM, "C7B.04") == {"visceral-metastasis"}
    assert terms.memberships(ICD10_CM, "C7B.00") == terms.memberships(ICD10_CM, "C7B.09") == {
        "metastasis-visceral-undetermined"}
    assert terms.memberships(ICD10_CM, "C7B.01") == frozenset()


def test_snomed_is_exact_and_system_matters():
    terms = load_terminology()
    assert terms.memberships(SNOMED, "254837009") == {"primary-breast"}
    assert terms.memberships(ICD10, "254837009") == frozenset()
    assert terms.memberships(None, "254837009") == frozenset()


def test_icd_o_3_behaviour_suffix_is_optional():
    terms = load_terminology()
    assert terms.memberships(ICD_O_3, "8041/3") == terms.memberships(ICD_O_3, "8041") == {"morphology-small-cell"}


import pytest  # noqa: E402

from service.facts.terminology import canonical_system  # noqa: E402


@pytest.mark.parametrize("written,system", [
    ("http://snomed.info/sct/900000000000207008", SNOMED),  # the international edition's URI, sent as the system
    ("http://snomed.info/sct/731000124108/version/20250301", SNOMED),  # an edition and version
    ("https://snomed.info/sct", SNOMED),
    ("http://snomed.info/sct/", SNOMED),
    ("HTTP://SNOMED.INFO/sct", SNOMED),  # scheme and host are case-insensitive (RFC 3986)
    ("urn:oid:2.16.840.1.113883.6.96", SNOMED),
    ("https://hl7.org/fhir/sid/icd-10-cm/", ICD10_CM),
    (" http://hl7.org/fhir/sid/icd-10 ", ICD10),
    ("https://smt.esante.gouv.fr/terminologie-cim-10/", "https://smt.esante.gouv.fr/terminologie-cim-10"),
    ("http://unitsofmeasure.org/", "http://unitsofmeasure.org"),
    # Not the same system: a path is case-sensitive, an edition URI has digits only, another host is another.
    ("http://snomed.info/SCT", "http://snomed.info/SCT"),
    ("http://snomed.info/sct/123/extra", "http://snomed.info/sct/123/extra"),
    ("http://snomed.example.org/sct", "http://snomed.example.org/sct"),
])
def test_a_code_system_written_as_ehrs_write_it_is_the_one_the_valuesets_name(written, system):
    assert canonical_system(written) == system


def test_a_bone_metastasis_coded_under_a_snomed_edition_uri_is_found():
    terms = load_terminology()
    assert terms.memberships("http://snomed.info/sct/900000000000207008", "94222008") == {"bone-metastasis"}


@pytest.mark.parametrize("code,value_set", [
    ("353431000119107", "primary-breast"),  # mCODE's example breast primary: female left breast
    ("93974005", "primary-prostate"),
    ("93761005", "primary-colorectal"),
    ("93984006", "primary-colorectal"),
    ("94225005", "metastasis-visceral-undetermined"),  # brain, as ICD-10 C79.3
])
def test_snomed_ct_descendants_mcode_and_hospitals_send_are_in_their_value_set(code, value_set):
    terms = load_terminology()
    assert terms.memberships(SNOMED, code) == {value_set}


def test_a_brain_metastasis_is_the_same_in_snomed_ct_and_icd10():
    terms = load_terminology()
    assert terms.memberships(SNOMED, "94225005") == terms.memberships(ICD10, "C79.3")


def test_a_snomed_fully_specified_names_semantic_tag_is_not_said():
    """Cards quoted "Internal fixation of bone without fracture reduction (procedure)", in French too (a probe's
    finding): the tag is for terminologists. The clinician's own text is kept as written."""
    from service.facts.terminology import describe_concepts

    tagged = {"coding": [{"system": "http://snomed.info/sct", "code": "387731002",
                          "display": "Laminectomy (procedure)"}]}
    assert describe_concepts([tagged]) == "Laminectomy"
    # A code sent without its display, worded from the ValueSets (which ship SNOMED CT's full names): the same.
    assert describe_concepts([{"coding": [{"system": "http://snomed.info/sct", "code": "387731002"}]}]) == "Laminectomy"
    assert describe_concepts([tagged | {"text": "Laminectomie (procédure)"}]) == "Laminectomie (procédure)"
