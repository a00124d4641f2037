from service.facts.terminology import ICD10, ICD10_CM, ICD_O_3, SNOMED, load_terminology


def test_icd10_is_a_matches_descendants_with_or_without_dots():
    terms = load_terminology()
    assert "primary-breast" in terms.memberships(ICD10_CM, "C50.911")
    assert "primary-breast" in terms.memberships(ICD10, "C509")
    assert terms.memberships(ICD10, "C5") == frozenset()
    assert "bone-metastasis" in terms.memberships(ICD10, "C79.5")
    assert "visceral-metastasis" not in terms.memberships(ICD10, "C79.5")


def test_snomed_is_exact_and_system_matters():
    terms = load_terminology()
    assert terms.memberships(SNOMED, "254837009") == {"primary-breast"}
    assert terms.memberships(ICD10, "254837009") == frozenset()
    assert terms.memberships(None, "254837009") == frozenset()


def test_icd_o_3_behaviour_suffix_is_optional():
    terms = load_terminology()
    assert terms.memberships(ICD_O_3, "8041/3") == terms.memberships(ICD_O_3, "8041") == {"morphology-small-cell"}
