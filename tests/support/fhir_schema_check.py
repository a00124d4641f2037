"""Run the official FHIR R4 JSON schema (tests/fhir_schema/) over a resource.

Unlike the fhir.resources models, the schema checks required code bindings
(CarePlan.status, RiskAssessment.status, Observation.status, ...).
"""

import gzip
import json
from functools import cache
from pathlib import Path

import jsonschema

_SCHEMA = Path(__file__).parent.parent / "fhir_schema" / "fhir.schema.json.gz"


def _add_r4_technical_correction(node):
    """The schema was built from FHIR 4.0.0; R4 is 4.0.1 (a technical correction with
    the same schema). Its FHIRVersion enums lack "4.0.1": add it there, nowhere else."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "4.0.0" in enum and "3.0.1" in enum and "4.0.1" not in enum:
            enum.append("4.0.1")
        for value in node.values():
            _add_r4_technical_correction(value)
    elif isinstance(node, list):
        for value in node:
            _add_r4_technical_correction(value)


@cache
def _definitions() -> dict:
    with gzip.open(_SCHEMA, "rt", encoding="utf-8") as handle:
        definitions = json.load(handle)["definitions"]
    _add_r4_technical_correction(definitions)
    return definitions


@cache
def _validator(resource_type: str) -> jsonschema.Draft6Validator:
    schema = {"$schema": "http://json-schema.org/draft-06/schema#", "definitions": _definitions(),
              "$ref": f"#/definitions/{resource_type}"}
    return jsonschema.Draft6Validator(schema)


def schema_errors(resource: dict) -> list[str]:
    """Every violation of the R4 schema, as 'path: message'; empty when valid."""
    kind = resource.get("resourceType")
    if kind not in _definitions():
        return [f"unknown resourceType {kind!r}"]
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in _validator(kind).iter_errors(resource)]
