"""What the mapper found: calculator inputs with their provenance, and a report
of every resource it saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..calculators import MirelsInputs, RadesInputs


@dataclass(frozen=True)
class Fact:
    """One calculator input and where it came from.

    ``value`` is what the calculator takes: a value, ``OneOf``, ``Between`` or
    ``None`` (missing). ``sources`` are the references of the resources that gave
    it, ``rule`` says how. ``notes`` explain a missing or uncertain value and
    report conflicts; ``supplied_by`` says which resource would supply a missing one.
    """

    item: str
    value: Any = None
    sources: tuple[str, ...] = ()
    rule: str = ""
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    supplied_by: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class ReportEntry:
    resource: str
    outcome: Literal["used", "ignored"]
    reason: str


@dataclass
class ScoredCondition:
    """A Condition that gets one score, and the facts found for its inputs."""

    condition: str
    description: str
    facts: dict[str, Fact]
    # (bone code, laterality code) of a lesion's bodySite, to match orders that name a site.
    body_site: tuple[str | None, str | None] = (None, None)
    inputs_type: ClassVar[type]

    def inputs(self):
        return self.inputs_type(**{name: fact.value for name, fact in self.facts.items()})


class LesionFacts(ScoredCondition):
    """A long-bone metastasis: one Mirels score."""

    inputs_type = MirelsInputs


class CordCompressionFacts(ScoredCondition):
    """A metastatic spinal cord compression: one Rades score."""

    inputs_type = RadesInputs


@dataclass
class PatientFacts:
    patient: str | None
    lesions: list[LesionFacts] = field(default_factory=list)
    cord_compressions: list[CordCompressionFacts] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)

    def entry(self, resource: str) -> ReportEntry:
        return next(entry for entry in self.report if entry.resource == resource)
