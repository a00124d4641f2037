"""SMART App Launch (EHR launch, authorization code with PKCE) for the assessment page.

When the deployment sets ``BONEMET_SMART_CLIENT_ID``, the cards link to ``/smart/launch`` as a SMART
app (link type ``smart``). The EHR opens it with ``iss`` (its FHIR server) and ``launch``; the
service reads the server's ``.well-known/smart-configuration``, sends the browser to the
authorization endpoint (Authlib builds the request and the PKCE S256 challenge), and on the way back
exchanges the code for a token, reads the patient's Conditions and Observations with it, keeps the
assessment, and opens the page. From there "Save to the record" writes the answers and results back
in one transaction.

Only servers on ``BONEMET_FHIR_ALLOWED_HOSTS`` are ever contacted, as for prefetch.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, abort, current_app, redirect, request, url_for

from ..fhir.client import FetchError, FhirClient, host_of
from .sessions import KeptAssessment

blueprint = Blueprint("smart", __name__)

# SMART v1 scopes, the ones EHRs grant most widely; reading what the mapper reads, writing what the page makes.
SCOPES = ("launch openid fhirUser patient/Patient.read patient/Condition.read patient/Observation.read "
          "patient/QuestionnaireResponse.write patient/Observation.write patient/RiskAssessment.write "
          "patient/CarePlan.write")


def launch_url() -> str:
    return f"{current_app.config['BONEMET'].base_url}/smart/launch"


def _client(fhir_base: str, token: str | None) -> FhirClient:
    settings = current_app.config["BONEMET"]
    try:
        return FhirClient(fhir_base, token, allowed_hosts=settings.allowed_hosts,
                          timeout=(settings.fhir_connect_timeout, settings.fhir_read_timeout),
                          page_cap=settings.fhir_page_cap, deadline_seconds=settings.fhir_fetch_deadline,
                          max_answer_bytes=settings.fhir_max_answer_bytes,
                          max_total_bytes=settings.fhir_max_fetch_bytes)
    except FetchError as error:
        abort(400, str(error))


def _session(**kwargs) -> OAuth2Session:
    settings = current_app.config["BONEMET"]
    # A public client (a browser-facing app with no secret): PKCE protects the code exchange.
    return OAuth2Session(settings.smart_client_id, redirect_uri=f"{settings.base_url}/smart/callback",
                         scope=SCOPES, code_challenge_method="S256", token_endpoint_auth_method="none", **kwargs)


@blueprint.get("/smart/launch")
def launch():
    settings = current_app.config["BONEMET"]
    if not settings.smart_client_id:
        abort(404, "SMART App Launch is not configured here (BONEMET_SMART_CLIENT_ID)")
    iss, launch_id = request.args.get("iss", ""), request.args.get("launch", "")
    if not iss or not launch_id:
        abort(400, "an EHR launch gives iss and launch")
    client = _client(iss, None)  # refuses a server off the allow-list
    try:
        configuration = client.get_json(".well-known/smart-configuration")
        authorize, token = configuration["authorization_endpoint"], configuration["token_endpoint"]
    except (FetchError, KeyError, TypeError) as error:
        abort(502, f"the EHR's SMART configuration cannot be read: {error}")
    for endpoint in (authorize, token):
        if host_of(endpoint) not in settings.allowed_hosts:
            abort(502, f"the EHR's SMART endpoint host {host_of(endpoint)!r} is not on the allow-list")
    verifier = generate_token(64)
    uri, state = _session().create_authorization_url(authorize, state=secrets.token_urlsafe(16),
                                                     code_verifier=verifier, aud=iss, launch=launch_id)
    current_app.extensions["bonemet_assessments"].remember_launch(state, {
        "iss": iss, "token_endpoint": token, "verifier": verifier,
        "lang": request.args.get("lang") or request.accept_languages.best_match(("en", "fr")) or "en"})
    return redirect(uri, code=302)


@blueprint.get("/smart/callback")
def callback():
    keeper = current_app.extensions["bonemet_assessments"]
    if "error" in request.args:
        abort(403, f"the EHR refused the authorization: {request.args.get('error')[:80]}")
    pending = keeper.take_launch(request.args.get("state", ""))
    if pending is None:
        abort(400, "unknown or already used launch state")
    try:
        token = _session(state=request.args["state"]).fetch_token(
            pending["token_endpoint"], authorization_response=request.url, code_verifier=pending["verifier"],
            timeout=current_app.config["BONEMET"].fhir_read_timeout)
    except (requests.RequestException, ValueError, KeyError) as error:
        abort(502, f"the EHR's token endpoint gave no token: {str(error)[:200]}")
    patient = token.get("patient")
    if not isinstance(patient, str) or not patient:
        abort(502, "the EHR's token names no patient (launch context)")
    client = _client(pending["iss"], token["access_token"])
    try:
        resources = client.read(f"Patient/{patient}")
        resources += client.read(f"Condition?patient={patient}")
        resources += client.read(f"Observation?patient={patient}")
    except FetchError as error:
        abort(502, str(error))
    kept = KeptAssessment(patient, token.get("fhirUser") or None, pending["lang"],
                          datetime.now(UTC).date().isoformat(), resources,
                          fhir_base=pending["iss"], access_token=token["access_token"])
    link = keeper.keep(kept)
    return redirect(url_for("pages.assessment_page", token=link) + "?" + urlencode({"lang": pending["lang"]}),
                    code=303)


def write_back(kept: KeptAssessment, bundle: dict) -> dict:
    """POST the transaction to the EHR the assessment was launched from; its transaction-response."""
    return _client(kept.fhir_base or "", kept.access_token).transaction(bundle)
