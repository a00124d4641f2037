"""CDS Hooks 2.0 endpoints: discovery, the services, feedback.

The service gathers the patient's data from prefetch (as ``_gather`` says:
a missing key is fetched from the EHR's FHIR server, ``null`` is "no data", an
OperationOutcome is a failed query), keeps the context patient's resources only,
runs the pipeline, and answers with cards. It knows nothing of the scoring tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import msgspec
from flask import Blueprint, abort, current_app, jsonify, request

from ..calculators import NAMES
from ..facts import PatientFacts, ReportEntry, referred_body_structures
from ..facts.identity import reference_of
from ..facts.record import may_be_read
from ..facts.terminology import described
from ..fhir.client import FetchError, FhirClient, host_of
from ..fhir.ids import is_fhir_id, shown
from ..fhir.patients import PatientIdentity, normal_base, why_not_patient
from ..fhir.shape import InvalidResource, bundle_resources, check_shape, matches_left_out, next_link, outcome_text
from ..i18n import N_, Said, Words, negotiate, said
from ..limits import LimitExceeded, check_resources
from ..order_review import review_orders
from ..pipeline import assess_patient
from ..render.cards import cards_for_patient
from ..render.order_cards import order_sign_cards
from ..render.unrecorded import nothing_recorded
from ..store import StoreUnavailable
from .body import json_body
from .errors import JsonError, bad_request, precondition_failed
from .feedback import FeedbackRefused
from .operations import FETCHES, count_cards, note
from .prefetch import OPTIONAL_PREFETCH, PREFETCH
from .schemas import FeedbackRequest, HookRequest, ValidationError
from .sessions import KeptAssessment
from .smart import launch_url

log = logging.getLogger(__name__)
blueprint = Blueprint("cds_hooks", __name__)

SERVICES: dict[str, dict[str, Any]] = {
    "bonemet-patient-view": {
        "hook": "patient-view",
        "title": "Bone metastases: Mirels and Rades",
        "description": "Mirels fracture risk for each long-bone metastasis and Rades ambulatory prognosis for each "
                       "spinal cord compression, from the patient's Conditions and Observations, with what is "
                       "missing and the range it leaves.",
        "prefetch": PREFETCH,
        "usageRequirements": "Needs Condition and Observation read access for the patient (prefetch or "
                             "fhirServer with patient/Condition.read and patient/Observation.read), and "
                             "patient/BodyStructure.read where sites are recorded as BodyStructures; Procedure read "
                             "access (optional: the operations of the post-operative window, §1.4). Codes and "
                             "profiles: the FHIR profiles published with bonemet-cds.",
    },
    "bonemet-order-sign": {
        "hook": "order-sign",
        "title": "Bone metastases: orders checked against Mirels and Rades",
        "description": "Cross-checks draft radiotherapy, prophylactic fixation and decompressive surgery orders "
                       "with the Mirels score of the lesion and the Rades group of the spinal cord compression "
                       "they target, in the words of the guideline.",
        "prefetch": PREFETCH,
        "usageRequirements": "Same data access as bonemet-patient-view. Orders are recognised by the codes of the "
                             "order-* ValueSets published with bonemet-cds (SNOMED CT, or the site's local codes "
                             "added there); an order names its target by reasonReference, reasonCode or bodySite. A "
                             "radiotherapy's total dose and fractions are read from the CodeX Radiation Therapy "
                             "extension codexrt-radiotherapy-dose-prescribed-to-volume (guideline §2).",
    },
}


@blueprint.get("/cds-services")
def discovery():
    return jsonify(services=[{"id": sid, **service} for sid, service in SERVICES.items()])


@cache
def _request_schema(hook: str) -> HookRequest:
    """One schema per hook, built once: marshmallow schemas hold no state between loads."""
    return HookRequest(hook)


class Gathered(msgspec.Struct):
    """The context patient's resources, and what could not be read (said in a card)."""

    resources: list[dict] = msgspec.field(default_factory=list)
    not_read: list[ReportEntry] = msgspec.field(default_factory=list)
    partial: set[str] = msgspec.field(default_factory=set)  # the types the EHR sent only in part
    unsent: set[str] = msgspec.field(default_factory=set)  # the prefetch keys neither sent nor fetched at all


def _gather(hook_request: dict, patient: PatientIdentity) -> Gathered:
    """The prefetched resources, as CDS Hooks 2.0 defines prefetch:

    * a key left out was not prefetched: fetch it from ``fhirServer`` (412 if that cannot be done);
    * a key sent as ``null`` means the query found nothing: no data, not an error;
    * an OperationOutcome means the EHR's query failed: fetch it where allowed, else say so in
      a card (412 only when no key at all could be read);
    * a searchset with a ``next`` link is a first page (the EHR may paginate prefetch): the next
      pages are fetched where allowed, else a card says they are not in the assessment; one that
      holds fewer matches than its ``total``, with no next page, is said in a card too.
    Only the context patient's resources are kept; the others are named with the reason."""
    prefetch = hook_request.get("prefetch") or {}
    client: FhirClient | None = None
    found: list[dict] = []
    gathered = Gathered()
    read_any = False
    fetched: dict[str, list[dict] | FetchError] = {}
    if _can_fetch(hook_request):  # what prefetch lacks, every search at once (a search's pages in turn)
        client = _client(hook_request, "conditions")
        searches = _searches_to_fetch(prefetch, patient, client)
        fetched = dict(zip(searches, client.at_once(list(searches.values())), strict=True))
    for key, template in PREFETCH.items():
        where = f"prefetch.{key}"
        query = template.replace("{{context.patientId}}", patient.id)
        value = prefetch.get(key)
        if key not in prefetch or (isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"):
            failed: str | Said | None = None if key not in prefetch else outcome_text(value or {})
            if failed is None and key in OPTIONAL_PREFETCH and not _can_fetch(hook_request):
                gathered.not_read.append(ReportEntry(where, "ignored", OPTIONAL_PREFETCH[key]))
                gathered.unsent.add(key)
                continue
            if failed is None or _can_fetch(hook_request):
                client = client or _client(hook_request, key)
                try:
                    found += _fetched(fetched, key) if key in fetched else client.read(query)
                    FETCHES.labels("read").inc()
                    read_any = True
                    continue
                except FetchError as error:
                    FETCHES.labels("failed").inc()
                    if failed is None and key in OPTIONAL_PREFETCH:
                        gathered.not_read.append(ReportEntry(where, "ignored", said(
                            "{query} was not sent and fetching it failed ({error}): the post-operative window (§1.4) "
                            "was not checked, nor whether a lesion has been fixed", query=query, error=str(error),
                            records=_RECORDS.get(key, key))))
                        gathered.unsent.add(key)
                        continue
                    if failed is None:
                        raise precondition_failed(f"{where} was not sent and fetching it failed: {error}") from None
                    failed = said("{failed}; fetching it from fhirServer failed too: {error}", failed=failed,
                                  error=str(error))
            gathered.partial.add(_KINDS[key])
            gathered.unsent.add(key)
            gathered.not_read.append(ReportEntry(where, "ignored", said(
                "the EHR could not run {query} ({failed}): the assessment is made without those resources",
                query=query.split("&")[0], failed=failed, records=_RECORDS.get(key, key)), relevant=True,
                attention=True))
            continue
        read_any = True
        if value is None:
            continue  # the EHR found no data for this query
        try:
            if value.get("resourceType") == "Bundle":
                for resource in bundle_resources(value, where, read=may_be_read):
                    if resource.get("resourceType") == "OperationOutcome":  # the server's word on its search
                        gathered.not_read.append(ReportEntry(where, "ignored", said(
                            "the EHR's answer to {query} carries a warning: {warning}", query=query.split("&")[0],
                            warning=outcome_text(resource), records=_RECORDS.get(key, key)), relevant=True,
                            attention=True))
                    else:
                        found.append(resource)
            else:
                found.append(check_shape(value, where))
        except InvalidResource as error:
            raise bad_request(str(error), field=error.where) from None
        following = next_link(value) if value.get("resourceType") == "Bundle" else None
        left_out = matches_left_out(value) if value.get("resourceType") == "Bundle" and following is None else 0
        if left_out:  # a server that caps its answer without a next page
            gathered.partial.add(_KINDS[key])
            gathered.not_read.append(ReportEntry(where, "ignored", said(
                "the EHR's answer to {query} holds {held} of its {total} results, with no next page: the other "
                "{left} are not in this assessment", query=query.split("&")[0], held=value["total"] - left_out,
                total=value["total"], left=left_out, records=_RECORDS.get(key, key)), relevant=True, attention=True))
        if following is not None:  # CDS Hooks 2.0: the EHR may send the first page only
            unread: Said | None = said("there is no allowed fhirServer to fetch them from")
            if _can_fetch(hook_request):
                client = client or _client(hook_request, key)
                try:
                    found += _fetched(fetched, key) if key in fetched else client.follow(value, following, query)
                    FETCHES.labels("read").inc()
                    unread = None
                except FetchError as error:
                    FETCHES.labels("failed").inc()
                    unread = said("fetching them from fhirServer failed: {error}", error=str(error))
            if unread is not None:
                gathered.partial.add(_KINDS[key])
                gathered.not_read.append(ReportEntry(where, "ignored", said(
                    "the EHR sent the first page of {query} only, and its next pages could not be read ({failed}): "
                    "resources on them are not in this assessment", query=query.split("&")[0], failed=unread,
                    records=_RECORDS.get(key, key)),
                    relevant=True, attention=True))
    if _can_fetch(hook_request):
        client = _fetch_body_structures(hook_request, found, patient, gathered, client)
    for cut in client.truncated if client else ():  # a search cut short by the page cap: which one is not kept
        gathered.partial.update(_KINDS.values())
        gathered.not_read.append(ReportEntry("fhirServer", "ignored", cut, relevant=True, attention=True))
    if not read_any:
        raise precondition_failed("no prefetch query could be read (each is an OperationOutcome) and there is no "
                                  "allowed fhirServer to fetch them from")
    mine = patient.reference
    for position, resource in enumerate(found):
        # why_not_patient's common case first, inline: a subject that is "Patient/<id>" (once per resource)
        subject = resource["subject"] if "subject" in resource else resource.get("patient")
        why = None if isinstance(subject, dict) and subject.get("reference") == mine and \
            resource.get("resourceType") != "Patient" else why_not_patient(resource, patient)
        if why is None:
            gathered.resources.append(resource)
        else:
            gathered.not_read.append(ReportEntry(reference_of(resource, position), "ignored",
                                                 said("not read: {why}", why=why),
                                                 relevant=True, attention=True,
                                                 description=described(resource.get("code"))))
    return gathered


def _searches_to_fetch(prefetch: dict, patient: PatientIdentity, client: FhirClient) -> dict[str, Callable[[], list]]:
    """The searches ``_gather`` will need from ``fhirServer``, by prefetch key, to run at once before it reads
    the prefetch: a key left out or holding an OperationOutcome (the search), a first page (its next pages)."""
    searches: dict[str, Callable[[], list]] = {}
    for key, template in PREFETCH.items():
        query = template.replace("{{context.patientId}}", patient.id)
        value = prefetch.get(key)
        kind = value.get("resourceType") if isinstance(value, dict) else None
        following = next_link(value) if isinstance(value, dict) and kind == "Bundle" else None
        if key not in prefetch or kind == "OperationOutcome":
            searches[key] = partial(client.read, query)
        elif isinstance(value, dict) and following is not None:
            searches[key] = partial(client.follow, value, following, query)
    return searches


def _fetched(fetched: dict[str, list[dict] | FetchError], key: str) -> list[dict]:
    outcome = fetched[key]
    if isinstance(outcome, FetchError):
        raise outcome
    return outcome


MAX_BODY_STRUCTURES = 20  # reads of BodyStructures per request, beside the searches


def _fetch_body_structures(hook_request: dict, found: list[dict], patient: PatientIdentity, gathered: Gathered,
                           client: FhirClient | None) -> FhirClient | None:
    """Read from ``fhirServer`` the BodyStructures that the patient's prefetched resources refer to (a
    lesion's site, an Observation's focus): no search by patient brings them. One that cannot be read
    is named, and so is one whose id is not a FHIR id (``..``): it is never requested."""
    server = normal_base(hook_request.get("fhirServer"))
    theirs = [resource for resource in found if why_not_patient(resource, patient) is None]
    wanted = [ref for ref in referred_body_structures(theirs) if ref.base in (None, server)]
    reads = []
    for position, reference in enumerate(wanted):
        if not is_fhir_id(reference.id):  # "BodyStructure/..": the server's base once in a URL; never fetched
            gathered.not_read.append(ReportEntry(reference.local, "ignored", said(
                "not read: not a FHIR id ({id}); nothing was asked of fhirServer", id=shown(reference.id)),
                relevant=True, attention=True))
            continue
        if position >= MAX_BODY_STRUCTURES:
            gathered.not_read.append(ReportEntry(reference.local, "ignored", said(
                "not read: more than {count} BodyStructures are referred to", count=MAX_BODY_STRUCTURES),
                relevant=True, attention=True))
            continue
        reads.append(reference)
    if not reads:
        return client
    client = client or _client(hook_request, "conditions")
    for reference, outcome in zip(reads, client.at_once([partial(client.read, ref.local) for ref in reads]),
                                  strict=True):  # every read at once
        if isinstance(outcome, FetchError):
            FETCHES.labels("failed").inc()
            gathered.not_read.append(ReportEntry(reference.local, "ignored", said(
                "referred to by the patient's resources; reading it from fhirServer failed: {error}",
                error=str(outcome)), relevant=True, attention=True))
        else:
            found += outcome
            FETCHES.labels("read").inc()
    return client


# What each prefetch holds, in a clinician's words (a card names no FHIR query: probe 19 read "Observation?patient=p1").
_KINDS = {"patient": "Patient", "conditions": "Condition", "observations": "Observation", "procedures": "Procedure"}
_RECORDS = {"conditions": said("diagnoses"), "observations": said("observations"), "procedures": said("procedures"),
            "patient": said("patient record")}


def _can_fetch(hook_request: dict) -> bool:
    server = hook_request.get("fhirServer")
    return isinstance(server, str) and bool(server) and host_of(server) in current_app.config["BONEMET"].allowed_hosts


def _client(hook_request: dict, key: str) -> FhirClient:
    settings = current_app.config["BONEMET"]
    server = hook_request.get("fhirServer")
    if not server:
        raise precondition_failed(f"prefetch.{key} is missing and the request has no fhirServer to fetch it from")
    authorization = hook_request.get("fhirAuthorization") or {}
    try:
        return FhirClient(server, authorization.get("access_token"), allowed_hosts=settings.allowed_hosts,
                          timeout=(settings.fhir_connect_timeout, settings.fhir_read_timeout),
                          page_cap=settings.fhir_page_cap, deadline_seconds=settings.fhir_fetch_deadline,
                          max_answer_bytes=settings.fhir_max_answer_bytes,
                          max_total_bytes=settings.fhir_max_fetch_bytes, mapper_reads=may_be_read)
    except FetchError as error:
        raise precondition_failed(f"prefetch.{key} is missing and {error}") from None


@blueprint.post("/cds-services/<service_id>")
def call_service(service_id: str):
    service = SERVICES.get(service_id) or abort(404, f"no CDS service {service_id!r}; see GET /cds-services")
    body = json_body("a CDS Hooks request")
    try:
        hook_request = _request_schema(service["hook"]).load(body)
    except ValidationError as error:
        if isinstance(body, dict) and body.get("resourceType") in ("Bundle", "Parameters"):  # the other door's
            raise bad_request(f"this is a FHIR {body['resourceType']}, not a CDS Hooks request: POST it to "
                              "/fhir/$assess (a CDS service takes hook, hookInstance, context and prefetch)") from None
        raise bad_request("invalid CDS Hooks request", fields=error.messages) from None
    draft_orders = hook_request["context"].get("draftOrders")
    if draft_orders is not None:
        try:
            bundle_resources(draft_orders, "context.draftOrders")
        except InvalidResource as error:
            raise bad_request(str(error), field=error.where) from None
    patient = PatientIdentity(hook_request["context"]["patientId"], hook_request.get("fhirServer"))
    note(service=service_id, hook=service["hook"], hookInstance=str(hook_request["hookInstance"]),
         patient=patient.id)
    gathered = _gather(hook_request, patient)
    settings = current_app.config["BONEMET"]
    locale = negotiate(accept=request.accept_languages)
    try:
        check_resources(len(gathered.resources) + len(gathered.not_read), settings.max_resources)
        result = assess_patient(gathered.resources, patient.reference, when=settings.now(),
                                locale=locale, pain_score_bands=settings.pain_bands, fact_windows=settings.windows,
                                max_scored=settings.max_scored_per_patient, partial=frozenset(gathered.partial))
    except LimitExceeded as error:
        raise JsonError(error.status, "Too costly", str(error)) from None
    result.facts.report.extend(gathered.not_read)
    result.facts.procedures_read = "procedures" not in gathered.unsent  # sent in part: ``partial`` says it
    try:
        if service["hook"] == "order-sign":
            # Only advice on what is being ordered: the scores themselves belong to patient-view.
            review = review_orders(result, draft_orders, patient, gathered.resources)
            cards = order_sign_cards(review, result.facts, locale, patient.reference)
        else:
            every = cards_for_patient(result.assessments, result.facts, locale, result.advice)
            scored = [(assessment, card) for assessment, card in every if assessment is not None]
            if scored:
                _link_to_assessment_page(scored, result, hook_request, gathered.resources, locale)
            cards = [card for _, card in every]
        # What a card promises (its link opens, its feedback is accepted) is committed before it is sent:
        # the EHR may follow the link or send feedback at once, to any worker or instance.
        current_app.extensions["bonemet_feedback"].remember_cards(service_id, cards)
    except StoreUnavailable as error:
        log.error("cards not sent: their link and feedback cannot be kept (%s)", error)
        raise JsonError(503, "Service Unavailable", f"the cards' link and feedback cannot be kept ({error}); "
                        "send the request again later") from None
    for card in cards:  # a score's source is the guideline's table, on a page of this service
        topic = card["source"].get("topic", {}).get("code")
        if topic in NAMES:
            card["source"]["url"] = f"{settings.base_url}/guideline/{topic}?lang={locale}"
    count_cards(service_id, cards)
    return jsonify(cards=cards)


LINK_WORDS = Words({"complete": N_("Complete the missing items"), "review": N_("Review the assessment"),
                    "picture": N_("Scale with this total")})


def needed_by_the_page(resources: list[dict], facts: PatientFacts) -> list[dict]:
    """The resources the assessment page needs to show the same scores again: the Patient, the
    BodyStructures (a lesion's site), resources without an id (named by position), and every resource the
    scores used or the assessment names (context, relevant but not used). The others (labs, unrelated
    Conditions) change no score and are not kept (issue 28: a request's whole prefetch was 33 KB per card)."""
    named = {entry.resource for entry in facts.report if entry.outcome != "ignored" or entry.relevant}
    named.update(found.condition for found in facts.scored)
    return [resource for resource in resources
            if resource.get("resourceType") in ("Patient", "BodyStructure") or not resource.get("id")
            or f"{resource.get('resourceType')}/{resource.get('id')}" in named]


def _link_to_assessment_page(scored: list, result, hook_request: dict, resources: list[dict], locale: str) -> None:
    """Every Mirels and Rades card links to the assessment page (type absolute: a short-lived signed
    token names an assessment kept a few minutes; nothing about the patient is in the URL), and its
    detail links to the picture of its scale."""
    settings = current_app.config["BONEMET"]
    words = LINK_WORDS[locale]
    picture = words["picture"]

    def page(assessment) -> str:  # the link says what the page is for: nothing to complete, or what is missing
        return words["review"] if assessment.score.category and not assessment.score.missing else words["complete"]

    if settings.smart_client_id:  # a SMART app: the EHR launches it, it reads and writes the EHR's own data
        for assessment, card in scored:
            card["links"] = [{"label": page(assessment), "url": launch_url(), "type": "smart", "autoLaunchable": False}]
            _link_to_scale(card, assessment, settings, picture, locale)
        return
    keeper = current_app.extensions["bonemet_assessments"]
    try:
        token = keeper.keep(KeptAssessment(hook_request["context"]["patientId"], hook_request["context"].get("userId"),
                                           locale, result.facts.as_of.isoformat(),
                                           needed_by_the_page(resources, result.facts)))
    except StoreUnavailable as error:  # no link that would not open: the cards go without it
        log.warning("assessment page link not kept: cannot keep the assessment (%s); the cards go without it", error)
        for assessment, card in scored:
            _link_to_scale(card, assessment, settings, picture, locale)
        return
    for assessment, card in scored:
        # autoLaunchable (CDS Hooks 2.0, optional) said: strict clients (HealthChain's models) require it.
        card["links"] = [{"label": page(assessment), "url": f"{settings.base_url}/assessment/{token}?lang={locale}",
                          "type": "absolute", "autoLaunchable": False}]
        _link_to_scale(card, assessment, settings, picture, locale)


def _link_to_scale(card: dict, assessment, settings, picture: str, locale: str) -> None:
    if nothing_recorded(assessment):  # its card names the lesions with nothing recorded, each with its range
        return
    score = assessment.score
    card["detail"] += (f"\n\n[{picture}]({settings.base_url}/scale/{score.calculator}.svg?low={score.total_min}"
                       f"&high={score.total_max}&lang={locale})")


@blueprint.post("/cds-services/<service_id>/feedback")
def feedback(service_id: str):
    if service_id not in SERVICES:
        abort(404, f"no CDS service {service_id!r}")
    body = json_body("CDS Hooks feedback")
    try:
        items = FeedbackRequest().load(body)["feedback"]
    except ValidationError as error:
        raise bad_request("invalid feedback", fields=error.messages) from None
    store = current_app.extensions["bonemet_feedback"]
    try:
        store.check(service_id, items)
        stored, repeated = store.add(service_id, items)
    except FeedbackRefused as error:
        raise JsonError(422, "Unprocessable Entity", str(error)) from None
    except StoreUnavailable as error:
        raise JsonError(503, "Service Unavailable", str(error)) from None
    return jsonify(stored=stored, already_stored=repeated)
