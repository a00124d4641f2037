"""Mirels score: risk of pathological fracture of one long-bone lesion.

Points, thresholds, recommendations and caveats come from ``seeds/mirels.json``.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, cast

import msgspec
from msgspec.structs import asdict, replace

from .scoring import Caveat, InvalidInput, Score, check_locale, score_table
from .tables import DEFAULT_LOCALE, load_table


class MirelsInputs(msgspec.Struct, frozen=True):
    """Inputs for one lesion. ``None`` means missing; see ``scoring`` for OneOf/Between.

    The cortical osteolysis percentages are not scored: they drive the guideline's
    consolidation-surgery caveat when both are known.
    """

    lesion_site: Any = None
    lesion_size: Any = None
    lesion_type: Any = None
    pain: Any = None
    cortical_osteolysis_axial_percent: Real | None = None
    cortical_osteolysis_circumference_percent: Real | None = None

    def scored_items(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if not name.startswith("cortical_")}


def _percent(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or not (
        math.isfinite(value) and 0 <= cast(float, value) <= 100
    ):
        raise InvalidInput("mirels", name, value, "a percentage from 0 to 100")
    return float(value)


def _caveats(score: Score, inputs: MirelsInputs, locale: str) -> list[Caveat]:
    table = load_table("mirels")
    caveats = [
        Caveat("low_sensitivity_specificity",
               table.caveat_text("low_sensitivity_specificity")(locale),
               table.caveats["low_sensitivity_specificity"]["source"])
    ]
    rule = table.caveats["cortical_osteolysis"]
    axial = _percent("cortical_osteolysis_axial_percent", inputs.cortical_osteolysis_axial_percent)
    circumference = _percent(
        "cortical_osteolysis_circumference_percent", inputs.cortical_osteolysis_circumference_percent
    )
    if axial is None or circumference is None:
        return caveats
    if axial > rule["axial_percent_over"] and circumference > rule["circumference_percent_over"]:
        if score.total_min >= rule["min_total"]:
            text = table.caveat_text("cortical_osteolysis")(locale)
        elif score.total_max >= rule["min_total"]:
            text = table.caveat_text("cortical_osteolysis", "if_total_reaches_text")(locale)
        else:
            return caveats
        caveats.append(Caveat("cortical_osteolysis", text, rule["source"]))
    return caveats


def score_mirels(inputs: MirelsInputs, locale: str = DEFAULT_LOCALE) -> Score:
    """Score one lesion. Raises ``InvalidInput`` naming the item and the allowed values."""
    check_locale(locale)
    table = load_table("mirels")
    score = score_table(table, inputs.scored_items(), locale)
    return replace(score, caveats=tuple(_caveats(score, inputs, locale)))
