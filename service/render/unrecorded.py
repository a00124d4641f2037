"""Scores the record gives nothing for: one card per calculator, not one per lesion.

Five vertebrae with no SINS item recorded were five cards reading "SINS 1–18: category undetermined, missing: 5
items", and two diagnoses of one vertebra written "T8" and "D8" two such cards (probe 20, n02): cards nobody can act
on, one by one. Where every item an Observation gives is missing and nothing is said of any (no record set aside, no
flag, no operation, no context), the lesions are named together on one card that says what to record. A score with
anything to check keeps its own card; each keeps its RiskAssessment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import __version__
from ..calculators.registry import calculator
from ..i18n import N_, Words, typeset
from .card_model import Card
from .card_text import SUMMARY_LIMIT, fit_summary, plain, said_to_clinician, short_title, shortened, topic, where_of
from .card_words import WORDS as CARD_WORDS
from .fhir_resources import Assessment
from .uuids import random_uuid

_GROUPED = ("mirels", "sins")  # Rades is an emergency's score: its card always stands alone

WORDS = Words({
    "summary": N_("{title}: no item recorded for {count} lesions; record their items to score each"),
    "summary_one": N_("{where}, {title}: no item recorded; record its items to score it"),
    # Words a diagnosis writes ("métastase lytique") are not read as an item: "no record gives" would be untrue.
    "intro": N_("None of these items is recorded as an observation for the lesions below (a diagnosis's words are "
                "not read as one): the score cannot guide a decision yet. Record them (imaging, pain) to have each "
                "lesion scored."),
    "items": N_("Items not recorded"), "lesions": N_("Lesions"), "range": N_("possible totals {range}"),
})


def _observed(name: str) -> frozenset[str]:
    return frozenset(item.name for item in calculator(name).table.items if item.observed)


def nothing_recorded(assessment: Assessment) -> bool:
    """Whether a score's card would only say that nothing is recorded: undetermined, every item an Observation
    gives missing with nothing said of it, and nothing else to check on its diagnosis."""
    score, facts = assessment.score, assessment.facts
    if score.calculator not in _GROUPED or score.category is not None or score.common_action or assessment.context:
        return False
    if (facts.condition_flags or facts.fractures_to_check or facts.fixations_to_check or facts.operations_to_check
            or facts.operations_before or facts.alternatives):
        return False
    observed = _observed(score.calculator)
    return all(item.status == "missing" and not facts.facts[item.name].notes and not facts.facts[item.name].flags
               for item in score.items if item.name in observed)


def unrecorded_cards(assessments: Sequence[Assessment], locale: str, name: Callable[[str], str],
                     ) -> list[tuple[Assessment, Card]]:
    """One card per calculator for the scores ``nothing_recorded`` holds of, each with the first of its scores: the
    door links it to the assessment page, where every lesion's items can be completed."""
    cards = []
    for calculator_name in _GROUPED:
        group = [assessment for assessment in assessments if assessment.score.calculator == calculator_name]
        if group:
            cards.append((group[0], _card(group, locale, name)))
    return cards


def _card(group: list[Assessment], locale: str, name: Callable[[str], str]) -> Card:
    words, first = WORDS[locale], group[0].score
    observed = _observed(first.calculator)
    lines = [f"**{first.short_title}**", "", words["intro"], "", f"**{words['lesions']}**"]
    for assessment in group:
        # What the diagnosis itself leaves open (a level its code does not give), said beside its place.
        open_items = [note for item in assessment.score.items if item.name not in observed
                      for note in assessment.facts.facts[item.name].notes]
        said = f"{where_of(assessment)} ({words['range'].format(range=assessment.score.total_range)})"
        lines.append(f"- {plain(said)}" + (
            f": {plain(name(said_to_clinician(open_items[0], locale)))}" if open_items else ""))
    lines += ["", f"**{words['items']}**", *(f"- {item.label}" for item in first.items if item.name in observed)]
    if group[0].as_of:
        lines += ["", f"{CARD_WORDS[locale]['as_of']} {group[0].as_of.isoformat()}."]
    if len(group) > 1:
        summary = words["summary"].format(title=first.short_title, count=len(group))
    else:  # the place in the record's words, else as coded, else cut to the room left: the action stays whole
        rest = words["summary_one"].format(title=short_title(group[0], True), where="")
        room = SUMMARY_LIMIT - len(typeset(rest, locale))
        where = next((place for place in (where_of(group[0]), where_of(group[0], as_written=False))
                      if len(typeset(place, locale)) <= room), None) or shortened(where_of(group[0]), room)
        summary = words["summary_one"].format(title=short_title(group[0], True), where=where)
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(summary),
        "detail": "\n".join(lines),
        "indicator": "warning",  # as each score's card was: a lesion whose risk is not known
        "source": {"label": f"bonemet-cds {__version__} — {first.title}", "topic": topic(first.calculator, locale)},
    }
