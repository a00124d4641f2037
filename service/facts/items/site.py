"""Mirels site: upper limb (1), lower limb (2), peritrochanteric region (3).

Read from the bone metastasis Condition's ``bodySite``: a long-bone code, and for the
femur its region, given either as a code of its own (neck of femur, trochanter...) or
as an mCODE ``body-location-qualifier`` extension (proximal, distal); laterality as a
coding or as mCODE's ``laterality-qualifier`` extension.

* A femur whose region is not stated is lower limb *or* peritrochanteric: only a
  stated region decides. Regions the guideline does not place (head, neck, proximal
  femur) stay uncertain too.
* A bodySite with no readable code (text only, ``coding: []``) or a code in none of
  the ValueSets leaves the site missing; the lesion is still scored, with its range.
* A bodySite that is a known non-long bone (vertebra, pelvis...) gets no Mirels score.
* mCODE also allows an ICD-O-3 topography: C40.2 (long bones of the lower limb) does not say which
  bone, so lower limb or, the femur being one of them, peritrochanteric; C41.2 (vertebral column),
  C41.4 (pelvis) and the other non-long bones get no Mirels score; C40.0 (which also holds the
  scapula) and the groups "not otherwise specified" leave the site missing.
* A bodySite naming several sites (two bones, one bone on both sides) may be several lesions:
  no site is picked; every row they allow stays possible, and the reading says ``several``.
* The mapper adds the sites recorded in BodyStructures (``long_bone.site_concepts``).
* A laterality mCODE writes on the resource itself (``mcode-laterality-qualifier``, whose context is any resource)
  is read as written on each of its bodySites (``body_sites``).
* ``place`` says where the lesion is for a person (``place.Place``): bone, side, region. A side only the
  bodySite's text states ("left femur") is kept there, flagged, when no code gives one; ``side`` (which
  links observations and orders) is the coded side only.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from msgspec.structs import replace

from ...calculators import OneOf
from ...i18n import Said, said
from ..model import Fact
from ..place import BOTH_SIDES, LEFT, RIGHT, Place, side_beside_bone, side_in_words, side_written
from ..terminology import (
    ICD_O_3,
    SNOMED,
    Terminology,
    canonical_system,
    codings,
    describe_concepts,
    listed_words,
    objects,
)
from ..vocabulary import (
    FEMUR,
    FEMUR_REGIONS,
    LATERALITY_VS,
    LONG_BONES,
    MCODE_LATERALITY,
    MCODE_LOCATION,
    NOT_LONG_BONE_VS,
    SUPPLIED_BY,
)

_FEMUR_UNSTATED = OneOf("lower_limb", "peritrochanteric")


class SiteReading(msgspec.Struct, frozen=True):
    """What a bodySite says: the Mirels site (a value, a OneOf, or None), the bone and side
    (for linking observations and orders), and why it is uncertain or missing."""

    value: Any
    bone: str | None
    side: str | None
    given: bool
    not_long_bone: bool = False
    notes: tuple[Said, ...] = ()
    description: str = ""
    several: bool = False  # the bodySite names several sites: the Condition may record several lesions
    # Where, said for a person (the side read from the text too, flagged).
    place: Place = msgspec.field(default_factory=Place)


def body_sites(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """A resource's bodySite concepts (a list on a Condition or a Procedure, one on an Observation), each read with
    the laterality mCODE states on the resource itself (its extension may sit on any resource): "left" on the
    Condition is the side of its bodySite, and a bodySite stating the other side disagrees with it."""
    value = resource.get("bodySite")
    concepts = [value] if isinstance(value, dict) else objects(value)
    stated = [_as_mcode(e) for e in objects(resource.get("extension")) if _laterality(e)]
    if any(_laterality(e) and e.get("url") != MCODE_LATERALITY
           for concept in concepts for e in objects(concept.get("extension"))):
        concepts = [{**concept, "extension": [_as_mcode(e) if _laterality(e) else e
                                              for e in objects(concept.get("extension"))]} for concept in concepts]
    if not stated:
        return concepts
    return [{**concept, "extension": objects(concept.get("extension")) + stated} for concept in concepts]


def _laterality(extension: dict[str, Any]) -> bool:
    """mCODE's laterality extension, or an EHR's own whose name is "laterality" (Epic's
    ``.../extension/laterality``): its value, a SNOMED CT laterality, is read the same (probe 18: a left and a right
    femur so recorded were "side not stated" and flagged as maybe one lesion)."""
    url = extension.get("url")
    return url == MCODE_LATERALITY or (
        isinstance(url, str) and url.rstrip("/").rpartition("/")[2].lower() == "laterality")


def _as_mcode(extension: dict[str, Any]) -> dict[str, Any]:
    return extension if extension.get("url") == MCODE_LATERALITY else {**extension, "url": MCODE_LATERALITY}


def _qualifier_concepts(concept: dict[str, Any], url: str) -> list[Any]:
    return [e.get("valueCodeableConcept") for e in objects(concept.get("extension")) if e.get("url") == url]


class _ConceptSite(msgspec.Struct, frozen=True):
    """What one bodySite concept names: its long bones with their Mirels rows (the femur when it names
    a femoral region), the femoral regions it states (by code, by mCODE location qualifier), its side."""

    limbs: dict[str, str | None]  # bone -> its row (None: a femur known by a region code only)
    region_codes: frozenset[str]
    region_qualifiers: frozenset[str]
    not_long_bone: bool
    side: str | None
    groups: frozenset[str] = frozenset()  # "bones" that are groups of bones (ICD-O-3 topography C40.2)
    systems: tuple[tuple[str, str], ...] = ()  # (system, code) of each bone it names, long or not
    regions: tuple[tuple[str, str], ...] = ()  # (system, code) of each femoral region it states
    # The words of its location qualifiers, each with whether it is a femoral region (read as one on a femur).
    qualifier_words: tuple[tuple[str, bool], ...] = ()
    # It records both left and right for one place (a coding and a qualifier, or a code and its own text, that
    # disagree): its side is then not stated, never one of them picked. Not a bilateral code (both sides).
    sides_disagree: bool = False

    def rows(self) -> set[str]:
        """The Mirels rows this concept allows."""
        rows = {row for bone, row in self.limbs.items() if bone != FEMUR and row}
        if any(self.limbs.get(group) == "lower_limb" for group in self.groups):
            rows |= set(_FEMUR_UNSTATED.values)  # the femur is among them
        if FEMUR in self.limbs:
            # A region code names a part of the femur; a location qualifier only refines a femur.
            regions = set(self.region_codes | self.region_qualifiers)
            rows |= regions if len(regions) == 1 and "undetermined" not in regions else set(_FEMUR_UNSTATED.values)
        return rows


class _Regions(msgspec.Struct, frozen=True):
    """Femoral regions quoted in a note, in the reader's language (the ValueSets' words), else the record's."""

    codes: tuple[tuple[str, str], ...]
    record_words: str

    def said_in(self, locale: str) -> str:
        return ", ".join(dict.fromkeys(listed_words(system, code, locale) or code for system, code in self.codes)) \
            or self.record_words

    def __str__(self) -> str:
        return self.said_in("en")


_SEMANTIC_TAG = re.compile(r"\s\((qualifier value|body structure|attribute)\)$")


def _read_concept(terms: Terminology, concept: dict[str, Any]) -> _ConceptSite:
    limbs: dict[str, str | None] = {}
    region_codes: set[str] = set()
    region_qualifiers: set[str] = set()
    sides: set[str] = set()
    not_long_bone = False
    groups: set[str] = set()
    systems: list[tuple[str, str]] = []
    regions: list[tuple[str, str]] = []
    for coding in codings(concept):  # each coding's ValueSets looked up once, every question asked of them
        ids = terms.memberships(coding.get("system"), coding.get("code"))
        if not ids:
            continue
        system = canonical_system(coding.get("system") or "")
        for vs_id, limb in LONG_BONES.items():
            if vs_id in ids:
                limbs[coding["code"]] = limb
                if system == ICD_O_3:  # a topography: several bones
                    groups.add(coding["code"])
        region_codes.update(femur_site for vs_id, femur_site in FEMUR_REGIONS.items() if vs_id in ids)
        if any(vs_id in ids for vs_id in FEMUR_REGIONS):
            regions.append((system, coding["code"]))
        not_long_bone = not_long_bone or NOT_LONG_BONE_VS in ids
        if NOT_LONG_BONE_VS in ids or any(vs_id in ids for vs_id in LONG_BONES):
            systems.append((system, coding["code"]))
        if LATERALITY_VS in ids:
            sides.add(coding["code"])
    qualifier_words: list[tuple[str, bool]] = []
    for qualifier in _qualifier_concepts(concept, MCODE_LOCATION):
        if terms.coding_in(qualifier, LATERALITY_VS):  # a BodyStructure's qualifiers are read as both: a side
            continue
        found = False
        for vs_id, femur_site in FEMUR_REGIONS.items():
            stated = terms.coding_in(qualifier, vs_id)
            if stated:
                found = True
                region_qualifiers.add(femur_site)
                regions.append((canonical_system(stated.get("system") or ""), stated["code"]))
        if describe_concepts([qualifier]):  # a SNOMED CT semantic tag ("(qualifier value)") says nothing to a person
            qualifier_words.append((_SEMANTIC_TAG.sub("", describe_concepts([qualifier])), found))
    if region_codes:
        limbs.setdefault(FEMUR, None)  # a femoral region code names the femur
    for laterality in _qualifier_concepts(concept, MCODE_LATERALITY):
        qualified = terms.coding_in(laterality, LATERALITY_VS)
        if qualified:
            sides.add(qualified["code"])
    text = concept.get("text")  # its own words, where a code gives the side: a wrong-side record shows here
    written = side_written(text) if isinstance(text, str) else None
    disagree = len(sides) > 1 or (len(sides) == 1 and written is not None and BOTH_SIDES not in (written, *sides)
                                  and written not in sides)
    side = None if disagree or not sides else sides.pop()
    return _ConceptSite(limbs, frozenset(region_codes), frozenset(region_qualifiers), not_long_bone, side,
                        frozenset(groups), tuple(systems), tuple(regions), tuple(qualifier_words), disagree)


def read_site(terms: Terminology, body_sites: list[Any], own: int | None = None) -> SiteReading:
    """``own``: where the sites after the first ``own`` are the lesion's BodyStructures (one lesion, recorded twice):
    a side there other than the Condition's own is a disagreement, not a second lesion on the other side."""
    concepts = [c for c in body_sites if isinstance(c, dict)]
    if not concepts:
        return SiteReading(None, None, None, False, notes=(said("the bone metastasis has no bodySite"),))
    parts = _parts(terms, concepts, own)
    reading = _read_site(concepts, parts, describe_concepts(concepts))
    return replace(reading, place=_place(concepts, parts, reading))


def _parts(terms: Terminology, concepts: list[dict[str, Any]], own: int | None) -> list[_ConceptSite]:
    parts = [_read_concept(terms, concept) for concept in concepts]
    if own is not None and 0 < own < len(parts):
        own_sides, recorded_apart = ({part.side for part in group if part.side} for group in (parts[:own], parts[own:]))
        if own_sides and recorded_apart and own_sides != recorded_apart:
            parts = [replace(part, side=None, sides_disagree=True) if part.side else part for part in parts]
    return parts


def against_words(reading: SiteReading, condition: dict[str, Any]) -> SiteReading:
    """A diagnosis whose own words write the other side beside its bone ("Metastasis to left proximal humerus", its
    bodySite coded right humerus): both are recorded, as when its BodyStructure disagrees, and no side is picked
    (probe 20: "Right humerus" said, the words never quoted). Words only withhold the coded side, never give one."""
    code = condition.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    if reading.bone is None or reading.side not in (LEFT, RIGHT) or not isinstance(text, str) \
            or side_beside_bone(text, reading.bone, next_to=True) not in ({LEFT, RIGHT} - {reading.side}):
        return reading
    return replace(reading, side=None, place=replace(reading.place, side=None, sides_disagree=True), notes=(
        *reading.notes, said("its words (“{text}”) write the other side than its recorded site ({place}): its side is "
                             "taken as not stated, never one of them picked; check the side before any procedure",
                             text=text.strip()[:80], place=reading.place)))


def read_place(terms: Terminology, body_sites: Any) -> Place | None:
    """Where a Condition's bodySite says it is (a spinal cord compression's vertebral level), said in the
    ValueSets' words or the record's; None without a bodySite."""
    concepts = [c for c in objects(body_sites) if isinstance(c, dict)]
    if not concepts:
        return None
    return _place_of(concepts, [_read_concept(terms, concept) for concept in concepts])


def read_site_and_place(terms: Terminology, body_sites: list[Any],
                        own: int | None = None) -> tuple[SiteReading, Place | None]:
    """``read_site`` and ``read_place`` of the same bodySite, each concept read once (``own``: as ``read_site``)."""
    concepts = [c for c in body_sites if isinstance(c, dict)]
    if not concepts:
        return read_site(terms, body_sites), None
    parts = _parts(terms, concepts, own)
    description = describe_concepts(concepts)
    reading = _read_site(concepts, parts, description)
    place = _place(concepts, parts, reading)  # the reading and its place once, for both answers
    return replace(reading, place=place), _place_of(concepts, parts, (description, reading, place))


def _place_of(concepts: list[dict[str, Any]], parts: list[_ConceptSite],
              read: tuple[str, SiteReading, Place] | None = None) -> Place:
    """``read``: the concepts' description, ``_read_site`` of them and its ``_place``, when the caller has them."""
    if read is None:
        description = describe_concepts(concepts)
        reading, place = _read_site(concepts, parts, description), None
    else:
        description, reading, place = read
    if reading.bone == FEMUR:  # a femoral region's code names the femur: said as the lesion's place is
        return place if place is not None else _place(concepts, parts, reading)
    sides = {part.side for part in parts if part.side}
    bones = {bone for part in parts for bone in part.systems}
    regions = {region for part in parts for region in part.regions}
    if regions and not any(code == FEMUR for _, code in bones):  # a femoral region names the femur, beside the others
        bones.add((SNOMED, FEMUR))  # (a right femur's shaft and a left humerus read "humerus, both sides, shaft")
    return _placed(concepts, parts, bones, sides, regions, description, femur=False)


def _place(concepts: list[dict[str, Any]], parts: list[_ConceptSite], reading: SiteReading) -> Place:
    bones = {(system, code) for part in parts for system, code in part.systems if code == reading.bone}
    if reading.bone == FEMUR and not bones:  # a femur known by its region code only
        bones = {(SNOMED, FEMUR)}
    if reading.bone is None:
        bones = {bone for part in parts for bone in part.systems} if not reading.several else set()
    sides = {part.side for part in parts if part.side}
    regions = {region for part in parts for region in part.regions} if reading.bone == FEMUR else set()
    return _placed(concepts, parts, bones, sides, regions, reading.description, femur=reading.bone == FEMUR,
                   several_bones=reading.several and len(_each_bone(parts)) > 1)


def _each_bone(parts: list[_ConceptSite]) -> tuple[tuple[str, str, str], ...]:
    """Each bone coded, with the side its own concept gives ("" for none): a femoral region's code names the femur."""
    return tuple(sorted({(system, code, part.side if part.side in (LEFT, RIGHT) else "") for part in parts
                         for system, code in (part.systems or (((SNOMED, FEMUR),) if part.regions else ()))}))


def _placed(concepts: list[dict[str, Any]], parts: list[_ConceptSite], bones: set[tuple[str, str]], sides: set[str],
            regions: set[tuple[str, str]], words: str, femur: bool, several_bones: bool = False) -> Place:
    """One bone and one region, or the record's words; two coded sides (left and right) are both sides. The
    bodySite's own text and its location qualifiers no code here reads are kept, to be said beside the codes'
    words where they say more ("L1" beside "lumbar spine", "proximal" beside "left humerus")."""
    several = len(bones) > 1  # two bones: their sides are each one's, never "both sides" of one bone
    own_words = any(isinstance(c.get("text"), str) and c["text"].strip() for c in concepts)  # said first, as written
    coded = _each_bone(parts) if (several or several_bones) and not own_words else ()
    system, bone = bones.pop() if len(bones) == 1 else (SNOMED, None)
    region = femoral_region = regions.pop() if len(regions) == 1 else None
    texts = [c["text"].strip() for c in concepts if isinstance(c.get("text"), str) and c["text"].strip()]
    written = ", ".join(dict.fromkeys(texts))
    # On a femur, a qualifier that is a femoral region is said as the region (when one is read); on any other bone,
    # or a femur whose region stays open, it is not read, and said as written.
    qualifiers = ", ".join(dict.fromkeys(words for part in parts for words, region in part.qualifier_words
                                         if not (femur and region and femoral_region is not None)))
    if any(part.sides_disagree for part in parts):  # no side picked: the card says both are recorded
        return Place(bone, None, region, words, bone_system=system, written=written, qualifiers=qualifiers,
                     sides_disagree=True, bones=coded)
    if sides and not (several and len(sides) > 1):
        return Place(bone, sides.pop() if len(sides) == 1 else BOTH_SIDES, region, words, bone_system=system,
                     written=written, qualifiers=qualifiers, bones=coded)
    # No code gives a side: the text may (flagged, never used to score), "D" or "G" only right beside the bone's name
    # ("fémur D": probe 29 read "femur (side not stated)" and checked a left femur's order against it, unflagged).
    side = side_in_words(concepts) or (side_beside_bone(written, bone, next_to=True) if bone and written else None)
    return Place(bone, side, region, words, side is not None, system, written, qualifiers, bones=coded)


def _read_site(concepts: list[dict[str, Any]], parts: list[_ConceptSite], description: str) -> SiteReading:
    bones = {bone for part in parts for bone in part.limbs}
    sides = {part.side for part in parts if part.side}
    if bones and (len(bones) > 1 or len(sides) > 1 or BOTH_SIDES in sides):  # "both sides": two lesions at once
        return _several_sites(parts, bones, sides, description)
    bone = bones.pop() if bones else None
    side = sides.pop() if len(sides) == 1 else None
    row = next((part.limbs[bone] for part in parts if part.limbs.get(bone)), None) if bone else None
    notes: tuple[Said, ...] = ()
    if any(part.sides_disagree for part in parts):
        side = None
        notes = (said("the record gives this lesion both left and right ('{site}'): its side is taken as not stated, "
                      "never one of them picked; check the side before any procedure", site=description),)
    several = bool(bone and any(part.not_long_bone for part in parts))
    if several:
        notes += (said("bodySite '{site}' also names a bone that is not a long bone; a Mirels score is per lesion, so "
                       "the items of this Condition may concern that lesion too", site=description),)
    if bone == FEMUR:
        stated = {region for part in parts for region in part.region_codes | part.region_qualifiers}
        if len(stated) == 1 and "undetermined" not in stated:
            return SiteReading(stated.pop(), bone, side, True, notes=notes, description=description, several=several)
        if stated:  # a region the guideline does not place, or two regions at once: neither settles it
            regions = _Regions(tuple(r for part in parts for r in part.regions), description)
            return SiteReading(_FEMUR_UNSTATED, bone, side, True, notes=notes + (
                said("the femoral region '{region}' is not one the guideline places: lower limb (2) or "
                     "peritrochanteric (3)", region=regions),), description=description, several=several)
        return SiteReading(_FEMUR_UNSTATED, bone, side, True, notes=notes + (
            said("femur lesion whose region is not stated: lower limb (2) or peritrochanteric (3); a recorded region "
                 "of the femur (trochanteric, shaft, neck...) settles it"),),
            description=description, several=several)
    if row == "lower_limb" and any(bone in part.groups for part in parts):
        return SiteReading(_FEMUR_UNSTATED, bone, side, True, notes=notes + (
            said("bodySite '{site}' names the long bones of the lower limb, not which one: lower limb (2), or "
                 "peritrochanteric (3) if it is the femur; a bodySite naming the bone and its region settles it",
                 site=description),), description=description, several=several)
    if row:
        return SiteReading(row, bone, side, True, notes=notes, description=description, several=several)
    if any(part.not_long_bone for part in parts):
        return SiteReading(None, None, side, True, not_long_bone=True, description=description)
    readable = [c for concept in concepts for c in codings(concept) if c.get("code")]
    why = (said("the site's codes ('{site}') name no long bone this service reads", site=description) if readable else
           said("the site is written as text only (“{site}”), not coded", site=description) if description else
           said("the site has no code"))
    return SiteReading(None, None, side, True, notes=(
        said("{why}; whether the lesion is in a long bone, and which, is not known", why=why),),
        description=description)


def _several_sites(parts: list[_ConceptSite], bones: set[str], sides: set[str], description: str) -> SiteReading:
    """A bodySite naming two bones, or a bone on two sides: a Condition for several lesions. Mirels
    scores one lesion, so the site is each row they allow (the category stands only if every row
    agrees); the bone and the side link observations and orders only where the sites agree on them."""
    rows = sorted({row for part in parts for row in part.rows()})
    value: Any = OneOf(*rows) if len(rows) > 1 else rows[0]
    both = BOTH_SIDES in sides or {LEFT, RIGHT} <= sides
    side = sides.pop() if len(sides) == 1 else None
    # One bone on both sides: the note says the sides, which the bone's name alone does not ("Shaft of femur").
    note = said("the site names this bone on both sides, left and right ('{site}'): a Mirels score is per lesion, so "
                "the items of this diagnosis may concern either side; each side recorded as its own lesion settles "
                "it", site=description) if both and len(bones) == 1 else said(
        "the site names several sites ('{site}'): a Mirels score is per lesion, so the site is any of them and the "
        "items of this diagnosis may concern any; each lesion recorded on its own settles it", site=description)
    return SiteReading(value, bones.pop() if len(bones) == 1 else None, None if side == BOTH_SIDES else side,
                       True, notes=(note,), description=description, several=True)


def site_fact(reading: SiteReading, sources: tuple[str, ...], flags: tuple[str, ...]) -> Fact:
    """``sources``: the lesion's Condition, then any BodyStructure its site was read from."""
    if reading.value is None:
        return Fact("lesion_site", notes=reading.notes, supplied_by=SUPPLIED_BY["lesion_site"])
    supplied_by = SUPPLIED_BY["lesion_site"] if isinstance(reading.value, OneOf) else ""
    return Fact("lesion_site", reading.value, sources, "bodySite of the bone metastasis Condition", flags,
                reading.notes, supplied_by)
