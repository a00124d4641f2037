"""Mirels pain: mild (1), moderate (2), functional (3).

From an Observation ``mirels-pain``. A 0-10 pain score (LOINC 72514-3) maps to a
category only through the deployment's configured bands (the guideline gives no such
mapping), and is then flagged as derived; without bands it is shown beside the score
as context, never mapped.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from ...calculators.values import ItemName
from ...i18n import N_, said
from ..evidence import Candidate, choose
from ..model import Fact
from ..moments import surely_before
from ..record import PatientRecord
from .lesion_type import Linked, coded_candidates
from .quantities import number


def pain_score_value(observation: dict[str, Any]) -> Any:
    """A 0-10 pain score's value, or None when it gives none from 0 to 10."""
    score = observation.get("valueInteger")
    if score is None:
        score = (observation.get("valueQuantity") or {}).get("value")
    return score if number(score) and 0 <= score <= 10 else None  # type: ignore[operator]  # number() checked it


def pain_fact(record: PatientRecord, lesion: str, linked: dict[str, list[Linked]],
              bands: tuple[tuple[str, float, float], ...]) -> Fact:
    candidates, notes = coded_candidates(record, "pain", linked.get("mirels-pain", []), "mirels-pain", lesion)
    painless: list[tuple[str, Any]] = []  # (reference, date) of 0/10 scores: no pain, which no Mirels row is
    for observation, how in linked.get("pain-score", ()):
        ref = record.ref(observation)
        score = pain_score_value(observation)
        if score is None:
            record.report.ignore(ref, "0-10 pain score has no value from 0 to 10", attention=True)
            continue
        if score == 0:  # no pain, which no Mirels row is, whatever bands a site sets: never a row
            painless.append((ref, record.effective(observation)))
            why = said("0-10 pain score 0 ({resource}): no pain, which no Mirels pain row is (every row is a pain): "
                       "not mapped", resource=ref)
            record.report.show(ref, why, about=lesion)
            notes.append(why)
            continue
        if not bands:
            why = said("0-10 pain score {score} ({resource}) is not mapped: the guideline gives no mapping to a "
                       "Mirels pain category (a site may set its own conversion)",
                       score=f"{score:g}", resource=ref)
            record.report.show(ref, why, about=lesion)  # this lesion's pain: beside its score, not the others'
            notes.append(why)
            continue
        category = next((name for name, low, high in bands if low <= score <= high), None)
        if category is None:
            record.report.ignore(ref, said("0-10 pain score {score} falls in no configured band", score=f"{score:g}"),
                                 attention=True)
            continue
        record.report.use(ref, said("{item} of {lesion}", item=ItemName("pain"), lesion=lesion))
        candidates.append(Candidate(category, ref, record.effective(observation),
                                    record.observation_flags(observation) + (
                                        N_("derived from a 0-10 pain score by configured bands"),),
                                    f"{how}; LOINC 72514-3"))
    fact = choose("pain", candidates, tuple(notes))
    return _eased_since(record, fact, painless) if painless and not fact.missing else fact


def _eased_since(record: PatientRecord, fact: Fact, painless: list[tuple[str, Any]]) -> Fact:
    """A Mirels pain with a 0/10 score of this lesion recorded after it. Said, never settled: a score at rest or
    under analgesics does not say the pain on use Mirels scores has gone (the sources are silent), so the Mirels
    row stands (a fixation alert is not lowered by it); but §1.1's "painful, resisting analgesics" is not said."""
    chosen = [record.effective(record.get(ref)) for ref in fact.sources if ref.startswith("Observation/")]
    newest = max((when for when in chosen if when is not None), key=lambda when: when.latest, default=None)
    if newest is None:
        return fact
    later = [ref for ref, when in painless if when is not None and surely_before(newest, when)]  # its time too
    if not later:
        return fact
    kept = tuple(note for note in fact.notes  # the 0/10 is said below, once
                 if not str(getattr(note, "template", "")).startswith(_NO_PAIN))
    return replace(fact, flags=fact.flags + (EASED,), notes=kept + (said(
        "a pain score of 0/10 ({resource}) was recorded after the Mirels pain of {date}: the pain may have eased, or "
        "be controlled; a score does not say whether the pain Mirels scores (mild, moderate, on use) has gone (the "
        "sources are silent), so its row stands: check the pain", resource=later[-1], date=newest.text),))


EASED = N_("a later pain score says no pain")
_NO_PAIN = "0-10 pain score 0 ({resource}): no pain"  # how that note begins
