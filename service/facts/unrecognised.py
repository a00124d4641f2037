"""The verdict on a Condition whose codes no ValueSet holds: why it still looks relevant (a metastasis at a
site the ValueSets do not place, a cancer the Rades table does not classify, a pathological fracture, a code
of a system the calculators do not read, words naming a cancer), so that it is named to the clinician, never
read, and never silently dropped.
"""

from __future__ import annotations

import re
from typing import Any

from ..i18n import Said, said
from . import terminology
from .place import fracture_place, on_the_midline, one_long_bone, spine_in_words
from .terminology import (
    ICD10_CM,
    ICD_O_3,
    LOINC,
    OWN_SYSTEM,
    SNOMED,
    Terminology,
    canonical_system,
    codings,
    describe_concepts,
    is_icd10,
    load_terminology,
    objects,
    snomed_hint,
)
from .vocabulary import BONE_SITE_SETS, CONDITION_KINDS, MCODE, PRIMARY_GROUPS

_READ_SYSTEMS = {SNOMED, ICD_O_3, LOINC, OWN_SYSTEM}  # with the ICD-10 family: the code systems of fhir_profiles/
_CANCER_CHAPTER = "C"  # ICD-10 chapter II, malignant neoplasms: a cancer the tables may not place
_SECONDARY = ("C77", "C78", "C79", "C7B")  # ICD-10 (and -CM) secondary malignant neoplasms
_BLOOD_CANCERS = tuple(f"C9{digit}" for digit in range(7))  # C90-C96: myeloma (C90.0) and lymphomas are placed
# Words, English and French, by which a diagnosis whose code no ValueSet holds still looks relevant: named, never read.
_CANCER_WORDS = re.compile(r"m[eé]tasta|malign|cancer|carcino|sarcom|my[eé]lom|lymphom|(tumeur|n[eé]oplas\w*) second|"
                           r"spinal cord compression|compression m[eé]dullaire|parapl[eé]gi|t[eé]trapl[eé]gi|"
                           r"quadripl[eé]gi", re.IGNORECASE)
# A bone already broken (WHO and CIM-10: M84.4 pathological fracture NEC, M90.7 fracture in neoplastic disease;
# ICD-10-CM: M84.4, M84.5 in neoplastic disease): Mirels scores the risk of a fracture to come, and the sources are
# silent on a fracture that has happened. Named with that, never read. Codes without their dot.
# A national modification keeps WHO's categories (as CIM-10 does); ICD-10-CM, a clinical modification, has its own.
_PATHOLOGICAL_FRACTURES = {ICD10_CM: ("M844", "M845")}
_WHO_PATHOLOGICAL_FRACTURES = ("M844", "M907")
# A vertebral collapse is a fracture (source 003: "le tassement vertébral qui est un type de fracture"): its words,
# of a vertebra (a word or a level), not negated, not a disc's nor another bone's ("tassement discal", "de la tête
# fémorale": reviews 17).
_COLLAPSE_WORDS = re.compile(r"\btassement|\bcollapsed? (of )?(a )?vert[eé]br|\bvertebral (body )?(collapse|fracture)|"
                             r"\bcompression (fracture|fx)\b|\bfracture[- ]tassement|\bfractures? vert[eé]brale|"
                             r"\bheight loss|perte de hauteur", re.IGNORECASE)
_OF_A_VERTEBRA = re.compile(r"vert[eé]br|rachi|spin|\b[CTLD] ?\d{1,2}\b|\bS[1-5]\b", re.IGNORECASE)
_NOT_A_COLLAPSE = re.compile(r"\b(sans|pas de|absence de|no|without|non)\s+(\w+\s+)?(tassement|collapse|compression|"
                             r"fracture|height)|discal|\bdis[ck]s?\b|intervert[eé]bral|f[eé]mor|humér|tibia|t[eê]te",
                             re.IGNORECASE)


def _collapse_in_words(words: str) -> bool:
    """Whether words record a vertebra's collapse (a fracture): its words, of a vertebra, not negated."""
    return bool(_COLLAPSE_WORDS.search(words) and _OF_A_VERTEBRA.search(words) and not _NOT_A_COLLAPSE.search(words))

_FRACTURE_WORDS = re.compile(r"patholog\w* fracture|fracture\w* patholog|fracture\w* (osseuse )?(au cours|sur) "
                             r"(de |d'une )?(maladie|m[eé]tastase|tumeur|l[eé]sion)", re.IGNORECASE)


# "Fract. humérus D", "Fracture fémur G" under a local code (probe 23 c05): a record whose subject is a fracture (its
# words open with it), of the one long bone they name; said on that bone's lesions' cards only, with the side its
# words give, never settled. Not a fracture to come, a healed one or a risk ("Fracture imminente", "consolidée",
# "Métastase… risque de fracture", "Pas de fracture": review 26).
_FRACTURE_FIRST = re.compile(r"^\W*fract(?:ures?\b|\.|\b)", re.IGNORECASE)
_NOT_A_BREAK = re.compile(r"imminent|impending|risque|\brisk|menace|consolid|healed|guérie|s[ée]quell|ancienne|\bold\b|"
                          r"ant[ée]c[ée]dent|history|\bpas\b|\bno\b|\bnot\b|\bsans\b|without|pr[ée]vention",
                          re.IGNORECASE)
# Words that leave a fracture possible, not recorded as sure: said first on the card, never taken as broken (review 29).
_NOT_SURE = re.compile(r"[àa] [ée]liminer|\brule out\b|\bsuspect(?:e|ée?s?|ed)?\b|\bpossible\b|\bprobable\b|"
                       r"(?<!\w)\?", re.IGNORECASE)  # whole words ("impossible" is none; "f?mur", a lost accent)


def long_bone_fracture_in_words(words: str) -> str | None:
    """The one long bone (SNOMED CT) a fracture's words name, or None."""
    return one_long_bone(words) if _FRACTURE_FIRST.search(words) and not _NOT_A_BREAK.search(words) else None


def _fracture_codes(system: str) -> tuple[str, ...]:
    """The codes of a pathological fracture in an ICD-10 system, without their dot (none in another system)."""
    return _PATHOLOGICAL_FRACTURES.get(system, _WHO_PATHOLOGICAL_FRACTURES) if is_icd10(system) else ()


def _read(system: str) -> bool:
    return system in _READ_SYSTEMS or is_icd10(system)


def names_secondary(condition: dict[str, Any]) -> bool:
    """Whether a Condition's ICD-10 codes name a secondary malignant neoplasm (a metastasis, wherever it is)."""
    return any(is_icd10(canonical_system(c.get("system") or "")) and str(
        c.get("code") or "").strip().upper().startswith(_SECONDARY) for c in codings(condition.get("code")))


def not_a_bone(condition: dict[str, Any], terms: Terminology) -> Said | None:
    """Why a metastasis coded without its site (``SITE_IN_BODY_SITE_VS``) is not a bone metastasis, or None
    when its bodySite names a bone of the site ValueSets (its Mirels site is then read as any lesion's)."""
    sites = objects(condition.get("bodySite"))
    code = describe_concepts([condition.get("code")])[:100]
    if not sites:
        return said("a metastasis coded without its site ('{code}') and with no bodySite: which bone or organ is "
                    "not known; not used", code=code)
    if any(_bone_topography(coding) or terms.memberships(coding.get("system"), coding.get("code"))
           & BONE_SITE_SETS for site in sites for coding in codings(site)):
        return None
    return said("a metastasis coded without its site ('{code}') whose bodySite ({site}) has no code of a bone "
                "the ValueSets place: not used as a bone metastasis; a visceral metastasis is read from the codes "
                "of the visceral-metastasis ValueSet", code=code, site=describe_concepts(sites)[:200] or "no code")

def looks_like_cancer(condition: dict[str, Any], found: list[dict[str, Any]] | None = None) -> str | None:
    """Why an unrecognised Condition still looks relevant (so it is named, not dropped), or None. One
    whose diagnosis is not coded cannot be told apart: it may be a metastasis, and is named. A SNOMED CT code
    also says what would read it if it is a descendant of a concept of the ValueSets (``snomed_hint``).
    ``found``: the codings of its code, when the caller has them (``codings``)."""
    found = codings(condition.get("code")) if found is None else found
    why = _why_relevant(condition, found)
    hint = snomed_hint(found) if why is not None else None
    return said("{why}; {hint}", why=why, hint=hint) if hint is not None else why

def _why_relevant(condition: dict[str, Any], found: list[dict[str, Any]]) -> str | None:
    concept = condition.get("code")
    for coding in found:
        if coding.get("code") and coding.get("system"):
            break
    else:
        # A display alone is no code, and a code without its system may mean anything.
        text = concept.get("text") if isinstance(concept, dict) else None
        if isinstance(text, str) and text.strip():
            return said("its diagnosis is not coded, only written ('{text}'): the calculators read coded "
                        "diagnoses only; not used", text=text.strip()[:200])
        bare = [str(coding["code"]) for coding in found if coding.get("code")]
        if bare:
            return said("its code '{code}' names no code system, so it cannot be read: not used",
                        code=", ".join(bare)[:200])
        return said("has no diagnosis code: not used")
    profiles = (condition.get("meta") or {}).get("profile")
    if isinstance(profiles, list) and any(isinstance(p, str) and p.startswith((MCODE, "http://bonemet-cds.org/"))
                                          for p in profiles):
        return said("declares a cancer profile but its code '{code}' is in none of the ValueSets the calculators "
                    "read: not used", code=describe_concepts([concept]))
    extensions = condition.get("extension")
    if isinstance(extensions, list) and any(isinstance(e, dict) and isinstance(e.get("url"), str)
                                            and e["url"].endswith("histology-morphology-behavior") for e in extensions):
        return said("has a cancer histology but its code '{code}' is in none of the ValueSets the calculators "
                    "read: not used", code=describe_concepts([concept]))
    # What the code and its words say depends on them alone, and a record repeats its diagnoses.
    key = (concept.get("text") if isinstance(concept, dict) else None,
           tuple([(c.get("system"), c.get("code"), c.get("display")) for c in found]))
    if not _all_words(key):
        return _code_verdict(concept, found)  # words that are no strings (a list, a number): no key of a cache
    verdict = _CODE_VERDICTS.get(key, _UNSEEN)
    if verdict is _UNSEEN:
        if len(_CODE_VERDICTS) >= 10_000:  # bounded: codes come from outside
            _CODE_VERDICTS.clear()
        verdict = _CODE_VERDICTS[key] = _code_verdict(concept, found)
    return verdict


def _all_words(key: tuple[Any, tuple[tuple[Any, ...], ...]]) -> bool:
    """Whether every part of a verdict's key is a string or None (plain loops: asked for each unrecognised
    Condition, most of a record's, where a generator and ``str | None`` cost four times as much)."""
    if not isinstance(key[0], _WORD):
        return False
    for coded in key[1]:
        for word in coded:
            if not isinstance(word, _WORD):
                return False
    return True


_WORD = (str, type(None))
_CODE_VERDICTS: dict[tuple[Any, ...], Said | None] = {}
_UNSEEN: Any = object()  # a verdict not worked out yet (None is one)


def _code_verdict(concept: Any, found: list[dict[str, Any]]) -> Said | None:
    """Why a coded diagnosis of no ValueSet still looks relevant, from its codes and words alone, or None."""
    for coding in found:
        system, code = canonical_system(coding.get("system") or ""), coding.get("code") or ""
        normal = code.strip().upper()
        if is_icd10(system) and normal.startswith(_SECONDARY):
            return said("a metastasis ({code}) at a site none of the ValueSets places (neither a long-bone lesion "
                        "nor a visceral metastasis): not used", code=code)
        if is_icd10(system) and normal.replace(".", "").startswith("G992"):
            return said("a myelopathy in diseases classified elsewhere ({code}): it may record a spinal cord "
                        "compression by a cancer, coded beside the cancer's own code, but it does not say it is one; "
                        "not used: a compression is read from its own codes (G95.2, SNOMED CT)", code=code)
        if is_icd10(system) and normal.startswith("G82"):  # G82.0-G82.2 are paraplegia (ValueSet)
            return said("a tetraplegia, or a paralysis the paraplegia ValueSet does not hold ({code}): the sources do "
                        "not say which Rades motor-function row it is (not ambulatory 3, paraplegic 1); not used, "
                        "record motor function as an Observation", code=code)
        place = fracture_place(coding)
        if normal.replace(".", "").startswith(_fracture_codes(system)):
            # Its code states its bone and side (M84.551A): compared with the lesions, not "check whether" (probe 16).
            if (place is None or not place.bone) and spine_in_words(describe_concepts([concept])):
                return _vertebra_in_words(code)
            return _pathological_fracture(code) if place is None or not place.side else said(
                "a pathological fracture of the {bone} ({code}): Mirels scores the risk of a fracture to come, and "
                "the sources do not say how to read it once the bone has broken; not used: checked against the "
                "lesions of the same bone and side", bone=place, code=code)
        if place is not None and on_the_midline(place.bone):  # S22.0, M48.5
            return said("a fracture or collapse of a vertebra ({code}): not a score's input; checked against the "
                        "vertebral lesions of its region (SINS's vertebral body collapse, §1.1)", code=code)
        if place is not None:  # an injury code (S72: femur), whatever the cause
            return said("a fracture of the {bone} ({code}): Mirels scores the risk of a fracture to come, and the "
                        "sources do not say how to read it once the bone has broken; not used: checked against the "
                        "lesions of the same bone and side", bone=place, code=code)
        if system == ICD10_CM and normal.replace(".", "") == "C802":
            # Coded after the transplant complication and before the cancer's own code (CMS coding rules).
            return said("a malignant neoplasm associated with a transplanted organ ({code}): it says where the cancer "
                        "arose, not which cancer it is (the Rades row); the record's code of the cancer itself is "
                        "read, this one is not", code=code)
        if is_icd10(system) and system != ICD10_CM and normal.startswith("C97"):  # WHO: each cancer is coded as well
            return said("malignant neoplasms of independent multiple sites ({code}): which cancers is said by their "
                        "own codes, which are read; this one is not", code=code)
        if is_icd10(system) and normal.startswith(_BLOOD_CANCERS):
            return said("a cancer ({code}) that the Rades table does not classify (only myeloma and lymphoma of "
                        "the blood cancers are mapped): not used", code=code)
        if is_icd10(system) and normal.startswith(_CANCER_CHAPTER):  # ICD-10-CM C7A, carcinoids
            return said("a cancer ({code}) that none of the Rades primary-tumour ValueSets places: the sources do not "
                        "say which row it is; not used", code=code)
        if system == ICD_O_3 and (normal.startswith(_CANCER_CHAPTER) or normal.endswith(("/3", "/6", "/9"))):
            return said("coded in ICD-O-3 only ({code}): a tumour's topography or morphology, not a diagnosis the "
                        "calculators read (SNOMED CT, ICD-10); not used", code=code)
    for coding in found:  # a diagnosis code of the ValueSets, in a system they do not name: a local or national URI
        system, code = coding.get("system") or "", coding.get("code") or ""
        if not _read(canonical_system(system)) and _held_as_diagnosis(code):
            return said("its code '{code}' is one the calculators read, but in a code system they do not read "
                        "('{system}'; they read SNOMED CT, ICD-10, ICD-10-CM and the French CIM-10 under their FHIR "
                        "URIs or HL7 OIDs): not used", code=code[:40], system=system[:200])
    words = describe_concepts([concept])
    if _FRACTURE_WORDS.search(words):
        return _vertebra_in_words(words[:200]) if spine_in_words(words) else _pathological_fracture(words[:200])
    if long_bone_fracture_in_words(words):
        return said("a fracture of a long bone by its words ({code}), its bone not coded: Mirels scores the risk of a "
                    "fracture to come; not used: said on the cards of that bone's lesions", code=words[:200])
    if _collapse_in_words(words):
        return said("a fracture or collapse of a vertebra ({code}): not a score's input; checked against the "
                    "vertebral lesions of its region (SINS's vertebral body collapse, §1.1)", code=words[:200])
    if _CANCER_WORDS.search(words):  # a code of another system or edition, a local code: its words say what it is
        return said("its words ('{words}') name a cancer, a metastasis or a cord compression, but its code is in "
                    "none of the ValueSets the calculators read: not used", words=words[:200])
    return None


# A motor deficit recorded as a diagnosis (SNOMED CT muscle weakness, paraparesis, or its words): it may date the
# compression's deficit, which the calculators read from a duration Observation only. Named beside that item.
_MOTOR_DEFICIT_CODES = frozenset({(SNOMED, "26544005"), (SNOMED, "1845001")})
# Limbs' deficits only: a gastroparesis, a vocal cord's or the face's paresis are none ("paresis" alone is not read).
_MOTOR_DEFICIT_WORDS = re.compile(r"d[ée]ficit\w* moteur|motor (deficit|weakness)|weakness of (the )?(lower )?"
                                  r"(limbs?|legs?)|\b(lower (limb|extremity)|\w+ le) weakness|"
                                  r"\b(para|mono)par[ée]s(is|ie)\b|faiblesse des (membres|jambes)", re.IGNORECASE)


def names_motor_deficit(condition: dict[str, Any], found: list[dict[str, Any]]) -> bool:
    """Whether a Condition no ValueSet reads records a motor deficit (its code, else its words)."""
    return any((canonical_system(c.get("system") or ""), c.get("code")) in _MOTOR_DEFICIT_CODES for c in found) \
        or bool(_MOTOR_DEFICIT_WORDS.search(describe_concepts([condition.get("code")])))


def is_fracture(condition: dict[str, Any]) -> bool:
    """Whether a Condition records a fracture of a bone: a pathological one (``is_pathological_fracture``), any
    fracture by a code that states the bone (``place.fracture_place``: a long bone, a vertebra's region), a
    vertebral collapse in words ("tassement": a collapse is a fracture, source 003), or words that open with a
    fracture, of a long bone they name or of the bone its bodySite codes."""
    found = codings(condition.get("code"))
    words = describe_concepts([condition.get("code")])
    return is_pathological_fracture(condition) or any(fracture_place(c) for c in found) or bool(
        _collapse_in_words(words)) or long_bone_fracture_in_words(words) is not None or bool(
        # Its words a fracture and its bodySite the bone (S32.8 "Fracture aile iliaque G", site: left ilium; probe
        # 25); not a risk, a prevention, a past or healed one ("Fracture prevention" took a Mirels 12 away: review 28).
        objects(condition.get("bodySite")) and _FRACTURE_FIRST.search(words) and not _NOT_A_BREAK.search(words))


def fracture_not_sure(condition: dict[str, Any]) -> bool:
    """A fracture recorded by its words alone (no ICD-10 fracture or injury code, no SNOMED CT code, and words that
    do not say pathological), or possible only ("probable", "à éliminer", "?"): said first, never taken as a bone
    broken (reviews 29, 30)."""
    words = describe_concepts([condition.get("code")])
    found = codings(condition.get("code"))
    coded = any(fracture_place(c) or _injury(c) or canonical_system(str(c.get("system") or "")) == SNOMED or str(
        c.get("code") or "").strip().upper().replace(".", "").startswith(_fracture_codes(canonical_system(str(
            c.get("system") or "")))) for c in found)  # a code says it: its words' doubts are of something else
    return not coded and (bool(_NOT_SURE.search(words)) or not (_FRACTURE_WORDS.search(words) or _collapse_in_words(
        words)))  # "Fracture pathologique fémur G" under a local code says what it is; "Fracture diaphysaire" does not


def _injury(coding: dict[str, Any]) -> bool:
    """An ICD-10 code of the injury chapter (S00-S99): its words say which injury (S32.8: a part of the pelvis)."""
    code = str(coding.get("code") or "").strip().upper()
    return is_icd10(canonical_system(str(coding.get("system") or ""))) and len(code) >= 3 and code[0] == "S" \
        and code[1:3].isdigit()


def is_pathological_fracture(condition: dict[str, Any]) -> bool:
    """Whether a Condition records a pathological fracture, by its code (``_PATHOLOGICAL_FRACTURES``) or, with
    no code of a diagnosis the calculators read, by its words."""
    for coding in codings(condition.get("code")):
        system, code = canonical_system(coding.get("system") or ""), str(coding.get("code") or "")
        if code.strip().upper().replace(".", "").startswith(_fracture_codes(system)):
            return True
    return bool(_FRACTURE_WORDS.search(describe_concepts([condition.get("code")])))


def _vertebra_in_words(code: str) -> Said:
    return said("a fracture of the spine by its words ({code}), its level not coded: not a score's input, and no long "
                "bone's; said beside the collapse item of any vertebral lesion's SINS", code=code)


def _pathological_fracture(code: str) -> Said:
    return said("a pathological fracture ({code}): Mirels scores the risk of a fracture to come, and the sources do "
                "not say how to read it once the bone has broken; not used: check whether it is at the site of a "
                "scored lesion", code=code)


_DIAGNOSIS_SETS = frozenset(PRIMARY_GROUPS) | frozenset(CONDITION_KINDS)


def _bone_topography(coding: dict[str, Any]) -> bool:
    """An ICD-O-3 topography of chapter C40-C41 (bones, joints and articular cartilage): a bone, even where it
    does not say which (C40.0 holds the scapula, C41.9 is bone NOS; the site reading then says so)."""
    code = coding.get("code")
    return canonical_system(coding.get("system") or "") == ICD_O_3 and isinstance(code, str) \
        and code.strip().upper().startswith(("C40", "C41"))


def _held_as_diagnosis(code: str) -> bool:
    """Whether a Condition ValueSet holds ``code`` in one of the diagnosis code systems (a value's code, such
    as HL7 v2's Y, does not count: in a local system it is not taken for a diagnosis of the ValueSets)."""
    terms = load_terminology()
    return bool(code.strip()) and any(terms.memberships(system, code) & _DIAGNOSIS_SETS
                                      for system in (SNOMED, *sorted(terminology.ICD10_FAMILY)))
