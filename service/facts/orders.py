"""Draft orders (CDS Hooks ``order-sign`` context) -> ``Order`` facts, and which
scored Condition each order targets.

Recognition
    By code, through the ValueSets ``order-radiotherapy``,
    ``order-prophylactic-fixation`` and ``order-decompressive-surgery`` in
    ``fhir_profiles/``; a radiotherapy course is long or hypofractionated only when its
    code is in ``order-radiotherapy-long-course`` or ``order-radiotherapy-hypofractionated``
    (the guideline gives no fraction count to decide it from). ServiceRequest and
    Procedure are read; other resources are reported and skipped.
Status
    An order counts while it is to be done: ServiceRequest draft, active or on-hold;
    Procedure preparation, in-progress or on-hold. ``doNotPerform`` orders never count.
Target
    ``reasonReference`` naming the Condition wins. Otherwise a lesion is targeted by a
    ``bodySite`` naming its bone (and its side, when both the order and the lesion give one); a cord
    compression by a ``reasonCode`` of the spinal-cord-compression ValueSet or a
    ``bodySite`` that is known not to be a long bone. An order with no reasonReference, reasonCode
    nor bodySite names no target, nor does one whose only reasonCode is not a cord
    compression (a bone metastasis: which one?), nor one whose bodySite no code here places
    (words only, "fémur gauche"; a local code): it is checked against every Condition its kind applies to, and the
    card says so, quoting that reasonCode or those words.
Scheme and start (§2, §1.4)
    A radiotherapy order's total dose and number of fractions are read from the CodeX Radiation Therapy
    extension ``codexrt-radiotherapy-dose-prescribed-to-volume`` (``totalDose`` in Gy or cGy, ``fractions``: a
    positiveInt, or the same number sent as an unsignedInt or integer), one per volume; its start from
    ``occurrenceDateTime``, ``occurrencePeriod.start`` or ``occurrenceTiming.event[0]`` (a Procedure:
    ``performedDateTime`` or ``performedPeriod.start``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, cast

import msgspec

from ..calculators.fractionation import Scheme
from ..calculators.order_checks import Order
from ..fhir.patients import PatientIdentity, local_reference, why_not_patient
from ..i18n import LOCALES, N_, Said, said
from .dates import DateSpan
from .identity import identifier_index
from .items.site import body_sites, read_place, read_site
from .levels import levels_named
from .model import CordCompressionFacts, LesionFacts, ReportEntry, ScoredCondition
from .order_prescription import dose_words_differ, prescribed_schemes, starts_on
from .place import (
    LEFT,
    RIGHT,
    Place,
    bone_and_side,
    checked_side,
    one_long_bone,
    side_beside_bone,
    side_written,
)
from .procedure_words import names_a_course
from .terminology import OWN_SYSTEM, Terminology, codings, describe_concepts, listed_words, load_terminology
from .vocabulary import KIND_VALUE_SETS

Course = Literal["long", "hypofractionated"]
COURSE_VALUE_SETS = {"order-radiotherapy-long-course": "long",
                     "order-radiotherapy-hypofractionated": "hypofractionated"}
VALUE_SETS_USED = frozenset(KIND_VALUE_SETS) | frozenset(COURSE_VALUE_SETS)
# Kinds of order that each score's advice is about.
ORDER_WORDS = {"radiotherapy": said("radiotherapy"), "prophylactic_fixation": said("prophylactic fixation"),
               "decompressive_surgery": said("decompressive surgery"), "long": said("long course"),
               "hypofractionated": said("hypofractionated course"),
               "orthopaedic_opinion": said("orthopaedic surgical opinion")}
# The opinion an order-sign card proposes (CodeSystem bonemet): ordered with a radiotherapy, "fixation first" is
# being asked for, and proposing it again would be noise (probe 19).
OPINION = (OWN_SYSTEM, "orthopaedic-surgical-opinion")
# A draft order whose subject is not the context patient: never checked, and said on a card of its own (a
# wrong-patient order is the clinician's to catch before signing). The template of its report line, below.
OTHER_PATIENT = "not checked, not this patient's order: {why}"
APPLIES_TO = {LesionFacts: {"radiotherapy", "prophylactic_fixation", "orthopaedic_opinion"},
              CordCompressionFacts: {"radiotherapy", "decompressive_surgery"}}
_TO_BE_DONE = {"ServiceRequest": {"draft", "active", "on-hold"},
               "Procedure": {"preparation", "in-progress", "on-hold"}}


class DraftOrder(msgspec.Struct, frozen=True):
    order: Order
    reasons: frozenset[str]  # "Condition/id" named by reasonReference
    compression_reason_code: bool
    bone: str | None  # long bone named by bodySite
    side: str | None
    has_body_site: bool
    reason_codes: str = ""  # its reasonCodes in words, when none names a cord compression
    schemes: tuple[Scheme, ...] = ()  # a radiotherapy's dose and fractions, one per distinct volume prescription
    start: DateSpan | None = None
    place: Place | None = None  # its bodySite as a place (bone and side codes), to match an operation's
    site_words: str = ""  # a bodySite no code here reads ("fémur gauche"): it may be any lesion's or compression's
    dose_words_differ: bool = False  # its name writes another dose than it prescribes (``dose_words_differ``)
    reason_named: Any = ""  # a reason that is no lesion or compression (a primary cancer): checked against each one

    @property
    def names_a_target(self) -> bool:
        return bool(self.reasons) or self.compression_reason_code or self.has_body_site


# A radiotherapy ordered for another lesion of this long bone and side (``order_review._whole_bone``): for a long bone
# the guideline's volume takes in the whole affected bone (document 004, §2.1).
WHOLE_BONE = N_("ordered for another lesion of this bone ({where}): for a long bone, the volume the guideline "
                "irradiates takes in the whole affected bone (§2.1)")
# An order checked against a compression whose record names other vertebral levels than its words
# (``render.order_sides`` says it first).
LEVEL_APART = N_("{link}; its words name {ordered}, the compression's record {recorded}: check the level")
# A prophylactic fixation ordered for a scored lesion beside a fracture that may be of its bone (placed by words).
MAYBE_BROKEN = N_("{where}: {fracture}; a prophylactic fixation is against a fracture to come")
MAYBE_FIXED = N_("{where}: {fixation}; check that it is not the fixation being ordered")
# Its reason and its site say different things (order-sign says it as a side to check when they are two sides of one
# bone: ``render.order_cards``).
REASON_ELSEWHERE = N_("not checked: its reasonReference names {lesion} ({place}), but its bodySite says {site}: which "
                      "it is for is not certain")


# A radiotherapy ordered with a fixation, to start surely before day 15 after it (§1.4): said on its line, the card
# warns (``order_review``).
EARLY_START = N_("{link}; its start ({start}) is before day 15 after the fixation, at the earliest {opens}: check the "
                 "start")


def read_draft_orders(draft_orders: dict[str, Any], terminology: Terminology | None = None,
                      aliases: dict[str, str] | None = None, patient: PatientIdentity | None = None,
                      scored: frozenset[str] = frozenset(),
                      resources: Iterable[dict[str, Any]] = (),
                      others: dict[str, Any] | None = None) -> tuple[list[DraftOrder], list[ReportEntry]]:
    """The recognised orders of a draftOrders Bundle, and a report line for every entry.
    With ``patient``, an order whose subject is not that patient is reported and never checked.
    An order of no recognised code whose reason is one of the ``scored`` Conditions is named with
    attention: it may be a radiotherapy or surgery coded otherwise (a national procedure code), and
    the check did not run on it. A reasonReference by identifier names the one Condition of the
    patient's ``resources`` with that identifier; naming none, the order is named, not checked. ``others``: the
    Conditions sent that are another patient's, with why; an order whose reason is one is not this patient's."""
    others = others or {}
    terms = terminology or load_terminology()
    conditions = {f"Condition/{r['id']}": r for r in resources if r.get("resourceType") == "Condition" and r.get("id")}
    identified = identifier_index(conditions.items())
    aliases = dict(aliases or {})
    entries = [e for e in draft_orders.get("entry") or []
               if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    for entry in entries:
        resource = entry["resource"]
        if isinstance(entry.get("fullUrl"), str) and resource.get("id"):
            aliases.setdefault(entry["fullUrl"], f"{resource.get('resourceType')}/{resource['id']}")
    orders, report = [], []
    for position, entry in enumerate(entries):
        resource = entry["resource"]
        kind_of_resource = resource.get("resourceType")
        ref = f"{kind_of_resource}/{resource['id']}" if resource.get("id") else f"draftOrders.entry[{position}]"
        if kind_of_resource not in _TO_BE_DONE:
            report.append(ReportEntry(ref, "ignored", said("not a ServiceRequest or Procedure")))
            continue
        other = why_not_patient(resource, patient, aliases) if patient else None
        if other:
            report.append(ReportEntry(ref, "ignored", said("not checked, not this patient's order: {why}", why=other),
                                      relevant=True, attention=True,
                                      description=describe_concepts([resource.get("code")])))
            continue
        if resource.get("status") not in _TO_BE_DONE[kind_of_resource]:
            report.append(ReportEntry(ref, "ignored", said("status '{status}': not an order to be done",
                                                                status=resource.get("status"))))
            continue
        if resource.get("doNotPerform") is True:
            report.append(ReportEntry(ref, "ignored", said("doNotPerform: an order not to do it")))
            continue
        code = resource.get("code")
        kinds = frozenset(kind for vs_id, kind in KIND_VALUE_SETS.items() if terms.coding_in(code, vs_id)) or (
            frozenset({"orthopaedic_opinion"}) if any((c.get("system"), c.get("code")) == OPINION
                                                      for c in codings(code)) else frozenset())
        reasons, unresolved = _reasons(resource, aliases, identified)
        # Its reason is a diagnosis of another patient's (picked from the wrong chart?): a wrong-patient order to
        # catch before signing, said with the orders whose subject is another (review 27: it was checked, unflagged).
        elsewhere_patient = next((others[reason] for reason in sorted(reasons) if reason in others), None)
        if elsewhere_patient:
            report.append(ReportEntry(ref, "ignored", said("not checked, not this patient's order: {why}", why=said(
                "its reason is a diagnosis that is not this patient's: {why}", why=elsewhere_patient)),
                relevant=True, attention=True, description=describe_concepts([code])))
            continue
        if not kinds:
            targets = sorted(scored & reasons)
            words = describe_concepts([code])
            report.append(ReportEntry(ref, "ignored", said(
                "not checked: its code '{code}' is in none of the order ValueSets (radiotherapy, prophylactic "
                "fixation, decompressive surgery), though its reason, {targets}, has a score",
                code=words, targets=", ".join(targets)), True, True, words) if targets else ReportEntry(
                ref, "ignored", said("not checked: its code '{code}' is in none of the order ValueSets, though its "
                                     "words name a radiotherapy: check its site and scheme against this patient's "
                                     "cards", code=words[:100]), True, True, words)
                if scored and names_a_course(code, ordered=True) else  # a CPT-coded course (probe 19: no card at all)
                ReportEntry(ref, "ignored", said("code '{code}' is in none of the order ValueSets", code=words)))
            continue
        courses = {course for vs_id, course in COURSE_VALUE_SETS.items() if terms.coding_in(code, vs_id)}
        course = cast(Course, courses.pop()) if len(courses) == 1 else None  # both at once says nothing
        sites = body_sites(resource)
        site = read_site(terms, sites)
        # A site no code here places (words only, "fémur gauche"; a local or unmapped code) says neither a long bone
        # nor the spine: it may be any lesion's, and is checked against each, the card hedged. Missing a "fixation
        # first" is worse than a hedged card on a whole-brain order.
        unread_site = site.given and site.bone is None and not site.not_long_bone and not site.several
        bone, side, has_site = site.bone, site.side, site.given and not unread_site
        if unresolved and not reasons:
            report.append(ReportEntry(ref, "ignored", said(
                "not checked: its reasonReference ({references}) names no Condition of the patient's record",
                references=", ".join(unresolved)), True, True, describe_concepts([code])))
            continue
        elsewhere = _reason_elsewhere(terms, reasons, site, conditions)
        if elsewhere:  # its two ways of saying what it is for disagree: which is meant is not certain
            report.append(ReportEntry(ref, "ignored", Said(REASON_ELSEWHERE, {
                "lesion": elsewhere[0], "place": elsewhere[1], "site": read_place(terms, sites)}),
                True, True, describe_concepts([code])))
            continue
        if site.several and not reasons and bone is None:  # which lesion or compression it is for is not said
            report.append(ReportEntry(ref, "ignored", said(
                "not checked: its bodySite names several sites ('{site}'); a reasonReference naming the Condition "
                "says which it is for", site=site.description), True, True, describe_concepts([code])))
            continue
        compression_code = any(terms.coding_in(c, "spinal-cord-compression")
                               for c in resource.get("reasonCode") or [] if isinstance(c, dict))
        description = describe_concepts([code]) or ref
        reason_codes = "" if compression_code else describe_concepts(
            [c for c in resource.get("reasonCode") or [] if isinstance(c, dict)])
        schemes: tuple[Scheme, ...] = ()
        if "radiotherapy" in kinds:
            schemes, unread = prescribed_schemes(resource)
            # Said where the clinician reads it: a dose not read changes the scheme compared with the guideline's.
            report += [ReportEntry(ref, "ignored", why, True, True, describe_concepts([code])) for why in unread]
            if not schemes:  # said to the integrator only: most orders carry no dose, a card each would be noise
                report.append(ReportEntry(ref, "ignored", said(
                    "no total dose nor number of fractions (extension codexrt-radiotherapy-dose-prescribed-to-volume):"
                    " its scheme is not compared with the guideline's (§2)")))
        titles = () if isinstance(code, dict) and code.get("text") else tuple(
            (locale, title) for locale in LOCALES[1:] if (title := next((listed for c in codings(code) if (
                listed := listed_words(str(c.get("system")), c.get("code"), locale))), None)))
        orders.append(DraftOrder(Order(ref, kinds, course, description, titles=titles), reasons, compression_code,
                                 bone, side,
                                 has_site, reason_codes, schemes, starts_on(resource),
                                 read_place(terms, sites) if sites else None,
                                 (site.description or said("not coded")) if unread_site else "",
                                 dose_words_differ(description, schemes)))
        kinds_said = [ORDER_WORDS[kind] for kind in sorted(kinds)]
        report.append(ReportEntry(ref, "used", said("draft order: {kinds}, {course}", kinds=kinds_said,
                                                    course=ORDER_WORDS[course]) if course else
                                  said("draft order: {kinds}", kinds=kinds_said)))
    return orders, report


def _reason_elsewhere(terms: Terminology, reasons: frozenset[str], site: Any,
                      conditions: dict[str, dict[str, Any]]) -> tuple[str, Place] | None:
    """The Condition an order's reasonReference names whose long bone, or side, its own bodySite contradicts
    (the right femur's lesion, an order for the left femur), with that Condition's place; None when they agree
    or either does not say."""
    if not site.bone:
        return None
    for reason in sorted(reasons):
        sites = body_sites(conditions.get(reason) or {})
        lesion = read_site(terms, sites)
        if lesion.bone and (lesion.bone != site.bone or (lesion.side and site.side and lesion.side != site.side)):
            return reason, lesion.place
    return None


def _reasons(order: dict[str, Any], aliases: dict[str, str],
             identified: dict[tuple[Any, str], list[str]]) -> tuple[frozenset[str], list[str]]:
    """The Conditions an order's reasonReference names, as "Condition/id", and the references by
    identifier that name no one Condition of the record (as written)."""
    reasons, unresolved = set(), []
    for reference in order.get("reasonReference") or []:
        target = local_reference(reference, aliases)
        identifier = reference.get("identifier") if isinstance(reference, dict) else None
        if target is None and isinstance(identifier, dict) and "reference" not in reference:
            found = identified.get((identifier.get("system"), str(identifier.get("value"))), [])
            if len(found) == 1:
                target = found[0]
            else:
                unresolved.append(f"identifier {identifier.get('system') or ''}|{identifier.get('value') or ''}")
        if target and target.startswith("Condition/"):
            reasons.add(target)
    return frozenset(reasons), unresolved


def orders_for(scored: ScoredCondition, drafts: list[DraftOrder], placed: frozenset[str] = frozenset()) -> list[Order]:
    """The draft orders that target this Condition, each with how it was linked. ``placed``: the orders whose words
    place them on a lesion's bone and side (``words_place``), never checked against a lesion of that bone their words
    place on its other side; another order's words may be a slip, and it is checked against each one."""
    applies = APPLIES_TO.get(type(scored), set())  # a score no order kind is about: none
    lesion = isinstance(scored, LesionFacts)
    found = []
    for draft in drafts:
        if not draft.order.kinds & applies or (draft.order.reference in placed and isinstance(scored, LesionFacts)
                                                and _other_side_in_words(draft, scored)):
            continue
        written = side_written(draft.site_words or draft.order.description) if draft.reasons else None
        other_side = bool(lesion and written in (LEFT, RIGHT) and scored.body_site[1] in (LEFT, RIGHT)
                          and written != scored.body_site[1])
        link: Said | None
        if draft.reasons and other_side and scored.condition in draft.reasons:
            # Its words write the other side ("RTE fémur droit" for the left femur's lesion: probe 17): checked,
            # never proposed for withdrawal, and said; words are not read as a side, so which is meant is not known.
            link = said("the order names this diagnosis as its reason, but its words (“{words}”) write the other side: "
                        "check which side it is for", words=(draft.site_words or draft.order.description)[:60])
        elif draft.reasons:
            link = said("the order names this diagnosis as its reason") if scored.condition in draft.reasons else None
        elif lesion and draft.bone and scored.body_site[0] is None:  # its site in words only, or not recorded
            link = _uncoded_lesion_link(draft, scored)
        elif lesion and draft.bone:
            bone, side = scored.body_site
            # A side unstated on either may be the same side: the order is checked, and the link says which.
            same = draft.bone == bone and (draft.side is None or side is None or draft.side == side)
            words = (side_beside_bone(draft.order.description, bone) or side_beside_bone(  # its bodySite's text too
                draft.place.written if draft.place else "", bone)) if same and bone and draft.side is None else None
            written = checked_side(scored.place) if scored.place and scored.place.side_from_text and not side else None
            link = (said("the order's site is the same bone, its side not coded, and its words write the other side: "
                         "check which side it is for")
                    if words in (LEFT, RIGHT) and side in (LEFT, RIGHT) and words != side else  # probe 18
                    said("the order's site is the same bone; the lesion's side is not coded, and its words (“{words}”) "
                         "write the other side: check which side it is for", words=scored.place.written[:60])
                    if scored.place and written in (LEFT, RIGHT) and draft.side in (LEFT, RIGHT) and written !=
                    draft.side else  # probe 29: "fémur D" beside a left femur's order
                    said("the order's site is the same bone and side") if draft.side and side else
                    said("the order's site is the same bone; the order's side is not stated") if side else
                    said("the order's site is the same bone") if not draft.side else
                    said("the order's site is the same bone; the lesion's side is not stated")) if same else None
        elif not lesion and (draft.compression_reason_code or (draft.has_body_site and not draft.bone)):
            link = (said("the order's reason is a spinal cord compression") if draft.compression_reason_code
                    else said("the order's site is not a long bone"))
        elif not draft.names_a_target and draft.site_words:
            link = said("the order's site (“{site}”) is not one the codes place, so it is checked against each one",
                        site=draft.site_words)
        elif not draft.names_a_target and draft.reason_named:
            link = said("the order's reason, {reason}, is no lesion or compression the service scores, so it is "
                        "checked against each one", reason=draft.reason_named)
        elif not draft.names_a_target and draft.reason_codes:
            link = said("the order's reason ('{codes}') does not say which lesion it is for, and it names no lesion or "
                        "site, so it is checked against each one", codes=draft.reason_codes)
        elif not draft.names_a_target and side_written(draft.order.description):  # "Radiothérapie fémur droit 8 Gy"
            link = said("the order names no lesion or reason, and a site only in its words, which are not read as "
                        "one, so it is checked against each one")
        elif not draft.names_a_target:
            link = said("the order names no lesion, reason or site, so it is checked against each one")
        else:
            link = None
        apart = _levels_apart(draft, scored) if link and not lesion else None  # "Laminectomie T12-L1" beside "D8"
        if link and apart:
            link = Said(LEVEL_APART, {"link": link, "ordered": ", ".join(apart[0]), "recorded": ", ".join(apart[1])})
        if link:
            # Proposed for withdrawal on this score only when it surely names this Condition: by its reason, a long
            # bone and side both stated, or a cord compression's reasonCode. A femur with no side may be the other
            # femur's; a spinal bodySite may be another level's (a lumbar laminectomy beside a thoracic compression).
            targeted = (bool(draft.reasons) and not other_side and not apart) or (
                draft.side is not None and scored.body_site[1] is not None if lesion else
                draft.compression_reason_code and not apart)
            found.append(Order(draft.order.reference, draft.order.kinds & applies, draft.order.course,
                               draft.order.description, link, targeted=targeted, titles=draft.order.titles,
                               start=draft.start.text[:10] if draft.start else "",
                               # (its name writing another dose, which is meant is not known: review 35)
                               single_fraction=bool(draft.schemes) and not draft.dose_words_differ and all(
                                   scheme.fractions == 1 for scheme in draft.schemes)))
    return found


def words_place(draft: DraftOrder) -> tuple[str, str] | None:
    """The one long bone and the side an order naming no lesion, reason or coded site writes ("Enclouage fémur
    gauche"), else None."""
    if draft.names_a_target:
        return None
    text = draft.site_words or draft.order.description
    bone = one_long_bone(text)
    side = side_beside_bone(text, bone) if bone else None
    return (bone, side) if bone and side in (LEFT, RIGHT) else None


def _other_side_in_words(draft: DraftOrder, scored: LesionFacts) -> bool:
    """Whether an order placed by its words only names this lesion's bone on the other side, as its code or its own
    words place it (review 34: "Enclouage fémur gauche" headed by the right femur's card, "if the order is for it")."""
    ordered = words_place(draft)
    bone, side = lesion_place(scored)
    return ordered is not None and bone == ordered[0] and side in (LEFT, RIGHT) and side != ordered[1]


def lesion_place(scored: LesionFacts) -> tuple[str | None, str | None]:
    """A lesion's long bone and side, by its codes, else by its bodySite's words."""
    return scored.body_site if scored.body_site[0] else bone_and_side(scored.place)


def _uncoded_lesion_link(draft: DraftOrder, scored: ScoredCondition) -> Said | None:
    """How an order placed by its codes (a bone, perhaps a side) may be for a lesion whose site no code gives: its
    words name the same bone on no other side, or no bone at all (review 34: "not checked: its site is left femur,
    where no lesion with a score is recorded", beside a lesion written "fémur gauche"). Never surely its: checked, not
    proposed for withdrawal."""
    words = (scored.place.written or scored.place.record_words) if scored.place else ""
    if not words:
        return said("the lesion's site is not recorded: check the order is for it")
    bone = one_long_bone(words)
    if bone is None:
        return said("the lesion's site is written only (“{words}”), not read as a bone: check the order is for it",
                    words=words[:60])
    side = side_beside_bone(words, bone, next_to=True)
    if bone != draft.bone or (draft.side in (LEFT, RIGHT) and side in (LEFT, RIGHT) and side != draft.side):
        return None  # its words name another bone, or the other side
    return said("the lesion's site is written only (“{words}”), the same bone and side as the order's: check the order "
                "is for it", words=words[:60]) if side and side == draft.side else said(
        "the lesion's site is written only (“{words}”), the same bone as the order's: check the order is for it",
        words=words[:60])


def for_the_scores(drafts: list[DraftOrder], targets: Iterable[str], known: Iterable[str]) -> list[DraftOrder]:
    """The orders as the scores read them: one whose reasons name no lesion or compression (``targets``: the primary
    cancer, a Condition not in the record, ``known`` holding the record's: probe 24 o16, x01) is matched by its site,
    else checked against each one, as if it named no reason (it escaped the Mirels check)."""
    targets, known = frozenset(targets), frozenset(known)
    return [msgspec.structs.replace(draft, reasons=frozenset(), reason_named=next(
        (ref for ref in sorted(draft.reasons) if ref in known), said("a diagnosis not in the record")))
        if draft.reasons and not draft.reasons & targets else draft for draft in drafts]


def _levels_apart(draft: DraftOrder, scored: ScoredCondition) -> tuple[list[str], list[str]] | None:
    """The vertebral levels an order's words name and those of the compression's record, where both name some and
    none is shared (probe 24 o17, o18: a laminectomy "T12-L1", a radiotherapy "D7", beside a compression "D8")."""
    ordered = levels_named(f"{draft.order.description} {draft.site_words} {draft.place.written if draft.place else ''}")
    place = scored.place
    recorded = levels_named(f"{scored.description} {place.record_words or ''} {place.written or ''}" if place else
                            scored.description)
    return (ordered, recorded) if ordered and recorded and not set(ordered) & set(recorded) else None
