"""FHIR resources of one patient -> calculator inputs, each with its provenance.

The rules, in the order a reviewer checks them:

Status
    Conditions refuted or entered-in-error never count. A lesion or a cord
    compression must be active (or recurrence / relapse, or with no clinicalStatus,
    flagged); inactive, remission and resolved ones give no score. Inactive or resolved
    visceral metastases do not count as present. Observations entered-in-error or
    cancelled never count, nor registered or unknown ones (no result yet); preliminary
    ones count and are flagged.
Codes
    By system and code through the ValueSets in ``fhir_profiles/``; display text
    is never read. Observations are recognised by a code of the project's CodeSystem,
    or LOINC 72514-3 for a 0-10 pain score.
Linking an observation to its lesion
    ``focus`` names the lesion's Condition; else a panel Observation that lists it
    in ``hasMember`` is linked; else an Observation it is ``derivedFrom`` is linked;
    else its ``bodySite`` names the same bone and laterality as exactly one lesion.
    An observation linked to no lesion, or to several, is reported and not used.
Conflicts
    When several resources give one item, the one with the latest effective date
    wins and the conflict is reported; a tie between different values leaves the
    item uncertain.
Units
    UCUM only: ``%`` or ``1`` for shares, ``d``, ``wk``, ``mo`` for durations. A wrong
    or missing unit makes the item missing, with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Iterable

from ..calculators import Between, OneOf
from .dates import DateSpan, day_range, month_range, parse_date
from .model import CordCompressionFacts, Fact, LesionFacts, PatientFacts, ReportEntry
from .terminology import OWN_SYSTEM, UCUM, Terminology, codings, load_terminology

PROFILE_BASE = "http://bonemet-cds.org/fhir/StructureDefinition"
MCODE_HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"

# ValueSet id -> Rades primary tumour row. The lung ValueSet without histology maps to None:
# the morphology decides.
PRIMARY_GROUPS = {
    "primary-breast": "breast",
    "primary-prostate": "prostate",
    "primary-myeloma-lymphoma": "myeloma_lymphoma",
    "primary-nsclc": "nsclc",
    "primary-sclc": "sclc",
    "primary-lung-histology-needed": None,
    "primary-unknown": "unknown_primary",
    "primary-kidney": "kidney",
    "primary-colorectal": "colorectal",
    "primary-other": "other",
}
MORPHOLOGIES = {"morphology-small-cell": "sclc", "morphology-non-small-cell": "nsclc"}
LONG_BONES = {"long-bone-upper-limb": "upper_limb", "long-bone-lower-limb": "lower_limb"}
CONDITION_VALUE_SETS = (
    "bone-metastasis",
    "spinal-cord-compression",
    "visceral-metastasis",
    "metastasis-visceral-undetermined",
    "paraplegia",
)
OTHER_VALUE_SETS = (
    "peritrochanteric-region",
    "laterality",
    "lesion-type",
    "mirels-pain",
    "lesion-size-row",
    "motor-function",
    "presence",
    "pain-score-0-10",
)
# Every ValueSet the mapper reads; a test checks it equals those in fhir_profiles/.
VALUE_SETS_USED = frozenset(PRIMARY_GROUPS) | frozenset(MORPHOLOGIES) | frozenset(LONG_BONES) | frozenset(
    CONDITION_VALUE_SETS
) | frozenset(OTHER_VALUE_SETS)

# Observation codes of the project's CodeSystem: lesion-level ones (-> Mirels item), and Rades ones.
LESION_OBSERVATIONS = {"lesion-size": "lesion_size", "lesion-type": "lesion_type", "mirels-pain": "pain",
                       "cortical-osteolysis": None}
OSTEOLYSIS_COMPONENTS = {"cortical-osteolysis-axial": "cortical_osteolysis_axial_percent",
                         "cortical-osteolysis-circumference": "cortical_osteolysis_circumference_percent"}
RADES_OBSERVATIONS = ("visceral-metastases", "motor-function", "days-developing-motor-deficits")
# Every code of the CodeSystem the mapper names; a test checks each is published.
OWN_CODES_USED = frozenset(LESION_OBSERVATIONS) | frozenset(OSTEOLYSIS_COMPONENTS) | frozenset(RADES_OBSERVATIONS)

LESION_ITEMS = ("lesion_site", "lesion_size", "lesion_type", "pain")
RADES_ITEMS = (
    "primary_tumour",
    "months_to_cord_compression",
    "visceral_metastases",
    "motor_function",
    "days_developing_motor_deficits",
)

# Which resource would supply each missing item (shown to the clinician).
SUPPLIED_BY = {
    "lesion_site": "the bone metastasis Condition's bodySite: a long bone (humerus, radius, ulna, femur, tibia, "
    f"fibula) or the peritrochanteric region ({PROFILE_BASE}/bonemet-bone-metastasis)",
    "lesion_size": f"an Observation coded {OWN_SYSTEM}#lesion-size with focus = the lesion, value in % or ratio "
    f"({PROFILE_BASE}/bonemet-lesion-size)",
    "lesion_type": f"an Observation coded {OWN_SYSTEM}#lesion-type (lytic, mixed, blastic) with focus = the lesion "
    f"({PROFILE_BASE}/bonemet-lesion-type)",
    "pain": f"an Observation coded {OWN_SYSTEM}#mirels-pain (mild, moderate, functional) with focus = the lesion "
    f"({PROFILE_BASE}/bonemet-mirels-pain)",
    "primary_tumour": f"the primary cancer Condition, coded in SNOMED CT or ICD-10, with its histology for a lung "
    f"cancer ({PROFILE_BASE}/bonemet-primary-cancer-condition)",
    "months_to_cord_compression": "the primary cancer Condition's onset (or recordedDate, or assertedDate) and the "
    "spinal cord compression Condition's onset",
    "visceral_metastases": f"an Observation coded {OWN_SYSTEM}#visceral-metastases (present / absent) "
    f"({PROFILE_BASE}/bonemet-visceral-metastases-status), or an active visceral metastasis Condition "
    f"({PROFILE_BASE}/bonemet-visceral-metastasis)",
    "motor_function": f"an Observation coded {OWN_SYSTEM}#motor-function ({PROFILE_BASE}/bonemet-motor-function), "
    "or an active paraplegia Condition",
    "days_developing_motor_deficits": f"an Observation coded {OWN_SYSTEM}#days-developing-motor-deficits in d, wk "
    f"or mo ({PROFILE_BASE}/bonemet-motor-deficit-duration), or the onset of a paraplegia Condition",
}

_UCUM_DAYS = {"d": Fraction(1), "wk": Fraction(7), "mo": Fraction(304375, 10000)}  # UCUM mo = 30.4375 d
_COUNTED_OBSERVATION = {"final", "amended", "corrected", "preliminary"}
_INACTIVE = {"inactive", "remission", "resolved"}


@dataclass(frozen=True)
class MappingOptions:
    """``as_of``: the assessment date (days of motor deficit run to it).
    ``pain_score_bands``: (category, lowest, highest) for 0-10 pain scores; empty by
    default because the guideline does not map scores to Mirels categories."""

    as_of: date
    pain_score_bands: tuple[tuple[str, float, float], ...] = ()


@dataclass
class _Candidate:
    value: Any
    source: str
    when: DateSpan | None
    flags: tuple[str, ...] = ()
    rule: str = ""


@dataclass
class _Report:
    used: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ignored: dict[str, str] = field(default_factory=dict)

    def use(self, ref: str, why: str) -> None:
        self.used[ref].add(why)

    def ignore(self, ref: str, why: str) -> None:
        self.ignored.setdefault(ref, why)


def reference_of(resource: dict[str, Any], position: int) -> str:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if rid else f"{resource.get('resourceType')}[{position}]"


def _code(concept: Any) -> str | None:
    found = codings(concept)
    return found[0].get("code") if found else None


def describe_concepts(concepts: Iterable[Any]) -> str:
    words = []
    for concept in concepts:
        if isinstance(concept, dict):
            words.append(concept.get("text") or next(
                (c.get("display") or c.get("code") for c in codings(concept) if c.get("display") or c.get("code")), ""
            ))
    return ", ".join(w for w in words if w)


class _Mapper:
    def __init__(self, resources: list[dict[str, Any]], options: MappingOptions,
                 terminology: Terminology, aliases: dict[str, str]) -> None:
        self.options = options
        self.terms = terminology
        self.report = _Report()
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.aliases = dict(aliases)
        for position, resource in enumerate(resources):
            ref = reference_of(resource, position)
            self.by_ref[ref] = resource
        self.refs = {id(resource): ref for ref, resource in self.by_ref.items()}
        # member -> the panels listing it in hasMember, built once (linking asks per observation).
        self.panels_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for panel in self.by_ref.values():
            if panel.get("resourceType") == "Observation":
                for member in panel.get("hasMember") or []:
                    target = self.resolve(member)
                    if target:
                        self.panels_of[target].append(panel)

    # -- helpers ---------------------------------------------------------------------------

    def ref(self, resource: dict[str, Any]) -> str:
        return self.refs[id(resource)]

    def resolve(self, reference: Any) -> str | None:
        """A Reference -> "Type/id" of a resource we hold, or None."""
        if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
            return None
        target = reference["reference"]
        target = self.aliases.get(target, target)
        if target in self.by_ref:
            return target
        parts = target.rstrip("/").split("/")
        if "_history" in parts:
            parts = parts[: parts.index("_history")]
        short = "/".join(parts[-2:])
        return short if short in self.by_ref else None

    def _condition_usable(self, condition: dict[str, Any]) -> str | None:
        """The reason a Condition never counts, or None."""
        verification = _code(condition.get("verificationStatus"))
        if verification in ("refuted", "entered-in-error"):
            return f"verificationStatus is {verification}"
        return None

    def _active(self, condition: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
        clinical = _code(condition.get("clinicalStatus"))
        if clinical in _INACTIVE:
            return False, ()
        flags = ("no clinicalStatus",) if clinical is None else ()
        if _code(condition.get("verificationStatus")) in ("unconfirmed", "provisional", "differential"):
            flags += ("unconfirmed",)
        return True, flags

    def _observation_flags(self, observation: dict[str, Any]) -> tuple[str, ...] | None:
        status = observation.get("status")
        if status not in _COUNTED_OBSERVATION:
            self.report.ignore(self.ref(observation), f"status is {status or 'missing'}: never counts")
            return None
        return ("preliminary",) if status == "preliminary" else ()

    @staticmethod
    def _effective(observation: dict[str, Any]) -> DateSpan | None:
        period = observation.get("effectivePeriod") or {}
        for text in (observation.get("effectiveDateTime"), observation.get("effectiveInstant"),
                     period.get("end"), period.get("start"), observation.get("issued")):
            span = parse_date(text)
            if span:
                return span
        return None

    @staticmethod
    def _onset(condition: dict[str, Any]) -> DateSpan | None:
        return parse_date(condition.get("onsetDateTime")) or parse_date((condition.get("onsetPeriod") or {}).get("start"))

    def _diagnosis_date(self, condition: dict[str, Any]) -> tuple[DateSpan | None, str]:
        onset = self._onset(condition)
        if onset:
            return onset, "onset"
        recorded = parse_date(condition.get("recordedDate"))
        if recorded:
            return recorded, "recordedDate"
        for extension in condition.get("extension") or []:
            if isinstance(extension, dict) and extension.get("url") == ASSERTED_DATE:
                asserted = parse_date(extension.get("valueDateTime"))
                if asserted:
                    return asserted, "assertedDate"
        return None, ""

    def _choose(self, item: str, candidates: list[_Candidate]) -> Fact:
        """Latest effective wins; conflicts are reported; a tie on different values is uncertain."""
        if not candidates:
            return Fact(item, supplied_by=SUPPLIED_BY.get(item, ""))

        def when(candidate: _Candidate) -> date:
            return candidate.when.latest if candidate.when else date.min

        ordered = sorted(candidates, key=when)
        latest = ordered[-1]
        tied = [c for c in ordered if when(c) == when(latest)]
        values = {repr(c.value) for c in candidates}
        notes: tuple[str, ...] = ()
        flags = latest.flags
        if len(values) > 1:
            said = "; ".join(
                f"{c.source} ({c.when.text if c.when else 'no date'}) gives {_show(c.value)}" for c in ordered
            )
            flags = tuple(dict.fromkeys(flags + ("conflict",)))
            if len({repr(c.value) for c in tied}) > 1:
                options = list(dict.fromkeys(v for c in tied for v in _options(c.value)))
                value = OneOf(*options) if len(options) > 1 else options[0]
                return Fact(item, value, tuple(c.source for c in tied), "conflict, same date", flags,
                            (f"conflicting values on the same date: {said}",))
            notes = (f"conflicting values, the latest wins: {said}",)
        return Fact(item, latest.value, (latest.source,), latest.rule, flags, notes)

    # -- conditions ------------------------------------------------------------------------

    def run(self) -> PatientFacts:
        conditions = [r for r in self.by_ref.values() if r.get("resourceType") == "Condition"]
        observations = [r for r in self.by_ref.values() if r.get("resourceType") == "Observation"]
        for resource in self.by_ref.values():
            if resource.get("resourceType") not in ("Condition", "Observation", "Patient"):
                self.report.ignore(self.ref(resource), f"{resource.get('resourceType')} is not read by the calculators")

        usable = []
        for condition in conditions:
            why = self._condition_usable(condition)
            if why:
                self.report.ignore(self.ref(condition), why + ": never counts")
            else:
                usable.append(condition)

        primaries, lesions, compressions = [], [], []
        visceral, undetermined, paraplegias = [], [], []
        for condition in usable:
            code = condition.get("code")
            group = self.terms.first_match(code, PRIMARY_GROUPS)
            if group:
                primaries.append((condition, group[0]))
                continue
            kind = self.terms.first_match(code, CONDITION_VALUE_SETS)
            if kind is None:
                self.report.ignore(self.ref(condition), "code is in none of the ValueSets the calculators read")
                continue
            {"bone-metastasis": lesions, "spinal-cord-compression": compressions, "visceral-metastasis": visceral,
             "metastasis-visceral-undetermined": undetermined, "paraplegia": paraplegias}[kind[0]].append(condition)

        observations = [o for o in observations if self._observation_flags(o) is not None]
        lesion_facts = self._lesions(lesions, observations)
        compression_facts = self._compressions(compressions, primaries, visceral, undetermined, paraplegias,
                                               observations)
        entries = []
        for ref in self.by_ref:
            if ref in self.report.used:
                entries.append(ReportEntry(ref, "used", "; ".join(sorted(self.report.used[ref]))))
            elif self.by_ref[ref].get("resourceType") == "Patient":
                entries.append(ReportEntry(ref, "used", "subject of the assessment"))
            else:
                entries.append(ReportEntry(ref, "ignored", self.report.ignored.get(ref, "not needed by any score")))
        patients = [ref for ref in self.by_ref if ref.startswith("Patient/")]
        return PatientFacts(patients[0] if patients else None, lesion_facts, compression_facts, entries)

    # -- Mirels ------------------------------------------------------------------------------

    def _lesions(self, conditions: list[dict], observations: list[dict]) -> list[LesionFacts]:
        lesions: dict[str, dict[str, Any]] = {}
        for condition in conditions:
            ref = self.ref(condition)
            active, flags = self._active(condition)
            if not active:
                self.report.ignore(ref, "bone metastasis is not active: no Mirels score")
                continue
            body_sites = [c for c in condition.get("bodySite") or [] if isinstance(c, dict)]
            site, bone, side, has_site = bone_of(self.terms, body_sites)
            if has_site and site is None:
                self.report.ignore(ref, f"bodySite '{describe_concepts(body_sites)}' is not a long bone of "
                                        "fhir_profiles' long-bone ValueSets: Mirels applies to long bones only")
                continue
            self.report.use(ref, "lesion of a Mirels score")
            site_fact = (Fact("lesion_site", site, (ref,), "bodySite of the bone metastasis Condition", flags)
                         if site else Fact("lesion_site", notes=("the bone metastasis has no bodySite",),
                                           supplied_by=SUPPLIED_BY["lesion_site"]))
            lesions[ref] = {"condition": condition, "bone": bone, "side": side, "site": site_fact,
                            "description": describe_concepts(body_sites) or "bone metastasis, site not recorded",
                            "candidates": defaultdict(list), "osteolysis": []}

        for observation in observations:
            ref = self.ref(observation)
            own = self.terms.own_code(observation.get("code"))
            is_pain_score = self.terms.coding_in(observation.get("code"), "pain-score-0-10") is not None
            if own not in LESION_OBSERVATIONS and not is_pain_score:
                continue
            linked, how = self._link(observation, lesions)
            if linked is None:
                self.report.ignore(ref, how)
                continue
            lesion = lesions[linked]
            flags = self._observation_flags(observation) or ()
            when = self._effective(observation)
            if own == "cortical-osteolysis":
                self._osteolysis(observation, lesion, when, flags, how)
                continue
            item = LESION_OBSERVATIONS.get(own) or "pain"
            value, problem, extra = self._lesion_value(own or "pain-score", observation)
            if problem:
                self.report.ignore(ref, problem)
                lesion["candidates"][item + ":problems"].append(problem)
                continue
            self.report.use(ref, f"{item} of {linked}")
            lesion["candidates"][item].append(_Candidate(value, ref, when, flags + extra, f"{how}; {own or 'LOINC 72514-3'}"))

        result = []
        for ref, lesion in lesions.items():
            facts = {"lesion_site": lesion["site"]}
            for item in LESION_ITEMS[1:]:
                fact = self._choose(item, lesion["candidates"][item])
                problems = tuple(lesion["candidates"].get(item + ":problems", ()))
                if problems and fact.missing:
                    fact = Fact(item, notes=problems, supplied_by=SUPPLIED_BY[item])
                facts[item] = fact
            for name in OSTEOLYSIS_COMPONENTS.values():
                facts[name] = self._choose_osteolysis(name, lesion["osteolysis"])
            result.append(LesionFacts(ref, lesion["description"], facts, (lesion["bone"], lesion["side"])))
        return result

    def _link(self, observation: dict, lesions: dict[str, dict], depth: int = 0) -> tuple[str | None, str]:
        """The lesion an observation belongs to, and how it was linked (or why not)."""
        if depth > 3:
            return None, "link chain too deep"
        for reference in observation.get("focus") or []:
            target = self.resolve(reference)
            if target in lesions:
                return target, f"focus -> {target}"
        me = self.ref(observation)
        for panel in self.panels_of.get(me, ()):
            linked, how = self._link(panel, lesions, depth + 1)
            if linked:
                self.report.use(self.ref(panel), f"panel linking its members to {linked}")
                return linked, f"hasMember of {self.ref(panel)} ({how})"
        for reference in observation.get("derivedFrom") or []:
            target = self.resolve(reference)
            if target and self.by_ref[target].get("resourceType") == "Observation":
                linked, how = self._link(self.by_ref[target], lesions, depth + 1)
                if linked:
                    return linked, f"derivedFrom {target} ({how})"
        body_site = observation.get("bodySite")
        if isinstance(body_site, dict):
            _, bone, side, _ = bone_of(self.terms, [body_site])
            if bone:
                same = [ref for ref, lesion in lesions.items() if lesion["bone"] == bone and lesion["side"] == side]
                if len(same) == 1:
                    return same[0], f"same bodySite and laterality as {same[0]}"
                if len(same) > 1:
                    return None, f"bodySite matches several lesions ({', '.join(same)}): not linked"
        return None, "not linked to any lesion (no focus, hasMember, derivedFrom, or matching bodySite)"

    def _lesion_value(self, own: str, observation: dict) -> tuple[Any, str | None, tuple[str, ...]]:
        """(value, problem, extra flags) for a lesion observation."""
        concept = observation.get("valueCodeableConcept")
        if own == "lesion-size":
            if concept is not None:
                coding = self.terms.coding_in(concept, "lesion-size-row")
                if coding:
                    return coding["code"].replace("-", "_"), None, ()
                return None, "lesion size code is not in ValueSet lesion-size-row", ()
            share, problem = _share(observation.get("valueQuantity"))
            return share, problem, ()
        if own in ("lesion-type", "mirels-pain"):
            coding = self.terms.coding_in(concept, own)
            if coding:
                return coding["code"], None, ()
            return None, f"value is not a code of ValueSet {own}", ()
        # LOINC 72514-3: a 0-10 pain score.
        if not self.options.pain_score_bands:
            return None, ("0-10 pain score not mapped: the guideline does not map it to a Mirels pain category; "
                          "a deployment may configure the bands (BONEMET_PAIN_SCORE_BANDS)"), ()
        score = observation.get("valueInteger")
        if score is None:
            score = (observation.get("valueQuantity") or {}).get("value")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 10:
            return None, "0-10 pain score has no value from 0 to 10", ()
        for category, low, high in self.options.pain_score_bands:
            if low <= score <= high:
                return category, None, ("derived from a 0-10 pain score by configured bands",)
        return None, f"0-10 pain score {score} falls in no configured band", ()

    def _osteolysis(self, observation: dict, lesion: dict, when, flags, how) -> None:
        ref = self.ref(observation)
        found = False
        for component in observation.get("component") or []:
            name = OSTEOLYSIS_COMPONENTS.get(self.terms.own_code(component.get("code")))
            if name is None:
                continue
            quantity = component.get("valueQuantity") or {}
            if quantity.get("code") != "%" or quantity.get("system", UCUM) != UCUM:
                continue
            value = quantity.get("value")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
                lesion["osteolysis"].append((name, _Candidate(value, ref, when, flags, how)))
                found = True
        if found:
            self.report.use(ref, f"cortical osteolysis of {self.ref(lesion['condition'])}")
        else:
            self.report.ignore(ref, "cortical osteolysis without a component in % (UCUM)")

    def _choose_osteolysis(self, name: str, found: list) -> Fact:
        return self._choose(name, [c for n, c in found if n == name])

    # -- Rades -------------------------------------------------------------------------------

    def _compressions(self, compressions, primaries, visceral, undetermined, paraplegias, observations):
        if not compressions:
            for condition in [p for p, _ in primaries] + visceral + undetermined + paraplegias:
                self.report.ignore(self.ref(condition), "no active spinal cord compression: no Rades score")
            return []
        rades_observations = [o for o in observations if self.terms.own_code(o.get("code")) in RADES_OBSERVATIONS]
        result = []
        for compression in compressions:
            ref = self.ref(compression)
            active, flags = self._active(compression)
            if not active:
                self.report.ignore(ref, "spinal cord compression is not active: no Rades score")
                continue
            self.report.use(ref, "spinal cord compression of a Rades score")
            mine = [o for o in rades_observations if not o.get("focus") or any(
                self.resolve(f) == ref for f in o.get("focus") or [])]
            primary = self._primary(primaries)
            facts = {
                "primary_tumour": primary,
                "months_to_cord_compression": self._months(compression, primaries, primary),
                "visceral_metastases": self._visceral(visceral, undetermined, mine),
                "motor_function": self._motor(paraplegias, mine),
                "days_developing_motor_deficits": self._days(paraplegias, mine),
            }
            result.append(CordCompressionFacts(ref, describe_concepts([compression.get("code")]) or "spinal cord compression",
                                               facts))
        return result

    def _primary_row(self, condition: dict, vs_id: str) -> tuple[Any, str, tuple[str, ...]]:
        row = PRIMARY_GROUPS[vs_id]
        if row is not None:
            return row, f"code in ValueSet {vs_id}", ()
        morphology = None
        for extension in condition.get("extension") or []:
            if isinstance(extension, dict) and extension.get("url") == MCODE_HISTOLOGY:
                morphology = extension.get("valueCodeableConcept")
        if morphology is None:
            return OneOf("nsclc", "sclc"), "lung cancer without histology: NSCLC or SCLC", (
                "lung cancer without histology (mCODE histology-morphology-behavior extension): NSCLC 5 or SCLC 6",)
        match = self.terms.first_match(morphology, MORPHOLOGIES)
        if match:
            return MORPHOLOGIES[match[0]], f"lung cancer code with ICD-O-3 morphology in ValueSet {match[0]}", ()
        return None, "", (f"lung cancer morphology '{describe_concepts([morphology])}' is neither small-cell nor "
                          "non-small-cell in fhir_profiles' morphology ValueSets",)

    def _primary(self, primaries: list[tuple[dict, str]]) -> Fact:
        if not primaries:
            return Fact("primary_tumour", notes=("no primary cancer Condition",),
                        supplied_by=SUPPLIED_BY["primary_tumour"])
        rows, sources, notes, rules = [], [], [], []
        for condition, vs_id in primaries:
            ref = self.ref(condition)
            row, rule, why = self._primary_row(condition, vs_id)
            notes.extend(why)
            if row is None:
                self.report.ignore(ref, why[0])
                continue
            self.report.use(ref, "primary_tumour")
            rows.extend(_options(row))
            sources.append(ref)
            rules.append(rule)
        rows = list(dict.fromkeys(rows))
        if not rows:
            return Fact("primary_tumour", notes=tuple(notes), supplied_by=SUPPLIED_BY["primary_tumour"])
        flags: tuple[str, ...] = ()
        if len(sources) > 1 and len(rows) > 1:
            flags = ("conflict",)
            notes.append("several primary cancers of different Rades rows: which caused the compression is not "
                         "recorded, so every row stays possible")
        value = rows[0] if len(rows) == 1 else OneOf(*rows)
        return Fact("primary_tumour", value, tuple(sources), "; ".join(rules), flags, tuple(notes))

    def _months(self, compression: dict, primaries, primary: Fact) -> Fact:
        item = "months_to_cord_compression"
        onset = self._onset(compression)
        if onset is None:
            return Fact(item, notes=("the spinal cord compression Condition has no onset",),
                        supplied_by=SUPPLIED_BY[item])
        spans, sources, rules = [], [], []
        for condition, _ in primaries:
            ref = self.ref(condition)
            if ref not in primary.sources:
                continue
            span, how = self._diagnosis_date(condition)
            if span:
                spans.append(span)
                sources.append(ref)
                rules.append(f"{ref} {how} {span.text}")
        if not spans:
            return Fact(item, notes=("no date of diagnosis on the primary cancer Condition",),
                        supplied_by=SUPPLIED_BY[item])
        low = min(month_range(span, onset)[0] for span in spans)
        high = max(month_range(span, onset)[1] for span in spans)
        notes: tuple[str, ...] = ()
        if high < 0:
            return Fact(item, sources=tuple(sources) + (self.ref(compression),),
                        notes=("the compression's onset precedes the primary diagnosis: the table does not define "
                               "a negative interval",), supplied_by=SUPPLIED_BY[item])
        if low < 0:
            low = Fraction(0)
            notes = ("partial dates allow the compression to precede the diagnosis; counted from 0 months",)
        value = low if low == high else Between(low, high)
        rule = f"calendar months from {'; '.join(rules)} to the compression's onset {onset.text}"
        return Fact(item, value, tuple(sources) + (self.ref(compression),), rule, (), notes)

    def _observation_candidates(self, observations, own: str, convert) -> list[_Candidate]:
        candidates = []
        for observation in observations:
            if self.terms.own_code(observation.get("code")) != own:
                continue
            ref = self.ref(observation)
            value, problem = convert(observation)
            if problem:
                self.report.ignore(ref, problem)
                continue
            self.report.use(ref, own.replace("-", "_"))
            candidates.append(_Candidate(value, ref, self._effective(observation),
                                         self._observation_flags(observation) or (), f"Observation {own}"))
        return candidates

    def _visceral(self, visceral, undetermined, observations) -> Fact:
        item = "visceral_metastases"

        def presence(observation):
            if isinstance(observation.get("valueBoolean"), bool):
                return ("yes" if observation["valueBoolean"] else "no"), None
            coding = self.terms.coding_in(observation.get("valueCodeableConcept"), "presence")
            if coding:
                return ("yes" if coding["code"] == "52101004" else "no"), None
            return None, "visceral metastases value is not present/absent (ValueSet presence) nor a boolean"

        candidates = self._observation_candidates(observations, "visceral-metastases", presence)
        for condition in visceral:
            ref = self.ref(condition)
            active, flags = self._active(condition)
            if not active:
                self.report.ignore(ref, "visceral metastasis is not active: does not count as present")
                continue
            self.report.use(ref, item)
            when = parse_date(condition.get("recordedDate")) or self._onset(condition)
            candidates.append(_Candidate("yes", ref, when, flags, "active visceral metastasis Condition"))
        fact = self._choose(item, candidates)
        if fact.missing:
            active_undetermined = [c for c in undetermined if self._active(c)[0]]
            for condition in active_undetermined:
                self.report.use(self.ref(condition), item)
            if active_undetermined:
                return Fact(item, OneOf("yes", "no"), tuple(self.ref(c) for c in active_undetermined),
                            "metastasis of a site the guideline does not class as visceral or not", (),
                            ("brain, nervous system or unspecified metastasis: the guideline does not say whether "
                             "it counts as visceral",), SUPPLIED_BY[item])
            return Fact(item, notes=("no resource says whether there are visceral metastases; absence of a "
                                     "Condition is not taken as absence of disease",), supplied_by=SUPPLIED_BY[item])
        for condition in undetermined:
            self.report.ignore(self.ref(condition), "site not classed as visceral; visceral status given elsewhere")
        return fact

    def _motor(self, paraplegias, observations) -> Fact:
        def motor(observation):
            coding = self.terms.coding_in(observation.get("valueCodeableConcept"), "motor-function")
            return (coding["code"].replace("-", "_"), None) if coding else (
                None, "motor function value is not a code of ValueSet motor-function")

        candidates = self._observation_candidates(observations, "motor-function", motor)
        for condition in paraplegias:
            active, flags = self._active(condition)
            if active:
                self.report.use(self.ref(condition), "motor_function")
                when = self._onset(condition) or parse_date(condition.get("recordedDate"))
                candidates.append(_Candidate("paraplegic", self.ref(condition), when, flags,
                                             "active paraplegia Condition"))
            else:
                self.report.ignore(self.ref(condition), "paraplegia is not active")
        return self._choose("motor_function", candidates)

    def _days(self, paraplegias, observations) -> Fact:
        item = "days_developing_motor_deficits"

        def duration(observation):
            quantity = observation.get("valueQuantity")
            if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), (int, float)):
                return None, "duration of motor deficit has no valueQuantity"
            unit = quantity.get("code")
            if quantity.get("system") != UCUM or unit not in _UCUM_DAYS:
                return None, (f"duration unit {unit or quantity.get('unit') or 'missing'!r} is not UCUM d, wk or mo: "
                              "item left missing")
            days = Fraction(quantity["value"]).limit_denominator(1000) * _UCUM_DAYS[unit]
            if days < 0:
                return None, "negative duration"
            return (int(days) if days.denominator == 1 else days), None

        candidates = self._observation_candidates(observations, "days-developing-motor-deficits", duration)
        if candidates:
            return self._choose(item, candidates)
        as_of = DateSpan(self.options.as_of, self.options.as_of, self.options.as_of.isoformat())
        for condition in paraplegias:
            onset = self._onset(condition)
            if onset and self._active(condition)[0]:
                low, high = day_range(onset, as_of)
                if high < 0:
                    continue
                low = max(low, 0)
                value = low if low == high else Between(low, high)
                return Fact(item, value, (self.ref(condition),),
                            f"days from the paraplegia's onset {onset.text} to the assessment date {as_of.text}")
        return Fact(item, supplied_by=SUPPLIED_BY[item])


def bone_of(terms: Terminology, concepts: list[Any]) -> tuple[str | None, str | None, str | None, bool]:
    """(site row, bone code, laterality code, any bodySite given) from bodySite concepts."""
    site = bone = side = None
    for concept in concepts:
        if terms.coding_in(concept, "peritrochanteric-region"):
            site = "peritrochanteric"
        for vs_id, row in LONG_BONES.items():
            coding = terms.coding_in(concept, vs_id)
            if coding:
                bone = coding["code"]
                site = site or row
        # Laterality as a coding of the bodySite, or as a qualifier extension (mCODE's style).
        laterality = terms.coding_in(concept, "laterality")
        for extension in concept.get("extension") or []:
            if isinstance(extension, dict):
                laterality = laterality or terms.coding_in(extension.get("valueCodeableConcept"), "laterality")
        if laterality:
            side = laterality["code"]
    if site == "peritrochanteric" and bone is None:
        bone = "peritrochanteric"
    return site, bone, side, bool(concepts)


def _share(quantity: Any) -> tuple[Any, str | None]:
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), (int, float)) or isinstance(
            quantity.get("value"), bool):
        return None, "lesion size has neither a valueQuantity nor a coded row"
    unit, system = quantity.get("code"), quantity.get("system")
    if system != UCUM or unit not in ("%", "1"):
        return None, f"lesion size unit {unit or quantity.get('unit') or 'missing'!r} is not UCUM % or 1: item left missing"
    share = Fraction(quantity["value"]).limit_denominator(1_000_000) / (100 if unit == "%" else 1)
    if not 0 <= share <= 1:
        return None, f"lesion size {quantity['value']} {unit} is outside 0-100 %"
    return float(share), None


def _options(value: Any) -> tuple[Any, ...]:
    return value.values if isinstance(value, OneOf) else (value,)


def _show(value: Any) -> str:
    if isinstance(value, OneOf):
        return " or ".join(map(str, value.values))
    if isinstance(value, Between):
        return f"{value.low}-{value.high}"
    return str(value)


def extract_facts(resources: Iterable[dict[str, Any]], options: MappingOptions,
                  aliases: dict[str, str] | None = None,
                  terminology: Terminology | None = None) -> PatientFacts:
    """Map one patient's Conditions and Observations to Mirels and Rades inputs.

    ``aliases`` maps Bundle ``fullUrl`` values (``urn:uuid:...``) to ``Type/id``.
    """
    return _Mapper(list(resources), options, terminology or load_terminology(), aliases or {}).run()
