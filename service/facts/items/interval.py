"""Rades interval from the tumour diagnosis to the cord compression: <= 15 months (6), > 15 (8).

Calendar months from the primary cancer's date of diagnosis (onset, else the
assertedDate extension) to the compression Condition's onset; partial dates give a
range. A recordedDate alone is when the cancer was written into the record, not
diagnosed: the interval is then at least the months since it (``AtLeast``), which
decides the row only when that is over 15 months. A compression dated on or before the
diagnosis revealed the cancer: the interval is 0 months (the "<= 15 months" row), and the
card says why.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ...calculators import AtLeast, Between
from ...i18n import Said, said
from ..dates import UNBOUNDED, DateSpan, month_range
from ..model import Fact
from ..record import PatientRecord
from ..vocabulary import SUPPLIED_BY

ITEM = "months_to_cord_compression"


def months_fact(record: PatientRecord, compression: dict[str, Any],
                primaries: list[dict[str, Any]] | None = None) -> Fact:
    """``primaries``: the primary cancers to count from (one, to pair it with its own interval); all by default."""
    onset = record.onset(compression)
    if onset is None:
        element, shown = _undated_onset(compression)
        return Fact(ITEM, notes=(said("the spinal cord compression Condition has no onset") if not element else said(
            "the spinal cord compression Condition has no onset date ({given} is not read as one)",
            given=f"{element} '{shown}'", written=shown),),
                    supplied_by=SUPPLIED_BY[ITEM])
    diagnoses = (record.once("diagnoses", lambda: _diagnoses(record)) if primaries is None
                 else _diagnoses(record, primaries))
    if isinstance(diagnoses, str):
        return Fact(ITEM, notes=(diagnoses,), supplied_by=SUPPLIED_BY[ITEM])
    sources, rules, latest_diagnosis, earliest_diagnosis = diagnoses
    compression_ref = record.ref(compression)
    # The shortest interval runs from the latest possible diagnosis, the longest from the earliest.
    low, high = month_range(latest_diagnosis, onset)[0], month_range(earliest_diagnosis, onset)[1]
    if high <= 0:
        # The compression came first: it revealed the cancer. The interval from diagnosis to compression is
        # then nil, which only the "<= 15 months" row holds.
        return Fact(ITEM, Fraction(0), tuple(sources) + (compression_ref,),
                    f"the compression's onset {onset.text} is on or before the diagnosis ({rules}): 0 months",
                    (), (said("the compression's onset {onset} is on or before the primary diagnosis ({dates}): the "
                              "compression revealed the cancer, so the interval is 0 months", onset=onset.text,
                              dates=", ".join(dict.fromkeys((latest_diagnosis.text, earliest_diagnosis.text)))),))
    notes: tuple[Said, ...] = ()
    if earliest_diagnosis.earliest == UNBOUNDED:  # a recordedDate alone: the diagnosis may be any time before
        recorded_only = record.once("recorded-only", lambda: _recorded_only(record))
        notes = tuple(note for ref in sources for note in recorded_only.get(ref, ()))
        rule = f"at least the calendar months from {rules} to the compression's onset {onset.text}"
        return Fact(ITEM, AtLeast(max(low, Fraction(0))), tuple(sources) + (compression_ref,), rule, (), notes)
    if low < 0:
        low = Fraction(0)
        notes = (said("partial dates allow the compression to precede the diagnosis; counted from 0 months"),)
    value = low if low == high else Between(low, high)
    rule = f"calendar months from {rules} to the compression's onset {onset.text}"
    return Fact(ITEM, value, tuple(sources) + (compression_ref,), rule, (), notes)


def _diagnoses(record: PatientRecord, chosen: list[dict[str, Any]] | None = None
               ) -> tuple[tuple[str, ...], str, DateSpan, DateSpan] | str:
    """(sources, their dates in words, the diagnosis that can be latest, the one that can be earliest),
    or why there is no date of diagnosis; of the ``chosen`` primary cancers, else of all."""
    primaries = record.conditions["primary"] if chosen is None else chosen
    if not primaries:
        return said("no primary cancer Condition, so no date of diagnosis")
    dated = []
    for condition in primaries:
        span, how = record.diagnosis_date(condition)
        if span:
            dated.append((record.ref(condition), how, span))
    if not dated:
        undated = [found for found in (_undated_onset(condition) for condition in primaries) if found[0]]
        if undated:
            return said("the primary cancer Condition has no date of diagnosis (onset, assertedDate or recordedDate; "
                        "{given} is not read as one)", given="; ".join(f"{element} '{shown}'" for element, shown in
                                                                      undated),
                        written="; ".join(shown for _, shown in undated))
        return said("the primary cancer Condition has no date of diagnosis (onset, assertedDate or recordedDate)")
    return (tuple(ref for ref, _, _ in dated), "; ".join(f"{ref} {how} {span.text}" for ref, how, span in dated),
            max((span for _, _, span in dated), key=lambda span: span.latest),
            min((span for _, _, span in dated), key=lambda span: span.earliest))


def _recorded_only(record: PatientRecord) -> dict[str, tuple[Said, ...]]:
    """Primary cancer -> why its date of diagnosis is only a bound, for those dated by recordedDate alone."""
    notes = {}
    for condition in record.conditions["primary"]:
        span, _ = record.diagnosis_date(condition)
        if span is not None and span.earliest == UNBOUNDED:
            ref, (element, shown) = record.ref(condition), _undated_onset(condition)
            notes[ref] = (said(
                "{condition} has no onset date or assertedDate: its recordedDate {date} is the day it was recorded, "
                "so it was diagnosed on or before that day, perhaps long before; the interval is at least the months "
                "since then", condition=ref, date=span.text),) + (
                (said("{condition}: {given} is not read as a date", condition=ref, given=f"{element} '{shown}'",
                      written=shown),) if element else ())
    return notes


def _undated_onset(condition: dict[str, Any]) -> tuple[str, str]:
    """An onset given otherwise than as a readable date (an age, a range, words): its element and its value as
    written (none: ""), named, never turned into a date by guess."""
    for element in ("onsetAge", "onsetRange", "onsetString", "onsetPeriod", "onsetDateTime"):
        value = condition.get(element)
        if isinstance(value, dict):
            low, high = value.get("low") or value.get("start"), value.get("high") or value.get("end")
            shown = (f"{_quantity(low)}–{_quantity(high)}" if "low" in value or "high" in value or "start" in value
                     or "end" in value else _quantity(value))
            return element, shown[:140]
        if isinstance(value, str):
            return element, value[:140]
    return "", ""


def _quantity(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('value', '')} {value.get('unit') or value.get('code') or ''}".strip()
    return str(value or "")
