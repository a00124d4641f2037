"""Records that no longer describe their item (too old, or from before the event the item is about) are
set aside and named: ``moments`` says when, this module applies it to the records linked to a Condition.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from msgspec.structs import replace

from ..i18n import Said, said
from .items.candidates import unread_value
from .model import Fact
from .moments import Event, Window, out_of_time, surely_before
from .record import PatientRecord
from .vocabulary import (
    ITEM_OF_CODE,
    SUPPLIED_BY,
)

# The item each kind of observation informs: its moment and window are the item's (``moments``).
KIND_ITEM = {"lesion-size": "lesion_size", "tumour-size": "lesion_size", "cortical-width": "lesion_size",
             "lesion-type": "lesion_type", "mirels-pain": "pain", "pain-score": "pain",
             "cortical-osteolysis": "cortical_osteolysis", "visceral-metastases": "visceral_metastases",
             "motor-function": "motor_function", "days-developing-motor-deficits": "days_developing_motor_deficits"}


def kind_item(kind: str) -> str:
    """The item a kind of observation informs: as listed above, else the item whose code it is (seeds/)."""
    return KIND_ITEM.get(kind) or ITEM_OF_CODE[kind]


def keep_timely(record: PatientRecord, linked: dict[str, list[tuple[dict[str, Any], str]]],
                 chosen: dict[str, Window], after: tuple[Event, ...],
                 unread_kinds: frozenset[str] = frozenset(), before: tuple[Event, ...] = ()) -> dict[str, list[Said]]:
    """Drop from ``linked`` (kind -> observations) each record that cannot describe its item now
    (``moments``), and name it with why; returns item -> those reasons, for the item's notes. Where a current
    record of the item remains, the dropped ones are its history: named in the mapping report only, never
    as a warning (a card nobody can act on is noise); where none remains, they are why the item is missing.
    ``unread_kinds``: kinds whose records give no value here, so never make a record of their item current."""
    dropped: dict[str, list[tuple[str, Said]]] = defaultdict(list)
    maybe_before: dict[str, list[tuple[Any, Said | None]]] = defaultdict(list)  # item -> (day, may it predate?)
    current: set[str] = set()
    newest: dict[str, Any] = {}  # item -> the date of its latest current record
    for kind, observations in linked.items():
        kept = []
        for observation, how in observations:
            when = record.effective(observation)
            why = record.set_aside.get(record.ref(observation)) or out_of_time(
                when, kind_item(kind), record.as_of, chosen, after, record.period_start(observation), before)
            if why is None:
                kept.append((observation, how))
                # Text only, no value, or a kind not read here (a 0-10 pain score with no bands set): no current
                # record of the item, so the records set aside are why it is missing.
                if unread_value(observation) is None and kind not in unread_kinds:
                    current.add(kind_item(kind))
                    event = next((e for e in after if when is not None and e.when.earliest < when.latest
                                  and not surely_before(e.when, when)), None)  # a partial date (not one same day)
                    maybe_before[kind_item(kind)].append((when.latest if when else None, said(
                        "{resource}: recorded {date}, perhaps before {event} ({began}): their dates do not tell which "
                        "came first; counted", resource=record.ref(observation), date=when.text, event=event.what,
                        began=event.when.text) if event is not None and when is not None else None))
                    if when is not None and (kind_item(kind) not in newest or
                                             when.latest >= newest[kind_item(kind)].latest):
                        newest[kind_item(kind)] = when
            else:
                dropped[kind_item(kind)].append((record.ref(observation), why))
        linked[kind] = kept
    untimely: dict[str, list[Said]] = defaultdict(list)
    for item, notes in maybe_before.items():  # probe 26: a pain of the 10th, the lesion begun "2026-11"
        if all(note for _, note in notes):  # every current record may be from before: said of the latest, counted
            latest = max(notes, key=lambda found: found[0])[1]
            untimely[item].extend([latest] if latest is not None else [])
    for item, records in dropped.items():
        for ref, why in records:
            # Not counted for its status (no result yet), yet later than what is counted: it may say the item has
            # changed (probe 22: a registered "functional" pain beside a final "mild" one). Not one after a past asOf.
            later = ref in record.not_yet and item in current and _later(record, ref, newest.get(item))
            record.report.ignore(ref, why, attention=item not in current or later,
                                 again=ref in record.set_aside and (item not in current or later))
            if item not in current:
                untimely[item].append(said("{resource}: {why}", resource=ref, why=why))
            elif later:
                untimely[item].append(said("{resource}, later than the record counted, is not: {why}; if it holds, it "
                                           "may change this score", resource=ref, why=why))
    return untimely


def _later(record: PatientRecord, ref: str, newest: Any) -> bool:
    """Surely later than the newest record counted: by their times where both are timed, else by day; never said of
    a record or beside a record with no date (review 23)."""
    when = record.effective(record.get(ref))
    return newest is not None and when is not None and surely_before(newest, when)


def with_untimely(fact: Fact, notes: list[Said]) -> Fact:
    """A fact with the records that were too old or out of order named; a missing one says what supplies it."""
    return replace(fact, notes=fact.notes + tuple(notes),
                   supplied_by=fact.supplied_by or (SUPPLIED_BY.get(fact.item, "") if fact.missing else ""))
