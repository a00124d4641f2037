"""The FHIR door: ``POST /fhir/$assess`` (a Bundle in, a Bundle out) and
``GET /fhir/metadata`` (the CapabilityStatement).

The OperationDefinition and the CapabilityStatement are published in
``fhir_profiles/``; this module only serves them, filling in the running version
and address.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import __version__
from ..calculators import LOCALES
from ..data import data_dir
from ..fhir.validate import InvalidFhir, parse_as_of, unwrap
from ..limits import LimitExceeded
from ..pipeline import assess_bundle
from .body import MAX_DEPTH, json_body
from .errors import FHIR_JSON, JsonError

blueprint = Blueprint("fhir_api", __name__, url_prefix="/fhir")
LANGUAGES = LOCALES  # the languages the tables are written in


@cache
def _published(name: str) -> dict[str, Any]:
    return json.loads((data_dir("fhir_profiles") / name).read_text("utf-8"))


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
    try:
        asked = unwrap(body)
        as_of = asked.as_of or (parse_as_of(request.args["asOf"], "asOf") if "asOf" in request.args else None)
    except InvalidFhir as error:
        raise _invalid(str(error), error.problems) from None
    language = asked.language or request.args.get("language") or request.accept_languages.best_match(LANGUAGES, "en")
    if isinstance(language, str) and language not in LANGUAGES:  # a tag with its region, "fr-FR", is French
        language = language.split("-")[0].lower() if language.split("-")[0].lower() in LANGUAGES else language
    if language not in LANGUAGES:
        raise _invalid(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    settings = current_app.config["BONEMET"]
    try:
        result = assess_bundle(asked.bundle, when=datetime.now(UTC), locale=language,
                               pain_score_bands=settings.pain_bands, fact_windows=settings.windows, where=asked.where,
                               as_of=as_of, limits=settings)
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
    statement = {key: value for key, value in published.items() if key not in ("url", "version")}
    statement.update({
        "kind": "instance",
        "instantiates": [f"{published['url']}|{published['version']}"],
        "software": {"name": "bonemet-cds", "version": __version__},
        "implementation": {"description": "bonemet-cds", "url": current_app.config["BONEMET"].base_url + "/fhir"},
    })
    return _fhir(statement)


@blueprint.get("/OperationDefinition/assess")
def operation_definition():
    return _fhir(_published("OperationDefinition-assess.json"))
