"""UCUM quantities: the only units read. A wrong or missing unit leaves the item missing, with the reason."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ...i18n import Said, said
from ..terminology import UCUM

LENGTH_MM = {"mm": Fraction(1), "cm": Fraction(10)}
DURATION_DAYS = {"h": Fraction(1, 24), "d": Fraction(1), "wk": Fraction(7), "mo": Fraction(304375, 10000)}  # UCUM mo
SHARE = {"%": Fraction(1, 100), "1": Fraction(1)}


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def ucum(quantity: Any, units: dict[str, Fraction], what: Said) -> tuple[Fraction | None, Said | None]:
    """(value in the base unit of ``units``, None) or (None, why it cannot be read)."""
    if not isinstance(quantity, dict) or not number(quantity.get("value")):
        return None, said("{what} has no numeric valueQuantity", what=what)
    unit, system = quantity.get("code"), quantity.get("system")
    if system != UCUM or unit not in units:
        shown = unit or quantity.get("unit") or "–"
        return None, said("{what} unit '{unit}' is not UCUM {units}: not used", what=what, unit=shown,
                          units=", ".join(units))
    value = Fraction(quantity["value"]).limit_denominator(1_000_000) * units[unit]
    if value < 0:
        return None, said("{what} is negative: not used", what=what)
    return value, None
