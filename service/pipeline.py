"""One patient's FHIR resources -> facts -> scores -> rendered resources.

Every door (CDS Hooks, the $assess operation, the command line) calls
``assess_patient``; none of them knows the scoring tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from .calculators import InvalidInput, score_mirels, score_rades
from .calculators.order_checks import Finding, check_orders
from .facts import MappingOptions, PatientFacts, ReportEntry, extract_facts
from .facts.orders import orders_for, read_draft_orders
from .render import Assessment, render


@dataclass
class PatientAssessment:
    subject: str
    facts: PatientFacts
    assessments: list[Assessment] = field(default_factory=list)

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [resource for assessment in self.assessments for resource in assessment.resources]


def assess_patient(resources: Iterable[dict[str, Any]], subject: str, *, when: datetime, locale: str = "en",
                   pain_score_bands: tuple = (), aliases: dict[str, str] | None = None,
                   as_of: date | None = None) -> PatientAssessment:
    """Score every long-bone lesion (Mirels) and spinal cord compression (Rades) of one patient."""
    options = MappingOptions(as_of=as_of or when.date(), pain_score_bands=pain_score_bands)
    facts = extract_facts(resources, options, aliases=aliases)
    result = PatientAssessment(subject, facts)
    for found, calculator in [(l, score_mirels) for l in facts.lesions] + [
            (c, score_rades) for c in facts.cord_compressions]:
        try:
            score = calculator(found.inputs(), locale)
        except InvalidInput as error:  # the mapper checks ranges; this guards what slips through
            facts.report.append(ReportEntry(found.condition, "ignored", f"no score: {error}"))
            continue
        result.assessments.append(render(score, found, subject, when))
    return result


@dataclass
class OrderReview:
    """What the guideline says of the draft orders, per scored Condition."""

    findings: list[tuple[Assessment, Finding]]
    report: list[ReportEntry]


def review_orders(result: PatientAssessment, draft_orders: dict[str, Any]) -> OrderReview:
    """Cross-check the draft orders of an order-sign request with the patient's scores."""
    drafts, report = read_draft_orders(draft_orders)
    findings = [(assessment, finding) for assessment in result.assessments
                for finding in check_orders(assessment.score, orders_for(assessment.facts, drafts))]
    return OrderReview(findings, report)
