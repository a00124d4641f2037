"""Vertebral metastases -> SINS inputs (Fisher et al., Spine 2010; beyond the seed documents).

A bone metastasis Condition whose bodySite is in the spine (the codes of ``seeds/sins.json``
``body_sites``, all in ValueSet bone-not-long-bone: Mirels names it "not a long bone") gets one SINS
score. Its items:

* location: the rows its bodySite's spine region leaves possible (a region, not a level: the thoracic
  spine is junctional or semi-rigid, the sacrum junctional (S1) or rigid (S2-S5)); the clinician completes it on
  the assessment page;
* bone lesion: the lesion-type Observation Mirels reads (lytic, mixed, blastic), linked to the lesion;
* pain, alignment, collapse, posterolateral involvement: an Observation coded with the item's own code
  (``seeds/sins.json``), its value a row of the item (CodeSystem table-row), linked to the lesion.

An Observation is linked by ``focus`` (the lesion), else by the lesion's ``evidence.detail``. Most of these
items come from imaging and are rarely coded: completing them on the assessment page (the SINS
Questionnaire) is the main path, and each missing item says which resource would supply it.

A site the table does not reach (the coccyx, below S5) or that may or may not be the sacrum (the pelvis, ICD-O-3
C41.4) gets no SINS score, and the report says why (``body_sites_not_scored``).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any, ClassVar

from msgspec.structs import replace

from ..calculators import OneOf, load_table
from ..calculators.sins import SinsInputs
from ..calculators.values import ItemChoices, ItemName
from ..data import read_json
from ..i18n import N_, Said, said
from .evidence import Candidate, choose
from .items.candidates import read_codings, unread_value
from .items.lesion_type import coded_candidates
from .items.pain import pain_score_value
from .items.site import body_sites, read_place, read_site
from .linking import cited_by
from .long_bone import site_concepts
from .model import Fact, ScoredCondition
from .moments import Event
from .options import MappingOptions
from .pain_sites import Dated, at_another_place, fractures_at_level, refuted_at_level
from .place import Place
from .procedures import procedures_done, spinal_operations
from .radiotherapies import radiotherapies_given
from .record import PatientRecord
from .terminology import OWN_SYSTEM, canonical_system, codings, describe_concepts, objects, observation_value
from .timely import keep_timely, kind_item, with_untimely
from .vocabulary import ITEM_CODES, PROFILE_BASE, QUESTIONNAIRES, ROW_SYSTEM

CALCULATOR = "sins"
LESION_TYPE = "lesion-type"  # Mirels' Observation: its rows name the same kinds of lesion
CODED_ITEMS = ("mechanical_pain", "bone_lesion", "spinal_alignment", "vertebral_body_collapse",
               "posterolateral_involvement")
_QUESTIONNAIRE = next(url for url, name in QUESTIONNAIRES.items() if name == CALCULATOR)


class VertebralFacts(ScoredCondition):
    """A vertebral metastasis: one SINS score."""

    calculator: ClassVar[str] = CALCULATOR
    inputs_type: ClassVar[type] = SinsInputs


@cache
def _seed() -> dict[str, Any]:
    return read_json("seeds", f"{CALCULATOR}.json")


@cache
def _rows_by_site() -> dict[tuple[str, str], tuple[str, ...]]:
    return {(canonical_system(entry["system"]), _plain(entry["code"])): tuple(entry["rows"])
            for entry in _seed()["body_sites"]["codes"]}


# Why a site of the spinal column gets no SINS score (``body_sites_not_scored`` of the seed names which codes).
_NOT_SCORED = {
    "below_the_table": N_("not scored by SINS: its site ({site}) is below the levels the SINS location rows name "
                          "(occiput to S5)"),
    "pelvis_with_sacrum": N_("not scored by SINS: its site ({site}) names the pelvic bones and the sacrum "
                             "together, so the SINS location row cannot be read from it (a bodySite coding the "
                             "sacrum is scored)"),
}


@cache
def _not_scored_by_site() -> dict[tuple[str, str], str]:
    return {(canonical_system(entry["system"]), _plain(entry["code"])): entry["why"]
            for entry in _seed()["body_sites_not_scored"]["codes"]}


def _plain(code: Any) -> str:
    """A code as compared: ICD-O-3 topographies are written dotted or not (C41.2, C412)."""
    return str(code).replace(".", "").upper()


@cache
def _item_rows() -> dict[str, frozenset[str]]:
    return {item.name: frozenset(row.value for row in item.rows) for item in load_table(CALCULATOR).items}


def supplied_by(item: str) -> Said:
    """Which resource would supply a missing SINS item (for integrators: the mapping report)."""
    if item == "spinal_location":
        return said("the bone metastasis Condition's bodySite naming the spine level, or the answer on the "
                    "assessment page ({questionnaire})", questionnaire=_QUESTIONNAIRE)
    also = (said(", or an Observation coded {code} (lytic, mixed, blastic) ({profile})",
                 code=f"{OWN_SYSTEM}#lesion-type", profile=f"{PROFILE_BASE}/bonemet-lesion-type")
            if item == "bone_lesion" else "")
    return said("an Observation coded {code} with focus = the vertebral metastasis, its value a row of the SINS "
                "table ({rows}){also}; or the answer on the assessment page ({questionnaire})",
                code=f"{OWN_SYSTEM}#{ITEM_CODES[item]}", rows=ROW_SYSTEM, also=also, questionnaire=_QUESTIONNAIRE)


def vertebral_lesions(record: PatientRecord, options: MappingOptions) -> list[VertebralFacts]:
    lesions: dict[str, tuple[dict[str, Any], tuple[str, ...], Fact, tuple[str, ...]]] = {}
    places: dict[str, Place | None] = {}
    for condition in record.conditions["lesion"]:
        ref = record.ref(condition)
        concepts, structures, _ = site_concepts(record, condition, ref)
        rows = _spine_rows(concepts)
        long_bone = read_site(record.terms, concepts).bone
        if rows is None or long_bone:
            # Not in the spine: Mirels' or no score. Naming a long bone too: Mirels scores it, and its note says
            # the Condition names another bone; one Condition gets one score (answers name it, not a calculator).
            if not long_bone and (why := _not_scored(concepts)) and record.active(condition)[0]:
                # Said beside its count for §1.5 (it is a site all the same), not dropped without a word.
                record.report.use(ref, Said(why, {"site": describe_concepts(concepts)}))
            continue
        active, flags = record.active(condition)
        if not active:
            record.report.ignore(ref, said("vertebral metastasis is not active: no SINS score") if not flags else
                                 said("vertebral metastasis: {why}: no SINS score", why=flags[0]),
                                 attention=bool(flags))
            continue
        record.report.use(ref, said("vertebral metastasis of a SINS score"))
        for structure in structures:
            record.report.use(structure, said("site of the lesion {lesion}", lesion=ref))
        lesions[ref] = (condition, tuple(flags), _location(rows, (ref, *structures), concepts),
                        tuple(structures))
        places[ref] = read_place(record.terms, concepts)  # its BodyStructure's site too, as the table reads it
    if not lesions:
        return []
    set_aside: dict[str, dict[str, list[Said]]] = {ref: defaultdict(list) for ref in lesions}
    linked: dict[str, dict[str, list[tuple[dict[str, Any], str]]]] = {ref: defaultdict(list) for ref in lesions}
    cited = cited_by(record, lesions)
    for kind in (LESION_TYPE, *(ITEM_CODES[item] for item in CODED_ITEMS)):
        for observation in record.observations[kind]:
            me = record.ref(observation)
            focus = {record.resolve(reference) for reference in objects(observation.get("focus"))}
            targets = [target for target in focus if target in lesions] or (
                [] if focus else [target for target in cited.get(me, []) if target in lesions])
            if len(targets) == 1 and (sites := body_sites(observation)) and at_another_place(
                    own := read_place(record.terms, sites), places[targets[0]]):
                # Its link and its own words disagree (an alignment read at T12 linked to the L3 lesion): which
                # vertebra it describes is not certain (probe 18: it turned "stable" into "surgical consultation").
                why = said("linked to {lesion} ({place}), but its own bodySite says {site}: which lesion it describes "
                           "is not certain; not counted", lesion=targets[0], place=places[targets[0]], site=own)
                record.report.ignore(me, why, attention=True)
                item = "bone_lesion" if kind == LESION_TYPE else kind_item(kind)
                set_aside[targets[0]][item].append(said("{resource}: {why}", resource=me, why=why))
            elif len(targets) == 1:
                how = said("focus -> {target}", target=targets[0]) if focus else said(
                    "evidence of {lesion}", lesion=targets[0])
                linked[targets[0]][kind].append((observation, how))
            elif kind != LESION_TYPE:  # a lesion type of no vertebral metastasis is Mirels' to name
                record.report.ignore(me, said("linked to no single vertebral metastasis (focus or evidence): not "
                                              "used"), attention=True)
    result = []
    spinal = set(lesions) | {record.ref(c) for c in record.conditions["compression"]}
    for ref, (condition, flags, location, _structures) in lesions.items():
        onset = record.onset(condition)
        operated, at_some_level = _operations(record, ref, spinal, linked[ref])
        concepts = site_concepts(record, condition, ref)[0]
        place = places[ref]
        at_level, unsure = fractures_at_level(record, ref, place)
        events = ((Event(onset, said("the lesion's onset")),) if onset else ()) + operated
        # A collapse item read before a fracture at this level describes the body before it broke: not counted.
        # Its onset only: a recordedDate says when it was written down, not when it broke (review 18).
        fractured = tuple(Event(when, said("a fracture at this level")) for fracture, _ in at_level
                          if (when := record.onset(record.get(fracture))) is not None)
        collapse = {COLLAPSE: linked[ref].pop(COLLAPSE, [])}
        untimely = keep_timely(record, linked[ref], options.windows, events)
        for item, notes in keep_timely(record, collapse, options.windows, events + fractured).items():
            untimely.setdefault(item, []).extend(notes)
        linked[ref][COLLAPSE] = collapse[COLLAPSE]
        flags += at_some_level  # said first on the card (``operations_to_check``)
        # One done before, for this lesion or at its spine (an old instrumentation across its level): said first too.
        before = spinal_operations(record, ref, spinal_conditions(record), spine_regions, SINS_SILENT,
                                   skip={flag.params["operation"] for flag in at_some_level if isinstance(flag, Said)})
        flags += before
        facts: dict[str, Fact] = {"spinal_location": location}
        flags += refuted_at_level(record, place, onset)  # a biopsy's "not a metastasis" at this level: said first
        flags += radiotherapies_given(record, ref, onset=onset)  # a course for it: SINS's advice may be what was given
        for item in CODED_ITEMS:
            fact = _coded_fact(record, ref, item, linked[ref])
            notes = untimely.get(item, []) + (untimely.get("lesion_type", []) if item == "bone_lesion" else []) + \
                set_aside[ref].get(item, [])
            if notes:
                fact = with_untimely(fact, notes)
            if item == "mechanical_pain" and fact.missing:
                fact = _pain_scored(record, ref, fact)
            if item == "vertebral_body_collapse" and fact.missing:
                fact = _fractures_named(record, ref, at_level, unsure, fact)
            if fact.missing or isinstance(fact.value, OneOf):
                fact = replace(fact, supplied_by=fact.supplied_by or supplied_by(item))
            facts[item] = fact
        result.append(VertebralFacts(ref, describe_concepts(concepts) or said("vertebral metastasis"), facts,
                                     condition_flags=flags, place=place, operations_to_check=at_some_level,
                                     operations_before=before))
    return result


COLLAPSE = ITEM_CODES["vertebral_body_collapse"]
_NAMED = 3  # fractures named beside one missing item (hundreds recorded: the work and the card stay short)


def _fractures_named(record: PatientRecord, lesion: str, at_level: list[Dated], unsure: list[Dated],
                     fact: Fact) -> Fact:
    """A fracture recorded at this vertebra ("tassement": a collapse is a fracture, source 003) says the body may
    have collapsed, not by how much of its height, which SINS scores: named beside the missing item, not read
    (the card said "no record of it was found", the fracture on a data-review card in Mirels's words)."""
    notes = []
    for ref, _ in at_level[:_NAMED]:
        record.report.ignore(ref, said("a fracture at the level of {lesion}: said beside its SINS collapse item, "
                                       "which it does not measure; not read", lesion=lesion), again=True)
        notes.append(said("{fracture} records a fracture at this level: the body may have collapsed, by how much of "
                          "its height is not recorded; not read", fracture=ref))
    for ref, _ in unsure[:_NAMED]:
        record.report.ignore(ref, said("a fracture of the spine that may be at the level of {lesion}: said beside its "
                                       "SINS collapse item; not read", lesion=lesion), again=True)
        notes.append(said("{fracture} records a fracture of the spine whose level cannot be compared with this "
                          "lesion's: if it is at this level, the body may have collapsed; not read", fracture=ref))
    return replace(fact, notes=fact.notes + tuple(notes)) if notes else fact


def _pain_scored(record: PatientRecord, lesion: str, fact: Fact) -> Fact:
    """SINS pain is mechanical, occasional or none: a 0-10 score of this lesion does not say which, so it is not
    read; but it is this lesion's pain, said beside its score (it read "no record of it was found")."""
    notes = []
    for observation in record.once("pain-scores-by-focus", lambda: _by_focus(record, "pain-score")).get(lesion, ()):
        if pain_score_value(observation) is not None:  # a value from 0 to 10 (its date said with it)
            why = said("a 0-10 pain score is recorded for this lesion ({score}, {resource}): SINS pain is mechanical, "
                       "occasional or none, which a score does not say; not read", score=observation_value(observation),
                       resource=record.ref(observation))
            record.report.ignore(record.ref(observation), why)  # said on the card, in the missing item's words
            notes.append(why)
    return replace(fact, notes=fact.notes + tuple(notes)) if notes else fact


def _by_focus(record: PatientRecord, kind: str) -> dict[str, list[dict[str, Any]]]:
    """The Observations of a kind by the Conditions they focus on: read once, not once per lesion."""
    found: dict[str, list[dict[str, Any]]] = {}
    for observation in record.observations[kind]:
        if not record.counted(observation):
            continue
        for target in dict.fromkeys(record.resolve(reference) for reference in objects(observation.get("focus"))):
            if target:
                found.setdefault(target, []).append(observation)
    return found


def _operations(record: PatientRecord, ref: str, spinal: set[str],
                linked: dict[str, list[tuple[dict[str, Any], str]]]) -> tuple[tuple[Event, ...], tuple[Said, ...]]:
    """SINS scores the spine as it is: an operation of this lesion (a decompression, a fixation naming it) is an
    event its records must come after; one of another spinal Condition (a compression at a level the codes do not
    give), done after some of its records, is said, for the clinician to check the level."""
    events: list[Event] = []
    flags: list[Said] = []
    dates = [when for records in linked.values() for observation, _ in records
             if (when := record.effective(observation)) is not None and record.counted(observation)]
    for operation in procedures_done(record):
        if operation.kind == "radiotherapy" or operation.performed is None:
            continue
        if ref in operation.reasons:
            events.append(Event(operation.performed, said("its operation")))
        elif set(operation.reasons) & spinal and any(when.earliest < operation.performed.latest for when in dates):
            flags.append(said("an operation of the spine is recorded after some of these records ({operation}): if it "
                              "was at this level, they describe the spine before it; check the level",
                              operation=operation.ref))
    return tuple(events), tuple(flags)


# The codes of ``seeds/sins.json`` that name the whole spine or any vertebra, not a region of it: they place an
# operation at the spine without saying where.
_WHOLE_SPINE = frozenset({"51282000", "421060004", "C412"})
# What SINS's sources do not say of an operation of the spine done before (said with it, first on the card).
SINS_SILENT = said("SINS (Fisher 2010) scores the spine without saying what a prior operation or instrumentation "
                   "changes (the sources are silent)")


def spine_regions(concepts: list[Any]) -> frozenset[str] | None:
    """The regions of the spine a bodySite's codes name (cervical, thoracic, lumbar: the code), none for the spine
    or a vertebra with no region; None when no code names the spine (``seeds/sins.json``)."""
    regions: set[str] = set()
    found = False
    for concept in concepts:
        for coding in codings(concept):
            key = (canonical_system(coding.get("system") or ""), _plain(coding.get("code")))
            if key in _rows_by_site():
                found = True
                if key[1] not in _WHOLE_SPINE:
                    regions.add(key[1])
    return frozenset(regions) if found else None


def spinal_conditions(record: PatientRecord) -> dict[str, frozenset[str]]:
    """Every spinal Condition (a bone metastasis of the spine, a spinal cord compression), with the regions of the
    spine its site names (none when not coded): where an operation naming it was done."""
    def read() -> dict[str, frozenset[str]]:
        found = {}
        for kind in ("lesion", "compression"):
            for condition in record.conditions[kind]:
                ref = record.ref(condition)
                concepts = site_concepts(record, condition, ref)[0]
                regions = spine_regions(concepts)
                if kind == "compression" or (regions is not None and not read_site(record.terms, concepts).bone):
                    found[ref] = regions or frozenset()
        return found
    return record.once("spinal-conditions", read)


def _spine_rows(concepts: list[Any]) -> set[str] | None:
    """The location rows a bodySite leaves possible, or None when it names no part of the spine."""
    rows: set[str] = set()
    found = False
    for concept in concepts:
        for coding in codings(concept):
            known = _rows_by_site().get((canonical_system(coding.get("system") or ""), _plain(coding.get("code"))))
            if known is not None:
                found = True
                rows |= set(known)
    return rows if found else None


def _not_scored(concepts: list[Any]) -> str | None:
    """Why a bodySite of the spinal column that SINS does not score gets no score, or None."""
    for concept in concepts:
        for coding in codings(concept):
            why = _not_scored_by_site().get((canonical_system(coding.get("system") or ""), _plain(coding.get("code"))))
            if why is not None:
                return _NOT_SCORED[why]
    return None


def _location(rows: set[str], sources: tuple[str, ...], concepts: list[Any]) -> Fact:
    where = describe_concepts(concepts)
    if len(rows) == 1:
        return Fact("spinal_location", next(iter(rows)), sources, said("bodySite '{site}'", site=where))
    # The code names the region; a level the bodySite's text may give ("T7") is not read (codes are): said so.
    coded = describe_concepts([{"coding": codings(concept)} for concept in concepts])
    texts = [c["text"] for c in concepts if isinstance(c, dict) and isinstance(c.get("text"), str) and c["text"]]
    note = (said("the code of bodySite '{site}' names a region of the spine, not the level: every location row of its "
                 "levels stays possible (its text, '{text}', is not read: the level is read from a code)", site=coded,
                 text="; ".join(texts)[:80]) if texts else
            said("bodySite '{site}' names a region of the spine, not the level: every location row of its levels stays "
                 "possible", site=where))
    return Fact("spinal_location", OneOf(*sorted(rows)), sources, said("bodySite '{site}'", site=where),
                notes=(note,), supplied_by=supplied_by("spinal_location"))


def _collapse_row(quantity: Any) -> str | None:
    """A collapse measured as a share of the body's height (UCUM %): the table's own rows are "> 50 % collapse" and
    "< 50 % collapse"; 50 % itself, or no collapse (0, which two rows share), is no row it names."""
    value = quantity.get("value") if isinstance(quantity, dict) and quantity.get("code") == "%" else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return "collapse_over_50_percent" if 50 < value <= 100 else "collapse_under_50_percent" if 0 < value < 50 else None


def _coded_fact(record: PatientRecord, lesion: str, item: str,
                linked: dict[str, list[tuple[dict[str, Any], str]]]) -> Fact:
    rows = _item_rows()[item]
    candidates: list[Candidate] = []
    notes: list[Said] = []
    for observation, how in linked.get(ITEM_CODES[item], []):
        ref = record.ref(observation)
        row, why = read_codings(observation.get("valueCodeableConcept"), lambda concept: next(
            (c["code"] for c in codings(concept) if c.get("system") == ROW_SYSTEM and c.get("code") in rows), None))
        if row is None and item == "vertebral_body_collapse":
            row = _collapse_row(observation.get("valueQuantity"))
        if row is None:  # what the record gives, as it gives it, and the table's rows in words
            why = why or unread_value(observation) or said(
                "its value ({value}) is not one of the SINS table's answers for this item ({rows})",
                value=observation_value(observation), rows=ItemChoices(item))
            record.report.ignore(ref, why, attention=True)
            notes.append(said("{resource}: {why}", resource=ref, why=why))
            continue
        record.report.use(ref, said("{item} of {lesion}", item=ItemName(item), lesion=lesion))
        candidates.append(Candidate(row, ref, record.effective(observation), record.observation_flags(observation),
                                    f"{how}; {ROW_SYSTEM}"))
    if item == "bone_lesion":
        typed, typed_notes = coded_candidates(record, item, linked.get(LESION_TYPE, []), LESION_TYPE, lesion)
        kinds = _seed()["lesion_type_rows"]
        candidates += [replace(c, value=kinds[c.value] if isinstance(c.value, str) else OneOf(
            *(kinds[v] for v in c.value.values))) for c in typed]
        notes += typed_notes
    return choose(item, candidates, tuple(notes))
