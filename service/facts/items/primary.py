"""Rades primary tumour, from the primary cancer Condition's code.

The code's ValueSet gives the row (``primary-*``). A lung cancer coded without
histology is NSCLC (5) or SCLC (6): the mCODE ``histology-morphology-behavior``
extension (ICD-O-3 or SNOMED CT morphology) decides; a morphology in neither ValueSet
leaves both rows possible. Several primary cancers of different rows leave every row
possible: which one caused the compression is not recorded.
"""

from __future__ import annotations

from typing import Any

from ...calculators import OneOf
from ...calculators.values import ItemName
from ...i18n import Said, said
from ..evidence import CONFLICT, allowed_by_all, one_of
from ..model import Fact
from ..record import PatientRecord
from ..statuses import VERIFICATION_UNREAD, unread_status
from ..terminology import codings, describe_concepts
from ..unrecognised import is_fracture, looks_like_cancer, names_secondary
from ..vocabulary import MCODE_HISTOLOGY, MORPHOLOGIES, PRIMARY_GROUPS, SUPPLIED_BY

_LUNG = OneOf("nsclc", "sclc")


def _histology(condition: dict[str, Any]) -> Any:
    for extension in condition.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == MCODE_HISTOLOGY:
            return extension.get("valueCodeableConcept")
    return None


def _unread_cancers(record: PatientRecord) -> list[str]:
    """The Conditions named with attention as a cancer the tables do not read (coded in ICD-O-3 only, a code of
    no ValueSet, words only), neither a metastasis nor a fracture: the missing primary says them, not "none"."""
    found = []
    for ref, (_, relevant, attention) in record.report.ignored.items():
        condition = record.get(ref) if ref.startswith("Condition/") and relevant and attention else None
        if condition and not names_secondary(condition) and not is_fracture(condition) and looks_like_cancer(
                condition):
            found.append(ref)
    return found


def primary_row(record: PatientRecord, condition: dict[str, Any]) -> tuple[Any, str, tuple[Said, ...]]:
    """(row or OneOf, the rule, notes) for one primary cancer Condition. Its codings translate one
    meaning: where their rows overlap (a lung cancer, and a non-small-cell lung cancer), the row is
    what they both allow; where they do not (breast, and prostate), every row stays possible."""
    readings = [_group_row(record, condition, vs_id) for vs_id in record.primary_sets[record.ref(condition)]]
    if len(readings) == 1:
        return readings[0]
    common = allowed_by_all([row for row, _, _ in readings])
    rules = "; ".join(rule for _, rule, _ in readings)
    notes = tuple(note for _, _, why in readings for note in why)
    if len(common) == 1:
        return common.pop(), rules, ()
    if common:
        return OneOf(*sorted(common)), rules, notes
    return one_of([row for row, _, _ in readings]), rules, notes + (said(
        "the codings of {condition} name cancers of different Rades rows ({codes}): a concept's codings translate "
        "one meaning, so every row they name stays possible", condition=record.ref(condition),
        codes=", ".join(str(c.get("code")) for c in codings(condition.get("code")))),)


def _agree(record: PatientRecord, ref: str) -> bool:
    """Whether the rows a Condition's codings name overlap (translations of one cancer)."""
    return bool(allowed_by_all([PRIMARY_GROUPS[vs_id] or _LUNG for vs_id in record.primary_sets[ref]]))


def _group_row(record: PatientRecord, condition: dict[str, Any], vs_id: str) -> tuple[Any, str, tuple[Said, ...]]:
    row = PRIMARY_GROUPS[vs_id]
    if row is not None:
        return row, f"code in ValueSet {vs_id}", ()
    morphology = _histology(condition)
    if morphology is None:
        # Its words may say it ("CBNPC épidermoïde", probe 27): quoted, never read as a code (the card said missing).
        words = _words_of(condition)
        return _LUNG, "lung cancer without histology: NSCLC or SCLC", (
            said("lung cancer without a coded histology (its words: “{words}”): NSCLC 5 or SCLC 6; a coded "
                 "morphology would settle it", words=words) if words else
            said("lung cancer without a recorded histology: NSCLC 5 or SCLC 6"),)
    match = record.terms.first_match(morphology, MORPHOLOGIES)
    if match:
        return MORPHOLOGIES[match[0]], f"lung cancer with morphology in ValueSet {match[0]}", ()
    return _LUNG, "lung cancer whose morphology is not recognised: NSCLC or SCLC", (
        said("lung cancer morphology '{morphology}' is in neither morphology ValueSet (small-cell, non-small-cell): "
             "NSCLC 5 or SCLC 6", morphology=describe_concepts([morphology])),)


def _words_of(condition: dict[str, Any]) -> str:
    """A diagnosis's own words, on one line and cut at a word (review 31): "" where they are only one of its codes
    ("C34.9")."""
    code = condition.get("code")
    text = " ".join(code["text"].split()) if isinstance(code, dict) and isinstance(code.get("text"), str) else ""
    if not text or text.casefold() in {str(c.get("code")).casefold() for c in codings(code)}:
        return ""
    return text if len(text) <= 80 else text[:79].rsplit(" ", 1)[0] + "…"


def primary_fact(record: PatientRecord) -> Fact:
    primaries = record.conditions["primary"]
    if not primaries:
        unread = _unread_cancers(record)
        return Fact("primary_tumour", notes=(said(
            "no primary cancer Condition the table can read; a cancer is named but not read: {conditions}",
            conditions=", ".join(unread)) if unread else said("no primary cancer Condition"),),
                    supplied_by=SUPPLIED_BY["primary_tumour"])
    rows: list[Any] = []
    sources: list[str] = []
    notes: list[Said] = []
    rules: list[str] = []
    for condition in primaries:
        ref = record.ref(condition)
        row, rule, why = primary_row(record, condition)
        notes.extend(why)
        record.report.use(ref, said("{item}", item=ItemName("primary_tumour")))
        rows.append(row)
        sources.append(ref)
        rules.append(rule)
    value = one_of(rows)
    flags: tuple[str, ...] = ()
    if any(isinstance(row, OneOf) and len(record.primary_sets[ref]) > 1 and not _agree(record, ref)
           for row, ref in zip(rows, sources, strict=True)):
        flags = (CONFLICT,)  # one Condition whose codings name different cancers
    unread = [ref for ref, condition in zip(sources, primaries, strict=True)
              if unread_status(condition, "verificationStatus")]
    if unread:  # its words or local code may say refuted: never read, and the clinician is told to look
        flags += (VERIFICATION_UNREAD,)
        notes.append(said("{conditions}: verificationStatus not a code of FHIR's", conditions=", ".join(unread)))
    if len(sources) > 1 and isinstance(value, OneOf):
        flags = (CONFLICT,) + tuple(flag for flag in flags if flag != CONFLICT)
        notes.append(said("several primary cancers of different Rades rows: which caused the compression is not "
                          "recorded, so every row stays possible"))
    supplied_by = SUPPLIED_BY["primary_tumour"] if isinstance(value, OneOf) else ""
    return Fact("primary_tumour", value, tuple(sources), "; ".join(rules), flags, tuple(notes), supplied_by)
