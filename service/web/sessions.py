"""Assessments kept for a few minutes, so that a card's link can open the assessment page.

The link carries a short-lived signed token (itsdangerous, Flask's own signing library) that names
an assessment kept here; nothing about the patient is in the URL. The assessment holds what the
page needs to recompute the scores: the patient's resources that the scores used or named (as the CDS
Hooks request gave them), the user, the language and the assessment date, compressed. It is kept in the
service's store (``service.store``), so every worker and every instance can open a link another one
issued, and is deleted once expired.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
import zlib
from typing import Any

import msgspec
import orjson
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from msgspec.structs import asdict

from ..i18n import said
from ..store import Store, StoreUnavailable


class LinkExpired(Exception):
    """The token is past its time, or its assessment is gone."""


class LinkInvalid(Exception):
    """The token was not issued by this service (or was altered)."""


class LaunchElsewhere(Exception):
    """A SMART callback in a browser that did not start its launch (its cookie is not the launch's)."""


class KeeperUnavailable(Exception):
    """The kept assessments cannot be read now (the database)."""


class KeptAssessment(msgspec.Struct, frozen=True):
    patient_id: str
    user: str | None
    locale: str
    as_of: str
    resources: list[dict[str, Any]]
    # Opened by a SMART launch: the EHR's FHIR server and the access token to write the results back
    # (kept as long as the assessment, minutes, in the service's own database).
    fhir_base: str | None = None
    access_token: str | None = None


class AssessmentKeeper:
    def __init__(self, store: Store, minutes: float, secret: str = "") -> None:
        self.store = store
        self.seconds = minutes * 60
        # One key for every worker and instance of the deployment, kept beside the assessments.
        self._signer = URLSafeTimedSerializer(secret or store.link_secret(), salt="bonemet-assessment-link")

    def keep(self, kept: KeptAssessment) -> str:
        """Keep an assessment (committed when this returns: a link is followed at once, by any worker or
        instance); returns the token that names it. Raises ``StoreUnavailable``."""
        key = secrets.token_urlsafe(16)
        now = time.time()
        # zlib: FHIR JSON repeats its system URLs and keys; level 6 gives most of the gain at little CPU.
        try:
            body = orjson.dumps(asdict(kept))
        except TypeError:  # nesting deeper than orjson follows (the request's own JSON may be): the slow way
            body = json.dumps(asdict(kept), separators=(",", ":")).encode()
        self.store.keep_assessment(key, now + self.seconds, zlib.compress(body, 6), now)
        return self._signer.dumps(key)

    def remember_launch(self, state: str, launch: dict[str, Any]) -> None:
        """A SMART launch waiting for its authorization code (the PKCE verifier, the server, ...)."""
        now = time.time()
        self.store.remember_launch(state, now + 600, json.dumps(launch), now)

    def take_launch(self, state: str, browser: str) -> dict[str, Any] | None:
        """The launch of this ``state``, once (a replayed callback finds nothing), when ``browser`` (the hash
        of the launch cookie's secret) is the one the launch kept; ``LaunchElsewhere`` otherwise, and the
        launch stays for the browser that started it."""

        def same_browser(body: str) -> None:
            if not hmac.compare_digest(str(json.loads(body).get("browser", "")), browser):
                raise LaunchElsewhere(state)

        body = self.store.take_launch(state, time.time(), same_browser)
        return json.loads(body) if body is not None else None

    def open(self, token: str) -> KeptAssessment:
        try:
            key = self._signer.loads(token, max_age=int(self.seconds))
        except SignatureExpired:
            raise LinkExpired(said("this link has expired")) from None
        except BadSignature:
            raise LinkInvalid(said("this link was not issued by this service")) from None
        try:
            body = self.store.kept_assessment(key, time.time())
        except StoreUnavailable as error:
            raise KeeperUnavailable(said("the kept assessments cannot be read now ({error})",
                                         error=str(error))) from None
        if body is None:
            raise LinkExpired(said("this assessment is no longer kept"))
        text = zlib.decompress(body)
        try:
            return KeptAssessment(**orjson.loads(text))
        except orjson.JSONDecodeError:  # deeper than orjson reads
            return KeptAssessment(**json.loads(text))
