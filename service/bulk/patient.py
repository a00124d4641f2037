"""One patient of a bulk export: their NDJSON lines -> the lines of the output files, beside
``pipeline.assess_entries`` (the Bundle doors' equivalent). Both engines run ``assess_group`` on each
patient, with the lines in the same order (input file, then line number), so that they give the same
outputs. The output lines are keyed by the ``resourceType`` that ``render`` gave them: there is no list of
output types to keep up to date."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

import orjson

from ..config import Settings
from ..facts.prefilter import UnreadLine, patient_of_text, resource_type_of, unread_line
from ..facts.record import may_be_read
from ..fhir import json_read
from ..fhir.patients import bulk_patient_key
from ..fhir.shape import outcome_text
from ..i18n import Said, said, translate
from ..limits import LimitExceeded
from .files import BOM, outcome_line
from .summary import Summary

MAX_LINE_BYTES = Settings.defaults()["max_body_bytes"]  # a line is one resource: at most what the HTTP door takes
OUTCOMES = "OperationOutcome"


class Assessed(NamedTuple):
    """One patient's outputs: (resource type, NDJSON line) pairs; the outcomes of their bad lines (a
    resource that fails the shape check); what the summary counts of them."""

    written: list[tuple[str, str]]
    bad: list[str]
    summary: Summary

    def lines(self) -> list[tuple[str, str]]:
        """Every output line in the order of the files: the bad lines' outcomes before the patient's own."""
        return [(OUTCOMES, line) for line in self.bad] + self.written


def too_long(max_bytes: int) -> Said:
    return said("longer than {count} bytes (BONEMET_MAX_BODY_BYTES)", count=max_bytes)


def line_too_long(raw: bytes | str, max_bytes: int, at: int = 1) -> bool:
    """Whether a line (without its newline, nor the byte order mark opening a file) is longer than
    ``max_bytes`` of UTF-8: measured the same way by both engines."""
    if isinstance(raw, str):
        return len(raw) > max_bytes // 4 and len(raw.encode("utf-8", errors="surrogatepass")) > max_bytes
    size = len(raw) - raw.endswith(b"\n") - (len(BOM) if at == 0 and raw.startswith(BOM) else 0)
    return size > max_bytes


def read_line(where: str, line: str, prefilter: bool = True) -> tuple[str | None, Any]:
    """One NDJSON line -> (its patient key, the resource or an ``UnreadLine``), or (None, why it is a
    bad line). A line no calculator reads (a lab, a medication...) is told from its text and not parsed:
    it is counted, not checked."""
    unread = unread_line(line) if prefilter else None
    if unread is not None:
        return unread.patient, unread
    try:
        resource = json_read.loads(line)
    except json_read.TooDeep as error:  # refused before parsing: a RecursionError would end the whole run
        return None, said("nested more than {limit} levels deep", limit=error.limit)
    except json.JSONDecodeError as error:
        return None, said("not JSON ({error})", error=error.msg)  # the parser's words, in English
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return None, said("not a FHIR resource")
    patient = bulk_patient_key(resource)
    if patient is None and resource["resourceType"] == "OperationOutcome":  # the export's own errors (its manifest's)
        return None, said("the export's server reported: {warning}: what it left out is missing from the patients' "
                          "assessments, which do not say so", warning=outcome_text(resource))
    if patient is None:
        return None, said("{kind} names no Patient by reference (subject or patient)", kind=resource["resourceType"])
    return patient, resource


class BadLine(NamedTuple):
    """A line placed by its text (``place_line``) that proved bad when read in full: why."""

    why: str


def place_line(line: str) -> tuple[str | None, Any]:
    """Pass 1 of both engines: one NDJSON line -> (its patient key, an ``UnreadLine``, the line itself when its
    patient is found from its text (``patient_of_text``: read in full once, where the patient is assessed,
    by ``read_placed``), or the resource, parsed here to find its patient), or (None, why it is a bad line).
    A line with a ``derivedFrom`` is parsed here, so that both engines know its patient reads every line."""
    unread = unread_line(line)
    if unread is not None:
        return unread.patient, unread
    if '"derivedFrom"' not in line:
        patient = patient_of_text(line)
        if patient is not None:
            return patient, line
    return read_line("", line, prefilter=False)


def read_placed(text: str, placed: str) -> Any:
    """A line placed with patient ``placed``, read in full where they are assessed: the resource, or a ``BadLine``
    (not JSON, nested too deep, not a resource, its one patient key nested: checked now, not when placed). The
    patient the parsed resource names is checked against ``placed``: were the text ever read wrong, the line is
    refused, never assessed as another patient's (only the patient's own data are read)."""
    patient, found = read_line("", text, prefilter=False)
    if patient is None:
        return BadLine(found)
    if patient != placed:
        return BadLine(said("its patient, read from its text ({placed}), is not the one it names ({patient}): not "
                            "read", placed=placed, patient=patient))
    return found


def bad_line_outcome(message: str, locale: str) -> str:
    return outcome_line("error", "structure", message, locale)


def ndjson(resource: dict[str, Any]) -> str:
    """One output line. orjson writes it several times faster than the standard library (and parses the
    lines read, through ``fhir.json_read``)."""
    return orjson.dumps(resource).decode()


def reads_every_line(lines: list[tuple[str, Any]]) -> bool:
    """An Observation derivedFrom another may be linked to its lesion through it, whatever that one's
    code: then every line of the patient is read in full (rare; the answer is the same either way)."""
    return any("derivedFrom" in item for _, item in lines if type(item) is dict)


@cache
def _max_scored() -> int:
    """BONEMET_MAX_SCORED_PER_PATIENT, as the HTTP doors apply it (read once per process, Spark's too)."""
    return Settings.load().max_scored_per_patient


def clinical_key(patient: str | None, item: Any) -> str | None:
    """The patient of a line to be read that is not a Patient resource (``place_line``'s item: its text, or the
    resource parsed), for ``split_forms``; None for a Patient, a line no calculator reads, or a bad line."""
    if patient is None:
        return None
    if isinstance(item, str) and item.count('"resourceType"') != 1:  # a contained resource may come first: parse
        try:
            item = json_read.loads(item)
        except ValueError:
            return patient  # not JSON: it is a bad line of this patient (``patient_hint``), which counts
    kind = resource_type_of(item) if isinstance(item, str) else item.get("resourceType") if type(item) is dict else None
    return patient if kind not in (None, "Patient") else None


def split_forms(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Patient keys whose lines name one id in several forms ("Patient/p1" and "https://ehr/fhir/Patient/p1"),
    each with the others. An export names no server, so whether they are one patient is not known: the key is
    not merged (two servers' patient p1 are two patients), and assessed apart, each part could give advice the
    whole record does not support (three of four bone sites under one form): ``assess_group`` says so instead."""
    by_id: dict[str, list[str]] = {}
    for key in sorted(set(keys)):
        by_id.setdefault(key.rstrip("/").rsplit("/", 1)[-1], []).append(key)
    return {key: tuple(other for other in forms if other != key)
            for forms in by_id.values() if len(forms) > 1 for key in forms}


def assess_group(subject: str, lines: list[tuple[str, Any]], when: datetime, locale: str,
                 pain_bands: tuple, as_of: date | None, every_line: bool | None = None,
                 fact_windows: tuple = (), other_forms: tuple[str, ...] = ()) -> Assessed:
    """One patient's (where, resource, ``UnreadLine`` or ``BadLine``) lines -> (output kind, JSON line) pairs, bad-line
    outcomes, summary. Both engines call it, with the lines in the same order (input file, then line),
    so that they give the same outputs. ``every_line``: ``reads_every_line(lines)``, when already known.
    ``other_forms``: the other keys of the same id (``split_forms``): then the patient is not assessed."""
    from ..fhir.shape import InvalidResource, check_shape
    from ..pipeline import assess_patient
    from ..render.bundle import operation_outcome, outcome_issues

    summary = Summary(locale=locale)
    outputs: list[tuple[str, str]] = []
    bad: list[str] = []
    resources = []
    every_line = reads_every_line(lines) if every_line is None else every_line
    unread: Counter = Counter()
    unreadable: list[str] = []  # where, of this patient's lines the calculators would read that could not be read
    for where, item in lines:
        if isinstance(item, BadLine):  # placed by its text: a kind the calculators read
            bad.append(bad_line_outcome(summary.bad(where, item.why), locale))
            unreadable.append(where)
            continue
        if isinstance(item, UnreadLine):
            if not every_line:
                unread[item.kind] += 1
                summary.resources_read += 1
                continue
            item = read_line(where, item.text, prefilter=False)[1]
            if not isinstance(item, dict):
                bad.append(bad_line_outcome(summary.bad(where, item), locale))
                continue
        try:
            check_shape(item, item["resourceType"])
        except InvalidResource as error:
            if not may_be_read(item):  # a lab or a vital parsed for an escape in its text: counted, as unparsed
                unread[item["resourceType"]] += 1
                summary.resources_read += 1
                continue
            bad.append(bad_line_outcome(summary.bad(where, error.problem), locale))
            unreadable.append(where)
            continue
        summary.resources_read += 1
        resources.append(item)
    # One id in several forms (``split_forms``). A relative reference is the export's own patient: assessed, with
    # a warning. An absolute one beside it is another server's patient of that id, or this one written otherwise
    # (an export does not say its server): a part of a record, not assessed, and said.
    if other_forms and "://" in subject and any("://" not in form for form in other_forms):
        bad.append(outcome_line("error", "incomplete", summary.left_out(subject, said(
            "not assessed: this export's own patient has the same id ({forms}); these lines are another server's "
            "patient, or this one named otherwise (an export does not say its server), and assessed apart they could "
            "give a score or advice the whole record does not support (give every reference one form)",
            forms=", ".join(other_forms[:3]))), locale))
        return Assessed(outputs, bad, summary)
    if unreadable:  # as the Bundle doors refuse such a record: advice on part of it may not hold for the whole
        bad.append(outcome_line("error", "incomplete", summary.left_out(subject, said(
            "not assessed: {count} of its lines could not be read ({lines}), and may hold what the calculators "
            "read; assessed without them, the record could give a score or advice that the whole does not support",
            count=len(unreadable), lines=", ".join(unreadable[:5]))), locale))
        return Assessed(outputs, bad, summary)
    if not resources and not unread:
        return Assessed(outputs, bad, summary)
    try:
        result = assess_patient(resources, subject, when=when, locale=locale, pain_score_bands=pain_bands,
                                fact_windows=fact_windows, as_of=as_of, unread=unread, max_scored=_max_scored())
    except LimitExceeded as error:  # refused before any per-lesion work, said as the service says it
        bad.append(bad_line_outcome(summary.bad(subject, str(error)), locale))
        return Assessed(outputs, bad, summary)
    summary.patients += 1
    summary.resources_ignored += sum(1 for e in result.facts.report if e.outcome == "ignored") + unread.total()
    for assessment in result.assessments:
        score = assessment.score
        summary.scores[(score.calculator, score.category.value if score.category else "undetermined")] += 1
        outputs += [(r["resourceType"], ndjson(r)) for r in assessment.resources]
    for advised in result.advice:  # the guideline's advice (§1.1, §1.4, §1.5): its proposed CarePlan
        outputs += [(r["resourceType"], ndjson(r)) for r in advised.resources]
    issues = outcome_issues(subject, result.facts, result.assessments, locale=locale, advice=result.advice)
    if other_forms:
        issues.append({"severity": "warning", "code": "incomplete", "diagnostics": translate(said(
            "{patient}: other lines name a patient of the same id as {forms}: read as another server's patient, not "
            "as this one's (an export does not say its server); if they are this patient, the score and advice here "
            "rest on part of the record: give every reference one form", patient=subject,
            forms=", ".join(other_forms[:3])), locale)})
    if len(issues) > 1:  # more than the one-line summary: something to report
        outputs.append(("OperationOutcome", ndjson(operation_outcome(issues, locale))))
    return Assessed(outputs, bad, summary)

