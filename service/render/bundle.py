"""Assessments -> the resources of a Bundle answer: per patient an OperationOutcome
(missing and uncertain data, resources ignored and why) and a Provenance (what the
service used and produced), one Device naming the service and table versions, and
the collection Bundle itself.

Every id here is derived from the content (a name-based UUID), like the assessments' own: the same
input gives the same answer, apart from its timestamps (``Bundle.timestamp``, ``Provenance.recorded``
and the assessments' dates).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from .. import __version__
from ..calculators import NAMES, load_table
from ..calculators.situations import PainInputs
from ..facts import PatientFacts
from ..facts.evidence import CONFLICT
from ..facts.record import unread_reason
from ..i18n import N_, joined, said, translate
from .advice import Advised
from .advice import summary as advice_summary
from .fhir_resources import Assessment, generated_by, relink
from .uuids import name_based
from .words import item_label

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "http://bonemet-cds.org/fhir/sid/answer")


def content_id(kind: str, content: Any) -> str:
    """A name-based UUID of ``content``: equal content, equal id."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return name_based(_NAMESPACE, f"{kind}/{digest}")

PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"


def service_device() -> dict[str, Any]:
    """The service as a Device: its version and the versions of the tables it scored with."""
    versions = _versions()
    return {"resourceType": "Device", "id": _device_id(), "extension": [generated_by(None)],
            "deviceName": [{"name": "bonemet-cds", "type": "user-friendly-name"}], "version": versions}


def _versions() -> list[dict[str, Any]]:
    versions = [{"type": {"text": "bonemet-cds"}, "value": __version__}]
    return versions + [{"type": {"text": f"{name} table (seeds/{name}.json)"}, "value": load_table(name).version}
                       for name in NAMES]


@cache
def _device_id() -> str:  # the versions are fixed for the process: their id is worked out once
    return content_id("Device", _versions())


_WITHOUT_FILE = "_diagnostics without the file"  # never written out: operation_outcome() takes it off


def _issue(severity: str, code: str, text: str, where: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if where:
        # The input element the issue is about, as FHIRPath: a file's name (the command line's "file.json: Bundle...")
        # is no part of it, and is said in the diagnostics instead.
        source, _, path = where.rpartition(": ")
        issue["expression"] = [path]
        if source and source not in text:
            issue["diagnostics"] = f"{source}: {text}"
            issue[_WITHOUT_FILE] = text
    return issue


def _report_issue(subject: str, entry, where: str | None, locale: str) -> dict[str, Any]:
    """A resource not used (warning when that may hide or change a score), or shown as context."""
    if entry.outcome == "context":
        text = (said("{subject}: {resource} ({description}): {reason}", subject=subject, resource=entry.resource,
                     description=entry.description, reason=entry.reason) if entry.description else
                said("{subject}: {resource}: {reason}", subject=subject, resource=entry.resource, reason=entry.reason))
        return _issue("information", "informational", translate(text, locale), where)
    severity = "warning" if entry.attention else "information"
    code = "not-found" if entry.attention else "informational"
    text = (said("{subject}: {resource} ({description}) not used: {reason}", subject=subject, resource=entry.resource,
                 description=entry.description, reason=entry.reason) if entry.description else
            said("{subject}: {resource} not used: {reason}", subject=subject, resource=entry.resource,
                 reason=entry.reason))
    return _issue(severity, code, translate(text, locale), where)


def outcome_issues(subject: str, facts: PatientFacts, assessments: list[Assessment],
                   locations: dict[str, str] | None = None, locale: str = "en",
                   advice: Sequence[Advised] = ()) -> list[dict[str, Any]]:
    """What a reader of the answer must know: what is missing or uncertain, what was ignored, and the
    guideline's advice given (its CarePlan), with what it rests on.
    ``locations``: where each input is ("Type/id" -> FHIRPath), for the issues' ``expression``."""
    locations = locations or {}
    issues = []
    colon = translate(N_(":"), locale)  # French: a plain space before it, as the catalogue writes it
    if facts.deceased is not None:  # the scores describe the record; no card advises on such a patient
        issues.append(_issue("warning", "informational", translate(said(
            "{subject}: the Patient is recorded as deceased ({date}): the scores and advice in this answer describe "
            "the record; the CDS Hooks services give no card for such a patient", subject=subject,
            date=facts.deceased or said("no date")), locale)))
    for advised in advice:
        situation = advised.advice.situation
        about = ", ".join(f"{where.ref} ({where.words(locale)})" for where in advised.facts.about)
        said_summary = advice_summary(advised.facts, advised.advice, locale)
        title = situation.title(locale)  # once: §1.1's summary opens with it
        text = (f"{subject}{colon} {said_summary}" if said_summary.startswith(title) else
                f"{subject}{colon} {title}{colon} {said_summary}")
        text += f" [{about}]" if about else ""
        missing = advised.advice.missing_words(locale) + [translate(note, locale) for note in advised.facts.notes]
        issues.append(_issue("warning" if advised.advice.possible else "information",
                             "incomplete" if advised.advice.possible else "informational",
                             text + (f"; {'; '.join(missing)}" if missing else "")))

    for withheld in facts.situations:  # §1.1 read, painful, and not given for a complication: said as patient-view does
        if isinstance(withheld.inputs, PainInputs) and withheld.inputs.complications:
            about = ", ".join(f"{where.ref} ({where.words(locale)})" for where in withheld.about)
            why = "; ".join(translate(reason, locale) for reason in withheld.inputs.complications)
            issues.append(_issue("information", "informational", translate(said(
                "{subject}: painful bone metastasis (guideline §1.1) not given for {about}: its first treatment is for "
                "an uncomplicated metastasis, and this one may not be: {why}", subject=subject, about=about, why=why),
                locale)))

    def say(template: str, **params: Any) -> str:
        return translate(said(template, **params), locale)

    for assessment in assessments:
        score, found = assessment.score, assessment.facts
        at = locations.get(found.condition)
        name = say("{subject}: {score} of {condition} ({description})", subject=subject,
                   score=score.short_title, condition=found.condition, description=found.where(locale))
        for item in score.items:
            fact = found.facts[item.name]
            notes = translate(joined(fact.notes), locale)
            if item.status == "missing":
                supplier = fact.supplied_by or said("no known resource")
                text = (say("{name}: {item} missing; would be supplied by {supplier} ({notes})", name=name,
                            item=item.label, supplier=supplier, notes=notes) if fact.notes else
                        say("{name}: {item} missing; would be supplied by {supplier}", name=name, item=item.label,
                            supplier=supplier))
                issues.append(_issue("warning", "incomplete", text, at))
            elif item.status == "uncertain":
                low, high = item.possible_points[0], item.possible_points[-1]
                text = (say("{name}: {item} uncertain, points {low}-{high} ({notes})", name=name, item=item.label,
                            low=low, high=high, notes=notes) if fact.notes else
                        say("{name}: {item} uncertain, points {low}-{high}", name=name, item=item.label, low=low,
                            high=high))
                if fact.supplied_by:  # what would settle it, as for a missing item
                    text += say("; would be settled by {supplier}", supplier=fact.supplied_by)
                issues.append(_issue("warning", "incomplete", text, at))
            elif CONFLICT not in fact.flags and (fact.notes or set(fact.flags) - set(found.condition_flags)):
                # What qualifies a known value (preliminary, derived, answered...), as the card says it; the
                # Condition's own flags once, below (conflicts get their own warning, below too).
                own = [translate(flag, locale) for flag in fact.flags if flag not in found.condition_flags]
                said_of = "; ".join(own + ([notes] if fact.notes else []))
                issues.append(_issue("information", "informational", f"{name}{colon} {item.label}{colon} {said_of}",
                                     at))
        if found.condition_flags:  # no clinicalStatus, unconfirmed: counted, and said where the reader looks
            issues.append(_issue("warning", "business-rule", say(
                "{name}: the Condition is counted although it is flagged: {flags}", name=name,
                flags="; ".join(translate(flag, locale) for flag in found.condition_flags)), at))
        if score.category is None:
            issues.append(_issue("warning", "incomplete", say(
                "{name}: possible totals {low}-{high}; category undetermined until the missing items are known",
                name=name, low=score.total_min, high=score.total_max), at))
        for fact in (f for f in found.facts.values() if CONFLICT in f.flags):
            issues.append(_issue("warning", "business-rule", say("{name}: conflicting data for {item}: {notes}",
                                                                 name=name, item=item_label(score, fact.item, locale),
                                                                 notes=translate(joined(fact.notes), locale)), at))
    # Resources that look relevant are named one by one; the others (labs, medications... the bulk of a
    # real export) are counted by reason and type, so that the answer says of them without growing with them.
    unread: dict[str, dict[str, int]] = {}
    reasons: dict[str, str] = {}
    for kind, count in facts.unread.items():
        why = unread_reason(kind)
        reasons[why] = why
        kinds = unread.setdefault(why, {})
        kinds[kind] = kinds.get(kind, 0) + count
    for entry in facts.report:
        if entry.outcome == "used":
            continue
        if entry.outcome == "ignored" and not entry.relevant:
            reasons.setdefault(entry.reason, entry.reason)  # the Said, to be said in the reader's language
            kinds = unread.setdefault(entry.reason, {})
            kind = entry.resource.split("/")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
            continue
        issues.append(_report_issue(subject, entry, locations.get(entry.resource), locale))
    for reason, kinds in sorted(unread.items()):
        counted = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        issues.append(_issue("information", "informational", say(
            "{subject}: {count} other resource(s) not used ({counted}): {reason}", subject=subject,
            count=sum(kinds.values()), counted=counted, reason=reasons[reason])))
    as_of = facts.as_of.isoformat() if facts.as_of else None
    if assessments:
        summary = (say("{subject}: {count} score(s) as of {as_of}", subject=subject, count=len(assessments),
                       as_of=as_of) if as_of else say("{subject}: {count} score(s)", subject=subject,
                                                      count=len(assessments)))
    else:
        summary = (say("{subject}: no active long-bone metastasis or spinal cord compression found, so no score as "
                       "of {as_of}", subject=subject, as_of=as_of) if as_of else
                   say("{subject}: no active long-bone metastasis or spinal cord compression found, so no score",
                       subject=subject))
    return [_issue("information", "informational", summary)] + issues


def operation_outcome(issues: list[dict[str, Any]], locale: str | None = None) -> dict[str, Any]:
    # The id is that of the issues as $assess says them: the file the command line names changes no identifier.
    raw = issues
    issues = [{key: value for key, value in issue.items() if key != _WITHOUT_FILE} for issue in issues]
    said_by_assess = [{**issue, "diagnostics": original[_WITHOUT_FILE]} if _WITHOUT_FILE in original else issue
                      for issue, original in zip(issues, raw, strict=True)]
    outcome: dict[str, Any] = {"resourceType": "OperationOutcome", "id": content_id("OperationOutcome", said_by_assess)}
    if locale:
        outcome["language"] = locale
    outcome["issue"] = issues
    return outcome


def provenance(produced: list[dict[str, Any]], used: Iterable[str], device: dict[str, Any],
               when: datetime) -> dict[str, Any]:
    """``used``: the inputs as the answer cites them (``Grouped.cite``)."""
    targets = [f"{r['resourceType']}/{r['id']}" for r in produced]
    return {
        "resourceType": "Provenance",
        "id": content_id("Provenance", targets),
        "target": [{"reference": target} for target in targets],
        "recorded": when.isoformat(timespec="seconds"),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": "CREATE", "display": "create"}]},
        "agent": [{"type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
                   "who": {"reference": f"Device/{device['id']}", "display": f"bonemet-cds {__version__}"}}],
        "entity": [{"role": "source", "what": {"reference": ref}} for ref in dict.fromkeys(used)],
    }


def collection(resources: list[dict[str, Any]], when: datetime) -> dict[str, Any]:
    """A collection Bundle; references between its resources become their urn:uuid fullUrls."""
    targets = {f"{r['resourceType']}/{r['id']}": f"urn:uuid:{r['id']}" for r in resources}
    return {"resourceType": "Bundle", "id": content_id("Bundle", sorted(targets)), "type": "collection",
            "timestamp": when.isoformat(timespec="seconds"),
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": relink(r, targets)} for r in resources]}
