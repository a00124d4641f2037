"""Human wording of input values (for cards, notes, tables)."""

from __future__ import annotations

from fractions import Fraction
from numbers import Real
from typing import Any

from ..calculators import AtLeast, Between, OneOf


def number(value: Real | float | Fraction) -> str:
    """At most one decimal: 15, 15.2. Fractions of months come from calendar arithmetic."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def describe_value(value: Any) -> str:
    """``0.5``, ``"14-16"``, ``"nsclc or sclc"``, ``"missing"``..."""
    if value is None:
        return "missing"
    if isinstance(value, OneOf):
        return " or ".join(describe_value(v) for v in value.values)
    if isinstance(value, Between):
        return f"{number(value.low)} to {number(value.high)}"
    if isinstance(value, AtLeast):
        return f"at least {number(value.low)}"
    if isinstance(value, Real) and not isinstance(value, bool):
        return number(value)
    return str(value).replace("_", " ")
