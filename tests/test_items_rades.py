"""Rades: a cord compression and its items (facts/cord_compression.py; facts/items/primary.py, interval.py,
visceral.py, motor.py, deficit_days.py)."""

import uuid
from datetime import date, timedelta
from fractions import Fraction

import pytest

from service.calculators import AtLeast, Between, OneOf, score_rades
from service.i18n import translate
from support.fhir_builders import (
    CIM10,
    FEMUR,
    FEMUR_SHAFT,
    HISTOLOGY,
    ICD10,
    ICD10CM,
    ICDO3,
    LEFT,
    LOINC,
    RECENT_DAYS,
    SCT,
    cc,
    coded,
    condition,
    histology,
    lesion,
    lesion_observations,
    observation,
    quantity,
    site,
)
from support.mapping import (
    AS_OF,
    ASSERTED,
    compression,
    days_ago,
    facts_of,
    only_compression,
    only_lesion,
    rades_observations,
)


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


@pytest.mark.parametrize("duration,conflict,status", [((3, "d"), True, "uncertain"), ((120, "d"), False, "known"),
                                                     ((2, "wk"), True, "known")])
def test_a_deficit_duration_that_begins_after_an_older_paraplegia_is_a_conflict_not_a_choice(duration, conflict,
                                                                                             status):
    """Paraplegic since 90 days ago: the deficit began on or before then. A duration recorded yesterday of 3 days (or
    2 weeks) makes it begin later: the two disagree, so both stay possible, flagged (3 days: a range of points; 2
    weeks: both over 14 days, the same points); one of 120 days agrees with the paraplegia and stands."""
    from service.facts.evidence import CONFLICT

    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(*duration))
    mscc, _ = only_compression(condition("prostate", ICD10, "C61", onset="2026-01-15"), compression(onset=days_ago(5)),
                               condition("para", ICD10, "G82.2", onset=days_ago(90)), deficit)
    fact = mscc.facts["days_developing_motor_deficits"]
    assert (CONFLICT in fact.flags) is conflict
    if conflict:
        assert isinstance(fact.value, OneOf) and AtLeast(90) in fact.value.values
        assert "Condition/para" in fact.sources and "the two disagree" in fact.notes[-1]
        assert score_rades(mscc.inputs()).item("days_developing_motor_deficits").status == status
    else:
        assert fact.value == 121 and fact.sources == ("Observation/deficit",)


@pytest.mark.parametrize("system,code", [(ICD10, "G82.0"), (ICD10, "G82.1"), (ICD10, "G82.2"), (ICD10CM, "G82.21"),
                                         (CIM10, "G82.1")])
def test_flaccid_spastic_or_unspecified_paraplegia_is_paraplegic(system, code):
    """WHO ICD-10 and CIM-10 classify paraplegia as flaccid (G82.0), spastic (G82.1) or unspecified (G82.2)."""
    mscc, _ = only_compression(condition("para", system, code, onset="2026-10-30"), compression())
    assert mscc.inputs().motor_function == "paraplegic" and mscc.facts["motor_function"].sources == ("Condition/para",)


def test_a_complete_paraplegia_whose_words_mention_paresthesia_is_paraplegic():
    """"Paraplégie flasque complète, paresthésies" read as a partial paralysis ("parés…"): Rades 29 became 29–38
    (review 15)."""
    complete = condition("para", CIM10, "G82.0", onset=days_ago(6))
    complete["code"]["text"] = "Paraplégie flasque complète, paresthésies des membres inférieurs"
    mscc, _ = only_compression(complete, compression(onset=days_ago(8)))
    assert mscc.facts["motor_function"].value == "paraplegic"


@pytest.mark.parametrize(("system", "code", "text"), [(CIM10, "G82.2", "Paraparésie des membres inférieurs"),
                                                     (ICD10, "G82.2", "Incomplete paraplegia T10"),
                                                     (ICD10CM, "G82.22", None)])
def test_a_paralysis_its_code_or_words_call_partial_is_not_read_as_paraplegic(system, code, text):
    """G82 holds paraparesis too (ICD-10-CM: "Paraplegia (paraparesis)", G82.2 "Paraparesis (lower) NOS", G82.22
    "incomplete"): "Paraparésie des membres inférieurs" coded G82.2 read "gives Paraplegic", Rades's 1 point, for a
    patient who may walk (probe 14). Named, not counted; its onset still bounds the deficit."""
    partial = condition("para", system, code, onset=days_ago(6))
    if text:
        partial["code"]["text"] = text
    mscc, _ = only_compression(partial, compression(onset=days_ago(8)))
    motor = mscc.facts["motor_function"]
    assert motor.missing and any("a paraparesis does not say whether the patient walks" in str(note)
                                 for note in motor.notes), motor.notes
    assert isinstance(mscc.facts["days_developing_motor_deficits"].value, AtLeast)


def test_a_motor_deficit_recorded_as_a_diagnosis_is_named_beside_a_missing_duration_with_its_day():
    """"Déficit moteur des membres inférieurs depuis 10 jours" (SNOMED CT muscle weakness, onset 10 days ago) beside a
    compression and no duration: the card said "when the motor deficit began is not recorded" and the record was in
    the mapping report only (probe 14). Named with its day, never read as the start (nothing says it is the
    compression's); a weakness with no compression is nobody's business here."""
    weakness = condition("weak", SCT, "26544005", onset=days_ago(10))
    weakness["code"]["text"] = "Déficit moteur des membres inférieurs depuis 10 jours"
    mscc, found = only_compression(weakness, compression(onset=days_ago(8)))
    deficit = mscc.facts["days_developing_motor_deficits"]
    assert deficit.missing and any("records a motor deficit: if it is this compression's, it began on that day"
                                   in str(note) for note in deficit.notes), deficit.notes
    gastro = condition("gastro", SCT, "235675006", onset=days_ago(10))
    gastro["code"]["text"] = "Gastroparésie diabétique"  # a paresis, not of a limb (review 15)
    mscc, _ = only_compression(gastro, compression(onset=days_ago(8)))
    notes = mscc.facts["days_developing_motor_deficits"].notes
    assert not any("records a motor deficit" in str(note) for note in notes)
    entry = found.entry("Condition/weak")  # named in the report as relevant; on the card beside its item, not twice
    assert entry.relevant and not entry.attention and "a motor deficit recorded as a diagnosis" in entry.reason
    alone = facts_of(weakness)
    assert not alone.entry("Condition/weak").relevant


def test_unable_to_walk_on_the_problem_list_is_read_as_the_observation_of_that_code_is():
    """SNOMED CT "unable to walk" as an active Condition (a problem list's way) was "in none of the ValueSets the
    calculators read" and Rades missed its motor status: it says not ambulatory or paraplegic, as the finding
    does as an Observation; not active, it is named and does not count."""
    walking = condition("uw", SCT, "282145008", onset="2026-11-20")
    mscc, found = only_compression(walking, compression())
    assert mscc.inputs().motor_function == OneOf("not_ambulatory", "paraplegic")
    assert mscc.facts["motor_function"].sources == ("Condition/uw",) and found.entry("Condition/uw").outcome == "used"
    resolved = condition("uw", SCT, "282145008", onset="2026-11-20", clinical="resolved")
    mscc, found = only_compression(resolved, compression())
    assert mscc.facts["motor_function"].missing
    assert "'unable to walk' is not active" in found.entry("Condition/uw").reason


def test_a_paraplegia_recorded_as_an_observation_is_a_motor_status_as_unable_to_walk_is():
    """SNOMED CT Paraplegia (60389000) recorded as an Observation (a finding, some EHRs' way), beside "ambulatory
    without aid" the same day: left on the data card ("record it as a Condition"), the Rades card scored the
    patient walking, group III (probe 20). It is a motor status, as "unable to walk" is: both stay possible. Its
    words saying a paraparesis, or recorded false, it gives none, and says why."""
    para = observation("para", "60389000", system=SCT, effective=days_ago(1))
    walking = observation("walks", "motor-function", effective=days_ago(1), **coded("ambulatory-without-aid"))
    mscc, found = only_compression(para, walking, compression())
    assert set(mscc.inputs().motor_function.values) == {"ambulatory_without_aid", "paraplegic"}
    assert found.entry("Observation/para").outcome == "used"
    alone, _ = only_compression(para, compression())
    assert alone.inputs().motor_function == "paraplegic"
    false = {**para, "valueBoolean": False}
    mscc, found = only_compression(false, compression())
    assert mscc.facts["motor_function"].missing
    assert "paraplegia recorded as false" in found.entry("Observation/para").reason
    paresis = {**para, "code": {**para["code"], "text": "Paraparésie"}}
    mscc, found = only_compression(paresis, compression())
    assert mscc.facts["motor_function"].missing and "partial paralysis" in found.entry("Observation/para").reason


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
    assert fact.value == OneOf("nsclc", "sclc") and "without a recorded histology" in fact.notes[0]
    # Its histology in its words only (probe 27: "CBNPC épidermoïde" read "without a recorded histology"): quoted,
    # never read as a code; the range stays.
    lung = condition("lung", ICD10, "C34.1", onset="2025-01-01")
    lung["code"]["text"] = "CBNPC épidermoïde"
    mscc, _ = only_compression(lung, compression())
    fact = mscc.facts["primary_tumour"]
    assert fact.value == OneOf("nsclc", "sclc") and str(fact.notes[0]) == (
        "lung cancer without a coded histology (its words: “CBNPC épidermoïde”): NSCLC 5 or SCLC 6; a coded "
        "morphology would settle it")
    lung["code"]["text"] = "c34.1"  # its code as its words, in any case: no words of its own (reviews 31, 32)
    mscc, _ = only_compression(lung, compression())
    assert "without a recorded histology" in str(mscc.facts["primary_tumour"].notes[0])


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
    assert fact.missing and "no record of one is not taken to mean there are none" in fact.notes[0]
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
    assert "a unit not read here (h, d, wk, mo)" in found.entry("Observation/deficit").reason


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


@pytest.mark.parametrize("display", ["Hypertensive disorder", "Benign neoplasm of bone", "Osteoarthritis of knee"])
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
    # A date says itself, words are quoted; the element's name is no word for a clinician (reviews 16, 17).
    said = "2026-10-01" if "abatementDateTime" in abatement else "“after fixation”"
    assert flag.startswith(f"an abatement is recorded ({said})") and "its clinicalStatus says it is active" in flag


@pytest.mark.parametrize("abatement", [{"abatementDateTime": "2026-10-01"}, {"abatementString": "after fixation"},
                                       {"abatementBoolean": True}])
def test_an_abated_condition_without_clinical_status_is_not_active(abatement):
    """FHIR (con-4): an abated Condition is inactive, resolved or in remission. With no clinicalStatus to say
    otherwise, an abated lesion is not scored as active, and is named with its abatement."""
    unstated = {k: v for k, v in lesion().items() if k != "clinicalStatus"}
    found = facts_of({**unstated, **abatement}, *lesion_observations())
    assert found.scored_by("mirels") == []
    said = {"abatementDateTime": "ended (2026-10-01)", "abatementString": "ended (“after fixation”)",
            "abatementBoolean": "ended (–)"}[next(iter(abatement))]
    assert said in found.entry("Condition/lesion-1").reason


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


def titled(resource, display):
    resource["code"]["coding"][0]["display"] = display
    return resource


@pytest.mark.parametrize("fracture", [
    condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20"),  # the code says: left femur
    condition("fracture", ICD10, "M84.45", onset="2026-10-20", body_site=[site(FEMUR, LEFT)]),
    condition("fracture", CIM10, "M907*", onset="2026-10-20", body_site=[site(FEMUR_SHAFT, LEFT)]),
    # An injury code, whatever the cause: its side from an ICD-10-CM title, or from the bodySite.
    titled(condition("fracture", ICD10CM, "S72.142A", onset="2026-10-20"),
           "Displaced intertrochanteric fracture of left femur, initial encounter for closed fracture"),
    condition("fracture", CIM10, "S72.3", onset="2026-10-20", body_site=[site(FEMUR_SHAFT, LEFT)]),
])
def test_a_fracture_of_the_same_bone_and_side_means_no_mirels_score(fracture):
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


def test_a_bone_that_broke_after_its_fixation_says_the_fixation():
    """A nailed femur that then broke read "no prophylactic fixation", the nail never named (probe 11)."""
    nail = {"resourceType": "Procedure", "id": "nail", "status": "completed", "code": cc(SCT, "1653007"),
            "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/lesion-1"}],
            "performedDateTime": "2026-09-20"}
    found = facts_of(lesion(onset="2026-09-01"), nail, condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20"),
                     *lesion_observations())
    (broken,) = found.broken
    assert broken.fixation == "Procedure/nail" and found.entry("Procedure/nail").outcome == "used"
    same_day = dict(nail, performedDateTime="2026-10-20")  # its repair, maybe: not surely before (review)
    (broken,) = facts_of(lesion(onset="2026-09-01"), same_day, condition("fracture", ICD10CM, "M84.552A",
                                                                          onset="2026-10-20"),
                         *lesion_observations()).broken
    assert broken.fixation == ""
    later = dict(nail, performedDateTime="2026-10-25")  # fixed after it broke: not the bone's implant when it broke
    fracture = condition("fracture", ICD10CM, "M84.552A", onset="2026-10-20")
    (broken,) = facts_of(lesion(onset="2026-09-01"), later, fracture, *lesion_observations()).broken
    assert broken.fixation == ""


def test_a_fracture_of_the_other_side_leaves_the_score_and_one_of_unstated_side_is_flagged():
    right = condition("fracture", ICD10CM, "M84.551A", onset="2026-10-20")  # right femur
    lesion_facts, _ = only_lesion(lesion(), right, *lesion_observations())
    assert not any("pathological fracture" in flag for flag in lesion_facts.condition_flags)
    unstated = condition("fracture", ICD10CM, "M84.553A", onset="2026-10-20")  # femur, side unspecified
    lesion_facts, _found = only_lesion(lesion(), unstated, *lesion_observations())
    assert any("side of one of them is not stated" in flag for flag in lesion_facts.condition_flags)


def test_a_fractures_sequela_or_one_of_both_sides_is_said_first_never_settled():
    """S72.002S is the sequela (late effect) of a fracture of the left femur, not a bone broken now; a fracture
    recorded on both sides may or may not be this lesion's. Neither takes the score away: each is said first."""
    sequela = titled(condition("fracture", ICD10CM, "S72.002S", onset=days_ago(3)),
                     "Fracture of unspecified part of neck of left femur, sequela")
    lesion_facts, _ = only_lesion(lesion(), sequela, *lesion_observations())
    (to_check,) = lesion_facts.fractures_to_check
    assert to_check.startswith("the sequela of a fracture of the same bone is recorded")
    both = condition("fracture", ICD10, "M84.45", onset=days_ago(3), body_site=[site(FEMUR, "51440002")])
    lesion_facts, _ = only_lesion(lesion(), both, *lesion_observations())
    (to_check,) = lesion_facts.fractures_to_check
    assert "one of the two records saying both sides" in to_check


def test_a_primary_coded_in_icd_o_3_only_is_named_where_the_primary_is_missing_not_denied():
    """The Rades card said "no primary cancer Condition" while the card of data not used named the breast cancer
    coded in ICD-O-3 only: the missing item now names it."""
    breast = condition("breast", ICDO3, "C50.9", onset="2024-01-10")
    mscc, found = only_compression(breast, compression())
    (note,) = mscc.facts["primary_tumour"].notes
    assert note == "no primary cancer Condition the table can read; a cancer is named but not read: Condition/breast"
    assert found.entry("Condition/breast").attention
    mscc, _ = only_compression(compression())
    assert mscc.facts["primary_tumour"].notes == ("no primary cancer Condition",)


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
    assert found.entry("Condition/liver").relevant


@pytest.mark.parametrize("system,code", [(ICD10, "G99.2"), (CIM10, "G992"), (ICD10CM, "G99.2")])
def test_a_myelopathy_in_diseases_classified_elsewhere_is_named_with_attention(system, code):
    found = facts_of(condition("breast", SCT, "254837009", onset="2024-01-10"), condition("myelo", system, code))
    entry = found.entry("Condition/myelo")
    assert entry.relevant and entry.attention and "myelopathy in diseases classified elsewhere" in entry.reason


def test_a_record_dated_by_its_month_that_may_be_past_its_window_says_may():
    """Dated "2026-11" and assessed on 2026-12-06: 6 to 35 days old. Not counted (it may be older than the 30-day
    window), and the words say "may": it is not surely too old. Surely too old, they do not."""
    from service.facts.dates import parse_date
    from service.facts.moments import default_windows, out_of_time

    may = out_of_time(parse_date("2026-11"), "pain", date(2026, 12, 6), default_windows())
    assert may.startswith("recorded 2026-11, 6–35 days before the assessment: it may be older than the 30-day")
    surely = out_of_time(parse_date("2026-10"), "pain", date(2026, 12, 6), default_windows())
    assert "36–66 days before the assessment: older than the 30-day window" in surely
    assert out_of_time(parse_date("2026-11-20"), "pain", date(2026, 12, 6), default_windows()) is None


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
    reason = found.entry("Observation/motor").reason
    assert "before the motor deficit began" in reason
    # The item named mid-sentence as a sentence says it: not "cannot describe Motor function …", "décrire Fonction …".
    assert str(reason).endswith("it cannot describe motor function before radiotherapy: not counted"), reason
    assert translate(reason, "fr").endswith("elle ne peut pas renseigner l'item « fonction motrice avant la "
                                            "radiothérapie » : non comptée"), translate(reason, "fr")


@pytest.mark.parametrize(("status_time", "counted"), [("09:00:00Z", False), ("21:50:00Z", True), ("", True)])
def test_a_motor_status_earlier_the_same_day_than_the_deficit_began_is_refused_by_its_time(status_time, counted):
    """A status "walks without aid" at 09:00 UTC, a deficit of "3 h" recorded at 23:00 Paris time the same day (it
    began at 19:00 UTC): compared by day only, the status counted (Rades 37, group II, where a paraplegic patient
    scores 28, group I; probe 14). With both times and zones, the hours decide; a day alone may be either."""
    day = days_ago(4)
    walks = observation("motor", "motor-function", effective=f"{day}T{status_time}" if status_time else day,
                        **coded("ambulatory-without-aid"))
    deficit = observation("deficit", "days-developing-motor-deficits", effective=f"{day}T23:00:00+01:00",
                          **quantity(3, "h"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(30)), walks, deficit)
    assert mscc.facts["motor_function"].missing is not counted
    if not counted:
        assert "earlier that day than the motor deficit began" in found.entry("Observation/motor").reason
    onset_later = compression(onset=f"{day}T22:40:00+01:00")  # no duration: the compression's onset decides
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), onset_later, walks)
    assert mscc.facts["motor_function"].missing is not counted


def test_a_status_before_the_deficit_is_why_the_item_is_missing_beside_a_later_one_written_as_text():
    """A coded 'walks without aid' from before the deficit, and yesterday's 'ne marche plus' as text only: neither
    gives a value. The card said "no record of it was found", the coded one named in the mapping report only (the
    text record was taken for a current one); now the item's notes name the coded one and why."""
    walks = observation("motor", "motor-function", effective=days_ago(10), **coded("ambulatory-without-aid"))
    text = observation("motor-text", "motor-function", effective=days_ago(1), valueString="ne marche plus")
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(3, "d"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(30)), walks, text, deficit)
    motor = mscc.facts["motor_function"]
    assert motor.missing and any("before the motor deficit began" in str(note) for note in motor.notes), motor.notes
    assert found.entry("Observation/motor").attention and found.entry("Observation/motor-text").attention


def test_an_operation_of_the_compression_after_its_records_is_said_first_on_the_rades_card():
    """A laminectomy of this compression yesterday, its records older: they may describe the time before it (a
    probe's Rades card said nothing of it, and ran the deficit duration through it). Done before them: not said."""
    def laminectomy(days):
        return {"resourceType": "Procedure", "id": "lami", "status": "completed", "code": cc(SCT, "387731002"),
                "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/mscc"}],
                "performedDateTime": days_ago(days)}
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    mscc, _ = only_compression(primary, compression(), *rades_observations(), laminectomy(1))
    (flag,) = mscc.operations_to_check
    assert flag.startswith("an operation of it is recorded after some of the records this score rests on "
                           "(Procedure/lami)") and flag in mscc.condition_flags
    assert mscc.operations_before == ()  # said once, as an operation since
    mscc, _ = only_compression(primary, compression(), *rades_observations(), laminectomy(30))
    assert mscc.operations_to_check == ()
    # Done before its records: the radiotherapy may be adjuvant, and the card says the operation first (it said none).
    (flag,) = mscc.operations_before
    assert flag.startswith("an operation of it is recorded (Procedure/lami): the guideline applies Rades to emergency "
                           "radiotherapy alone or adjuvant radiotherapy after neurosurgery (§1.3)")
    assert "the sources are silent" in flag


def _fusion(body_site=None, code=(SCT, "44337006"), reason=None, pid="fusion"):
    """A posterior spinal fusion of years ago (SNOMED CT's code is in none of the procedure ValueSets)."""
    found = {"resourceType": "Procedure", "id": pid, "status": "completed", "code": cc(*code),
             "subject": {"reference": "Patient/p1"}, "performedDateTime": "2019-05-14"}
    if body_site:
        found["bodySite"] = [site(body_site)]
    if reason:
        found["reasonReference"] = [{"reference": reason}]
    return found


def test_an_old_operation_at_the_spine_is_said_first_on_the_rades_card_its_level_not_compared():
    """An instrumentation of 2019 at the thoracic spine, the compression's level not coded: the Rades card said nothing
    of it (probe 14). Said first, level not compared; one at another region, both coded, is not said."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    mscc, found = only_compression(primary, compression(), *rades_observations(), _fusion("122495006"),
                                   _fusion("122496007", code=(SCT, "1653007"), pid="fixation"))
    assert [flag.split(":")[0] for flag in mscc.operations_before] == [
        "an operation at the spine is recorded (Procedure/fixation), level not compared",
        "a procedure at the spine is recorded (Procedure/fusion), level not compared, its code in none of the "
        "procedure lists read here"]
    assert all(flag in mscc.condition_flags for flag in mscc.operations_before)
    assert found.entry("Procedure/fusion").outcome == "used"
    thoracic = compression(body_site=[site("122495006")])
    mscc, _ = only_compression(primary, thoracic, *rades_observations(), _fusion("122496007", code=(SCT, "1653007")))
    assert mscc.operations_before == ()  # lumbar and thoracic, both coded: another region
    femur = lesion()  # an operation naming a femur's lesion is not the spine's, whatever its bodySite
    mscc, _ = only_compression(primary, compression(), femur, *rades_observations(),
                               _fusion("122495006", reason="Condition/lesion-1"))
    assert mscc.operations_before == ()


def test_a_past_visceral_metastasis_is_named_where_the_visceral_status_is_missing():
    """A liver metastasis recorded as resolved: not present now, so the item stays missing, but the card said
    "no resource says whether there are visceral metastases" and named nothing (a probe's resolved brain one)."""
    liver = condition("liver", ICD10, "C78.7", clinical="resolved")
    observations = [o for o in rades_observations() if o["id"] != "visceral"]
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(), liver,
                                   *observations)
    visceral = mscc.facts["visceral_metastases"]
    assert visceral.missing and any("Condition/liver: a metastasis recorded as no longer active" in str(note)
                                    for note in visceral.notes), visceral.notes
    assert found.entry("Condition/liver").relevant


def test_a_record_dated_with_its_time_is_said_by_its_day():
    """A motor status of 20 days ago at 10:30: "recorded 2026-11-16T10:30:00+01:00" on 30 of 133 probe cards, which
    a French card cannot set as a date either. Messages say the day."""
    walks = observation("motor", "motor-function", effective=days_ago(20) + "T10:30:00+01:00",
                        **coded("ambulatory-without-aid"))
    _, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(), walks)
    reason = found.entry("Observation/motor").reason
    assert f"recorded {days_ago(20)}, 20 days before the assessment" in reason and "T10:30" not in reason, reason


def test_an_item_known_as_a_range_says_in_the_mapping_report_what_would_settle_it():
    """A primary dated by its year: the interval is 6 or 8 points. A missing item named what would supply it; an
    uncertain one named nothing (a probe's mapping report): the same resource settles it."""
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2025"), compression(onset="2026-11-01"),
                               *rades_observations())
    interval = mscc.facts["months_to_cord_compression"]
    assert isinstance(interval.value, Between) and "the primary cancer Condition's onset" in str(interval.supplied_by)


def test_a_deficit_duration_counted_on_to_the_assessment_date_shows_the_days_added():
    """'3 days' recorded 20 days ago reads '> 14 days' (9 points): the note says what was recorded, when, and that
    the days since were added; a duration recorded today gets no note."""
    old = observation("deficit", "days-developing-motor-deficits", effective=days_ago(20), **quantity(3, "d"))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(),
                               *[o for o in rades_observations() if o["id"] != "deficit"], old)
    fact = mscc.facts["days_developing_motor_deficits"]
    assert fact.value == 23
    assert any("3 days when recorded" in str(n) and "counted on to the assessment date: 23 days" in str(n)
               for n in fact.notes), fact.notes
    today = observation("deficit", "days-developing-motor-deficits", effective=AS_OF.isoformat(), **quantity(3, "d"))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(),
                               *[o for o in rades_observations() if o["id"] != "deficit"], today)
    assert mscc.facts["days_developing_motor_deficits"].value == 3
    assert not mscc.facts["days_developing_motor_deficits"].notes


def test_a_deficit_duration_in_another_unit_is_said_as_written_beside_the_days_it_gives():
    """"2 semaines" and "36 h" recorded the same day read "gives 15 days … gives 2.5 days": the value as written was
    said nowhere, and could not be traced (probe 29, r31). Each is quoted, with the days it gives when recorded and
    counted on; one alone too, recorded today or not; days written as days are not quoted."""
    def deficit(oid, value, code, unit, effective):
        resource = observation(oid, "days-developing-motor-deficits", effective=effective, **quantity(value, code))
        resource["valueQuantity"]["unit"] = unit
        return resource

    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    others = [o for o in rades_observations() if o["id"] != "deficit"]
    yesterday = days_ago(1)
    mscc, _ = only_compression(primary, compression(), *others, deficit("weeks", 2, "wk", "semaines", yesterday),
                               deficit("hours", 36, "h", "h", yesterday))
    fact = mscc.facts["days_developing_motor_deficits"]
    assert fact.value == OneOf(15, Fraction(5, 2)) and "conflict" in fact.flags
    (note,) = fact.notes
    for words in (f"Observation/weeks ({yesterday}) gives “2 semaines” (14 days) when recorded, 15 days counted on to "
                  f"{AS_OF.isoformat()}", f"Observation/hours ({yesterday}) gives “36 h” (1.5 days) when recorded, "
                  f"2.5 days counted on to {AS_OF.isoformat()}"):
        assert words in note, note
    assert "« 2 semaines » (14 jours) à la date du relevé, 15 jours comptés jusqu'au" in translate(note, "fr")
    mscc, _ = only_compression(primary, compression(), *others, deficit("weeks", 2, "wk", "semaines", yesterday))
    (note,) = mscc.facts["days_developing_motor_deficits"].notes
    assert note.startswith("Observation/weeks: “2 semaines” (14 days) when recorded"), note
    mscc, _ = only_compression(primary, compression(), *others,
                               deficit("weeks", 2, "wk", "semaines", AS_OF.isoformat()))
    assert mscc.facts["days_developing_motor_deficits"].notes == (
        f"Observation/weeks ({AS_OF.isoformat()}) gives “2 semaines” (14 days)",)
    mscc, _ = only_compression(primary, compression(), *others, deficit("days", 5, "d", "jours", AS_OF.isoformat()))
    assert not mscc.facts["days_developing_motor_deficits"].notes


def test_a_status_before_a_deficit_known_as_a_range_is_said_before_its_earliest_start():
    """"< 7 days" recorded yesterday: it began 8 days ago at the earliest. A status of 12 days ago is surely before
    it, and the words say the earliest day, not that the deficit began then."""
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(7, "d"))
    deficit["valueQuantity"]["comparator"] = "<"
    walks = observation("motor", "motor-function", effective=days_ago(12), **coded("ambulatory-without-aid"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(30)), walks, deficit)
    assert mscc.facts["motor_function"].missing
    assert "before the earliest day the motor deficit may have begun" in found.entry("Observation/motor").reason


@pytest.mark.parametrize("status_days_ago,counted", [(8, True), (13, False)])
def test_a_deficit_of_at_least_so_many_days_bounds_the_motor_status_by_the_last_day_it_may_have_begun(
        status_days_ago, counted):
    """A deficit of "> 7 days" recorded yesterday began 8 days ago at the latest. A status of 8 days ago is during
    the deficit, though the compression was found 2 days ago: it counts (it was refused as before the compression's
    onset). One of 13 days ago may be from before the deficit: it is not counted."""
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(7, "d"))
    deficit["valueQuantity"]["comparator"] = ">"
    walks = observation("motor", "motor-function", effective=days_ago(status_days_ago),
                        **coded("ambulatory-without-aid"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(2)), walks, deficit)
    reason = found.entry("Observation/motor").reason
    assert (mscc.facts["motor_function"].value == "ambulatory_without_aid") is counted, reason
    if not counted:
        assert "before the last day the motor deficit may have begun" in reason


@pytest.mark.parametrize("start,counted", [(days_ago(10), False), (days_ago(3), True)])
def test_a_motor_status_over_a_period_that_began_before_the_deficit_is_refused(start, counted):
    """'Walks without aid' over a period ending yesterday: if the period began before the deficit (4 days ago),
    it may describe the time before it, as a status dated then would (brief, section 5); if it began after, it
    stands. The period's end alone dated it before."""
    walks = observation("motor", "motor-function", effective=None, **coded("ambulatory-without-aid"))
    walks["effectivePeriod"] = {"start": start, "end": days_ago(1)}
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(1), **quantity(3, "d"))
    mscc, found = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                                   compression(onset=days_ago(30)), walks, deficit)
    assert mscc.facts["motor_function"].missing is not counted
    if not counted:
        assert "a period that began before the motor deficit began" in found.entry("Observation/motor").reason


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


# A course coded in a national list the service does not read (CCAM), its words naming it: how French EHRs send it.
IN_CCAM = {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam", "code": "ZZNL048"}],
           "text": "Radiothérapie rachis T7-T9 20 Gy/5 (séance 3/5)"}


def _radiotherapy_of_the_compression(status, start_days_ago, code=None):
    return {"resourceType": "Procedure", "id": "rt", "status": status, "code": code or cc(SCT, "108290001"),
            "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/mscc"}],
            "performedPeriod": {"start": days_ago(start_days_ago)}}


def test_a_visceral_status_recorded_after_the_radiotherapy_began_is_counted_and_said():
    """Probe 24 (p04): radiotherapy begun ten days before, the visceral status recorded since: counted as "at the time
    of radiotherapy" with no word, where the motor status of that day was set aside. A metastasis does not come and
    go in days; the status is counted as recorded, and the card says it describes a later day."""
    radiotherapy = _radiotherapy_of_the_compression("completed", 12)
    visceral = observation("visceral", "visceral-metastases", effective=days_ago(2), **coded("52101004", SCT))
    mscc, _ = only_compression(compression(onset=days_ago(20)), visceral, radiotherapy)
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == "yes"
    assert any(f"after its radiotherapy began ({days_ago(12)}): Rades scores the visceral status when radiotherapy "
               "began" in str(note) for note in fact.notes), fact.notes


def test_a_visceral_status_since_the_radiotherapy_began_that_differs_from_the_one_before_leaves_both_open():
    """Probe 26 (R23): "absent" five days before the course, "present" eight days into it: counted "present" (group
    II), where the same finding as a diagnosis gave a range. Which held when the course began is not known."""
    radiotherapy = _radiotherapy_of_the_compression("in-progress", 12)
    before = observation("v-before", "visceral-metastases", effective=days_ago(17), **coded("2667000", SCT))
    since = observation("v-since", "visceral-metastases", effective=days_ago(4), **coded("52101004", SCT))
    mscc, _ = only_compression(compression(onset=days_ago(20)), before, since, radiotherapy)
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == OneOf("yes", "no") and set(fact.sources) == {"Observation/v-before", "Observation/v-since"}
    assert any("gives absent before its radiotherapy began" in note for note in fact.notes), fact.notes
    assert not any("the latest counts" in note for note in fact.notes)
    # The last status before the course agreeing with the one since: as recorded (review 29).
    then = observation("v-then", "visceral-metastases", effective=days_ago(14), **coded("52101004", SCT))
    mscc, _ = only_compression(compression(onset=days_ago(20)), before, then, since, radiotherapy)
    assert mscc.facts["visceral_metastases"].value == "yes"
    # Two of that last day that disagree: either order, both stay open (review 30).
    same_day = observation("v-same", "visceral-metastases", effective=days_ago(14), **coded("2667000", SCT))
    for records in ((then, same_day), (same_day, then)):
        mscc, _ = only_compression(compression(onset=days_ago(20)), *records, since, radiotherapy)
        assert mscc.facts["visceral_metastases"].value == OneOf("yes", "no"), records


def test_a_motor_status_later_the_same_day_than_its_radiotherapy_began_is_not_the_one_before_it():
    """The first fraction at 08:00 Paris time, a status at 15:00 that day: compared by day, it may have been before
    the radiotherapy; with both times and zones, it is surely after it began, so not the status before it."""
    radiotherapy = _radiotherapy_of_the_compression("in-progress", 2)
    radiotherapy["performedPeriod"]["start"] = f"{days_ago(2)}T08:00:00+01:00"
    later = observation("motor", "motor-function", effective=f"{days_ago(2)}T15:00:00+01:00",
                        **coded("ambulatory-without-aid"))
    mscc, found = only_compression(compression(onset=days_ago(10)), later, radiotherapy)
    assert mscc.facts["motor_function"].missing
    assert "later that day than its radiotherapy began" in found.entry("Observation/motor").reason
    # And the card says a later status exists, as it does for one of the next day (probe 19: $assess only).
    assert any("a motor status recorded since its radiotherapy began (Observation/motor)" in str(flag)
               for flag in mscc.condition_flags), mscc.condition_flags


def test_a_visceral_status_present_older_than_a_metastasis_ended_since_leaves_both_open():
    """Probe 26 (R16b): "present" of 2026-09-15 counted (Rades 35, group II), a liver metastasis recorded resolved on
    2026-10-01 said nowhere. Whether one remains is not known: yes or no, the range, and both records named."""
    present = observation("visceral", "visceral-metastases", effective=days_ago(80), **coded("52101004", SCT))
    liver = condition("liver", SCT, "94381002", clinical="resolved", onset=days_ago(200)) | {
        "abatementDateTime": days_ago(60)}
    mscc, _ = only_compression(compression(onset=days_ago(10)), present, liver)
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == OneOf("yes", "no") and "Condition/liver" in fact.sources
    assert any("records one ended since" in note for note in fact.notes), fact.notes
    # Present again since it ended: as recorded.
    again = observation("visceral2", "visceral-metastases", effective=days_ago(5), **coded("52101004", SCT))
    mscc, _ = only_compression(compression(onset=days_ago(10)), present, again, liver)
    assert mscc.facts["visceral_metastases"].value == "yes"


def test_a_deficit_in_hours_that_began_the_evening_before_its_record_keeps_a_status_taken_after_it():
    """Probe 26 (R06c): "12 h" recorded at 10:00 (+01:00) began at 22:00 the evening before; a "not ambulatory" status
    of 23:00 that evening was set aside as "before the motor deficit began" (whole days, rounded down, put the start
    on the day of the record). By their instants, it was taken an hour after; one of 21:00 is from before it."""
    yesterday, today = days_ago(1), days_ago(0)
    deficit = observation("deficit", "days-developing-motor-deficits", effective=f"{today}T10:00:00+01:00",
                          **quantity(12, "h"))
    for hour, counted in (("23:00", True), ("21:00", False)):
        status = observation("motor", "motor-function", effective=f"{yesterday}T{hour}:00+01:00",
                             **coded("not-ambulatory"))
        mscc, _ = only_compression(compression(onset=days_ago(3)), deficit, status)
        assert (mscc.facts["motor_function"].value == "not_ambulatory") is counted, (hour, mscc.facts["motor_function"])


@pytest.mark.parametrize("code", [None, IN_CCAM])
@pytest.mark.parametrize("status,said", [("in-progress", "is recorded in progress"), ("stopped", "stopped before"),
                                         ("completed", "may be what was given")])
def test_a_motor_status_recorded_after_the_compressions_radiotherapy_began_is_not_the_one_before_it(status, said,
                                                                                                     code):
    """Tableau 4 scores the motor status *before radiotherapy*. A probe's card counted "ambulatory without aid"
    recorded two days into the radiotherapy (Rades 38, Group III) over "not ambulatory" of the day before it began
    (31, Group II), and said nothing of a radiotherapy under way. Now the later status is not counted and is said,
    the radiotherapy is said, and the deficit's days are counted to its first day, not to the assessment date.
    So with the course coded in CCAM, its words naming a radiotherapy and its reason the compression (probe 18: the
    status under it was scored, the course said nowhere)."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    before = [observation("motor-before", "motor-function", effective=days_ago(4), **coded("not-ambulatory")),
              observation("visceral", "visceral-metastases", effective=days_ago(4), **coded("2667000", SCT)),
              observation("deficit", "days-developing-motor-deficits", effective=days_ago(4), **quantity(3, "d"))]
    under = observation("motor-since", "motor-function", effective=days_ago(1), **coded("ambulatory-without-aid"))
    mscc, found = only_compression(primary, compression(onset=days_ago(10)), *before, under,
                                   _radiotherapy_of_the_compression(status, 3, code))
    assert mscc.facts["motor_function"].value == "not_ambulatory"
    assert mscc.facts["motor_function"].sources == ("Observation/motor-before",)
    assert mscc.facts["days_developing_motor_deficits"].value == 4  # 3 days, one day before the radiotherapy began
    assert any(f"counted on to the first day of its radiotherapy ({days_ago(3)}): 4 days" in str(note)
               for note in mscc.facts["days_developing_motor_deficits"].notes)
    assert any("a motor status recorded since its radiotherapy began (Observation/motor-since) is not counted"
               in flag for flag in mscc.condition_flags), mscc.condition_flags
    assert any(said in flag and "(Procedure/rt)" in flag for flag in mscc.condition_flags), mscc.condition_flags
    assert "after its radiotherapy began" in str(found.entry("Observation/motor-since").reason)
    assert score_rades(mscc.inputs()).total_min == 31


@pytest.mark.parametrize("words", ["Scanner de dosimétrie radiothérapie rachis", "Consultation d'annonce radiothérapie",
                                   "Scanner de centrage pour radiothérapie", "Radiation oncology follow-up visit",
                                   "XRT nurse visit"])
def test_a_step_before_a_course_named_in_words_is_no_radiotherapy_begun(words):
    """Review 18: a planning CT coded in CCAM, "Scanner de dosimétrie radiothérapie", its reason the compression,
    bounded the statuses as a course begun: today's "not ambulatory" was set aside for an older "walks without aid"."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    planning = _radiotherapy_of_the_compression("completed", 3, {**IN_CCAM, "text": words})
    now = observation("motor", "motor-function", effective=days_ago(1), **coded("not-ambulatory"))
    mscc, _ = only_compression(primary, compression(onset=days_ago(10)), now, planning)
    assert mscc.facts["motor_function"].value == "not_ambulatory"


@pytest.mark.parametrize(("words", "course"), [
    ("Radiothérapie guidée par l'image (IGRT) rachis 30 Gy/10", True), ("Image-guided radiotherapy T8", True),
    ("Imagerie de repositionnement radiothérapie", False), ("Radiotherapy planning imaging", False),
    ("Séance d'irradiation externe, contrôle de la position de la cible par imagerie (IGRT)", True),
    ("Radiothérapie fémur G 20 Gy/5, suivi", True)])
def test_image_guided_radiotherapy_is_a_course_and_imaging_for_it_is_not(words, course):
    """A course guided by images is a course; the imaging beside one is not (review 18's planning words, narrowed)."""
    from service.facts.procedure_words import names_a_course

    assert names_a_course({"text": words}) is course


def test_a_course_named_in_words_over_a_period_bounds_from_its_first_day():
    """Review 18: a course in CCAM over a period (7 to 2 days ago) bounded the statuses from its whole span, not its
    first day, as a coded one does: a status taken mid-course counted."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    course = _radiotherapy_of_the_compression("completed", 7, IN_CCAM)
    course["performedPeriod"]["end"] = days_ago(2)
    before = observation("motor-before", "motor-function", effective=days_ago(9), **coded("not-ambulatory"))
    during = observation("motor", "motor-function", effective=days_ago(4), **coded("ambulatory-without-aid"))
    mscc, _ = only_compression(primary, compression(onset=days_ago(12)), before, during, course)
    assert mscc.facts["motor_function"].value == "not_ambulatory"


def test_a_radiotherapy_planned_or_begun_the_same_day_sets_no_status_aside():
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    status = observation("motor", "motor-function", effective=days_ago(1), **coded("ambulatory-without-aid"))
    for procedure in (_radiotherapy_of_the_compression("preparation", 3),
                      _radiotherapy_of_the_compression("in-progress", 1)):
        mscc, _ = only_compression(primary, compression(onset=days_ago(10)), status, procedure)
        assert mscc.facts["motor_function"].value == "ambulatory_without_aid"


def test_a_visceral_metastasis_not_confirmed_leaves_yes_or_no():
    """A provisional liver metastasis counted as visceral "yes" (5 points): Rades 35, Group II, where "no" gives 38,
    Group III, and the card did not say the diagnosis was provisional (a probe's finding). It leaves yes or no."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    observations = [o for o in rades_observations() if o["id"] != "visceral"]
    liver = condition("liver", ICD10, "C78.7", verification="provisional")
    mscc, _ = only_compression(primary, compression(), liver, *observations)
    assert set(mscc.facts["visceral_metastases"].value.values) == {"yes", "no"}
    confirmed, _ = only_compression(primary, compression(), condition("liver", ICD10, "C78.7"), *observations)
    assert confirmed.facts["visceral_metastases"].value == "yes"


def test_the_status_before_a_radiotherapy_of_days_ago_stays_and_one_taken_during_a_course_does_not_count():
    """An outside review's two cases. (1) A 3-day deficit and "not ambulatory" recorded the same day, a radiotherapy
    begun two days later, assessed eleven days after it: the deficit's start was counted back from the assessment
    date, so the status read as from before the deficit (Rades missing). (2) A course over ten days
    (performedPeriod): a status recorded in its middle counted, as the course was dated by its end."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    before = [observation("motor-before", "motor-function", effective=days_ago(13), **coded("not-ambulatory")),
              observation("visceral", "visceral-metastases", effective=days_ago(13), **coded("2667000", SCT)),
              observation("deficit", "days-developing-motor-deficits", effective=days_ago(13), **quantity(3, "d"))]
    single = _radiotherapy_of_the_compression("completed", 11)
    mscc, _ = only_compression(primary, compression(onset=days_ago(20)), *before, single)
    assert mscc.facts["motor_function"].value == "not_ambulatory"
    assert mscc.facts["days_developing_motor_deficits"].value == 5
    course = single | {"performedPeriod": {"start": days_ago(11), "end": days_ago(2)}}
    during = observation("motor-during", "motor-function", effective=days_ago(6), **coded("ambulatory-without-aid"))
    mscc, _ = only_compression(primary, compression(onset=days_ago(20)), *before, during, course)
    assert mscc.facts["motor_function"].sources == ("Observation/motor-before",)
    assert mscc.facts["days_developing_motor_deficits"].value == 5  # to the course's first day, not a range to its end
    assert any("(Observation/motor-during) is not counted" in flag for flag in mscc.condition_flags)


def test_a_course_older_than_the_motor_status_window_is_history_and_todays_status_counts():
    """A probe's re-irradiation: the compression irradiated 13 months ago, today's status set aside as "after its
    radiotherapy began", and Rades undetermined for the new course. A course begun before the status's window (14
    days by default, the site's setting) is history: the status counts, and the card still says the course."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    status = observation("motor", "motor-function", effective=days_ago(1), **coded("not-ambulatory"))
    old_course = _radiotherapy_of_the_compression("completed", 400)
    mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, old_course)
    assert mscc.facts["motor_function"].value == "not_ambulatory"
    # Said as history: the advice is for a new course (it read "this card's advice may be what was given", probe 11).
    assert any("a radiotherapy of it is recorded before the records this score rests on (Procedure/rt): the advice "
               "is for a new course" in flag for flag in mscc.condition_flags), mscc.condition_flags
    recent_course = _radiotherapy_of_the_compression("completed", 3)
    mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, recent_course)
    assert mscc.facts["motor_function"].missing  # within the window: a status since it began is its effect
    # Begun before the window but under way, or ended within it (a 30 Gy/10 course lasts two weeks): a status taken
    # during it is still its effect (a review caught a first version that counted it).
    for course in (_radiotherapy_of_the_compression("in-progress", 20),
                   _radiotherapy_of_the_compression("completed", 20) | {
                       "performedPeriod": {"start": days_ago(20), "end": days_ago(6)}},
                   _radiotherapy_of_the_compression("stopped", 20) | {
                       "performedPeriod": {"start": days_ago(20), "end": days_ago(6)}}):
        mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, course)
        assert mscc.facts["motor_function"].missing, course
    # Stopped before its end a month ago, as over as a completed one (probe 26: Rades stayed on the status of the day
    # before it, today's "not ambulatory" set aside, group III for group II).
    stopped = _radiotherapy_of_the_compression("stopped", 29) | {
        "performedPeriod": {"start": days_ago(29), "end": days_ago(27)}}
    mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, stopped)
    assert mscc.facts["motor_function"].value == "not_ambulatory"
    assert any("the advice is for a new course" in flag for flag in mscc.condition_flags), mscc.condition_flags
    # Stopped on no recorded day: it may have run until now, so it still bounds the statuses (review 29).
    del stopped["performedPeriod"]["end"]
    mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, stopped)
    assert mscc.facts["motor_function"].missing
    # Stopped, dated by one day: that day is when it stopped (review 30).
    dated = _radiotherapy_of_the_compression("stopped", 29) | {"performedDateTime": days_ago(29)}
    del dated["performedPeriod"]
    mscc, _ = only_compression(primary, compression(onset=days_ago(500)), status, dated)
    assert mscc.facts["motor_function"].value == "not_ambulatory"


@pytest.mark.parametrize("code,system", [("282145008", SCT), ("G82.2", ICD10)])
def test_a_paraplegia_or_inability_to_walk_that_began_after_the_radiotherapy_is_not_the_status_before_it(code,
                                                                                                         system):
    """Only Observations taken since the radiotherapy began were set aside: a paraplegia Condition (or "unable to
    walk") whose onset is three days into the course was counted as the motor status before radiotherapy."""
    since = condition("para", system, code, onset=days_ago(3))
    mscc, _found = only_compression(since, compression(), _radiotherapy_of_the_compression("in-progress", 10))
    fact = mscc.facts["motor_function"]
    assert fact.missing and "Condition/para" not in fact.sources
    assert any("after its radiotherapy began" in str(note) for note in fact.notes)
    before = condition("para", system, code, onset=days_ago(12))
    mscc, _ = only_compression(before, compression(), _radiotherapy_of_the_compression("in-progress", 10))
    assert mscc.facts["motor_function"].sources == ("Condition/para",)


def test_a_paraplegia_that_began_after_the_radiotherapy_does_not_bound_the_deficit_either():
    """The motor status set it aside, the deficit's days still counted from it: one card showed it refused and used
    (review)."""
    since = condition("para", ICD10, "G82.2", onset=days_ago(3))
    mscc, found = only_compression(since, compression(), _radiotherapy_of_the_compression("in-progress", 10))
    assert "Condition/para" not in mscc.facts["days_developing_motor_deficits"].sources
    assert found.entry("Condition/para").outcome == "ignored"


def test_visceral_absent_recorded_before_a_visceral_metastasis_began_describes_the_time_before():
    """"Absent" of October beside a liver metastasis of November read as conflicting data (Rades 37-40, undetermined,
    and a §1.5 card for a patient with a liver metastasis): it says nothing of now (probe 11). After the metastasis
    began, "absent" still disagrees with it: both stay possible."""
    liver = condition("liver", ICD10, "C78.7", onset=days_ago(20))
    absent = observation("visceral", "visceral-metastases", effective=days_ago(60), **coded("2667000", SCT))
    mscc, found = only_compression(liver, compression(), absent)
    fact = mscc.facts["visceral_metastases"]
    assert fact.value == "yes" and fact.sources == ("Condition/liver",)
    assert found.entry("Observation/visceral").outcome == "ignored"
    assert any("it describes the time before, not counted" in note for note in fact.notes)
    later = observation("visceral", "visceral-metastases", effective=days_ago(5), **coded("2667000", SCT))
    mscc, _ = only_compression(liver, compression(), later)
    assert set(mscc.facts["visceral_metastases"].value.values) == {"yes", "no"}


def test_unable_to_walk_before_the_radiotherapy_and_walking_again_since_is_the_status_before_it():
    """A Condition "unable to walk" that began before the radiotherapy and ended after it began (the patient walks
    again) was "not active" and not read: Rades scores the status before radiotherapy (review). Ended before the
    radiotherapy began, it is not the status before it."""
    course = _radiotherapy_of_the_compression("completed", 10)
    walked_again = condition("uw", SCT, "282145008", onset=days_ago(20), clinical="resolved")
    walked_again["abatementDateTime"] = days_ago(3)
    mscc, found = only_compression(walked_again, compression(), course)
    fact = mscc.facts["motor_function"]
    assert fact.value == OneOf("not_ambulatory", "paraplegic") and fact.sources == ("Condition/uw",)
    assert found.entry("Condition/uw").outcome == "used"
    assert any("after the radiotherapy began: it is the status before it" in flag for flag in fact.flags)
    walked_before = dict(walked_again, abatementDateTime=days_ago(15))
    mscc, _ = only_compression(walked_before, compression(), course)
    assert mscc.facts["motor_function"].missing


def test_visceral_absent_before_radiotherapy_stands_beside_a_metastasis_found_since_the_course_began():
    """Rades asks the visceral status when radiotherapy began: a liver metastasis that began after the course began
    does not supersede the "absent" recorded before it; both stay open (review: it gave a firm yes)."""
    liver = condition("liver", ICD10, "C78.7", onset=days_ago(5))
    absent = observation("visceral", "visceral-metastases", effective=days_ago(15), **coded("2667000", SCT))
    mscc, _ = only_compression(liver, compression(), absent, _radiotherapy_of_the_compression("in-progress", 10))
    assert set(mscc.facts["visceral_metastases"].value.values) == {"yes", "no"}
    mscc, _ = only_compression(condition("liver", ICD10, "C78.7", onset=days_ago(12)), compression(), absent,
                               _radiotherapy_of_the_compression("in-progress", 10))
    assert mscc.facts["visceral_metastases"].value == "yes"  # it began before the course: "absent" is older


def test_a_brain_metastasis_is_not_said_as_data_that_could_change_a_score_beside_visceral_present():
    brain = condition("brain", ICD10, "C79.3")
    present = observation("visceral", "visceral-metastases", **coded("52101004", SCT))
    _, found = only_compression(brain, compression(), present)
    assert not found.entry("Condition/brain").attention


CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


def _at(cid, text, category=None, code=None):
    """A compression at a level written in its bodySite's words ("T9", "D9": dorsal, French for thoracic)."""
    found = condition(cid, ICD10, "G95.2", onset="2026-11-01",
                      body_site=[{**({"coding": [{"system": SCT, "code": code}]} if code else {}), "text": text}])
    if category:
        found["category"] = [{"coding": [{"system": CATEGORY, "code": category}]}]
    return found


def _twin_flags(*resources):
    found = facts_of(condition("breast", SCT, "254837009", onset="2024-01-10"), *resources, *rades_observations())
    return {scored.condition: [flag for flag in scored.condition_flags if "may record one" in flag]
            for scored in found.scored_by("rades")}


def test_two_compressions_that_may_be_one_are_each_flagged_naming_the_other_and_where_each_is_recorded():
    """A problem-list entry "T9" and an encounter's diagnosis "D9" gave two identical "Rades score 39" cards and no
    word that they may be one compression (two Mirels lesions of one bone and side are flagged so)."""
    flags = _twin_flags(_at("problem", "T9", "problem-list-item", "122495006"),
                        _at("visit", "D9", "encounter-diagnosis"))
    assert flags == {
        "Condition/problem": ["another spinal cord compression is recorded at the same level (Condition/visit, an "
                              "encounter diagnosis; this one, on the problem list): they may record one compression"],
        "Condition/visit": ["another spinal cord compression is recorded at the same level (Condition/problem, on the "
                            "problem list; this one, an encounter diagnosis): they may record one compression"]}
    assert _twin_flags(_at("a", "T9"), _at("b", "T9-T10"))["Condition/a"] == [  # alike: named alone
        "another spinal cord compression is recorded at the same level (Condition/b): they may record one compression"]
    assert _twin_flags(_at("a", "T9"), _at("b", "L2")) == {"Condition/a": [], "Condition/b": []}  # two levels
    unread = _twin_flags(_at("a", "T9"), compression())  # the second has no site: its level is not read
    assert unread["Condition/a"] == ["another spinal cord compression is recorded (Condition/mscc), the level of one "
                                     "or both not read: they may record one compression"]
    regions = _twin_flags(_at("a", "cervical", code="122494005"), _at("b", "lumbar", code="122496007"))
    assert regions == {"Condition/a": [], "Condition/b": []}  # different regions, both coded
    level_and_region = _twin_flags(_at("a", "L1"), _at("b", "Compression médullaire dorsale", code="122495006"))
    assert level_and_region == {"Condition/a": [], "Condition/b": []}  # L1 is lumbar, never thoracic (probe 15)
    many = facts_of(*(_at(f"c{i}", f"T{i + 1}") for i in range(4)), _at("c4", "T4"))  # past four: a line each
    flagged = {scored.condition: [flag for flag in scored.condition_flags if "may record the same one" in flag]
               for scored in many.scored_by("rades")}
    line = "5 spinal cord compressions are recorded: some may record the same one (check their levels)"
    assert flagged == {"Condition/c0": [], "Condition/c1": [], "Condition/c2": [], "Condition/c3": [line],
                       "Condition/c4": [line]}  # only the two at T4 (five at distinct levels: none, review 14)
    unread = facts_of(*(_at(f"c{i}", f"T{i + 1}") for i in range(4)), compression())
    assert all(any("may record the same one" in flag for flag in scored.condition_flags)
               for scored in unread.scored_by("rades"))  # a compression of no level may be any of them


@pytest.mark.parametrize("locale,flag", [
    ("en", "another spinal cord compression is recorded at the same level (“Compression médullaire D9”, 2026-11-01, an "
           "encounter diagnosis; this one, on the problem list): they may record one compression"),
    ("fr", "une autre compression médullaire est enregistrée au même niveau («\u202fCompression médullaire "
           "D9\u202f», 01/11/2026, diagnostic de séjour ou de consultation\u202f; celle-ci, dans la liste des "
           "problèmes)\u202f: elles peuvent enregistrer une seule compression")])
def test_patient_view_flags_each_card_of_a_compression_recorded_twice(client, locale, flag):
    visit = _at("visit", "D9", "encounter-diagnosis")
    visit["code"]["text"] = "Compression médullaire D9"
    resources = [condition("breast", SCT, "254837009", onset="2024-01-10"),
                 _at("problem", "T9", "problem-list-item"), visit]

    def searchset(*found):
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in found]}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": {"resourceType": "Patient", "id": "p1"}, "conditions": searchset(*resources),
                         "observations": searchset(*rades_observations())}}
    cards = client.post("/cds-services/bonemet-patient-view", json=body,
                        headers={"Accept-Language": locale}).get_json()["cards"]
    rades = [card for card in cards if card["source"]["topic"]["code"] == "rades"]
    assert len(rades) == 2
    assert sum(flag in card["detail"] for card in rades) == 1, [card["detail"] for card in rades]
    assert all("may record one compression" in card["detail"] or "une seule compression" in card["detail"]
               for card in rades)



def test_times_in_two_zones_are_compared_as_instants_and_a_count_of_days_gives_no_hour():
    """A status at 00:50 Paris time (23:50 UTC) before an onset at 23:55 UTC the evening before was counted: its day
    is later, its instant earlier (review 14). A "2 d" recorded at 08:00 is a count of days, not 48 hours to the
    minute: a status at 07:30 two days before is not refused for it (it was), and a duration longer than the
    calendar is not a 500."""
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    day, before_day = days_ago(4), days_ago(5)
    walks = observation("motor", "motor-function", effective=f"{day}T00:50:00+01:00", **coded("ambulatory-without-aid"))
    mscc, found = only_compression(primary, compression(onset=f"{before_day}T23:55:00Z"), walks)
    assert mscc.facts["motor_function"].missing
    assert "by their times and time zones" in found.entry("Observation/motor").reason
    early = observation("motor", "motor-function", effective=f"{days_ago(6)}T07:30:00+01:00",
                        **coded("ambulatory-without-aid"))
    deficit = observation("deficit", "days-developing-motor-deficits", effective=f"{days_ago(4)}T08:00:00+01:00",
                          **quantity(2, "d"))
    mscc, _ = only_compression(primary, compression(onset=days_ago(30)), early, deficit)
    assert mscc.facts["motor_function"].value == "ambulatory_without_aid"
    endless = observation("deficit", "days-developing-motor-deficits", effective=f"{days_ago(4)}T08:00:00+01:00",
                          **quantity(1000000, "d"))
    mscc, _ = only_compression(primary, compression(onset=days_ago(30)), endless)
    assert mscc.facts["days_developing_motor_deficits"].value is not None


def test_two_motor_statuses_written_in_zones_that_reverse_their_days_the_later_in_time_wins():
    """Probe 23 (v08): "not ambulatory" at 23:30-05:00 on the 5th (04:30 UTC on the 6th) and "ambulatory" at
    01:00+01:00 on the 6th (00:00 UTC): the 6th's was used, as the later day written. In time it is the earlier:
    the later in time counts, and the note says so, each at its time in UTC."""
    day, before = (AS_OF - timedelta(days=1)), (AS_OF - timedelta(days=2))
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    late = observation("motor", "motor-function", effective=f"{before.isoformat()}T23:30:00-05:00",
                       **coded("not-ambulatory"))
    early = observation("motor2", "motor-function", effective=f"{day.isoformat()}T01:00:00+01:00",
                        **coded("ambulatory-without-aid"))
    mscc, _ = only_compression(primary, compression(), late, early, *rades_observations()[1:])
    motor = mscc.facts["motor_function"]
    assert motor.value == "not_ambulatory" and motor.sources == ("Observation/motor",)
    assert any("written in different time zones: the latest in time counts" in str(note)
               and f"{day.isoformat()} 04:30 UTC" in str(note) for note in motor.notes), motor.notes


def test_a_visceral_status_valued_with_the_metastasis_itself_says_present():
    """A visceral-metastases Observation valued "Secondary malignant neoplasm of liver" (SNOMED CT 94381002), not
    present/absent: it was "not a code of ValueSet presence" and §1.5 said nothing recorded whether there are visceral
    metastases (review 14). The value names one: present."""
    liver = observation("visceral", "visceral-metastases", **coded("94381002", SCT))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(), liver)
    assert mscc.facts["visceral_metastases"].value == "yes"


def test_two_motor_statuses_the_same_day_at_their_times_and_zones_the_latest_wins():
    """Probe 16: "ambulatory without aid" at 02:00Z and "not ambulatory" at 05:00Z the same day read "conflicting
    values on the same date" (Rades 30-37), and the summary "(records undated)". Each gives its time and zone: the
    latest is known, and counts, as it would on another day. Without times, the day's conflict stays, dated."""
    day = (AS_OF - timedelta(days=1)).isoformat()
    primary = condition("breast", SCT, "254837009", onset="2024-01-10")
    earlier = observation("motor", "motor-function", effective=f"{day}T02:00:00Z", **coded("ambulatory-without-aid"))
    later = observation("motor2", "motor-function", effective=f"{day}T06:00:00+01:00", **coded("not-ambulatory"))
    others = rades_observations()[1:]
    mscc, _ = only_compression(primary, compression(), earlier, later, *others)
    motor = mscc.facts["motor_function"]
    assert motor.value == "not_ambulatory" and motor.sources == ("Observation/motor2",) and motor.recorded == day
    assert any("conflicting values the same day, the latest by its time wins" in str(note) and f"{day} 05:00 UTC"
               in str(note) for note in motor.notes), motor.notes
    # 06:00 in Paris is 05:00 UTC: before 05:30 UTC, which wins then.
    latest = earlier | {"effectiveDateTime": f"{day}T05:30:00Z"}
    mscc, _ = only_compression(primary, compression(), latest, later, *others)
    assert mscc.facts["motor_function"].value == "ambulatory_without_aid"
    undated_times = [o | {"effectiveDateTime": day} for o in (earlier, later)]
    mscc, _ = only_compression(primary, compression(), *undated_times, *others)
    motor = mscc.facts["motor_function"]
    assert motor.value == OneOf("ambulatory_without_aid", "not_ambulatory") and motor.recorded == day


@pytest.mark.parametrize(("row", "recorded_days_ago", "expected"), [
    ("8_to_14_days", 0, Between(8, 14)), ("8_to_14_days", 20, Between(28, 34)),
    ("1_to_7_days", 0, Between(1, 7)), ("over_14_days", 0, AtLeast(14, excluded=True))])
def test_a_deficit_duration_given_as_the_tables_own_row_is_read_as_its_days(row, recorded_days_ago, expected):
    """Probe 18: "8_to_14_days" of the project's own CodeSystem table-row read "has no numeric valueQuantity". The
    row stands for its days when recorded, counted on to the assessment date as a number of days is. The first row
    is "1–7 days" as recorded, not "0 to 7 days" (its band holds a deficit of hours too: the same row either way)."""
    rows = "http://bonemet-cds.org/fhir/CodeSystem/table-row"
    deficit = observation("deficit", "days-developing-motor-deficits", effective=days_ago(recorded_days_ago),
                          **coded(row, rows))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"), compression(),
                               *[o for o in rades_observations() if o["id"] != "deficit"], deficit)
    assert mscc.facts["days_developing_motor_deficits"].value == expected


@pytest.mark.parametrize("recorded,counted", [(17, True), (30, True), (31, False), (3, False)])
def test_a_status_before_a_radiotherapy_begun_is_aged_on_its_first_day_not_today(recorded, counted):
    """Tableau 4 asks the motor status before radiotherapy. A course of the compression began 16 days ago; a status
    recorded the day before it, the course ended 12 days ago, was refused as "17 days before the assessment: older than
    the 14-day window", while
    the deficit of the same day was counted to the course's first day (probe 20): two clocks. The window is taken
    on the day the moment it describes ended: 14 days before the first day still counts, 15 does not; one taken
    since is not the status before it."""
    course = _radiotherapy_of_the_compression("completed", 16)
    course["performedPeriod"]["end"] = days_ago(12)  # ended within the window: it bounds the statuses
    status = observation("motor", "motor-function", effective=days_ago(recorded), **coded("ambulatory-with-aid"))
    mscc, _ = only_compression(status, compression(onset=days_ago(40)), course)
    fact = mscc.facts["motor_function"]
    assert (fact.value == "ambulatory_with_aid") is counted, fact.notes
    if recorded == 31:
        assert any(f"15 days before its radiotherapy began ({days_ago(16)}): older than the 14-day window" in str(note)
                   for note in fact.notes), fact.notes
    no_course, _ = only_compression(status, compression(onset=days_ago(40)))  # none begun: aged as of today
    assert (no_course.facts["motor_function"].value == "ambulatory_with_aid") is (recorded <= 14)


@pytest.mark.parametrize("code", [("60389000", SCT), ("282145008", SCT)])  # paraplegia, unable to walk
@pytest.mark.parametrize("value,read", [
    ({}, True),
    ({"valueBoolean": True}, True),
    ({"valueCodeableConcept": cc(SCT, "373066001")}, True),  # "Yes"
    ({"valueCodeableConcept": cc(SCT, "373067005")}, False),  # "No"
    ({"valueBoolean": False}, False),
    ({"dataAbsentReason": cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "asked-unknown")}, False),
    ({"valueString": "non"}, False),
    ({"valueQuantity": {"value": 0}}, False),
    ({"interpretation": [cc("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG")]}, False),
    ({"text": "Pas de paraplégie"}, False),
    ({"text": "Paraplégie, sans précision"}, True),
])
def test_a_finding_coded_as_the_observation_counts_only_where_it_says_it_is_present(code, value, read):
    """Review 21: a paraplegia Observation with "No", a dataAbsentReason, "non" or "Pas de paraplégie" was read as
    paraplegic (the worst Rades row), and "Yes" was dropped; "unable to walk" read the same way. The code is the
    finding only with no value, true, or a coded yes; anything else says nothing of how the patient walks, and says
    why."""
    finding = observation("f", code[0], system=code[1], effective=days_ago(1))
    value = dict(value)  # the parameters are shared by both codes
    words = value.pop("text", None)
    finding.update(value)
    if words:
        finding["code"]["text"] = words
    mscc, found = only_compression(finding, compression())
    fact = mscc.facts["motor_function"]
    if read:
        assert not fact.missing and fact.sources == ("Observation/f",), fact
    else:
        reason = found.entry("Observation/f").reason  # a dataAbsentReason is said as for any Observation
        assert fact.missing and any(words in reason for words in (
            "says nothing of how the patient walks", "no value recorded", "not read")), reason


@pytest.mark.parametrize("later, first", [("paraplegic", True), ("ambulatory-without-aid", False)])
def test_a_status_since_radiotherapy_with_none_before_is_said_first_unless_walking_unaided(later, first):
    """Review 33 (n26): no status before an 8 Gy course, "Paraplegic" recorded since: the card said only "a motor
    status recorded since its radiotherapy began … is not counted", the paraplegia nowhere. With none known before,
    any status but walking unaided may be worse: said first, with its value."""
    since = observation("since", "motor-function", effective=days_ago(1), **coded(later))
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                               compression(onset=days_ago(10)), since, _radiotherapy_of_the_compression("completed", 5))
    assert mscc.facts["motor_function"].missing
    assert bool(mscc.status_since) is first
    if first:
        assert "a motor status “Paraplegic” is recorded" in str(mscc.status_since[0])
    # One not read ("Paraplégie complète" in words), none known before: it may be worse too (review 34).
    words = observation("since", "motor-function", effective=days_ago(1),
                        valueCodeableConcept={"text": "Paraplégie complète"})
    mscc, _ = only_compression(condition("breast", SCT, "254837009", onset="2024-01-10"),
                               compression(onset=days_ago(10)), words, _radiotherapy_of_the_compression("completed", 5))
    assert mscc.status_since and "a motor status is recorded that is not read" in str(mscc.status_since[0])
