"""FHIR resources of one patient -> calculator inputs, each with its provenance.

The rules, in the order a reviewer checks them (each one in the module named):

Whose data (``service.fhir.patients``)
    The caller passes one patient's resources only; the patient rule is shared by
    every door.
Status and dates (``record``)
    Refuted or entered-in-error Conditions and entered-in-error, cancelled, registered
    or unknown Observations never count; with an assessment date, resources dated
    after it are not read. Lesions and compressions must be active (no clinicalStatus
    counts, flagged).
Codes (``terminology``, ``vocabulary``)
    By system and code through the ValueSets of ``fhir_profiles/``; display text is
    never read. Several names of one code system (OIDs, the French CIM-10 URI) are one.
Linking an observation to its lesion (``long_bone``, ``linking``)
    ``focus`` names the lesion's Condition (or an mCODE tumour BodyStructure related to
    it); else exactly one lesion cites it in ``evidence.detail``; else a panel that lists
    it in ``hasMember`` is linked; else an Observation it is ``derivedFrom`` is linked;
    else its ``bodySite`` names the same bone and side as exactly one lesion. Rades
    observations apply to the compression named in ``focus`` (else those citing them in
    ``evidence.detail``), or to every compression when they have neither.
Items (``items/``)
    One extractor per item; conflicts (``evidence``); records too old or out of order (``moments``,
    ``timely``). One extractor per calculator (``EXTRACTORS``) assembles its items per Condition.

Nothing relevant is dropped without a word: every resource gets a report entry, and
those that looked relevant but were not used carry ``relevant`` (and ``attention``
when not using them may hide or change a score).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from msgspec.structs import replace

from ..calculators import AtLeast, Between, OneOf
from ..i18n import said
from .answers import apply_answers, read_answers
from .cord_compression import cord_compressions
from .dates import parse_date
from .items.site import body_sites, read_place, read_site
from .long_bone import long_bone_lesions
from .model import Label, PatientFacts, ReportEntry, ScoredCondition
from .options import MappingOptions
from .pain_sites import painful_sites
from .place import bone_and_side, checked_side, fracture_place
from .record import PatientRecord
from .situations import situation_facts
from .terminology import Terminology, codings, load_terminology
from .vertebral import vertebral_lesions
from .vocabulary import SUPPLIED_BY

# Each calculator's facts (``calculators.registry``), in the order cards show them: a new score adds its
# extractor here. Each reads the whole record and reports every resource it looked at.
EXTRACTORS: tuple[Callable[[PatientRecord, MappingOptions], Sequence[ScoredCondition]], ...] = (
    long_bone_lesions, cord_compressions, vertebral_lesions)


def extract_facts(resources: Iterable[dict[str, Any]], options: MappingOptions,
                  aliases: dict[str, str] | None = None,
                  terminology: Terminology | None = None) -> PatientFacts:
    """Map one patient's Conditions and Observations to the inputs of every calculator.

    ``aliases`` maps Bundle ``fullUrl`` values (``urn:uuid:...``) to ``Type/id``.
    """
    record = PatientRecord(resources, terminology or load_terminology(), aliases or {}, options.as_of, options.moment)
    scored = [found for extractor in EXTRACTORS for found in extractor(record, options)]
    if record.responses:  # answers a person gave complete the record, never overwrite it (answers.py)
        answers = read_answers(record, {found.condition: found.calculator for found in scored})
        for found in scored:
            if answers.get(found.condition):
                apply_answers(found, found.calculator, answers[found.condition])
    for found in scored:  # an item known as a range is settled by what would supply a missing one: the report says so
        for item, fact in found.facts.items():
            if isinstance(fact.value, (OneOf, Between, AtLeast)) and not fact.supplied_by and item in SUPPLIED_BY:
                found.facts[item] = replace(fact, supplied_by=SUPPLIED_BY[item])
    # After the scores' extractors: they file the fixed lesions, and §1.1 reads a SINS score's pain item.
    situations = [*situation_facts(record, options, scored), *painful_sites(record, options, scored)]
    patients = [ref for ref in record.by_ref if ref.startswith("Patient/")]
    entries = record.entries()
    if patients and (later := _death_after(record, patients[0])):  # not read, and said (probe 17: dropped silently)
        entries.append(ReportEntry(patients[0], "ignored", said(
            "a date of death after the assessment date ({date}): not read; check the record", date=later),
            relevant=True, attention=True))
    return PatientFacts(patients[0] if patients else None, scored, entries, options.as_of,
                        broken=record.broken, fixed=record.fixed_bones, labels=_told_apart(record, entries),
                        situations=situations, deceased=_deceased(record, patients[0]) if patients else None,
                        partial=options.partial, **_bone_sides(record))


def _told_apart(record: PatientRecord, entries: list[ReportEntry]) -> dict[str, Label]:
    """The resources' labels, a Condition's with its site where another's words and date are the same (probe 23 t12:
    three lesions, each "“Secondary malignant neoplasm of bone”, 2026-10-01" on one card)."""
    labels = record.labels(entries)
    same = Counter(str(label) for ref, label in labels.items() if ref.startswith("Condition/"))
    places = {ref: read_place(record.terms, body_sites(record.by_ref[ref])) for ref, label in labels.items()
              if ref.startswith("Condition/") and same[str(label)] > 1}
    told = Counter((str(labels[ref]), place.words() if place is not None else "") for ref, place in places.items())
    for ref, place in places.items():  # a site the others alike do not share (two at one site say nothing more)
        if place is not None and place.bone and told[(str(labels[ref]), place.words())] == 1:
            labels[ref] = replace(labels[ref], where=place)
    return labels


def _death_after(record: PatientRecord, patient: str) -> str:
    day = parse_date(record.by_ref[patient].get("deceasedDateTime"))
    return day.text if record.after_as_of(day) else ""


def _bone_sides(record: PatientRecord) -> dict[str, Any]:
    """Where bone metastases (any clinical status: one in remission is still there) and fractures are recorded, by
    bone and side, and whether a metastasis's site is not read (words only, a local code): for order-sign's side
    check, which warns only where no record may be the order's site (review 17: a pathological fracture or a
    metastasis in remission on the ordered side is what the order may be for)."""
    sides: set[tuple[str, str | None]] = set()
    unplaced = bool(record.unplaced_metastases)
    for condition in record.conditions["lesion"] + record.fractures:
        places = [p for p in (fracture_place(c) for c in codings(condition.get("code"))) if p is not None]
        reading = read_site(record.terms, body_sites(condition))
        bone, side = (places[0].bone, places[0].side) if places else (reading.bone, reading.side or checked_side(
            reading.place))  # "fémur D": a side to check too
        if not bone:  # its bodySite's words ("fémur droit"): a side to check too
            bone, side = bone_and_side(reading.place)
        if bone:
            sides.add((bone, side))
        elif condition in record.conditions["lesion"]:
            unplaced = True
    return {"bone_sides": frozenset(sides), "unplaced_sites": unplaced}


def _deceased(record: PatientRecord, patient: str) -> str | None:
    """The day the Patient is recorded as deceased ("" for deceasedBoolean true), None when it is not: a day after
    the assessment's is none yet (a typing error, or a record made ahead, as elsewhere)."""
    resource = record.by_ref[patient]
    written = resource.get("deceasedDateTime")
    day = parse_date(written)
    if resource.get("deceasedBoolean") is True or (day is None and isinstance(written, str) and written.strip()):
        return ""  # a death recorded whose day cannot be read is a death all the same
    return day.text if day is not None and not record.after_as_of(day) else None
