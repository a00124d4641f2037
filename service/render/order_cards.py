"""Order cross-check findings -> CDS Hooks cards for ``order-sign``.

One card per finding: the guideline's advice on what is being ordered, the
orders concerned and how each was tied to the lesion or compression, the score
with its sources, and, when the category is not determined, what is missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ..calculators import load_table
from ..calculators.order_checks import Finding
from ..facts import PatientFacts, ReportEntry
from ..i18n import N_, Words, translate
from .card_model import Card
from .cards import (
    WORDS,
    card_source,
    detail_markdown,
    fit_summary,
    namer,
    override_reasons,
    plain,
    review_card,
    typeset_card,
)
from .fhir_resources import Assessment

ORDER_WORDS = Words({
    "orders": N_("Draft orders concerned"), "possible": N_("Possible"),
    "possible_detail": N_("The category is not determined: this advice applies if the missing items give"),
    "guideline": N_("Guideline"),
})


def order_card(assessment: Assessment, finding: Finding, name: Callable[[str], str] = str) -> Card:
    """``name``: resource references in words (``cards.namer``): a card names no FHIR id."""
    score, facts, check = assessment.score, assessment.facts, finding.check
    locale = score.locale
    words, order_words = WORDS[locale], ORDER_WORDS[locale]
    summary = check.summary(locale)
    if not finding.certain:
        summary = f"{order_words['possible']}: {summary}"
    lines = [f"**{check.advice(locale)}**", "", f"**{order_words['orders']}**"]
    lines += [f"- {plain(order.description) or name(order.reference)}: {name(translate(order.link, locale))}"
              for order in finding.orders]
    lines.append("")
    if not finding.certain:
        missing = ", ".join(item.label for item in score.items if item.status != "known")
        labels = [c.label(locale) for c in load_table(score.calculator).categories if c.value in check.categories]
        lines += [f"{order_words['possible_detail']} {' / '.join(labels)}. "
                  f"{words['range']}: {score.total_min}–{score.total_max}; {words['missing']}: {missing}.", ""]
    lines += [detail_markdown(assessment, words, name), "", f"{order_words['guideline']}: {check.source(locale)}"]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": fit_summary(f"{summary} — {facts.where(locale)}"),
        "detail": "\n".join(lines),
        "indicator": check.indicator,
        "source": card_source(assessment),
        "overrideReasons": override_reasons(locale),
    }


def order_sign_cards(findings: list[tuple[Assessment, Finding]], not_checked: list[ReportEntry], facts: PatientFacts,
                     locale: str) -> list[Card]:
    """Every card of an order-sign answer: the guideline's advice on each draft order, then the orders (or
    records) that could not be checked, each with why (``cards.review_card``)."""
    name = namer(facts, locale)
    cards = [order_card(assessment, finding, name) for assessment, finding in findings]
    review = review_card(not_checked, locale, facts.as_of, name)
    return [typeset_card(card, locale) for card in (cards + [review] if review else cards)]
