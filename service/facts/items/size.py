"""Mirels size: the share of the cortical width the lesion takes (< 1/3, 1/3 to 2/3, > 2/3).

From an Observation ``lesion-size`` (a share in ``%`` or ``1``, or a coded row), else
derived from a measured tumour size (LOINC 21889-1 or 33728-7, or mCODE's 33728-7
component, in mm or cm) divided by the cortical width of the same bone at the lesion
(``cortical-width``). The derived share is flagged: the guideline defines the share of
the cortical width, so the size must have been measured across the bone. A size with
no width, or a width with no size, is shown and never turned into a row by guess; a
size larger than the width is not a share and is not used.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ...calculators import AtLeast, Between
from ...calculators.values import ItemName
from ...i18n import N_, Said, said
from ..evidence import Candidate, choose
from ..model import Fact
from ..record import PatientRecord
from ..terminology import codings
from .candidates import read_codings, unread_value
from .quantities import LENGTH_MM, SHARE, ucum, ucum_or_bound

Linked = tuple[dict[str, Any], str]
TUMOUR_SIZE_COMPONENT = "33728-7"


def _own_share(record: PatientRecord, observation: dict[str, Any]) -> tuple[Any, Said | None]:
    concept = observation.get("valueCodeableConcept")
    if concept is not None:
        row, why = read_codings(concept, lambda one: (
            None if (coding := record.terms.coding_in(one, "lesion-size-row")) is None else
            coding["code"].replace("-", "_")))
        if row is not None or why is not None:
            return row, why
        return None, said("lesion size code is not in ValueSet lesion-size-row")
    if "valueRatio" in observation:
        return _ratio_share(observation["valueRatio"])
    share, problem = ucum_or_bound(observation.get("valueQuantity"), SHARE, said("lesion size"))
    if problem or share is None:
        return None, problem
    if isinstance(share, Between):  # "< 150 %": a share is at most the whole width
        if share.high > 1:
            return Between(share.low, Fraction(1)), None
        return share, None
    if (share.low if isinstance(share, AtLeast) else share) > 1:
        return None, said("lesion size {value} is over 100 %: not used", value=observation["valueQuantity"]["value"])
    return (share if isinstance(share, AtLeast) else float(share)), None


def _ratio_share(ratio: Any) -> tuple[Any, Said | None]:
    """A share recorded as a Ratio (the lesion's size over the cortical width, "45 mm / 60 mm"): both
    terms exact, in UCUM lengths (or both dimensionless), the first no larger than the second."""
    if not isinstance(ratio, dict):
        return None, said("lesion size valueRatio is not a Ratio: not used")
    for units in (LENGTH_MM, SHARE):
        numerator, _ = ucum(ratio.get("numerator"), units, said("lesion size ratio"))
        denominator, _ = ucum(ratio.get("denominator"), units, said("lesion size ratio"))
        if numerator is not None and denominator is not None:
            if denominator == 0 or numerator > denominator:
                return None, said("lesion size ratio {numerator} / {denominator} is over 100 %: not used",
                                  numerator=f"{float(numerator):g}", denominator=f"{float(denominator):g}")
            return float(numerator / denominator), None
    return None, said("lesion size valueRatio needs a numerator and a denominator in the same kind of UCUM unit "
                      "(mm or cm; or % or 1), each a value without a comparator: not used")


def _tumour_mm(record: PatientRecord, observation: dict[str, Any]) -> tuple[Fraction | None, str | None]:
    if "valueQuantity" in observation:
        return ucum(observation["valueQuantity"], LENGTH_MM, said("tumour size"))
    for component in observation.get("component") or []:
        if isinstance(component, dict) and any(
                c.get("code") == TUMOUR_SIZE_COMPONENT for c in codings(component.get("code"))):
            return ucum(component.get("valueQuantity"), LENGTH_MM, said("tumour size (longest dimension)"))
    return None, said("tumour size has no valueQuantity nor longest-dimension component")


def size_fact(record: PatientRecord, lesion: str, linked: dict[str, list[Linked]]) -> Fact:
    candidates, notes = [], []
    for observation, how in linked.get("lesion-size", ()):
        ref = record.ref(observation)
        value, problem = _own_share(record, observation)
        if problem:
            problem = unread_value(observation) or problem
            record.report.ignore(ref, problem, attention=True)
            notes.append(said("{resource}: {why}", resource=ref, why=problem))
            continue
        record.report.use(ref, said("{item} of {lesion}", item=ItemName("lesion_size"), lesion=lesion))
        candidates.append(Candidate(value, ref, record.effective(observation), record.observation_flags(observation),
                                    f"{how}; lesion-size"))
    if candidates:
        return choose("lesion_size", candidates, tuple(notes))
    sizes = _latest(record, linked.get("tumour-size", ()), _tumour_mm)
    widths = _latest(record, linked.get("cortical-width", ()),
                     lambda r, o: ucum(o.get("valueQuantity"), LENGTH_MM, said("cortical width")))
    if sizes and widths:
        (size, size_ref, size_obs), (width, width_ref, width_obs) = sizes, widths
        if width == 0 or size > width:
            why = said("tumour size {size} mm ({size_ref}) is larger than the cortical width {width} mm ({width_ref}): "
                       "not a share of the width (measured along the bone?); not used", size=f"{float(size):g}",
                       size_ref=size_ref, width=f"{float(width):g}", width_ref=width_ref)
            for ref in (size_ref, width_ref):
                record.report.ignore(ref, why, attention=True)
            return choose("lesion_size", [], tuple(notes) + (why,))
        for ref in (size_ref, width_ref):
            record.report.use(ref, said("{item} of {lesion} (derived)", item=ItemName("lesion_size"), lesion=lesion))
        share = size / width
        candidate = Candidate(float(share), size_ref, record.effective(size_obs),
                              record.observation_flags(size_obs) + record.observation_flags(width_obs) + (
                                  N_("derived: tumour size / cortical width"),),
                              f"tumour size {float(size):g} mm / cortical width {float(width):g} mm = "
                              f"{float(share):.2f} (assumes the size was measured across the bone)",
                              also=(width_ref,))
        return choose("lesion_size", [candidate], tuple(notes))
    for found, missing in ((sizes, said("the cortical width of the bone at the lesion (cortical-width)")),
                           (widths, said("a measured tumour size (LOINC 21889-1 / 33728-7)"))):
        if found:
            value, ref, _ = found
            why = said("{resource} gives {value} mm, but without {missing} the share of the cortical width cannot be "
                       "computed", resource=ref, value=f"{float(value):g}", missing=missing)
            record.report.ignore(ref, why, attention=True)
            notes.append(why)
    return choose("lesion_size", [], tuple(notes))


def _latest(record: PatientRecord, linked, read) -> tuple[Fraction, str, dict[str, Any]] | None:
    """The latest readable measurement (value in mm, its reference, the Observation)."""
    best = None
    for observation, _ in linked:
        ref = record.ref(observation)
        value, problem = read(record, observation)
        if problem:
            record.report.ignore(ref, problem, attention=True)
            continue
        when = record.effective(observation)
        key = when.latest.toordinal() if when else 0
        if best is None or key >= best[0]:
            best = (key, value, ref, observation)
    return best[1:] if best else None
