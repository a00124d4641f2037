"""Assessments -> CDS Hooks 2.0 cards, written for the clinician who reads them.

``cards_for_patient`` assembles every card of one patient, once, for every door (CDS Hooks, the
tester's page):

* a score card per determined score: the summary says where (side first), the score and what to do;
  indicator by risk (low info, moderate warning, high critical); its suggestion creates the score
  Observation, the RiskAssessment and the CarePlan;
* a missing-data card per score with items missing or uncertain: which, and the range of totals;
* a card per lesion whose bone has broken (a fracture of the same bone and side): Mirels
  no longer applies, and no prophylactic fixation;
* a warning card naming the resources that could change a score or a decision but were not used
  (``ReportEntry.attention``). The others are for integrators: the mapping report of the pages and the
  OperationOutcome list them.

A card speaks of resources by their words and dates (``PatientFacts.labels``), never by FHIR id, and
carries no URL but its links and ``source.url``: codes, canonicals and resource-shape advice belong to
the mapping report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from typing import Literal

from msgspec.structs import replace

from .. import __version__
from ..facts import PatientFacts, ReportEntry
from ..facts.terminology import in_reader_words
from ..i18n import joined, typeset
from .advice import Advised, advice_card, of_another_bone, pain_card, pain_not_given, said_on_score_card
from .broken_cards import broken_bone_card
from .card_model import Action, Card, Source, Suggestion
from .card_text import (
    after_check_first,
    check_first_line,
    first_fit,
    fit_summary,
    namer,
    override_reasons,
    place_clauses,
    place_summary,
    plain,
    said_to_clinician,
    short_title,
    topic,
    where_of,
)
from .card_words import SHORT_ITEMS, WORDS
from .fhir_resources import Assessment, by_identifier, operated_action, recommendation
from .same_bone import same_bone_lines
from .summary_words import conflict_words, first_words, oldest_words, unknown_words
from .unrecorded import nothing_recorded, unrecorded_cards
from .uuids import random_uuid
from .words import item_label, item_value

Indicator = Literal["info", "warning", "critical"]
INDICATOR: dict[str, Indicator] = {"low": "info", "moderate": "warning", "high": "critical"}

def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def detail_markdown(assessment: Assessment, words: dict[str, str], name: Callable[[str], str],
                    unknown: list[str] | None = None, check_first: bool = True) -> str:
    """The score's table and what it rests on; ``unknown``: the items still missing, said before it (the "Check
    first" line too, unless the card has said it already: ``check_first``)."""
    score, facts = assessment.score, assessment.facts
    locale = score.locale
    lines = [f"**{short_title(assessment)}** — {plain(where_of(assessment))}", ""]
    first = facts.said_first
    lines += [check_first_line(facts, locale, words, name), ""] if check_first and first else []  # before all else
    if unknown:
        lines += [*unknown, ""]
    lines += [f"| {words['item']} | {words['value']} | {words['points']} | {words['recorded']} |", "|---|---|---|---|"]
    for item in score.items:
        fact = facts.facts[item.name]
        value = item_value(item, fact, locale)
        if item.status == "missing":
            value, points = f"_{words['missing']}_", "–"
        elif item.status == "uncertain":
            value = f"{value} ({words['uncertain']})"
            points = f"{item.possible_points[0]}–{item.possible_points[-1]}"
        else:
            points = str(item.points)
        lines.append(f"| {_cell(item.label)} | {_cell(value)} | {points} | {_cell(fact.recorded[:10] or '–')} |")
    lines += ["", f"**{words['total']}{words['colon']} {assessment.score.total_text}**"
              + (f" — {score.category_label}" if score.category else ""), ""]
    advice = recommendation(score, facts)
    if advice:
        lines += [advice, ""]
    above = {item.name for item in score.items if item.status != "known"} if unknown else set()  # said at the top
    notes = [name(said_to_clinician(note, locale)) for fact in facts.facts.values() if fact.item not in above
             for note in fact.notes]
    # The Condition's flags once (an item read from the Condition carries them too), those said first left out.
    flags = sorted({f"{item_label(score, fact.item, locale)}: {name(said_to_clinician(flag, locale))}"
                    for fact in facts.facts.values() for flag in fact.flags if flag not in facts.condition_flags}
                   # The scored Condition's own flags with no label: they are its status, its radiotherapy, its
                   # operations ("Diagnosis:" read wrong before "a radiotherapy of it is recorded in progress").
                   | {name(said_to_clinician(flag, locale)) for flag in facts.condition_flags if flag not in first})
    if flags:
        lines += [f"{words['flags']}{words['colon']} " + "; ".join(flags), ""]
    if notes:
        lines += [f"- {note}" for note in notes] + [""]
    if score.caveats:
        lines += [f"**{words['caveats']}**"] + [f"- {caveat.text}" for caveat in score.caveats] + [""]
    said_above = "\n".join(notes + (unknown or []))  # a context record a note names already is said once
    whys = [(name(said_to_clinician(e.reason, locale)), name(e.resource)) for e in assessment.context]
    context = [f"- {label}: {why}" for why, label in whys if why not in said_above and label not in said_above]
    if context:
        lines += [f"**{words['context']}**", *context, ""]
    if assessment.as_of:
        lines.append(f"{words['as_of']} {assessment.as_of.isoformat()}.")
    lines.append(f"{words['source']}{words['colon']} {score.reference}")
    return "\n".join(lines)


def card_source(assessment: Assessment) -> Source:
    score = assessment.score
    source: Source = {"label": f"bonemet-cds {__version__} — {score.title}",  # a stored card traces to a version
                      "topic": topic(score.calculator, score.locale)}
    if score.citation_url:
        source["url"] = score.citation_url  # the table's primary article, where its DOI was checked
    return source


def _suggestion(assessment: Assessment, words: dict[str, str]) -> Suggestion:
    """Create the assessment's resources. They cite one another by identifier, which survives the
    EHR giving them ids of its own; accepting twice gives the same identifiers, never a second assessment."""
    title = assessment.score.title
    actions: list[Action] = [{"type": "create", "description": words[f"create_{r['resourceType']}"].format(title=title),
                              "resource": r} for r in by_identifier(assessment.resources)]
    label = words["record"] if assessment.care_plan else words["record_score"]  # none after an operation of it
    return {"label": label, "uuid": random_uuid(), "isRecommended": False, "actions": actions}


def score_card(assessment: Assessment, name: Callable[[str], str] = str, unknown: list[str] | None = None) -> Card:
    """Action first: "Left femur, Mirels score 11: surgical fixation opinion before radiotherapy"."""
    score = assessment.score
    words = WORDS[score.locale]
    # A fracture that may be this bone's comes before the action it may make moot: a long summary is cut at its end.
    missing = unknown_words(assessment, words)
    oldest = oldest_words(assessment, words)
    # An old or undated record a score rests on is said as surely as what is missing: the place gives way first (the
    # French summary, longer, dropped "(visceral status of 2026-09-18)" where the English kept it).
    head = f"{short_title(assessment, True)} {assessment.score.total_text}{words['colon']} " + first_words(
        assessment, words)
    # An action of two clauses keeps its first where the whole would push out what is missing, old or conflicting
    # ("radiotherapy; no significant benefit of…": probe 26); the detail says it whole.
    # After an operation of it, the table's own words for then (Rades: radiotherapy after it), never the group's.
    operated = operated_action(score, assessment.facts)
    actions = (operated,) if operated else (score.action or "", *([score.short_action] if score.short_action else []))
    # The action is never cut for the tail: the tail's words give way first, then its list becomes a count
    # (« avis chirurgical de… (taille de la lésion du 12/11/2026) »: review 16); a conflict is never cut, and gives way
    # whole only where the action would not fit beside it (the detail says it).
    short = oldest_words(assessment, words, True)
    conflicts = dict.fromkeys(conflict_words(assessment, words, level) for level in (2, 1, 0))
    counted = unknown_words(assessment, words, True)
    # What is missing named, the whole action (the old record's item before it), then its first clause; then counted.
    tried = [(conflict + tail, action) for conflict in conflicts for group in (
        (oldest + missing, short + missing), (short + counted, counted)) for action in actions for tail in group] + [
        (counted, action) for action in actions]  # the action whole before a conflict the detail says (probe 23 t15)
    summary = first_fit(assessment, [(f"{head}{action}", tail) for tail, action in tried])
    detail = detail_markdown(assessment, words, name, unknown)
    if oldest and oldest not in summary and short not in summary:  # no room for the old record's date: said first
        detail = f"**{words['rests_on']}{words['colon']}** {oldest.strip(' ()')}\n\n{detail}"
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(summary),
        "detail": detail,
        # A score card has a category, hence a risk; a status changed since the moment it describes warns, whatever
        # its category (probe 28: "excellent result without surgery", info, beside a paraplegia since radiotherapy).
        "indicator": "warning" if assessment.facts.status_since and score.risk == "low" else INDICATOR[
            score.risk or "low"],
        "source": card_source(assessment),
        "suggestions": [_suggestion(assessment, words)],
        "selectionBehavior": "at-most-one",
        "overrideReasons": override_reasons(score.locale),
    }


def missing_data_card(assessment: Assessment, name: Callable[[str], str] = str) -> Card:
    """Items missing or uncertain, why, and the range of totals (what would supply them is in the mapping
    report, for the integrator)."""
    score = assessment.score
    words = WORDS[score.locale]
    short = SHORT_ITEMS[score.locale]  # the summary has 140 characters: "motor status", not the table's row
    # Missing and uncertain apart: a site known to be the femur or the lower limb is not "missing".
    missing, uncertain = ([short.get(item.name, item.label) for item in score.items if item.status == status]
                          for status in ("missing", "uncertain"))
    then = (f"; {words['uncertain']}{words['colon']} " if missing and uncertain else "") + ", ".join(uncertain)
    names = ", ".join(missing) + then
    # Said above the table, under the score's one heading (it was said twice, the missing items' notes again below the
    # table: probe 29); "Check first" before all else, as on a score card.
    unknown = [*_unknown_lines(assessment, name), "", f"{words['range']}{words['colon']} {score.total_range}; "
               + (f"{words['determined']} {score.category_label}" if score.category else words["undetermined"])
               + (f"; {words['every_category']}{words['colon']} {score.common_action}" if score.common_action else "")]
    state = (f"{words['determined']} {score.category_label}" if score.category else
             words["missing_title"] if missing else words["uncertain_title"])
    # (Rades's "radiotherapy (§1.3)" whatever an operation: §1.3 is radiotherapy alone or adjuvant after neurosurgery.)
    if score.common_action:  # every possible category gives it: the action first, as a score card's
        state = f"{score.common_action}, {state}"
    head, conflict = (f"{short_title(assessment, True)} {score.total_range}{words['colon']} "
                      f"{first_words(assessment, words)}"), conflict_words(assessment, words)
    rest = f"{head}{state}{conflict}"
    # What to record matters more than "category undetermined", which the range says: those words give way first,
    # then the list becomes its count, and last the action every category shares (the card's detail says it).
    brief = [f"{head}{score.common_action}, {words['missing']}{conflict}"] if score.common_action else []
    shortest = [f"{head}{words['missing']}{conflict}"]
    listed = [names] + ([words["missing_count"].format(count=len(missing)) + then] if len(missing) > 1 else [])
    # Only uncertain: "category undetermined" gives way before the place does (review 31: « Rachis thoracique « … » »).
    uncertain_only = [f"{head}{score.common_action}, {words['uncertain']}{conflict}"] if score.common_action and not (
        score.category or missing) else []
    groups = [[(state, names_) for names_ in listed for state in [rest, *uncertain_only]]] if score.category or \
        not missing else [
        [(state, names_) for names_ in listed for state in group] for group in ([rest, *brief], shortest)]
    tries = [candidate for group in groups for candidate in group]
    # The first whose list is whole ("manquant : 2 éléments ; incertain : niveau"), else whose head is (review 20);
    # within those that keep the action, the place's first clause whole first, as ``first_fit`` (review 31: the
    # action was lost for « (« T6 » dans le dossier) »).
    head_kept: tuple[str, str] | None = None
    chosen: tuple[str, str] | None = None
    kept = place_clauses(assessment)
    for group in groups:
        for required in ([kept] if kept else []) + [()]:
            for rest, names_ in group:
                summary = place_summary(assessment, rest, f"{words['colon']} {names_}")
                whole = not required or any(clause in summary for clause in required)
                if rest in summary and names_ in summary and whole:
                    chosen = rest, summary
                    break
                head_kept = head_kept or ((rest, summary) if rest in summary and whole else None)
            if chosen:
                break
        if chosen:
            break
    rest, summary = chosen or head_kept or (rest, summary)
    if rest not in summary:  # so many items missing that the state would be cut: the list's end gives way instead
        rest = tries[0][0]
        summary = fit_summary(place_summary(assessment, f"{rest}{words['colon']} {names}"))
    return {
        "uuid": random_uuid(),
        "summary": summary,
        "detail": detail_markdown(assessment, words, name, unknown),
        "indicator": "warning" if score.category is None else "info",
        "source": card_source(assessment),
    }


def _unknown_lines(assessment: Assessment, name: Callable[[str], str]) -> list[str]:
    """A line for each item missing or uncertain: why, in the record's terms."""
    score, facts = assessment.score, assessment.facts
    words = WORDS[score.locale]
    lines = []
    for item in score.items:
        if item.status == "known":
            continue
        fact = facts.facts[item.name]
        reason = name(said_to_clinician(joined(fact.notes), score.locale))
        status = words["missing"] if item.status == "missing" else words["uncertain"]
        if not reason and item.status == "uncertain":  # known as a range (a date known to the month, say)
            reason = words["several_values"].format(value=item_value(item, fact, score.locale))
        lines.append(f"- **{item.label}** ({status}){words['colon']} {reason or words['not_recorded']}")
    return lines


def cards_for(assessment: Assessment, name: Callable[[str], str] = str) -> list[Card]:
    """One card per score. A category every completion gives is its score card, the items still unknown said on
    it (a second card repeating the table for a decision they cannot change was noise); else the missing items'."""
    if assessment.score.category is None:
        return [missing_data_card(assessment, name)]
    return [score_card(assessment, name, _unknown_lines(assessment, name))]


REVIEW_SHOWN = 30


def deceased_card(facts: PatientFacts, locale: str) -> Card:
    """The record says the patient has died: cards and one-click orders for fixation, radiotherapy or a tumour board
    would be noise no one can act on (probe 16). Said once, with how to have the cards back if it is wrong."""
    words = WORDS[locale]
    summary = words["deceased_on"].format(date=facts.deceased) if facts.deceased else words["deceased"]
    return {"uuid": random_uuid(), "summary": fit_summary(summary), "detail": words["deceased_detail"],
            "indicator": "info",
            "source": {"label": f"bonemet-cds {__version__}", "topic": topic("data-review", locale)}}


_SCORED_FROM = frozenset({"Condition", "Observation"})  # what every score reads
_THE_EHR = ("prefetch.", "fhirServer")  # what is said of these is the EHR's answer, not a record


def review_card(entries: list[ReportEntry], locale: str, as_of: date | None = None,
                name: Callable[[str], str] = str, labelled: Collection[str] = (),
                places: Mapping[str, str] | None = None) -> Card | None:
    """Records that could change a score or a decision but were not used (``attention``), each with why: a
    warning, so that "no card" only ever means "nothing to score". None when there is none: the others
    (nothing to score with them) are for the mapping report, not for a card nobody can act on. ``places``: where
    each record is (reference -> place), said beside records the card would otherwise name alike."""
    shown = [entry for entry in entries if entry.attention]
    if not shown:
        return None
    words = WORDS[locale]
    lines = [words["review_intro"], ""]
    named = []
    for entry in shown[:REVIEW_SHOWN]:
        what, described = name(entry.resource), ""
        if entry.description and entry.resource not in labelled:  # no label of this record: its own words
            words_of = plain(in_reader_words(entry.description, locale))
            if what == plain(entry.resource):  # not a reference at all (a prefetch key, say)
                described = f" (“{words_of}”)"
            else:  # another patient's, another server's, a draft order: named by its words, never its id
                what = f"“{words_of}”"
        named.append((entry, what, described))
    alike = Counter(what for _, what, _ in named)
    for entry, what, described in named:
        if entry.resource.startswith(_THE_EHR):  # a search the EHR answered in part: its own sentence, no query
            reason = name(said_to_clinician(entry.reason, locale))
            lines.append(f"- {reason[:1].upper()}{reason[1:]}")
            continue
        place = (places or {}).get(entry.resource)
        if alike[what] > 1 and place:  # two records with the same words and date: where tells them apart
            what = f"{what} ({plain(place)})"
        lines.append(f"- **{what}**{described}: {name(said_to_clinician(entry.reason, locale))}")
    if len(shown) > REVIEW_SHOWN:
        lines.append(f"- … {len(shown) - REVIEW_SHOWN} {words['more']}")
    if as_of:
        lines += ["", f"{words['as_of']} {as_of.isoformat()}."]
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(f"{words['review_attention']} ({len(shown)})"),
        "detail": "\n".join(lines),
        "indicator": "warning",
        "source": {"label": f"bonemet-cds {__version__}", "topic": topic("data-review", locale)},
    }


def places_of(facts: PatientFacts, locale: str) -> dict[str, str]:
    """Where each Condition the facts place is, in ``locale``: the lesions scored, broken, fixed, or counted (§1.5)."""
    places = {where.ref: where.words(locale) for situation in facts.situations for where in situation.about
              if where.place is not None}
    places |= {broken.lesion: broken.place.words(locale) for broken in facts.broken if broken.place is not None}
    places |= {fixed.lesion: fixed.place.words(locale) for fixed in facts.fixed if fixed.place is not None}
    places |= {found.condition: found.place.words(locale) for found in facts.scored if found.place is not None}
    return places


def typeset_card(card: Card, locale: str) -> Card:
    """A card's words (summary, detail, suggestion labels, action descriptions, source label) in the typography of
    ``locale``; the resources the suggestions carry are FHIR and keep their plain spaces."""
    card["summary"] = fit_summary(typeset(card["summary"], locale))
    if "detail" in card:
        card["detail"] = typeset(card["detail"], locale)
    card["source"]["label"] = typeset(card["source"]["label"], locale)
    for suggestion in card.get("suggestions", []):
        suggestion["label"] = typeset(suggestion["label"], locale)
        for action in suggestion.get("actions", []):
            action["description"] = typeset(action["description"], locale)
    return card


def cards_for_patient(assessments: list[Assessment], facts: PatientFacts, locale: str,
                      advice: Sequence[Advised] = ()) -> list[tuple[Assessment | None, Card]]:
    """Every card of one patient, each with the assessment it is about (None for the others), in the order
    a clinician reads them: the scores (critical, warning, then info), the broken bones, the guideline's advice,
    then what was not used.
    Advice about a scored lesion (§1.1) is said on that lesion's card (Mirels, SINS): one lesion, one card; §1.1 of
    the other bones no score shows is one card for the patient (``advice.pain_card``)."""
    if facts.deceased is not None:  # no advice for a patient recorded as deceased: one card says why (sources silent),
        # where there would have been any (a chart with no bone metastasis gets none: review 17, alert noise)
        scores = facts.scored or facts.situations or facts.broken or facts.fixed
        return [(None, typeset_card(deceased_card(facts, locale), locale))] if scores else []
    name = namer(facts, locale)
    on_score = {advised.facts.score_of: advised for advised in advice if advised.facts.score_of}
    not_given = pain_not_given(facts, locale, name)  # §1.1 withheld for a complication: said on the score card
    same_bone = same_bone_lines(assessments, locale)  # a lesion of the same bone whose advice differs: named
    cards: list[tuple[Assessment | None, Card]] = []
    # With a search sent in part, or no operations, each card says first what may be missing: none is grouped.
    unrecorded = [assessment for assessment in assessments if nothing_recorded(assessment)
                  and assessment.facts.condition not in on_score and assessment.facts.condition not in not_given
                  ] if not facts.partial and facts.procedures_read else []
    for assessment in assessments:
        if assessment in unrecorded:  # one card for them all, after the scores (probe 20: five SINS 1-18 cards)
            continue
        same = assessment.facts.condition in same_bone  # said first in its summary too (probe 29)
        for card in cards_for(replace(assessment, same_bone=True) if same else assessment, name):
            if assessment.score.calculator == "mirels" and (  # fixed since? not known (review 21: or only in part)
                    unread := "operations_unread" if not facts.procedures_read else "operations_in_part"
                    if "Procedure" in facts.partial else ""):
                card["detail"] = (f"**{WORDS[locale]['check_first']}**{WORDS[locale]['colon']} "
                                  f"{WORDS[locale][unread]}\n\n{card['detail']}")
            if facts.partial & _SCORED_FROM:  # a later status, a fracture, may be in what was not sent (probe 20)
                card["detail"] = (f"**{WORDS[locale]['check_first']}**{WORDS[locale]['colon']} "
                                  f"{WORDS[locale]['sent_in_part']}\n\n{card['detail']}")
            beside = on_score.get(assessment.facts.condition)
            if beside is not None:  # its §1.1 line, and its proposed CarePlan recorded with the score's
                said_on_score_card(card, beside, locale, name)
            elif (why := not_given.get(assessment.facts.condition)) is not None:
                card["detail"] = after_check_first(card["detail"], why, locale)
            if (line := same_bone.get(assessment.facts.condition)) is not None:
                card["detail"] = after_check_first(card["detail"], line, locale)
            cards.append((assessment, card))
    # The most urgent score first (probe 19: a humerus's "observation" before a cord compression's emergency).
    cards.sort(key=lambda pair: {"critical": 0, "warning": 1}.get(pair[1]["indicator"], 2))
    cards += unrecorded_cards(unrecorded, locale, name)
    cards += [(None, broken_bone_card(broken, facts, locale)) for broken in facts.broken]
    cards += [(None, advice_card(advised, facts, locale, name)) for advised in advice
              if not advised.facts.score_of and not of_another_bone(advised.facts)]
    cards += [(None, card) for card in pain_card(advice, facts, locale, name)]  # one for the sites no score shows
    on_a_card = {broken.lesion for broken in facts.broken}  # its own card says why it has no score
    review = review_card([entry for entry in facts.not_used if entry.resource not in on_a_card], locale, facts.as_of,
                         name, facts.labels, places_of(facts, locale))
    if review:
        cards.append((None, review))
    return [(assessment, typeset_card(card, locale)) for assessment, card in cards]


def _why(entry: ReportEntry) -> object:
    """Why an order is another patient's ("belongs to another patient, “p2”"), from its report line."""
    params = getattr(entry.reason, "params", {})
    return params.get("why", entry.reason)


def other_patient_card(entries: list[ReportEntry], locale: str, name: Callable[[str], str],
                       order_words: dict[str, str]) -> Card:
    """Draft orders whose subject is another patient: said first for what they are, a possible wrong-patient order,
    not among the data not used."""
    words, colon = order_words, WORDS[locale]["colon"]
    lines = [f"**{words['other_patient_detail']}**", ""] + [
        f"- “{plain(entry.description)}”{colon} {name(said_to_clinician(_why(entry), locale))}"
        if entry.description else f"- {name(said_to_clinician(_why(entry), locale))}" for entry in entries]
    return {"uuid": random_uuid(), "summary": fit_summary(words["other_patient"].format(count=len(entries))),
            "detail": "\n".join(lines), "indicator": "warning",
            "source": {"label": f"bonemet-cds {__version__}", "topic": topic("data-review", locale)}}
