"""The HTTP interface as OpenAPI 3.1, built by apispec from the marshmallow schemas that validate the
requests (``schemas.py``), so the document cannot drift from what the service accepts.

Served at ``/openapi.json``; ``/docs`` renders it as plain HTML on the server (no script, no CDN).
The test suite checks it with openapi-spec-validator and runs schemathesis against the service.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import INCLUDE, Schema, fields

from .. import __version__
from ..i18n import LOCALES
from .fhir_api import canonical_resources
from .prefetch import OPTIONAL_PREFETCH, PREFETCH
from .schemas import FeedbackRequest, HookRequest, OrderSignContext, PatientViewContext


class ErrorBody(Schema):
    class Meta:
        unknown = INCLUDE

    error = fields.String(required=True, metadata={"description": "the HTTP status's name"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "what is wrong, in words"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "each invalid field and what is wrong"})
    field = fields.String(metadata={"description": "where the problem is"})


class Link(Schema):
    label = fields.String(required=True)
    url = fields.String(required=True)
    type = fields.String(required=True, metadata={"enum": ["absolute", "smart"]})
    autoLaunchable = fields.Boolean()


class Coding(Schema):
    system = fields.String()
    code = fields.String(required=True)
    display = fields.String()


class Source(Schema):
    label = fields.String(required=True)
    url = fields.String(metadata={"description": "the guideline page of this service the card cites"})
    icon = fields.String()
    topic = fields.Nested(Coding)


class Action(Schema):
    """CDS Hooks 2.0 Action: a create carries the resource; a delete names one draft order by relative
    reference (``resourceId``, a string)."""

    type = fields.String(required=True, metadata={"enum": ["create", "update", "delete"]})
    description = fields.String(required=True)
    resource = fields.Dict(metadata={"description": "the FHIR resource to create (create, update)"})
    resourceId = fields.String(metadata={"description": "the draft order to delete, as Type/id (delete)"})


class Suggestion(Schema):
    label = fields.String(required=True)
    uuid = fields.String(metadata={"description": "named by the feedback's acceptedSuggestions"})
    isRecommended = fields.Boolean()
    actions = fields.List(fields.Nested(Action))


class Card(Schema):
    uuid = fields.String()
    summary = fields.String(required=True, metadata={"maxLength": 140})
    detail = fields.String(metadata={"description": "GitHub-flavoured markdown"})
    indicator = fields.String(required=True, metadata={"enum": ["info", "warning", "critical"]})
    source = fields.Nested(Source, required=True)
    suggestions = fields.List(fields.Nested(Suggestion))
    selectionBehavior = fields.String(metadata={"enum": ["at-most-one", "any"]})
    overrideReasons = fields.List(fields.Nested(Coding))
    links = fields.List(fields.Nested(Link))


class Cards(Schema):
    cards = fields.List(fields.Nested(Card), required=True)


class Service(Schema):
    id = fields.String(required=True)
    hook = fields.String(required=True)
    title = fields.String()
    description = fields.String(required=True)
    prefetch = fields.Dict(keys=fields.String(), values=fields.String())
    usageRequirements = fields.String()


class Discovery(Schema):
    services = fields.List(fields.Nested(Service), required=True)


class FeedbackStored(Schema):
    stored = fields.Integer(required=True)
    already_stored = fields.Integer(required=True)


class Health(Schema):
    status = fields.String(required=True)
    service = fields.String()
    version = fields.String()


FHIR_RESOURCE = {"type": "object", "required": ["resourceType"],
                 "properties": {"resourceType": {"type": "string"}}, "additionalProperties": True}


# The FHIR R4 rules of a Bundle and its resources are checked by the service (400 naming each problem),
# past what a JSON schema here says.
BUNDLE = {"type": "object", "required": ["resourceType"], "additionalProperties": True,
          "properties": {"resourceType": {"const": "Bundle"}}}
# $assess reads a Bundle, or a Parameters resource with the parts bundle, language and asOf
# (OperationDefinition/assess).
ASSESS_INPUT = {"oneOf": [BUNDLE, {
    "type": "object", "required": ["resourceType", "parameter"], "additionalProperties": True,
    "properties": {"resourceType": {"const": "Parameters"}, "parameter": {"type": "array", "minItems": 1, "items": {
        "oneOf": [{"type": "object", "required": ["name", "resource"],
                   "properties": {"name": {"const": "bundle"}, "resource": BUNDLE}},
                  {"type": "object", "required": ["name", "valueCode"],
                   "properties": {"name": {"const": "language"}, "valueCode": {"enum": list(LOCALES)}}},
                  {"type": "object", "required": ["name"], "properties": {"name": {"const": "asOf"}},
                   "anyOf": [{"required": ["valueDate"], "properties": {"valueDate": {"type": "string",
                                                                                      "format": "date"}}},
                             {"required": ["valueDateTime"], "not": {"required": ["valueDate"]},
                              "properties": {"valueDateTime": {"type": "string", "format": "date-time"}}}]}]},
        "contains": {"type": "object", "required": ["name"], "properties": {"name": {"const": "bundle"}}},
        "minContains": 1}}}]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Any, description: str) -> dict[str, Any]:
    """A JSON response; ``schema`` a component's name or a schema."""
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema) if isinstance(schema, str) else schema}}}


def _fhir(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/fhir+json": {"schema": FHIR_RESOURCE}}}


ERRORS = {
    "400": "the body or a parameter is invalid; `detail` (and `fields`) say what and where",
    "401": "no valid JWT from a trusted EHR issuer (when issuers are configured)",
    "404": "no such service",
    "412": "the prefetch is missing and the EHR's FHIR server cannot supply it",
    "413": "the body or the number of resources is over the limit",
    "415": "the body is not JSON",
    "422": "well-formed but refused (too many patients or scored Conditions; feedback on a card not issued)",
    "431": "a header over 16 KiB",
    "503": "over the request deadline, or the store is unavailable",
}


# A real request per endpoint that takes a body, and its answer (abridged: "…"), shown on /docs; the tests send
# each request and compare the answer's card summaries with these, so that they cannot drift.
API_EXAMPLES: dict[str, Any] = json.loads((Path(__file__).parent / "api_examples.json").read_text("utf-8"))
# Answers of the endpoints without a body, abridged ("…").
_ANSWERS: dict[str, Any] = {
    "/cds-services": {"services": [{"id": "bonemet-patient-view", "hook": "patient-view",
                                    "title": "Bone metastases: Mirels and Rades", "description": "…",
                                    "prefetch": {"patient": "Patient/{{context.patientId}}",
                                                 "conditions": "Condition?patient={{context.patientId}}",
                                                 "observations": "Observation?patient={{context.patientId}}&code=…"}},
                                   {"id": "bonemet-order-sign", "hook": "order-sign", "description": "…",
                                    "prefetch": {"…": "…"}}]},
    "/fhir/metadata": {"resourceType": "CapabilityStatement", "id": "bonemet", "kind": "instance",
                       "fhirVersion": "4.0.1", "rest": [{"mode": "server", "…": "…"}]},
    "/health": {"service": "bonemet-cds", "status": "ok", "version": __version__},
    "/ready": {"status": "ready"},
    "/metrics": "# HELP bonemet_requests_total Requests answered\n# TYPE bonemet_requests_total counter\n…",
    "/openapi.json": {"openapi": "3.1.0", "info": {"title": "bonemet-cds", "…": "…"}, "paths": {"…": "…"}},
}


def _errors(*codes: str, fhir: bool = False) -> dict[str, Any]:
    return {code: _fhir(ERRORS[code]) if fhir else _json("ErrorBody", ERRORS[code]) for code in codes}


@cache
def openapi_document(base_url: str = "", fetches: bool = True) -> dict[str, Any]:
    """The document of this instance: ``fetches`` False where no FHIR server may be called
    (``BONEMET_FHIR_ALLOWED_HOSTS`` empty), where a CDS Hooks request must then carry every prefetch key."""
    spec = APISpec(title="bonemet-cds", version=__version__, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Clinical decision support for bone metastases (Mirels, Rades) through "
                                        "CDS Hooks 2.0 and a FHIR R4 operation. See the README.",
                         "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
                   servers=[{"url": base_url}] if base_url else [])
    for name, schema in [("ErrorBody", ErrorBody), ("Cards", Cards), ("Discovery", Discovery),
                         ("FeedbackStored", FeedbackStored), ("Health", Health)]:
        spec.components.schema(name, schema=schema)
    spec.components.schema("HookRequest", schema=HookRequest("patient-view"))
    spec.components.schema("PatientViewContext", schema=PatientViewContext)
    spec.components.schema("OrderSignContext", schema=OrderSignContext)
    spec.components.schema("FeedbackRequest", schema=FeedbackRequest)
    spec.components.security_scheme("ehrJwt", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                               "description": "CDS Hooks: a JWT signed by a trusted EHR issuer "
                                                              "(required when BONEMET_TRUSTED_ISSUERS is set)"})
    secured: list[dict[str, list]] = [{"ehrJwt": []}, {}]
    service_id = {"name": "service_id", "in": "path", "required": True,
                  "schema": {"type": "string", "enum": ["bonemet-patient-view", "bonemet-order-sign"]}}
    spec.path("/cds-services", operations={"get": {
        "summary": "CDS Hooks discovery", "tags": ["CDS Hooks"],
        "responses": {"200": _json("Discovery", "the services, with their prefetch templates")}}})
    for hook, service in (("patient-view", "bonemet-patient-view"), ("order-sign", "bonemet-order-sign")):
        spec.path(f"/cds-services/{service}", operations={"post": {
            "summary": f"Call the {hook} service", "tags": ["CDS Hooks"], "security": secured,
            "parameters": [{"name": "Accept-Language", "in": "header", "schema": {"type": "string"},
                            "description": "fr for French cards"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(_request(hook))}}},
            "responses": {"200": _json("Cards", "the cards"),
                          **_errors("400", "401", "412", "413", "415", "422", "431", "503")}}})
    spec.path("/cds-services/{service_id}/feedback", parameters=[service_id], operations={"post": {
        "summary": "CDS Hooks feedback on issued cards", "tags": ["CDS Hooks"], "security": secured,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("FeedbackRequest")}}},
        "responses": {"200": _json("FeedbackStored", "stored (a repeat is counted, never stored twice)"),
                      **_errors("400", "401", "404", "413", "415", "422", "431", "503")}}})
    spec.path("/fhir/$assess", operations={"post": {
        "summary": "Assess every patient of a Bundle (FHIR operation, OperationDefinition/assess)",
        "tags": ["FHIR"], "security": secured,
        "parameters": [{"name": "asOf", "in": "query", "schema": {"type": "string", "format": "date"}}],
        "requestBody": {"required": True, "content": {
            "application/fhir+json": {"schema": ASSESS_INPUT}, "application/json": {"schema": ASSESS_INPUT}},
            "description": "a Bundle, or a Parameters resource with parts bundle, language, asOf"},
        "responses": {"200": _fhir("a collection Bundle: per patient the scores, an OperationOutcome, a Provenance"),
                      **_errors("400", "401", "413", "415", "422", "431", "503", fhir=True)}}})
    spec.path("/fhir/metadata", operations={"get": {
        "summary": "CapabilityStatement of this instance", "tags": ["FHIR"],
        "responses": {"200": _fhir("the CapabilityStatement")}}})
    for kind, resources in canonical_resources().items():
        if not resources:
            continue
        spec.path(f"/fhir/{kind}/{{rid}}", parameters=[{
            "name": "rid", "in": "path", "required": True, "description": f"the id of one of the package's {kind}s",
            "schema": {"type": "string", "enum": sorted(resources)}}], operations={"get": {
                "summary": f"A {kind} of the package (fhir_profiles/), by id", "tags": ["FHIR"],
                "responses": {"200": _fhir(f"the {kind}"),
                              "404": _fhir(f"no such {kind} in the package (OperationOutcome)")}}})
        spec.path(f"/fhir/{kind}", operations={"get": {
            "summary": f"The package's {kind}s, by canonical url (and version, _id)", "tags": ["FHIR"],
            "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}}
                           for name in ("url", "version", "_id")],
            "responses": {"200": _fhir("a searchset Bundle"), **_errors("400", fhir=True)}}})
    spec.path("/health", operations={"get": {
        "summary": "Liveness: the process answers", "tags": ["Operations"],
        "responses": {"200": _json("Health", "alive")}}})
    spec.path("/ready", operations={"get": {
        "summary": "Readiness: tables, ValueSets and the store can be used", "tags": ["Operations"],
        "responses": {"200": _json("Health", "ready"), "503": _json("ErrorBody", "not ready, and why")}}})
    spec.path("/metrics", operations={"get": {
        "summary": "Prometheus metrics", "tags": ["Operations"],
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}}}})
    spec.path("/openapi.json", operations={"get": {
        "summary": "This document", "tags": ["Operations"],
        "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")}}})
    html = {"description": "an HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
    spec.path("/docs", operations={"get": {"summary": "This document as a page", "tags": ["Screens"],
                                           "responses": {"200": html}}})
    form = {"type": "object", "properties": {"bundle": {"type": "string"}, "example": {"type": "string"},
                                             "lang": {"type": "string"}, "download": {"type": "string"}}}
    page_error = {"description": "the page, saying what is wrong",
                  "content": {"text/html": {"schema": {"type": "string"}}}}
    spec.path("/", operations={
        "get": {"summary": "The tester's page", "tags": ["Screens"], "responses": {"200": html}},
        "post": {"summary": "Assess a Bundle on the tester's page (off where callers authenticate)",
                 "tags": ["Screens"],
                 "requestBody": {"content": {"multipart/form-data": {"schema": form},
                                             "application/x-www-form-urlencoded": {"schema": form}}},
                 "responses": {"200": {"description": "the page with the cards, or the answer Bundle (download)",
                                       "content": {"text/html": {"schema": {"type": "string"}},
                                                   "application/fhir+json": {"schema": FHIR_RESOURCE}}},
                               "400": page_error, "403": page_error, "413": _json("ErrorBody", ERRORS["413"]),
                               "422": page_error}}})
    document = spec.to_dict()
    _with_examples(document)
    schemas = document["components"]["schemas"]
    for hook, context in (("patient-view", "PatientViewContext"), ("order-sign", "OrderSignContext")):
        schemas[_request(hook)] = _hook_request(schemas["HookRequest"], hook, context, fetches)
    # FeedbackItem.check, in JSON schema: only an overridden card has a reason, only an accepted one suggestions.
    schemas["FeedbackItem"]["allOf"] = [
        {"if": {"properties": {"outcome": {"const": "accepted"}}},
         "then": {"not": {"required": ["overrideReason"]}}},
        {"if": {"properties": {"outcome": {"const": "overridden"}}},
         "then": {"properties": {"acceptedSuggestions": {"maxItems": 0}}}}]
    # The ids checked in code (schemas._fhir_id, _typed_id), as JSON schema (ECMA-262: "$" is the end).
    for context in ("PatientViewContext", "OrderSignContext"):
        properties = schemas[context]["properties"]
        for name in ("patientId", "encounterId"):
            properties[name]["pattern"] = r"^(?!\.\.?$)[A-Za-z0-9\-.]{1,64}$"
        properties["userId"]["pattern"] = r"^[A-Z][A-Za-z]{1,63}/(?!\.\.?$)[A-Za-z0-9\-.]{1,64}$"
    schemas["OrderSignContext"]["properties"]["draftOrders"] = {
        "type": "object", "required": ["resourceType"], "additionalProperties": True,
        "properties": {"resourceType": {"const": "Bundle"}, "entry": {"type": "array", "items": {
            "type": "object", "required": ["resource"], "properties": {"resource": FHIR_RESOURCE}}}}}
    return document


def _with_examples(document: dict[str, Any]) -> None:
    """Each endpoint's example request body and 200 answer, where /docs and an OpenAPI tool show them."""
    bodies = {"/cds-services/bonemet-patient-view": "patient-view", "/cds-services/bonemet-order-sign": "order-sign",
              "/cds-services/{service_id}/feedback": "feedback", "/fhir/$assess": "assess"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            example = API_EXAMPLES.get(bodies.get(path, ""))
            if example and method == "post":
                for media in operation["requestBody"]["content"].values():
                    media["example"] = example["request"]
            answer = example["response"] if example else _ANSWERS.get(path)
            if answer is None and path.startswith("/fhir/") and "{rid}" in path:
                answer = {"resourceType": path.split("/")[2], "id": "…", "url": "…", "…": "…"}
            elif answer is None and path.startswith("/fhir/") and path != "/fhir/$assess":
                answer = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"…": "…"}}]}
            for media_type, media in operation["responses"].get("200", {}).get("content", {}).items():
                if answer is not None and media_type != "text/html":  # a page is its own example
                    media["example"] = answer


def docs_entries(document: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    """Each operation as /docs shows it: a curl line that calls it, its example body and answer, its statuses."""
    entries = []
    for path, operations in document["paths"].items():
        parameters = list(operations.get("parameters", []))
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "delete"):
                continue
            url = path
            for parameter in parameters + operation.get("parameters", []):
                if parameter.get("in") == "path":
                    url = url.replace("{" + parameter["name"] + "}", str(parameter["schema"].get("enum", ["…"])[0]))
            if path == "/fhir/$assess":
                url += API_EXAMPLES["assess"]["query"]
            body = operation.get("requestBody", {}).get("content", {})
            body_type, media = next(iter(body.items())) if body else (None, {})
            command = f"curl -s{' -X POST' if method == 'post' and not body else ''} '{base_url}{url}'"
            if "example" in media:
                command += f" -H 'Content-Type: {body_type}' -d @request.json"
            elif path == "/" and method == "post":  # the tester's form, with one of its examples
                command = f"curl -s -F example=03-mirels-11-fixation '{base_url}/'"
            answer = next((m.get("example") for m in operation["responses"].get("200", {}).get("content", {}).values()
                           if "example" in m), None)
            entries.append({"method": method, "path": path, "operation": operation, "curl": command,
                            "request": json.dumps(media["example"], ensure_ascii=False, indent=1)
                            if "example" in media else None,
                            "answer": answer if isinstance(answer, str) or answer is None
                            else json.dumps(answer, ensure_ascii=False, indent=1)})
    return entries


def _request(hook: str) -> str:
    return "".join(part.capitalize() for part in hook.split("-")) + "Request"


def _hook_request(generic: dict[str, Any], hook: str, context: str, fetches: bool) -> dict[str, Any]:
    """The marshmallow schema's JSON schema, with what its checks in code say: this service's hook,
    its context, prefetch values that are FHIR resources or null, and fhirAuthorization only with
    fhirServer (``HookRequest.check``); where no FHIR server may be called, every prefetch key (a key
    left out would have to be fetched: 412)."""
    request = {**generic, "properties": dict(generic["properties"])}
    request["properties"]["hook"] = {"type": "string", "const": hook}
    request["properties"]["context"] = _ref(context)
    request["properties"]["fhirServer"] = {"type": "string", "format": "iri", "pattern": "^https?://[^/?#]+"}
    request["properties"]["prefetch"] = {"type": "object",
                                         "additionalProperties": {"anyOf": [FHIR_RESOURCE, {"type": "null"}]}}
    if not fetches:

        request["properties"]["prefetch"]["required"] = [key for key in PREFETCH if key not in OPTIONAL_PREFETCH]
        request["required"] = sorted({*request.get("required", []), "prefetch"})
    request["dependentRequired"] = {"fhirAuthorization": ["fhirServer"]}
    return request
