"""A Condition's clinical and verification statuses, and its abatement, as the calculators read them.

No status is guessed: a code FHIR does not define, codes that disagree, an abatement whose day is not known
to be past, each is read as not given and flagged to the clinician (``PatientRecord.active``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..i18n import N_, Said, said
from .dates import after, parse_date, timed_by
from .terminology import codings, objects

VERIFICATION_UNREAD = N_("its verificationStatus is not a code of FHIR's: the calculators cannot read it")
COUNTED_OBSERVATION = {"final", "amended", "corrected", "preliminary"}
NEVER_COUNTED_OBSERVATION = {"entered-in-error", "cancelled"}  # no observation was made, or it was a mistake
INACTIVE = {"inactive", "remission", "resolved"}


# A Condition's statuses: FHIR's code systems (R4's, and the URIs of earlier versions some records keep) and codes.
_STATUS_SYSTEMS = {
    "clinicalStatus": ("http://terminology.hl7.org/CodeSystem/condition-clinical", "http://hl7.org/fhir/condition-clinical"),
    "verificationStatus": ("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                           "http://hl7.org/fhir/condition-ver-status"),
}
_STATUS_CODES = {
    "clinicalStatus": frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved"}),
    "verificationStatus": frozenset({"unconfirmed", "provisional", "differential", "confirmed", "refuted",
                                     "entered-in-error"}),
}
NEVER_COUNTS = ("refuted", "entered-in-error")


# A status a card says before the action: the Condition counts, but its record may say it no longer holds (a status
# in words or local codes, an abatement beside "active"). By the template of its flag.
STATUS_TO_CHECK = frozenset({
    "its clinical status is written “{text}”, not coded: read as not given; check it",
    "its clinicalStatus is not a code of FHIR's: read as not given",
    "its clinicalStatus codes disagree (active, and not): read as not given",
    "its verificationStatus is not a code of FHIR's: the calculators cannot read it",
    "an abatement is recorded ({abatement}) although its clinicalStatus says it is active",
    "an abatement is recorded ({abatement}) whose day is not known to be before the assessment date: read as still "
    "active; check it"})


def status_to_check(flag: object) -> bool:
    return getattr(flag, "template", flag) in STATUS_TO_CHECK


# A diagnosis not (yet) confirmed: it counts, flagged, and the card says so first (it may not hold).
UNCONFIRMED = {"unconfirmed": said("diagnosis not confirmed"), "provisional": said("provisional diagnosis"),
               "differential": said("differential diagnosis"),
               "health-concern": said("a health concern, not a confirmed diagnosis")}
# US Core's category of a concern ("Concern for metastasis R humerus - f/u MRI"): a diagnosis only when confirmed.
_HEALTH_CONCERN = ("http://hl7.org/fhir/us/core/CodeSystem/condition-category", "health-concern")


def unconfirmed(condition: dict[str, Any]) -> str | None:
    """Why a Condition's diagnosis may not hold (a key of ``UNCONFIRMED``): its verificationStatus, or, a US Core
    health concern, no verificationStatus saying confirmed (probe 19: it was counted as a certain site)."""
    verification = status_code(condition, "verificationStatus")
    if verification in UNCONFIRMED:
        return verification
    concern = any((coding.get("system"), coding.get("code")) == _HEALTH_CONCERN
                  for concept in objects(condition.get("category")) for coding in objects(concept.get("coding")))
    return "health-concern" if concern and verification != "confirmed" else None


def status_code(condition: dict[str, Any], element: str) -> str | None:
    """The FHIR code of a Condition's ``clinicalStatus`` or ``verificationStatus``, or None. A hospital's own
    coding beside FHIR's, first or not, is not the status: FHIR's system is read first, then a code FHIR
    defines under another system. Codings that disagree on whether it counts (confirmed, and refuted):
    refuted or entered-in-error wins, as such data never count."""
    systems, valid = _STATUS_SYSTEMS[element], _STATUS_CODES[element]
    concept = condition.get(element)
    coding = concept.get("coding") if isinstance(concept, dict) else None
    if isinstance(coding, list) and len(coding) == 1:  # most records: one coding, nothing to weigh (read per call)
        only = coding[0]
        code = only.get("code") if isinstance(only, dict) else None
        return code if isinstance(code, str) and code in valid and isinstance(only.get("system", ""), str) else None
    if element == "clinicalStatus" and status_disagrees(condition):
        return None  # active, and resolved: which holds is not guessed
    found = [c for c in codings(condition.get(element)) if c.get("code") in valid]
    found.sort(key=lambda c: (c["code"] not in NEVER_COUNTS, c.get("system", systems[0]) not in systems))
    return found[0]["code"] if found else None


def status_disagrees(condition: dict[str, Any]) -> bool:
    """A clinicalStatus whose FHIR codes say both active (or recurrence, relapse) and not (resolved...)."""
    codes = {c["code"] in INACTIVE for c in codings(condition.get("clinicalStatus"))
             if c.get("code") in _STATUS_CODES["clinicalStatus"]}
    return len(codes) > 1


def unread_status(condition: dict[str, Any], element: str) -> bool:
    """A status given, in words or as codes, that is no code of FHIR's: it cannot be read (never guessed)."""
    concept = condition.get(element)
    return status_code(condition, element) is None and isinstance(concept, dict) and (
        any(c.get("code") for c in codings(concept)) or (isinstance(concept.get("text"), str)
                                                         and bool(concept["text"].strip())))


class StatusReading:
    """What a patient's record says of a Condition's statuses at its assessment date (``as_of``): the
    ``PatientRecord`` reads them through these methods."""

    as_of: date
    moment: datetime | None  # the assessment's instant: an abatement timed at or before it is past
    _kinds: dict[int, list[str]]  # Condition (by identity) -> what its codings say it is (filled by the record)
    # Condition (by identity, kept beside its answer so that the identity stays its own) -> ``active``'s answer:
    # several extractors ask it of the same Condition, and nothing it reads changes once the record is filed.
    _actives: dict[int, tuple[dict[str, Any], tuple[bool, tuple[str, ...]]]]

    def condition_kinds(self, condition: dict[str, Any]) -> list[str]:
        raise NotImplementedError  # the record's: what its codings say it is

    def active(self, condition: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
        """(counts as active, flags; for one that does not count, why in the flags when a reason beyond its
        clinicalStatus is needed): no clinicalStatus counts and is flagged, unless the Condition is abated,
        as does an unconfirmed one,
        one that records an abatement while active (contradictory data: said, never resolved by guess),
        and one whose codings name several diagnoses (``condition_kinds``)."""
        known = self._actives.get(id(condition))
        if known is not None and known[0] is condition:
            return known[1]
        answer = self._active(condition)
        self._actives[id(condition)] = (condition, answer)
        return answer

    def _active(self, condition: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
        """``active``, worked out (once per Condition)."""
        clinical = status_code(condition, "clinicalStatus")
        if clinical in INACTIVE:
            return False, ()
        abated = self.abated(condition)
        if clinical is None and abated:  # FHIR con-4: an abated Condition is inactive, resolved or in remission
            return False, (said("no status recorded, and ended ({abatement}): an ended diagnosis is not active",
                                abatement=abated),)
        flags: tuple[str, ...] = ()
        if clinical is None:
            written = (condition.get("clinicalStatus") or {}).get("text") if isinstance(
                condition.get("clinicalStatus"), dict) else None
            flags = ((N_("its clinicalStatus codes disagree (active, and not): read as not given"),)
                     if status_disagrees(condition) else
                     (said("its clinical status is written “{text}”, not coded: read as not given; check it",
                           text=written.strip()[:40]),)
                     if unread_status(condition, "clinicalStatus") and isinstance(written, str) and written.strip()
                     else (N_("its clinicalStatus is not a code of FHIR's: read as not given"),)
                     if unread_status(condition, "clinicalStatus") else (N_("no clinicalStatus"),))
        if doubt := unconfirmed(condition):
            flags += (UNCONFIRMED[doubt],)
        if doubt in (None, "health-concern") and unread_status(condition, "verificationStatus"):
            # Its words or local code may say refuted: not read (never guessed), and the clinician is told to look.
            flags += (VERIFICATION_UNREAD,)
        if abated:  # FHIR con-4: abated is not active; which of the two is right is not guessed
            flags += (said("an abatement is recorded ({abatement}) although its clinicalStatus says it is active",
                           abatement=abated),)
        elif unsure := self.abatement_unsure(condition):
            flags += (said("an abatement is recorded ({abatement}) whose day is not known to be before the "
                           "assessment date: read as still active; check it", abatement=unsure),)
        if len(self._kinds.get(id(condition)) or self.condition_kinds(condition)) > 1:
            flags += (N_("its codings name several diagnoses, and it is read as each"),)
        return True, flags

    def abated(self, condition: dict[str, Any]) -> str:
        """The abatement a Condition records surely on or before the assessment date, as written, or "" (none,
        or one that may be after it: a date to come, a partial date that may end after, a period starting
        after). An age or a range of ages says no date: ``abatement_unsure`` flags it, never read as abated."""
        return self._abatement(condition)[0]

    def abatement_unsure(self, condition: dict[str, Any]) -> str:
        """An abatement whose day is not known to be before the assessment date (an age, a partial date that may
        end after it), as written, or "": flagged, never read as abated."""
        surely, unsure = self._abatement(condition)
        return "" if surely else unsure

    def _abatement(self, condition: dict[str, Any]) -> tuple[str, str]:
        """(the first abatement surely past, the first that may or may not be), each as written, or ""."""
        surely = unsure = ""
        for key, value in condition.items():
            if not key.startswith("abatement") or value in (None, False, "", {}):
                continue
            dated = key in ("abatementDateTime", "abatementPeriod")
            span = parse_date(value.get("start") if isinstance(value, dict) else value) if dated else None
            if span is not None and after(span, self.as_of, self.moment):
                continue  # surely to come: not abated at the assessment date
            shown = value if isinstance(value, str) else str(value.get("start") or value.get("value") or "") \
                if isinstance(value, dict) else ""
            # As a clinician reads it: a date says itself, words are quoted, an end with no date is a dash.
            written = (shown if (dated or key in ("abatementAge", "abatementRange")) and shown else
                       f"“{shown}”" if key == "abatementString" and shown else "–").strip()[:80]
            past = key not in ("abatementAge", "abatementRange") and (not dated or (span is not None and (
                span.latest <= self.as_of or timed_by(span, self.moment))))
            if past:
                surely = surely or written
            else:
                unsure = unsure or written
        return surely, unsure


_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_RECORDED_AS = {"problem-list-item": N_("{record}, on the problem list"),
                "encounter-diagnosis": N_("{record}, an encounter diagnosis")}
THIS_RECORDED_AS = {N_("{record}, on the problem list"): N_("this one, on the problem list"),
                    N_("{record}, an encounter diagnosis"): N_("this one, an encounter diagnosis")}


def recorded_as(condition: dict[str, Any]) -> str | None:
    """Where the EHR put a Condition (FHIR's category: the problem list, an encounter's diagnosis), as a template
    of its ``record``: what tells apart two records of one lesion that read the same."""
    for concept in objects(condition.get("category")):
        for coding in objects(concept.get("coding")):
            if coding.get("system") == _CATEGORY and coding.get("code") in _RECORDED_AS:
                return _RECORDED_AS[coding["code"]]
    return None


# A lesion of a bone and side another record of which says refuted ("Métastase humérus G (infirmée après biopsie)"):
# the two disagree on the diagnosis itself; the refuted one never counts, and the card says it first (probe 16).
REFUTED_BESIDE = N_("a record of the same bone and side is refuted ({record}): it says there is no metastasis there; "
                    "check which holds first")
REFUTED_AT_LEVEL = N_("a record at the same level is refuted ({record}): it says there is no metastasis there; check "
                      "which holds first")  # a vertebra (``pain_sites.refuted_at_level``)


def refuted_beside(record: Any, reading: Any, condition: dict[str, Any]) -> tuple[Said, ...]:
    """The refuted bone-metastasis Conditions of this lesion's bone and side (both stated), said on its card; not one
    recorded before this lesion began (a 2024 biopsy's answer says nothing of a lesion found in 2026: review 17)."""
    if not reading.bone or reading.side is None:
        return ()
    from .items.site import body_sites, read_site  # here: the items import this module

    began = record.onset(condition)
    found = []
    for ref, refuted, when in refuted_lesions(record):
        place = read_site(record.terms, body_sites(refuted))
        if place.bone == reading.bone and place.side == reading.side and not (
                began and when and when.latest < began.earliest):
            record.report.ignore(ref, said("verificationStatus is refuted: never counts; said on the card of the "
                                           "active lesion of the same bone and side"), again=True)
            found.append(Said(REFUTED_BESIDE, {"record": ref}))
    return tuple(found)


def refuted_lesions(record: Any) -> list[tuple[str, dict[str, Any], Any]]:
    """The refuted bone-metastasis Conditions, each with the day it was recorded: read once per record, for the long
    bones' cards and the vertebrae's alike."""
    return record.once("refuted-lesions", lambda: [
        (ref, resource, record.onset(resource) or parse_date(resource.get("recordedDate")))
        for ref, resource in record.by_ref.items()
        if resource.get("resourceType") == "Condition" and status_code(resource, "verificationStatus") == "refuted"
        and "lesion" in record.condition_kinds(resource)])


def fracture_not_counted(status: str | None) -> Said:
    """Why a fracture's record says nothing of the bone now: in error or refuted (``status``), else over (probe 18:
    an entered-in-error one read "check whether it is at the site of a scored lesion")."""
    return said("a fracture recorded in error: never counts") if status == "entered-in-error" else said(
        "a fracture refuted: never counts") if status else said(
        "a fracture recorded as over (healed, resolved or abated): the bone is not taken as broken now")


# What the mapper says of a long-bone metastasis whose status says it is over, or may be (an abatement beside
# "active"): the order-sign cards name its orders' target as no longer active (``render.order_cards``).
COMPRESSION_NOT_ACTIVE = N_("spinal cord compression is not active: no Rades score")
COMPRESSION_MAY_BE_OVER = N_("spinal cord compression: {why}: no Rades score")
NEVER_COUNTS_AS = N_("verificationStatus is {status}: never counts")
LESION_NOT_ACTIVE = N_("bone metastasis is not active: no Mirels score")
LESION_MAY_BE_OVER = N_("bone metastasis: {why}: no Mirels score")
