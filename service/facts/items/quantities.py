"""UCUM quantities: the only units read. A wrong or missing unit leaves the item missing, with the reason."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ...calculators import AtLeast, Between
from ...calculators.scoring import exact
from ...i18n import Said, said
from ..terminology import UCUM, canonical_system

LENGTH_MM = {"mm": Fraction(1), "cm": Fraction(10)}
DURATION_DAYS = {"h": Fraction(1, 24), "d": Fraction(1), "wk": Fraction(7), "mo": Fraction(304375, 10000)}  # UCUM mo
SHARE = {"%": Fraction(1, 100), "1": Fraction(1)}


def number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def ucum(quantity: Any, units: dict[str, Fraction], what: Said) -> tuple[Fraction | None, Said | None]:
    """(value in the base unit of ``units``, None) or (None, why it cannot be read)."""
    if not isinstance(quantity, dict) or not number(quantity.get("value")):
        return None, said("{what} has no numeric valueQuantity", what=what)
    if quantity.get("comparator") is not None:  # "< 20 %", "> 14 d": a bound, not the value (``ucum_or_bound``)
        return None, said("{what} is given as a bound ({comparator} {value}), not as a value: not used", what=what,
                          comparator=str(quantity["comparator"]), value=quantity["value"])
    unit, system = quantity.get("code"), quantity.get("system")
    if unit is None and system is None and isinstance(quantity.get("unit"), str):
        # Only the human-readable unit: what it says is not read (design: coded UCUM only); the reason says so.
        return None, said("{what} has its unit as text only ('{unit}'), not as a coded unit ({units}): not used",
                          what=what, unit=quantity["unit"][:40], units=", ".join(units))
    if system is None and isinstance(unit, str) and unit in units:  # FHIR qty-3: a code needs its system
        return None, said("{what} has the unit '{unit}' without saying which system of units it is from: not used",
                          what=what, unit=unit)
    if not isinstance(system, str) or canonical_system(system) != UCUM or unit not in units:
        shown = unit or quantity.get("unit")
        if not shown:
            return None, said("{what} has no unit (a unit read here: {units}): not used", what=what,
                              units=", ".join(units))
        return None, said("{what} is given in '{unit}', a unit not read here ({units}): not used", what=what,
                          unit=shown, units=", ".join(units))
    value = exact(quantity["value"]) * units[unit]
    if value < 0:
        return None, said("{what} is negative: not used", what=what)
    return value, None


def ucum_or_bound(quantity: Any, units: dict[str, Fraction],
                  what: Said) -> tuple[Fraction | AtLeast | Between | None, Said | None]:
    """``ucum``, and a value given as a bound read as the range it allows: "> 14 d" is more than 14 days,
    "<= 20 %" from 0 to 20 %. The calculators then keep every row of that range possible. For an item read
    as it is; a derived value (a size divided by a width) takes exact measurements only."""
    comparator = quantity.get("comparator") if isinstance(quantity, dict) else None
    if comparator not in ("<", "<=", ">", ">="):
        return ucum(quantity, units, what)
    value, problem = ucum({key: item for key, item in quantity.items() if key != "comparator"}, units, what)
    if value is None:
        return None, problem
    if comparator[0] == ">":
        return AtLeast(value, excluded=comparator == ">"), None
    return Between(Fraction(0), value, high_excluded=comparator == "<"), None
