"""Accepted codes, read from the ValueSets and the CodeSystem in ``fhir_profiles/``.

The mapper recognises a code only through a ValueSet published there: one source of
truth for EHR integrators and for the code. Codes are matched by system and code,
never by display text. ICD-10, the French CIM-10 and ICD-10-CM ``is-a`` filters
match the code and its descendants (``C50`` matches ``C50.9`` and ``C50.911``), as
ICD-10's hierarchy is its code prefixes; their codes are compared without the dot and
without a national extension (``C79.5``, ``C795`` and ``C79.5+0`` are one code).

SNOMED CT's hierarchy is not in its codes. A ValueSet says "this concept and its
descendants" with an ``is-a`` filter, and ships, as ``ValueSet.expansion``, the
descendants checked in public sources (``fhir_profiles/README.md`` lists them): those
are read with no server. Any other descendant is read when a FHIR terminology server is
configured (``BONEMET_TERMINOLOGY_URL``, ``fhir.terminology_server``): the facts layer
asks it through ``use_terminology_server``, never over HTTP itself. A code neither
places is named, with the setting that would read it (``snomed_hint``).

Hospitals name the same code system in more than one way: ``canonical_system`` reads
each other name (an HL7 OID from ``SYSTEM_ALIASES``, a trailing slash, https, a SNOMED CT
edition URI) as the URI the ValueSets use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import msgspec
import orjson

from ..data import data_dir, read_json
from ..i18n import Said, said
from .table_rows import equivalent

BASE_URL = "http://bonemet-cds.org/fhir"
OWN_SYSTEM = f"{BASE_URL}/CodeSystem/bonemet"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
# The French national modification of ICD-10, under the URI of the ANS terminology server (SMT).
CIM10 = "https://smt.esante.gouv.fr/terminologie-cim-10"
ICD_O_3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# The ICD-10 family: WHO's edition and the modifications the ValueSets name. Its codes are compared without
# the dot and read with their descendants (ICD-10's hierarchy is its code prefixes), and every ICD-10 check of
# the facts layer asks ``is_icd10``: a national modification is added here, and in the ValueSets, once.
ICD10_FAMILY = frozenset({ICD10, ICD10_CM, CIM10})
# ValueSets of answers (an Observation's value), never of what a resource is: a resource coded with one of
# their codes is not made relevant by it, and a lab line whose interpretation is v2's "N" is still skipped
# unparsed by the bulk prefilter (``may_hold``).
ANSWER_VALUE_SETS = frozenset({"presence"})
# Other names of the same code systems, as EHRs send them -> the URI used in fhir_profiles/ (the other
# spellings of a URI, a trailing slash, https, are read by ``canonical_system``).
SYSTEM_ALIASES = {
    "urn:oid:2.16.840.1.113883.6.3": ICD10,  # HL7 OID of WHO ICD-10
    "urn:oid:2.16.840.1.113883.6.90": ICD10_CM,  # HL7 OID of ICD-10-CM
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,  # HL7 OID of SNOMED CT
    "urn:oid:2.16.840.1.113883.6.1": LOINC,  # HL7 OID of LOINC
}


def is_icd10(system: str) -> bool:
    """Whether a code system (its canonical URI) is of the ICD-10 family (``ICD10_FAMILY``, read at each call)."""
    return system in ICD10_FAMILY


# Code systems whose URI is an http identifier, which EHRs also send as https.
_HTTP_IDENTIFIERS = {"snomed.info", "loinc.org", "hl7.org", "terminology.hl7.org", "unitsofmeasure.org"}
# A SNOMED CT edition (and version) URI, which belongs in Coding.version but is also sent as the system.
_SNOMED_EDITION = re.compile(r"http://snomed\.info/sct/\d+(?:/version/\d+)?")


def canonical_system(system: str) -> str:
    """The URI fhir_profiles/ uses for a code system, however an EHR wrote it: an HL7 OID, a trailing
    slash, upper-case scheme or host (RFC 3986: the same URI), https for an http identifier, a SNOMED CT
    edition URI. Anything else is returned as it is (and matches no ValueSet)."""
    known = _CANONICAL.get(system)
    if known is None:
        known = _canonical(system.strip())
        if len(_CANONICAL) < 10_000:  # bounded: systems come from outside
            _CANONICAL[system] = known
    return known


def _canonical(text: str) -> str:
    if text in SYSTEM_ALIASES:
        return SYSTEM_ALIASES[text]
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        host = parts.netloc.lower()
        scheme = "http" if host in _HTTP_IDENTIFIERS else parts.scheme.lower()
        text = urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, parts.fragment))
    return SNOMED if _SNOMED_EDITION.fullmatch(text) else text


_CANONICAL: dict[str, str] = {}


def _normal(system: str, code: str) -> str:
    code = code.strip()
    if is_icd10(system):
        code = code.replace(".", "").upper()
        end = next((i for i, char in enumerate(code) if not char.isalnum()), len(code))
        return code[:end]
    if system == ICD_O_3:
        code = code.split("/")[0]  # 8041/3 and 8041 name the same morphology
        return code.replace(".", "").upper() if code[:1] in ("C", "c") else code  # topography C41.2 is C412
    return code


class ValueSet(msgspec.Struct, frozen=True):
    """The codes a ValueSet holds, in the forms a lookup compares: exact codes, ICD-10 prefixes, SNOMED CT roots."""

    id: str
    url: str
    exact: frozenset[tuple[str, str]]
    prefixes: tuple[tuple[str, str], ...]
    roots: tuple[str, ...] = ()  # SNOMED CT concepts whose descendants the ValueSet holds (is-a filters)


class TerminologyServer(Protocol):
    """What the facts layer asks a terminology server (``fhir.terminology_server`` answers over HTTP)."""

    def subsumers(self, code: str, roots: frozenset[str]) -> frozenset[str] | None:
        """The ``roots`` that are ``code`` or an ancestor of it; None when the server could not be asked."""


# The configured server (``use_terminology_server``), one per process; None: the shipped expansions only.
_SERVER: TerminologyServer | None = None


def use_terminology_server(server: TerminologyServer | None) -> None:
    """Read SNOMED CT descendants through ``server`` from now on in this process (None: shipped ones only).
    What it said before is forgotten: a site that changes server gets its answers."""
    global _SERVER
    _SERVER = server
    load_terminology().forget_asked()


class Terminology:
    """The ValueSets and own CodeSystem of ``fhir_profiles/``, by id."""

    def __init__(self, value_sets: dict[str, ValueSet], own_codes: frozenset[str],
                 own_displays: dict[str, dict[str, str]] | None = None,
                 listed_displays: dict[tuple[str, str], str] | None = None,
                 listed_words: dict[tuple[str, str], dict[str, str]] | None = None) -> None:
        self.value_sets = value_sets
        self.own_codes = own_codes
        self.own_displays = own_displays or {}  # code -> language -> display (the CodeSystem's designations)
        self.listed_displays = listed_displays or {}  # (system, normal code) -> a ValueSet's display
        # (system, normal code) -> language -> the word a ValueSet's designations give it, to say a place
        self.listed_words = listed_words or {}
        # Index (system, code or ICD-10 prefix) -> ValueSet ids: a lookup per coding instead of a
        # scan of every ValueSet (the mapper asks thousands of times per request).
        self._exact: dict[tuple[str, str], set[str]] = {}
        self._prefix: dict[tuple[str, str], set[str]] = {}
        for value_set in value_sets.values():
            for key in value_set.exact:
                self._exact.setdefault(key, set()).add(value_set.id)
            for key in value_set.prefixes:
                self._prefix.setdefault(key, set()).add(value_set.id)
        self._cache: dict[tuple[str, str], frozenset[str]] = {}
        self._relevant: dict[tuple[Any, Any], bool] = {}  # (system, code) -> in_any's answer, beside _cache
        # SNOMED CT root -> the ValueSets that hold its descendants (is-a filters), for the terminology server.
        self._roots: dict[str, set[str]] = {}
        for value_set in value_sets.values():
            for root in value_set.roots:
                self._roots.setdefault(root, set()).add(value_set.id)
        self.unasked: set[str] = set()  # SNOMED CT codes the server was to place but could not be asked about
        # Every code a ValueSet of what a resource is holds, whatever its system (normal forms), for ``may_hold``.
        self._any_exact = {code for (_, code), ids in self._exact.items() if ids - ANSWER_VALUE_SETS} | set(own_codes)
        self._any_prefix = {code for (_, code), ids in self._prefix.items() if ids - ANSWER_VALUE_SETS}
        self._held: dict[str, bool] = {}

    def memberships(self, system: str | None, code: str | None) -> frozenset[str]:
        """The ids of every ValueSet that contains this code."""
        if not isinstance(system, str) or not isinstance(code, str):
            return frozenset()
        key = (system, code)
        found = self._cache.get(key)
        if found is None:
            system = canonical_system(system)
            normal = _normal(system, code)
            ids = set(self._exact.get((system, normal), ()))
            if is_icd10(system):
                for end in range(1, len(normal) + 1):
                    ids |= self._prefix.get((system, normal[:end]), set())
            if not ids and system == SNOMED and _SERVER is not None and normal.isdigit() and self._roots:
                subsumers = _SERVER.subsumers(normal, frozenset(self._roots))
                if subsumers is None:  # not asked (the server failed): not cached, asked again next time
                    self.unasked.add(normal)
                    return frozenset()
                self.unasked.discard(normal)
                ids = {vs_id for root in subsumers for vs_id in self._roots.get(root, ())}
            found = frozenset(ids)
            if len(self._cache) < 100_000:  # bounded: codes come from outside
                self._cache[key] = found
        return found

    def forget_asked(self) -> None:
        """Forget every answer (a terminology server was set or changed)."""
        self._cache.clear()
        self._relevant.clear()
        self._held.clear()
        self.unasked.clear()

    def may_hold(self, code: str) -> bool:
        """Whether some ValueSet of what a resource is (not of answers) or the project's CodeSystem may hold
        ``code`` in some system: False means certainly none does (the prefilter of bulk exports relies on
        it, see ``prefilter``)."""
        held = self._held.get(code)
        if held is None:
            icd = _normal(ICD10, code)
            held = (code.strip() in self._any_exact or _normal(ICD_O_3, code) in self._any_exact
                    or icd in self._any_exact or any(icd[:end] in self._any_prefix for end in range(1, len(icd) + 1))
                    or (_SERVER is not None and code.strip().isdigit()))  # any SNOMED CT code: the server may place it
            if len(self._held) < 100_000:  # bounded: codes come from outside
                self._held[code] = held
        return held

    def value_set(self, vs_id: str) -> ValueSet:
        return self.value_sets[vs_id]

    def coding_in(self, concept: dict[str, Any] | None, vs_id: str) -> dict[str, Any] | None:
        """The first coding of a CodeableConcept that is in the ValueSet, if any."""
        if vs_id not in self.value_sets:
            raise KeyError(vs_id)
        for coding in codings(concept):
            if vs_id in self.memberships(coding.get("system"), coding.get("code")):
                return coding
        return None

    def in_any(self, concept: dict[str, Any] | None) -> bool:
        """Whether some coding of the concept is in some ValueSet or is a code of the project's
        CodeSystem: when not, no lookup can find it (most of a record: labs, vitals, other diagnoses)."""
        for coding in codings(concept):
            system, code = coding.get("system"), coding.get("code")
            relevant = self._relevant.get((system, code))
            if relevant is None:  # classified once per (system, code), as its memberships are
                relevant = bool(self.memberships(system, code) - ANSWER_VALUE_SETS) or (
                    system == OWN_SYSTEM and code in self.own_codes)
                if (system, code) in self._cache:  # an answer that stays (not a server's failure)
                    self._relevant[(system, code)] = relevant
            if relevant:
                return True
        return False

    def first_match(self, concept: dict[str, Any] | None, vs_ids: Iterable[str]) -> tuple[str, dict] | None:
        """The first of ``vs_ids`` (in their order) that holds a coding of the concept, with that coding.
        Each coding's memberships are looked up once, whatever the number of ValueSets asked."""
        found = [(coding, self.memberships(coding.get("system"), coding.get("code"))) for coding in codings(concept)]
        if not any(ids for _, ids in found):
            return None
        for vs_id in vs_ids:
            for coding, ids in found:
                if vs_id in ids:
                    return vs_id, coding
        return None

    def own_code(self, concept: dict[str, Any] | None) -> str | None:
        """The code of the first coding from the project's CodeSystem."""
        for coding in codings(concept):
            if coding.get("system") == OWN_SYSTEM and coding.get("code") in self.own_codes:
                return coding["code"]
        return None


def objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects of a list element (extension, coding...); anything else is read as none. For the
    nested elements the fast shape check does not cover: the mapper must never crash on them."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def codings(concept: Any) -> list[dict[str, Any]]:
    """The readable codings of a CodeableConcept: objects whose system and code, when present, are
    strings. Anything else cannot be matched to a ValueSet (the resource is then named as not read)."""
    coding = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(coding, list):
        return []
    if len(coding) == 1:  # most concepts: the same test, without building a comprehension (asked ~300 times a request)
        only = coding[0]
        return [equivalent(only)] if isinstance(only, dict) and isinstance(only.get("system", ""), str) \
            and isinstance(only.get("code", ""), str) else []
    return [equivalent(c) for c in coding if isinstance(c, dict)  # (a Questionnaire's answer: its equivalent)
            and isinstance(c.get("system", ""), str) and isinstance(c.get("code", ""), str)]


def _value_set(raw: dict[str, Any]) -> ValueSet:
    exact: set[tuple[str, str]] = set()
    prefixes: list[tuple[str, str]] = []
    roots: list[str] = []
    for include in raw["compose"]["include"]:
        system = include["system"]
        for concept in include.get("concept", ()):
            exact.add((system, _normal(system, concept["code"])))
        for rule in include.get("filter", ()):
            if rule["op"] != "is-a" or rule["property"] != "concept" or not (is_icd10(system) or system == SNOMED):
                raise ValueError(f"ValueSet {raw['id']}: only ICD-10 and SNOMED CT is-a filters are supported")
            if system == SNOMED:  # the concept itself, its shipped descendants (the expansion), the rest by a server
                exact.add((system, rule["value"]))
                roots.append(rule["value"])
            else:
                prefixes.append((system, _normal(system, rule["value"])))
    for contained in (raw.get("expansion") or {}).get("contains", ()):
        exact.add((contained["system"], _normal(contained["system"], contained["code"])))
    return ValueSet(raw["id"], raw["url"], frozenset(exact), tuple(prefixes), tuple(roots))


@cache
def load_terminology() -> Terminology:
    folder = data_dir("fhir_profiles")
    value_sets = {}
    listed: dict[tuple[str, str], str] = {}  # (system, normal code) -> the display a ValueSet lists (English)
    words: dict[tuple[str, str], dict[str, str]] = {}  # (system, normal code) -> language -> its designation
    for path in sorted(folder.glob("ValueSet-*.json")):
        raw = orjson.loads(path.read_bytes())
        value_set = _value_set(raw)
        value_sets[value_set.id] = value_set
        for contained in (raw.get("expansion") or {}).get("contains", ()):
            if contained.get("display"):
                listed.setdefault((contained["system"], _normal(contained["system"], contained["code"])),
                                  contained["display"])
        for include in raw["compose"]["include"]:
            for concept in include.get("concept", ()):
                key = (include["system"], _normal(include["system"], concept["code"]))
                if concept.get("display"):
                    listed.setdefault(key, concept["display"])
                for designation in concept.get("designation", ()):
                    if "language" in designation:
                        words.setdefault(key, {}).setdefault(designation["language"], designation["value"])
    code_system = read_json("fhir_profiles", "CodeSystem-bonemet.json")
    displays = {concept["code"]: {code_system.get("language", "en"): concept["display"]}
                | {d["language"]: d["value"] for d in concept.get("designation", ()) if "language" in d}
                for concept in code_system["concept"]}
    return Terminology(value_sets, frozenset(displays), displays, listed, words)


def listed_display(coding: dict[str, Any]) -> str | None:
    """The display the ValueSets list for a coding sent without one (a site coded 41111004 alone reads
    "Shaft of femur", not its number), or None."""
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    system = canonical_system(system)
    return load_terminology().listed_displays.get((system, _normal(system, code)))


def describe_concepts(concepts: Iterable[Any]) -> str:
    """Words for a clinician: the text, else the first display (the record's, else the one the ValueSets
    list for that code), else the first code."""
    words = []
    for concept in concepts:
        if isinstance(concept, dict):
            words.append(concept.get("text") or next(
                (_untagged(c.get("display") or listed_display(c)) or c.get("code") for c in codings(concept)
                 if c.get("display") or c.get("code")), ""))
    return ", ".join(str(w) for w in words if w)


def described(code: Any) -> str:
    """A code named for a clinician where no record's label is (a resource not read): its words, else the project's
    own code's display where the record gives none (probe 27: "“mirels-pain”: not read"; in the reader's language:
    ``in_reader_words``), else ``describe_concepts``'s."""
    words, terms = describe_concepts([code]), load_terminology()
    own = terms.own_code(code) if isinstance(code, dict) else None
    return (terms.own_displays.get(own) or {}).get("en") or words if own and words == own else words


def in_reader_words(words: str, locale: str) -> str:
    """``described``'s English display of one of the project's own codes, in ``locale`` (review 31: « Size of the
    lesion… : non lue » on a French card); any other words as they are."""
    return _own_by_english().get(words, {}).get(locale) or words


@cache
def _own_by_english() -> dict[str, dict[str, str]]:
    return {displays["en"]: displays for displays in load_terminology().own_displays.values() if displays.get("en")}


# A SNOMED CT fully specified name's semantic tag ("Laminectomy (procedure)") says nothing to a clinician.
_SEMANTIC_TAGS = re.compile(r"\s+\((procedure|disorder|finding|body structure|qualifier value|morphologic abnormality|"
                            r"situation|observable entity|regime/therapy|attribute|clinical finding)\)\s*$")


def _untagged(display: Any) -> Any:
    # A tag ends in ")": most displays have none, and are returned without running the pattern over them.
    return _SEMANTIC_TAGS.sub("", display) if isinstance(display, str) and ")" in display else display


def observation_value(observation: dict[str, Any]) -> str:
    """An Observation's value as a clinician reads it: a number, a quantity and its unit, or a concept's words."""
    if isinstance(observation.get("valueInteger"), int):
        return str(observation["valueInteger"])
    quantity = observation.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity:
        unit = str(quantity.get("unit") or quantity.get("code") or "")
        # A UCUM annotation ("{score}") is no unit to a reader: "30", not "30 {score}".
        return f"{quantity['value']} {'' if _ANNOTATION.fullmatch(unit) else unit}".strip()
    concept = observation.get("valueCodeableConcept")
    words = describe_concepts([concept])
    if words and isinstance(concept, dict) and not concept.get("text") and not any(
            coding.get("display") or listed_display(coding) for coding in codings(concept)):
        return said("a coded answer ({code})", code=words)  # a card says "a coded answer"; the report its code
    if not words and isinstance(observation.get("valueString"), str) and observation["valueString"].strip():
        return observation["valueString"].strip()[:80]  # written as text ("8/10"): shown as written, never read
    return words or said("no value")


_ANNOTATION = re.compile(r"\{[^{}]*\}")


def listed_words(system: str | None, code: str | None, locale: str = "en") -> str | None:
    """The word the ValueSets give a code in ``locale`` (their ``designation``: "femur", "fémur"), to
    say a place in the reader's language, or None when no ValueSet gives one."""
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    system = canonical_system(system)
    return load_terminology().listed_words.get((system, _normal(system, code)), {}).get(locale)


def own_coding(code: str, locale: str = "en") -> dict[str, str]:
    """A coding of the project's CodeSystem with its display in ``locale`` as the CodeSystem gives it
    (its designations), so that an emitted display never differs from the published one."""
    displays = load_terminology().own_displays[code]  # KeyError: a code the CodeSystem lacks
    return {"system": OWN_SYSTEM, "code": code, "display": displays.get(locale, displays["en"])}


def snomed_hint(codings: Iterable[dict[str, Any]]) -> Said | None:
    """For a diagnosis no ValueSet holds: when one of its codes is SNOMED CT, what would read a descendant of the
    ValueSets' concepts, or why it was not read (None: no SNOMED CT code, nothing to add)."""
    codes = [_normal(SNOMED, str(c.get("code") or "")) for c in codings
             if isinstance(c.get("system"), str) and canonical_system(c["system"]) == SNOMED and c.get("code")]
    if not codes:
        return None
    if _SERVER is None:
        return said("a SNOMED CT code is read with the descendants the ValueSets ship; a terminology server "
                    "(BONEMET_TERMINOLOGY_URL) would say whether this one is a descendant of a concept they read")
    if any(code in load_terminology().unasked for code in codes):
        return said("the terminology server (BONEMET_TERMINOLOGY_URL) could not be asked whether it is a "
                    "descendant of a concept the ValueSets read")
    return said("nor is it, for the terminology server (BONEMET_TERMINOLOGY_URL), a descendant of a concept the "
                "ValueSets read")
