"""The FHIR door: ``POST /fhir/$assess`` (a Bundle in, a Bundle out) and
``GET /fhir/metadata`` (the CapabilityStatement).

The OperationDefinition and the CapabilityStatement are published in
``fhir_profiles/``; this module only serves them, filling in the running version
and address.
"""

from __future__ import annotations

import copy
from functools import cache
from html import escape
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import __version__
from ..data import data_dir, read_json
from ..fhir.validate import InvalidFhir, parse_as_of, unwrap
from ..i18n import LOCALES, negotiate, spoken_language
from ..limits import LimitExceeded
from ..pipeline import assess_bundle
from .body import MAX_DEPTH, json_body
from .errors import FHIR_JSON, JsonError

blueprint = Blueprint("fhir_api", __name__, url_prefix="/fhir")
JSON_FORMATS = ("json", "application/json", "application/fhir+json")


@cache
def _published(name: str) -> dict[str, Any]:
    return read_json("fhir_profiles", name)


def _fhir(body: dict[str, Any], status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.mimetype = FHIR_JSON
    return response


def _invalid(detail: str, problems=()) -> JsonError:
    issues = [{"severity": "error", "code": "invalid", "diagnostics": p.message, "expression": [p.expression]}
              for p in problems] or None
    return JsonError(400, "Bad Request", detail, issues=issues)


@blueprint.post("/$assess")
def assess():
    body = json_body("a FHIR Bundle or Parameters resource", max_depth=MAX_DEPTH)
    unknown = sorted(set(request.args) - {"asOf", "language", "_format", "_pretty"})
    if unknown:  # a misspelt ?asof= would assess as of today without a word
        raise _invalid(f"query parameter(s) {', '.join(repr(name[:40]) for name in unknown)} not taken by $assess "
                       "(asOf, language)")
    twice = sorted(name for name in ("asOf", "language", "_format") if len(request.args.getlist(name)) > 1)
    if twice:  # 0..1 each (OperationDefinition/assess): which one was meant is not for the service to guess
        raise _invalid(f"query parameter(s) {', '.join(twice)} given more than once: $assess takes one of each")
    if request.args.get("_format", "json") not in JSON_FORMATS:
        raise _invalid(f"_format {request.args['_format'][:40]!r}: $assess answers in JSON only "
                       f"({', '.join(JSON_FORMATS)})")
    try:
        asked = unwrap(body)
        both = [name for name, value in (("asOf", asked.as_of), ("language", asked.language))
                if value is not None and name in request.args]
        if both:  # the query and the body would each say one: neither is dropped without a word
            raise _invalid(f"{', '.join(both)} given both as a query parameter and in the Parameters body: "
                           "give it once")
        as_of = asked.as_of or (parse_as_of(request.args["asOf"], "asOf") if "asOf" in request.args else None)
    except InvalidFhir as error:
        raise _invalid(str(error), error.problems) from None
    asked_language = asked.language if asked.language is not None else request.args.get("language")
    if asked_language is not None and spoken_language(asked_language) is None:  # the body's was read by unwrap
        raise _invalid(f"language {str(asked_language)[:40]!r}: not a BCP-47 tag of a language $assess speaks "
                       f"({', '.join(LOCALES)}; e.g. 'fr', 'fr-FR', 'en-GB')")
    language = negotiate(asked_language, accept=request.accept_languages)
    settings = current_app.config["BONEMET"]
    try:
        result = assess_bundle(asked.bundle, when=settings.now(), locale=language,
                               pain_score_bands=settings.pain_bands, fact_windows=settings.windows, where=asked.where,
                               as_of=as_of, limits=settings, count_unread=True)
    except InvalidFhir as error:
        raise _invalid(str(error), error.problems) from None
    except LimitExceeded as error:
        raise JsonError(error.status, "Too costly", str(error), issues=[
            {"severity": "error", "code": "too-costly", "diagnostics": str(error)}]) from None
    return _fhir(result.bundle)


@blueprint.get("/metadata")
def metadata():
    """This instance: the published statement (kind requirements) is what any bonemet-cds server
    provides; this one says it is an instance of it, with its software version and address."""
    published = _published("CapabilityStatement-bonemet.json")
    statement = {key: copy.deepcopy(value) for key, value in published.items() if key not in ("url", "version")}
    base = current_app.config["BONEMET"].base_url + "/fhir"
    statement["text"] = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>'
                         f"bonemet-cds {escape(__version__)} at {escape(base)}: an instance of "
                         f"{escape(published['url'])} version {escape(published['version'])}</p></div>"}
    statement.update({
        "kind": "instance",
        "instantiates": [f"{published['url']}|{published['version']}"],
        "software": {"name": "bonemet-cds", "version": __version__},
        "implementation": {"description": "bonemet-cds", "url": base},
    })
    settings = current_app.config["BONEMET"]
    for rest in statement.get("rest", []):  # what this instance does of what a server may do
        rest["security"] = {**rest.get("security", {}), "cors": bool(settings.cors)}
        rest["resource"] = [r for r in rest.get("resource", []) if "interaction" not in r
                            or canonical_resources().get(r["type"])]
    return _fhir(statement)


# The conformance resources of the package (fhir_profiles/) this server answers reads of, by their canonical's
# type and id: an integrator or an IG tool reads every canonical the outputs and the package cite from here.
CANONICAL_TYPES = ("ActivityDefinition", "CapabilityStatement", "CodeSystem", "ConceptMap", "ImplementationGuide",
                   "OperationDefinition", "PlanDefinition", "Questionnaire", "StructureDefinition", "ValueSet")


@cache
def canonical_resources() -> dict[str, dict[str, dict[str, Any]]]:
    """type -> id -> resource, of every conformance resource of the package (not its examples)."""
    found: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in CANONICAL_TYPES}
    for path in sorted(data_dir("fhir_profiles").glob("[A-Z]*-*.json")):
        kind = path.name.split("-")[0]
        if kind in found:
            resource = _published(path.name)
            found[kind][resource["id"]] = resource
    return found


def _read(kind: str, rid: str):
    resource = canonical_resources()[kind].get(rid)
    if resource is None:
        known = ", ".join(sorted(canonical_resources()[kind]))
        raise JsonError(404, "Not Found", f"no {kind} {rid[:64]!r} in this server's package (it has: {known})",
                        issues=[{"severity": "error", "code": "not-found",
                                 "diagnostics": f"no {kind} {rid[:64]!r} in this server's package (it has: {known})"}])
    return _fhir(resource)


def _search(kind: str):
    """``GET [base]/{type}?url=`` (and ``version``, ``_id``): how a tool resolves a canonical; a searchset Bundle."""
    unknown = sorted(set(request.args) - {"url", "version", "_id", "_format", "_pretty"})
    if unknown:
        raise _invalid(f"search parameter(s) {', '.join(repr(name[:40]) for name in unknown)} not supported "
                       "(url, version, _id)")
    url, _, version = (request.args.get("url") or "").partition("|")  # a canonical may carry its version: url|0.1.0
    wanted = {"url": url or None, "version": version or request.args.get("version"), "id": request.args.get("_id")}
    matches = [resource for resource in canonical_resources()[kind].values()
               if all(value is None or resource.get(key) == value for key, value in wanted.items())]
    base = current_app.config["BONEMET"].base_url + "/fhir"
    return _fhir({"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                  "entry": [{"fullUrl": f"{base}/{kind}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                            for r in matches]})


for _kind in (kind for kind, resources in canonical_resources().items() if resources):
    blueprint.add_url_rule(f"/{_kind}/<rid>", f"read_{_kind}", lambda rid, kind=_kind: _read(kind, rid),
                           methods=["GET"])
    blueprint.add_url_rule(f"/{_kind}", f"search_{_kind}", lambda kind=_kind: _search(kind), methods=["GET"])
