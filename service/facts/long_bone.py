"""Long-bone metastases -> Mirels inputs: each lesion, its site and side, the observations linked to it
(the linking rules are in ``mapper``'s docstring), and a broken bone named instead of scored.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec
from msgspec.structs import replace

from ..i18n import Said, joined, said
from .dates import DateSpan, parse_date
from .fractures import fracture_date, fracture_flag, fractures_at
from .items.lesion_type import lesion_type_fact
from .items.osteolysis import osteolysis_facts
from .items.pain import pain_fact
from .items.site import against_words, body_sites, read_site, site_fact
from .items.size import size_fact
from .linking import link_observation, tumours
from .model import BrokenBone, FixedBone, LesionFacts
from .moments import Event, out_of_time
from .options import MappingOptions
from .place import BOTH_SIDES, LEFT, RIGHT, on_the_midline, side_extension_words, side_written, spine_in_words
from .procedure_model import Procedure, treated
from .procedures import (
    earlier_fixations,
    fixations_either_side,
    fixations_not_done,
    fixations_other_side,
    fixations_under_way,
    procedures_done,
    unread_operations,
)
from .radiotherapies import pain_under_radiotherapy, radiotherapies_given, radiotherapies_maybe
from .record import PatientRecord
from .statuses import (
    LESION_MAY_BE_OVER,
    LESION_NOT_ACTIVE,
    NEVER_COUNTS,
    THIS_RECORDED_AS,
    recorded_as,
    refuted_beside,
    status_code,
)
from .terminology import describe_concepts, objects
from .timely import keep_timely, kind_item, with_untimely
from .unrecognised import is_pathological_fracture
from .vocabulary import (
    BODY_SITE_REFERENCE,
    MCODE_LATERALITY,
    MCODE_LOCATION,
)

LESION_KINDS = ("lesion-size", "tumour-size", "cortical-width", "lesion-type", "mirels-pain", "pain-score",
                "cortical-osteolysis")


class _Lesion(msgspec.Struct):
    """A long-bone lesion being read: its Condition, its site, its flags and the Observations linked to it; the flags
    said first (fractures, fixations, one not done, several sites) are among ``flags`` too."""

    condition: dict[str, Any]
    reading: Any
    flags: tuple[str, ...]
    linked: dict[str, list[tuple[dict[str, Any], str]]]
    structures: tuple[str, ...] = ()  # the BodyStructures its site was read from
    fractures_to_check: tuple[str, ...] = ()
    fixations_to_check: tuple[str, ...] = ()
    not_done: tuple[str, ...] = ()
    several: tuple[str, ...] = ()
    set_aside: dict[str, list[Said]] = msgspec.field(default_factory=lambda: defaultdict(list))  # item -> why


def long_bone_lesions(record: PatientRecord, options: MappingOptions) -> list[LesionFacts]:
    lesions: dict[str, _Lesion] = {}
    over: dict[str, str] = {}  # lesions no longer active -> their abatement as written ("" when none)
    made_after: dict[str, list[str]] = defaultdict(list)  # such a lesion -> its records made after it ended
    elsewhere_in_body: set[str] = set()  # lesions of a bone that is not a long one (a vertebra: SINS reads them)
    spine_in_words_only: set[str] = set()  # of them, those placed at the spine by their words only (no one reads them)
    at_site: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)  # (bone, side) -> lesions
    for condition in record.conditions["lesion"]:
        ref = record.ref(condition)
        active, flags = record.active(condition)
        if not active:
            # Not active by its status: nothing to act on. Not active by its abatement alone: said on a card.
            record.report.ignore(ref, Said(LESION_NOT_ACTIVE, {}) if not flags else
                                 Said(LESION_MAY_BE_OVER, {"why": flags[0]}), attention=bool(flags))
            over[ref] = record.abated(condition)
            continue
        concepts, structures, unread = site_concepts(record, condition, ref)
        reading = against_words(read_site(record.terms, concepts, len(objects(condition.get("bodySite")))), condition)
        if unread:
            reading = replace(reading, notes=reading.notes + tuple(unread))
        if reading.not_long_bone:
            record.report.ignore(ref, said("bodySite '{site}' is not a long bone: Mirels applies to long bones only",
                                           site=reading.description))
            elsewhere_in_body.add(ref)
            continue
        if not concepts and spine_in_words(words := describe_concepts([condition.get("code")])):
            # "MTS rachis D4, D7, L2", no site coded: a Mirels card with its site missing (probe 28) is none to act on
            record.report.ignore(ref, said("its words place it at the spine (“{words}”) and no site is coded: Mirels "
                                           "applies to long bones only; SINS reads a vertebral metastasis whose site "
                                           "is coded", words=words[:80]), attention=True)
            elsewhere_in_body.add(ref)
            spine_in_words_only.add(ref)
            continue
        fractures = fractures_at(record, reading, ref)
        onset = record.onset(condition)
        earlier = [f for f, _ in fractures if onset and (when := fracture_date(record, f)) and
                   when.latest < onset.earliest]
        broken = [fracture for fracture, match in fractures if match == "same" and fracture not in earlier]
        if broken:
            _broken(record, ref, condition, reading, broken[0])
            continue
        fixation = _fixation(record, ref, reading, onset)
        if fixation is not None:
            continue
        # Said, never settled: a bone or a side not stated, or a fracture before the lesion began.
        to_check = tuple(fracture_flag(record, fracture, fracture in earlier, match, reading)
                         for fracture, match in fractures)
        under_way = fixations_under_way(record, ref, reading.bone, reading.side) + earlier_fixations(
            record, ref, reading, onset) + fixations_either_side(record, reading) + fixations_other_side(
            record, ref, reading) + unread_operations(record, ref, reading, onset)
        not_done = fixations_not_done(record, ref, reading.bone, reading.side)
        flags += to_check + not_done + under_way + radiotherapies_given(record, ref, reading.bone, reading.side,
                                                                        onset) + \
            radiotherapies_maybe(record, ref, reading.bone, reading.side, onset)
        record.report.use(ref, said("lesion of a Mirels score"))
        for structure in structures:
            record.report.use(structure, said("site of the lesion {lesion}", lesion=ref))
        several = (said("its recorded site names several places ({site}): which one each item describes is not "
                        "said; check the side and site before any procedure", site=reading.place or reading.description
                        ),) if reading.several else ()  # said first (probe 28: "Femur, both sides: fixation")
        flags += several
        lesions[ref] = _Lesion(condition, reading, flags, defaultdict(list), tuple(structures), to_check, under_way,
                               not_done, several)
        if reading.bone:
            at_site[(reading.bone, reading.side)].append(ref)
    same_place: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)  # the side read from text too:
    for ref, lesion in lesions.items():  # two lesions that differ only by side are two lesions
        if lesion.reading.bone:
            same_place[(lesion.reading.bone, lesion.reading.place.side)].append(ref)
    for refs in same_place.values():  # an encounter diagnosis beside the problem-list entry, say: never merged by guess
        if len(refs) < 2:
            continue
        # Where the EHR put each (the problem list, an encounter), when they differ: their words and dates alike
        # ("“Secondary malignant neoplasm of bone”, 2026-11-15" twice), the clinician could not tell them apart.
        places = {ref: recorded_as(lesions[ref].condition) for ref in refs}
        told = len(set(places.values())) > 1
        for ref in refs:
            others = [Said(template, {"record": r}) if told and (template := places[r]) else r
                      for r in refs if r != ref] + ([Said(THIS_RECORDED_AS[own], {})] if told and (own := places[ref])
                                                    else [])
            lesions[ref].flags += (said("another lesion Condition names the same bone and side ({others}): they may "
                                        "record one lesion", others=others[0] if len(others) == 1 else joined(others)),)
    broken_lesions = {entry.lesion for entry in record.broken}
    fixed_lesions = {lesion: operation for operation, fixed in record.fixed.items() for lesion in fixed}
    unlinked: dict[str, list[str]] = defaultdict(list)  # item -> its records linked to no lesion
    of_void: dict[str, list[str]] = defaultdict(list)  # item -> its records of a lesion refuted or entered in error
    for kind in LESION_KINDS:
        for observation in record.observations[kind]:
            target, how = link_observation(record, observation, lesions, at_site, 0)
            focus = {named for f in objects(observation.get("focus")) if (named := record.resolve(f))}
            if target is None and broken_lesions & focus:
                # The lesion's bone has broken: its card says so; its measurements would change no score.
                record.report.ignore(record.ref(observation), said(
                    "of a lesion whose bone has broken (no Mirels score): not used"))
            elif target is None and (fixed := sorted(focus & fixed_lesions.keys())):
                # The lesion is fixed: Mirels no longer applies (§1.4 does); its measurements change no score.
                record.report.ignore(record.ref(observation), said(
                    "of a lesion already fixed ({operation}): no Mirels score; not used",
                    operation=fixed_lesions[fixed[0]]))
            elif target is None and (ended := sorted(focus & over.keys())):
                if _of_a_lesion_over(record, observation, ended[0], over[ended[0]], kind, options):
                    made_after[ended[0]].append(record.ref(observation))
            elif target is None and focus and focus <= elsewhere_in_body:
                if focus & spine_in_words_only and kind not in ("mirels-pain", "pain-score"):  # §1.1 reads a pain
                    record.report.ignore(record.ref(observation), said(  # SINS reads none of it (review 33)
                        "of {lesion}, whose site is not coded: not read", lesion=sorted(focus)[0]), attention=True)
                continue  # of a lesion Mirels does not score: SINS says what became of it (or nothing reads it)
            elif target is None and focus and (void := [ref for ref in sorted(focus) if ref.startswith("Condition/")
                                                        and status_code(record.get(ref), "verificationStatus")
                                                        in NEVER_COUNTS]) and len(void) == len(focus):
                # Of a diagnosis refuted or entered in error: named with it, never counted (probe 28: its reason read
                # "no active long-bone metastasis"); the clinician checks the diagnosis, not the record of its items.
                refuted = status_code(record.get(void[0]), "verificationStatus") == "refuted"
                record.report.ignore(record.ref(observation), said(
                    "it describes {condition}, whose diagnosis is recorded as refuted: never counts", condition=void[0])
                    if refuted else said("it describes {condition}, recorded as entered in error: never counts",
                                         condition=void[0]), attention=True)
                of_void[kind_item(kind)].append(record.ref(observation))  # pointed to beside a missing item
            elif target is None:
                record.report.ignore(record.ref(observation), how, attention=True)
                unlinked[kind_item(kind)].append(record.ref(observation))
            elif (elsewhere := recorded_elsewhere(record, observation, target, lesions[target].reading)) is not None:
                record.report.ignore(record.ref(observation), elsewhere, attention=True)
                lesions[target].set_aside[kind_item(kind)].append(said("{resource}: {why}", resource=record.ref(
                    observation), why=elsewhere))
            else:
                lesions[target].linked[kind].append((observation, how))
    for gone, refs in made_after.items():  # probe 22: a new lesion of that bone and side read "no item recorded"
        condition = record.get(gone)
        place = read_site(record.terms, site_concepts(record, condition, gone)[0],
                          len(objects(condition.get("bodySite")))).place
        for lesion in lesions.values():  # a side not stated on either may be the same (review 23)
            onset = record.onset(lesion.condition)
            since = [r for r in refs if not (onset and (when := record.effective(record.get(r))) is not None
                                             and when.latest < onset.earliest)]  # before it began: not its own
            if since and place.bone and lesion.reading.bone == place.bone and (
                    None in (place.side, lesion.reading.place.side) or place.side == lesion.reading.place.side):
                lesion.flags += (said("records made after the end recorded for {ended} ({abatement}) are not counted "
                                      "({records}): they may be of this lesion; check them", ended=gone,
                                      abatement=over[gone], records=", ".join(since)),)
    for lesion in lesions.values():
        lesion.flags += refuted_beside(record, lesion.reading, lesion.condition)
    result = []
    for ref, lesion in lesions.items():
        onset = record.onset(lesion.condition)
        untimely = keep_timely(record, lesion.linked, options.windows,
                                (Event(onset, said("the lesion's onset")),) if onset else (),
                                frozenset() if options.pain_score_bands else frozenset({"pain-score"}))
        lesion.flags += _sides_of_records(record, lesion)  # of the records counted (review 31: not one set aside)
        facts = {
            "lesion_site": site_fact(lesion.reading, (ref, *lesion.structures), lesion.flags),
            "lesion_size": size_fact(record, ref, lesion.linked),
            "lesion_type": lesion_type_fact(record, ref, lesion.linked),
            "pain": pain_fact(record, ref, lesion.linked, options.pain_score_bands),
            **osteolysis_facts(record, ref, lesion.linked),
        }
        for name, fact in facts.items():
            notes = [note for reasons in (untimely, lesion.set_aside) for item, said_ in reasons.items()
                     if name.startswith(item) for note in said_]
            strays = [ref for item, refs in unlinked.items() if name.startswith(item) for ref in refs]
            if strays and fact.missing and name in ("lesion_size", "lesion_type", "pain"):  # a table row (probe 25)
                notes.append(said("a record of it is linked to no lesion ({records}): see the data not used",
                                  records=", ".join(strays)))
            void = [ref for item, refs in of_void.items() if name.startswith(item) for ref in refs]
            if void and fact.missing and name in ("lesion_size", "lesion_type", "pain"):  # not "linked to no lesion"
                notes.append(said("a record of it describes a diagnosis recorded as refuted or entered in error "
                                  "({records}): never counted", records=", ".join(void)))  # (review 34)
            if notes:
                facts[name] = with_untimely(fact, notes)
        facts["pain"] = pain_under_radiotherapy(record, ref, lesion.reading.bone, lesion.reading.side, onset,
                                                facts["pain"])
        description = lesion.reading.description or _unsited(lesion.condition)
        result.append(LesionFacts(ref, description, facts, (lesion.reading.bone, lesion.reading.side),
                                  lesion.flags, place=with_side_words(lesion.reading.place, lesion.condition),
                                  fractures_to_check=lesion.fractures_to_check,
                                  fixations_to_check=lesion.fixations_to_check, not_done=lesion.not_done,
                                  sites_to_check=lesion.several))
    return result


def with_side_words(place: Any, condition: dict[str, Any]) -> Any:
    """A place of no side whose bodySite has no words, beside a diagnosis whose own text writes a side ("Metastasis L
    femur"), or an extension no standard here defines that names a side (a vendor's): those words quoted with it
    ("femur (side not stated) (“Metastasis L femur” in the record)"). Never read as the side (an abbreviation may be a
    level, a letter of a code; an extension's meaning is its definer's)."""
    if place is None or place.side is not None or place.written or on_the_midline(place.bone):  # a vertebra: no side
        return place
    code = condition.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    if (not isinstance(text, str) or not side_written(text)) and place.bone:  # else a side in an extension not read
        text = next((words for holder in (condition, *objects(condition.get("bodySite")))  # (a vendor's), where the
                     for extension in objects(holder.get("extension"))  # place names a bone to say it beside
                     if (words := side_extension_words(extension)) and side_written(words)), None)
    return replace(place, written=text.strip()[:80]) if isinstance(text, str) and side_written(text) else place


def recorded_elsewhere(record: PatientRecord, observation: dict[str, Any], lesion: str, reading: Any) -> Said | None:
    """Why an observation linked to a lesion (by its focus, as evidence...) cannot be counted for it: its own
    bodySite names another bone or the other side (a measurement of the other femur, a form filled in for the
    wrong lesion). The link and the record's own words disagree, so which lesion it describes is not certain."""
    sites = body_sites(observation)
    if not sites:
        return None
    own, place = read_site(record.terms, sites).place, reading.place
    sides = {own.side, place.side}
    if not ((own.bone and place.bone and own.bone != place.bone)
            or (None not in sides and BOTH_SIDES not in sides and len(sides) == 2)):
        return None
    return said("linked to {lesion} ({place}), but its own bodySite says {site}: which lesion it describes is not "
                "certain; not counted", lesion=lesion, place=place, site=own)


def _sides_of_records(record: PatientRecord, lesion: _Lesion) -> tuple[Said, ...]:
    """For a lesion whose side is not stated, a flag when the records counted for it name a side (the surgeon checks
    it), or both sides: they may be of two lesions, one on each side."""
    if lesion.reading.place.side is not None:
        return ()
    by_side: dict[str, list[str]] = defaultdict(list)
    for observations in lesion.linked.values():
        for observation, _ in observations:
            if not record.counted(observation):  # no result yet, after the assessment
                continue
            sites = body_sites(observation)
            side = read_site(record.terms, sites).place.side if sites else None
            if side in (LEFT, RIGHT):
                by_side[side].append(record.ref(observation))
    if len(by_side) == 1:  # probe 27: a pain coded on the right femur, the lesion's side said nowhere on its card
        ((side, refs),) = by_side.items()
        return (said("the side of this lesion is not stated; the records counted for it give the left side "
                     "({records}): check the side", records=", ".join(refs)) if side == LEFT else
                said("the side of this lesion is not stated; the records counted for it give the right side "
                     "({records}): check the side", records=", ".join(refs)),)
    if len(by_side) < 2:
        return ()
    return (said("the side of this lesion is not stated, and the records counted for it name both sides (left: "
                 "{left}; right: {right}): they may be of two lesions, one on each side", left=", ".join(by_side[LEFT]),
                 right=", ".join(by_side[RIGHT])),)


def _broken(record: PatientRecord, ref: str, condition: dict[str, Any], reading: Any,
            fracture: dict[str, Any]) -> None:
    """A lesion whose bone has broken on its side: Mirels scores the risk of a fracture to come, so it gets no
    score, and the clinician is told in a card of its own (brief section 5; the sources are silent on what
    to do once the bone has broken)."""
    fracture_ref = record.ref(fracture)
    began = fracture_date(record, fracture)
    record.report.ignore(ref, said(  # the fracture's words and date are said where its reference is named
        "the bone has broken: a fracture of the same bone and side is recorded ({fracture}); "
        "Mirels scores the risk of a fracture to come and no longer applies: no Mirels score, and no prophylactic "
        "fixation", fracture=fracture_ref), attention=True)
    record.report.use(fracture_ref, said("fracture at the site of {lesion}: no Mirels score", lesion=ref))
    own = read_site(record.terms, body_sites(fracture)).place if fracture.get("bodySite") else None
    # A fixation of the lesion before the fracture: the bone broke with its implant, a question of another kind.
    fixed = next((operation.ref for operation in procedures_done(record) if operation.kind == "fixation"
                  and treated(operation, ref, reading.bone, reading.side) and operation.performed
                  and began is not None and operation.performed.latest < began.earliest), "")  # surely before
    if fixed:
        record.report.use(fixed, said("a fixation of {lesion} before its bone broke, said on its card", lesion=ref))
    record.broken.append(BrokenBone(ref, fracture_ref, reading.place, describe_concepts([condition.get("code")]),
                                    began.text if began else "", is_pathological_fracture(fracture),
                                    own if own is not None and own.bone else None, fixed))


def _fixation(record: PatientRecord, ref: str, reading: Any, onset: DateSpan | None) -> Procedure | None:
    """The fixation done on this lesion, if any (its reasonReference, else the same bone and side): Mirels helps
    decide whether to fix the bone (section 1.2), so a fixed lesion gets no Mirels score; section 1.4, the
    post-operative radiotherapy, applies (``situations``). A fixation surely before the lesion began is another
    story: the lesion is scored, and ``earlier_fixations`` says it first."""
    for operation in procedures_done(record):
        if operation.kind != "fixation" or not treated(operation, ref, reading.bone, reading.side):
            continue
        if onset and operation.performed and operation.performed.latest < onset.earliest:
            continue  # said first on its card (``earlier_fixations``), never settled
        record.report.ignore(ref, said("fixed ({operation}): Mirels helps decide whether to fix the bone, so no "
                                       "Mirels score; post-operative radiotherapy applies (§1.4)",
                                       operation=operation.ref))
        record.fixed[operation.ref].append(ref)
        record.fixed_bones.append(FixedBone(ref, operation.ref, reading.place,
                                            operation.performed.text if operation.performed else ""))
        return operation
    return None


def site_concepts(record: PatientRecord, condition: dict[str, Any],
                   ref: str) -> tuple[list[Any], list[str], list[Said]]:
    """The concepts that say where a lesion is, the BodyStructures among their sources, and what could
    not be read. Besides ``bodySite``: a BodyStructure it refers to (FHIR's ``bodySite`` extension, on
    the Condition or on a bodySite), and the mCODE tumours related to it; a BodyStructure's location
    qualifiers (laterality, proximal...) are read as mCODE writes them on a bodySite."""
    concepts: list[Any] = body_sites(condition)
    structures: list[str] = []
    unread: list[Said] = []
    bodies: list[dict[str, Any]] = []  # contained in the Condition: part of it, cited as the Condition
    for holder in [condition, *concepts]:
        for extension in objects(holder.get("extension")):
            if extension.get("url") != BODY_SITE_REFERENCE:
                continue
            target = record.resolve(extension.get("valueReference"))
            inner = _contained(condition, extension.get("valueReference"), "BodyStructure")
            if target and target.startswith("BodyStructure/"):
                structures.append(target)
            elif inner is not None:
                bodies.append(inner)
            else:
                reference = extension.get("valueReference")
                unread.append(said("its site is recorded in a separate record ({target}) that was not received: the "
                                   "site is not known", target=str(
                                       reference.get("reference") or reference.get("display") or "a BodyStructure")
                                   if isinstance(reference, dict) else "a BodyStructure"))
    structures += [tumour for tumour in record.once("tumours", lambda: tumours(record)).get(ref, [])
                   if tumour not in structures]
    for body in bodies + [record.get(structure) for structure in structures]:
        location = body.get("location")
        qualifiers = objects(body.get("locationQualifier"))
        if isinstance(location, dict) or qualifiers:
            concept = dict(location) if isinstance(location, dict) else {}
            concept["extension"] = objects(concept.get("extension")) + [
                {"url": url, "valueCodeableConcept": qualifier}
                for qualifier in qualifiers for url in (MCODE_LATERALITY, MCODE_LOCATION)]
            concepts.append(concept)
    return concepts, structures, unread


def _contained(container: dict[str, Any], reference: Any, kind: str) -> dict[str, Any] | None:
    """The resource of type ``kind`` contained in ``container`` that ``reference`` ("#id") names."""
    text = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(text, str) or not text.startswith("#"):
        return None
    return next((inner for inner in objects(container.get("contained"))
                 if inner.get("resourceType") == kind and inner.get("id") == text[1:]), None)


def _of_a_lesion_over(record: PatientRecord, observation: dict[str, Any], lesion: str, abated: str, kind: str,
                      options: MappingOptions) -> bool:
    """A measurement of a lesion recorded as no longer active changes no score: named in the mapping report only (a
    year of them made a 36-line data card, probe 20 n04). One recorded after the abatement may mean the lesion is
    active again, which its diagnosis does not say: that one is said to the clinician; so is one recent enough to be
    counted were the lesion active (probe 27: a humerus "in remission", lytic and > 2/3 four days ago, said nowhere)."""
    ref, when, end = record.ref(observation), record.effective(observation), parse_date(abated)
    if ref in record.set_aside:  # not counted for its own reason (no result yet, after the assessment): said so
        return False
    if end is not None and when is not None and end.latest < when.earliest:
        record.report.ignore(ref, said("recorded {date}, after {lesion} was recorded as over ({abatement}): if the "
                                       "lesion is active again, its diagnosis does not say so; not used",
                                       date=when.text, lesion=lesion, abatement=abated), attention=True)
        return True
    if end is None and when is not None and out_of_time(when, kind_item(kind), record.as_of, options.windows) is None:
        record.report.ignore(ref, said("recorded {date}, recent, of {lesion}, recorded as no longer active: if the "
                                       "lesion is active, its diagnosis does not say so; not used", date=when.text,
                                       lesion=lesion), attention=True)
        return False
    record.report.ignore(ref, said("of a lesion recorded as no longer active: no Mirels score; not used"))
    return False


def _unsited(condition: dict[str, Any]) -> str:
    """A lesion with no site, named for a clinician: the clinician's words for it (the code's text), else plain
    words; a classification's title ("Secondary malignant neoplasm of bone") would be English on a French card."""
    code = condition.get("code")
    text = code.get("text") if isinstance(code, dict) else None
    return said("{condition}, site not recorded", condition=text.strip()) if isinstance(text, str) and text.strip() \
        else said("bone metastasis, site not recorded")
