"""Procedures done: the operations a post-operative radiotherapy follows (§1.4), and the radiotherapies given
(said on their cards by ``radiotherapies``).

A Procedure counts when its code is in the order ValueSets (prophylactic fixation, decompressive surgery,
radiotherapy: the same codes an order is read by), its status is ``completed`` and it was performed on or
before the assessment date. Its lesion or compression: its ``reasonReference``, else the lesion of the same
bone and side (its ``bodySite``). Every Procedure of those codes is reported, used or not, with why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from msgspec.structs import replace

from ..i18n import Said, said
from .dates import DateSpan, parse_date, performed, reversed_period
from .items.site import SiteReading, body_sites, read_place, read_site
from .place import BOTH_SIDES, one_long_bone, side_beside_bone
from .procedure_model import KINDS, Kind, Procedure, Unread, other_side, placed_as, treated
from .procedure_words import (
    HIP_WORDS,
    PELVIS_WORDS,
    RADIOTHERAPY_WORDS,
    REPLACEMENT_WORDS,
    SURGERY_WORDS,
    UNREAD_OPERATION,
    may_be_operation,
    names_a_course,
    spinal_operation,
)
from .record import PatientRecord
from .terminology import describe_concepts, objects
from .vocabulary import FEMUR, KIND_VALUE_SETS


def _first_day(resource: dict[str, Any], when: DateSpan | None) -> DateSpan | None:
    """A course's first day: its period's start (a course over days bounds what follows from it), else its date."""
    period = resource.get("performedPeriod")
    return (parse_date(period.get("start")) if isinstance(period, dict) and not reversed_period(period)
            else None) or when  # reversed: either end may be its first day


def procedures_done(record: PatientRecord) -> list[Procedure]:
    """The patient's completed operations and radiotherapies (read once per record; each reported once)."""
    return record.once("procedures", lambda: _read(record))


def _read(record: PatientRecord) -> list[Procedure]:
    found = []
    at_sites = {record.ref(c) for kind in ("lesion", "compression") for c in record.conditions[kind]}
    for resource in record.procedures:
        ref = record.ref(resource)
        code = resource.get("code")
        kinds = {KINDS[kind] for vs_id, kind in KIND_VALUE_SETS.items() if record.terms.coding_in(code, vs_id)}
        if len(kinds) != 1:
            lesions = [target for target in (record.resolve(r) for r in objects(resource.get("reasonReference")))
                       if target in at_sites]
            words = describe_concepts([code])
            if not kinds and resource.get("status") in ("completed", *RADIOTHERAPY_BEGUN) \
                    and RADIOTHERAPY_WORDS.search(words) \
                    and not record.after_as_of(when := performed(resource)):
                written = body_sites(resource)
                reading = read_site(record.terms, written)
                course = Procedure(ref, "radiotherapy", when, tuple(lesions), read_place(record.terms, written),
                                   reading.bone, reading.side, words, isinstance(code, dict) and bool(code.get("text")),
                                   str(resource.get("status")), _first_day(resource, when))
                record.once("unread-radiotherapies", list).append(course)  # said for §1.4, whatever else they say
                if names_a_course(code):  # a course, not a planning CT beside one: it bounds Rades's statuses
                    record.once("unread-courses", list).append(course)
            # Said on a card only where its words name an operation: an MRI or a lumbar puncture of the spine is none.
            operation = not kinds and may_be_operation(code)
            if operation and resource.get("status") == "completed" and not record.after_as_of(performed(resource)):
                # Done, coded otherwise (an instrumented fusion in CCAM): a SINS or Rades card of its spine says it.
                record.once("unread-procedures", list).append(Unread(ref, tuple(lesions)))
                if SURGERY_WORDS.search(describe_concepts([code])):  # its §1.4 window may apply (situations.py)
                    written = body_sites(resource)
                    reading = read_site(record.terms, written)
                    record.once("unread-surgery", list).append(Procedure(
                        ref, "operation", performed(resource), tuple(lesions), read_place(record.terms, written),
                        reading.bone, reading.side, describe_concepts([code]),
                        isinstance(code, dict) and bool(code.get("text"))))
            if not kinds and lesions and not operation:  # an MRI of the lesion, a biopsy: nothing it changes
                record.report.ignore(ref, said("a procedure for {conditions} whose code is in none of the procedure "
                                               "ValueSets and whose words name no operation: not read",
                                               conditions=", ".join(lesions)), relevant=False)
                continue
            if not kinds and lesions:  # an operation on a lesion, coded otherwise (a nailing): it may have fixed it
                record.report.ignore(ref, said(
                    "an operation for {conditions} whose code '{code}' is in none of the procedure ValueSets "
                    "(fixation, decompression, radiotherapy): not read; if it treated it (a fixation, a "
                    "decompression, a cementoplasty), its score's advice may no longer apply",
                    conditions=", ".join(lesions), code=describe_concepts([code])[:100]), attention=True)
                if resource.get("status") in ("completed", *NOT_KNOWN_DONE):  # a long bone's lesion says it first
                    record.once("unread-operations", list).append((ref, None, None, performed(resource),
                                                                   tuple(lesions)))
                continue
            done = operation and not lesions and resource.get("status") in ("completed", *NOT_KNOWN_DONE)
            site = read_site(record.terms, body_sites(resource)) if done and resource.get("bodySite") else None
            if site is not None and site.bone:  # a long bone's operation, coded otherwise (CCAM): its lesions say it
                record.once("unread-operations", list).append((ref, site.bone, site.side, performed(resource), ()))
            elif done and not resource.get("bodySite") and (bone := one_long_bone(words)):  # "Enclouage fémur G",
                # in CCAM, no bodySite: the bone its words name (a bone only), said on either side's card
                record.once("unread-operations", list).append((ref, bone, None, performed(resource), ()))
            elif site is not None and site.place and HIP_WORDS.search(site.description or "") and _femoral(code, site):
                # a hip replaced is the femur's head and neck (probe 20: a femoral-neck lesion's arthroplasty unread)
                record.once("unread-operations", list).append((ref, FEMUR, site.place.side, performed(resource), ()))
            record.report.ignore(ref, said("Procedure is not read by the calculators") if not kinds else said(
                "its code names several kinds of procedure: not read"), relevant=bool(kinds))
            continue
        kind: Kind = kinds.pop()  # type: ignore[assignment]
        status = resource.get("status")
        if status != "completed" and not (status in NOT_KNOWN_DONE and kind in ("fixation", "decompression")) \
                and not (status in RADIOTHERAPY_BEGUN and kind == "radiotherapy"):
            record.report.ignore(ref, said("status '{status}': not a procedure done", status=status), relevant=False)
            if status == "not-done" and kind == "fixation":  # refused, cancelled: said on its lesion's card (probe 28)
                record.once("fixations-not-done", list).append((resource, kind))
            continue
        when = performed(resource)
        reasons = tuple(target for target in (record.resolve(r) for r in objects(resource.get("reasonReference")))
                        if target and target.startswith("Condition/"))
        sites = body_sites(resource)
        site = read_site(record.terms, sites) if sites else None
        side = site.side if site else None
        if kind == "fixation" and site and site.bone and side and side_beside_bone(
                describe_concepts([code]), site.bone, next_to=True) not in (None, side):
            # Coded left, "Enclouage fémur D" (probe 23 s10): which is right is not known, none is picked. Only a side
            # right beside the bone's name (not "clou droit", "fémur d'une fracture": review 26).
            record.once("sides-disagree", set).add(ref)
            side = None
        place = read_place(record.terms, sites)
        if place is not None and ref in record.once("sides-disagree", set):
            place = replace(place, side=None)
        procedure = Procedure(ref, kind, when, reasons, place,
                              site.bone if site else None, side,
                              describe_concepts([code]), isinstance(code, dict) and bool(code.get("text")), status,
                              _first_day(resource, when))
        if (status == "completed" or kind == "radiotherapy") and record.after_as_of(when):
            record.report.ignore(ref, said("performed {date}, after the assessment date {as_of}: not read",
                                           date=when.text, as_of=record.as_of.isoformat()))
            if kind == "fixation" and status == "completed":  # done on a day to come: its date or its status is wrong
                record.once("fixations-under-way", list).append(procedure)  # (probe 23 t05: said nowhere)
            continue
        if status != "completed" and kind == "radiotherapy":  # begun: said on its card (``radiotherapies_given``)
            record.once("radiotherapies-begun", list).append(procedure)
            continue
        if status != "completed":  # begun, planned or unclear: said on its lesion's card (``fixations_under_way``),
            # a decompression on its compression's (``cord_compression``)
            record.report.ignore(ref, said("status '{status}': not a procedure done", status=status), relevant=False)
            record.once("fixations-under-way" if kind == "fixation" else "operations-under-way", list).append(procedure)
            continue
        found.append(procedure)
    return found


def _femoral(code: Any, site: SiteReading) -> bool:
    words = f"{describe_concepts([code])} {site.description}"
    return bool(REPLACEMENT_WORDS.search(words)) and not PELVIS_WORDS.search(words)


def fixations_other_side(record: PatientRecord, condition: str, reading: SiteReading) -> tuple[Said, ...]:
    """The fixations (done, under way or planned) naming this lesion whose bodySite gives the bone's other side: said
    first on its Mirels card, never settled (the lesion was taken as fixed, its Mirels 11 gone, the post-operative card
    reading "Right femur, operated …; For: left femur")."""
    found = [operation for operation in procedures_done(record) + record.once("fixations-under-way", list)
             if condition in operation.reasons and other_side(operation, reading.bone, reading.side)]
    for operation in found:
        record.report.use(operation.ref, said("a fixation naming {lesion}, its bodySite elsewhere: said first on its "
                                              "Mirels card", lesion=condition))
    return tuple(said("a fixation naming this lesion is recorded {status}, its own record placing it elsewhere "
                      "({operation}: {place}): if it is being or has been done on this lesion, Mirels no longer "
                      "applies; check its site and side before any other fixation",
                      status=STATUS_WORDS[operation.status], operation=operation.ref, place=placed_as(operation))
                 if operation.status != "completed" else
                 said("a fixation naming this lesion is recorded, its own record placing it elsewhere ({operation}: "
                      "{place}): if it fixed this lesion, Mirels no longer applies; check its site and side first",
                      operation=operation.ref, place=placed_as(operation)) for operation in found)


# FHIR Procedure statuses of a fixation that may have fixed the bone, or soon will: begun or planned, stopped after
# some of it was done (FHIR's definition of "stopped"), or not known. "not-done" and "entered-in-error" never count.
NOT_KNOWN_DONE = ("preparation", "in-progress", "on-hold", "stopped", "unknown")
# A radiotherapy of which some was given: under way, paused, or stopped before its end (FHIR's "stopped").
RADIOTHERAPY_BEGUN = ("in-progress", "on-hold", "stopped")


def fixations_under_way(record: PatientRecord, condition: str, bone: str | None, side: str | None) -> tuple[Said, ...]:
    """A fixation of this lesion recorded as begun, planned, stopped part-way or of unknown status: said first on its
    Mirels card, whose "fixation first" it may have answered (the guideline is silent on a fixation under way)."""
    procedures_done(record)  # reads them
    found = [operation for operation in record.once("fixations-under-way", list)
             if treated(operation, condition, bone, side)]
    for operation in found:  # named on the card by its words, and in the mapping report as said there
        record.report.use(operation.ref, said(
            "a fixation not recorded as done, said first on the Mirels card of {lesion}", lesion=condition))
    return tuple(said("a fixation of this lesion is recorded {status} ({operation}): if it is being or has been done, "
                      "Mirels no longer applies; check it before any other fixation",
                      status=STATUS_WORDS[operation.status], operation=operation.ref) for operation in found)


def fixations_not_done(record: PatientRecord, condition: str, bone: str | None, side: str | None) -> tuple[Said, ...]:
    """A fixation of this lesion recorded as not done (refused, cancelled; FHIR's ``not-done``): it never counts as
    one, yet a card advising a fixation, or withdrawing the radiotherapy for one, beside it would be advice nobody can
    follow without knowing why (probe 28: "Clou gamma" refused, the card silent). Said first on the Mirels card."""
    procedures_done(record)  # reads them
    found = []
    for resource, kind in record.once("fixations-not-done", list):
        written = body_sites(resource)
        reading = read_site(record.terms, written) if written else None
        reasons = tuple(target for target in (record.resolve(r) for r in objects(resource.get("reasonReference")))
                        if target)
        operation = Procedure(record.ref(resource), kind, performed(resource), reasons, read_place(
            record.terms, written), reading.bone if reading else None, reading.side if reading else None,
            describe_concepts([resource.get("code")]))
        if treated(operation, condition, bone, side):
            found.append((operation.ref, describe_concepts([resource.get("statusReason")])))
    for ref, _ in found:
        record.report.use(ref, said("a fixation recorded as not done, said first on the Mirels card of {lesion}",
                                    lesion=condition))
    return tuple(said("a fixation of this lesion is recorded as not done ({operation}: {why}): weigh it before "
                      "advising it again or withdrawing another treatment for it", operation=ref, why=why)
                 if why else  # its name may say why ("Clou gamma - annulé (patient refuse)"): quoted with it
                 said("a fixation of this lesion is recorded as not done ({operation}): check why before advising it "
                      "again or withdrawing another treatment for it", operation=ref)
                 for ref, why in found)


STATUS_WORDS = {"preparation": said("in preparation"), "in-progress": said("in progress"), "on-hold": said("on hold"),
                 "stopped": said("stopped before its end"), "unknown": said("with its status unknown"),
                 "completed": said("as done on a day after this assessment")}


def operated_since(record: PatientRecord, condition: str, recorded: list[str]) -> tuple[Said, ...]:
    """An operation of this compression (a decompression, a fixation naming it) done after some of the records a
    score rests on (``recorded``: their dates as written): they may describe the time before it; said first."""
    dates = [span for text in recorded if text and (span := parse_date(text)) is not None]
    return tuple(said("an operation of it is recorded after some of the records this score rests on ({operation}): "
                      "they may describe the time before it; check them", operation=operation.ref)
                 for operation in procedures_done(record)
                 if operation.kind != "radiotherapy" and condition in operation.reasons and operation.performed
                 and any(span.earliest < operation.performed.latest for span in dates))


def operations_of(record: PatientRecord, condition: str, onset: DateSpan | None,
                  window: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The operations done that name this Condition (a laminectomy "for" the compression): (those of its time, those
    that may be). Of its time: of the procedure lists, every day its date allows within the operation's window
    (``window``, the §1.4 card's six weeks) and none before it began; the choice a Rades group orients is then made
    (§1.3). May be: one coded in no list whose words name surgery (what it was is not read), one undated, one whose
    date may or may not fall in the window (review 32: a CCAM laminectomy of 3 days ago read "radiotherapy alone").
    One surely long ago, or before it began, is neither: a relapse's group orients as before (review 31)."""
    recent: list[str] = []
    maybe: list[str] = []
    for operation in [*procedures_done(record), *record.once("unread-surgery", list)]:
        if operation.kind == "radiotherapy" or condition not in operation.reasons:
            continue
        when = operation.performed
        if when is not None and ((onset and when.latest < onset.earliest)
                                 or (window and (record.as_of - when.latest).days > window.days)):
            continue  # surely before it began, or surely past the window
        before = bool(onset and when and when.earliest < onset.earliest)  # it may be before it began
        settled = when is not None and operation.kind != "operation" and not before \
            and not (window and (record.as_of - when.earliest).days > window.days)
        (recent if settled else maybe).append(operation.ref)
    return tuple(recent), tuple(maybe)


def earlier_fixations(record: PatientRecord, ref: str, reading: SiteReading,
                      onset: DateSpan | None) -> tuple[Said, ...]:
    """A fixation of the same bone and side done before this lesion began (a nail of years ago): not of this lesion,
    so the lesion is scored; but a clinician offered "fixation first" must know the bone holds an implant."""
    found = [operation for operation in procedures_done(record)
             if operation.kind == "fixation" and onset and operation.performed
             and operation.performed.latest < onset.earliest and treated(operation, ref, reading.bone, reading.side)]
    for operation in found:
        record.report.use(operation.ref, said("a fixation of the same bone before {lesion} began, said first on its "
                                              "Mirels card", lesion=ref))
    # One naming this lesion may be its fixation, the lesion's onset recorded later (a pathology report's date).
    return tuple(said("a fixation naming this lesion is recorded before the lesion's onset ({operation}): if it fixed "
                      "this lesion, Mirels no longer applies; check it first", operation=operation.ref)
                 if operation.reasons else
                 said("a fixation of the same bone and side is recorded before this lesion began ({operation}): check "
                      "what it fixed before any other fixation", operation=operation.ref) for operation in found)


def fixations_either_side(record: PatientRecord, reading: SiteReading) -> tuple[Said, ...]:
    """A fixation of the same bone naming no lesion that no side links (none is picked): this lesion's side is
    recorded both ways, or the fixation's side is not stated ("Enclouage fémur G" in words only); it may be of this
    lesion, and would take Mirels away: said first, never settled (it was dropped without a word)."""
    if not reading.bone:
        return ()
    both_ways = reading.place is not None and reading.place.sides_disagree
    found = [operation for operation in procedures_done(record) + record.once("fixations-under-way", list)
             if operation.kind == "fixation" and not operation.reasons and operation.bone == reading.bone
             and (both_ways or operation.side is None or reading.side is None)]
    under_way = [operation for operation in found if operation.status != "completed"  # probe 25: said nowhere
                 and not (operation.side and operation.side == reading.side)]  # that one is fixations_under_way's
    found = [operation for operation in found if operation not in under_way]
    for operation in under_way:
        record.report.use(operation.ref, said("a fixation not recorded as done, of the same bone, its side or this "
                                              "lesion's not settled, said first on a Mirels card"))
    return tuple(said("a fixation of the same bone is recorded {status} ({operation}), and {sides}: if it is this "
                      "lesion's and is being or has been done, Mirels no longer applies; check it first",
                      status=STATUS_WORDS[operation.status], operation=operation.ref, sides=said(
                          "this lesion's side is recorded both ways") if both_ways else said(
                          "its code gives one side and its words the other") if operation.ref in record.once(
                          "sides-disagree", set) else said("its side is not stated") if operation.side is None else
                      said("this lesion is recorded on both sides") if reading.place is not None
                      and reading.place.side == BOTH_SIDES else said("this lesion's side is not stated"))
                 for operation in under_way) + _done_either_side(
        record, found, both_ways)


def _done_either_side(record: PatientRecord, found: list[Procedure], both_ways: bool) -> tuple[Said, ...]:
    for operation in found:
        record.report.use(operation.ref, said("a fixation of the same bone, said first on a Mirels card whose lesion's "
                                              "side is recorded both ways") if both_ways else
                          said("a fixation of the same bone, its side not stated, said first on a Mirels card"))
    return tuple(said("a fixation of the same bone is recorded ({operation}), and this lesion's side is recorded both "
                      "ways: if it is this lesion's, Mirels no longer applies; check it first", operation=operation.ref)
                 if both_ways else
                 said("a fixation of the same bone is recorded ({operation}), its code giving one side and its words "
                      "the other: if it is this lesion's, Mirels no longer applies; check the side first",
                      operation=operation.ref) if operation.ref in record.once("sides-disagree", set) else
                 said("a fixation of the same bone is recorded ({operation}), its side not stated: if it is this "
                      "lesion's, Mirels no longer applies; check it first", operation=operation.ref)
                 if operation.side is None else
                 said("a fixation of the same bone is recorded ({operation}), and this lesion's side is not stated: "
                      "if it is this lesion's, Mirels no longer applies; check it first", operation=operation.ref)
                 for operation in found)


def unread_operations(record: PatientRecord, ref: str, reading: SiteReading,
                      onset: DateSpan | None) -> tuple[Said, ...]:
    """An operation whose code is in no procedure ValueSet (a nailing coded in CCAM, "Enclouage centromédullaire
    préventif du fémur droit") that names this lesion (reasonReference), or names none and is of its long bone (its
    side the same, or not stated): it may have fixed the bone, and was dropped without a word, or said only on the
    data-review card while the lesion's read "fixation first"; said first, never settled."""
    procedures_done(record)  # reads them
    found = [(operation, bool(onset and when and when.latest < onset.earliest), bool(named))
             for operation, bone, side, when, named in record.once("unread-operations", list)
             if ref in named or (not named and bone == reading.bone
                                 and (side is None or reading.side is None or side == reading.side))]
    for operation, _, named in found:
        record.report.use(operation, said("an operation of this lesion whose code is not read, said first on its "
                                          "Mirels card") if named else
                          said("an operation of the same bone whose code is not read, said first on a Mirels card"))
    return tuple(Said(UNREAD_OPERATION[(earlier, named)], {"operation": operation})
                 for operation, earlier, named in found)


def spinal_operations(record: PatientRecord, condition: str, spinal: Mapping[str, frozenset[str]],
                      regions_of: Callable[[list[Any]], frozenset[str] | None], silent: Said,
                      skip: Collection[str] = (), silent_own: Said | None = None) -> tuple[Said, ...]:
    """The operations of the spine done before the assessment that a SINS or Rades card of ``condition`` says first:
    one naming it (reasonReference), or one at the spine (its bodySite, else the spinal Condition it names), unless
    both are coded in different regions of the spine. No level is coded here (``seeds/sins.json``): one at the spine
    is said "level not compared". ``spinal``: each spinal Condition's regions (empty: not coded); ``regions_of``:
    the regions a bodySite names (None: not the spine); ``silent``: what the score's sources do not say of it
    (``silent_own``: of one naming ``condition``, when that differs); ``skip``: operations the card says already.
    At most ``_SAID_AT_MOST`` at the spine are named on a card, the others counted (a line, not a list)."""
    own_operations, at_spine = record.once("spinal-operations", lambda: _spinal_index(record, spinal, regions_of))
    found: list[Said] = []
    for ref, coded in own_operations.get(condition, ()):
        if ref in skip:
            continue
        record.report.use(ref, said("an operation of {condition}, said first on its card", condition=condition))
        own = silent_own or silent
        found.append(said("an operation of it is recorded ({operation}): {silent}; check it first",
                          operation=ref, silent=own) if coded else
                     said("a procedure of it is recorded ({operation}), its code in none of the procedure lists "
                          "read here: {silent}; check what it was first", operation=ref, silent=own))
    named, more = 0, 0
    mine = spinal.get(condition)
    for regions, operations in at_spine.items():
        if regions and mine and not regions & mine:
            continue  # both coded, in different regions of the spine
        for ref, coded, reasons in operations:
            if ref in skip or condition in reasons:
                continue
            if named == _SAID_AT_MOST:
                more += 1
                continue
            named += 1
            record.report.use(ref, said("an operation at the spine, said first on the card of {condition}",
                                        condition=condition))
            found.append(said("an operation at the spine is recorded ({operation}), level not compared: {silent}; "
                              "check its level first", operation=ref, silent=silent) if coded else
                         said("a procedure at the spine is recorded ({operation}), level not compared, its code in "
                              "none of the procedure lists read here: {silent}; check what it was and its level first",
                              operation=ref, silent=silent))
    if more:
        found.append(said("{count} more operations at the spine are recorded: check their levels", count=more))
    return tuple(found)


_SAID_AT_MOST = 3


def _spinal_index(record: PatientRecord, spinal: Mapping[str, frozenset[str]],
                  regions_of: Callable[[list[Any]], frozenset[str] | None],
                  ) -> tuple[dict[str, list[tuple[str, bool]]], dict[frozenset[str], list[tuple[str, bool, tuple]]]]:
    """Once per patient: the operations done (and those coded outside the lists whose words may name one) by the
    spinal Condition they name, and those at the spine by the regions they are in (their bodySite, else the spinal
    Conditions they name; none coded: every region). Linear in operations and Conditions, whatever their number."""
    sites = {record.ref(c) for kind in ("lesion", "compression") for c in record.conditions[kind]}
    read = [(operation.ref, operation.reasons, True) for operation in procedures_done(record)
            if operation.kind != "radiotherapy"]
    unread = [(operation.ref, operation.reasons, False) for operation in record.once("unread-procedures", list)]
    own: dict[str, list[tuple[str, bool]]] = {}
    at_spine: dict[frozenset[str], list[tuple[str, bool, tuple]]] = {}
    for ref, reasons, coded in read + unread:
        for reason in reasons:
            own.setdefault(reason, []).append((ref, coded))
        others = [reason for reason in reasons if reason in spinal]
        if not others and set(reasons) & sites:  # for a lesion elsewhere (a femur); a primary cancer places nothing
            continue
        written = list(body_sites(record.get(ref)))
        regions = regions_of(written)
        if regions is None and others:  # no spinal bodySite: the spinal Condition it names places it
            regions = frozenset().union(*(spinal[reason] for reason in others))
        elif regions is None and not written and not reasons and spinal_operation(record.get(ref).get("code")):
            regions = frozenset()  # "Laminectomie D8" in CCAM, no bodySite, no reason: the spine, no region coded
        if regions is not None:
            at_spine.setdefault(regions, []).append((ref, coded, tuple(reasons)))
    return own, at_spine
