"""Full validation of the resources we read, with the fhir.resources models.

Used by the Bundle doors ($assess, ``bonemet assess``), where a tester wants to
know exactly what is wrong with a resource and where. The CDS Hooks and bulk
paths use the faster shape check (``shape.py``) instead.

Only the types the mapper reads are validated in full; any other resource is
reported as ignored by the mapper, and is not ours to judge (the models are R4B,
whose other resources differ from R4).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import msgspec
from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from ..i18n import LOCALES, spoken_language
from .shape import InvalidResource, check_shape, well_formed

# Each model's validator is built when it first validates, not when its module is imported: a module defines
# classes never met (PatientContact, ObservationReferenceRange...), and a cold ``bonemet assess`` pays only
# for the ones its file holds (issue 28). The same schema, so the same checks and messages. Models defined
# before this line (none of ours: the resource modules load on first use) keep their eager build.
FHIRAbstractModel.set_global_model_config(defer_build=True)

VALIDATED_TYPES = ("Patient", "Condition", "Observation", "ServiceRequest", "Procedure", "QuestionnaireResponse")


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong in the input: where (a FHIRPath-like expression) and what."""

    expression: str
    message: str


class InvalidFhir(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.expression}: {p.message}" for p in problems))


def _path(where: str, location: tuple[Any, ...]) -> str:
    path = where
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


# R4's required bindings on the elements the mapper reads, which the R4B models do not check.
# Codes (element -> allowed codes), from the R4 ValueSets named beside each.
REQUIRED_CODES: dict[str, dict[str, frozenset[str]]] = {
    "Observation": {"status": frozenset({  # http://hl7.org/fhir/ValueSet/observation-status|4.0.1
        "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"})},
    "ServiceRequest": {
        "status": frozenset({  # http://hl7.org/fhir/ValueSet/request-status|4.0.1
            "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
        "intent": frozenset({  # http://hl7.org/fhir/ValueSet/request-intent|4.0.1
            "proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
            "instance-order", "option"})},
    "Procedure": {"status": frozenset({  # http://hl7.org/fhir/ValueSet/event-status|4.0.1
        "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"})},
    "Patient": {"gender": frozenset({"male", "female", "other", "unknown"})},  # administrative-gender
    "QuestionnaireResponse": {"status": frozenset({  # questionnaire-answers-status|4.0.1
        "in-progress", "completed", "amended", "entered-in-error", "stopped"})},
}
# CodeableConcepts with a required binding: a coding of the bound system must use one of its codes.
# (A coding of another system is not ours to refuse; the mapper reports what it cannot read.)
REQUIRED_CONCEPTS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    "Condition": {
        "clinicalStatus": ("http://terminology.hl7.org/CodeSystem/condition-clinical", frozenset({
            "active", "recurrence", "relapse", "inactive", "remission", "resolved"})),
        "verificationStatus": ("http://terminology.hl7.org/CodeSystem/condition-ver-status", frozenset({
            "unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"})),
    },
}


def binding_problems(resource: dict[str, Any], where: str) -> list[Problem]:
    """Codes outside R4's required bindings, on the elements the mapper reads."""
    kind = resource["resourceType"]
    problems = []
    for element, allowed in REQUIRED_CODES.get(kind, {}).items():
        value = resource.get(element)
        if value is not None and value not in allowed:
            problems.append(Problem(f"{where}.{element}", f"{str(value)[:40]!r} is not a code of R4's required "
                                    f"ValueSet for {kind}.{element} ({', '.join(sorted(allowed))})"))
    for element, (system, allowed) in REQUIRED_CONCEPTS.get(kind, {}).items():
        concept = resource.get(element)
        for index, coding in enumerate(concept.get("coding") or [] if isinstance(concept, dict) else []):
            if isinstance(coding, dict) and coding.get("system") == system and coding.get("code") not in allowed:
                problems.append(Problem(f"{where}.{element}.coding[{index}].code",
                                        f"{str(coding.get('code'))[:40]!r} is not a code of {system} "
                                        f"({', '.join(sorted(allowed))})"))
    return problems


def resource_problems(resource: Any, where: str) -> list[Problem]:
    """What is wrong with one resource, each problem with its location."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return [Problem(where, "must be a FHIR resource (a JSON object with a resourceType)")]
    if resource["resourceType"] not in VALIDATED_TYPES:
        return []
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as error:
        return [Problem(_path(where, tuple(e["loc"])), e["msg"]) for e in error.errors()[:20]]
    return binding_problems(resource, where)


Entry = tuple[str | None, dict[str, Any], str]  # (fullUrl, resource, where it is)


def bundle_entries(bundle: Any, where: str = "Bundle",
                   read: Callable[[dict[str, Any]], bool] | None = None) -> list[Entry]:
    """(fullUrl, resource, where it is) of every entry of a Bundle, all validated; raises ``InvalidFhir``.

    ``read``: whether the mapper may read a resource. Those it may read are validated in full with the
    FHIR models; the others (the labs and medications of a real record) only get the shape check that
    keeps anything from crashing on them, which costs a hundredth as much (default: all in full)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidFhir([Problem(where, "must be a FHIR Bundle")])
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InvalidFhir([Problem(f"{where}.entry", "must be a list")])
    problems: list[Problem] = []
    found = []
    seen: dict[str, tuple[int, dict]] = {}  # "Type/id" -> first entry: one id must mean one resource
    for index, entry in enumerate(entries):
        at = f"{where}.entry[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            if isinstance(entry, dict) and isinstance(entry.get("request"), dict) and \
                    entry["request"].get("method") == "DELETE":  # a history's or a transaction's deletion
                problems.append(Problem(f"{at}.request", "a deletion (request.method DELETE): the service reads the "
                                        "patient's current resources, not changes to them; send those (a searchset "
                                        "or a collection Bundle)"))
                continue
            problems.append(Problem(at, "must be an object with a resource"))
            continue
        full_url = entry.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            problems.append(Problem(f"{at}.fullUrl", "must be a string"))
        if read is None or read(entry["resource"]):
            problems += resource_problems(entry["resource"], f"{at}.resource")
        elif not isinstance(kind := entry["resource"].get("resourceType"), str) or \
                not well_formed(entry["resource"], kind, dates=False):
            try:
                check_shape(entry["resource"], f"{at}.resource", dates=False)  # nothing reads its dates
            except InvalidResource as error:
                problems.append(Problem(error.where, str(error).removeprefix(f"{error.where}: ")))
        resource = entry["resource"]
        if isinstance(resource.get("id"), str) and isinstance(resource.get("resourceType"), str):
            key = f"{resource['resourceType']}/{resource['id']}"
            if key in seen:
                first, earlier = seen[key]
                if earlier == resource:
                    continue  # the same resource twice counts once
                if _version(earlier) == _version(resource):
                    problems.append(Problem(f"{at}.resource.id", f"{key} is also entry[{first}], with other content "
                                            "and no other meta.versionId or meta.lastUpdated: which holds cannot "
                                            "be told"))
                    continue
                # Two versions of one resource (a history Bundle, FHIR's bdl-7): the mapper reads the newer and
                # names the older in its report.
            seen[key] = (index, resource)
        found.append((full_url if isinstance(full_url, str) else None, entry["resource"], f"{at}.resource"))
    if problems:
        raise InvalidFhir(problems)
    return found


def _version(resource: dict[str, Any]) -> tuple[str, str]:
    meta = resource["meta"] if isinstance(resource.get("meta"), dict) else {}
    return str(meta.get("versionId", "")), str(meta.get("lastUpdated", ""))


class AssessRequest(msgspec.Struct, frozen=True):
    """What an $assess call asks: the Bundle (and where it sits), the language, the assessment date."""

    bundle: Any
    where: str
    language: str | None = None
    as_of: date | None = None


def parse_as_of(text: Any, where: str) -> date:
    """An assessment date from ``YYYY-MM-DD`` (or a dateTime, whose day is taken); raises ``InvalidFhir``."""
    if isinstance(text, str):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise InvalidFhir([Problem(where, f"must be a date YYYY-MM-DD, not {str(text)[:40]!r}")])


_ASSESS_PARTS = ("bundle", "language", "asOf")
def unwrap(body: Any) -> AssessRequest:
    """The $assess request in a Bundle or a Parameters body (parts ``bundle``, ``language`` (a BCP-47 tag
    whose language the service speaks, ``i18n.LOCALES``; the request's ``language`` is that one), ``asOf``);
    raises ``InvalidFhir``."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        return AssessRequest(body, "Bundle")
    parameters = body.get("parameter")
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise InvalidFhir([Problem("Parameters.parameter", "must be a list of objects")])
    named = {p["name"]: (index, p) for index, p in reversed(list(enumerate(parameters)))
             if isinstance(p.get("name"), str)}  # a name of another type names no part (a dict: unhashable)
    # Nothing of the request is dropped without a word: a part $assess does not take, or a second one, is refused.
    problems = []
    seen: set[str] = set()
    for index, part in enumerate(parameters):
        name = part.get("name")
        if name not in _ASSESS_PARTS:
            problems.append(Problem(f"Parameters.parameter[{index}].name", f"{str(name)[:60]!r} is not a parameter of "
                                    f"$assess ({', '.join(_ASSESS_PARTS)}; see OperationDefinition/assess)"))
        elif name in seen:
            problems.append(Problem(f"Parameters.parameter[{index}]", f"a second {name!r}: $assess takes one"))
        else:
            seen.add(name)
    language_part = named.get("language")
    if language_part and not isinstance(language_part[1].get("valueCode", language_part[1].get("valueString")), str):
        problems.append(Problem(f"Parameters.parameter[{language_part[0]}]", "language is a language tag: give it "
                                "as valueCode (or valueString), e.g. 'en', 'fr' or 'fr-FR'"))
    if "bundle" not in named:
        problems.append(Problem("Parameters.parameter", "has no parameter named 'bundle' "
                                "(see OperationDefinition/assess)"))
    if problems:
        raise InvalidFhir(problems)
    index, parameter = named["bundle"]
    language = None
    if language_part:
        element = "valueCode" if "valueCode" in language_part[1] else "valueString"
        tag = language_part[1][element]
        language = spoken_language(tag)
        if language is None:
            raise InvalidFhir([Problem(f"Parameters.parameter[{language_part[0]}].{element}",
                                       f"{tag[:40]!r} is not a BCP-47 tag of a language $assess speaks "
                                       f"({', '.join(LOCALES)}; e.g. 'fr', 'fr-FR', 'en-GB')")])
    as_of = None
    if "asOf" in named:
        at, part = named["asOf"]
        if "valueDate" not in part and "valueDateTime" not in part:
            raise InvalidFhir([Problem(f"Parameters.parameter[{at}]", "asOf is a date: give it as valueDate "
                                       "(YYYY-MM-DD)")])
        element = "valueDate" if "valueDate" in part else "valueDateTime"
        as_of = parse_as_of(part.get(element), f"Parameters.parameter[{at}].{element}")
    return AssessRequest(parameter.get("resource"), f"Parameters.parameter[{index}].resource", language, as_of)
