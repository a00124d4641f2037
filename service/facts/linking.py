"""How a record links an Observation to a Condition, shared by every extractor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .record import PatientRecord
from .terminology import objects


def cited_by(record: PatientRecord, conditions: Iterable[str]) -> dict[str, list[str]]:
    """Observation -> the Conditions (of ``conditions``) that cite it in ``evidence.detail``: the record's
    own link from a diagnosis to what supports it, as explicit as the Observation's ``focus``."""
    cited: dict[str, list[str]] = defaultdict(list)
    for ref in conditions:
        for evidence in objects(record.get(ref).get("evidence")):
            for detail in objects(evidence.get("detail")):
                target = record.resolve(detail)
                if target and target.startswith("Observation/") and ref not in cited[target]:
                    cited[target].append(ref)
    return cited


def reference_text(reference: dict[str, Any]) -> str:
    """A Reference as written: its literal reference, else its identifier, else its display."""
    identifier = reference.get("identifier")
    if isinstance(reference.get("reference"), str):
        return reference["reference"][:200]
    if isinstance(identifier, dict):
        return f"identifier {identifier.get('system') or ''}|{identifier.get('value') or ''}"[:200]
    return str(reference.get("display") or "–")[:200]
