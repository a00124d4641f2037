"""§1.1 beyond the long bones: the pain of a bone metastasis Mirels does not score (a vertebra, the sacrum, a rib,
the pelvis, the sternum: the sites §1.5 counts), and what may make it not "uncomplicated".

"La radiothérapie constitue le premier traitement des métastases osseuses douloureuses non compliquées, résistantes
aux traitements antalgiques médicamenteux." Read here:

* "douloureuses": a pain record of this lesion, linked as the long bones' records are
  (``linking.link_observation``: focus, evidence, panel, derivedFrom, else the same bodySite and coded side, a
  vertebra by its level): a Mirels pain (each of
  its values is a pain), a 0-10 pain score (ValueSet pain-score-0-10) above 0, a SINS pain item other than
  "pain-free" (a SINS-scored vertebra: its SINS item, answers included). The guideline names no threshold: any score
  above 0 is a pain, 0 is none. The latest record decides (``evidence.choose``); records outside the pain item's window
  or before the lesion's onset do not count (``moments``), as for Mirels pain.
* "non compliquées", read of the metastasis itself (``calculators.situations.PainInputs``): a fracture of its bone
  and side, or, for the spine, an active spinal cord compression at its level, makes it complicated; one that may be
  (a bone or a side not stated, a level that cannot be compared) makes it not surely uncomplicated. Either way no
  advice, and the card says why. Whether SINS instability is a complication the sources do not say: not decided here
  (the rule says it beside the advice).
* "résistantes aux antalgiques" is not read from the record: the advice says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec

from ..calculators import OneOf
from ..calculators.situations import PainInputs
from ..calculators.values import Shown
from ..i18n import Said, said
from .dates import DateSpan, parse_date
from .evidence import Candidate, choose
from .fractures import fracture_date, lesions_named
from .items.pain import pain_score_value
from .items.site import SiteReading, body_sites, read_place
from .levels import spinal_levels
from .linking import SEVERAL_AT_SITE, link_observation
from .long_bone import recorded_elsewhere, site_concepts, with_side_words
from .model import Fact, ScoredCondition, SituationFacts, Where
from .moments import Event, out_of_time
from .oligometastatic import site_and_place
from .options import MappingOptions
from .place import (
    BOTH_SIDES,
    LEFT,
    RIGHT,
    SACRUM,
    SEVERAL_BONES,
    SPINE_REGION_LETTER,
    SPINE_REGIONS,
    Place,
    fracture_place,
    on_the_midline,
    spine_in_words,
)
from .radiotherapies import radiotherapies_given
from .record import PatientRecord
from .statuses import REFUTED_AT_LEVEL, refuted_lesions
from .terminology import codings, describe_concepts, observation_value
from .timely import kind_item
from .vocabulary import ROW_SYSTEM

PAIN_KINDS = ("mirels-pain", "pain-score", "sins-pain")
_PAINFUL_SINS_ROWS = {"mechanical_pain": True, "occasional_non_mechanical_pain": True, "pain_free_lesion": False}
# The region of the spine a code names, as the first letter of its levels ("L3": lumbar).


class _Site(msgspec.Struct):
    """A bone metastasis of a bone Mirels does not score, and the pain records linked to it."""

    ref: str
    place: Place | None
    description: str
    onset: DateSpan | None
    linked: dict[str, list[tuple[dict[str, Any], str]]] = msgspec.field(default_factory=lambda: defaultdict(list))
    spine_in_words: bool = False  # no site coded, its words placing it at the spine ("MTS rachis D4, D7")

    @property
    def spinal(self) -> bool:
        return self.spine_in_words or (self.place is not None and str(self.place.bone or "").replace(".", "").upper() \
            in SPINE_REGIONS)


def painful_sites(record: PatientRecord, options: MappingOptions,
                  scored: Sequence[ScoredCondition]) -> list[SituationFacts]:
    """A §1.1 situation per painful bone metastasis of a bone Mirels does not score: on its SINS card when SINS
    scores it (``score_of``), else on the patient's one §1.1 card."""
    sins = {found.condition: found for found in scored if found.calculator == "sins"}
    sites = _sites(record)
    if not sites:
        return []
    at_site: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for ref, site in sites.items():
        if (key := _key(site.place)) is not None:
            at_site[key].append(ref)
    for kind in PAIN_KINDS:
        for observation in record.observations[kind]:
            target, how = link_observation(record, observation, sites.keys(), at_site, 0,
                                           lambda concepts: _key(read_place(record.terms, concepts)) or (None, None),
                                           "pain-site-evidence")
            if target is None and getattr(how, "template", None) == SEVERAL_AT_SITE:  # two right ribs (probe 25): why
                record.report.ignore(record.ref(observation), how, attention=True, again=True)
            if target is None or (kind == "sins-pain" and target in sins):  # SINS's item: read from its score's facts
                continue
            elsewhere = recorded_elsewhere(record, observation, target,
                                           SiteReading(None, None, None, True, place=sites[target].place or Place()))
            if elsewhere is not None:
                record.report.ignore(record.ref(observation), elsewhere, attention=True)
                continue
            sites[target].linked[kind].append((observation, how))
    found = []
    for ref, site in sites.items():
        read = _pain(record, options, site, sins.get(ref))
        if read is None:
            continue
        pain, recorded = read
        for source in pain.sources:  # painful or not (a 0/10): what the mapping report says it was read for
            record.report.use(source, said("pain of {lesion}, read for guideline §1.1", lesion=ref))
        if pain.value is not True:  # no pain now, or records that disagree on the latest day
            continue
        complications = _fractures(record, site) + (_compressions(record, site) if site.spinal or ref in sins else ())
        found.append(SituationFacts(
            "pain", PainInputs(True, long_bone=False, complications=complications), pain.sources,
            (Where(ref, site.place, site.description),),
            (recorded, *(flag for flag in pain.flags if isinstance(flag, Said)),  # its time later than now, say
             *radiotherapies_given(record, ref, onset=site.onset)), score_of=ref if ref in sins else None))
    return found


def _sites(record: PatientRecord) -> dict[str, _Site]:
    """Each active bone metastasis whose bodySite is a bone that is not a long one (ValueSet bone-not-long-bone), or
    with no site coded whose words place it at the spine."""
    sites = {}
    for condition in record.conditions["lesion"]:
        if not record.active(condition)[0]:
            continue
        ref = record.ref(condition)
        reading, place = site_and_place(record, condition)  # as §1.5 reads it, read once for both
        if reading.not_long_bone:
            sites[ref] = _Site(ref, with_side_words(place, condition), describe_concepts([condition.get("code")]),
                               record.onset(condition))  # a side only its words give: quoted, never read
        elif place is None and not reading.bone and spine_in_words(words := describe_concepts([condition.get("code")])):
            sites[ref] = _Site(ref, Place(record_words=words), words, record.onset(condition), spine_in_words=True)
    return sites


def _key(place: Place | None) -> tuple[str | None, str | None] | None:
    """What links a record by its bodySite: its bone and coded side; a vertebra by its one level ("L3"), never by the
    code "vertebra" alone (every vertebra has it)."""
    if place is None or not place.bone:
        return None
    if str(place.bone).replace(".", "").upper() in SPINE_REGIONS:
        levels = spinal_levels(place)
        return (levels[0], None) if len(levels) == 1 else None
    side = None if place.side_from_text or place.side == BOTH_SIDES else place.side
    return (place.bone, side) if side or on_the_midline(place.bone) else None


def _pain(record: PatientRecord, options: MappingOptions, site: _Site,
          sins: ScoredCondition | None) -> tuple[Fact, Said] | None:
    """The lesion's pain now (a ``Fact`` of True or False) and its latest record with its value, as the card says it
    ("“EVA / NRS”, 2026-12-05: 8"); None when nothing recorded says."""
    after = (Event(site.onset, said("the lesion's onset")),) if site.onset else ()
    candidates = []
    said_as: dict[str, Any] = {}  # record -> its value, as the card says it
    unread: list[tuple[str, Said]] = []  # on the data-review card only where nothing current was read (not 40 old ones)
    for kind, observations in site.linked.items():
        for observation, how in observations:
            ref = record.ref(observation)
            why = record.set_aside.get(ref) or out_of_time(record.effective(observation), kind_item(kind),
                                                           record.as_of, options.windows, after,
                                                           record.period_start(observation))
            if why is not None:
                unread.append((ref, why))
                continue
            painful = _painful(record, kind, observation)
            if painful is None:  # a score written as text ("8/10"): said, not read
                unread.append((ref, said("its value ({value}) is not read as a pain of {lesion}: a score is read as a "
                                         "number from 0 to 10, a Mirels or SINS pain as its code",
                                         value=observation_value(observation)[:40], lesion=site.ref)))
                continue
            candidates.append(Candidate(painful, ref, record.effective(observation),
                                        record.observation_flags(observation), how))
            said_as[ref] = _value(kind, observation)
    fact = sins.facts.get("mechanical_pain") if sins is not None else None
    if fact is not None and fact.sources and fact.value is not None:
        rows = fact.value.values if isinstance(fact.value, OneOf) else (fact.value,)
        says = {_PAINFUL_SINS_ROWS.get(str(row)) for row in rows}
        if len(says) == 1 and None not in says:  # every row it allows says the same
            candidates.append(Candidate(says.pop(), fact.sources[0], parse_date(fact.recorded) if fact.recorded
                                        else None, (), "SINS pain", also=fact.sources[1:]))
            said_as[fact.sources[0]] = Shown("mechanical_pain", fact.value)
    for ref, why in unread:  # could it change §1.1? only if nothing current says the pain
        record.report.ignore(ref, why, attention=not candidates, again=not candidates and ref in record.set_aside)
    if not candidates:
        return None
    chosen = choose("painful", candidates)
    return chosen, said("{record}: {value}", record=chosen.sources[0], value=said_as[chosen.sources[0]])


def _value(kind: str, observation: dict[str, Any]) -> Any:
    """A pain record's value in words: the score ("8"), the Mirels or SINS row in the table's words."""
    if kind == "pain-score":
        return observation_value(observation)
    item, system = ("pain", None) if kind == "mirels-pain" else ("mechanical_pain", ROW_SYSTEM)
    codes = [coding.get("code") for coding in codings(observation.get("valueCodeableConcept"))
             if system is None or coding.get("system") == system]
    return Shown(item, codes[0]) if codes else observation_value(observation)


def _painful(record: PatientRecord, kind: str, observation: dict[str, Any]) -> bool | None:
    """Whether one record says the lesion is painful: any Mirels pain; a 0-10 score above 0; SINS mechanical or
    occasional pain (not "pain-free"). None: its value is not read."""
    if kind == "mirels-pain":
        return True if record.terms.coding_in(observation.get("valueCodeableConcept"), "mirels-pain") else None
    if kind == "pain-score":
        score = pain_score_value(observation)
        return None if score is None else score > 0
    rows = [str(coding.get("code")) for coding in codings(observation.get("valueCodeableConcept"))
            if coding.get("system") == ROW_SYSTEM and coding.get("code") in _PAINFUL_SINS_ROWS]
    return _PAINFUL_SINS_ROWS[rows[0]] if len(set(rows)) == 1 else None


def _fractures(record: PatientRecord, site: _Site) -> tuple[Said, ...]:
    """The fractures recorded that are of this lesion's bone and side, or may be: each said, for the card."""
    found: list[Said] = []
    by_bone = record.once("fractures-read", lambda: _fractures_read(record))
    bone = site.place.bone if site.place is not None else None
    # Those of its bone, those of no bone stated, and any a bone's code may not compare (a vertebra's region): each
    # is compared; a bone elsewhere is never this one's (the work stays linear in fractures and sites).
    candidates = [f for group in by_bone.values() for f in group] if bone is None else [
        *by_bone.get(f"tied:{site.ref}", []), *by_bone.get(bone, []), *by_bone.get(None, []), *by_bone.get("spine", [])]
    for ref, tied, place, when in {f[0]: f for f in candidates}.values():  # each once
        if len(found) == 3:  # one complication withholds it; three say why (hundreds of fractures: linear work)
            break
        if site.onset and when and when.latest < site.onset.earliest and site.ref not in tied:
            continue  # broken before this metastasis began (a 2015 fracture): no complication of it (review 17)
        if site.ref in tied:
            record.report.use(ref, said("a fracture of {lesion}'s bone: §1.1 is not given for it", lesion=site.ref))
            found.append(said("a fracture recorded as due to this lesion ({fracture})", fracture=ref))
            continue
        same = _same_bone(site, place)
        if tied and same is not True:
            continue  # its record names another lesion, and nothing makes it this one's bone and side
        if same:
            record.report.use(ref, said("a fracture of {lesion}'s bone: §1.1 is not given for it", lesion=site.ref))
            sacrum = site.place is not None and site.place.bone == SACRUM  # one bone: no level to name
            found.append(said("a fracture at this level is recorded ({fracture})", fracture=ref)
                         if site.spinal and not sacrum else
                         said("a fracture of this bone is recorded ({fracture})", fracture=ref)
                         if site.place is not None and on_the_midline(site.place.bone) else
                         said("a fracture of this bone and side is recorded ({fracture})", fracture=ref))
        elif same is None:
            record.report.use(ref, said("a fracture that may be of {lesion}'s bone: §1.1 is not given for it",
                                        lesion=site.ref))
            found.append(said("a fracture of a rib on this side is recorded ({fracture}): it may be this rib",
                              fracture=ref) if _another_of_several(site, place) else
                         said("a fracture is recorded ({fracture}) whose bone, side or level is not stated or cannot "
                              "be compared with this lesion's: it may be of this bone", fracture=ref))
    return tuple(found)


Dated = tuple[str, DateSpan | None]  # a fracture's reference and its date (onset, else recorded)


def fractures_at_level(record: PatientRecord, lesion: str, place: Place | None) -> tuple[list[Dated], list[Dated]]:
    """The fractures recorded at a vertebral lesion's level (or as due to it), and those of the spine whose level
    cannot be compared with its (they may be at it), each with its date: for SINS, whose collapse item a fracture
    there may answer, or make out of date. At
    most ``_NAMED_AT_MOST`` of each; the spine's fractures are looked up by level and region, not each compared
    with each lesion (400 lesions and 400 fractures: review 17)."""
    by_bone = record.once("fractures-read", lambda: _fractures_read(record))
    by_level = record.once("spine-fractures-by-level", lambda: _by_level(by_bone.get("spine", [])))
    levels = spinal_levels(place) if place is not None else []
    region = {level[0] for level in levels} or (
        {letter} if place is not None and (letter := SPINE_REGION_LETTER.get(str(place.bone or ""))) else set())
    keys = [*levels, *(f"region:{letter}" for letter in sorted(region))] if levels else [
        key for letter in sorted(region) for key in (f"region:{letter}", f"any level:{letter}")] if region else \
        list(by_level)  # no level: those of its region, any level; no region either: every one
    candidates = [*by_bone.get(f"tied:{lesion}", []), *(f for key in [*keys, "region:"] for f in by_level.get(key, []))]
    at_level: list[Dated] = []
    unsure: list[Dated] = []
    for ref, tied, where, when in {f[0]: f for f in candidates}.values():
        if len(at_level) >= _NAMED_AT_MOST and len(unsure) >= _NAMED_AT_MOST:
            break
        if lesion in tied:
            at_level.append((ref, when))
        elif not tied:  # one whose record names another lesion is that lesion's
            same = True if place is not None and where is not None and place.bone == where.bone == SACRUM else \
                _same_level(place, where)  # the sacrum is one bone, levels or not
            if same or same is None:
                (at_level if same else unsure).append((ref, when))
    return at_level[:_NAMED_AT_MOST], unsure[:_NAMED_AT_MOST]


def refuted_at_level(record: PatientRecord, place: Place | None, onset: DateSpan | None) -> tuple[Said, ...]:
    """The refuted bone-metastasis Conditions at this vertebral lesion's level (a level read on both), not one
    recorded before the lesion began: said first on its card (probe 17: a T8 metastasis refuted at biopsy, a
    haemangioma, still got "spine surgical consultation" with no word of it). A level not compared says nothing."""
    found = []
    for ref, refuted, when in refuted_lesions(record):
        where = read_place(record.terms, body_sites(refuted))
        if where is not None and spinal_levels(where) and _same_level(place, where) and not (
                onset and when and when.latest < onset.earliest):
            record.report.ignore(ref, said("verificationStatus is refuted: never counts; said on the card of the "
                                           "active lesion at the same level"), again=True)
            found.append(Said(REFUTED_AT_LEVEL, {"record": ref}))
    return tuple(found)


def _by_level(fractures: list[Any]) -> dict[str, list[Any]]:
    """The spine's fractures by each level they name ("T12") and its region ("any level:T"), else by their region
    ("region:T"), else "region:"."""
    found: dict[str, list[Any]] = {}
    for fracture in fractures:
        where = fracture[2]
        levels = spinal_levels(where) if where is not None else []
        letter = SPINE_REGION_LETTER.get(str(where.bone or "")) if where is not None else None
        for key in levels or [f"region:{letter or ''}"]:
            found.setdefault(key, []).append(fracture)
        for letter_of_level in {level[0] for level in levels}:  # for a lesion whose level is not stated
            found.setdefault(f"any level:{letter_of_level}", []).append(fracture)
    return found


def _fractures_read(record: PatientRecord) -> dict[str | None, list[tuple[str, set[str], Place | None, Any]]]:
    """Each fracture, the lesions its record ties it to, and its place, by its bone ("spine" for the spine's codes,
    None for no bone stated): read once for every painful site."""
    found: dict[str | None, list[tuple[str, set[str], Place | None, Any]]] = {}
    for fracture in record.fractures:
        places = [p for p in (fracture_place(c) for c in codings(fracture.get("code"))) if p is not None]
        body = read_place(record.terms, body_sites(fracture))
        place = places[0] if places else body
        if places and _of_the_spine(place) and _of_the_spine(body):
            place = body  # a code states a region (S22.0: thoracic), its bodySite may state the level ("T8")
        elif places and body is not None and place is not None and not place.side and body.bone == place.bone \
                and body.side in (LEFT, RIGHT) and not body.side_from_text:  # S32.3 (ilium), its bodySite the right
            place = body  # ilium: the side its bodySite codes, as a long bone's fracture takes it (probe 28)
        bone = place.bone if place is not None and place.bone else None
        key = "spine" if _of_the_spine(place) or (not bone and spine_in_words(
            describe_concepts([fracture.get("code")]))) else bone  # "Fracture pathologique vertèbre D7": no level read
        read = (record.ref(fracture), lesions_named(record, fracture), place, fracture_date(record, fracture))
        for group in (key, *(f"tied:{lesion}" for lesion in read[1])):  # by the lesions it names, whatever its bone
            found.setdefault(group, []).append(read)
    return found


def _of_the_spine(place: Place | None) -> bool:
    return place is not None and bool(place.bone) and str(place.bone).replace(".", "").upper() in SPINE_REGIONS


def _same_bone(site: _Site, place: Place | None) -> bool | None:
    """Whether a fracture's place is this lesion's bone and side (a vertebra: its level); None when it may be."""
    mine = site.place
    if place is None or not place.bone or mine is None or not mine.bone:
        return None
    if place.bone == mine.bone == SACRUM:  # one bone, levels or not
        return True
    if site.spinal or str(place.bone).replace(".", "").upper() in SPINE_REGIONS:
        return _same_level(mine, place) if site.spinal and str(place.bone).replace(".", "").upper() in SPINE_REGIONS \
            else False
    if place.bone != mine.bone:
        return False
    if on_the_midline(mine.bone):
        return True
    sides = {None if p.side_from_text else p.side for p in (mine, place)}
    if None in sides or BOTH_SIDES in sides:
        return None
    if len(sides) == 1 and _another_of_several(site, place):
        return None  # twelve ribs a side: the same side does not make it the same rib
    return len(sides) == 1


def _another_of_several(site: _Site, place: Place | None) -> bool:
    """Whether the fracture and the lesion are both of a group of bones (a rib), on the same stated side."""
    mine = site.place
    return (mine is not None and place is not None and str(mine.bone) in SEVERAL_BONES and place.bone == mine.bone
            and not mine.side_from_text and not place.side_from_text and mine.side == place.side
            and mine.side not in (None, BOTH_SIDES))


def _compressions(record: PatientRecord, site: _Site) -> tuple[Said, ...]:
    """The active spinal cord compressions at this vertebral lesion's level, or whose level cannot be compared.
    Compressions alike in levels and regions are compared once (a painful vertebra beside hundreds of compressions
    of no level: work linear in them), and at most ``_NAMED_AT_MOST`` of each kind are named, the others counted."""
    at_level, unsure = [], []
    for place, refs in record.once("active-compression-places", lambda: _compression_places(record)).values():
        same = _same_level(site.place, place)
        if same:
            at_level += refs
        elif same is None:
            unsure += refs
    found = [said("a spinal cord compression is recorded at this level ({compression})", compression=ref)
             for ref in at_level[:_NAMED_AT_MOST]]
    found += [said("a spinal cord compression is recorded ({compression}) whose level cannot be compared with this "
                   "lesion's: it may be at this level", compression=ref) for ref in unsure[:_NAMED_AT_MOST]]
    more = max(len(at_level) - _NAMED_AT_MOST, 0) + max(len(unsure) - _NAMED_AT_MOST, 0)
    if more:
        found.append(said("{count} more spinal cord compressions are recorded at this level or at a level that "
                          "cannot be compared", count=more))
    return tuple(found)


_NAMED_AT_MOST = 3


def _compression_places(record: PatientRecord) -> dict[tuple[Any, ...], tuple[Place | None, list[str]]]:
    """The active spinal cord compressions by what ``_same_level`` reads of their place (its levels, else the region
    its code names), each group with one of its places: read once for every painful vertebra."""
    places: dict[tuple[Any, ...], tuple[Place | None, list[str]]] = {}
    for compression in record.conditions["compression"]:
        if record.active(compression)[0]:
            ref = record.ref(compression)
            place = read_place(record.terms, site_concepts(record, compression, ref)[0])
            key = (tuple(spinal_levels(place)), str(place.bone or "") if place is not None else "")
            places.setdefault(key, (place, []))[1].append(ref)
    return places


def at_another_place(first: Place | None, second: Place | None) -> bool:
    """Whether a record's place is surely not a vertebral lesion's: another bone than the spine (a femur), or another
    level or region of it; the sacrum is one bone, its levels included; a level not stated is not another."""
    if first is None or second is None:
        return False
    if first.bone and second.bone and _of_the_spine(first) != _of_the_spine(second):
        return True
    if all(p.bone == SACRUM or ((levels := spinal_levels(p)) and all(level[0] == "S" for level in levels))
           for p in (first, second)):
        return False
    return _same_level(first, second) is False


def _same_level(first: Place | None, second: Place | None) -> bool | None:
    """Whether two places of the spine share a level ("L3", "L2-L4"); False when their levels or regions (lumbar,
    thoracic...) differ; None when they cannot be compared (a level not stated)."""
    levels = [spinal_levels(place) for place in (first, second)]
    if all(levels):
        return bool(set(levels[0]) & set(levels[1]))
    regions = [{level[0] for level in found} if found else  # else the region its code names
               {letter} if (letter := SPINE_REGION_LETTER.get(str(place.bone or "") if place else "")) else set()
               for found, place in zip(levels, (first, second), strict=True)]
    if all(regions) and not regions[0] & regions[1]:
        return False
    return None
