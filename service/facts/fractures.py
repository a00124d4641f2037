"""Fractures beside a long-bone lesion: which may be of its bone and side (brief section 5: a fracture of the same
bone and side means Mirels, the risk of a fracture to come, no longer applies), and what the card says of those
that cannot be settled."""

from __future__ import annotations

from typing import Any, Literal

from ..i18n import Said, said
from .dates import DateSpan, parse_date
from .items.site import body_sites, read_site
from .place import BONE_WORDS, BOTH_SIDES, LEFT, RIGHT, fracture_place, side_beside_bone, spine_in_words
from .record import PatientRecord
from .terminology import ICD10_CM, canonical_system, codings, describe_concepts, objects
from .unrecognised import fracture_not_sure, long_bone_fracture_in_words

FractureMatch = Literal["same", "side", "both", "sequela", "bone", "unplaced", "linked", "tied", "words_this",
                        "words_other", "not_sure"]


_DUE_TO = "http://hl7.org/fhir/StructureDefinition/condition-dueTo"


def lesions_named(record: PatientRecord, fracture: dict[str, Any]) -> set[str]:
    """The lesions a fracture's record ties it to: its evidence's detail, FHIR's condition-dueTo extension."""
    named: list[Any] = [detail for evidence in objects(fracture.get("evidence"))
                        for detail in objects(evidence.get("detail"))]
    named += [extension.get("valueReference") for extension in objects(fracture.get("extension"))
              if extension.get("url") == _DUE_TO]
    lesions: set[str] = record.once("lesion-refs", lambda: {record.ref(c) for c in record.conditions["lesion"]})
    return {target for target in (record.resolve(reference) for reference in named) if target in lesions}


def _another_bone_in_words(reading: Any, bone: str) -> bool:
    """Whether a lesion placed in words only names a long bone ("Left femur"), and not the fracture's (a humerus): a
    2015 humerus fracture is then no fracture of it. Words naming no bone, or this one, leave it possible."""
    words = (reading.place.written if reading.place is not None else "") or reading.description or ""
    named = {code for code, pattern in BONE_WORDS.items() if pattern.search(words)}
    return bool(named) and bone not in named


def fractures_at(record: PatientRecord, reading: Any, lesion: str = "") -> list[tuple[dict[str, Any], FractureMatch]]:
    """The fractures that may be of the lesion's bone and side, each with how: ``same`` (bone, and both sides
    stated and equal: the bone has broken), or, said for the clinician to settle, ``side`` (a side not stated),
    ``both`` (either says both sides), ``sequela`` (an ICD-10-CM code whose 7th character S records the late effect
    of a fracture, not a bone broken now), ``bone`` (its bone not coded: a fracture recorded in words only),
    ``unplaced`` (the lesion's bone not coded: its site in words only, or several bones), ``linked`` (its bone not
    coded, its record naming this lesion: evidence, condition-dueTo), ``tied`` (its record names this lesion, its
    code or bodySite another bone or side: they disagree), ``words_this`` and ``words_other`` (its code or bodySite
    gives one side, its words beside the bone the other: "Fracture col fémoral droit", coded left; this lesion is on
    the side of its words, or of its code). One whose record names another lesion is not
    this one's, unless its coded bone and side are this lesion's (brief, section 5). A
    fracture's place: a code that states it (``place.fracture_place``), else its bodySite, whose side counts when
    the code states none. A fracture of another bone or of the other side is not this lesion's."""
    found: list[tuple[dict[str, Any], FractureMatch]] = []
    lesion_side = _side(reading)
    by_bone = record.once("fractures-by-bone", lambda: _by_bone(record))
    # Those of its bone, of no bone coded, or naming it; a lesion of no bone coded may be any's (linear in them).
    candidates = [read for group in by_bone.values() for read in group] if reading.bone is None else [
        *by_bone.get(reading.bone, []), *by_bone.get(None, []), *by_bone.get(f"named:{lesion}", [])]
    for fracture, found_codes, bone, side, named, written, worded in {id(r[0]): r for r in candidates}.values():
        tied = named if lesion else set()
        if worded and reading.bone and worded != reading.bone and lesion not in tied:
            continue  # "Fract. humérus D", its bone not coded, is no femur's
        if tied and lesion not in tied and not (bone and bone == reading.bone and side and side == lesion_side):
            continue  # the record ties it to another lesion, and nothing makes it this one's bone and side
        if not bone:
            found.append((fracture, "linked" if lesion in tied else "bone"))
        elif reading.bone is None:  # this lesion's bone is not coded (words only, several bones): it may be this one,
            if not _another_bone_in_words(reading, bone):  # unless the lesion's own words name another bone
                found.append((fracture, "unplaced"))
        elif bone != reading.bone or (side and lesion_side and BOTH_SIDES not in (side, lesion_side)
                                      and side != lesion_side):
            if lesion in tied:  # recorded as due to this lesion, coded elsewhere: the two disagree, said first
                found.append((fracture, "tied"))
            elif bone == reading.bone and written is not None and written == lesion_side:  # coded the other side,
                found.append((fracture, "words_this"))  # its words give this one: which is right is not known
            continue
        elif any(_sequela(coding) for coding in found_codes):
            found.append((fracture, "sequela"))
        elif BOTH_SIDES in (side, lesion_side):
            found.append((fracture, "both"))
        elif side and lesion_side and written is not None and written != side:
            found.append((fracture, "words_other"))  # coded on this side, its words give the other: not settled
        else:  # recorded as possible only, or by its words alone: this bone's, not surely broken (review 29)
            found.append((fracture, "not_sure" if side and lesion_side and fracture_not_sure(fracture) else
                          "same" if side and lesion_side else "side"))
    return found


_Read = tuple[dict[str, Any], list[dict[str, Any]], Any, Any, set[str], str | None, str | None]


def _by_bone(record: PatientRecord) -> dict[str | None, list[_Read]]:
    """Each fracture read once (its codes, bone, side, the lesions its record names, the side its words give beside its
    bone where a code or bodySite gives the other one, and the one long bone its words name where none is coded), by
    its bone (None: not coded) and by each lesion it names ("named:Condition/x")."""
    groups: dict[str | None, list[_Read]] = {}
    for fracture in record.fractures:
        found_codes = codings(fracture.get("code"))
        places = [p for p in (fracture_place(c) for c in found_codes) if p is not None]
        site = read_site(record.terms, body_sites(fracture))
        # A bone that is not a long one (a rib) is coded all the same: never a long-bone lesion's, never "not coded".
        other = site.place.bone if site.not_long_bone and site.place is not None else None
        bone = places[0].bone if places else site.bone or other
        if not bone and spine_in_words(describe_concepts([fracture.get("code")])):
            bone = "spine"  # "Fracture pathologique vertèbre D7": no long bone's (SINS reads it, pain_sites.py)
        side = (places[0].side if places else None) or (_side(site) if site.bone in (None, bone) else None)
        written = side_beside_bone(describe_concepts([fracture.get("code")]), bone, next_to=True) \
            if bone and side in (LEFT, RIGHT) else None
        worded = long_bone_fracture_in_words(describe_concepts([fracture.get("code")])) if not bone else None
        read = (fracture, found_codes, bone, side, lesions_named(record, fracture),
                written if written in (LEFT, RIGHT) and written != side else None, worded)
        for key in (bone or None, *(f"named:{named}" for named in read[4])):
            groups.setdefault(key, []).append(read)
    return groups


def _side(reading: Any) -> str | None:
    """A site's side; "both" where its place says both (a reading of two lesions at once links by no side)."""
    return reading.side or (BOTH_SIDES if reading.place is not None and reading.place.side == BOTH_SIDES else None)


def _sequela(coding: dict[str, Any]) -> bool:
    """An ICD-10-CM code whose 7th character is S: the sequela (late effect) of the condition, not the condition."""
    code = str(coding.get("code") or "").strip().replace(".", "").upper()
    return canonical_system(str(coding.get("system") or "")) == ICD10_CM and len(code) >= 7 and code[6] == "S"


def fracture_flag(record: PatientRecord, fracture: dict[str, Any], earlier: bool, match: FractureMatch,
                  reading: Any = None) -> Said:
    """What a lesion's Mirels score says of a fracture that may be of its bone and side, for the clinician to
    settle before any fixation. ``reading``: the lesion's site, to say a side only the fracture's words give."""
    ref = record.ref(fracture)
    if match == "bone" and not earlier and reading is not None and reading.bone and _side(reading) in (LEFT, RIGHT):
        words = describe_concepts([fracture.get("code")])  # "Fract. humérus D": this bone, a side beside it
        written = side_beside_bone(words, reading.bone, next_to=True) \
            if long_bone_fracture_in_words(words) == reading.bone else None
        if written in (LEFT, RIGHT):
            return said("a fracture is recorded whose bone is not coded ({fracture}); its words give this bone and "
                        "side: if so, it has broken and Mirels no longer applies; check before any fixation",
                        fracture=ref) if written == _side(reading) else said(
                "a fracture is recorded whose bone is not coded ({fracture}); its words give this bone on the other "
                "side: check the side before any fixation", fracture=ref)
    if match == "bone":
        return said("a fracture is recorded whose bone is not coded ({fracture}): if it is this bone, it has broken "
                    "and Mirels no longer applies; check before any fixation", fracture=ref)
    if match == "linked":
        return said("a fracture recorded as due to this lesion ({fracture}), its bone not coded: if so, the bone has "
                    "broken and Mirels no longer applies; check before any fixation", fracture=ref)
    if match == "not_sure" and not earlier:
        return said("a fracture of this bone and side may be recorded ({fracture}): its record does not make it "
                    "certain; if it has broken, Mirels no longer applies; check before any fixation", fracture=ref)
    if match == "tied":
        return said("a fracture recorded as due to this lesion ({fracture}) is coded at another bone or side: which is "
                    "right is not known; if it is this lesion's, the bone has broken and Mirels no longer applies; "
                    "check before any fixation", fracture=ref)
    if match == "unplaced":
        return said("a fracture is recorded ({fracture}) and this lesion's bone is not coded: if the fracture is of "
                    "this lesion, the bone has broken and Mirels no longer applies; check before any fixation",
                    fracture=ref)
    if match == "sequela":
        return said("the sequela of a fracture of the same bone is recorded ({fracture}): a late effect, not a bone "
                    "broken now; if the bone is broken, Mirels no longer applies", fracture=ref)
    if match == "words_this":
        return said("a fracture of this bone is recorded ({fracture}), coded on the other side, its words giving this "
                    "side: which is right is not known; if it is this side, the bone has broken and Mirels no longer "
                    "applies; check the side before any fixation", fracture=ref)
    if match == "words_other":
        return said("a fracture of this bone is recorded ({fracture}), coded on this side, its words giving the other "
                    "side: which is right is not known; if it is this side, the bone has broken and Mirels no longer "
                    "applies; check the side before any fixation", fracture=ref)
    if earlier and match in ("same", "not_sure"):
        return said("a fracture of the same bone and side is recorded before this lesion began ({fracture}): if the "
                    "bone has broken since, Mirels no longer applies", fracture=ref)
    if earlier:  # a side not stated, or both: the same bone only
        return said("a fracture of the same bone is recorded before this lesion began ({fracture}), the side of one "
                    "of them not stated: if the bone has broken since, Mirels no longer applies", fracture=ref)
    if match == "both":
        return said("a fracture of the same bone is recorded ({fracture}), one of the two records saying both sides: "
                    "if it is this bone, it has broken and Mirels no longer applies", fracture=ref)
    lesion_side = _side(reading) if reading is not None else None
    words = describe_concepts([fracture.get("code")])  # a side its words give beside the bone ("col fémoral droit")
    written = side_beside_bone(words, reading.bone, next_to=True) if reading is not None and reading.bone else None
    if written in (LEFT, RIGHT) and lesion_side in (LEFT, RIGHT):  # read, never counted: a code would settle it
        return said("a fracture of the same bone is recorded ({fracture}), its side not coded; its words give the "
                    "other side: check the side before any fixation", fracture=ref) if written != lesion_side else \
            said("a fracture of the same bone is recorded ({fracture}), its side not coded; its words give this "
                 "side: if so, this bone has broken and Mirels no longer applies", fracture=ref)
    return said("a fracture of the same bone is recorded ({fracture}) and the side of one of them is not stated: if "
                "it is this bone, it has broken and Mirels no longer applies", fracture=ref)


def fracture_date(record: PatientRecord, fracture: dict[str, Any]) -> DateSpan | None:
    return record.onset(fracture) or parse_date(fracture.get("recordedDate"))
