"""Whose data is this? One rule for every door.

A resource belongs to a patient when its ``subject`` (or ``patient``) reference
names that patient:

* ``Patient/x`` (relative) and ``Patient/x/_history/3`` (versioned) name patient
  ``x`` of the server or Bundle at hand;
* ``https://ehr.example/fhir/Patient/x`` (absolute) names ``x`` only when
  ``https://ehr.example/fhir`` is known to be that patient's server (the CDS Hooks
  ``fhirServer``, or the base of the Patient entry's ``fullUrl``). An absolute
  reference to another server that happens to end in the same id is another
  patient;
* ``urn:uuid:...`` names the Bundle entry with that ``fullUrl``;
* a reference by ``identifier`` only, or by ``display`` only, names nobody we
  can check: such a resource is never read, and the reason is reported.

CDS Hooks (``patient-view``, ``order-sign``), ``$assess``, ``bonemet assess`` and
``bonemet bulk`` all use these functions, so the rule cannot drift between them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec

from ..i18n import N_, Said, said

_ID = r"[A-Za-z0-9\-.]{1,64}"
_RELATIVE = re.compile(rf"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>{_ID})$")
_ABSOLUTE = re.compile(rf"^(?P<base>https?://.+?)/(?P<type>[A-Z][A-Za-z]+)/(?P<id>{_ID})$")


def _without_history(text: str) -> str:
    return text.split("/_history/")[0].rstrip("/")


def normal_base(base: str | None) -> str | None:
    """A server base compared loosely: scheme and host in lower case, the scheme's default port (:443, :80)
    left out, no trailing slash: ``https://EHR.example:443/fhir/`` is ``https://ehr.example/fhir``."""
    if not base:
        return None
    match = re.match(r"^(https?)://([^/]+)(.*)$", base.strip())
    if not match:
        return None
    scheme, host, path = match.groups()
    scheme, host = scheme.lower(), host.lower()
    host = host.removesuffix({"https": ":443", "http": ":80"}[scheme])
    return f"{scheme}://{host}{path.rstrip('/')}"


class ParsedReference(msgspec.Struct, frozen=True):
    """``Type/id`` and, for an absolute reference, the server base it names."""

    type: str
    id: str
    base: str | None = None

    @property
    def local(self) -> str:
        return f"{self.type}/{self.id}"


def parse_reference(reference: Any, aliases: dict[str, str] | None = None) -> ParsedReference | None:
    """A Reference (the JSON object) -> its type, id and base; None when it is not a literal reference
    we can read (identifier-only, display-only, an unresolved ``urn:uuid``, a fragment)."""
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        return None
    text = reference["reference"].strip()
    text = (aliases or {}).get(text, text)
    text = _without_history(text)
    match = _RELATIVE.match(text)
    if match:
        return ParsedReference(match["type"], match["id"])
    match = _ABSOLUTE.match(text)
    if match:
        return ParsedReference(match["type"], match["id"], normal_base(match["base"]))
    return None


def local_reference(reference: Any, aliases: dict[str, str] | None = None) -> str | None:
    """A Reference -> "Type/id" (base and _history dropped, fullUrl aliases resolved), or None.

    For references between one patient's own resources (focus, hasMember, reasonReference):
    the patient rule below has already decided whose resources these are."""
    parsed = parse_reference(reference, aliases)
    return parsed.local if parsed else None


def subject_reference(resource: dict[str, Any]) -> Any:
    """The element that names the patient a resource is about (``subject``, else ``patient``)."""
    for element in ("subject", "patient"):
        if element in resource:
            return resource[element]
    return None


class PatientIdentity(msgspec.Struct, frozen=True):
    """The patient being assessed: their id and, when known, the FHIR server base they live on."""

    id: str
    base: str | None = None

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}"

    def names(self, parsed: ParsedReference | None) -> bool:
        if parsed is None or parsed.type != "Patient" or parsed.id != self.id:
            return False
        return parsed.base is None or (self.base is not None and parsed.base == normal_base(self.base))


_UNPARSED: Any = object()


# How a resource of another patient (or whose subject cannot be read) is reported: not read at all. The template
# lets a reader of the report (order-sign: an order whose reason is such a diagnosis) tell it from other lines.
NOT_READ = N_("not read: {why}")
# Of its reasons, those that name a patient, another one (not a subject that cannot be read).
ANOTHER_PATIENT = frozenset({
    N_("belongs to another patient, “{id}” ({subject})"),
    N_("its subject {subject} is on a server not known to be this patient's ({base})"),
    N_("its subject {subject} is on a server not known to be this patient's")})


def why_not_patient(resource: dict[str, Any], patient: PatientIdentity,
                    aliases: dict[str, str] | None = None, parsed: Any = _UNPARSED) -> Said | None:
    """None when ``resource`` belongs to ``patient``; otherwise why it is not read as theirs. ``parsed``: its
    subject already parsed with the same ``aliases`` (``parse_reference``), when the caller has it."""
    if resource.get("resourceType") == "Patient":
        # Both ids, and what to change: a client that sends its own patientId with an example's data (HealthChain's
        # sandbox does) learns at once why nothing is scored.
        return None if resource.get("id") == patient.id else said(
            "another patient, these data are patient “{id}”'s and the patient assessed is “{assessed}” (in CDS Hooks, "
            "context.patientId must name the patient whose data the prefetch holds)",
            id=resource.get("id"), assessed=patient.id)
    reference = subject_reference(resource)
    if isinstance(reference, dict) and reference.get("reference") == patient.reference:
        return None  # the common case, "Patient/<id>", without parsing
    if parsed is _UNPARSED:
        parsed = parse_reference(reference, aliases)
    if patient.names(parsed):
        return None
    unreadable = _unreadable_subject(reference, parsed)
    if unreadable or parsed is None:  # a None parse is always unreadable; said for the type checker
        return unreadable or said("its subject cannot be read")
    if parsed.id != patient.id:  # the other patient's id, as the mismatched-context message says it
        return said("belongs to another patient, “{id}” ({subject})", id=parsed.id, subject=_show(reference))
    if patient.base:
        return said("its subject {subject} is on a server not known to be this patient's ({base})",
                    subject=_show(reference), base=patient.base)
    return said("its subject {subject} is on a server not known to be this patient's", subject=_show(reference))


def _unreadable_subject(reference: Any, parsed: ParsedReference | None) -> Said | None:
    """Why a subject cannot name any patient, or None when it is a reference to a Patient."""
    if reference is None:
        return said("names no patient (no subject or patient element)")
    if parsed is None:
        if isinstance(reference, dict) and "identifier" in reference and "reference" not in reference:
            return said("names its patient by identifier only, which cannot be matched to this patient")
        return said("its subject {subject} cannot be read as a reference to a Patient", subject=_show(reference))
    if parsed.type != "Patient":
        return said("its subject is a {type}, not a Patient", type=parsed.type)
    return None


def _show(reference: Any) -> str | Said:
    if isinstance(reference, dict) and isinstance(reference.get("reference"), str):
        return repr(reference["reference"][:200])
    return said("(no literal reference)")


def bulk_patient_key(resource: dict[str, Any]) -> str | None:
    """The patient an NDJSON line belongs to, for grouping: "Patient/x" for a relative reference,
    the absolute URL for an absolute one (two servers' patient x are never merged), None otherwise."""
    if resource.get("resourceType") == "Patient":
        return f"Patient/{resource['id']}" if isinstance(resource.get("id"), str) else None
    parsed = parse_reference(subject_reference(resource))
    if parsed is None or parsed.type != "Patient":
        return None
    return f"{parsed.base}/{parsed.local}" if parsed.base else parsed.local


# -- Bundles with several patients ----------------------------------------------------------


NO_PATIENT_HERE = said("names no Patient of this Bundle")


class Grouped(msgspec.Struct):
    """A Bundle's resources split by patient (input order kept), and what belongs to none."""

    patients: dict[str, list[dict[str, Any]]] = msgspec.field(default_factory=dict)
    identities: dict[str, PatientIdentity] = msgspec.field(default_factory=dict)
    aliases: dict[str, str] = msgspec.field(default_factory=dict)
    without_patient: list[tuple[str, str, Said]] = msgspec.field(default_factory=list)  # (where, "Type/id", why)
    full_urls: dict[str, str] = msgspec.field(default_factory=dict)  # "Type/id" -> the entry's own fullUrl
    locations: dict[str, str] = msgspec.field(default_factory=dict)  # "Type/id" -> where it is (FHIRPath)

    def cite(self, reference: str) -> str:
        """How an answer refers to an input: by its entry's fullUrl when it has one (absolute stays
        absolute, urn:uuid stays urn:uuid, and an id made up from a urn:uuid never shows), else
        as the input itself is referred to ("Type/id")."""
        return self.full_urls.get(reference, reference)


def _base_of(full_url: str | None, resource: dict[str, Any]) -> str | None:
    match = _ABSOLUTE.match(_without_history(full_url or ""))
    if match and match["type"] == resource.get("resourceType") and match["id"] == resource.get("id"):
        return normal_base(match["base"])
    return None


def group_by_patient(entries: Iterable[tuple[str | None, dict[str, Any], str]]) -> Grouped:
    """(fullUrl, resource, where) triples -> resources per patient.

    The patients are the Bundle's Patient resources, and the patients that relative
    references name when the Bundle holds no Patient resource for them. Every other
    resource goes to the one patient its subject names under ``why_not_patient``'s rule,
    or is listed in ``without_patient`` with the reason."""
    grouped = Grouped()
    named = []
    for full_url, resource, where in entries:
        if not isinstance(resource.get("id"), str) and full_url and full_url.startswith("urn:uuid:"):
            resource = {**resource, "id": full_url.removeprefix("urn:uuid:")}
        if isinstance(resource.get("id"), str):
            local = f"{resource['resourceType']}/{resource['id']}"
            grouped.locations.setdefault(local, where)
            if full_url:
                grouped.aliases[full_url] = local
                grouped.full_urls.setdefault(local, full_url)
        named.append((full_url, resource, where))
    # Each subject parsed once (every rule below reads it), and each reference text once: a record's resources
    # name the same patient. (fullUrl, resource, where, parsed subject)
    parsed_texts: dict[str, ParsedReference | None] = {}

    def parsed_subject(resource: dict[str, Any]) -> ParsedReference | None:
        subject = resource["subject"] if "subject" in resource else resource.get("patient")  # subject_reference
        text = subject.get("reference") if isinstance(subject, dict) else None
        if not isinstance(text, str):
            return parse_reference(subject, grouped.aliases)
        if text not in parsed_texts:
            parsed_texts[text] = parse_reference(subject, grouped.aliases)
        return parsed_texts[text]

    # The patients, in one pass: the Bundle's Patient resources first, then (by first mention) those named by an
    # absolute reference on the naming resource's own server, then those named by a relative one.
    subjects = []
    on_own_server: list[PatientIdentity] = []
    relative: dict[int, ParsedReference] = {}  # each parsed subject once: the resources of a record share it
    for full_url, resource, where in named:
        parsed = parsed_subject(resource)
        subjects.append((resource, where, parsed))
        if resource.get("resourceType") == "Patient" and isinstance(resource.get("id"), str):
            identity = PatientIdentity(resource["id"], _base_of(full_url, resource))
            grouped.identities.setdefault(identity.reference, identity)
        # A patient the Bundle holds no Patient resource for: named by a relative reference, or by an absolute one
        # on the naming resource's own server (its fullUrl's base), which means the same ("Patient/x" in an entry
        # whose fullUrl is https://ehr/fhir/Condition/c is https://ehr/fhir/Patient/x). Another server's x is not x.
        if parsed and parsed.type == "Patient":
            if parsed.base is None:
                relative.setdefault(id(parsed), parsed)
            elif parsed.base == _base_of(full_url, resource):
                on_own_server.append(PatientIdentity(parsed.id, parsed.base))
    for identity in on_own_server:
        grouped.identities.setdefault(identity.reference, identity)
    for parsed in relative.values():
        grouped.identities.setdefault(f"Patient/{parsed.id}", PatientIdentity(parsed.id))
    locals_of: dict[int, str] = {}  # a parsed subject (shared by the resources naming it) -> its "Type/id", once
    for resource, where, parsed in subjects:
        kind = resource.get("resourceType")
        if kind == "Patient":
            key: str | None = f"Patient/{resource.get('id')}"
        elif parsed:
            key = locals_of.get(id(parsed))
            if key is None:
                key = locals_of[id(parsed)] = parsed.local
        else:
            key = None
        found = grouped.identities.get(key) if key else None
        if found is not None:
            # why_not_patient's common case inline: a subject whose reference is "Patient/<id>", the key itself
            subject = resource["subject"] if "subject" in resource else resource.get("patient")
            why = None if kind != "Patient" and isinstance(subject, dict) and subject.get("reference") == key \
                else why_not_patient(resource, found, grouped.aliases, parsed)
        else:
            why = (_unreadable_subject(subject_reference(resource), parsed) if kind != "Patient"
                   else None) or NO_PATIENT_HERE
        if why is not None or key is None:
            what = f"{kind}/{resource['id']}" if isinstance(resource.get("id"), str) else str(kind)
            grouped.without_patient.append((where, what, why or NO_PATIENT_HERE))
            continue
        grouped.patients.setdefault(key, []).append(resource)
    return grouped


class PatientBanner(msgspec.Struct, frozen=True):
    """Who a page is about, as the record names them, to be checked before anything is read: each None when
    the record does not say it."""

    id: str
    name: str | None
    birth_date: str | None


def patient_banner(resources: Iterable[dict[str, Any]], patient_id: str) -> PatientBanner:
    """The banner of ``Patient/patient_id`` from ``resources``: its official (else first) name, as its ``text``
    or its given names and family name, and its birth date as recorded."""
    patient = next((r for r in resources if r.get("resourceType") == "Patient" and r.get("id") == patient_id), None)
    if patient is None:
        return PatientBanner(patient_id, None, None)
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    name = None
    if chosen:
        given = [part for part in chosen.get("given") or [] if isinstance(part, str)]
        family = chosen.get("family") if isinstance(chosen.get("family"), str) else None
        name = (chosen["text"] if isinstance(chosen.get("text"), str)
                else " ".join([*given, *([family] if family else [])]) or None)
    birth = patient.get("birthDate")
    return PatientBanner(patient_id, name, birth if isinstance(birth, str) else None)
