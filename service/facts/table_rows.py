"""The answers of the service's own Questionnaires (CodeSystem table-row: "over_two_thirds", "not_ambulatory") found
as an Observation's value, read as the codes they are published as equivalent to (ConceptMap
table-row-to-observation): an EHR that stores the answers as they were given is read, not told "'lytic' is not a
value read here" (probe 28)."""

from __future__ import annotations

from functools import cache
from typing import Any

from ..data import read_json

TABLE_ROW = "http://bonemet-cds.org/fhir/CodeSystem/table-row"


@cache
def _equivalents() -> dict[str, dict[str, Any]]:
    """table-row code -> the coding it is equivalent to (only the maps the ConceptMap says are equivalent)."""
    concept_map = read_json("fhir_profiles", "ConceptMap-table-row-to-observation.json")
    return {element["code"]: {"system": group["target"], "code": target["code"], "display": target.get("display")}
            for group in concept_map["group"] if group["source"] == TABLE_ROW for element in group["element"]
            for target in element.get("target", ()) if target.get("equivalence") == "equivalent"}


def equivalent(coding: dict[str, Any]) -> dict[str, Any]:
    """A table-row coding's equivalent, with the record's own display (never the map's, English: review 33), else the
    coding itself."""
    if coding.get("system") != TABLE_ROW or (found := _equivalents().get(str(coding.get("code")))) is None:
        return coding
    return {**found, "display": coding.get("display")} if coding.get("display") else \
        {key: value for key, value in found.items() if key != "display"}
