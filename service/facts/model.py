"""What the mapper found: calculator inputs with their provenance, and a report
of every resource it saw."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, ClassVar, Literal

import msgspec

from ..calculators import MirelsInputs, RadesInputs
from ..i18n import translate
from .place import Place


class Fact(msgspec.Struct, frozen=True):
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
    recorded: str = ""  # the date of the record the value comes from, as written ("" when none or not one)

    @property
    def missing(self) -> bool:
        return self.value is None


class ReportEntry(msgspec.Struct, frozen=True):
    """What became of one resource.

    ``relevant``: it looked relevant (a code the mapper reads) yet was not used, so the
    clinician is told. ``attention``: not using it may hide or change a score (an
    unlinked observation, a wrong unit, another patient's data), as opposed to "nothing to
    score with it" (a primary cancer without a cord compression). ``outcome`` "context":
    shown beside the scores, never mapped to an item (ECOG, Karnofsky).
    """

    resource: str
    outcome: Literal["used", "ignored", "context"]
    reason: str
    relevant: bool = False
    attention: bool = False
    description: str = ""
    about: str = ""  # context of one Condition only (a pain score of this lesion), shown beside its score alone


class ScoredCondition(msgspec.Struct):
    """A Condition that gets one score, and the facts found for its inputs."""

    condition: str
    description: str
    facts: dict[str, Fact]
    # (bone code, laterality code) of a lesion's bodySite, to match orders that name a site.
    body_site: tuple[str | None, str | None] = (None, None)
    # What the Condition itself says of its reliability ("no clinicalStatus", "unconfirmed").
    condition_flags: tuple[str, ...] = ()
    # Items tied to one another, each set a real combination (several primary cancers, each with its own
    # interval): the totals are those of these combinations only (``calculators.over_alternatives``).
    alternatives: tuple[dict[str, Fact], ...] = ()
    # Where, for a person: bone, side and region (None: the Condition has no bodySite).
    place: Place | None = None
    # Among ``condition_flags``, the fractures that may be of this lesion's bone and side: the card says them
    # first, before any fixation is weighed (a bone already broken is no longer Mirels's question).
    fractures_to_check: tuple[str, ...] = ()
    # Among them too, a fixation of this lesion begun, planned or not known done: said first as well (it may have
    # answered Mirels);
    # and an operation of the spine after the records a score rests on, at a level not known to be another.
    fixations_to_check: tuple[str, ...] = ()
    operations_to_check: tuple[str, ...] = ()
    # And an operation of the spine done before, of this Condition or at its spine (an old instrumentation across a
    # vertebral lesion's level): said first (SINS's and Rades's sources are silent on what it changes).
    operations_before: tuple[str, ...] = ()
    # The operations done of this Condition (naming it), of its time: the choice the score's category orients
    # (surgery or radiotherapy alone) is made; what follows is adjuvant (the table's ``after_operation``). And those
    # that may be (coded otherwise, undated, a date that straddles, one begun and not recorded done).
    operated: tuple[str, ...] = ()
    operated_maybe: tuple[str, ...] = ()
    # A status recorded after the moment the score describes, other than the one counted (a paraplegia since its
    # radiotherapy began, where Rades counted "walks without aid" before it): said first, the score being of before.
    status_since: tuple[str, ...] = ()
    # A treatment the score's action orients recorded as not done (a fixation refused): said first, since the advice
    # repeats what was not done (why is to know).
    not_done: tuple[str, ...] = ()
    # Its site names several places (a femur, both sides): which one each item describes is not said (said first).
    sites_to_check: tuple[str, ...] = ()
    calculator: ClassVar[str]  # the name of its calculator (``calculators.registry``)
    inputs_type: ClassVar[type]

    @property
    def said_first(self) -> tuple[str, ...]:
        """What every card and resource of this score says before anything else: the bone may already have broken,
        or be fixed, or the site operated on, or the patient's status changed since (its action may be moot)."""
        return self.fractures_to_check + self.status_since + self.not_done + self.sites_to_check \
            + self.fixations_to_check + self.operations_to_check + self.operations_before

    def inputs(self, tied: dict[str, Fact] | None = None):
        """The calculator's inputs; ``tied``: one of the ``alternatives``, in place of those items."""
        chosen = {**self.facts, **(tied or {})}
        return self.inputs_type(**{name: fact.value for name, fact in chosen.items()})

    def where(self, locale: str = "en", as_written: bool = True) -> str:
        """Where the scored Condition is, side first ("left femur, peritrochanteric region"), else its
        description; ``as_written``: with the record's words where they say more than its codes."""
        return (self.place.words(locale, as_written) if self.place else "") or translate(self.description, locale)


class LesionFacts(ScoredCondition):
    """A long-bone metastasis: one Mirels score."""

    calculator = "mirels"
    inputs_type = MirelsInputs


class CordCompressionFacts(ScoredCondition):
    """A metastatic spinal cord compression: one Rades score."""

    calculator = "rades"
    inputs_type = RadesInputs


class Label(msgspec.Struct, frozen=True):
    """A resource as a clinician knows it, with no id: its words (by locale; "en" always) and its date."""

    words: dict[str, str]
    when: str = ""
    where: Place | None = None  # said where two Conditions' words and dates are the same (three lesions, one title)

    def said_in(self, locale: str) -> str:
        words = self.words.get(locale) or self.words["en"]
        where = f" ({place})" if self.where is not None and (place := self.where.words(locale)) else ""
        return f"“{words}”{where}, {self.when}" if self.when else f"“{words}”{where}"

    def __str__(self) -> str:
        return self.said_in("en")


class BrokenBone(msgspec.Struct, frozen=True):
    """A lesion whose bone has broken on its side (a fracture of the same bone and side): Mirels,
    the risk of a fracture to come, no longer applies. ``when``: the fracture's date as recorded, or ""."""

    lesion: str
    fracture: str
    place: Place | None
    description: str
    when: str = ""
    pathological: bool = False  # the fracture is recorded as pathological (else an injury code: any cause)
    fracture_place: Place | None = None  # where the fracture's own bodySite puts it, when it names a bone
    fixation: str = ""  # a fixation of this lesion recorded before the fracture (the bone broke with its implant)

    def where(self, locale: str = "en") -> str:
        return (self.place.words(locale) if self.place else "") or translate(self.description, locale)


class FixedBone(msgspec.Struct, frozen=True):
    """A lesion whose bone has been fixed (``operation``, done ``when``, as recorded): Mirels, which helps decide
    whether to fix it, no longer applies."""

    lesion: str
    operation: str
    place: Place | None
    when: str = ""


class Where(msgspec.Struct, frozen=True):
    """A Condition or procedure named for a person: its reference, its place (None: no bodySite) and, failing
    a place, its own words."""

    ref: str
    place: Place | None
    description: str
    own_words: bool = False  # the description is the record's own text (which may say where), not a code's title
    # The §1.5 site it is counted as (its bone and side, or level), "" when not counted: records of one site are
    # listed together on the card, as the count counts them.
    site: str = ""
    compression: bool = False  # a spinal cord compression: counted for the vertebral site it stands for, no lesion

    def words(self, locale: str = "en", as_written: bool = True) -> str:
        return (self.place.words(locale, as_written) if self.place else "") or translate(self.description, locale)


class SituationFacts(msgspec.Struct, frozen=True):
    """What one situation of the guideline (``calculators.situations``) is read from: the rule's inputs and
    the resources they came from. ``about``: the Conditions, operations or sites it concerns, for a person;
    ``notes``: what the card says beside the advice; ``score_of``: the Condition whose score the rule reads
    (§1.1 asks for a low fracture risk)."""

    situation: str
    inputs: Any
    sources: tuple[str, ...]
    about: tuple[Where, ...] = ()
    notes: tuple[str, ...] = ()
    score_of: str | None = None


class PatientFacts(msgspec.Struct):
    """What the mapper read of one patient's record: the Conditions scored, with their inputs, and the report
    on every resource."""

    patient: str | None
    # Every Condition that gets a score, each with its calculator's inputs; in the order cards show them.
    scored: list[ScoredCondition] = msgspec.field(default_factory=list)
    report: list[ReportEntry] = msgspec.field(default_factory=list)
    as_of: date | None = None
    # Resources counted by type without being parsed (``prefilter``): none of them can be read.
    unread: Counter[str] = msgspec.field(default_factory=Counter)
    broken: list[BrokenBone] = msgspec.field(default_factory=list)  # lesions not scored: their bone has broken
    fixed: list[FixedBone] = msgspec.field(default_factory=list)  # lesions not scored: their bone has been fixed
    # Reference -> the resource as a clinician knows it (its words and date): cards name resources so, never by id.
    labels: dict[str, Label] = msgspec.field(default_factory=dict)
    # The guideline's situations that are advice, not scores (§1.1, §1.4, §1.5), with what each was read from.
    situations: list[SituationFacts] = msgspec.field(default_factory=list)
    # False when the door could not read the patient's Procedures (a CDS Hooks prefetch without them, and no
    # server to fetch them from): a lesion fixed since cannot be told, so each Mirels card says so.
    procedures_read: bool = True
    # The types the EHR sent only in part (``MappingOptions.partial``): a record not sent may change any score.
    partial: frozenset[str] = frozenset()
    # The Patient is recorded as deceased: its day ("" when the record says no day), else None. No card advises on
    # such a patient (``render.cards``); ``$assess`` says it beside what it returns.
    deceased: str | None = None
    # Every bone and side a bone metastasis (whatever its clinical status) or a fracture is recorded at, and whether a
    # metastasis is recorded whose site is not read: an order's side is questioned only where none may be its site.
    bone_sides: frozenset[tuple[str, str | None]] = frozenset()
    unplaced_sites: bool = False

    def scored_by(self, calculator: str) -> list[ScoredCondition]:
        """The Conditions that ``calculator`` scores."""
        return [found for found in self.scored if found.calculator == calculator]

    @property
    def not_used(self) -> list[ReportEntry]:
        """Relevant resources that no score used, each with why (the clinician's review list)."""
        return [entry for entry in self.report if entry.outcome == "ignored" and entry.relevant]

    @property
    def context(self) -> list[ReportEntry]:
        return [entry for entry in self.report if entry.outcome == "context"]

    def entry(self, resource: str) -> ReportEntry:
        return next(entry for entry in self.report if entry.resource == resource)
