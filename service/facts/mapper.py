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
Linking an observation to its lesion (``_link`` below)
    ``focus`` names the lesion's Condition (or an mCODE tumour BodyStructure related to
    it); else exactly one lesion cites it in ``evidence.detail``; else a panel that lists
    it in ``hasMember`` is linked; else an Observation it is ``derivedFrom`` is linked;
    else its ``bodySite`` names the same bone and side as exactly one lesion. Rades
    observations apply to the compression named in ``focus`` (else those citing them in
    ``evidence.detail``), or to every compression when they have neither.
Items (``items/``)
    One extractor per item; conflicts (``evidence``).

Nothing relevant is dropped without a word: every resource gets a report entry, and
those that looked relevant but were not used carry ``relevant`` (and ``attention``
when not using them may hide or change a score).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from ..calculators import Between
from ..fhir.patients import ParsedReference, parse_reference
from ..i18n import N_, Said, said
from .answers import apply_answers, read_answers
from .dates import DateSpan, parse_date
from .items.deficit_days import deficit_days_fact
from .items.interval import months_fact
from .items.lesion_type import lesion_type_fact
from .items.motor import motor_fact
from .items.osteolysis import osteolysis_facts
from .items.pain import pain_fact
from .items.primary import primary_fact, primary_row
from .items.site import read_place, read_site, site_fact
from .items.size import size_fact
from .items.visceral import visceral_fact
from .model import BrokenBone, CordCompressionFacts, Fact, LesionFacts, PatientFacts
from .moments import Event, Window, out_of_time, started, windows
from .place import fracture_place
from .record import PatientRecord, describe_concepts
from .terminology import Terminology, codings, listed_display, load_terminology, objects
from .vocabulary import (
    BODY_SITE_REFERENCE,
    MCODE_LATERALITY,
    MCODE_LOCATION,
    MCODE_RELATED_CONDITION,
    SUPPLIED_BY,
)

LESION_KINDS = ("lesion-size", "tumour-size", "cortical-width", "lesion-type", "mirels-pain", "pain-score",
                "cortical-osteolysis")
RADES_KINDS = ("visceral-metastases", "motor-function", "days-developing-motor-deficits")
# The item each kind of observation informs: its moment and window are the item's (``moments``).
KIND_ITEM = {"lesion-size": "lesion_size", "tumour-size": "lesion_size", "cortical-width": "lesion_size",
             "lesion-type": "lesion_type", "mirels-pain": "pain", "pain-score": "pain",
             "cortical-osteolysis": "cortical_osteolysis", "visceral-metastases": "visceral_metastases",
             "motor-function": "motor_function", "days-developing-motor-deficits": "days_developing_motor_deficits"}
_MAX_LINK_DEPTH = 3


@dataclass(frozen=True)
class MappingOptions:
    """``as_of``: the assessment date (days of motor deficit run to it; later resources are not read).
    ``pain_score_bands``: (category, lowest, highest) for 0-10 pain scores; empty by
    default because the guideline does not map scores to Mirels categories.
    ``fact_windows``: (item, days) overrides of how old a record of an item may be (``moments``)."""

    as_of: date
    pain_score_bands: tuple[tuple[str, float, float], ...] = ()
    fact_windows: tuple[tuple[str, int], ...] = ()  # the site's overrides of seeds/fact_windows.json

    @property
    def windows(self) -> dict[str, Window]:
        return windows(self.fact_windows)


@dataclass
class _Lesion:
    condition: dict[str, Any]
    reading: Any
    flags: tuple[str, ...]
    linked: dict[str, list[tuple[dict[str, Any], str]]]
    structures: tuple[str, ...] = ()  # the BodyStructures its site was read from


def extract_facts(resources: Iterable[dict[str, Any]], options: MappingOptions,
                  aliases: dict[str, str] | None = None,
                  terminology: Terminology | None = None) -> PatientFacts:
    """Map one patient's Conditions and Observations to Mirels and Rades inputs.

    ``aliases`` maps Bundle ``fullUrl`` values (``urn:uuid:...``) to ``Type/id``.
    """
    record = PatientRecord(resources, terminology or load_terminology(), aliases or {}, options.as_of)
    lesions = _lesions(record, options)
    compressions = _compressions(record, options)
    if record.responses:  # answers a person gave complete the record, never overwrite it (answers.py)
        scored = {**{lesion.condition: "mirels" for lesion in lesions},
                  **{compression.condition: "rades" for compression in compressions}}
        answers = read_answers(record, scored)
        for found in [*lesions, *compressions]:
            if answers.get(found.condition):
                apply_answers(found, scored[found.condition], answers[found.condition])
    patients = [ref for ref in record.by_ref if ref.startswith("Patient/")]
    entries = record.entries()
    return PatientFacts(patients[0] if patients else None, lesions, compressions, entries, options.as_of,
                        broken=record.broken, labels=record.labels(entries))


# -- Mirels ----------------------------------------------------------------------------------


def _lesions(record: PatientRecord, options: MappingOptions) -> list[LesionFacts]:
    lesions: dict[str, _Lesion] = {}
    at_site: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)  # (bone, side) -> lesions
    for condition in record.conditions["lesion"]:
        ref = record.ref(condition)
        active, flags = record.active(condition)
        if not active:
            # Not active by its status: nothing to act on. Not active by its abatement alone: said on a card.
            record.report.ignore(ref, said("bone metastasis is not active: no Mirels score") if not flags else
                                 said("bone metastasis: {why}: no Mirels score", why=flags[0]), attention=bool(flags))
            continue
        concepts, structures, unread = _site_concepts(record, condition, ref)
        reading = read_site(record.terms, concepts)
        if unread:
            reading = replace(reading, notes=reading.notes + tuple(unread))
        if reading.not_long_bone:
            record.report.ignore(ref, said("bodySite '{site}' is not a long bone: Mirels applies to long bones only",
                                           site=reading.description))
            continue
        fractures = _fractures_at(record, reading)
        onset = record.onset(condition)
        earlier = [f for f, _ in fractures if onset and (when := _fracture_date(record, f)) and
                   when.latest < onset.earliest]
        broken = [fracture for fracture, same_side in fractures if same_side and fracture not in earlier]
        if broken:
            _broken(record, ref, condition, reading, broken[0])
            continue
        for fracture, _ in fractures:  # said, never settled: a side not stated, or a fracture before the lesion
            flags += ((said("a pathological fracture of the same bone and side is recorded before this lesion began "
                            "({fracture}): if the bone has broken since, Mirels no longer applies",
                            fracture=record.ref(fracture)),) if fracture in earlier else
                      (said("a pathological fracture of the same bone is recorded ({fracture}) and the side of one of "
                            "them is not stated: if it is this bone, it has broken and Mirels no longer applies",
                            fracture=record.ref(fracture)),))
        record.report.use(ref, said("lesion of a Mirels score"))
        for structure in structures:
            record.report.use(structure, said("site of the lesion {lesion}", lesion=ref))
        if reading.several:
            flags += (N_("its bodySite names several sites, so it may record several lesions"),)
        lesions[ref] = _Lesion(condition, reading, flags, defaultdict(list), tuple(structures))
        if reading.bone:
            at_site[(reading.bone, reading.side)].append(ref)
    same_place: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)  # the side read from text too:
    for ref, lesion in lesions.items():  # two lesions that differ only by side are two lesions
        if lesion.reading.bone:
            same_place[(lesion.reading.bone, lesion.reading.place.side)].append(ref)
    for refs in same_place.values():  # an encounter diagnosis beside the problem-list entry, say: never merged by guess
        if len(refs) < 2:
            continue
        for ref in refs:
            lesions[ref].flags += (said("another lesion Condition names the same bone and side ({others}): they may "
                                        "record one lesion", others=", ".join(r for r in refs if r != ref)),)
    broken_lesions = {entry.lesion for entry in record.broken}
    for kind in LESION_KINDS:
        for observation in record.observations[kind]:
            target, how = _link(record, observation, lesions, at_site, 0)
            if target is None and broken_lesions & {record.resolve(f) for f in objects(observation.get("focus"))}:
                # The lesion's bone has broken: its card says so; its measurements would change no score.
                record.report.ignore(record.ref(observation), said(
                    "of a lesion whose bone has broken (no Mirels score): not used"))
            elif target is None:
                record.report.ignore(record.ref(observation), how, attention=True)
            else:
                lesions[target].linked[kind].append((observation, how))
    result = []
    for ref, lesion in lesions.items():
        onset = record.onset(lesion.condition)
        untimely = _keep_timely(record, lesion.linked, options.windows,
                                (Event(onset, said("the lesion's onset")),) if onset else ())
        facts = {
            "lesion_site": site_fact(lesion.reading, (ref, *lesion.structures), lesion.flags),
            "lesion_size": size_fact(record, ref, lesion.linked),
            "lesion_type": lesion_type_fact(record, ref, lesion.linked),
            "pain": pain_fact(record, ref, lesion.linked, options.pain_score_bands),
            **osteolysis_facts(record, ref, lesion.linked),
        }
        for name, fact in facts.items():
            notes = [note for item, said_ in untimely.items() if name.startswith(item) for note in said_]
            if notes:
                facts[name] = _with_untimely(fact, notes)
        description = lesion.reading.description or said("{condition}, site not recorded", condition=describe_concepts(
            [lesion.condition.get("code")]))
        result.append(LesionFacts(ref, description, facts, (lesion.reading.bone, lesion.reading.side),
                                  lesion.flags, place=lesion.reading.place))
    return result


def _fractures_at(record: PatientRecord, reading: Any) -> list[tuple[dict[str, Any], bool]]:
    """The pathological fractures of the lesion's bone, each with whether it is surely the same side (both
    sides coded and equal). A fracture's place: an ICD-10-CM code that states it (``place.fracture_place``),
    else its bodySite. A fracture of the other side, or of no stated bone, is not this lesion's."""
    found = []
    for fracture in record.fractures:
        places = [p for p in (fracture_place(c) for c in codings(fracture.get("code"))) if p is not None]
        if places:
            bone, side = places[0].bone, places[0].side
        else:
            site = read_site(record.terms, objects(fracture.get("bodySite")))
            bone, side = site.bone, site.side
        if not bone or bone != reading.bone or (side and reading.side and side != reading.side):
            continue
        found.append((fracture, bool(side and reading.side)))
    return found


def _fracture_date(record: PatientRecord, fracture: dict[str, Any]) -> DateSpan | None:
    return record.onset(fracture) or parse_date(fracture.get("recordedDate"))


def _broken(record: PatientRecord, ref: str, condition: dict[str, Any], reading: Any,
            fracture: dict[str, Any]) -> None:
    """A lesion whose bone has broken on its side: Mirels scores the risk of a fracture to come, so it gets no
    score, and the clinician is told in a card of its own (brief section 5; the sources are silent on what
    to do once the bone has broken)."""
    fracture_ref = record.ref(fracture)
    began = _fracture_date(record, fracture)
    record.report.ignore(ref, said(  # the fracture's words and date are said where its reference is named
        "the bone has broken: a pathological fracture of the same bone and side is recorded ({fracture}); "
        "Mirels scores the risk of a fracture to come and no longer applies: no Mirels score, and no prophylactic "
        "fixation", fracture=fracture_ref), attention=True)
    record.report.use(fracture_ref, said("pathological fracture at the site of {lesion}: no Mirels score", lesion=ref))
    record.broken.append(BrokenBone(ref, fracture_ref, reading.place, describe_concepts([condition.get("code")]),
                                    began.text if began else ""))


def _keep_timely(record: PatientRecord, linked: dict[str, list[tuple[dict[str, Any], str]]],
                 chosen: dict[str, Window], after: tuple[Event, ...]) -> dict[str, list[Said]]:
    """Drop from ``linked`` (kind -> observations) each record that cannot describe its item now
    (``moments``), and name it with why; returns item -> those reasons, for the item's notes. Where a current
    record of the item remains, the dropped ones are its history: named in the mapping report only, never
    as a warning (a card nobody can act on is noise); where none remains, they are why the item is missing."""
    dropped: dict[str, list[tuple[str, Said]]] = defaultdict(list)
    current: set[str] = set()
    for kind, observations in linked.items():
        kept = []
        for observation, how in observations:
            why = out_of_time(record.effective(observation), KIND_ITEM[kind], record.as_of, chosen, after)
            if why is None:
                kept.append((observation, how))
                current.add(KIND_ITEM[kind])
            else:
                dropped[KIND_ITEM[kind]].append((record.ref(observation), why))
        linked[kind] = kept
    untimely: dict[str, list[Said]] = defaultdict(list)
    for item, records in dropped.items():
        for ref, why in records:
            record.report.ignore(ref, why, attention=item not in current)
            if item not in current:
                untimely[item].append(said("{resource}: {why}", resource=ref, why=why))
    return untimely


def _with_untimely(fact: Fact, notes: list[Said]) -> Fact:
    """A fact with the records that were too old or out of order named; a missing one says what supplies it."""
    return replace(fact, notes=fact.notes + tuple(notes),
                   supplied_by=fact.supplied_by or (SUPPLIED_BY.get(fact.item, "") if fact.missing else ""))


def _site_concepts(record: PatientRecord, condition: dict[str, Any],
                   ref: str) -> tuple[list[Any], list[str], list[Said]]:
    """The concepts that say where a lesion is, the BodyStructures among their sources, and what could
    not be read. Besides ``bodySite``: a BodyStructure it refers to (FHIR's ``bodySite`` extension, on
    the Condition or on a bodySite), and the mCODE tumours related to it; a BodyStructure's location
    qualifiers (laterality, proximal...) are read as mCODE writes them on a bodySite."""
    concepts: list[Any] = list(objects(condition.get("bodySite")))
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
                unread.append(said("its bodySite refers to {target}, which is not among the resources read: the site "
                                   "recorded there is not known", target=str(
                                       reference.get("reference") or reference.get("display") or "a BodyStructure")
                                   if isinstance(reference, dict) else "a BodyStructure"))
    structures += [tumour for tumour in record.once("tumours", lambda: _tumours(record)).get(ref, [])
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


def referred_body_structures(resources: Iterable[dict[str, Any]]) -> list[ParsedReference]:
    """The BodyStructures the mapper would read that ``resources`` refer to but do not hold: a lesion's
    site (FHIR's ``bodySite`` extension), an Observation's ``focus``. For a door that can fetch them
    (CDS Hooks: a search by patient does not bring them)."""
    held = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
    wanted: dict[str, ParsedReference] = {}
    for resource in resources:
        kind = resource.get("resourceType")
        references: list[Any]
        if kind == "Condition":
            holders = [resource, *objects(resource.get("bodySite"))]
            references = [e.get("valueReference") for h in holders for e in objects(h.get("extension"))
                          if e.get("url") == BODY_SITE_REFERENCE]
        elif kind == "Observation":
            references = objects(resource.get("focus"))
        else:
            continue
        for reference in references:
            parsed = parse_reference(reference)
            if parsed and parsed.type == "BodyStructure" and parsed.local not in held:
                wanted.setdefault(parsed.local, parsed)
    return list(wanted.values())


def _contained(container: dict[str, Any], reference: Any, kind: str) -> dict[str, Any] | None:
    """The resource of type ``kind`` contained in ``container`` that ``reference`` ("#id") names."""
    text = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(text, str) or not text.startswith("#"):
        return None
    return next((inner for inner in objects(container.get("contained"))
                 if inner.get("resourceType") == kind and inner.get("id") == text[1:]), None)


def _tumours(record: PatientRecord) -> dict[str, list[str]]:
    """Condition -> the mCODE tumour BodyStructures related to it."""
    related: dict[str, list[str]] = defaultdict(list)
    for ref in record.body_structures:
        condition = _related_condition(record, ref)
        if condition:
            related[condition].append(ref)
    return related


def _related_condition(record: PatientRecord, target: str) -> str | None:
    """The Condition an mCODE tumour BodyStructure is related to, if it is one we hold."""
    body = record.get(target)
    for extension in objects(body.get("extension")):  # a BodyStructure is not shape-checked
        if extension.get("url") == MCODE_RELATED_CONDITION:
            return record.resolve(extension.get("valueReference"))
    return None


def _cited_by(record: PatientRecord, conditions: Iterable[str]) -> dict[str, list[str]]:
    """Observation -> the Conditions (of ``conditions``) that cite it in ``evidence.detail``: the record's
    own link from a diagnosis to what supports it, as explicit as the Observation's ``focus``."""
    cited: dict[str, list[str]] = defaultdict(list)
    for ref in conditions:
        for evidence in objects(record.get(ref).get("evidence")):
            for detail in objects(evidence.get("detail")):
                target = record.resolve(detail)
                if target and target.startswith("Observation/") and ref not in cited[target]:
                    cited[target].append(ref)
    return cited


def _link(record: PatientRecord, observation: dict[str, Any], lesions: dict[str, _Lesion],
          at_site: dict[tuple[str | None, str | None], list[str]], depth: int) -> tuple[str | None, str]:
    """The lesion an observation belongs to, and how it was linked (or why not)."""
    if depth > _MAX_LINK_DEPTH:
        return None, said("link chain too deep")
    focused: dict[str, Said] = {}  # lesion -> how the focus names it
    # objects(): a chain of derivedFrom may reach an Observation no shape check covers (a lab's, an imaging
    # report's code: ``may_be_read``), whose elements may be of any JSON type.
    for reference in objects(observation.get("focus")):
        target = record.resolve(reference)
        if target in lesions:
            focused.setdefault(target, said("focus -> {target}", target=target))
        elif target and target.startswith("BodyStructure/"):
            related = _related_condition(record, target)
            if related in lesions:
                focused.setdefault(related, said("focus -> {target}, a tumour related to {related}", target=target,
                                                 related=related))
    if len(focused) == 1:
        return next(iter(focused.items()))
    if focused:  # one measurement, pain or type for two lesions: which is not said
        return None, said("its focus names several lesions ({lesions}): not linked", lesions=", ".join(focused))
    me = record.ref(observation)
    citing = record.once("lesion-evidence", lambda: _cited_by(record, lesions)).get(me, [])
    if len(citing) == 1:
        return citing[0], said("evidence of {lesion}", lesion=citing[0])
    if len(citing) > 1:
        return None, said("cited as evidence by several lesions ({lesions}): not linked", lesions=", ".join(citing))
    for panel in record.panels_of.get(me, ()):
        linked, how = _link(record, panel, lesions, at_site, depth + 1)
        if linked:
            record.report.use(record.ref(panel), said("panel linking its members to {lesion}", lesion=linked))
            return linked, said("hasMember of {panel} ({how})", panel=record.ref(panel), how=how)
    for reference in objects(observation.get("derivedFrom")):
        target = record.resolve(reference)
        if target and record.get(target).get("resourceType") == "Observation":
            linked, how = _link(record, record.get(target), lesions, at_site, depth + 1)
            if linked:
                return linked, said("derivedFrom {target} ({how})", target=target, how=how)
    body_site = observation.get("bodySite")
    if isinstance(body_site, dict):
        reading = read_site(record.terms, [body_site])
        same = at_site.get((reading.bone, reading.side), []) if reading.bone else []
        if len(same) == 1:
            return same[0], said("same bodySite and laterality as {lesion}", lesion=same[0])
        if len(same) > 1:
            return None, said("bodySite matches several lesions ({lesions}): not linked", lesions=", ".join(same))
    if not lesions:
        return None, said("no active long-bone metastasis Condition to attach it to")
    focus = [_reference_text(reference) for reference in objects(observation.get("focus"))]
    if focus:
        return None, said("not linked to any lesion: its focus ({focus}) is no active long-bone lesion Condition of "
                          "this record, and no evidence, hasMember, derivedFrom or bodySite links it",
                          focus=", ".join(focus))
    return None, said("not linked to any lesion (no focus, evidence, hasMember, derivedFrom, or matching bodySite)")


def _reference_text(reference: dict[str, Any]) -> str:
    """A Reference as written: its literal reference, else its identifier, else its display."""
    identifier = reference.get("identifier")
    if isinstance(reference.get("reference"), str):
        return reference["reference"][:200]
    if isinstance(identifier, dict):
        return f"identifier {identifier.get('system') or ''}|{identifier.get('value') or ''}"[:200]
    return str(reference.get("display") or "–")[:200]


# -- Rades -----------------------------------------------------------------------------------


NO_COMPRESSION = said("no active spinal cord compression: no Rades score")


def _compressions(record: PatientRecord, options: MappingOptions) -> list[CordCompressionFacts]:
    active = []
    for compression in record.conditions["compression"]:
        is_active, flags = record.active(compression)
        if is_active:
            active.append((compression, flags))
        else:
            record.report.ignore(record.ref(compression), said(
                "spinal cord compression is not active: no Rades score") if not flags else said(
                "spinal cord compression: {why}: no Rades score", why=flags[0]))
    if not active:
        for kind in ("primary", "visceral", "undetermined_site", "paraplegia"):
            for condition in record.conditions[kind]:
                record.report.ignore(record.ref(condition), NO_COMPRESSION)
        for kind in RADES_KINDS:
            for observation in record.observations[kind]:
                record.report.ignore(record.ref(observation), NO_COMPRESSION)
        return []
    refs = {record.ref(compression) for compression, _ in active}
    unfocused: dict[str, list[dict[str, Any]]] = defaultdict(list)
    focused: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    cited = _cited_by(record, refs)
    for kind in RADES_KINDS:
        for observation in record.observations[kind]:
            # Its focus, else the compressions that cite it as evidence.
            targets = ([record.resolve(f) for f in observation.get("focus") or []]
                       or cited.get(record.ref(observation), []))
            if not targets:
                unfocused[kind].append(observation)
            elif any(t in refs for t in targets):
                for target in {t for t in targets if t in refs}:
                    focused[target][kind].append(observation)
            else:
                named = [t or _reference_text(f) for t, f in zip(
                    targets, objects(observation.get("focus")) or [{}] * len(targets), strict=False)]
                record.report.ignore(record.ref(observation), said(
                    "its focus names no active spinal cord compression ({targets}): not used",
                    targets=", ".join(str(t) for t in named)), attention=True)
    primary = primary_fact(record)
    # Facts from the same observations are the same for every compression: computed once.
    shared: dict[tuple[Any, ...], Fact] = {}
    readers = {"days-developing-motor-deficits": deficit_days_fact, "visceral-metastases": visceral_fact,
               "motor-function": motor_fact}  # the deficit first: when it began orders the motor status
    result = []
    for compression, flags in active:
        ref = record.ref(compression)
        record.report.use(ref, said("spinal cord compression of a Rades score"))
        own = focused.get(ref, {})
        onset = record.onset(compression)
        began = (Event(onset, said("the spinal cord compression's onset")),) if onset else ()
        read: dict[str, Fact] = {}
        for kind, reader in readers.items():
            after: tuple[Event, ...] = ()
            if kind == "motor-function":  # a status from before the deficit began cannot describe it
                deficit = _deficit_start(read["days-developing-motor-deficits"], record.as_of)
                # The deficit's own start when known (a compression found after the deficit began does not make a
                # status taken during the deficit stale); else the compression's onset.
                after = (Event(deficit, said("the motor deficit began")),) if deficit else began
            linked = {kind: [(observation, "") for observation in unfocused[kind] + own.get(kind, [])]}
            untimely = _keep_timely(record, linked, options.windows, after)
            observations = [observation for observation, _ in linked[kind]]
            key = (kind, tuple(id(observation) for observation in observations))
            if key not in shared:
                shared[key] = reader(record, observations)
            read[kind] = _with_untimely(shared[key], untimely[KIND_ITEM[kind]]) if untimely else shared[key]
        facts = {
            "primary_tumour": primary,
            "months_to_cord_compression": months_fact(record, compression),
            "visceral_metastases": read["visceral-metastases"],
            "motor_function": read["motor-function"],
            "days_developing_motor_deficits": read["days-developing-motor-deficits"],
        }
        code = compression.get("code")  # the record's words for it; a bare code says nothing to a clinician
        worded = isinstance(code, dict) and (code.get("text") or any(
            c.get("display") or listed_display(c) for c in codings(code)))
        description = describe_concepts([code]) if worded else said("spinal cord compression")
        tied = _each_primary(record, compression)
        if tied:
            facts["primary_tumour"] = replace(primary, notes=primary.notes + (said(
                "each primary cancer is counted with its own interval to the compression: the possible totals are "
                "those of these pairs"),))
        result.append(CordCompressionFacts(ref, description, facts, condition_flags=flags, alternatives=tied,
                                           place=read_place(record.terms, compression.get("bodySite"))))
    return result


def _each_primary(record: PatientRecord, compression: dict[str, Any]) -> tuple[dict[str, Fact], ...]:
    """Several primary cancers: each with its own row and its own interval to the compression, for the totals
    of the real pairs only (a breast cancer of 2019 and a lung cancer of 2026 are not "breast, <= 15 months").
    None for one primary."""
    primaries = record.conditions["primary"]
    if len(primaries) < 2:
        return ()
    tied = []
    for condition in primaries:
        row, rule, notes = primary_row(record, condition)
        ref = record.ref(condition)
        tied.append({"primary_tumour": Fact("primary_tumour", row, (ref,), rule, notes=notes),
                     "months_to_cord_compression": months_fact(record, compression, [condition])})
    return tuple(tied)


def _deficit_start(deficit: Fact, as_of: date) -> DateSpan | None:
    """The day the motor deficit surely began by, from its duration as of the assessment date (a number,
    or a range: its longest), or None when not known (missing, or only "at least")."""
    value = deficit.value
    longest = value.high if isinstance(value, Between) else value
    if isinstance(longest, int | Fraction) and not isinstance(longest, bool):
        return started(DateSpan(as_of, as_of, as_of.isoformat()), longest)
    return None
