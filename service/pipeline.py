"""One patient's FHIR resources -> facts -> scores -> rendered resources.

Every door (CDS Hooks, the $assess operation, the command line) calls
``assess_patient``; none of them knows the scoring tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import msgspec
from msgspec.structs import replace

from .calculators import InvalidInput, calculator, over_alternatives, rule
from .facts import MappingOptions, PatientFacts, ReportEntry, extract_facts
from .facts.dates import assessment_moment
from .facts.prefilter import scored_at_most, set_aside_unread
from .facts.record import may_be_read
from .fhir.patients import group_by_patient
from .fhir.shape import matches_left_out, next_link, outcome_text
from .i18n import said, translate
from .limits import check_bundle_scored, check_patients, check_resources, check_scored
from .render import Assessment, render
from .render.advice import Advised, render_advice
from .render.bundle import (
    collection,
    operation_outcome,
    outcome_issues,
    provenance,
    service_device,
)


class PatientAssessment(msgspec.Struct):
    """One patient's facts, scores (each with its rendered resources) and the guideline's advice."""

    subject: str
    facts: PatientFacts
    assessments: list[Assessment] = msgspec.field(default_factory=list)
    advice: list[Advised] = msgspec.field(default_factory=list)  # the guideline's situations that are advice

    @property
    def resources(self) -> list[dict[str, Any]]:
        return ([resource for assessment in self.assessments for resource in assessment.resources]
                + [resource for advised in self.advice for resource in advised.resources])


def assess_patient(resources: Iterable[dict[str, Any]], subject: str, *, when: datetime, locale: str = "en",
                   pain_score_bands: tuple = (), fact_windows: tuple = (), aliases: dict[str, str] | None = None,
                   as_of: date | None = None, max_scored: int | None = None,
                   cite: Callable[[str], str] | None = None, unread: Counter[str] | None = None,
                   partial: frozenset[str] = frozenset()) -> PatientAssessment:
    """Score every Condition of one patient that a calculator scores (``calculators.registry``).
    ``cite`` turns an input's "Type/id" into the reference the outputs write (``Grouped.cite``);
    ``unread`` counts, by type, resources of the patient set aside unparsed (``facts.prefilter``);
    ``partial``: the resource types the EHR sent only in part (``MappingOptions.partial``).
    Raises ``LimitExceeded`` when there are more than ``max_scored`` of them."""
    as_of = as_of or when.date()
    if max_scored is not None:  # before any per-lesion work: a count never below the mapper's
        resources = list(resources)
        check_scored(subject, scored_at_most(resources), max_scored)
    options = MappingOptions(as_of=as_of, pain_score_bands=pain_score_bands, fact_windows=fact_windows,
                             moment=assessment_moment(as_of, when), partial=partial)
    facts = extract_facts(resources, options, aliases=aliases)
    if unread:
        facts.unread.update(unread)
    result = PatientAssessment(subject, facts)
    context = tuple(facts.context)  # once: the patient's beside every score, a lesion's beside its own
    for found in facts.scored:
        scoring = calculator(found.calculator)
        try:
            score = scoring.score(found.inputs(), locale)
            score = over_alternatives(score, [scoring.score(found.inputs(tied), locale) for tied in found.alternatives])
        except InvalidInput as error:  # the mapper checks ranges; this guards what slips through
            facts.report.append(ReportEntry(found.condition, "ignored", said("no score: {error}", error=str(error)),
                                            relevant=True, attention=True))  # said on a card, never lost
            continue
        assessment = render(score, found, subject, when, as_of=as_of, cite=cite or (lambda reference: reference))
        result.assessments.append(replace(assessment, context=tuple(entry for entry in context if entry.about in (
            "", found.condition))))
    scores = {assessment.facts.condition: assessment.score for assessment in result.assessments}
    for situation in facts.situations:
        advice = rule(situation.situation).evaluate(situation.inputs, scores.get(situation.score_of or ""))
        if advice is not None:
            result.advice.append(render_advice(situation, advice, subject, when, as_of, locale,
                                               cite=cite or (lambda reference: reference)))
    return result


class BundleAssessment(msgspec.Struct):
    """The answer to a Bundle: the collection Bundle, and each patient's result."""

    bundle: dict[str, Any]
    patients: list[PatientAssessment]


def assess_bundle(bundle: Any, *, when: datetime, locale: str = "en", pain_score_bands: tuple = (),
                  fact_windows: tuple = (), where: str = "Bundle", as_of: date | None = None, limits: Any = None,
                  count_unread: bool = False) -> BundleAssessment:
    """Validate a Bundle, assess each of its patients on their own, answer with a collection Bundle.

    Raises ``InvalidFhir`` (every problem, each with where it is) before assessing anything.
    ``count_unread``: as ``assess_entries``.
    """
    from .fhir.validate import (
        bundle_entries,  # loads the FHIR models: only the Bundle doors pay for them
    )

    if limits is not None and isinstance(bundle, dict) and isinstance(bundle.get("entry"), list):
        check_resources(len(bundle["entry"]), limits.max_resources)  # before validating them all
        check_bundle_scored(bundle, limits.max_scored_per_patient)
    return assess_entries(bundle_entries(bundle, where, read=may_be_read), when=when, locale=locale,
                          pain_score_bands=pain_score_bands, fact_windows=fact_windows, as_of=as_of, limits=limits,
                          not_read=first_page_only(bundle, where) + search_warnings(bundle, where),
                          partial=cut_short(bundle), count_unread=count_unread)


def search_warnings(bundle: Any, where: str) -> list[ReportEntry]:
    """What every patient's answer must say of the OperationOutcomes a Bundle carries (a search's ``outcome``
    entries: results withheld, a query refused), as the hooks say them of prefetch; ``assess_entries`` does
    not read them as resources (they name no patient)."""
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    return [ReportEntry(f"{where}.entry[{index}].resource", "ignored", said(
        "the search's answer carries a warning: {warning}", warning=outcome_text(entry["resource"])),
        relevant=True, attention=True)
        for index, entry in enumerate(entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "OperationOutcome"]


# What a search cut short may leave out of a patient's record: every type the mapper reads from it.
SEARCHED = frozenset({"Condition", "Observation", "Procedure"})


def cut_short(bundle: Any) -> frozenset[str]:
    """The resource types ``bundle`` may hold only in part (``first_page_only`` says so to the reader)."""
    return SEARCHED if isinstance(bundle, dict) and (next_link(bundle) is not None or matches_left_out(bundle)) \
        else frozenset()


def first_page_only(bundle: Any, where: str) -> list[ReportEntry]:
    """What every patient's answer must say when the Bundle is one page of a search (a ``next`` link), or
    holds fewer results than its ``total``: the others may be theirs, and are not in the assessment."""
    if not isinstance(bundle, dict):
        return []
    if next_link(bundle) is not None:
        return [ReportEntry(f"{where}.link", "ignored", said(
            "{where} is one page of a search (it links to a next page): resources on the other pages are not in "
            "this assessment", where=where), relevant=True, attention=True)]
    left_out = matches_left_out(bundle)
    if left_out:
        return [ReportEntry(f"{where}.total", "ignored", said(
            "{where} holds {held} of the {total} results of its search: the other {left} are not in this assessment",
            where=where, held=bundle["total"] - left_out, total=bundle["total"], left=left_out),
            relevant=True, attention=True)]
    return []


def assess_entries(entries: list[tuple[str | None, dict[str, Any], str]], *, when: datetime, locale: str = "en",
                   pain_score_bands: tuple = (), fact_windows: tuple = (), as_of: date | None = None,
                   limits: Any = None,
                   not_read: list[ReportEntry] | None = None,
                   partial: frozenset[str] = frozenset(), count_unread: bool = False) -> BundleAssessment:
    """``assess_bundle`` over validated (fullUrl, resource, where) entries of one or more Bundles.
    ``limits``: the ``Settings`` whose max_* apply (None: no limit, for the command line's own files);
    ``not_read``: what is not in the input and every patient's answer says (``first_page_only``);
    ``partial``: the types the input holds only in part (``cut_short``);
    ``count_unread``: the resources no calculator reads are counted, not filed one by one (``set_aside_unread``):
    for an answer that says them by count only (the FHIR door's; the tester page lists each)."""
    grouped = group_by_patient([entry for entry in entries if entry[1].get("resourceType") != "OperationOutcome"])
    if limits is not None:
        check_resources(len(entries), limits.max_resources)
        check_patients(len(grouped.patients), limits.max_patients)
    device = service_device()
    resources: list[dict[str, Any]] = [device]
    results = []
    for subject, patient_resources in grouped.patients.items():
        unread: Counter[str] | None = None
        if count_unread:
            patient_resources, unread = set_aside_unread(patient_resources, grouped.aliases)
        result = assess_patient(patient_resources, subject, when=when, locale=locale,
                                pain_score_bands=pain_score_bands, fact_windows=fact_windows,
                                aliases=grouped.aliases, as_of=as_of,
                                max_scored=limits.max_scored_per_patient if limits is not None else None,
                                cite=grouped.cite, partial=partial, unread=unread)
        result.facts.report.extend(not_read or ())
        results.append(result)
        produced = result.resources
        resources += produced
        issues = outcome_issues(subject, result.facts, result.assessments, grouped.locations, locale,
                                result.advice)
        resources.append(operation_outcome(issues, locale))
        if produced:
            used = [grouped.cite(entry.resource) for entry in result.facts.report if entry.outcome == "used"]
            resources.append(provenance(produced, used, device, when))
    if grouped.without_patient or not grouped.patients:
        issues = [{"severity": "warning", "code": "not-found", "diagnostics": translate(
                   said("{where} ({resource}): not read: {why}", where=where, resource=named, why=why), locale),
                   "expression": [where]}
                  for where, named, why in grouped.without_patient]
        if not grouped.patients:
            issues.insert(0, {"severity": "warning", "code": "not-found",
                              "diagnostics": translate(said("no patient in the input: nothing to assess"), locale)})
        resources.append(operation_outcome(issues, locale))
    return BundleAssessment(collection(resources, when), results)
