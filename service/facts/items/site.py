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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...calculators import OneOf
from ...i18n import Said, said
from ..model import Fact
from ..record import describe_concepts
from ..terminology import Terminology, codings, objects
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


@dataclass(frozen=True)
class SiteReading:
    """What a bodySite says: the Mirels site (a value, a OneOf, or None), the bone and side
    (for linking observations and orders), and why it is uncertain or missing."""

    value: Any
    bone: str | None
    side: str | None
    given: bool
    not_long_bone: bool = False
    notes: tuple[Said, ...] = ()
    description: str = ""


def _qualifier_concepts(concept: dict[str, Any], url: str) -> list[Any]:
    return [e.get("valueCodeableConcept") for e in objects(concept.get("extension")) if e.get("url") == url]


def read_site(terms: Terminology, body_sites: list[Any]) -> SiteReading:
    concepts = [c for c in body_sites if isinstance(c, dict)]
    description = describe_concepts(concepts)
    if not concepts:
        return SiteReading(None, None, None, False, notes=(said("the bone metastasis has no bodySite"),))
    row = bone = side = None
    regions: dict[str, set[str]] = {"code": set(), "qualifier": set()}  # femoral regions said each way
    not_long_bone = False
    for concept in concepts:
        for vs_id, limb in LONG_BONES.items():
            coding = terms.coding_in(concept, vs_id)
            if coding:
                bone, row = coding["code"], row or limb
        for vs_id, femur_site in FEMUR_REGIONS.items():
            # A region code names a part of the femur; a location qualifier only refines a femur.
            if terms.coding_in(concept, vs_id):
                regions["code"].add(femur_site)
            if any(terms.coding_in(c, vs_id) for c in _qualifier_concepts(concept, MCODE_LOCATION)):
                regions["qualifier"].add(femur_site)
        if terms.coding_in(concept, NOT_LONG_BONE_VS):
            not_long_bone = True
        for laterality in [concept, *_qualifier_concepts(concept, MCODE_LATERALITY)]:
            coding = terms.coding_in(laterality, LATERALITY_VS)
            if coding:
                side = coding["code"]
    stated = regions["code"] | (regions["qualifier"] if bone == FEMUR or regions["code"] else set())
    if stated and bone in (None, FEMUR):
        bone = FEMUR
        region = stated.pop() if len(stated) == 1 else "undetermined"  # two regions at once settle nothing
        if region == "undetermined":
            return SiteReading(_FEMUR_UNSTATED, bone, side, True, notes=(
                said("the femoral region '{region}' is not one the guideline places: lower limb (2) or "
                     "peritrochanteric (3)", region=description),), description=description)
        return SiteReading(region, bone, side, True, description=description)
    if bone == FEMUR:
        return SiteReading(_FEMUR_UNSTATED, bone, side, True, notes=(
            said("femur lesion whose region is not stated: lower limb (2) or peritrochanteric (3); a bodySite or "
                 "location qualifier naming the region (trochanteric, shaft, neck...) settles it"),),
            description=description)
    if row:
        return SiteReading(row, bone, side, True, description=description)
    if not_long_bone:
        return SiteReading(None, None, side, True, not_long_bone=True, description=description)
    readable = [c for concept in concepts for c in codings(concept) if c.get("code")]
    why = (said("bodySite '{site}' has codes in none of the long-bone ValueSets", site=description) if readable else
           said("bodySite “{site}” has no code: text is never read", site=description) if description else
           said("bodySite has no code"))
    return SiteReading(None, None, side, True, notes=(
        said("{why}; whether the lesion is in a long bone, and which, is not known", why=why),),
        description=description)


def site_fact(reading: SiteReading, condition_ref: str, flags: tuple[str, ...]) -> Fact:
    if reading.value is None:
        return Fact("lesion_site", notes=reading.notes, supplied_by=SUPPLIED_BY["lesion_site"])
    supplied_by = SUPPLIED_BY["lesion_site"] if isinstance(reading.value, OneOf) else ""
    return Fact("lesion_site", reading.value, (condition_ref,), "bodySite of the bone metastasis Condition", flags,
                reading.notes, supplied_by)
