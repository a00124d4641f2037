"""What a draft radiotherapy order prescribes: its schemes (total dose and fractions, as the CodeX RT IG's dose
prescribed to a volume writes them), a dose its name writes that differs, and the day it is to start."""

from __future__ import annotations

import re
from typing import Any

from ..calculators.fractionation import Scheme
from ..i18n import said
from .dates import DateSpan, parse_date

DOSE_PRESCRIBED = ("http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
                   "codexrt-radiotherapy-dose-prescribed-to-volume")
_PART_WORDS = {"totalDose": said("total dose"), "fractions": said("number of fractions")}
_GRAY = {"Gy": 1.0, "cGy": 0.01}  # UCUM codes of a total dose, as the CodeX RT IG writes them (cGy)


def prescribed_schemes(order: dict[str, Any]) -> tuple[tuple[Scheme, ...], list[Any]]:
    """The distinct (total dose, fractions) an order prescribes, one per volume, and why a part was not read."""
    schemes: list[Scheme] = []
    unread: list[Any] = []
    for extension in order.get("extension") or []:
        if not isinstance(extension, dict) or extension.get("url") != DOSE_PRESCRIBED:
            continue
        listed = extension.get("extension")
        if not isinstance(listed, list):
            unread.append(said("its prescribed dose holds no parts (totalDose, fractions): not read"))
            continue
        parts: dict[Any, list[dict[str, Any]]] = {}
        for part in listed:
            if isinstance(part, dict):
                parts.setdefault(part.get("url"), []).append(part)
        twice = [name for name in ("totalDose", "fractions") if len(parts.get(name, [])) > 1]
        if twice:  # two values of one part of one prescription: which is meant is not said
            unread += [said("its {part} is given more than once in one prescription: not read",
                            part=_PART_WORDS[name]) for name in twice]
            continue
        total: float | None = None
        quantity = (parts.get("totalDose") or [{}])[0].get("valueQuantity")
        if isinstance(quantity, dict):
            unit = quantity.get("code") or quantity.get("unit")
            value = quantity.get("value")
            if quantity.get("comparator") is not None:  # "> 8 Gy": a bound, not the dose ordered
                unread.append(said("its total dose is given as a bound ('{comparator} {value} {unit}'), not as the "
                                   "dose: not read", comparator=str(quantity["comparator"]), value=value, unit=unit))
            elif unit in _GRAY and isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                total = round(float(value) * _GRAY[unit], 2)
            else:
                unread.append(said("its total dose '{value} {unit}' is not read (a dose in Gy or cGy is)",
                                   value=value, unit=unit))
        part = (parts.get("fractions") or [{}])[0]  # CodeX's positiveInt; an unsignedInt or integer says the same
        fractions = next((part[key] for key in ("valuePositiveInt", "valueUnsignedInt", "valueInteger") if key in part),
                         None)  # number (probe 28: "without its number of fractions" beside "30 Gy/10" sent so)
        count = fractions if isinstance(fractions, int) and not isinstance(fractions, bool) and fractions > 0 else None
        if fractions is not None and count is None:
            unread.append(said("its number of fractions '{fractions}' is not a positive whole number: not read",
                               fractions=str(fractions)[:20]))
        scheme = Scheme(total, count)
        if scheme not in schemes:
            schemes.append(scheme)
    return tuple(schemes), unread


def dose_words_differ(words: str, schemes: tuple[Scheme, ...]) -> bool:
    """Whether an order's name writes a dose ("30 Gy en 10 fractions") that is neither the total nor the dose per
    fraction it prescribes (8 Gy in 1): which is meant is said first on its §2 card (probe 18); never read as one."""
    written = [float(value.replace(",", ".")) * (0.01 if unit.lower() == "cgy" else 1.0)
               for value, unit in _DOSE_IN_WORDS.findall(words)]
    read = [dose for scheme in schemes if scheme.total_gy for dose in (
        scheme.total_gy, *([scheme.total_gy / scheme.fractions] if scheme.fractions else []))]
    # Written to two decimals at most: 20 Gy in 3 is "6,66 Gy" or "6,67 Gy" a fraction (review 18).
    return bool(written and read and not any(abs(dose - prescribed) < 0.01 + 1e-9 for dose in written
                                             for prescribed in read))


# A dose its words write ("30 Gy", "800 cGy", "20Gy"): never read as the scheme, only compared with the prescribed one.
_DOSE_IN_WORDS = re.compile(r"(?<![\d.,])(\d{1,4}(?:[.,]\d{1,2})?)\s?(cGy|Gy)\b", re.IGNORECASE)


def starts_on(order: dict[str, Any]) -> DateSpan | None:
    """The day an order's treatment is to start, when it says."""
    period = order.get("occurrencePeriod") if order.get("resourceType") == "ServiceRequest" else \
        order.get("performedPeriod")
    timing: dict[str, Any] = order["occurrenceTiming"] if isinstance(order.get("occurrenceTiming"), dict) else {}
    events: list[Any] = timing["event"] if isinstance(timing.get("event"), list) else []
    repeat: dict[str, Any] = timing["repeat"] if isinstance(timing.get("repeat"), dict) else {}
    bounds: dict[str, Any] = repeat["boundsPeriod"] if isinstance(repeat.get("boundsPeriod"), dict) else {}
    candidates = (order.get("occurrenceDateTime"), order.get("performedDateTime"),
                  period.get("start") if isinstance(period, dict) else None, events[0] if events else None,
                  bounds.get("start"))  # a course's fractions as a repeat, from its first day (probe 19)
    for text in candidates:
        span = parse_date(text) if isinstance(text, str) else None
        if span:
            return span
    return None
