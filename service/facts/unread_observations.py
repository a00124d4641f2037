"""Why an Observation whose code names no item is not read, and whether the clinician hears of it: a diagnosis
recorded as a finding, a form whose components record items, or an Observation of a bone metastasis or spinal cord
compression (its focus) coded in no list ("Fonction motrice avant RT" in words only: probe 28, said nowhere). A
lab or a vital sign is named in the mapping report only."""

from __future__ import annotations

import re
from typing import Any

from ..i18n import Said, said
from .statuses import NEVER_COUNTS, status_code
from .terminology import describe_concepts, objects

# The Conditions an Observation of may hold one of their score's items.
_SCORED_KINDS = frozenset({"lesion", "compression"})


def unread_observation(record: Any, observation: dict[str, Any], known: bool, not_read: Said) -> tuple[Said, bool]:
    """(why it is not read, whether the clinician should hear of it). ``record``: the ``PatientRecord`` filing it
    (not imported: it imports this); ``known``: its code is in some ValueSet."""
    if known and record.condition_kinds(observation):  # a diagnosis recorded as a finding (some IGs do so)
        return said("records as an Observation what the calculators read from a Condition (a metastasis, a cord "
                    "compression, a cancer): not scored; record it as a Condition to have it counted"), True
    parts = [describe_concepts([part.get("code")]) for part in objects(observation.get("component"))
             if isinstance(part, dict) and record.terms.in_any(part.get("code"))]
    if parts:  # a form recorded as one Observation (a "Mirels assessment" with an item per component)
        return said("its components record items the calculators read ({items}), as parts of an Observation coded "
                    "'{code}': each item is read from an Observation of its own (its code, its focus); not used",
                    items=", ".join(parts)[:300], code=describe_concepts([observation.get("code")])[:100]), True
    about = [ref for ref in (record.resolve(focus) for focus in objects(observation.get("focus")))
             if ref and ref.startswith("Condition/") and _counts(record, record.get(ref))]
    code = describe_concepts([observation.get("code")])[:100]
    if observation.get("status") in ("entered-in-error", "cancelled"):  # never counts, never weighed (review 36)
        return not_read, False
    # A total recorded by hand (probe 29: "Score de Mirels (ortho)" 7 beside 11).
    if about and _A_SCORE.search(code) and not _NOT_A_TOTAL.search(code):
        return said("a score recorded for {conditions} (“{code}”{value}): not read, the service computes its own from "
                    "the items; compare the two, and the items where they differ", conditions=", ".join(about),
                    code=code, value=_value(observation)), True
    if about:
        return said("an Observation of {conditions} whose code is in none of the lists read here (“{code}”): not "
                    "read; if it records an item of its score, record it with the item's code",
                    conditions=", ".join(about), code=describe_concepts([observation.get("code")])[:100] or "–"), True
    return not_read, False


_A_SCORE = re.compile(r"\b(mirels|rades|sins)\b", re.IGNORECASE)
# An item's words beside the score's name ("Pré-Mirels douleur EVA": a pain scale, review 36): no total.
_NOT_A_TOTAL = re.compile(r"\b(douleur|pain|eva|taille|size|type|site|localisation)\b", re.IGNORECASE)


def _value(observation: dict[str, Any]) -> str:
    """", 7": a number the Observation records, as written ("" for none)."""
    value = observation.get("valueInteger", observation.get("valueQuantity", {}).get("value") if isinstance(
        observation.get("valueQuantity"), dict) else None)
    return f", {value}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _counts(record: Any, condition: dict[str, Any]) -> bool:
    """A lesion or compression that counts: active, neither refuted nor entered in error (review 33: an Observation
    of one entered in error raised "could change a score")."""
    return bool(_SCORED_KINDS & set(record.condition_kinds(condition))) and status_code(
        condition, "verificationStatus") not in NEVER_COUNTS and record.active(condition)[0]


def of_a_condition(observation: dict[str, Any]) -> bool:
    """Whether an Observation names a Condition as its focus (by a literal reference): it may be a lesion's item
    coded otherwise, so it is read even when its code is in no list (a malformed focus makes none)."""
    focus = observation.get("focus")
    return isinstance(focus, list) and any(isinstance(one, dict) and "Condition" in str(one.get("reference"))
                                           for one in focus)
