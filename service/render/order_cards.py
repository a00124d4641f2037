"""Order cross-check findings -> CDS Hooks cards for ``order-sign``. One card per finding: the guideline's advice on
what is ordered, the orders and how each is tied to its lesion or compression, the score with its sources, and what
is missing when the category is not determined."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import __version__
from ..calculators import load_table
from ..calculators.fractionation import SchemeAdvice, fractionation
from ..calculators.order_checks import Finding
from ..calculators.situations import situations
from ..facts import LesionFacts, PatientFacts, ReportEntry
from ..facts.orders import (
    EARLY_START,
    MAYBE_BROKEN,
    MAYBE_FIXED,
    OTHER_PATIENT,
    WHOLE_BONE,
    DraftOrder,
)
from ..facts.place import Place
from ..facts.radiotherapies import IRRADIATED
from ..facts.statuses import LESION_MAY_BE_OVER, LESION_NOT_ACTIVE, NEVER_COUNTS_AS
from ..facts.terminology import own_coding
from ..i18n import Said, typeset
from .card_model import Action, Card, Source, Suggestion
from .card_text import (
    RECORD_WORDS,
    SUMMARY_LIMIT,
    check_first_line,
    said_to_clinician,
    short_title,
    shortened,
    where_of,
)
from .cards import (
    WORDS,
    card_source,
    deceased_card,
    detail_markdown,
    fit_summary,
    namer,
    other_patient_card,
    override_reasons,
    plain,
    review_card,
    topic,
    typeset_card,
)
from .fhir_resources import Assessment, stable_id
from .order_sides import level_card, order_warning, other_side_card, side_conflict_card, sides_disagree
from .order_words import ORDER_WORDS
from .summary_words import first_words
from .uuids import random_uuid

if TYPE_CHECKING:
    from ..order_review import OrderReview, WindowFinding


def order_card(assessment: Assessment, finding: Finding, name: Callable[[str], str], subject: str,
               others: tuple[Assessment, ...] = ()) -> Card:
    """``name``: resource references in words (``cards.namer``): a card names no FHIR id. ``subject``: the
    patient, as a resource the card proposes names it. ``others``: the other scored lesions its orders, not surely
    this one's, were checked against (a femur with no side: the other femur's Mirels 10 beside this one's 5)."""
    score, facts, check = assessment.score, assessment.facts, finding.check
    locale = score.locale
    words, order_words = WORDS[locale], ORDER_WORDS[locale]
    summary = check.summary(locale)
    if not finding.certain:
        summary = f"{order_words['possible']}: {summary}"
    # The bone may be fixed or broken already, the site operated on: the advice may be moot (probe 16). Said first.
    first = check_first_line(facts, locale, words, name)
    if first and (prefix := first_words(assessment, words)):
        own = summary.split(" ", 1)[0] in ("Mirels", "Rades", "SINS")  # a name keeps its capital ("Mirels 8: …")
        said_first = f"{prefix[:1].upper()}{prefix[1:]}{summary if own else summary[:1].lower() + summary[1:]}"
        # Short of room, the check's advice gives way whole (the detail says it), not cut mid-word (review 33:
        # « … — chirurgie de… — rachis thoracique »): what is ordered and the score stay beside what to check.
        summary = said_first if len(typeset(f"{said_first} — {shortened(facts.where(locale), 0)}", locale)) \
            <= SUMMARY_LIMIT or ":" not in said_first[len(prefix):] else said_first[:len(prefix)] + _before_advice(
                said_first[len(prefix):], order_words["possible"])
    lines = [*([first, ""] if first else []), *([f"**{order_words['maybe_other']}**{words['colon']}", *(
        f"- {where_of(other)}, {short_title(other, True)} {other.score.total_text}{words['colon']} "
        f"{other.score.action}" for other in others), ""] if others else []),
        f"**{check.advice(locale)}**", "", f"**{order_words['orders']}**"]
    # Each order with its start when it gives one: "15 days to 3 weeks after surgery" is read against it.
    lines += [f"- {plain(order.title(locale)) or name(order.reference)}"
              + (f" ({order_words['start'].lower()}{WORDS[locale]['colon']} {order.start})" if order.start else "")
              + f": {name(said_to_clinician(order.link, locale))}" for order in finding.orders]
    lines.append("")
    for kind in finding.unsure:  # what the other reading means: a fixation for another lesion leaves RT alone here
        if kind in check.if_not_for_it:
            lines += [check.if_not_for_it[kind](locale), ""]
    if not finding.certain:  # missing and uncertain apart, as the score's own card says them
        unknown = [f"{words[status]}: {', '.join(named)}" for status in ("missing", "uncertain")
                   if (named := [item.label for item in score.items if item.status == status])]
        labels = [c.label(locale) for c in load_table(score.calculator).categories if c.value in check.categories]
        lines += [f"{order_words['possible_detail']} {' / '.join(labels)}. "
                  f"{words['range']}: {score.total_range}; {'; '.join(unknown)}.", ""]
    lines += [detail_markdown(assessment, words, name, check_first=False), "",
              f"{order_words['guideline']}: {check.source(locale)}"]
    card: Card = {
        "uuid": random_uuid(),
        # An order not surely this lesion's (no reason naming it, no side on both) must not read as if it were (the
        # right humerus's radiotherapy charged to the left femur's Mirels 9; a nailing naming no bone).
        "summary": _with_place(summary, facts.where(locale), "" if not finding.unsure else
                               f", {order_words['in_its_volume']}" if all(getattr(order.link, "template", None) ==
                                                                         WHOLE_BONE for order in finding.orders) else
                               f", {order_words['if_fixation_for_it']}" if finding.unsure == ("prophylactic_fixation",)
                               else f", {order_words['if_for_it']}", locale),
        "detail": "\n".join(lines),
        # Where the other reading is what the check warns of (this lesion's radiotherapy alone, Mirels >= 9), a start
        # is before the post-operative window, or a status changed since the score's moment, the card warns.
        "indicator": "warning" if any(kind in check.if_not_for_it for kind in finding.unsure) or any(getattr(
            order.link, "template", None) == EARLY_START for order in finding.orders) or facts.status_since else
        check.indicator,
        "source": card_source(assessment),
        "overrideReasons": override_reasons(locale),
    }
    suggestion = _suggestion(assessment, finding, subject, name) if check.suggestion and finding.certain \
        and not first else None
    if suggestion and suggestion["actions"]:  # none left when the only one was withdrawing an order not surely this
        card["suggestions"] = [suggestion]
        card["selectionBehavior"] = "at-most-one"
    return card


def _suggestion(assessment: Assessment, finding: Finding, subject: str, name: Callable[[str], str]) -> Suggestion:
    """What the check proposes: a ServiceRequest to create (a proposal, for the lesion or compression), and the
    draft orders that triggered it withdrawn (a CDS Hooks delete names one resource: one action per order)."""
    proposal, locale = finding.check.suggestion, assessment.score.locale
    assert proposal is not None
    actions: list[Action] = []
    if proposal.create:
        coding = own_coding(proposal.create, locale)
        key = f"{subject}|{assessment.facts.condition}|{finding.check.id}|{assessment.as_of}"
        request = ORDER_WORDS[locale]["request"].format(what=coding["display"])
        actions.append({"type": "create", "description": request, "resource": {
            "resourceType": "ServiceRequest", "id": stable_id(key, "ServiceRequest"), "language": locale,
            "status": "draft", "intent": "proposal", "code": {"coding": [coding], "text": coding["display"]},
            "subject": {"reference": subject}, "reasonReference": [{"reference": assessment.facts.condition}]}})
    if proposal.delete:
        words = ORDER_WORDS[locale]
        for order in finding.orders:
            # An order that names no target may be for another lesion than this one: it is not proposed for
            # withdrawal on this lesion's score. An order with no id (named by its place in draftOrders) cannot be.
            if order.targeted and "/" in order.reference:
                actions.append({"type": "delete", "resourceId": order.reference, "description": words[
                    "withdraw"].format(order=plain(order.title(locale)) or name(order.reference))})
    # A withdrawal promised only where the suggestion carries one (accepting must not leave a false belief).
    withdraws = any(action["type"] == "delete" for action in actions)
    label = proposal.label if withdraws or proposal.label_without_withdrawal is None else \
        proposal.label_without_withdrawal
    return {"label": label(locale), "uuid": random_uuid(), "isRecommended": False, "actions": actions}


def _source(locale: str, code: str, title: str) -> Source:
    return {"label": f"bonemet-cds {__version__} — {title}", "topic": topic(code, locale)}


_NOT_ACTIVE = frozenset({LESION_NOT_ACTIVE, LESION_MAY_BE_OVER})


def _for_line(draft: DraftOrder, facts: PatientFacts, locale: str, name: Callable[[str], str], target: str) -> str:
    """The detail's "For:" line: the target, and where it is a bone no score reads (a rib), its record as well
    ("left rib — “Métastase 5e côte gauche”, 2026-11-07"): a side alone does not say which rib."""
    unscored = sorted(draft.reasons - {found.condition for found in facts.scored})
    records = "; ".join(name(ref) for ref in unscored if not draft.place and name(ref) != target)  # once, not twice
    states = {getattr(entry.reason, "template", None) for ref in unscored for entry in facts.report
              if entry.resource == ref}  # resolved, in remission (probe 20); refuted or entered in error (probe 25)
    return f"- {ORDER_WORDS[locale]['for']}{WORDS[locale]['colon']} {target}" + (f" — {records}" if records else "") \
        + (f" ({ORDER_WORDS[locale]['never_counts']})" if NEVER_COUNTS_AS in states else
           f" ({ORDER_WORDS[locale]['not_active']})" if states & _NOT_ACTIVE else "")


def _target(draft: DraftOrder, facts: PatientFacts, locale: str, name: Callable[[str], str]) -> str:
    """What an order is for, as the clinician tells two orders apart: its bodySite's place, else the lesions or
    compressions its reasonReference names (their place, else their words)."""
    if draft.place is not None and draft.place.words(locale):
        return plain(draft.place.words(locale))
    places = {found.condition: found.where(locale) for found in facts.scored}
    places.update({fixed.lesion: fixed.place.words(locale) for fixed in facts.fixed if fixed.place})
    places.update({broken.lesion: broken.place.words(locale) for broken in facts.broken if broken.place})
    for situation in facts.situations:  # a rib or a pelvis §1.5 counts: its place, side first, as its card says it
        places.update({where.ref: where.place.words(locale) for where in situation.about
                       if where.place is not None and where.place.words(locale) and where.ref not in places})
    return ", ".join(plain(places[ref]) if ref in places else name(ref) for ref in sorted(draft.reasons))


def scheme_card(draft: DraftOrder, advice: SchemeAdvice, ablative: bool, locale: str,
                name: Callable[[str], str], facts: PatientFacts, after_operation: bool = False) -> Card:
    """§2: the ordered scheme beside the guideline's palliative schemes, in its words; a scheme it does not name
    gets one line saying so, an order that states only half its scheme the half that is missing. ``after_operation``:
    the order follows an operation (§1.4), for which the guideline gives no fractionation: said first."""
    guide, words, colon = fractionation(), ORDER_WORDS[locale], WORDS[locale]["colon"]
    what = plain(draft.order.title(locale)) or name(draft.order.reference)
    target = _target(draft, facts, locale, name)
    lines = [f"**{words['order']}**{colon} {what}", *([_for_line(draft, facts, locale, name, target)] * bool(target))]
    if advice.kind == "missing":
        key = "both" if len(advice.missing) == 2 else advice.missing[0]
        summary = guide.missing(locale).format(missing=guide.missing_words[key](locale))
    elif advice.kind == "not_listed":
        summary = guide.not_listed(locale).format(scheme=advice.ordered.words(locale))
    else:
        assert advice.scheme is not None
        summary = advice.scheme.summary(locale)
        lines += ["", advice.scheme.statement(locale), "", guide.comparison(locale)]
    if advice.kind != "missing":
        lines.insert(2 if target else 1, f"- {words['scheme']}{colon} {advice.ordered.words(locale)}")
    if ablative and advice.kind == "listed":
        lines += ["", guide.ablative(locale)]
    if after_operation and advice.kind != "missing":  # §1.4 "pas de donnée sur le fractionnement" (probe 28)
        lines[3 if target else 2:3 if target else 2] = ["", words["post_operative_scheme"]]
        summary = words["post_operative_summary"].format(scheme=advice.ordered.words(locale))
    given = _irradiated(draft, facts)
    if given:  # said first, in the summary too (probe 16: at the foot of the card, after the trials)
        at = 3 if target else 2
        lines[at:at] = ["", f"**{words['irradiated']}**", *(f"- {name(course)}" for course in given)]
        first = f"{words['irradiated_first']} — {summary[:1].lower()}{summary[1:]}"
        # The site stays: the scheme's comparison gives way to its figures ("8 Gy in 1 fraction"), said below.
        summary = first if not target or advice.kind == "missing" or len(typeset(
            f"{first} — {target.split(', ')[0]}", locale)) <= SUMMARY_LIMIT else \
            f"{words['irradiated_first']}{colon} {advice.ordered.words(locale)}"
    if draft.dose_words_differ:  # its name and its prescription disagree: which is meant comes first (probe 18)
        lines[1:1] = [f"**{WORDS[locale]['check_first']}**{colon} {words['dose_words_detail']}", ""]
        first = words["dose_words_first"]  # the scheme's figures stay, its comparison gives way (in the detail)
        also = f"; {words['irradiated_first'][:1].lower()}{words['irradiated_first'][1:]}" if given else ""
        summary = f"{first[:1].upper()}{first[1:]}{also}" + (  # both said first (review 20); half a scheme: the detail
            f"{colon} {advice.ordered.words(locale)}" if advice.kind != "missing" else "")
    worse = [flag for found in facts.scored if found.condition in draft.reasons for flag in found.status_since]
    if worse:  # a motor status since the last course that may be worse: said first, as on its Rades card (review 33)
        lines[1:1] = [f"**{WORDS[locale]['check_first']}**{colon} "
                      + "; ".join(name(said_to_clinician(flag, locale)) for flag in worse), ""]
        first = WORDS[locale]["status_since"]
        summary = f"{first[:1].upper()}{first[1:]} — {summary[:1].lower()}{summary[1:]}"
    lines += ["", f"{words['guideline']}{colon} {guide.source(locale)}"]
    return {
        "uuid": random_uuid(),
        # Its site where the order or its reason gives one and its first words fit ("— left femur"): two orders'
        # cards read apart; the detail says it whole ("For: …").
        "summary": _with_place(summary, target, "", locale) if target and len(typeset(
            f"{summary} — {RECORD_WORDS.sub('', target.split(', ')[0])}", locale)) <= SUMMARY_LIMIT
        else fit_summary(summary),  # (the record's words give way first: review 34, "— thoracic spine" kept)
        "detail": "\n".join(lines),
        "indicator": "warning" if draft.dose_words_differ or worse else "info",
        "source": _source(locale, "fractionation", own_coding("fractionation", locale)["display"]),
        "overrideReasons": override_reasons(locale),
    }


def _irradiated(draft: DraftOrder, facts: PatientFacts) -> list[str]:
    """The courses already given of what the order surely names (its reason, or a long bone and side): the order
    would irradiate it again (the guideline gives re-irradiation rates, no rule for irradiating again)."""
    return [str(flag.params["course"]) for found in facts.scored if found.condition in draft.reasons or (
        isinstance(found, LesionFacts) and draft.bone and draft.side and found.body_site == (draft.bone, draft.side))
        for flag in found.condition_flags if isinstance(flag, Said) and flag.template in IRRADIATED]


def irradiated_card(draft: DraftOrder, given: list[str], locale: str, name: Callable[[str], str],
                    facts: PatientFacts) -> Card:
    """A radiotherapy order stating no scheme (so no §2 card) for a site already irradiated: said all the same."""
    words, colon = ORDER_WORDS[locale], WORDS[locale]["colon"]
    target = _target(draft, facts, locale, name)
    lines = [f"**{words['order']}**{colon} {plain(draft.order.title(locale)) or name(draft.order.reference)}"]
    lines += ([_for_line(draft, facts, locale, name, target)] if target else []) + [
        "", f"**{words['irradiated']}**"] + [f"- {name(course)}" for course in given]
    summary = words["irradiated_summary"]
    return {
        "uuid": random_uuid(),
        "summary": _with_place(summary, target, "", locale) if target else fit_summary(summary),
        "detail": "\n".join(lines),
        "indicator": "info",
        "source": _source(locale, "fractionation", own_coding("fractionation", locale)["display"]),
        "overrideReasons": override_reasons(locale),
    }


def window_card(found: WindowFinding, locale: str, name: Callable[[str], str]) -> Card:
    """§1.4: a radiotherapy order starting outside the window of the operation it follows (a warning), or giving no
    start (the window, for information); its summary ends with the operated site (probe 26: two femurs fixed)."""
    words, situation, colon = ORDER_WORDS[locale], situations()["post_operative"], WORDS[locale]["colon"]
    opens, closes = found.opens.isoformat(), found.closes.isoformat()
    start = found.order.start
    summary = (words["outside"].format(start=start.text[:10], opens=opens, closes=closes) if start and found.outside
               else words["operated_if"].format(start=start.text[:10], first=found.operated_if[0].isoformat(),
                                                last=found.operated_if[1].isoformat())
               if start and found.operated_if else words["no_start"].format(opens=opens, closes=closes))
    operation = found.operation.about[0] if found.operation.about else None
    lines = [f"**{situation.title(locale)}**", "", situation.statement(locale), "",
             f"- {words['order']}{colon} {plain(found.order.order.title(locale)) or name(found.order.order.reference)}",
             f"- {words['start']}{colon} {start.text[:10] if start else words['not_stated']}",
             f"- {words['operated']}{colon} {name(operation.ref) if operation else ''}",
             f"- {words['window']}{colon} {opens} – {closes}"]
    if start and found.outside and start.earliest > found.closes:
        lines += ["", words["late"]]
    lines += ["", f"{words['guideline']}{colon} {situation.source}"]
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(f"{summary} — {place}" if (room := SUMMARY_LIMIT - len(typeset(f"{summary} — ", locale)))
                               > 11 and (place := shortened(next((text for where in (  # the lesion's, its dates kept
                                   *found.operation.about[1:], *found.operation.about[:1]) if where.place and (
                                   text := where.place.words(locale))), ""), room, room)) else summary),
        "detail": "\n".join(lines),
        "indicator": "warning" if found.outside or found.operated_if else "info",
        "source": _source(locale, "post-operative", situation.title(locale)),
        "overrideReasons": override_reasons(locale),
    }


def moot_card(draft: DraftOrder, why: str, locale: str, name: Callable[[str], str]) -> Card:
    """A prophylactic fixation ordered for a bone that has already broken, may have (a fracture placed by words:
    ``MAYBE_BROKEN``, its lesion scored), been fixed, or may be (``MAYBE_FIXED``): said before it is signed."""
    words, colon, maybe = ORDER_WORDS[locale], WORDS[locale]["colon"], (MAYBE_BROKEN, MAYBE_FIXED)
    said_why = name(said_to_clinician(why, locale))
    what = plain(draft.order.title(locale)) or name(draft.order.reference)
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(words["moot"].format(why=said_why)),
        "detail": "\n".join([f"**{words['order']}**{colon} {what}", "", f"{said_why[:1].upper()}{said_why[1:]}.",
                             *(["", words["moot_detail"]] if getattr(why, "template", None) not in maybe else [])]),
        "indicator": "warning",
        "source": _source(locale, "mirels", load_table("mirels").short_title(locale)),
        "overrideReasons": override_reasons(locale),
    }


def several_courses_card(reason: str, drafts: tuple[DraftOrder, ...], locale: str, name: Callable[[str], str],
                         facts: PatientFacts) -> Card:
    """Several radiotherapy orders naming one diagnosis in one signing ("8 Gy en 1 fraction", "30 Gy/10 fr"...):
    each is checked on its own, and the cards read as if each were the one course; said first, as a warning."""
    words = ORDER_WORDS[locale]
    where = next((plain(place.words(locale)) for ref, place in [  # its site, as its card (or §1.5's) says it
        *((found.condition, found.place) for found in facts.scored),
        *((about.ref, about.place) for situation in facts.situations for about in situation.about)]
        if ref == reason and isinstance(place, Place)), None)
    lines = [words["several_courses_detail"].format(reason=where or name(reason)), "", f"**{words['orders']}**"]
    lines += [f"- {plain(draft.order.title(locale)) or name(draft.order.reference)}" + (
        f" ({', '.join(scheme.words(locale) for scheme in draft.schemes)})" if draft.schemes else "")
        for draft in drafts]  # two orders of one name told apart by their schemes (review 20)
    summary = words["several_courses"].format(count=len(drafts))
    summary = _with_place(summary, where, "", locale) if where else fit_summary(summary)
    return order_warning(summary, lines, locale)


def order_sign_cards(review: OrderReview, facts: PatientFacts, locale: str, subject: str) -> list[Card]:
    """Every card of an order-sign answer: the guideline's advice on each draft order (per score, then the
    post-operative window §1.4, then the scheme §2), then the orders (or records) that could not be checked,
    each with why (``cards.review_card``). ``subject``: the patient, as the proposed resources name it."""
    if facts.deceased is not None:  # as patient-view: one card, no order checked, where any would have been given
        checked = review.findings or review.moot or review.windows or review.schemes or review.other_side or \
            review.several_courses or review.other_level
        return [typeset_card(deceased_card(facts, locale), locale)] if checked else []
    name = namer(facts, locale)
    cards = [other_side_card(draft, recorded, locale, name) for draft, recorded in review.other_side]
    cards += [level_card(linked, locale, name) for linked in review.other_level]
    cards += [several_courses_card(reason, drafts, locale, name, facts) for reason, drafts in review.several_courses]
    cards += [order_card(assessment, finding, name, subject, tuple({id(a): a for order in finding.orders
                                                                   if not order.targeted for a in
                                                                   review.unsure.get(order.reference, ())
                                                                   if a is not assessment}.values()))
              for assessment, finding in review.findings]
    cards += [moot_card(draft, why, locale, name) for draft, why in review.moot]
    cards += [window_card(found, locale, name) for found in review.windows]
    cards += [scheme_card(draft, advice, review.ablative, locale, name, facts,
                          draft.order.reference in review.after_operation) for draft, advice in review.schemes]
    cards += [irradiated_card(draft, given, locale, name, facts) for draft in review.without_scheme
              if (given := _irradiated(draft, facts))]
    sides = [entry for entry in review.report if sides_disagree(entry)]
    cards[:0] = [side_conflict_card(entry, locale, name) for entry in sides]
    other = [entry for entry in review.report if getattr(entry.reason, "template", None) == OTHER_PATIENT]
    if other:
        cards.append(other_patient_card(other, locale, name, ORDER_WORDS[locale]))
    not_checked: list[ReportEntry] = [entry for entry in review.report if entry not in other and entry not in sides]
    review_said = review_card(not_checked, locale, facts.as_of, name)
    return [typeset_card(card, locale) for card in (cards + [review_said] if review_said else cards)]


def _before_advice(check: str, possible: str) -> str:
    """A check's summary up to its advice ("radiotherapy alone ordered, Mirels ≥ 9"), past a "possible:" that opens it
    (review 34: "— possible —" alone)."""
    head, _, rest = check.partition(":")
    if head.strip().lower() == possible.lower() and ":" in rest:
        return f"{head}:{rest.partition(':')[0]}".rstrip(" \u202f")
    return head.rstrip(" \u202f")


def _with_place(summary: str, where: str, after: str, locale: str) -> str:
    """The advice, then the place, then what follows it (never cut: a hedge): the place gives way by whole clauses
    where all would not fit ("fémur gauche" of "fémur gauche, diaphyse fémorale"); the detail says it whole. Measured
    as French typography sets it, which lengthens it."""
    least = shortened(where, 0)  # its first clause: the side and the bone, or the level
    room = SUMMARY_LIMIT - len(typeset(f"{summary} — {after}", locale))
    if room < len(least) and summary.endswith(")") and " (" in summary:
        summary = summary[: summary.rfind(" (")]  # the advice's own aside goes before the place (the detail says it)
        room = SUMMARY_LIMIT - len(typeset(f"{summary} — {after}", locale))
    if room < len(least) and len(bare := RECORD_WORDS.sub("", least)) <= room:  # the record's words ("(“D7” in the
        least = where = bare  # record)") give way before the advice is cut: the detail says them (review 33)
    if room < len(least):  # the advice is cut, never the place away (probe 24: "— spinal cord…")
        keep = f" — {least}{after}"
        return fit_summary(summary, keep, SUMMARY_LIMIT - (len(typeset(summary + keep, locale)) - len(summary + keep)))
    text = f"{summary} — {shortened(where, room)}"
    return fit_summary(text, after, SUMMARY_LIMIT - (len(typeset(text + after, locale)) - len(text + after)))
