"""Cortical osteolysis, axial and circumferential %, for the consolidation-surgery caveat
(> 30 % axial and > 50 % of the circumference with Mirels >= 9). Components of an
Observation ``cortical-osteolysis``, or Observations of their own codes, in UCUM ``%``."""

from __future__ import annotations

from typing import Any

from ...i18n import said
from ..evidence import Candidate, choose
from ..model import Fact
from ..record import PatientRecord
from ..terminology import UCUM
from ..vocabulary import OSTEOLYSIS_COMPONENTS
from .lesion_type import Linked
from .quantities import number


def osteolysis_facts(record: PatientRecord, lesion: str, linked: dict[str, list[Linked]]) -> dict[str, Fact]:
    found: dict[str, list[Candidate]] = {name: [] for name in OSTEOLYSIS_COMPONENTS.values()}
    for observation, how in linked.get("cortical-osteolysis", ()):
        ref = record.ref(observation)
        read = False
        alone = OSTEOLYSIS_COMPONENTS.get(record.terms.own_code(observation.get("code")) or "")
        parts = [observation] if alone else observation.get("component") or []
        for component in parts:  # a component, or an Observation that is one ("cortical-osteolysis-axial", 40 %)
            name = OSTEOLYSIS_COMPONENTS.get(record.terms.own_code(component.get("code")) or "")
            quantity: Any = component.get("valueQuantity") or {}
            if name is None or quantity.get("code") != "%" or quantity.get("system", UCUM) != UCUM:
                continue
            if number(quantity.get("value")) and 0 <= quantity["value"] <= 100:
                found[name].append(Candidate(quantity["value"], ref, record.effective(observation),
                                             record.observation_flags(observation), how))
                read = True
        if read:
            record.report.use(ref, said("cortical osteolysis of {lesion}", lesion=lesion))
        else:
            record.report.ignore(ref, said("cortical osteolysis without a component in % (UCUM)"), attention=True)
    return {name: choose(name, candidates) for name, candidates in found.items()}
