"""The words that name a procedure coded in no list the service reads (CCAM, a local code): an operation, the
surgery §1.4 follows, a radiotherapy course, or a step beside one (a planning CT). What is said of it first on a card
follows from them; and a course they name, given for the Condition its reason names, bounds what came "before
radiotherapy" (Rades), as a coded one does. They never give a score's input."""

from __future__ import annotations

import re
from typing import Any

from ..i18n import N_
from .place import one_long_bone
from .terminology import describe_concepts, objects

# The words of an operation that may have fixed, decompressed or filled a bone, in English and French: what makes a
# procedure coded outside the lists (CCAM, a local code) worth saying first on a card. Names of such operations count
# whatever else the words say ("vertébroplastie sous scanner"); general words (surgery, a plate, a resection) only
# where no imaging, infusion or puncture word is there ("scanner du fémur, bilan préopératoire", "platelet
# transfusion" are none). Imaging, a puncture, a biopsy: named in the mapping report only.
OPERATION_WORDS = re.compile(
    r"fixation|ost[ée]osynth|enclou|arthrod|arthroplast|proth[èe]s|prosthe|replacement|resurfac|spondylod|laminectom|"
    r"d[ée]compress|vert[ée]broplast|cimentoplast|cementoplast|cyphoplast|kyphoplast|corporectom|vert[ée]brectom|ost[ée]otom",
    re.IGNORECASE)
_GENERAL_WORDS = re.compile(r"\bclou|\bnail|\bplaques?\b|\bplates?\b|\bvis\b|\bscrews?\b|\bfusion|\binstrument|"
                            r"r[ée]section|curet+age|chirurg|surg|\bop[ée]r", re.IGNORECASE)
_NOT_AN_OPERATION = re.compile(r"scanner|\btdm\b|\birm\b|\bmri\b|\bct\b|radiograph|x-ray|scintig|\btep\b|\bpet\b|"
                               r"[ée]chograph|ultraso|biops|ponction|puncture|infusion|perfusion|transfusion|injection|"
                               r"consult", re.IGNORECASE)
# The hip in an operation's site words ("Hip region structure", "hanche gauche"): its replacement (the femur's head
# and neck) may be the femur's; not an operation of the pelvis's side of it (review 21: an acetabular cementoplasty).
# An operation of the spine by its words (no bone of a limb beside them): "Laminectomie D8 décompressive" coded in
# CCAM, no bodySite (probe 23 v19).
_SPINE_OPERATION_WORDS = re.compile(r"laminectom|laminoplast|corporectom|vert[ée]brectom|vert[ée]bro|cyphopl|kyphopl|"
                                   r"spondylod|rachi|vert[eèé]br|\bspinal", re.IGNORECASE)
HIP_WORDS = re.compile(r"\bhips?\b|\bhanches?\b|coxo-?f[ée]moral", re.IGNORECASE)
REPLACEMENT_WORDS = re.compile(r"arthroplast|proth[èe]s|prosthe|replacement|resurfac", re.IGNORECASE)
PELVIS_WORDS = re.compile(r"ac[ée]tabul|cotyl|iliaque|\biliac|ilium|\bpubi|ischi|coxal|bassin|pelvi|sacr",
                          re.IGNORECASE)
# The surgery §1.4 follows, in words (a fixation, a decompression, a resection of the bone or the spine); not a
# cementoplasty nor a vertebroplasty, interventional radiology the guideline's "geste opératoire" may not cover.
SURGERY_WORDS = re.compile(r"fixation|ost[ée]osynth|enclou|arthrod|arthroplast|proth[èe]s|prosthe|replacement|"
                           r"resurfac|spondylod|"
                           r"laminectom|d[ée]compress|corporectom|vert[ée]brectom|ost[ée]otom|\bnail|\bclou\b|"
                           r"intramedull|centrom[ée]dullaire|\bpinning|\bplating|\bORIF\b", re.IGNORECASE)
# A radiotherapy named in words, its code in no list (CCAM, a local code): said where a course given since would
# change the advice (§1.4), and a course of the Condition its reason names (``procedures.radiotherapies_of``).
RADIOTHERAPY_WORDS = re.compile(r"radioth[ée]rap|radiotherap|irradiat|\bRTE\b|\bRTH\b|\d\s*c?Gy\b|st[ée]r[ée]ota|"
                                r"stereota|\bSBRT\b|\bSABR\b", re.IGNORECASE)
# Words of a step before or beside a course, not the course (review 18: a planning CT "Scanner de dosimétrie
# radiothérapie", "Consultation d'annonce radiothérapie" bounded the Rades statuses as a course begun).
NOT_A_COURSE = re.compile(r"scanner|\btdm\b|\bct\b|\birm\b|\bmri\b|dosim[ée]tr|dosimetr|centrage|simulat|consult|"
                          r"annonce|planning|planification|contourage|contouring|\bimagerie\b|\bimaging\b|visit|follow|suivi|nurse|"
                          r"infirmi|referral|safety|s[ée]curit", re.IGNORECASE)


def may_be_operation(code: Any) -> bool:
    """Whether a procedure coded outside the lists may be an operation: its words say so; a bare code says nothing,
    so it may be one (said, never read)."""
    words = [code.get("text")] + [coding.get("display") for coding in objects(code.get("coding"))] \
        if isinstance(code, dict) else []
    worded = any(isinstance(text, str) and text.strip() for text in words)
    text = describe_concepts([code])
    if RADIOTHERAPY_WORDS.search(text):  # "Radiothérapie du fémur après enclouage": a course, not an operation
        return False
    return not worded or bool(OPERATION_WORDS.search(text)) or (
        bool(_GENERAL_WORDS.search(text)) and not _NOT_AN_OPERATION.search(text))


# An order's words for a course, the US way too ("Radiation Oncology - External Beam", "EBRT").
_COURSE_WORDS = re.compile(r"radiation (therapy|oncology|treatment)|external beam|\b(EBRT|IMRT|VMAT|XRT)\b",
                           re.IGNORECASE)


def names_a_course(code: Any, ordered: bool = False) -> bool:
    """Whether a code's words name a radiotherapy course, not a step beside one (a planning CT, a consultation, a
    visit). ``ordered``: a draft order's words, its codings' displays and the US words too ("XRT", "Radiation
    treatment management"): read only to say the order was not checked. A recorded Procedure's words bound Rades's
    statuses, so only the narrower words count there (review 19: "Radiation oncology follow-up visit")."""
    if not isinstance(code, dict):
        return False
    words = " ".join(text for text in [code.get("text"), *(c.get("display") for c in objects(code.get("coding")))]
                     if isinstance(text, str)) if ordered else describe_concepts([code])
    return bool(RADIOTHERAPY_WORDS.search(words) or (ordered and _COURSE_WORDS.search(words))) \
        and (bool(_GIVEN.search(words)) or not NOT_A_COURSE.search(words))


# Words of a course being given, whatever else they say ("Séance d'irradiation externe … contrôle par imagerie [IGRT]",
# "20 Gy/5"): a dose or a session is the treatment itself (review 20).
_GIVEN = re.compile(r"\d\s*c?Gy\b|s[ée]ance d.irradiation|irradiation externe|\bsession|\bfraction", re.IGNORECASE)


def spinal_operation(code: Any) -> bool:
    """Whether an operation's words name the spine, and no long bone ("Laminectomie D8 décompressive")."""
    words = describe_concepts([code])
    return bool(_SPINE_OPERATION_WORDS.search(words)) and one_long_bone(words) is None


# What a long bone's card says first of an operation whose code is not read, by (before the lesion began, naming
# it): never that it was a fixation, which its code does not say (the summary too: "operation recorded").
UNREAD_OPERATION = {
    (True, True): N_("an operation of this lesion is recorded before it began ({operation}), its code in none of the "
                     "procedure lists read here: check what it treated"),
    (True, False): N_("an operation of the same bone is recorded before this lesion began ({operation}), its code in "
                      "none of the procedure lists read here: check what it treated"),
    (False, True): N_("an operation of this lesion is recorded ({operation}), its code in none of the procedure lists "
                      "read here: if it fixed the bone, Mirels no longer applies; check it first"),
    (False, False): N_("an operation of the same bone is recorded ({operation}), its code in none of the procedure "
                       "lists read here: if it fixed the bone, Mirels no longer applies; check it first")}
