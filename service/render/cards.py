"""Assessments -> CDS Hooks 2.0 cards.

One card per determined score (indicator by risk: low info, moderate warning,
high critical), whose suggestion creates the score Observation, the
RiskAssessment and the CarePlan. Missing data gets its own card: what is
missing, which resource would supply it, and the range of totals.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from .. import __version__
from ..facts import ReportEntry
from ..facts.evidence import CONFLICT
from ..facts.terminology import own_coding
from ..i18n import N_, Words, joined, translate
from .fhir_resources import Assessment, by_identifier
from .words import item_label, item_value

SUMMARY_LIMIT = 140
INDICATOR = {"low": "info", "moderate": "warning", "high": "critical"}

# Interface words (not clinical content, which comes from seeds/); French in the catalogue (i18n).
WORDS = Words({
    "item": N_("Item"), "value": N_("Value"), "points": N_("Points"), "from": N_("FHIR source"), "total": N_("Total"),
    "missing": N_("missing"), "missing_title": N_("data missing"), "supplied_by": N_("Would be supplied by"),
    "range": N_("Possible totals"), "undetermined": N_("category undetermined until the missing items are known"),
    "determined": N_("every completion gives"), "caveats": N_("Caveats"), "source": N_("Source"),
    "record": N_("Record the assessment and the proposed care plan"), "flags": N_("Flags"),
    "conflict": N_("Conflicts"), "uncertain": N_("uncertain"), "conflicting": N_("conflicting data"),
    "conflict_settled": N_("conflicting records, the latest used"), "context": N_("Context, not scored"),
    "review_title": N_("Data not used by the scores"), "review_attention": N_("check: data not used"),
    "review_intro": N_("These resources look relevant but no score used them:"), "as_of": N_("Assessed as of"),
    "condition": N_("Condition"), "more": N_("more")
})

# Reasons a clinician may give for not following a card (CDS Hooks overrideReasons), in the
# project's CodeSystem, with its displays.
OVERRIDE_REASONS = ("override-clinical-judgement", "override-data-incorrect", "override-already-addressed")


def override_reasons(locale: str) -> list[dict[str, str]]:
    return [own_coding(code, locale) for code in OVERRIDE_REASONS]


def fit_summary(text: str) -> str:
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1].rstrip() + "…"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def detail_markdown(assessment: Assessment, words: dict[str, str]) -> str:
    score, facts = assessment.score, assessment.facts
    locale = score.locale
    lines = [f"**{score.title}** — {facts.description}", "",
             f"| {words['item']} | {words['value']} | {words['points']} | {words['from']} |", "|---|---|---|---|"]
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
        sources = ", ".join(fact.sources) or "–"
        lines.append(f"| {_cell(item.label)} | {_cell(value)} | {points} | {_cell(sources)} |")
    total = str(score.total) if score.total is not None else f"{score.total_min}–{score.total_max}"
    lines += ["", f"**{words['total']}: {total}**" + (f" — {score.category_label}" if score.category else ""), ""]
    if score.recommendation:
        lines += [score.recommendation, ""]
    notes = [translate(note, locale) for fact in facts.facts.values() for note in fact.notes]
    flags = sorted({f"{item_label(score, fact.item, locale)}: {translate(flag, locale)}"
                    for fact in facts.facts.values() for flag in fact.flags}
                   | {f"{words['condition']}: {translate(flag, locale)}" for flag in facts.condition_flags})
    if flags:
        lines += [f"{words['flags']}: " + "; ".join(flags), ""]
    if notes:
        lines += [f"- {note}" for note in notes] + [""]
    if score.caveats:
        lines += [f"**{words['caveats']}**"] + [f"- {caveat.text}" for caveat in score.caveats] + [""]
    if assessment.context:
        lines += [f"**{words['context']}**"] + [f"- {e.resource}: {translate(e.reason, locale)}"
                                                for e in assessment.context] + [""]
    if assessment.as_of:
        lines.append(f"{words['as_of']} {assessment.as_of.isoformat()}.")
    lines.append(f"{words['source']}: {score.citation}")
    return "\n".join(lines)


def _conflict_words(assessment: Assessment, words: dict[str, str]) -> str:
    """What the summary must say of conflicting data, so that no one misses it."""
    conflicted = [f for f in assessment.facts.facts.values() if CONFLICT in f.flags]
    if not conflicted:
        return ""
    uncertain = any(assessment.score.item(f.item).status == "uncertain" for f in conflicted
                    if f.item in {i.name for i in assessment.score.items})
    return f" — {words['conflicting'] if uncertain else words['conflict_settled']}"


def card_source(assessment: Assessment) -> dict[str, Any]:
    score = assessment.score
    source = {"label": f"bonemet-cds {__version__} — {score.title}",  # a stored card traces to a version
              "topic": own_coding(score.calculator, score.locale)}
    if score.citation_url:
        source["url"] = score.citation_url  # the table's primary article, where its DOI was checked
    return source


def _suggestion(assessment: Assessment, words: dict[str, str]) -> dict[str, Any]:
    """Create the assessment's resources. They cite one another by identifier, which survives the
    EHR giving them ids of its own; accepting twice gives the same identifiers, never a second assessment."""
    actions = [{"type": "create", "description": f"{r['resourceType']} ({assessment.score.title})", "resource": r}
               for r in by_identifier(assessment.resources)]
    return {"label": words["record"], "uuid": str(uuid.uuid4()), "isRecommended": False, "actions": actions}


def score_card(assessment: Assessment) -> dict[str, Any]:
    score = assessment.score
    words = WORDS[score.locale]
    total = str(score.total) if score.total is not None else f"{score.total_min}–{score.total_max}"
    summary = (f"{score.title.split(':')[0].strip()} {total} ({assessment.facts.description}): "
               f"{score.category_label}{_conflict_words(assessment, words)}")
    return {
        "uuid": str(uuid.uuid4()),
        "summary": fit_summary(summary),
        "detail": detail_markdown(assessment, words),
        "indicator": INDICATOR[score.risk or "low"],  # a score card has a category, hence a risk
        "source": card_source(assessment),
        "suggestions": [_suggestion(assessment, words)],
        "selectionBehavior": "at-most-one",
        "overrideReasons": override_reasons(score.locale),
    }


def missing_data_card(assessment: Assessment) -> dict[str, Any]:
    """Items missing or uncertain, what would supply them, and the range of totals."""
    score, facts = assessment.score, assessment.facts
    words = WORDS[score.locale]
    missing = [item for item in score.items if item.status != "known"]
    names = ", ".join(item.label for item in missing)
    lines = [f"**{score.title}** — {facts.description}", ""]
    for item in missing:
        fact = facts.facts[item.name]
        reason = translate(joined(fact.notes), score.locale)
        status = words["missing"] if item.status == "missing" else words["uncertain"]
        supplier = translate(fact.supplied_by, score.locale) if fact.supplied_by else "–"
        lines.append(f"- **{item.label}** ({status}): {words['supplied_by']}: {supplier}"
                     + (f" ({reason})" if reason else ""))
    lines += ["", f"{words['range']}: {score.total_min}–{score.total_max}; "
              + (f"{words['determined']} {score.category_label}" if score.category else words["undetermined"]), "",
              detail_markdown(assessment, words)]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": fit_summary(f"{score.title.split(':')[0].strip()} ({facts.description}): {words['missing_title']}"
                               f"{_conflict_words(assessment, words)}: {names}"),
        "detail": "\n".join(lines),
        "indicator": "warning" if score.category is None else "info",
        "source": card_source(assessment),
    }


def cards_for(assessment: Assessment) -> list[dict[str, Any]]:
    cards = []
    if assessment.score.category is not None:
        cards.append(score_card(assessment))
    if assessment.score.missing or assessment.score.category is None:
        cards.append(missing_data_card(assessment))
    return cards


REVIEW_SHOWN = 30


def review_card(entries: list[ReportEntry], locale: str, as_of: date | None = None) -> dict[str, Any]:
    """Relevant resources no score used, each with why: "no card" must only mean "nothing to score".
    A warning when not using one may hide or change a score (``attention``), else information."""
    words = WORDS[locale]
    attention = any(entry.attention for entry in entries)
    lines = [words["review_intro"], ""]
    for entry in entries[:REVIEW_SHOWN]:
        what = f" ({_cell(entry.description)})" if entry.description else ""
        lines.append(f"- {'**' if entry.attention else ''}{entry.resource}{'**' if entry.attention else ''}"
                     f"{what}: {translate(entry.reason, locale)}")
    if len(entries) > REVIEW_SHOWN:
        lines.append(f"- … {len(entries) - REVIEW_SHOWN} {words['more']}")
    if as_of:
        lines += ["", f"{words['as_of']} {as_of.isoformat()}."]
    title = words["review_attention"] if attention else words["review_title"]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": fit_summary(f"bonemet-cds: {title} ({len(entries)})"),
        "detail": "\n".join(lines),
        "indicator": "warning" if attention else "info",
        "source": {"label": f"bonemet-cds {__version__}", "topic": own_coding("data-review", locale)},
    }
