"""A fast check of the JSON shape of the elements the mapper reads.

Full validation with the FHIR models costs about 0.1 ms a resource, too much on
the CDS Hooks path; this check makes sure no malformed element can crash the
mapper, and names the element that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..i18n import Said, said

OBJECT, OBJECTS, TEXT, NUMBER, BOOLEAN = (said("an object"), said("a list of objects"), said("a string"),
                                          said("a number"), said("a boolean"))

_COMMON = {"id": TEXT, "meta": OBJECT, "extension": OBJECTS, "subject": OBJECT, "code": OBJECT}
SHAPES: dict[str, dict[str, Said]] = {
    "Condition": {**_COMMON, "clinicalStatus": OBJECT, "verificationStatus": OBJECT, "bodySite": OBJECTS,
                  "onsetDateTime": TEXT, "onsetPeriod": OBJECT, "recordedDate": TEXT, "category": OBJECTS},
    "Observation": {**_COMMON, "status": TEXT, "focus": OBJECTS, "hasMember": OBJECTS, "derivedFrom": OBJECTS,
                    "bodySite": OBJECT, "component": OBJECTS, "valueQuantity": OBJECT,
                    "valueCodeableConcept": OBJECT, "valueInteger": NUMBER, "effectiveDateTime": TEXT,
                    "effectiveInstant": TEXT, "effectivePeriod": OBJECT, "issued": TEXT},
    "Patient": {"id": TEXT},
}
_ORDER = {"id": TEXT, "status": TEXT, "code": OBJECT, "bodySite": OBJECTS, "reasonReference": OBJECTS,
          "reasonCode": OBJECTS, "subject": OBJECT}
SHAPES["ServiceRequest"] = {**_ORDER, "doNotPerform": BOOLEAN}
SHAPES["Procedure"] = _ORDER
_NESTED = {"component": {"code": OBJECT, "valueQuantity": OBJECT}, "valueQuantity": {"code": TEXT, "system": TEXT},
           "code": {"coding": OBJECTS}, "clinicalStatus": {"coding": OBJECTS},
           "verificationStatus": {"coding": OBJECTS}}


class InvalidResource(ValueError):
    """An element of the wrong JSON type; ``problem`` says so in any language (``i18n.translate``)."""

    def __init__(self, where: str, message: Said) -> None:
        self.where = where
        self.problem = said("{where}: {problem}", where=where, problem=message)
        super().__init__(str(self.problem))


def _is(value: Any, kind: Said) -> bool:
    if kind is OBJECT:
        return isinstance(value, dict)
    if kind is OBJECTS:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind is TEXT:
        return isinstance(value, str)
    if kind is BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(node: dict, shape: dict[str, Said], where: str) -> None:
    # The node's own elements, looked up in the shape: a resource has a few of the elements a shape names.
    for element, value in node.items():
        kind = shape.get(element)
        if kind is None:
            continue
        if not _is(value, kind):
            raise InvalidResource(f"{where}.{element}", said("must be {kind}", kind=kind))
        nested = _NESTED.get(element) if kind is OBJECT or kind is OBJECTS else None  # Quantity.code is text
        if nested:
            for index, child in enumerate(value if kind is OBJECTS else [value]):
                _check(child, nested, f"{where}.{element}" + (f"[{index}]" if kind is OBJECTS else ""))


def check_shape(resource: Any, where: str) -> dict:
    """Return ``resource`` if its elements have the JSON types of FHIR R4; raise
    ``InvalidResource`` naming the first element that does not."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InvalidResource(where, said("must be a FHIR resource (an object with a resourceType)"))
    _check(resource, SHAPES.get(resource["resourceType"], {"id": TEXT}), where)
    return resource


def bundle_resources(bundle: dict, where: str, read: Callable[[dict], bool] | None = None) -> list[dict]:
    """The resources of a Bundle's entries, each shape-checked; with ``read``, only those it says the
    mapper may read are (the others, labs and the like, need only be resources: nothing reads them)."""
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidResource(f"{where}.entry", said("must be a list"))
    resources = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            raise InvalidResource(f"{where}.entry[{index}]", said("must be an object with a resource"))
        resource = entry["resource"]
        if read is not None and isinstance(resource, dict) and isinstance(resource.get("resourceType"), str) \
                and not read(resource):
            resources.append(resource)
            continue
        resources.append(check_shape(resource, f"{where}.entry[{index}].resource"))
    return resources
