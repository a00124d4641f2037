"""Split the resources of a Bundle (or of NDJSON files) by patient.

Each patient is assessed on their own: a resource belongs to the Patient its
``subject`` (or ``patient``) references, a Patient to itself. References by
``urn:uuid`` fullUrl are resolved to ``Type/id``; a resource with no id but a
``urn:uuid`` fullUrl takes the uuid as its id, so that provenance can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable


def local_reference(reference: Any, aliases: dict[str, str] | None = None) -> str | None:
    """A Reference -> "Type/id" (base URL and _history dropped, fullUrl aliases resolved), or None."""
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        return None
    text = (aliases or {}).get(reference["reference"], reference["reference"])
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 and parts[-2] and parts[-1] else None


def patient_of(resource: dict[str, Any], aliases: dict[str, str] | None = None) -> str | None:
    """The "Patient/id" a resource is about, or None."""
    if resource.get("resourceType") == "Patient":
        return f"Patient/{resource['id']}" if isinstance(resource.get("id"), str) else None
    for element in ("subject", "patient"):
        ref = local_reference(resource.get(element), aliases)
        if ref and ref.startswith("Patient/"):
            return ref
    return None


@dataclass
class Grouped:
    patients: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    without_patient: list[str] = field(default_factory=list)  # where in the input


def group_by_patient(entries: Iterable[tuple[str | None, dict[str, Any], str]]) -> Grouped:
    """(fullUrl, resource, where) triples -> resources per patient, in input order."""
    grouped = Grouped()
    named = []
    for full_url, resource, where in entries:
        if not isinstance(resource.get("id"), str) and full_url and full_url.startswith("urn:uuid:"):
            resource = {**resource, "id": full_url.removeprefix("urn:uuid:")}
        if full_url and isinstance(resource.get("id"), str):
            grouped.aliases[full_url] = f"{resource['resourceType']}/{resource['id']}"
        named.append((resource, where))
    for resource, where in named:
        patient = patient_of(resource, grouped.aliases)
        if patient is None:
            grouped.without_patient.append(f"{where} ({resource.get('resourceType')})")
            continue
        grouped.patients.setdefault(patient, []).append(resource)
    return grouped
