"""CDS Hooks 2.0 endpoints: discovery, the services, feedback.

The service gathers the patient's data from prefetch, or from the EHR's FHIR
server when a prefetch key is missing or null, runs the pipeline, and answers
with cards. It knows nothing of the scoring tables.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, jsonify, request

from ..facts.terminology import LOINC, OWN_SYSTEM
from ..fhir.client import FetchError, FhirClient
from ..fhir.shape import InvalidResource, bundle_resources, check_shape
from ..pipeline import assess_patient, review_orders
from ..render.cards import cards_for
from ..render.order_cards import order_card
from .errors import bad_request, precondition_failed
from .schemas import FeedbackRequest, HookRequest, ValidationError

log = logging.getLogger(__name__)
blueprint = Blueprint("cds_hooks", __name__)

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": f"Observation?patient={{{{context.patientId}}}}&code={OWN_SYSTEM}|,{LOINC}|72514-3",
}
SERVICES = {
    "bonemet-patient-view": {
        "hook": "patient-view",
        "title": "Bone metastases: Mirels and Rades",
        "description": "Mirels fracture risk for each long-bone metastasis and Rades ambulatory prognosis for each "
                       "spinal cord compression, from the patient's Conditions and Observations, with what is "
                       "missing and the range it leaves.",
        "prefetch": PREFETCH,
        "usageRequirements": "Needs Condition and Observation read access for the patient (prefetch or "
                             "fhirServer with patient/Condition.read and patient/Observation.read). Codes and "
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
                             "added there); an order names its target by reasonReference, reasonCode or bodySite.",
    },
}


@blueprint.get("/cds-services")
def discovery():
    return jsonify(services=[{"id": sid, **service} for sid, service in SERVICES.items()])


def _language() -> str:
    return request.accept_languages.best_match(["en", "fr"], default="en")


def _patient_resources(hook_request: dict, patient_id: str) -> list[dict]:
    """The prefetched resources, fetching from fhirServer what prefetch lacks."""
    prefetch = hook_request.get("prefetch") or {}
    client = None
    resources: list[dict] = []
    for key, template in PREFETCH.items():
        where = f"prefetch.{key}"
        value = prefetch.get(key)
        if value is None:
            if client is None:
                client = _client(hook_request, key)
            try:
                resources += client.read(template.replace("{{context.patientId}}", patient_id))
            except FetchError as error:
                raise precondition_failed(f"{where} was not sent and fetching it failed: {error}")
            continue
        try:
            resources += bundle_resources(value, where) if value.get("resourceType") == "Bundle" else [
                check_shape(value, where)]
        except InvalidResource as error:
            raise bad_request(str(error), field=error.where)
    mine = f"Patient/{patient_id}"
    return [r for r in resources if not isinstance(r.get("subject"), dict)
            or str(r["subject"].get("reference", mine)).endswith(mine)]


def _client(hook_request: dict, key: str) -> FhirClient:
    settings = current_app.config["BONEMET"]
    server = hook_request.get("fhirServer")
    if not server:
        raise precondition_failed(f"prefetch.{key} is missing and the request has no fhirServer to fetch it from")
    authorization = hook_request.get("fhirAuthorization") or {}
    try:
        return FhirClient(server, authorization.get("access_token"), allowed_hosts=settings.allowed_hosts,
                          timeout=(settings.fhir_connect_timeout, settings.fhir_read_timeout),
                          page_cap=settings.fhir_page_cap)
    except FetchError as error:
        raise precondition_failed(f"prefetch.{key} is missing and {error}")


@blueprint.post("/cds-services/<service_id>")
def call_service(service_id: str):
    service = SERVICES.get(service_id) or abort(404, f"no CDS service {service_id!r}; see GET /cds-services")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object (a CDS Hooks request)")
    try:
        hook_request = HookRequest(service["hook"]).load(body)
    except ValidationError as error:
        raise bad_request("invalid CDS Hooks request", fields=error.messages)
    draft_orders = hook_request["context"].get("draftOrders")
    if draft_orders is not None:
        try:
            bundle_resources(draft_orders, "context.draftOrders")
        except InvalidResource as error:
            raise bad_request(str(error), field=error.where)
    patient_id = hook_request["context"]["patientId"]
    resources = _patient_resources(hook_request, patient_id)
    settings = current_app.config["BONEMET"]
    result = assess_patient(resources, f"Patient/{patient_id}", when=datetime.now(timezone.utc),
                            locale=_language(), pain_score_bands=settings.pain_bands)
    if service["hook"] == "order-sign":
        # Only advice on what is being ordered: the scores themselves belong to patient-view.
        review = review_orders(result, draft_orders)
        return jsonify(cards=[order_card(assessment, finding) for assessment, finding in review.findings])
    cards = [card for assessment in result.assessments for card in cards_for(assessment)]
    return jsonify(cards=cards)


@blueprint.post("/cds-services/<service_id>/feedback")
def feedback(service_id: str):
    if service_id not in SERVICES:
        abort(404, f"no CDS service {service_id!r}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object with a feedback list")
    try:
        items = FeedbackRequest().load(body)["feedback"]
    except ValidationError as error:
        raise bad_request("invalid feedback", fields=error.messages)
    stored = current_app.extensions["bonemet_feedback"].add(service_id, items)
    return jsonify(stored=stored)
