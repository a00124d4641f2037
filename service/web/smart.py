"""SMART App Launch (EHR launch, authorization code with PKCE) for the assessment page.

When the deployment sets ``BONEMET_SMART_CLIENT_ID``, the cards link to ``/smart/launch`` as a SMART
app (link type ``smart``). The EHR opens it with ``iss`` (its FHIR server) and ``launch``; the
service reads the server's ``.well-known/smart-configuration``, sends the browser to the
authorization endpoint (Authlib builds the request and the PKCE S256 challenge), and on the way back
exchanges the code for a token, reads the patient's Conditions and Observations with it, keeps the
assessment, and opens the page. From there "Save to the record" writes the answers and results back
in one transaction.

Only servers on ``BONEMET_FHIR_ALLOWED_HOSTS`` are ever contacted, as for prefetch.

The ``state`` is bound to the browser that started the launch (RFC 6749 §10.12, login CSRF): the launch
sets a cookie (HttpOnly, Secure when the public URL is https, SameSite=Lax so that the EHR's redirect
back carries it, path ``/smart/callback``) whose name carries the state and whose value is a secret the
launch keeps only the hash of; a callback without that cookie, or with another value, is refused and
its code never exchanged. Every step that fails is an HTML page that says why, in the launch's
language (never a 500); the ids the token gives (``patient``, ``encounter``) are checked against
FHIR's id grammar before any URL is built with them.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import NoReturn
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from ..fhir.client import FetchError, FhirClient, host_of
from ..fhir.ids import is_fhir_id, shown
from ..i18n import Said, negotiate, said, translate, typeset_html
from .page_words import WORDS
from .screen_policy import page_locale, secure
from .sessions import KeptAssessment, LaunchElsewhere

blueprint = Blueprint("smart", __name__)
# The error pages are HTML: the screens' CSP and headers; and no-store (the redirects carry a launch's state
# or a link's token).
blueprint.after_request(secure)

# SMART v1 scopes, the ones EHRs grant most widely; reading what the mapper reads, writing what the page makes.
SCOPES = ("launch openid fhirUser patient/Patient.read patient/Condition.read patient/Observation.read "
          "patient/QuestionnaireResponse.write patient/Observation.write patient/RiskAssessment.write "
          "patient/CarePlan.write")
CALLBACK = "/smart/callback"
LAUNCH_SECONDS = 600  # as long as the launch is kept (sessions.remember_launch)


def launch_url() -> str:
    return f"{current_app.config['BONEMET'].base_url}/smart/launch"


def _refuse(status: int, reason: str, locale: str | None = None) -> NoReturn:
    """Stop here with a page that says why (the browser is the client: not JSON)."""
    locale = locale or page_locale()
    page = typeset_html(render_template("smart_error.html", words=WORDS[locale], locale=locale,
                                        reason=translate(reason, locale)), locale)
    abort(Response(page, status=status, mimetype="text/html"))


def _cookie(state: str) -> str:
    return f"bonemet-smart-{state}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _client(fhir_base: str, token: str | None, locale: str | None = None) -> FhirClient:
    settings = current_app.config["BONEMET"]
    try:
        return FhirClient(fhir_base, token, allowed_hosts=settings.allowed_hosts,
                          timeout=(settings.fhir_connect_timeout, settings.fhir_read_timeout),
                          page_cap=settings.fhir_page_cap, deadline_seconds=settings.fhir_fetch_deadline,
                          max_answer_bytes=settings.fhir_max_answer_bytes,
                          max_total_bytes=settings.fhir_max_fetch_bytes)
    except FetchError as error:
        _refuse(400, str(error), locale)


def _session(**kwargs) -> OAuth2Session:
    settings = current_app.config["BONEMET"]
    # A public client (a browser-facing app with no secret): PKCE protects the code exchange.
    return OAuth2Session(settings.smart_client_id, redirect_uri=f"{settings.base_url}{CALLBACK}",
                         scope=SCOPES, code_challenge_method="S256", token_endpoint_auth_method="none", **kwargs)


@blueprint.get("/smart/launch")
def launch():
    settings = current_app.config["BONEMET"]
    if not settings.smart_client_id:
        abort(404, "SMART App Launch is not configured here (BONEMET_SMART_CLIENT_ID)")
    iss, launch_id = request.args.get("iss", ""), request.args.get("launch", "")
    if not iss or not launch_id:
        _refuse(400, said("an EHR launch gives iss and launch"))
    client = _client(iss, None)  # refuses a server off the allow-list
    try:
        configuration = client.get_json(".well-known/smart-configuration")
        authorize, token = configuration["authorization_endpoint"], configuration["token_endpoint"]
        if not isinstance(authorize, str) or not isinstance(token, str):
            raise TypeError("its endpoints are not URLs")
    except (FetchError, KeyError, TypeError) as error:
        _refuse(502, said("the EHR's SMART configuration cannot be read: {error}", error=str(error)[:200]))
    for endpoint in (authorize, token):
        if host_of(endpoint) not in settings.allowed_hosts:
            _refuse(502, said("the EHR's SMART endpoint host {host} is not on the allow-list",
                              host=shown(host_of(endpoint))))
    verifier = generate_token(64)
    uri, state = _session().create_authorization_url(authorize, state=secrets.token_urlsafe(16),
                                                     code_verifier=verifier, aud=iss, launch=launch_id)
    browser = secrets.token_urlsafe(32)  # the browser's proof: only its hash is kept
    current_app.extensions["bonemet_assessments"].remember_launch(state, {
        "iss": iss, "token_endpoint": token, "verifier": verifier, "browser": _hash(browser),
        "lang": page_locale()})
    response = redirect(uri, code=302)
    response.set_cookie(_cookie(state), browser, max_age=LAUNCH_SECONDS, path=CALLBACK, httponly=True,
                        secure=settings.base_url.startswith("https://"), samesite="Lax")
    return response


@blueprint.get(CALLBACK)
def callback():
    keeper = current_app.extensions["bonemet_assessments"]
    if "error" in request.args:
        _refuse(403, said("the EHR refused the authorization: {error}", error=shown(request.args["error"])))
    state = request.args.get("state", "")
    if not state:
        _refuse(400, said("the EHR's answer names no launch (no state)"))
    browser = request.cookies.get(_cookie(state))
    if not browser:
        _refuse(403, _ELSEWHERE)
    try:
        pending = keeper.take_launch(state, _hash(browser))
    except LaunchElsewhere:
        _refuse(403, _ELSEWHERE)
    if pending is None:
        _refuse(400, said("this launch is unknown, expired or already used: launch again from the EHR"))
    locale = negotiate(pending.get("lang"))
    try:
        token = _session(state=state).fetch_token(
            pending["token_endpoint"], authorization_response=request.url, code_verifier=pending["verifier"],
            timeout=current_app.config["BONEMET"].fhir_read_timeout)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError, TypeError, AttributeError) as error:
        _refuse(502, said("the EHR's token endpoint gave no token: {error}", error=str(error)[:200]), locale)
    access_token, patient = token.get("access_token"), token.get("patient")
    if not isinstance(access_token, str) or not access_token:
        _refuse(502, said("the EHR's token answer has no access token"), locale)
    if not isinstance(patient, str) or not patient:
        _refuse(502, said("the EHR's token names no patient (launch context)"), locale)
    for name in ("patient", "encounter"):
        if name in token and not is_fhir_id(token[name]):
            _refuse(502, said("the EHR's token gives {name} {value}, which is not a FHIR id: nothing was read "
                              "from the EHR", name=name, value=shown(token[name])), locale)
    client = _client(pending["iss"], access_token, locale)
    try:
        resources = client.read(f"Patient/{patient}")
        resources += client.read(f"Condition?patient={patient}")
        resources += client.read(f"Observation?patient={patient}")
    except FetchError as error:
        _refuse(502, str(error), locale)
    user = token.get("fhirUser")
    kept = KeptAssessment(patient, user if isinstance(user, str) and user else None, locale,
                          current_app.config["BONEMET"].now().date().isoformat(), resources,
                          fhir_base=pending["iss"], access_token=access_token)
    link = keeper.keep(kept)
    # The cookie is left to expire (minutes): a replay of this callback in this browser is then told the
    # launch is already used, rather than that the browser is another one.
    return redirect(url_for("pages.assessment_page", token=link) + "?" + urlencode({"lang": locale}), code=303)


_ELSEWHERE: Said = said("this sign-in was started in another browser (this one holds no launch cookie for it): "
                        "it is not completed here, as the EHR's answer may come from someone else's launch")


def write_back(kept: KeptAssessment, bundle: dict) -> dict:
    """POST the transaction to the EHR the assessment was launched from; its transaction-response."""
    return _client(kept.fhir_base or "", kept.access_token).transaction(bundle)
