"""Scores -> FHIR R4 resources: the score Observation, the RiskAssessment, the CarePlan.

Built as plain JSON dicts (fast on the request path); the tests check every one against the
official R4 JSON schema and, with Medplum's validator, against the profiles of ``fhir_profiles/``.

**Stable identity.** The three resources of an assessment carry an identifier under
``ASSESSMENT_SYSTEM`` whose value is derived from the patient, the scored Condition, the calculator
and its table version, and the as-of date (``assessment_key``); the resource id is that value. The
same lesion assessed the same day through any door gives the same identifiers, so storing them twice
(PUT, or a conditional create on the identifier) cannot make two assessments. Only the timestamps change
between two runs: when the assessment was made (``effectiveDateTime``, ``occurrenceDateTime``,
``created``), unless it is made as of a given day.

**References.** Inputs are cited as the caller's ``cite`` says (the input's own ``fullUrl`` in a
Bundle answer, the EHR's relative reference in CDS Hooks); the three outputs cite each other as
``Type/id``, which each door turns into what survives its transport (``urn:uuid`` in a Bundle,
identifiers in a CDS suggestion: ``by_identifier``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any

import msgspec

from .. import __version__
from ..calculators import Score, load_table
from ..facts.model import ReportEntry, ScoredCondition
from ..facts.terminology import BASE_URL, OWN_SYSTEM, own_coding
from ..facts.vocabulary import ITEM_CODES
from ..i18n import N_, Words, said, translate, typeset_html
from .knowledge import activity_definition_url, plan_definition_url
from .uuids import name_based
from .words import item_value

PROFILE = f"{BASE_URL}/StructureDefinition/"
ASSESSMENT_SYSTEM = f"{BASE_URL}/sid/assessment"
GENERATED_BY = f"{BASE_URL}/StructureDefinition/generated-by"
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SNOMED = "http://snomed.info/sct"

# The ValueSets of fhir_profiles/ that bind what the renderer writes (the mapper reads none of them).
VALUE_SETS_WRITTEN = frozenset({"score-status", "score-code", "careplan-activity", "guideline-situation"})
RISK_DISPLAY = {"low": "Low likelihood", "moderate": "Moderate likelihood", "high": "High likelihood"}
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, ASSESSMENT_SYSTEM)

WORDS = Words({
    "missing": N_("Missing"), "item": N_("Item"), "value": N_("Value"), "points": N_("Points"),
    "check_first": N_("Check first"),
    "total": N_("Total"), "range": N_("possible totals"),
    "undetermined": N_("category undetermined until the missing items are known"),
    "outcome": N_("Predicted outcome"), "risk": N_("Risk"), "activities": N_("Activities"), "by": N_("Computed by"),
    "table": N_("table"), "version": N_("table version"),
    "colon": N_(":"),  # French: a plain space before it, in FHIR strings too (a narrative sets it narrow)
})


class Assessment(msgspec.Struct, frozen=True):
    """One score with the facts it came from, and the resources rendered for it."""

    score: Score
    facts: ScoredCondition
    observation: dict[str, Any]
    risk_assessment: dict[str, Any]
    care_plan: dict[str, Any] | None
    as_of: date | None = None
    context: tuple[ReportEntry, ...] = ()  # scores shown beside this one, never mapped (ECOG...)
    # Another lesion scored on its bone and side is advised otherwise (``same_bone``): its summary says so first.
    same_bone: bool = False

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [r for r in (self.observation, self.risk_assessment, self.care_plan) if r is not None]


def input_references(facts: ScoredCondition) -> list[str]:
    """Every resource an input came from, in item order, each once."""
    seen = dict.fromkeys([facts.condition])
    for fact in facts.facts.values():
        seen.update(dict.fromkeys(fact.sources))
    return list(seen)


def assessment_key(score: Score, facts: ScoredCondition, subject: str, as_of: date) -> str:
    """What makes two assessments the same: what is assessed (the patient and the Condition, each as "Type/id"),
    by which calculator and table version, as of which day. Not how a door cites the resources (a Bundle's
    absolute fullUrl, a URL with :443 or a trailing slash, a ``_history`` version, a ``urn:uuid`` alias: each
    door reads them back to "Type/id"), nor the server base, which a Bundle without fullUrls cannot state, nor
    the inputs: the same lesion assessed through $assess, patient-view, the command line or bulk is one
    assessment, and re-assessed the same day with more data it is that assessment revised, not a second one."""
    basis = {"calculator": score.calculator, "table": load_table(score.calculator).version,
             "patient": subject, "condition": facts.condition, "asOf": as_of.isoformat()}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def stable_id(key: str, kind: str) -> str:
    """A UUID (name-based, RFC 4122 version 5) for one resource of an assessment."""
    return name_based(_NAMESPACE, f"{key}/{kind}")


def generated_by(calculator: str | None) -> dict[str, Any]:
    """The extension that traces a stored resource to the service and table versions."""
    parts = [{"url": "software", "valueString": "bonemet-cds"}, {"url": "version", "valueString": __version__}]
    if calculator:
        parts += [{"url": "table", "valueString": calculator},
                  {"url": "tableVersion", "valueString": load_table(calculator).version}]
    return {"url": GENERATED_BY, "extension": parts}


def narrative(*blocks: str, locale: str = "en") -> dict[str, str]:
    """A generated narrative; ``blocks`` are XHTML fragments whose text is already escaped. It is set in the
    typography of ``locale``: the div is XHTML, not a FHIR string, and may hold no-break spaces."""
    return {"status": "generated", "div": typeset_html('<div xmlns="http://www.w3.org/1999/xhtml">' + "".join(blocks)
                                                       + "</div>", locale)}


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _component(item, fact, locale: str) -> dict[str, Any]:
    component: dict[str, Any] = {
        "code": {"coding": [own_coding(ITEM_CODES[item.name], locale)],
                 "text": f"{item.label}{WORDS[locale]['colon']} {item_value(item, fact, locale)}"},
    }
    if item.points is not None:
        component["valueInteger"] = item.points
    elif item.status == "uncertain":
        component["valueRange"] = {"low": {"value": item.possible_points[0]},
                                   "high": {"value": item.possible_points[-1]}}
    else:
        component["dataAbsentReason"] = {"coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}]}
    return component


def _items_table(score: Score, facts: ScoredCondition, words: dict[str, str]) -> str:
    rows = []
    for item in score.items:
        fact = facts.facts[item.name]
        if item.status == "missing":
            value, points = words["missing"].lower(), "–"
        elif item.points is None:
            value = item_value(item, fact, score.locale)
            points = f"{item.possible_points[0]}–{item.possible_points[-1]}"
        else:
            value, points = item_value(item, fact, score.locale), str(item.points)
        rows.append(f"<tr><td>{escape(item.label)}</td><td>{escape(value)}</td><td>{points}</td></tr>")
    return (f"<table><thead><tr><th>{words['item']}</th><th>{words['value']}</th><th>{words['points']}</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def operated_action(score: Score, facts: ScoredCondition) -> str | None:
    """The table's action once a done operation of its time names the scored Condition (Rades: radiotherapy after it,
    §1.4), in place of the category's; where one may be (coded otherwise, undated), what every category gives
    ("radiotherapy (§1.3)": alone or adjuvant), never "radiotherapy alone" (review 32); None where none is recorded
    or the table gives none."""
    table = load_table(score.calculator)
    if facts.operated and table.after_operation:
        return table.after_operation.action(score.locale)
    return table.every_category(score.locale) if facts.operated_maybe and table.every_category else None


def recommendation(score: Score, facts: ScoredCondition) -> str | None:
    """The category's recommendation, after what a done operation of the scored Condition makes of it: the group's
    "no significant benefit of laminectomy" read alone, after a laminectomy, contradicted the card beside it."""
    after = load_table(score.calculator).after_operation if facts.operated else None
    if after is None or not score.recommendation:
        return score.recommendation
    return f"{after.recommendation(score.locale)} {score.recommendation}"


def render(score: Score, facts: ScoredCondition, subject: str, when: datetime, as_of: date | None = None,
           cite: Callable[[str], str] = lambda reference: reference) -> Assessment:
    """The three resources of one assessment. ``subject`` is "Patient/<id>"; ``cite`` turns the
    local reference of an input ("Type/id") into the reference to write (default: unchanged).

    ``when`` is the moment of the computation; an assessment made as of another day
    (``as_of``) is dated that day, so a re-run of a past decision says so."""
    locale, words = score.locale, WORDS[score.locale]
    colon = words["colon"]
    complete = score.total is not None
    occurrence = as_of.isoformat() if as_of and as_of != when.date() else when.isoformat(timespec="seconds")
    created = when.isoformat(timespec="seconds")
    key = assessment_key(score, facts, subject, as_of or when.date())
    patient = {"reference": cite(subject)}
    scored = {"reference": cite(facts.condition)}
    notes = [{"text": caveat.text} for caveat in score.caveats]
    missing = [f"{item.label}{colon} " + (translate(facts.facts[item.name].supplied_by, locale)
                                     if facts.facts[item.name].supplied_by else words["missing"].lower())
               for item in score.items if item.status == "missing"]
    if facts.condition_flags:  # stored with the resources, not only shown on the card
        flags = "; ".join(translate(flag, locale) for flag in facts.condition_flags)
        notes.insert(0, {"text": translate(said("The Condition is counted although it is flagged: {flags}",
                                                flags=flags), locale)})
    if missing:
        notes.insert(0, {"text": f"{words['missing']}{colon} " + "; ".join(missing)})
    named = f"{score.title} — {facts.where(locale)}"  # the side first: a surgeon checks it before the score
    summary = (f"{named}{colon} {score.total_text} ({score.category_label})" if score.category else
               f"{named}{colon} {words['range']} {score.total_text}; {words['undetermined']}")
    by = (f"{words['by']} bonemet-cds {__version__}, {score.calculator.capitalize()} {words['table']} "
          f"{load_table(score.calculator).version}.")
    # What the card says before the action (a fracture, a fixation, an operation since) opens every narrative too:
    # an EHR shows the narrative of what it stores, not the card.
    first = facts.said_first
    check_first = [_p(f"{words['check_first']}{colon} " + "; ".join(translate(flag, locale) for flag in first))] \
        if first else []

    def common(kind: str, profile: str) -> dict[str, Any]:
        resource_id = stable_id(key, kind)
        return {"resourceType": kind, "id": resource_id, "meta": {"profile": [PROFILE + profile]},
                "language": locale, "extension": [generated_by(score.calculator)],
                "identifier": [{"system": ASSESSMENT_SYSTEM, "value": resource_id}]}

    observation = common("Observation", f"bonemet-{score.calculator}-score")
    observation["text"] = narrative(_p(summary), *check_first, _items_table(score, facts, words), _p(by),
                                    locale=locale)
    observation.update({
        "status": "final" if complete else "preliminary",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [own_coding(f"{score.calculator}-score", locale)], "text": score.title},
        "subject": patient,
        "focus": [scored],
        "effectiveDateTime": occurrence,
    })
    if complete:
        observation["valueInteger"] = score.total
    else:
        observation["valueRange"] = {"low": {"value": score.total_min}, "high": {"value": score.total_max}}
    inputs = input_references(facts)
    derived_from = [ref for ref in inputs
                    if ref.startswith(("Observation/", "QuestionnaireResponse/"))]
    if derived_from:
        observation["derivedFrom"] = [{"reference": cite(ref)} for ref in derived_from]
    if notes:
        observation["note"] = notes
    observation["component"] = [_component(item, facts.facts[item.name], locale) for item in score.items]

    advice = recommendation(score, facts)
    rationale = (f"{summary}. {advice}" if score.category else f"{summary}.")
    outcome = load_table(score.calculator).outcome_coding  # as the profiles fix it (seeds/, checked in two sources)
    prediction: dict[str, Any] = {"outcome": {"coding": [outcome], "text": score.predicted_outcome}}
    if score.risk:
        prediction["qualitativeRisk"] = {"coding": [{"system": RISK_PROBABILITY, "code": score.risk,
                                                     "display": RISK_DISPLAY[score.risk]}]}
    prediction["rationale"] = rationale
    risk_assessment = common("RiskAssessment", f"bonemet-{score.calculator}-risk-assessment")
    outcome_words = [_p(f"{words['outcome']}{colon} {score.predicted_outcome}")]
    if score.risk:
        outcome_words.append(_p(f"{words['risk']}{colon} {score.category_label}. {advice}"))
    risk_assessment["text"] = narrative(_p(summary), *check_first, *outcome_words, _p(by), locale=locale)
    risk_assessment.update({
        "status": "final" if complete else "preliminary",
        "method": {"coding": [own_coding(score.calculator, locale)],
                   "text": f"{score.title} ({score.source}); {words['version']} "
                           f"{load_table(score.calculator).version}"},
        "code": {"coding": [own_coding(score.calculator, locale)], "text": score.title},
        "subject": patient,
        "occurrenceDateTime": occurrence,
        "condition": scored,
        "basis": [{"reference": f"Observation/{observation['id']}"}]
        + [{"reference": cite(ref)} for ref in inputs]
        + [{"display": score.citation[:1000]}],  # the guideline and the table's primary article
        "prediction": [prediction],
    })
    if advice:
        risk_assessment["mitigation"] = advice
    if notes:
        risk_assessment["note"] = notes

    care_plan = None
    # No advice while the category is undetermined; none either once an operation of it is recorded: the post-operative
    # card proposes the plan (§1.4), and the category's (emergency radiotherapy) would contradict it.
    if score.category and operated_action(score, facts) is None:
        care_plan = common("CarePlan", "bonemet-careplan")
        activities = list(zip(score.activities, score.activity_codes, strict=True))
        care_plan["text"] = narrative(
            _p(f"{named}{colon} {score.category_label}"), *check_first, _p(score.recommendation or ""),
            f"<p>{words['activities']}{colon}</p><ul>" + "".join(f"<li>{escape(text)}</li>" for text, _ in activities)
            + "</ul>", _p(by), locale=locale)
        care_plan.update({
            "status": "draft",
            "intent": "proposal",
            "title": f"{named}{colon} {score.category_label}",
            "description": score.recommendation,
            "subject": patient,
            "created": created,
            "addresses": [scored],
            "supportingInfo": [{"reference": f"RiskAssessment/{risk_assessment['id']}"}],
            # The published knowledge this plan applies (fhir_profiles/PlanDefinition-*, ActivityDefinition-*).
            "instantiatesCanonical": [plan_definition_url(score.calculator)],
            **({"instantiatesUri": [score.citation_url]} if score.citation_url else {}),
            "activity": [{"detail": {
                "instantiatesCanonical": [activity_definition_url(score.calculator, score.category.value, index)],
                "code": {"coding": [_activity_coding(code, locale)], "text": text},
                "status": "not-started", "description": text}}
                for index, (text, code) in enumerate(activities)],
        })
        if notes:
            care_plan["note"] = notes
    return Assessment(score, facts, observation, risk_assessment, care_plan, as_of)


def _activity_coding(code: dict[str, str], locale: str) -> dict[str, str]:
    if code["system"] == OWN_SYSTEM:
        return own_coding(code["code"], locale)
    return dict(code)


def by_identifier(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resources with their references to one another made by identifier, for a CDS
    suggestion: the EHR assigns its own ids when it creates them, the identifiers stay."""
    targets = {f"{r['resourceType']}/{r['id']}": {"type": r["resourceType"], "identifier": r["identifier"][0]}
               for r in resources}
    # The outputs cite one another only in top-level elements (basis, supportingInfo): no deep walk
    # on the request path.
    return [{key: _relink_top(value, targets) if type(value) is list else value for key, value in resource.items()}
            for resource in resources]


def _relink_top(value: list[Any], targets: dict[str, Any]) -> list[Any]:
    if value and isinstance(value[0], dict) and "reference" in value[0]:
        return [targets.get(item.get("reference"), item) for item in value]
    return value


def relink(node: Any, targets: dict[str, Any]) -> Any:
    """``node`` with every Reference whose ``reference`` is a key of ``targets`` replaced: by the
    target itself when it is a Reference object, else its ``reference`` by the target string. Copied on
    write: a dict or list with nothing replaced inside is returned as it is (most of an answer: narratives,
    codings, the inputs' references), one with a replacement is a new one; ``node`` is never changed."""
    if isinstance(node, dict):
        reference = node.get("reference")
        if isinstance(reference, str) and reference in targets:
            target = targets[reference]
            return dict(target) if isinstance(target, dict) else {**node, "reference": target}
    elif not isinstance(node, list):
        return node
    copied: Any = None
    for key, value in node.items() if isinstance(node, dict) else enumerate(node):
        # Leaves (most of a resource) are passed over without a call each; strings, the most of them, without
        # isinstance.
        if type(value) is not str and isinstance(value, _NESTED):
            replaced = relink(value, targets)
            if replaced is not value:
                if copied is None:
                    copied = dict(node) if isinstance(node, dict) else list(node)
                copied[key] = replaced
    return node if copied is None else copied


_NESTED = (dict, list)
