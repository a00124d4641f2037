"""Full validation of the resources we read, with the official FHIR R4 JSON schema.

Used by the Bundle doors ($assess, ``bonemet assess``), where a tester wants to know exactly what is wrong
with a resource and where. The CDS Hooks and bulk paths use the faster shape check (``shape.py``) instead.

The schema is R4's own (``r4_schema.json``: the official JSON schema cut to the types below and what they
use, with the rules of R4 it leaves out put back: required primitives, one form of a choice, objects;
``tests/fhir_schema/trim.py`` makes it), run by jsonschema-rs, in Rust: about 2 µs a resource, where the
``fhir.resources`` models (R4B, not R4) took 50 to 70 µs in Python, most of ``$assess``'s validation
(issue 28); it also checks that every date is a day of the calendar (2026-02-30 matches the schema's pattern;
``shape.a_calendar_day``). Then the codes of R4's required bindings the schema gives no enum, and those on
CodeableConcepts, which no JSON schema says (``binding_problems``).

Only the types the mapper reads are validated in full; any other resource is reported as ignored by the
mapper, and is not ours to judge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
import msgspec
import orjson

from ..i18n import LOCALES, spoken_language
from .shape import TIME_WITHOUT_ZONE, InvalidResource, a_calendar_day, check_shape, well_formed

VALIDATED_TYPES = ("Patient", "Condition", "Observation", "ServiceRequest", "Procedure", "QuestionnaireResponse")
CONTAINED_TYPES = (*VALIDATED_TYPES, "BodyStructure")  # a lesion's site, contained in its Condition


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong in the input: where (a FHIRPath-like expression) and what."""

    expression: str
    message: str


class InvalidFhir(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.expression}: {p.message}" for p in problems))


def _path(where: str, location: tuple[Any, ...] | list[Any]) -> str:
    path = where
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


@cache
def _definitions() -> dict[str, Any]:
    return orjson.loads(resources.files(__package__).joinpath("r4_schema.json").read_bytes())["definitions"]


@cache
def _validator(kind: str) -> Any:
    """The schema of one resource type, compiled on first use (a cold ``bonemet assess`` compiles the types its
    file holds: a few milliseconds each)."""
    return jsonschema_rs.Draft6Validator({"$ref": f"#/definitions/{kind}", "definitions": _definitions()},
                                         formats={"calendar-day": a_calendar_day}, validate_formats=True)


# Primitive types that share a pattern are named by the widest (a url is a uri, markdown a string).
_WIDEST = ("uri", "string", "dateTime", "decimal")


@cache
def _primitive_of_pattern() -> dict[str, str]:
    """A primitive type's pattern -> its name, to say "not a valid dateTime" rather than the pattern."""
    names = {definition["pattern"]: name for name, definition in _definitions().items()
             if name[:1].islower() and "pattern" in definition}
    names.update({_definitions()[name]["pattern"]: name for name in _WIDEST})
    return names


_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "a string", "number": "a number",
               "integer": "an integer", "boolean": "true or false", "null": "null"}
_MAX_PROBLEMS = 20  # per resource: a tester reads the first ones


def _element_name(schema_path: list[Any]) -> tuple[str, dict[str, Any]]:
    """The FHIR name ("QuestionnaireResponse.item.answer": a backbone's path is its ``$comment``) and the schema of
    the definition an error's rule is in."""
    at = max(index for index, part in enumerate(schema_path) if part == "definitions")
    definition = _definitions()[schema_path[at + 1]]
    return definition.get("$comment", schema_path[at + 1]), definition


def _quoted(value: Any) -> str:
    text = str(value)
    return repr(text) if len(text) <= 60 else f"{text[:60]!r}… ({len(text)} characters)"


def _worded(error: Any, where: str) -> list[Problem]:
    """A schema error as the problems a tester reads: where, and what in FHIR's words (not the schema's)."""
    path, kind, schema_path = _path(where, list(error.instance_path)), error.kind, list(error.schema_path)
    name = kind.name
    if name in ("anyOf", "oneOf") and not isinstance(error.instance, dict):
        return []  # a rule about an object's elements, on what is no object: its type error says it
    if name == "additionalProperties":
        owner = _element_name(schema_path)[0]
        return [Problem(f"{path}.{element}", f"is not an element of R4's {owner}") for element in kind.unexpected]
    if name == "required":
        return [Problem(f"{path}.{kind.property}", f"is required ({_element_name(schema_path)[0]}.{kind.property})")]
    if name in ("anyOf", "oneOf") and "allOf" in schema_path:
        owner, definition = _element_name(schema_path)
        rule = definition["allOf"][schema_path[schema_path.index("allOf") + 1]]
        what, element = rule.get("$comment", " ").split(" ", 1)
        if what == "required":
            return [Problem(f"{path}.{element}", f"is required ({owner}.{element})")]
        if what == "choice":
            forms = [form["required"][0] for form in rule["oneOf"] if "required" in form]
            given = [form for form in forms if isinstance(error.instance, dict) and form in error.instance]
            if len(given) > 1:
                return [Problem(f"{path}.{given[1]}", f"{owner}.{element} takes one form: {', '.join(given)} are "
                                                      "given")]
            return [Problem(f"{path}.{element}", f"is required ({owner}.{element}): give one of "
                                                 f"{', '.join(forms)}")]
    if name == "enum":
        owner = _element_name(schema_path)[0]
        element = schema_path[-3] if schema_path[-2:-1] == ["items"] else schema_path[-2]
        codes = ", ".join(sorted(map(str, kind.options)))
        if not isinstance(error.instance, str):
            return [Problem(path, f"must be a code, as a string: one of R4's required ValueSet for {owner}.{element} "
                                  f"({codes})")]
        return [Problem(path, f"{error.instance[:40]!r} is not a code of R4's required ValueSet for {owner}.{element} "
                              f"({codes})")]
    if name == "type":
        return [Problem(path, "must be " + " or ".join(_TYPE_WORDS.get(t, t) for t in kind.types))]
    if name == "pattern":
        primitive = _primitive_of_pattern().get(kind.pattern)
        if primitive in ("dateTime", "instant") and TIME_WITHOUT_ZONE.fullmatch(str(error.instance)):
            return [Problem(path, f"{_quoted(error.instance)} is a time without its time zone: FHIR requires one (Z "
                                  "or +01:00)")]
        return [Problem(path, f"{_quoted(error.instance)} is not a valid {primitive}" if primitive else
                              f"{_quoted(error.instance)} is not of the form R4 requires")]
    if name == "format":  # calendar-day
        return [Problem(path, f"{_quoted(error.instance)} is not a date")]
    if name in ("minimum", "maximum"):
        return [Problem(path, f"{_quoted(error.instance)} is out of the range of its R4 type ({name} "
                              f"{kind.limit})")]
    if name == "falseSchema":  # a contained resource's own contained
        return [Problem(path, "a contained resource contains no resources (R4, dom-2)")]
    if name == "const":
        return [Problem(path, f"must be {kind.expected_value!r}")]
    return [Problem(path, str(error.message)[:200])]


def schema_problems(resource: dict[str, Any], kind: str, where: str) -> list[Problem]:
    """What R4's schema finds wrong in one resource of a type it holds, each problem with its location."""
    validator = _validator(kind)
    try:
        if validator.is_valid(resource):
            return []
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): JSON may escape one, no FHIR string holds one (review 34:
        return [Problem(where, "holds text that is not valid Unicode (a lone surrogate such as \\ud800)")]  # a 500)
    problems: dict[str, Problem] = {}  # one per element: "NaN" for a decimal is not a number, said once
    for error in validator.iter_errors(resource):
        for problem in _worded(error, where):
            problems.setdefault(problem.expression, problem)
        if len(problems) >= _MAX_PROBLEMS:
            break
    return list(problems.values())[:_MAX_PROBLEMS]


# R4's required bindings on the elements the mapper reads that the JSON schema gives no enum (it has one for
# Observation.status, Patient.gender, QuestionnaireResponse.status; review 25: not for these). Codes, from the R4
# ValueSets named beside each.
REQUIRED_CODES: dict[str, dict[str, frozenset[str]]] = {
    "ServiceRequest": {
        "status": frozenset({  # http://hl7.org/fhir/ValueSet/request-status|4.0.1
            "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}),
        "intent": frozenset({  # http://hl7.org/fhir/ValueSet/request-intent|4.0.1
            "proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
            "instance-order", "option"})},
    "Procedure": {"status": frozenset({  # http://hl7.org/fhir/ValueSet/event-status|4.0.1
        "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"})},
}
# R4's required bindings on the CodeableConcepts the mapper reads, which no JSON schema says (it binds codes,
# not concepts): a coding of the bound system must use one of its codes. (A coding of another system is not ours
# to refuse; the mapper reports what it cannot read.)
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
        if isinstance(value, str) and value not in allowed:  # another JSON type is the schema's to say
            problems.append(Problem(f"{where}.{element}", f"{value[:40]!r} is not a code of R4's required ValueSet "
                                    f"for {kind}.{element} ({', '.join(sorted(allowed))})"))
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
    kind = resource["resourceType"]
    if kind not in VALIDATED_TYPES:
        return []
    problems = schema_problems(resource, kind, where)
    contained = resource.get("contained")
    for index, inner in enumerate(contained if isinstance(contained, list) else []):
        if isinstance(inner, dict) and inner.get("resourceType") in CONTAINED_TYPES:
            problems += schema_problems(inner, inner["resourceType"], f"{where}.contained[{index}]")
    if problems:
        return problems[:_MAX_PROBLEMS]
    if not well_formed(resource, kind):  # the elements the mapper reads, as it reads them (a safety net)
        try:
            check_shape(resource, where)
        except InvalidResource as error:
            return [Problem(error.where, str(error).removeprefix(f"{error.where}: "))]
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
        # Where it is, written out once per entry (the resource's place); the entry's only for a problem's words.
        at_resource = f"{where}.entry[{index}].resource"
        if not isinstance(entry, dict) or not isinstance(resource := entry.get("resource"), dict):
            at = f"{where}.entry[{index}]"
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
            problems.append(Problem(f"{where}.entry[{index}].fullUrl", "must be a string"))
        kind = resource.get("resourceType")
        if read is None or read(resource):
            if not isinstance(kind, str) or kind in VALIDATED_TYPES:  # resource_problems has nothing to say of others
                problems += resource_problems(resource, at_resource)
        elif not isinstance(kind, str) or not well_formed(resource, kind, dates=False):
            try:
                check_shape(resource, at_resource, dates=False)  # nothing reads its dates
            except InvalidResource as error:
                problems.append(Problem(error.where, str(error).removeprefix(f"{error.where}: ")))
        if isinstance(rid := resource.get("id"), str) and isinstance(kind, str):
            key = f"{kind}/{rid}"
            if key in seen:
                first, earlier = seen[key]
                if earlier == resource:
                    continue  # the same resource twice counts once
                if _version(earlier) == _version(resource):
                    problems.append(Problem(f"{at_resource}.id", f"{key} is also entry[{first}], with other content "
                                            "and no other meta.versionId or meta.lastUpdated: which holds cannot "
                                            "be told"))
                    continue
                # Two versions of one resource (a history Bundle, FHIR's bdl-7): the mapper reads the newer and
                # names the older in its report.
            seen[key] = (index, resource)
        found.append((full_url if isinstance(full_url, str) else None, resource, at_resource))
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
