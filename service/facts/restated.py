"""Encounter diagnoses that restate a lesion's problem-list entry (the usual EHR shape: one entry, a diagnosis per
visit): counted as that lesion, named on its card, not scored again (probe 19: four Mirels cards for one femur)."""

from __future__ import annotations

from typing import Any

from ..i18n import Said, joined, said
from .record import PatientRecord
from .statuses import RESTATED, restatements
from .terminology import objects


def fold_restated(record: PatientRecord, lesions: dict[str, Any], at_site: dict[Any, list[str]],
                  refs: list[str]) -> list[str]:
    """``refs`` (lesions of one bone and side) less those restating another of them, which leave ``lesions`` and
    ``at_site`` and are named on that one's card; a copy of another region, or one a record points to, stays."""
    focused = record.once("focused-conditions", lambda: {
        record.resolve(reference) for observations in record.observations.values() for observation in observations
        for reference in objects(observation.get("focus"))})
    restated = {ref: entry for ref, entry in restatements({r: lesions[r].condition for r in refs}, focused).items()
                if lesions[ref].reading.place.region == lesions[entry].reading.place.region}
    record.once("restated", dict).update(restated)  # for the orders that name a visit's copy (``PatientFacts``)
    for ref, entry in restated.items():
        record.report.use(ref, said("the diagnosis of an encounter restating {entry}: counted as it", entry=entry))
        del lesions[ref]
        at_site[(lesions[entry].reading.bone, lesions[entry].reading.side)].remove(ref)
    for entry in set(restated.values()):
        copies = sorted(ref for ref, of in restated.items() if of == entry)
        lesions[entry].flags += (Said(RESTATED, {"records": copies[0] if len(copies) == 1 else joined(copies)}),)
    return [ref for ref in refs if ref not in restated]
