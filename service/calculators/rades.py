"""Rades score: ambulatory status after radiotherapy for spinal cord compression.

Points, groups, recommendations and the NSCLC caveat come from ``seeds/rades.json``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec.structs import asdict, replace

from .scoring import Caveat, Score, check_locale, score_table
from .tables import DEFAULT_LOCALE, load_table


class RadesInputs(msgspec.Struct, frozen=True):
    """Inputs for one spinal cord compression. ``None`` means missing."""

    primary_tumour: Any = None
    months_to_cord_compression: Any = None
    visceral_metastases: Any = None
    motor_function: Any = None
    days_developing_motor_deficits: Any = None


def _caveats(score: Score, locale: str) -> list[Caveat]:
    table = load_table("rades")
    rule = table.caveats["nsclc_outdated"]
    primary = score.item("primary_tumour")
    if rule["when_primary_tumour"] not in primary.possible_rows or primary.status == "missing":
        return []
    key = "text" if primary.status == "known" else "if_possible_text"
    return [Caveat("nsclc_outdated", table.caveat_text("nsclc_outdated", key)(locale), rule["source"])]


def score_rades(inputs: RadesInputs, locale: str = DEFAULT_LOCALE) -> Score:
    """Score one spinal cord compression. Raises ``InvalidInput`` on invalid items."""
    check_locale(locale)
    score = score_table(
        load_table("rades"), asdict(inputs), locale
    )
    return replace(score, caveats=tuple(_caveats(score, locale)))
