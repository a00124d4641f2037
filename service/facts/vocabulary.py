"""What each calculator item is called, which codes say it, and which resource supplies it.

Written once here; the extractors (``items/``), the renderer (score Observation
components), the prefetch templates and the tests read these tables. The codes
themselves are the ValueSets of ``fhir_profiles/``: this module only says which
ValueSet means what.
"""

from __future__ import annotations

from ..calculators.registry import NAMES, tables
from ..i18n import said
from .terminology import BASE_URL, OWN_SYSTEM

PROFILE_BASE = "http://bonemet-cds.org/fhir/StructureDefinition"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"
MCODE_HISTOLOGY = f"{MCODE}/mcode-histology-morphology-behavior"
MCODE_LATERALITY = f"{MCODE}/mcode-laterality-qualifier"
MCODE_LOCATION = f"{MCODE}/mcode-body-location-qualifier"
MCODE_RELATED_CONDITION = f"{MCODE}/mcode-related-condition"
# FHIR's extension "BodyStructure Reference": a body site recorded as a BodyStructure (location and its qualifiers).
BODY_SITE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/bodySite"

# Item -> its code in the project's CodeSystem (an Observation that gives it, and the score
# Observation's component), as each table in seeds/ names it: a new calculator brings its own.
ITEM_CODES = {item.name: item.code for table in tables() for item in table.items}
ITEM_OF_CODE = {code: item for item, code in ITEM_CODES.items()}
# Codes of the items an Observation of that code gives ("observed" in seeds/): the record files them by code.
OBSERVED_ITEM_CODES = frozenset(item.code for table in tables() for item in table.items if item.observed)
# Answers given by a person (QuestionnaireResponse): the project's Questionnaires, one per
# calculator, whose answers are coded as rows of the tables.
QUESTIONNAIRES = {f"{BASE_URL}/Questionnaire/bonemet-{calculator}": calculator for calculator in NAMES}
ROW_SYSTEM = f"{BASE_URL}/CodeSystem/table-row"

OSTEOLYSIS_COMPONENTS = {"cortical-osteolysis-axial": "cortical_osteolysis_axial_percent",
                         "cortical-osteolysis-circumference": "cortical_osteolysis_circumference_percent"}

# Observations by what they say. Own codes are matched by code; the others through a ValueSet.
LESION_OBSERVATION_CODES = ("lesion-size", "lesion-type", "mirels-pain", "cortical-osteolysis", "cortical-width")
RADES_OBSERVATION_CODES = ("visceral-metastases", "motor-function", "days-developing-motor-deficits")
TUMOUR_SIZE_VS = "tumour-size"
PAIN_SCORE_VS = "pain-score-0-10"
CONTEXT_VALUE_SETS = {"performance-status": said("performance status (ECOG / Karnofsky)")}

# Conditions.
PRIMARY_GROUPS = {  # ValueSet -> Rades primary row; the lung set without histology -> the morphology decides
    "primary-breast": "breast",
    "primary-prostate": "prostate",
    "primary-myeloma-lymphoma": "myeloma_lymphoma",
    "primary-nsclc": "nsclc",
    "primary-sclc": "sclc",
    "primary-lung-histology-needed": None,
    "primary-unknown": "unknown_primary",
    "primary-kidney": "kidney",
    "primary-colorectal": "colorectal",
    "primary-other": "other",
}
MORPHOLOGIES = {"morphology-small-cell": "sclc", "morphology-non-small-cell": "nsclc"}
CONDITION_KINDS = {  # ValueSet -> what the Condition is
    "bone-metastasis": "lesion",
    "spinal-cord-compression": "compression",
    "visceral-metastasis": "visceral",
    "metastasis-visceral-undetermined": "undetermined_site",
    "paraplegia": "paraplegia",
    "motor-function-not-walking": "not_walking",  # "unable to walk" on the problem list: a motor status
}

# Body sites.
LONG_BONES = {"long-bone-upper-limb": "upper_limb", "long-bone-lower-limb": "lower_limb"}
FEMUR = "71341001"
FEMUR_REGIONS = {  # ValueSet -> the femur's Mirels site; "undetermined" keeps both rows possible
    "peritrochanteric-region": "peritrochanteric",
    "femur-region-not-peritrochanteric": "lower_limb",
    "femur-region-undetermined": "undetermined",
}
NOT_LONG_BONE_VS = "bone-not-long-bone"
LATERALITY_VS = "laterality"
BONE_SITE_SETS = frozenset(LONG_BONES) | frozenset(FEMUR_REGIONS) | {NOT_LONG_BONE_VS}  # a bodySite that is a bone
# A metastasis whose code does not say where (mCODE: 128462008 with an ICD-O-3 topography): its bodySite says.
SITE_IN_BODY_SITE_VS = "metastasis-site-in-body-site"

# Observation values.
PRESENCE_VS, PRESENT = "presence", {"52101004", "373066001", "LA33-6", "Y"}  # present, or yes (SNOMED CT, LOINC, v2)
MOTOR_FUNCTION_VS = "motor-function"
NOT_WALKING_VS = "motor-function-not-walking"

# The kind of treatment a code orders or records, by ValueSet: read by the draft orders (``orders``, order-sign)
# and by the procedures done (``procedures``, every door), which so need not import the order-sign code.
KIND_VALUE_SETS = {
    "order-radiotherapy": "radiotherapy",
    "order-prophylactic-fixation": "prophylactic_fixation",
    "order-decompressive-surgery": "decompressive_surgery",
}

# Every ValueSet the mapper reads; a test checks it is exactly those in fhir_profiles/ (orders aside).
VALUE_SETS_USED = frozenset(PRIMARY_GROUPS) | frozenset(MORPHOLOGIES) | frozenset(CONDITION_KINDS) | frozenset(
    LONG_BONES) | frozenset(FEMUR_REGIONS) | frozenset(CONTEXT_VALUE_SETS) | {
    NOT_LONG_BONE_VS, LATERALITY_VS, SITE_IN_BODY_SITE_VS, TUMOUR_SIZE_VS, PAIN_SCORE_VS, PRESENCE_VS,
    MOTOR_FUNCTION_VS, NOT_WALKING_VS, "lesion-type", "mirels-pain", "lesion-size-row"}
# Every code of the CodeSystem the mapper names; a test checks each is published.
OWN_CODES_USED = frozenset(LESION_OBSERVATION_CODES) | frozenset(RADES_OBSERVATION_CODES) | frozenset(
    OSTEOLYSIS_COMPONENTS) | frozenset(ITEM_CODES.values())

# Which resource would supply each missing item (shown to the clinician).
SUPPLIED_BY = {
    "lesion_site": said("the bone metastasis Condition's bodySite: a long bone (humerus, radius, ulna, femur, tibia, "
                        "fibula) and, for the femur, its region (peritrochanteric, or shaft, neck, head...) "
                        "({profile})", profile=f"{PROFILE_BASE}/bonemet-bone-metastasis"),
    "lesion_size": said("an Observation coded {code} with focus = the lesion, value in % or ratio ({profile}); or a "
                        "tumour size (LOINC 21889-1 / 33728-7) together with an Observation {width} of the same "
                        "lesion", code=f"{OWN_SYSTEM}#lesion-size", profile=f"{PROFILE_BASE}/bonemet-lesion-size",
                        width=f"{OWN_SYSTEM}#cortical-width"),
    "lesion_type": said("an Observation coded {code} (lytic, mixed, blastic) with focus = the lesion ({profile})",
                        code=f"{OWN_SYSTEM}#lesion-type", profile=f"{PROFILE_BASE}/bonemet-lesion-type"),
    "pain": said("an Observation coded {code} (mild, moderate, functional) with focus = the lesion ({profile})",
                 code=f"{OWN_SYSTEM}#mirels-pain", profile=f"{PROFILE_BASE}/bonemet-mirels-pain"),
    "primary_tumour": said("the primary cancer Condition, coded in SNOMED CT, ICD-10, CIM-10 or ICD-10-CM, with its "
                           "histology for a lung cancer ({profile})",
                           profile=f"{PROFILE_BASE}/bonemet-primary-cancer-condition"),
    "months_to_cord_compression": said("the primary cancer Condition's onset (or assertedDate: recordedDate only "
                                       "bounds it) and the spinal cord compression Condition's onset"),
    "visceral_metastases": said("an Observation coded {code} (present / absent) ({profile}), or an active visceral "
                                "metastasis Condition ({condition})", code=f"{OWN_SYSTEM}#visceral-metastases",
                                profile=f"{PROFILE_BASE}/bonemet-visceral-metastases-status",
                                condition=f"{PROFILE_BASE}/bonemet-visceral-metastasis"),
    "motor_function": said("an Observation coded {code} ({profile}), or an active paraplegia or 'unable to walk' "
                           "Condition",
                           code=f"{OWN_SYSTEM}#motor-function", profile=f"{PROFILE_BASE}/bonemet-motor-function"),
    "days_developing_motor_deficits": said("an Observation coded {code} in d, wk or mo ({profile}): when the motor "
                                           "deficit began", code=f"{OWN_SYSTEM}#days-developing-motor-deficits",
                                           profile=f"{PROFILE_BASE}/bonemet-motor-deficit-duration"),
}


def observation_search_codes(terminology) -> list[str]:
    """``system|code`` tokens of every Observation code the mapper reads, for a FHIR search
    (``Observation?code=...``): the project's CodeSystem as a whole, and each other code."""
    tokens = [f"{OWN_SYSTEM}|"]
    for vs_id in (TUMOUR_SIZE_VS, PAIN_SCORE_VS, NOT_WALKING_VS, "paraplegia", *CONTEXT_VALUE_SETS):  # a finding too
        tokens += sorted(f"{system}|{code}" for system, code in terminology.value_set(vs_id).exact)
    return tokens


def condition_kinds_of(memberships: list[frozenset[str]]) -> list[str]:
    """What a Condition's codings say it is ("primary", "lesion"...), from each coding's ValueSets (in their
    order), each kind once."""
    kinds: list[str] = []
    for ids in memberships:
        if ids:
            kinds += [kind for kind in _kinds_of(ids) if kind not in kinds]
    return kinds


_KINDS_OF: dict[frozenset[str], tuple[str, ...]] = {}  # ValueSet ids -> the kinds they name (few distinct sets)


def _kinds_of(ids: frozenset[str]) -> tuple[str, ...]:
    found = _KINDS_OF.get(ids)
    if found is None:
        found = (("primary",) if any(vs_id in ids for vs_id in PRIMARY_GROUPS) else ()) + tuple(
            kind for vs_id, kind in CONDITION_KINDS.items() if vs_id in ids)
        if len(_KINDS_OF) < 10_000:  # bounded, though sets of ValueSet ids are the project's own
            _KINDS_OF[ids] = found
    return found
