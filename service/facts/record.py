"""One patient's resources, indexed once, and the report of what became of each.

Every lookup the extractors make (a reference, the observations of a kind, the panels that list an observation, the
lesion at a body site) is a dictionary lookup built here in one pass: time in proportion to the number of resources.
Status and date gates are applied here too (statuses read in ``statuses.py``), so that no extractor forgets them:

* Conditions refuted or entered-in-error never count;
* Observations count when final, amended, corrected or preliminary (flagged); entered-in-error, cancelled (nor
  the panels that list others), registered and unknown ones never do;
* with an assessment date (``as_of``), a resource dated after it is not read (``dates.after``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeGuard

import msgspec

from ..fhir.patients import local_reference
from ..fhir.shape import ASSERTED_DATE
from ..i18n import LOCALES, N_, Said, joined, said
from .dates import UNBOUNDED, DateSpan, after, ahead, effective_date, parse_date, performed
from .identity import identifier_index, newer_version, reference_of, version_of
from .model import BrokenBone, FixedBone, Label, ReportEntry
from .statuses import (
    COUNTED_OBSERVATION,
    INACTIVE,
    NEVER_COUNTED_OBSERVATION,
    NEVER_COUNTS,
    NEVER_COUNTS_AS,
    StatusReading,
    fracture_not_counted,
    status_code,
)
from .terminology import (
    Terminology,
    codings,
    describe_concepts,
    listed_words,
    load_terminology,
    objects,
    observation_value,
)
from .unread_observations import of_a_condition, unread_observation
from .unrecognised import is_fracture, is_pathological_fracture, looks_like_cancer, names_secondary, not_a_bone
from .vocabulary import (
    CONTEXT_VALUE_SETS,
    LESION_OBSERVATION_CODES,
    NOT_WALKING_VS,
    OBSERVED_ITEM_CODES,
    OSTEOLYSIS_COMPONENTS,
    PAIN_SCORE_VS,
    PRIMARY_GROUPS,
    RADES_OBSERVATION_CODES,
    SITE_IN_BODY_SITE_VS,
    TUMOUR_SIZE_VS,
    condition_kinds_of,
)

# Observations recognised through a ValueSet, not the project's code: a paraplegia finding too, as "unable to walk".
_OBSERVATION_KINDS = {TUMOUR_SIZE_VS: "tumour-size", PAIN_SCORE_VS: "pain-score", NOT_WALKING_VS: "motor-function",
                      "paraplegia": "motor-function", **{vs_id: "context:" + vs_id for vs_id in CONTEXT_VALUE_SETS}}


def unread_reason(kind: str) -> Said:
    """Why a resource of this type is never read (an Observation: when its code is in none of the ValueSets)."""
    return CODE_NOT_READ if kind == "Observation" else _not_read_kind(kind)


@lru_cache(maxsize=1024)  # one message per type (a record holds hundreds of Encounters); types come from outside
def _not_read_kind(kind: str) -> Said:
    return said("{kind} is not read by the calculators", kind=kind)


CODE_NOT_READ = said("code is in none of the ValueSets the calculators read")
NOT_NEEDED = said("not needed by any score")


class Report(msgspec.Struct):
    """Per resource: why it was used, or why not (first reason wins)."""

    used: dict[str, set[str]] = msgspec.field(default_factory=lambda: defaultdict(set))
    ignored: dict[str, tuple[str, bool, bool]] = msgspec.field(default_factory=dict)  # ref: (why, relevant, attention)
    context: dict[str, tuple[str, str]] = msgspec.field(default_factory=dict)  # ref: (what, the Condition or "")

    def use(self, ref: str, why: str) -> None:
        self.used[ref].add(why)

    def ignore(self, ref: str, why: str, *, relevant: bool = True, attention: bool = False, again: bool = False,
               ) -> None:
        # ``again``: a reason that overrules the first (a code nothing read, found relevant later).
        self.ignored[ref] = (why, relevant, attention) if again else self.ignored.get(ref, (why, relevant, attention))

    def show(self, ref: str, what: str, about: str = "") -> None:
        self.context.setdefault(ref, (what, about))


def may_be_read(resource: dict[str, Any]) -> bool:
    """Whether the mapper may read this resource. Every one may, but an Observation whose code is in
    none of the ValueSets and the CodeSystem, which lists no members (a panel links its members) and is of no
    Condition (a focus: it may be a lesion's item coded otherwise): the labs, vitals and the like of a real record,
    which it only names as not read."""
    if resource.get("resourceType") != "Observation" or resource.get("hasMember") or of_a_condition(resource):
        return True
    return load_terminology().in_any(resource.get("code"))


class PatientRecord(StatusReading):
    """The resources of one patient, by reference and by kind."""

    def __init__(self, resources: Iterable[dict[str, Any]], terminology: Terminology, aliases: dict[str, str],
                 as_of: date, moment: datetime | None = None) -> None:
        self.terms = terminology
        self.aliases = aliases
        self.as_of = as_of
        self.moment = moment  # the assessment's instant (``dates.assessment_moment``): a record timed before it counts
        self.report = Report()
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.versions: list[ReportEntry] = []  # older versions of a resource sent twice: named, never read
        undecided: set[str] = set()  # sent twice with other content, neither marked newer: neither is read
        for position, resource in enumerate(resources):
            ref = reference_of(resource, position)
            earlier = self.by_ref.get(ref)
            if earlier is not None and earlier != resource:
                newer = newer_version(earlier, resource)
                if newer is None:
                    undecided.add(ref)
                    continue
                self.by_ref[ref] = newer
                older = resource if newer is earlier else earlier
                self.versions.append(ReportEntry(f"{ref} ({version_of(older)})", "ignored", said(
                    "an older version of {ref}, sent beside the newer one ({newer}), which is read",
                    ref=ref, newer=version_of(newer))))
                continue
            self.by_ref[ref] = resource
        self._ref_of = {id(resource): ref for ref, resource in self.by_ref.items()}
        # Conditions by kind ("lesion", "compression", ..., "primary") and observations by kind, counted ones only.
        self.conditions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.primary_sets: dict[str, tuple[str, ...]] = {}  # primary cancer ref -> the ValueSets of its codings
        self.observations: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.set_aside: dict[str, Said] = {}  # filed, not counted (no result yet; after the assessment): keep_timely
        self.not_yet: set[str] = set()  # of those, the ones not counted for their status (registered, none...)
        self.panels_of: dict[str, list[dict[str, Any]]] = defaultdict(list)  # member -> panels listing it
        self.void_panels_of: dict[str, list[dict[str, Any]]] = defaultdict(list)  # those entered in error, cancelled
        self.responses: list[dict[str, Any]] = []  # QuestionnaireResponses: answers.py reads and reports them
        self.body_structures: list[str] = []  # their references: the mapper reads sites and tumours from them
        self.procedures: list[dict[str, Any]] = []
        self._once: dict[str, Any] = {}
        self._kinds: dict[int, list[str]] = {}  # Condition (by identity) -> what its codings say it is
        self._actives = {}  # Condition (by identity) -> whether it counts as active (StatusReading.active)
        self._effectives: dict[int, tuple[dict[str, Any], DateSpan | None]] = {}  # Observation -> its date
        self.contained: list[ReportEntry] = []  # relevant resources contained in another: named, never read
        self.fractures: list[dict[str, Any]] = []  # pathological fractures that count: a broken bone is no lesion
        self.broken: list[BrokenBone] = []  # lesions whose bone has broken (mapper)
        self.fixed: dict[str, list[str]] = defaultdict(list)  # fixation Procedure -> the lesions it fixed (long_bone)
        self.fixed_bones: list[FixedBone] = []  # the same, each lesion with its place (for the draft orders)
        # Metastases at a site no ValueSet places (a C78.x the sets do not hold): named by the visceral item.
        self.unplaced_metastases: list[str] = []
        for ref in undecided:
            self.report.ignore(ref, said("sent twice with different content, and neither says it is the newer "
                                         "(meta.versionId, meta.lastUpdated): neither is read"), attention=True)
        for ref, resource in self.by_ref.items():
            if ref in undecided:
                continue
            if "contained" in resource:
                self._name_contained(ref, resource)
            kind = resource.get("resourceType")
            if kind == "Condition":
                self._file_condition(ref, resource)
            elif kind == "Observation":
                self._file_observation(ref, resource)
            elif kind == "QuestionnaireResponse":
                self.responses.append(resource)
            elif kind == "BodyStructure":
                self.body_structures.append(ref)
            elif kind == "Procedure":
                self.procedures.append(resource)  # operations and radiotherapies: procedures.py reads and reports them
            elif kind != "Patient":
                self.report.ignore(ref, unread_reason(str(kind)), relevant=False)

    # -- lookups ----------------------------------------------------------------------------

    def ref(self, resource: dict[str, Any]) -> str:
        return self._ref_of[id(resource)]

    def resolve(self, reference: Any) -> str | None:
        """A Reference -> the "Type/id" of a resource of this record, or None. A logical reference (an identifier and
        no literal reference, as record converters write them) names the one resource with it (and its type)."""
        target = local_reference(reference, self.aliases)
        if target is None and isinstance(reference, dict) and "reference" not in reference:
            return self._by_identifier(reference.get("identifier"), reference.get("type"))
        return target if target in self.by_ref else None

    def _by_identifier(self, identifier: Any, kind: Any) -> str | None:
        if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
            return None
        index = self.once("identifiers", lambda: identifier_index(self.by_ref.items()))
        found = [ref for ref in index.get((identifier.get("system"), identifier["value"]), ())
                 if not isinstance(kind, str) or ref.startswith(kind + "/")]
        return found[0] if len(found) == 1 else None

    def get(self, ref: str) -> dict[str, Any]:
        return self.by_ref[ref]

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time, then its result: the same for every lesion, worked out once (linear)."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    # -- dates ------------------------------------------------------------------------------

    def effective(self, observation: dict[str, Any]) -> DateSpan | None:
        """When an Observation was made (read once per record: every extractor asks it)."""
        known = self._effectives.get(id(observation))  # kept beside the Observation, as ``active`` is
        if known is not None and known[0] is observation:
            return known[1]
        span = effective_date(observation) or self._source_date(observation)
        self._effectives[id(observation)] = (observation, span)
        return span

    def _source_date(self, observation: dict[str, Any]) -> DateSpan | None:
        """An undated value derived from dated ones (derivedFrom: an Observation, a report, an imaging study, a
        document) is as old as the newest of them (one step)."""
        return max((span for ref in (self.resolve(r) for r in objects(observation.get("derivedFrom"))) if ref and (
            span := effective_date(source := self.by_ref[ref]) or parse_date(source.get("started") or source.get(
                "date")))), key=lambda span: span.latest, default=None)

    @staticmethod
    def period_start(observation: dict[str, Any]) -> DateSpan | None:
        """The start of the period whose end dates an observation (a record over a span describes all of it)."""
        period = observation.get("effectivePeriod") or {}
        if observation.get("effectiveDateTime") or observation.get("effectiveInstant") or not period.get("end"):
            return None
        return parse_date(period.get("start"))

    @staticmethod
    def onset(condition: dict[str, Any]) -> DateSpan | None:
        return parse_date(condition.get("onsetDateTime")) or parse_date(
            (condition.get("onsetPeriod") or {}).get("start"))

    def diagnosis_date(self, condition: dict[str, Any]) -> tuple[DateSpan | None, str]:
        """The date a cancer was diagnosed: onset, else the assertedDate extension (the date the diagnosis
        was first asserted). recordedDate is when the Condition was written into this system (FHIR: "often
        a system-generated date", a migration's day for an old cancer): the diagnosis is on or before it,
        so it is only a bound, a span that starts at ``date.min`` (``UNBOUNDED``)."""
        onset = self.onset(condition)
        if onset:
            return onset, "onset"
        for extension in objects(condition.get("extension")):
            if extension.get("url") == ASSERTED_DATE:
                asserted = parse_date(extension.get("valueDateTime"))
                if asserted:
                    return asserted, "assertedDate"
        recorded = parse_date(condition.get("recordedDate"))
        if recorded:
            return DateSpan(UNBOUNDED, recorded.latest, recorded.text), "recordedDate"
        return None, ""

    def after_as_of(self, span: DateSpan | None) -> TypeGuard[DateSpan]:
        return span is not None and after(span, self.as_of, self.moment)

    def said_after(self, span: DateSpan) -> Said:
        return said("dated {date}, after the assessment date {as_of}", date=span.text, as_of=self.as_of.isoformat())

    # -- status (the Conditions': statuses.StatusReading) --------------------------------------

    def counted(self, observation: dict[str, Any]) -> bool:
        """Whether an Observation filed by kind counts: not ``set_aside`` (no result yet, after the assessment)."""
        return self.ref(observation) not in self.set_aside

    def observation_flags(self, observation: dict[str, Any]) -> tuple[str, ...]:
        """What the clinician must know of the record itself: preliminary, undated (how old it is, and so whether it
        still holds, cannot be told), listed by a panel that never counts (review 28: read by its own focus)."""
        flags: tuple[str, ...] = ((N_("preliminary"),) if observation.get("status") == "preliminary" else ()) + ((
            N_("listed by an examination recorded as entered in error or cancelled"),) if self.ref(
            observation) in self.void_panels_of else ())
        when = self.effective(observation)
        timed = observation.get("effectiveDateTime") or observation.get("effectiveInstant")  # not a period's end
        if timed and when is not None and self.moment is not None and ahead(when, self.moment) and when.instant:
            local = when.instant.astimezone(self.moment.tzinfo)  # on the site's clock, as "now" is, with its zone
            flags += (said("timed {time} on {date} ({zone}), later than the assessment ({now}): check its time",
                           time=local.strftime("%H:%M"), date=local.date().isoformat(), zone=local.strftime("%Z"),
                           now=self.moment.strftime("%H:%M")),)
        return flags + ((N_("its date is not recorded"),) if when is None else ())

    # -- filing -----------------------------------------------------------------------------

    def condition_kinds(self, condition: dict[str, Any]) -> list[str]:
        """What a Condition's codings say it is ("primary", "lesion", "compression"...), each once. An EHR
        may code one problem with several classifications' codes (a metastatic breast cancer as C50.9
        and C79.51): it is then each of them."""
        return condition_kinds_of([self.terms.memberships(c.get("system"), c.get("code"))
                                   for c in codings(condition.get("code"))])

    def _file_condition(self, ref: str, condition: dict[str, Any]) -> None:
        # Its codings and each one's ValueSets, looked up once for every question below.
        coded = codings(condition.get("code"))
        memberships = [self.terms.memberships(c.get("system"), c.get("code")) for c in coded]
        kinds = condition_kinds_of(memberships)
        if not kinds and any(SITE_IN_BODY_SITE_VS in ids for ids in memberships):
            why_not = not_a_bone(condition, self.terms)
            if why_not:
                self.report.ignore(ref, why_not, attention=True)
                self._metastasis_elsewhere(ref, condition)
                return
            kinds = ["lesion"]
        self._kinds[id(condition)] = kinds
        if not kinds:
            why, attention = looks_like_cancer(condition, coded), True
            if not why and "bodySite" in condition and is_fracture(condition):  # its words and site (probe 25, S32.8)
                why = said("a fracture by its words ('{words}'), of the bone its site records: not a score's input; "
                           "checked against the lesions of that bone", words=describe_concepts([condition.get("code")]))
            if why and is_fracture(condition):  # a resolved or healed one does not say the bone is broken now
                status = status_code(condition, "verificationStatus")
                counts = status not in NEVER_COUNTS and status_code(
                    condition, "clinicalStatus") not in INACTIVE and not self.abated(condition)
                if counts and not self.after_as_of(self.onset(condition) or parse_date(condition.get("recordedDate"))):
                    self.fractures.append(condition)  # matched to the lesions by bone and side (mapper)
                why = why if counts else fracture_not_counted(status if status in NEVER_COUNTS else None)
                # Said on a scored lesion's card when it may be its bone; else, for the integrator only.
                attention = counts and is_pathological_fracture(condition)
            if why:
                self.report.ignore(ref, why, attention=attention)
                if names_secondary(condition):
                    self._metastasis_elsewhere(ref, condition)
            else:
                self.report.ignore(ref, CODE_NOT_READ, relevant=False)
            return
        verification = status_code(condition, "verificationStatus")
        if verification in NEVER_COUNTS:
            self.report.ignore(ref, Said(NEVER_COUNTS_AS, {"status": verification}))
            return
        began = self.onset(condition) or parse_date(condition.get("recordedDate"))
        if self.after_as_of(began):  # a typing error, or a record made ahead: either way it hides a score
            self.report.ignore(ref, self.said_after(began), attention=True)
            return
        if "primary" in kinds:  # every coding's group: codings that translate one meaning may still disagree
            self.primary_sets[ref] = tuple(vs_id for vs_id in PRIMARY_GROUPS
                                           if any(vs_id in ids for ids in memberships))
        for kind in kinds:
            self.conditions[kind].append(condition)

    def _metastasis_elsewhere(self, ref: str, condition: dict[str, Any]) -> None:
        clinical, verification = status_code(condition, "clinicalStatus"), status_code(condition, "verificationStatus")
        if clinical not in INACTIVE and verification not in NEVER_COUNTS:
            self.unplaced_metastases.append(ref)

    def _name_contained(self, ref: str, container: dict[str, Any]) -> None:
        """A Condition or Observation the calculators would read, contained in another resource, has no identity of its
        own for a score to cite: named, not used (a lesion's contained BodyStructure is read: ``site_concepts``)."""
        for inner in objects(container.get("contained")):
            if inner.get("resourceType") in ("Condition", "Observation") and self.terms.in_any(inner.get("code")):
                self.contained.append(ReportEntry(f"{ref}#{inner.get('id')}", "ignored", said(
                    "contained in {container}: the calculators read only resources of their own, which a score can "
                    "cite", container=ref), True, True, describe_concepts([inner.get("code")])))

    def observation_kind(self, observation: dict[str, Any]) -> str | None:
        """What an Observation says: one of the project's codes, or a ValueSet-defined kind."""
        code = observation.get("code")
        own = self.terms.own_code(code)
        if own in LESION_OBSERVATION_CODES or own in RADES_OBSERVATION_CODES or own in OBSERVED_ITEM_CODES:
            return own
        if own in OSTEOLYSIS_COMPONENTS:  # one component as an Observation of its own (probe 25: said nowhere)
            return "cortical-osteolysis"
        match = self.terms.first_match(code, _OBSERVATION_KINDS)
        return _OBSERVATION_KINDS[match[0]] if match else None

    def _file_observation(self, ref: str, observation: dict[str, Any]) -> None:
        void = str(observation.get("status")) in NEVER_COUNTED_OBSERVATION  # an entered-in-error panel links nothing
        for member in observation.get("hasMember") or []:
            target = local_reference(member, self.aliases)
            if target:
                (self.void_panels_of if void else self.panels_of)[target].append(observation)
        known = self.terms.in_any(observation.get("code"))  # a lab, a vital sign...: no lookup will find it
        kind = self.observation_kind(observation) if known else None
        if kind is None:  # a lab, a vital sign; a diagnosis or a form recorded as one, an item coded otherwise
            said_why, attention = unread_observation(self, observation, known, CODE_NOT_READ)
            self.report.ignore(ref, said_why, relevant=attention, attention=attention)
            return
        status = observation.get("status")
        if status in NEVER_COUNTED_OBSERVATION:
            self.report.ignore(ref, said("status is {status}: never counts", status=status))
            return
        when = self.effective(observation)
        why = (self.said_after(when) if self.after_as_of(when) else None) if status in COUNTED_OBSERVATION else \
            said("status is {status}: no result yet; not counted", status=status) if status == "registered" else \
            said("status is {status}: not counted; check whether it is final", status=status) if status else \
            said("no status: not counted; check whether it is final")
        if why is not None:  # one not yet counted is a warning only where its item is missing (``keep_timely``)
            self.report.ignore(ref, why, attention=status in COUNTED_OBSERVATION)
            if not kind.startswith("context:"):
                self.set_aside[ref] = why
                if status not in COUNTED_OBSERVATION:
                    self.not_yet.add(ref)
                self.observations[kind].append(observation)
            return
        if kind.startswith("context:"):
            self.report.show(ref, said("{what}: {value}, shown as context: not an item of Mirels or Rades",
                                       what=CONTEXT_VALUE_SETS[kind[8:]], value=observation_value(observation)))
            return
        self.observations[kind].append(observation)

    def label(self, resource: dict[str, Any]) -> Label:
        """A resource as a clinician knows it, with no id: its words and its date ("“Pain (Mirels)”, 2026-11-05")."""
        own = self.terms.own_code(resource.get("code"))  # the project's code: its CodeSystem's displays
        displays = dict(self.terms.own_displays.get(own or "") or {}) if own else {}
        if not displays.get("en"):
            code = resource.get("code")
            words = describe_concepts([code]) or str(resource.get("resourceType"))
            displays = {"en": words if len(words) <= 120 else words[:120].rsplit(" ", 1)[0] + "…"}
            if not (isinstance(code, dict) and code.get("text")):  # a code's title, no words of the record's own: in
                # the reader's language where a ValueSet gives it (« Secondary malignant neoplasm of bone » in French)
                displays |= {locale: said_words for locale in LOCALES if locale != "en" and (said_words := next((
                    found for c in codings(code) if (found := listed_words(str(c.get("system")), c.get("code"),
                                                                            locale))), None))}
        kind = resource.get("resourceType")
        when = (self.effective(resource) if kind == "Observation" else
                self.onset(resource) or parse_date(resource.get("recordedDate")) if kind == "Condition" else
                performed(resource) if kind == "Procedure" else None)
        return Label(displays, (when.text if " – " in when.text else when.text[:10]) if when else "")  # a period whole

    def labels(self, entries: list[ReportEntry]) -> dict[str, Label]:
        """Reference -> label, for the resources a clinician may read of (used, relevant, context)."""
        return {entry.resource: self.label(self.by_ref[entry.resource]) for entry in entries
                if entry.resource in self.by_ref and (entry.outcome != "ignored" or entry.relevant)}

    def entries(self) -> list[ReportEntry]:
        result = []
        for ref, resource in self.by_ref.items():
            if ref in self.report.used:
                result.append(ReportEntry(ref, "used", joined(sorted(self.report.used[ref]))))
                continue
            if resource.get("resourceType") == "Patient":
                result.append(ReportEntry(ref, "used", said("subject of the assessment")))
                continue
            why, relevant, attention = self.report.ignored.get(ref, (NOT_NEEDED, False, False))
            # Words for what the clinician reads (relevant, context); the rest is listed by reference only.
            described = relevant or ref in self.report.context
            description = describe_concepts([resource.get("code")]) if described else ""
            if ref in self.report.context:
                what, about = self.report.context[ref]
                result.append(ReportEntry(ref, "context", what, description=description, about=about))
            else:
                result.append(ReportEntry(ref, "ignored", why, relevant, attention, description))
        return result + self.contained + self.versions
