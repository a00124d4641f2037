"""A signing's draft orders cross-checked with the patient's scores and situations (CDS Hooks order-sign).

``review_orders`` takes what ``pipeline.assess_patient`` found and the draftOrders Bundle, and says what the guideline
says of each order: per scored Condition, of a radiotherapy's scheme (§2) and of its start after an operation (§1.4);
orders it cannot check are reported, with why. Rendering is ``render.order_cards``'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec.structs import replace

from .facts import PatientFacts, ReportEntry
from .facts.dates import parse_date
from .facts.model import CordCompressionFacts, LesionFacts, Where
from .facts.orders import EARLY_START, LEVEL_APART, WHOLE_BONE
from .facts.place import (
    BOTH_SIDES,
    LEFT,
    RIGHT,
    Place,
    bone_and_side,
    one_long_bone,
    side_beside_bone,
)
from .facts.statuses import (
    COMPRESSION_MAY_BE_OVER,
    COMPRESSION_NOT_ACTIVE,
    LESION_MAY_BE_OVER,
    LESION_NOT_ACTIVE,
    NEVER_COUNTS_AS,
)
from .fhir.patients import ANOTHER_PATIENT, NOT_READ, PatientIdentity
from .i18n import Said, said
from .render import Assessment

if TYPE_CHECKING:
    from .calculators.fractionation import SchemeAdvice
    from .calculators.order_checks import Finding, Order
    from .facts.model import SituationFacts
    from .facts.orders import DraftOrder
    from .pipeline import PatientAssessment


class WindowFinding(msgspec.Struct, frozen=True):
    """A radiotherapy draft order and the §1.4 window of an operation it follows: ``outside`` whether the
    order's start falls outside the window (False when the order gives no start: the card then says the window)."""

    order: DraftOrder
    operation: SituationFacts
    opens: date
    closes: date
    outside: bool
    # The start falls in the window only if the operation, known to a month or a period, was done on these days.
    operated_if: tuple[date, date] | None = None


class OrderReview(msgspec.Struct):
    """What the guideline says of the draft orders: per scored Condition (``findings``), of each radiotherapy's
    scheme (§2, ``schemes``), and of its start after an operation (§1.4, ``windows``). ``ablative``: the
    patient's §1.5 advice applies (an ablative intent may be discussed)."""

    findings: list[tuple[Assessment, Finding]]
    report: list[ReportEntry]
    schemes: list[tuple[DraftOrder, SchemeAdvice]] = msgspec.field(default_factory=list)
    windows: list[WindowFinding] = msgspec.field(default_factory=list)
    ablative: bool = False
    # A prophylactic fixation ordered for a bone that has already broken or been fixed, with what the record says.
    moot: list[tuple[DraftOrder, Said]] = msgspec.field(default_factory=list)
    # Radiotherapy orders stating no scheme (no §2 card): a site already irradiated is still said of them.
    without_scheme: list[DraftOrder] = msgspec.field(default_factory=list)
    # Orders whose site is a bone and side where no bone metastasis is recorded, one being recorded on the other side
    # of that bone: the side is said first (brief §5), with the metastases recorded there.
    other_side: list[tuple[DraftOrder, tuple[Where, ...]]] = msgspec.field(default_factory=list)
    # Several radiotherapy orders in one signing naming the same Condition: which one is meant is said first.
    several_courses: list[tuple[str, tuple[DraftOrder, ...]]] = msgspec.field(default_factory=list)
    # Each order not surely one lesion's -> the scored Conditions it was checked against (a femur with no side: both).
    unsure: dict[str, list[Assessment]] = msgspec.field(default_factory=dict)
    # The radiotherapy orders an operation's §1.4 window opens for, whatever their start (their §2 card says so).
    after_operation: frozenset[str] = frozenset()
    # Orders whose words name other vertebral levels than every compression checked against: (the order as linked to
    # each, that compression), one tuple an order.
    other_level: list[tuple[tuple[Order, Assessment], ...]] = msgspec.field(default_factory=list)


def review_orders(result: PatientAssessment, draft_orders: dict[str, Any],
                  patient: PatientIdentity | None = None, resources: Iterable[dict[str, Any]] = ()) -> OrderReview:
    """Cross-check the draft orders of an order-sign request with the patient's scores; orders
    that name another patient are reported, never checked."""
    from .calculators.fractionation import compare
    from .calculators.order_checks import (
        check_orders,  # order-sign only: the other doors do not pay for it
    )
    from .facts.orders import APPLIES_TO, for_the_scores, lesion_place, orders_for, read_draft_orders, words_place

    scored = frozenset(assessment.facts.condition for assessment in result.assessments)
    others = {entry.resource: why for entry in result.facts.report  # another patient's (not one naming none: review 28)
              if isinstance(entry.reason, Said) and entry.reason.template == NOT_READ
              and entry.resource.startswith("Condition/") and getattr(
                  why := entry.reason.params["why"], "template", None) in ANOTHER_PATIENT}
    drafts, report = read_draft_orders(draft_orders, patient=patient, scored=scored, resources=resources,
                                       others=others)
    over = {entry.resource: _state(entry.reason) for entry in result.facts.report
            if getattr(entry.reason, "template", None) in _OVER}
    bone_sites = scored | {where.ref for situation in result.facts.situations  # the bone metastases (§1.5's sites)
                           if situation.situation == "oligometastatic" for where in situation.about}
    # A reason recorded as refuted or entered in error names no lesion: the order is checked against each one, as one
    # naming none, and says why (probe 25: a radiotherapy "for" an entered-in-error femur escaped the real one's check).
    gone = {ref: state for ref, state in over.items() if state in ("refuted", "entered-in-error")}
    readable = [replace(draft, reason_named=_gone_reason(draft.reason_named, gone[draft.reason_named]))
                if isinstance(draft.reason_named, str) and draft.reason_named in gone else draft
                for draft in for_the_scores(drafts, bone_sites | (over.keys() - gone.keys()),
                                            (entry.resource for entry in result.facts.report))]
    # Lesions said by their own cards (a radiotherapy after a fixation is §1.4's).
    settled = [(bone.lesion, bone.place) for bone in result.facts.broken] + [
        (bone.lesion, bone.place) for bone in result.facts.fixed]
    lesions = {lesion_place(assessment.facts) for assessment in result.assessments
               if isinstance(assessment.facts, LesionFacts)}
    placed = frozenset(draft.order.reference for draft in readable if words_place(draft) in lesions)
    targeting = _shared_sites([(assessment, orders_for(assessment.facts, readable, placed))
                               for assessment in result.assessments], readable, settled)
    targeting = _whole_bone(targeting)
    findings = [(assessment, _early_start(finding, result.facts.as_of)) for assessment, orders in targeting
                for finding in check_orders(assessment.score, orders)]
    radiotherapies = [draft for draft in drafts if "radiotherapy" in draft.order.kinds]
    schemes = [(draft, compare(scheme)) for draft in radiotherapies for scheme in draft.schemes]
    ablative = any(advised.advice.situation.name == "oligometastatic" for advised in result.advice)
    fixations = [draft for draft in drafts if "prophylactic_fixation" in draft.order.kinds]
    moot = _moot_fixations(result.facts, fixations)
    checked = {order.reference for _, orders in targeting for order in orders}
    flagged = {order.reference for _, finding in findings for order in finding.orders}
    for draft in drafts:  # checked against each lesion, and in line with all: its reason is still said
        if draft.reasons & gone.keys() and draft.order.reference in checked - flagged:
            report.append(ReportEntry(draft.order.reference, "ignored", said(
                "its reason ({reasons}) is recorded as refuted or entered in error: checked against each lesion as an "
                "order naming none, with nothing to say; check what the order is for",
                reasons="; ".join(sorted(draft.reasons & gone.keys()))), relevant=True, attention=True,
                description=draft.order.description))
    other_side = _other_side(result.facts, drafts)
    for draft in drafts:  # an order for a long bone where no lesion is scored: checked against nothing, and said
        if (draft.bone and not draft.reasons and draft.place and draft.order.reference not in checked
                and not any(_targets(draft, lesion, place) for lesion, place in settled)
                and draft.order.reference not in {found.order.reference for found, _ in other_side}):
            report.append(ReportEntry(draft.order.reference, "ignored", said(
                "not checked: its bodySite names {site}, where no lesion with a score is recorded", site=draft.place),
                relevant=True, attention=True, description=draft.order.description))
    # An order whose reason names a Condition with no score it is checked against (a laminectomy "for" the vertebral
    # metastasis, beside a scored cord compression): checked against nothing, so said, where a score of its kind is.
    applies = {kind for assessment in result.assessments for kind in APPLIES_TO.get(type(assessment.facts), ())}
    moot_orders = {draft.order.reference for draft, _ in moot}
    for draft in drafts:
        if (draft.reasons & bone_sites and draft.order.reference not in checked | moot_orders
                and draft.order.kinds & applies and not (draft.reasons <= bone_sites - scored and draft.schemes)
                and not any(_targets(draft, lesion, place) for lesion, place in settled)):
            # (A radiotherapy with its scheme for a rib no score reads is checked by §2's card: nothing to warn of.)
            report.append(ReportEntry(draft.order.reference, "ignored", said(
                "not checked: it is for {reasons}, whose scores do not apply to this kind of order; if it is for "
                "another diagnosis, that one's advice was not given", reasons=", ".join(sorted(draft.reasons))),
                relevant=True, attention=True, description=draft.order.description))
    # An order for a metastasis or a compression recorded as over or refuted, and for no active one: nothing scores
    # it, and it got no card (probe 22, h6b: a fixation "for" a resolved femur metastasis; review 24: beside the
    # primary cancer, or refuted). The sources are silent on what to do: it is said, no more.
    for draft in drafts:
        if (draft.reasons & over.keys() and not draft.reasons & (scored | bone_sites)
                and draft.order.reference not in checked | moot_orders):
            states = {over[reason] for reason in draft.reasons & over.keys()}  # review 27: say which it is
            report.append(ReportEntry(draft.order.reference, "ignored", _over_said(
                states.pop() if len(states) == 1 else "mixed", "; ".join(sorted(draft.reasons & over.keys()))),
                relevant=True, attention=True, description=draft.order.description))
    by_reason: dict[str, dict[str, DraftOrder]] = {}
    for draft in radiotherapies:  # probe 18: three courses for one femur in one signing, no card said it
        for reason in sorted(draft.reasons & bone_sites):  # a site's, not the primary cancer's (two bones each)
            by_reason.setdefault(reason, {})[draft.order.reference] = draft
    several = list({tuple(found): (reason, tuple(found.values()))  # orders naming two sites: one card
                    for reason, found in by_reason.items() if len(found) > 1}.values())
    unsure: dict[str, list[Assessment]] = {}
    for assessment, order in ((a, o) for a, orders in targeting for o in orders if not o.targeted):
        unsure.setdefault(order.reference, []).append(assessment)
    windows, after_operation = _windows(result, radiotherapies)
    # One card an order, and none where a compression it is checked against shares its levels, or names none (review
    # 35: "RTE L3" beside compressions at D8 and L3 read "Check the level … recorded at T8").
    apart: dict[str, list[tuple[Order, Assessment]]] = {}
    near = set()
    for assessment, orders in targeting:
        for order in orders:
            if getattr(order.link, "template", None) == LEVEL_APART:
                apart.setdefault(order.reference, []).append((order, assessment))
            elif isinstance(assessment.facts, CordCompressionFacts):
                near.add(order.reference)
    other_level = [tuple(found) for reference, found in apart.items() if reference not in near]
    return OrderReview(findings, report, schemes, windows, ablative, moot,
                       [draft for draft in radiotherapies if not draft.schemes], other_side, several, unsure,
                       after_operation, other_level)


def _early_start(finding: Finding, as_of: date | None) -> Finding:
    """A fixation and a radiotherapy ordered together: a radiotherapy whose start is surely before day 15 after the
    fixation, at the earliest (its ordered day, else the assessment day: it is not done yet), says so on its line
    (probe 27: "start ordered: 2026-12-12" five days ahead, without a word)."""
    if finding.check.when != "radiotherapy_with_fixation" or as_of is None:
        return finding
    fixed_on = [parse_date(order.start) for order in finding.orders
                if "prophylactic_fixation" in order.kinds]
    earliest = max(as_of, min((day.earliest if day else as_of) for day in fixed_on)) if fixed_on else as_of
    opens = earliest + timedelta(days=15)
    orders = tuple(replace(order, link=Said(EARLY_START, {"link": order.link, "start": order.start,
                                                          "opens": opens.isoformat()}))
        if "radiotherapy" in order.kinds and (day := parse_date(order.start)) is not None and day.latest < opens
        else order for order in finding.orders)
    return replace(finding, orders=orders) if orders != finding.orders else finding


def _shared_sites(targeting: list[tuple[Assessment, list[Order]]], drafts: list[DraftOrder],
                  settled: list[tuple[str, Place | None]]) -> list[tuple[Assessment, list[Order]]]:
    """An order placed by its site only (no reason) on a bone and side where two lesions are (a trochanter and a shaft
    of one femur, probe 27; the other one fixed, whose post-operative course it may be: review 31) is surely neither's:
    checked against each, proposed for withdrawal on none, its link saying the other lesion is there. Where its
    site's region is that of one of them only (a trochanter coded), it is that one's: surely, if scored; and surely
    not the others' (review 32: an order "RTE trochanter G post-op" charged to the shaft's Mirels 12)."""
    placed = {draft.order.reference: draft for draft in drafts if not draft.reasons}
    lesions: dict[str, list[Assessment]] = {}
    for assessment, orders in targeting:
        for order in orders:
            if order.targeted and order.reference in placed:
                lesions.setdefault(order.reference, []).append(assessment)
    unsure: set[tuple[str, str]] = set()  # (order, lesion) no longer surely the lesion's
    for reference, assessed in lesions.items():
        draft = placed[reference]
        others = [place for lesion, place in settled if _targets(draft, lesion, place)]
        if len(assessed) + len(others) < 2:
            continue
        region = draft.place.region if draft.place else None
        matching = [a for a in assessed if a.facts.place and a.facts.place.region == region] if region else []
        picked = region and len(matching) + sum(1 for place in others if place and place.region == region) == 1
        unsure |= {(reference, a.facts.condition) for a in assessed if not (picked and a in matching)}
    if not unsure:
        return targeting
    return [(assessment, [replace(order, targeted=False, link=said(
        "{link}, where another lesion is recorded too: check which it is for", link=order.link))
        if (order.reference, assessment.facts.condition) in unsure and order.targeted else order for order in orders])
        for assessment, orders in targeting]


def _whole_bone(targeting: list[tuple[Assessment, list[Order]]]) -> list[tuple[Assessment, list[Order]]]:
    """A radiotherapy ordered for one lesion of a long bone and side (both coded) where another is scored takes that
    one in too (probe 29: a shaft at Mirels 5, its 30 Gy ordered, beside a trochanter at 12, "fixation first": an
    info card on the scheme, no word of it). Checked against the other one, never proposed for withdrawal on it."""
    sided = [(assessment, orders) for assessment, orders in targeting if assessment.score.calculator == "mirels"
             and assessment.facts.body_site[0] and assessment.facts.body_site[1] in (LEFT, RIGHT)]
    extra: dict[str, dict[str, Order]] = {}
    for assessment, orders in sided:
        for other, others in sided:
            if other is assessment or other.facts.body_site != assessment.facts.body_site:
                continue
            checked = {order.reference for order in others}
            for order in orders:
                if "radiotherapy" in order.kinds and order.reference not in checked:
                    extra.setdefault(other.facts.condition, {})[order.reference] = replace(
                        order, targeted=False, link=Said(WHOLE_BONE, {"where": assessment.facts.place}))
    return [(assessment, orders + list(extra.get(assessment.facts.condition, {}).values()))
            for assessment, orders in targeting] if extra else targeting


# The mapping report's words for a diagnosis that does not count: a lesion or a compression no longer active, one
# refuted or entered in error.
def _gone_reason(reason: str, state: str) -> Said:
    return said("{reason}, recorded as refuted", reason=reason) if state == "refuted" else said(
        "{reason}, recorded as entered in error", reason=reason)


def _over_said(state: str, reasons: str) -> Said:
    """Why an order for diagnoses that never count was not checked, in the words of how they came to."""
    if state == "over":
        return said("not checked: the diagnosis it is for ({reasons}) is recorded as over; check what the order is "
                    "for", reasons=reasons)
    if state == "refuted":
        return said("not checked: the diagnosis it is for ({reasons}) is recorded as refuted, so there is no "
                    "metastasis there to treat; check what the order is for", reasons=reasons)
    if state == "entered-in-error":
        return said("not checked: the diagnosis it is for ({reasons}) is recorded as entered in error; check what "
                    "the order is for", reasons=reasons)
    return said("not checked: the diagnoses it is for ({reasons}) are recorded as over, refuted or entered in error; "
                "check what the order is for", reasons=reasons)


def _state(reason: object) -> str:
    """How a diagnosis that never counts came to: refuted, entered in error, or over (resolved, in remission)."""
    if getattr(reason, "template", None) == NEVER_COUNTS_AS:
        status = str(getattr(reason, "params", {}).get("status", ""))
        return status if status in ("refuted", "entered-in-error") else "mixed"
    return "over"


_OVER = frozenset({LESION_NOT_ACTIVE, LESION_MAY_BE_OVER, COMPRESSION_NOT_ACTIVE, COMPRESSION_MAY_BE_OVER,
                   NEVER_COUNTS_AS})


def _other_side(facts: PatientFacts, drafts: list[DraftOrder]) -> list[tuple[DraftOrder, tuple[Where, ...]]]:
    """The orders naming no Condition whose site is a bone and a side where no bone metastasis is recorded, with the
    metastases recorded on the other side of that bone (a radiotherapy of the left femur, the lesion on the right)."""
    recorded = [Where(found.condition, found.place, found.description) for found in facts.scored] + [
        where for situation in facts.situations if situation.situation == "oligometastatic"
        for where in situation.about]
    recorded += [Where(bone.lesion, bone.place, "") for bone in facts.broken]
    recorded += [Where(bone.lesion, bone.place, "") for bone in facts.fixed]
    found = []
    sites = {where.ref for where in recorded}  # a reason naming the primary cancer says no side (probe 17)
    for draft in drafts:
        place = draft.place
        if place is not None and place.bone and place.side is None and not place.sides_disagree and \
                (written := side_beside_bone(draft.order.description, str(place.bone))) in (LEFT, RIGHT):
            # A femur coded with no side, its side in the order's name ("RTE fémur droit 8 Gy", as order sets write
            # it): that side is checked as one its bodySite's words give (probe 18).
            place = replace(place, side=written, side_from_text=True)
            draft = replace(draft, place=place)
        elif (place is None or not place.bone) and not draft.reasons & sites and (
                bone := one_long_bone(words := f"{draft.site_words} {draft.order.description}")) and (
                written := side_beside_bone(words, bone, next_to=True)) in (LEFT, RIGHT):
            # ("fémur G et D", "gauche et droit", "G + D": both sides, no side, ``side_beside_bone``: review 29)
            # A bone and side in words only ("RTE fémur D 8 Gy", bodySite text "Fémur D"): a side to check too (probe
            # 26: the side was checked only where a code gave the bone); the order is still checked against each.
            place = Place(bone, written, record_words=(draft.site_words or draft.order.description)[:60],
                          side_from_text=True)
            draft = replace(draft, place=place)
        if draft.reasons & sites or place is None or not place.bone or place.side not in (LEFT, RIGHT):
            continue
        same_bone = [where for where in recorded if bone_and_side(where.place)[0] == place.bone]
        may_be_there = facts.unplaced_sites or any(bone == place.bone and side in (place.side, None, BOTH_SIDES)
                                                   for bone, side in facts.bone_sides)
        if same_bone and not may_be_there and not any(bone_and_side(where.place)[1] in (place.side, None, BOTH_SIDES)
                                                      for where in same_bone):
            found.append((draft, tuple({where.ref: where for where in same_bone}.values())))
    return found


def _moot_fixations(facts: PatientFacts, fixations: list[DraftOrder]) -> list[tuple[DraftOrder, Said]]:
    """Prophylactic fixations ordered for a lesion with no Mirels score because its bone has already broken or
    been fixed: the order is checked against no score, so what the record says of that bone is said instead
    (brief §5: a fracture of the same bone and side means Mirels, a fracture to come, no longer applies); and for a
    scored lesion beside a fracture that may be of its bone, said first as its card does."""
    from .facts.orders import MAYBE_BROKEN, MAYBE_FIXED

    found = []
    for draft in fixations:
        for broken in facts.broken:
            if _targets(draft, broken.lesion, broken.place):
                found.append((draft, said("{where}: the bone has already broken ({fracture}); a prophylactic fixation "
                                          "is against a fracture to come, and the sources are silent on treating a "
                                          "bone that has broken", where=broken.place or broken.lesion,
                                          fracture=broken.fracture)))
        for scored in facts.scored_by("mirels"):  # a fracture that may be of its bone (placed by words only)
            for fracture in scored.fractures_to_check if _targets(draft, scored.condition, scored.place) else ():
                found.append((draft, Said(MAYBE_BROKEN, {"where": scored.place or scored.condition,
                                                         "fracture": fracture})))
            # A fixation of it planned or under way (probe 25: a second one ordered, no card): the same one, perhaps.
            for fixation in scored.fixations_to_check if _targets(draft, scored.condition, scored.place) else ():
                found.append((draft, Said(MAYBE_FIXED, {"where": scored.place or scored.condition,
                                                        "fixation": fixation})))
        for fixed in facts.fixed:
            if _targets(draft, fixed.lesion, fixed.place):
                found.append((draft, said("{where}: the bone has already been fixed ({operation}); post-operative "
                                          "radiotherapy applies (§1.4)", where=fixed.place or fixed.lesion,
                                          operation=fixed.operation)))
    return found


def _targets(draft: DraftOrder, lesion: str, place: Place | None) -> bool:
    """Whether an order may name this lesion: by its reasonReference, else by a bodySite of the same bone, and of
    the same side unless one of them does not say it."""
    if draft.reasons:
        return lesion in draft.reasons
    return bool(place and draft.bone and draft.bone == place.bone
                and (draft.side is None or place.side is None or draft.side == place.side))


def _windows(result: PatientAssessment, radiotherapies: list[DraftOrder]) -> tuple[list[WindowFinding],
                                                                                     frozenset[str]]:
    """§1.4 for each radiotherapy draft order: the operations of the Conditions it names (of the patient when it
    names none), each dated and with no radiotherapy since; a start outside the window, or no start, is found. And
    the orders some operation's window opens for, whatever their start."""
    from .calculators.fractionation import outside_window
    from .calculators.situations import operated_days_in_window

    operations = [s for s in result.facts.situations if s.situation == "post_operative"
                  and s.inputs.operated_from is not None and not s.inputs.radiotherapy_since]
    found, following = [], set()
    for draft in radiotherapies:
        for operation in operations:
            treated = {where.ref for where in operation.about[1:]}
            if draft.reasons and not draft.reasons & treated:
                continue  # the order is for another lesion or compression than the one operated on
            if not draft.reasons and draft.place and _site_code(draft.place) and not any(
                    _same_place(draft.place, where.place) for where in operation.about):
                continue  # its bodySite names another site (or side) than the operation and its Conditions
            following.add(draft.order.reference)
            if draft.start:
                outside, opens, closes = outside_window(draft.start.earliest, operation.inputs.operated_from,
                                                        operation.inputs.operated_to)
            else:
                outside, (opens, closes) = False, _open(operation)
            if draft.start and outside and draft.start.latest >= opens and draft.start.earliest <= closes:
                outside = False  # a start known to a month that may fall in the window: not said outside
            operated_if = None
            if draft.start and draft.start.exact and not outside:  # in the window of every day it may have been done?
                inputs = operation.inputs
                days = operated_days_in_window(draft.start.earliest, inputs.operated_from, inputs.operated_to)
                operated_if = days if days != (inputs.operated_from, inputs.operated_to) else None
            if draft.start is None or outside or operated_if:
                found.append(WindowFinding(draft, operation, opens, closes, outside, operated_if))
    return found, frozenset(following)


def _site_code(place: Place) -> str | None:
    """The code a place names: its bone, else its region (a femur shaft)."""
    return place.bone or (place.region[1] if place.region else None)


def _same_place(order: Place, other: Place | None) -> bool:
    """The same coded site (bone, or region: a femur shaft and a femur are not matched), and the same side
    unless one of them does not say it."""
    if other is None or _site_code(other) != _site_code(order):
        return False
    return order.side is None or other.side is None or order.side == other.side


def _open(operation: SituationFacts) -> tuple[date, date]:
    from .calculators.situations import window_of

    return window_of(operation.inputs.operated_from, operation.inputs.operated_to)
