"""Record -> the inputs of §1.5, oligometastatic disease (``calculators.situations.oligometastatic``).

§1.5 counts the bone metastatic sites (every active bone metastasis Condition, long bone or not, and each
active spinal cord compression, which stands for a vertebral site at its level) by bone and side, and reads
whether there is a visceral metastasis as the Rades item does. Two records of the same bone and side are one
site; a record whose site is not stated, a vertebral region or a paired bone without its side, which may be a site
already counted, leaves the count a range, and the card names them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec
from msgspec.structs import replace

from ..calculators.situations import OligometastaticInputs
from ..calculators.values import ItemName
from ..i18n import Said, said
from .items.site import SiteReading, body_sites, read_place, read_site_and_place
from .items.visceral import BRAIN_BESIDE_ABSENT, PAST_BESIDE_ABSENT, visceral_fact
from .levels import SPINE, levels_in_diagnosis, spinal_levels
from .long_bone import site_concepts, with_side_words
from .model import SituationFacts, Where
from .options import MappingOptions
from .place import BOTH_SIDES, LEFT, RIGHT, SEVERAL_BONES, SPINE_REGION_LETTER, SPINE_REGIONS, Place, on_the_midline
from .radiotherapies import radiotherapies_of
from .record import PatientRecord
from .statuses import UNCONFIRMED, status_code, status_to_check
from .statuses import unconfirmed as diagnosis_unconfirmed
from .terminology import ICD_O_3, canonical_system, describe_concepts, objects
from .timely import keep_timely

# Records of a region of the spine may be one vertebra or two; the sacrum is one bone whatever levels it writes.
COUNTED = said("a bone metastatic site counted for oligometastatic disease (§1.5)")
# "T7", "L 2", "D7" (dorsal: French for thoracic): a vertebral level, as written.
_LEVEL = re.compile(r"^\s*([CTDLS])\s?-?(\d{1,2})\s*$", re.IGNORECASE)


def _claims(record: PatientRecord) -> list[tuple[Where, tuple[str, str | None] | None, bool, bool]]:
    """Each record of a bone metastatic site: where, its key (bone, side) or None (no site stated), whether it may
    be a site counted by another record (a region of the spine, a paired bone without its side), whether it names
    several sites at once."""
    claims: list[tuple[Where, tuple[str, str | None] | None, bool, bool]] = []
    for condition in record.conditions["lesion"]:
        if not record.active(condition)[0]:  # named on the card (``not_counted``)
            continue
        reading, place = site_and_place(record, condition)
        where = Where(record.ref(condition), with_side_words(reading.place if reading.bone else place, condition),
                      describe_concepts([condition.get("code")]))  # a side only its words give: quoted
        if reading.bone and reading.place is not None and reading.place.side == BOTH_SIDES:  # one bone, both sides:
            claims += [(_at(where, (reading.bone, side)), (reading.bone, side), False, False)
                       for side in (LEFT, RIGHT)]  # two sites
            continue
        if not reading.bone and place is not None and place.bone and place.side == BOTH_SIDES \
                and not on_the_midline(place.bone):  # ribs, both sides (a sternum or a vertebra has none):
            vague = _key(replace(place, side=LEFT))[1]  # at least two sites, each maybe another record's (a rib)
            claims += [(_at(where, (place.bone, side)), (place.bone, side), vague, False) for side in (LEFT, RIGHT)]
            continue
        if not reading.bone and len(levels := spinal_levels(place)) > 1:  # "L2-L3": one site, or one per level
            claims += _levels_claims(where, levels)
            continue
        spine_or_none = place is None or not place.bone or str(place.bone).upper() in SPINE_REGIONS
        words = describe_concepts([condition.get("code")])
        if not reading.bone and spine_or_none and not spinal_levels(place) and (levels := levels_in_diagnosis(words)):
            # "MTS rachis D4, D7, L2", its bodySite "vertebra" (probe 23): the levels said as the record writes them
            site = replace(place, written=words) if place is not None else Place(None, None, None, words)
            claims += _levels_claims(msgspec.structs.replace(where, place=site), levels)
            continue
        if reading.several and not reading.bone:  # one record of two bones: each bodySite a site, the count open above
            for concept in site_concepts(record, condition, record.ref(condition))[0]:
                key, vague = _key(read_place(record.terms, [concept]))
                claims.append((where if vague else _at(where, key), key, vague, True))
            continue
        key, vague = _key(place, reading.bone, reading.side)
        claims.append((where if vague or reading.several else _at(where, key), key, vague, reading.several))
    for compression in record.conditions["compression"]:
        if not record.active(compression)[0]:
            continue
        place = read_place(record.terms, site_concepts(record, compression, record.ref(compression))[0])
        where = Where(record.ref(compression), place, said("spinal cord compression"), compression=True)
        if len(levels := spinal_levels(place)) > 1:
            claims += _levels_claims(where, levels)
            continue
        key, vague = _key(place)
        claims.append((where if vague else _at(where, key), key or ("spine:", None), vague or key is None,
                       False))  # surely a vertebra
    return claims




def _levels_claims(where: Where, levels: list[str]) -> list[tuple[Where, tuple[str, str | None], bool, bool]]:
    """A record naming several levels: the first of each run of adjacent levels a site, the others each a site or
    the same one (the sources do not say): a range. Levels apart ("D4, D7, L2") are as many sites (probe 18)."""
    claims: list[tuple[Where, tuple[str, str | None], bool, bool]] = []
    levels = sorted(levels, key=SPINE.index)  # "T4, T6, T5": adjacent all the same
    for index, level in enumerate(levels):
        before = levels[index - 1] if index else ""
        adjacent = bool(before) and abs(SPINE.index(level) - SPINE.index(before)) == 1
        if level.startswith("S") and not (adjacent and before == "L5"):  # S1-S5: one bone, the sacrum (review 18)
            claims.append((_at(where, (_SACRUM_KEY, None)), (_SACRUM_KEY, None), False, False))
        else:  # "L5-S1": the sacrum may be the lumbar lesion's other end, as any two adjacent levels (review 20)
            claims.append((where, (level, None), True, False) if adjacent else
                          (_at(where, (level, None)), (level, None), False, False))
    return claims


_SACRUM_KEY = "spine:S"  # the sacrum's site, by its code or a level of it




def _at(where: Where, key: tuple[str, str | None] | None) -> Where:
    """``where`` with the site it is surely counted as (not a vague one, which may be a site already counted)."""
    return msgspec.structs.replace(where, site=f"{key[0]}|{key[1] or ''}") if key else where


def _key(place: Place | None, bone: str | None = None,
         side: str | None = None) -> tuple[tuple[str, str | None] | None, bool]:
    """A site's key (bone, side) and whether it may be a site another record counts: a long bone as the Mirels
    reading gives it (``bone``, ``side``: a femur known by its region code too), a vertebral level as written
    ("T7"), else the bodySite's bone; a region of the spine, or a paired bone without its side, is vague."""
    if place is None and bone is None:
        return None, False
    side = side or (place.side if place else None)
    if bone:
        return (bone, side if side != BOTH_SIDES else None), side is None
    assert place is not None
    spine_code = bool(place.bone) and str(place.bone).upper() in SPINE_REGIONS
    levels = spinal_levels(place)
    if len(levels) == 1:  # the level as written, whatever code stands beside it ("vertebra", "thoracic spine")
        return (_SACRUM_KEY if levels[0].startswith("S") else levels[0], None), False
    if place.bone:
        several = str(place.bone) in SEVERAL_BONES or canonical_system(place.bone_system) == ICD_O_3
        if SPINE_REGION_LETTER.get(str(place.bone)) == "S":  # the sacrum: one bone, never T10 (probe 18)
            return (_SACRUM_KEY, None), False
        return ((f"spine:{SPINE_REGION_LETTER.get(str(place.bone), '')}" if spine_code else place.bone),
                place.side if place.side != BOTH_SIDES else None), spine_code or several or place.side is None
    return None, False




_NOT_ACTIVE = {"inactive": said("inactive"), "remission": said("in remission"), "resolved": said("resolved")}
_ABATED = said("abated, with no clinical status")  # FHIR con-4: an abated Condition is not active


def not_counted(record: PatientRecord, counted: Sequence[Where] = ()) -> list[Said]:
    """The bone metastases not counted as sites because their status says they are not active: named, since the
    guideline (§1.5) does not say whether a treated, resolved or remitting site counts."""
    # A compression recorded as over has a metastasis of its vertebra behind it (probe 29: a D6 compression in
    # remission since 2025, its site left out of the count with no word).
    return [said("{record} ({place}) is not counted ({status}); the guideline does not say whether "
                 "such a site counts", record=record.ref(condition), place=_place_words(record, condition),
                 status=_NOT_ACTIVE.get(str(status_code(condition, "clinicalStatus")), _ABATED))
            for condition in record.conditions["lesion"] + record.conditions["compression"]
            if not record.active(condition)[0] and not _level_counted(record, condition, counted)]


def _level_counted(record: PatientRecord, compression: dict[str, Any], counted: Sequence[Where]) -> bool:
    """A compression recorded as over whose levels are all a counted site's (an active "MTS D6" beside a D6 compression
    in remission: one vertebra, not a site more: review 36)."""
    if "compression" not in record.condition_kinds(compression):
        return False
    concepts = site_concepts(record, compression, record.ref(compression))[0]
    levels = set(spinal_levels(read_place(record.terms, concepts)))
    sites = {level for where in counted if where.place is not None for level in spinal_levels(where.place)}
    return bool(levels) and levels <= sites


def _place_words(record: PatientRecord, condition: dict[str, Any]) -> Any:
    reading, place = site_and_place(record, condition)  # as the count reads a site
    return (reading.place if reading.bone else place) or said("site not recorded")


def site_and_place(record: PatientRecord, condition: dict[str, Any]) -> tuple[SiteReading, Place | None]:
    """A metastasis's site as Mirels and SINS read it: its bodySite and BodyStructures (a left femur recorded in a
    BodyStructure is a site the count names, not "no coded bone"). Read once for §1.5 and §1.1 alike."""
    ref = record.ref(condition)
    return record.once(f"site-and-place-{ref}", lambda: read_site_and_place(
        record.terms, site_concepts(record, condition, ref)[0], own=len(objects(condition.get("bodySite")))))


def _spinal(key: tuple[str, str | None]) -> bool:
    return key[0].startswith("spine") or bool(_LEVEL.match(key[0]))


def _region(key: tuple[str, str | None]) -> str:
    """The region of the spine a spinal key names ("T" for "T10" or a thoracic spine coded), "" when not known."""
    level = _LEVEL.match(key[0])
    if level:
        return "T" if level.group(1).upper() == "D" else level.group(1).upper()
    return key[0].partition(":")[2]


def count_sites(record: PatientRecord) -> tuple[int, int | None, list[Where], list[Said]]:
    """(fewest, most (None: no bound), the records counted, why the count is a range)."""
    claims = _claims(record)
    certain: dict[tuple[str, str | None], Where] = {}
    open_: list[Said] = []
    uncertain, unbounded, not_confirmed, unbounded_above = 0, False, 0, False
    unsure = {where.ref for where, *_ in claims
              if diagnosis_unconfirmed(record.get(where.ref))}
    unclear = {where.ref for where, *_ in claims  # a status in words, an abatement beside "active": may be over
               if any(status_to_check(flag) for flag in record.active(record.get(where.ref))[1])} - unsure
    unsure |= unclear
    # Precise and confirmed records first: an unconfirmed diagnosis may be a site, so it widens the count only.
    for where, key, vague, several in sorted(claims, key=lambda claim: (claim[2], claim[0].ref in unsure)):
        if where.ref in unsure and not (key in certain and not vague):
            if several:  # it may be none, or several sites: the count stays open above (one record, many sites)
                unbounded_above = True
            uncertain += 1
            not_confirmed += 1
            if where.ref in unclear:
                open_.append(said("{record} ({place}): its status is not clear, so it may be a site", record=where.ref,
                                  place=where.place or said("site not recorded")))
            else:
                open_.append(said("{record} ({place}): its diagnosis is not confirmed, so it may be a site",
                                  record=where.ref, place=where.place) if where.place else
                             said("{record}: its diagnosis is not confirmed, so it may be a site", record=where.ref))
            continue
        if several:
            unbounded = True
            open_.append(said("{record} names several sites", record=where.ref))
        elif key is None:  # one record of no site may stand for several ("Métastases osseuses multiples", C79.5)
            uncertain += 1
            unbounded_above = True
            open_.append(said("the site of {record} is not read (no coded bone): it may be one site or several",
                              record=where.ref))
        elif key in certain and not vague:
            continue  # the same bone and side: one site
        elif vague and any(_same_bone(key, other) for other in certain):
            uncertain += 1
            why = said("{record} ({place}) may be a site already counted", record=where.ref, place=where.place) \
                if where.place else said("{record} may be a site already counted", record=where.ref)
            if why not in open_:  # "T4 à T6": one line for the record, not one per level
                open_.append(why)
        else:
            certain[key] = where
    # A bone metastasis whose site is unread is a site all the same; one not confirmed may be none.
    fewest = len(certain) or (1 if uncertain > not_confirmed or unbounded else 0)
    most = None if unbounded or unbounded_above else len(certain) + uncertain
    return fewest, most, [w for w, *_ in claims], open_


def _treated_sites(record: PatientRecord, counted: list[Where]) -> list[Said]:
    """What §1.5 does not say of a site it counts (probe 27: "discuss ablative radiotherapy" beside an emergency of
    §1.3, or a course under way there, named nowhere): a spinal cord compression, a radiotherapy of it recorded."""
    compressions = [(read_place(record.terms, body_sites(compression)) or said("site not recorded"),
                     diagnosis_unconfirmed(compression)) for compression in record.conditions["compression"]
                    if record.active(compression)[0]]
    return [said("a spinal cord compression is recorded ({place}) (§1.3); the guideline does not say whether the "
                 "ablative intent applies to it", place=place) if not doubt else
            said("a spinal cord compression is recorded ({place}), {doubt} (§1.3): if it is confirmed, the guideline "
                 "does not say whether the ablative intent applies", place=place, doubt=UNCONFIRMED[doubt])
            for place, doubt in compressions] + [
        said("{record}: a radiotherapy of it is recorded ({courses}); the guideline does not say whether a site "
             "irradiated already counts for the ablative intent", record=where.ref, courses=", ".join(courses))
        for where in counted if (courses := [course.ref for course in radiotherapies_of(record, where.ref)])]


def _same_bone(key: tuple[str, str | None], other: tuple[str, str | None]) -> bool:
    if _spinal(key):  # a region of the spine (the sacrum) may hold a level of it, not one of another region
        return _spinal(other) and (bool(_LEVEL.match(key[0]) and _LEVEL.match(other[0])) or not (
            _region(key) and _region(other) and _region(key) != _region(other)))
    return key[0] == other[0] and not (key[1] and other[1] and key[1] != other[1])  # a right rib is no left one


def oligometastatic_facts(record: PatientRecord, options: MappingOptions) -> list[SituationFacts]:
    fewest, most, counted, open_ = count_sites(record)
    if fewest == 0 and most == 0:
        return []  # no bone metastasis: nothing to say
    linked = {"visceral-metastases": [(observation, "") for observation in record.observations["visceral-metastases"]]}
    untimely = keep_timely(record, linked, options.windows, ())
    visceral = visceral_fact(record, [observation for observation, _ in linked["visceral-metastases"]])
    present = {"yes": True, "no": False}.get(visceral.value) if isinstance(visceral.value, str) else None
    missing = list(open_)
    brain = [note for note in visceral.notes if isinstance(note, Said)
             and note.template in (BRAIN_BESIDE_ABSENT, PAST_BESIDE_ABSENT)]
    if present is False and (brain or "Observation" in options.partial):  # beside a brain metastasis (unclassed),
        present = None  # or with observations sent in part (a later "present" may be among those not sent)
        missing += brain or [said("the EHR sent only part of the patient's observations: one not sent may record a "
                                  "visceral metastasis")]
    elif present is None:
        missing.append(said("{item}: {why}", item=ItemName("visceral_metastases"),
                            why=visceral.notes[0] if visceral.notes else said("not recorded") if visceral.missing
                            else said("uncertain, the record allows yes or no ({records})",
                                      records=", ".join(visceral.sources))))
        if visceral.missing:  # what it says beside "nothing recorded" (probe 27: a liver metastasis resected in 2023)
            missing += [note for note in visceral.notes[1:] if isinstance(note, Said)]
        missing += untimely.get("visceral_metastases", [])
    for where in counted:  # a site counted is used, unless not using it was said with attention (a broken bone)
        why, _, attention = record.report.ignored.get(where.ref, ("", False, False))
        if not attention:  # what it is not used for stays said beside (no Mirels score: not a long bone)
            record.report.use(where.ref, said("a bone metastatic site counted for oligometastatic disease (§1.5); "
                                              "{why}", why=why) if why else COUNTED)
    # A site not counted for its status may count (the guideline does not say): the count is a range up to it; none
    # is an upper bound where the diagnoses were sent in part (the others may record more sites).
    left_out = not_counted(record, counted) + [said(
        "the EHR sent only part of the patient's diagnoses: the others may record more sites")] * (
        "Condition" in options.partial)
    most = None if most is None or "Condition" in options.partial else most + len(left_out)
    inputs = OligometastaticInputs(fewest, most, present, tuple(missing + left_out))
    return [SituationFacts("oligometastatic", inputs, (*(w.ref for w in counted), *visceral.sources),
                           tuple(counted), tuple(_treated_sites(record, counted)))]
