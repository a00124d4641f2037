"""An active Condition as one resource's say on an item (visceral metastasis -> "yes",
paraplegia -> "paraplegic"); an inactive one is named and does not count."""

from __future__ import annotations

from typing import Any

from ..evidence import Candidate
from ..record import PatientRecord


def condition_candidates(record: PatientRecord, kind: str, item: str, value: Any, rule: str,
                         inactive: str) -> list[Candidate]:
    """Candidates from the patient's Conditions of ``kind``, worked out once per patient."""
    def compute() -> list[Candidate]:
        found = []
        for condition in record.conditions[kind]:
            ref = record.ref(condition)
            active, flags = record.active(condition)
            if not active:
                record.report.ignore(ref, inactive)
                continue
            record.report.use(ref, item)
            found.append(Candidate(value, ref, record.onset(condition), flags, rule, "condition"))
        return found

    return record.once(f"{kind}-conditions", compute)
