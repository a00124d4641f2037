"""Lines of a Bulk Data export that no calculator reads, told from their text before any parsing; and
the Conditions a calculator may score, counted before any per-lesion work (``scored_at_most``).

A hospital's export is mostly labs, vitals, medications and encounters: parsing each of them costs
more than the assessment itself. ``unread_line`` recognises them from the raw NDJSON line, so that
``bonemet bulk`` counts them (by type and reason, as the mapper would) without parsing them.

The test is generous to the mapper: a line is skipped only when it certainly holds nothing the
mapper reads. Anything unusual (an escape, a contained resource, a panel, a code some ValueSet or
the project's CodeSystem may hold in any system, a patient named other than by one plain
``subject`` or ``patient`` reference) goes through the full parse instead. Without a backslash, no
JSON string can hold a quote, so every ``"key":`` the patterns below find is a real key.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson

from ..fhir.json_read import quoted_references
from ..fhir.patients import bulk_patient_key, local_reference
from .identity import reference_of
from .statuses import INACTIVE, NEVER_COUNTS, status_code
from .terminology import Terminology, codings, load_terminology
from .unread_observations import of_a_condition
from .vocabulary import CONDITION_KINDS, SITE_IN_BODY_SITE_VS

# Resource types the mapper reads (PatientRecord files them; a Procedure: an operation or radiotherapy done, for
# §1.4 and a fixed lesion); every other type is only counted, as PatientRecord does.
READ_KINDS = frozenset({"Patient", "Condition", "Observation", "QuestionnaireResponse", "BodyStructure", "Procedure"})

_RESOURCE_TYPE = re.compile(r'"resourceType"\s*:\s*"([A-Za-z]+)"')
_CODE = re.compile(r'"code"\s*:\s*"([^"]*)"')
# Every subject or patient key, with the reference when it is the first thing in its object.
_PATIENT = re.compile(r'"(?:subject|patient)"\s*:\s*(\{\s*"reference"\s*:\s*"([^"]*)"\s*[,}])?')
# The whole object of a subject or patient: its reference, then string members only (no second "reference").
_PATIENT_WHOLE = re.compile(r'"(?:subject|patient)"\s*:\s*(\{\s*"reference"\s*:\s*"([^"\x00-\x1f]*)"\s*'
                            r'(?:,\s*"(?!reference")[A-Za-z]+"\s*:\s*"[^"]*"\s*)*\})?')
_ID = re.compile(r'"id"\s*:\s*("([^"\x00-\x1f]*)")?')


class UnreadLine(NamedTuple):
    """A line counted, not parsed: its resource type, the patient it belongs to, and its text, for the
    rare patient whose other resources point at it (``bulk.assess_group``). In the local engine's
    buckets ``text`` is where to read it back ("file index<tab>byte offset") until that is needed."""

    kind: str
    patient: str
    text: str


def resource_type_of(text: str) -> str | None:
    """The resourceType a line's text names first (a contained resource's comes later), or None."""
    found = _RESOURCE_TYPE.search(text)
    return found[1] if found else None


def unread_line(text: str) -> UnreadLine | None:
    """``text`` (one stripped NDJSON line) -> an ``UnreadLine`` when no calculator reads it, else None
    (parse it in full)."""
    if not (text.startswith("{") and text.endswith("}")) or "\\" in text or '"hasMember"' in text:
        return None
    first = text.find('"resourceType"')
    if first < 0 or text.find('"resourceType"', first + 14) >= 0:  # a contained resource, a Bundle
        return None
    kind = _RESOURCE_TYPE.match(text, first)
    if kind is None or (kind[1] in READ_KINDS and kind[1] != "Observation"):
        return None
    if kind[1] == "Observation":
        terms = load_terminology()
        if any(terms.may_hold(code) for code in _CODE.findall(text)):
            return None
    patients = _PATIENT.findall(text)
    if len(patients) != 1 or not patients[0][0]:
        return None
    patient = _patient_key(patients[0][1])
    return UnreadLine(kind[1], patient, text) if patient else None


def patient_of_text(text: str) -> str | None:
    """The patient of a line to be read in full, found from its text, or None when it is not certain:
    ``bonemet bulk`` then places the line in its patient's bucket unparsed, and parses it once, where that
    patient is assessed (a line found bad then is reported there, with its file and line).

    Certain means: whenever the line parses to a resource, ``bulk_patient_key`` gives this key, or None
    (the one key was nested: then it is a bad line, as it would have been). So the line holds no
    backslash (no string holds a quote: every ``"key":`` found is a key), one ``resourceType``, and one
    ``"subject"`` or ``"patient"`` key whose object is a reference and string members (no second
    reference in it); a Patient, one ``"id"`` key with a string value."""
    if not (text.startswith("{") and text.endswith("}")) or "\\" in text:
        return None
    first = text.find('"resourceType"')
    if first < 0 or text.find('"resourceType"', first + 14) >= 0:
        return None
    kind = _RESOURCE_TYPE.match(text, first)
    if kind is None:
        return None
    # One occurrence of the key's name, counted in C (as a string value too: then the line is parsed).
    if kind[1] == "Patient":
        if text.count('"id"') != 1:
            return None
        found = _ID.match(text, text.find('"id"'))
        return f"Patient/{found[2]}" if found and found[1] else None
    subject, patient = text.count('"subject"'), text.count('"patient"')
    if subject + patient != 1:
        return None
    found = _PATIENT_WHOLE.match(text, text.find('"subject"' if subject else '"patient"'))
    return _patient_key(found[2]) if found and found[1] else None


def patient_hint(text: str) -> str | None:
    """For a line that cannot be read (cut short, say), the patient its text seems to name: its first subject or
    patient reference. Only to leave that patient out (``bulk``: a record with a line missing is not assessed),
    never to read the line as theirs."""
    for found in _PATIENT.finditer(text):
        if found[1]:
            return _patient_key(found[2])
    return None


_PATIENT_KEYS: dict[str, str | None] = {}


def _patient_key(reference: str) -> str | None:
    """The grouping key of a subject reference, as ``bulk_patient_key`` gives it (each patient's
    reference recurs on every one of their lines: worked out once)."""
    key = _PATIENT_KEYS.get(reference, "")
    if key == "":
        key = bulk_patient_key({"resourceType": "Observation", "subject": {"reference": reference}})
        if len(_PATIENT_KEYS) >= 4096:  # a patient's lines are near one another: a small memory is enough,
            _PATIENT_KEYS.clear()       # and it does not grow with the export
        _PATIENT_KEYS[reference] = key
    return key


_SCORED_KINDS = {vs_id: kind for vs_id, kind in CONDITION_KINDS.items() if kind in ("lesion", "compression")}
_KINDS_OF: dict[frozenset[str], frozenset[str]] = {}  # ValueSet ids -> the scored kinds they name (few distinct sets)


def _scored_kinds(memberships: frozenset[str]) -> frozenset[str]:
    kinds = _KINDS_OF.get(memberships)
    if kinds is None:
        kinds = frozenset({kind for vs_id, kind in _SCORED_KINDS.items() if vs_id in memberships}
                          | ({"lesion"} if SITE_IN_BODY_SITE_VS in memberships else set()))
        if len(_KINDS_OF) < 10_000:  # bounded, though sets of ValueSet ids are the project's own
            _KINDS_OF[memberships] = kinds
    return kinds


def scored_at_most(resources: Iterable[Any], terminology: Terminology | None = None) -> int:
    """How many Conditions of one patient a calculator may score (long-bone metastases and spinal cord
    compressions), counted from their codes and statuses alone, before any per-lesion work: never fewer than
    the mapper scores (a test compares the two on every example and corpus record), so that a request over
    ``BONEMET_MAX_SCORED_PER_PATIENT`` is refused at the cost of one pass over its Conditions.

    A Condition counts once per kind its codings name (a lesion and a compression: twice, as the mapper
    files it under both), as does a metastasis coded without its site (the mapper then reads its bodySite),
    unless FHIR's statuses say it never counts (refuted, entered in error) or is not active (inactive,
    remission, resolved). One sent twice (the same "Type/id") counts once."""
    terms = terminology or load_terminology()
    counted: dict[str, int] = {}
    for position, resource in enumerate(resources):
        if not isinstance(resource, dict) or resource.get("resourceType") != "Condition":
            continue
        kinds: set[str] = set()
        for coding in codings(resource.get("code")):
            memberships = terms.memberships(coding.get("system"), coding.get("code"))
            if memberships:  # most diagnoses of a record are in no ValueSet
                kinds.update(_scored_kinds(memberships))
        # A Condition no calculator scores adds nothing, whatever its statuses: they are read for the others only.
        if not kinds or status_code(resource, "verificationStatus") in NEVER_COUNTS or \
                status_code(resource, "clinicalStatus") in INACTIVE:
            continue
        ref = reference_of(resource, position)
        counted[ref] = max(counted.get(ref, 0), len(kinds))
    return sum(counted.values())


def scored_by_subject(entries: list[Any]) -> dict[str, int]:
    """``scored_at_most`` of a Bundle's raw entries (before validation), per patient as their Conditions'
    ``subject`` names it: a relative reference within its entry's server (the base of its fullUrl). One
    patient named in several ways is split, never merged with another: a count is never above the patient's,
    and the check made after validation (``assess_patient``) stays."""
    by_subject: dict[tuple[str, str], list[dict]] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Condition":
            continue
        subject = resource.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if not isinstance(reference, str):
            continue
        full_url = entry.get("fullUrl")
        base = full_url.rsplit("/", 2)[0] if isinstance(full_url, str) and "://" in full_url and \
            "://" not in reference and not reference.startswith("urn:") else ""
        by_subject.setdefault((base, reference), []).append(resource)
    return {reference: scored_at_most(conditions) for (_, reference), conditions in by_subject.items()}


def set_aside_unread(resources: list[dict[str, Any]], aliases: dict[str, str]) -> tuple[list[dict[str, Any]],
                                                                                       Counter[str]]:
    """One patient's resources, less those no calculator reads (labs, vitals, medications, encounters...), which are
    counted by type instead, as ``bonemet bulk`` counts the lines it never parses: filed, each would only be "not
    read" for its type's reason (``PatientRecord``), which an answer that counts them says the same way
    (``outcome_issues``). Kept and filed as ever: every resource when one has no id (its place in the list names
    it) or a read one refers to another by identifier only (``PatientRecord.resolve`` looks through them all);
    else one sent twice, one that contains others, an Observation with components (they may be items), and any
    resource a read one refers to."""
    terms = load_terminology()  # may_be_read's, asked once here
    refs: set[str] = set()
    twice: set[str] = set()
    unread: dict[int, tuple[str, str]] = {}  # position -> (its "Type/id", its type)
    for position, resource in enumerate(resources):
        rid, kind = resource.get("id"), resource.get("resourceType")
        if not isinstance(rid, str) or not rid:
            return resources, Counter()
        ref = f"{kind}/{rid}"
        (twice if ref in refs else refs).add(ref)
        if kind == "Observation":  # the commonest: a lab, a vital sign (not may_be_read, and no components)
            never = not resource.get("hasMember") and "component" not in resource and not of_a_condition(resource) \
                and not terms.in_any(resource.get("code"))
        else:  # a type the record never files (a "Type/id" is split at its first "/" when counted)
            never = isinstance(kind, str) and kind not in READ_KINDS and kind.isascii() and kind.isalpha()
        if never and "contained" not in resource:
            unread[position] = (ref, str(kind))
    if not unread:
        return resources, Counter()
    referred = _referred_to([resource for position, resource in enumerate(resources) if position not in unread],
                            aliases)
    if referred is None:
        return resources, Counter()
    counted = {position for position, (ref, _) in unread.items() if ref not in twice and ref not in referred}
    return ([resource for position, resource in enumerate(resources) if position not in counted],
            Counter(unread[position][1] for position in counted))


def _referred_to(resources: list[dict[str, Any]], aliases: dict[str, str]) -> set[str] | None:
    """Every "Type/id" a Reference anywhere in ``resources`` names, or None when one names its target by
    identifier only. Read from orjson's text (``quoted_references``); an object under "identifier", maybe a
    logical reference, has them walked."""
    try:
        text = orjson.dumps(resources)
    except TypeError:  # an integer beyond 64 bits, nesting deeper than orjson writes
        return _walked(resources, aliases)
    if b'"identifier":{' in text:
        return _walked(resources, aliases)
    return {local for local in (local_reference({"reference": reference}, aliases)
                                for reference in quoted_references(text)) if local}


def _walked(resources: list[dict[str, Any]], aliases: dict[str, str]) -> set[str] | None:
    named: set[str] = set()
    pending: list[Any] = list(resources)
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "reference" in node:
                local = local_reference(node, aliases)
                if local:
                    named.add(local)
            elif isinstance(node.get("identifier"), dict):
                return None
            pending.extend(value for value in node.values() if isinstance(value, (dict, list)))
        else:
            pending.extend(value for value in node if isinstance(value, (dict, list)))
    return named
