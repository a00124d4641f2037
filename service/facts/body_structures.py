"""The BodyStructures a record refers to but does not hold: what the hook's door fetches from the EHR before mapping
(a lesion's site recorded as a BodyStructure, ``long_bone.site_concepts``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..fhir.patients import ParsedReference, parse_reference
from .terminology import objects
from .vocabulary import BODY_SITE_REFERENCE


def referred_body_structures(resources: Iterable[dict[str, Any]]) -> list[ParsedReference]:
    """The BodyStructures the mapper would read that ``resources`` refer to but do not hold: a lesion's
    site (FHIR's ``bodySite`` extension), an Observation's ``focus``. For a door that can fetch them
    (CDS Hooks: a search by patient does not bring them)."""
    held = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
    wanted: dict[str, ParsedReference] = {}
    for resource in resources:
        kind = resource.get("resourceType")
        references: list[Any]
        if kind == "Condition":
            holders = [resource, *objects(resource.get("bodySite"))]
            references = [e.get("valueReference") for h in holders for e in objects(h.get("extension"))
                          if e.get("url") == BODY_SITE_REFERENCE]
        elif kind == "Observation":
            references = objects(resource.get("focus"))
        else:
            continue
        for reference in references:
            parsed = parse_reference(reference)
            if parsed and parsed.type == "BodyStructure" and parsed.local not in held:
                wanted.setdefault(parsed.local, parsed)
    return list(wanted.values())
