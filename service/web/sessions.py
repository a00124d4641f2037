"""Assessments kept for a few minutes, so that a card's link can open the assessment page.

The link carries a short-lived signed token (itsdangerous, Flask's own signing library) that names
an assessment kept here; nothing about the patient is in the URL. The assessment holds what the
page needs to recompute the scores: the patient's resources as the CDS Hooks request gave them, the
user, the language and the assessment date. It is kept in the SQLite file the service already has,
so every gunicorn worker can open a link another one issued, and is deleted once expired.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..i18n import said

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept_assessment (id TEXT PRIMARY KEY, expires REAL NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS smart_launch (state TEXT PRIMARY KEY, expires REAL NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL);
"""


class LinkExpired(Exception):
    """The token is past its time, or its assessment is gone."""


class LinkInvalid(Exception):
    """The token was not issued by this service (or was altered)."""


class LaunchElsewhere(Exception):
    """A SMART callback in a browser that did not start its launch (its cookie is not the launch's)."""


class KeeperUnavailable(Exception):
    """The kept assessments cannot be read now (the database)."""


@dataclass(frozen=True)
class KeptAssessment:
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
    def __init__(self, path: str, minutes: float, secret: str = "") -> None:
        self.path = path
        self.seconds = minutes * 60
        # ":memory:" (tests, one process) is one database only as long as one connection holds it.
        self._memory = sqlite3.connect(path, check_same_thread=False) if path == ":memory:" else None
        connection = self._connect()
        try:
            with connection:
                connection.executescript(_SCHEMA)
                if not secret:  # one key for every worker of the deployment, kept beside the assessments
                    connection.execute("INSERT OR IGNORE INTO signing_key VALUES (1, ?)",
                                       (secrets.token_urlsafe(32),))
                    secret = connection.execute("SELECT key FROM signing_key").fetchone()[0]
        finally:
            self._close(connection)
        self._signer = URLSafeTimedSerializer(secret, salt="bonemet-assessment-link")

    def _connect(self) -> sqlite3.Connection:
        if self._memory is not None:
            return self._memory
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute("PRAGMA synchronous=NORMAL")  # minutes-long data: no fsync per page view
        return connection

    def _close(self, connection: sqlite3.Connection) -> None:
        if connection is not self._memory:
            connection.close()

    def keep(self, kept: KeptAssessment) -> str:
        """Keep an assessment; returns the token that names it."""
        token, store = self.prepare(kept)
        store()
        return token

    def prepare(self, kept: KeptAssessment) -> tuple[str, Callable[[], None]]:
        """The token now, and the write to do once the answer is on its way (patient-view does not wait
        for it: a link is followed seconds later at the earliest)."""
        key = secrets.token_urlsafe(16)

        def store() -> None:
            now = time.time()
            body = json.dumps(kept.__dict__, separators=(",", ":"))
            connection = self._connect()
            try:
                with connection:
                    connection.execute("INSERT INTO kept_assessment VALUES (?, ?, ?)",
                                       (key, now + self.seconds, body))
                    connection.execute("DELETE FROM kept_assessment WHERE expires < ?", (now,))
            finally:
                self._close(connection)
        return self._signer.dumps(key), store

    def remember_launch(self, state: str, launch: dict[str, Any]) -> None:
        """A SMART launch waiting for its authorization code (the PKCE verifier, the server, ...)."""
        now = time.time()
        connection = self._connect()
        try:
            with connection:
                connection.execute("INSERT INTO smart_launch VALUES (?, ?, ?)", (state, now + 600, json.dumps(launch)))
                connection.execute("DELETE FROM smart_launch WHERE expires < ?", (now,))
        finally:
            self._close(connection)

    def take_launch(self, state: str, browser: str) -> dict[str, Any] | None:
        """The launch of this ``state``, once (a replayed callback finds nothing), when ``browser`` (the hash
        of the launch cookie's secret) is the one the launch kept; ``LaunchElsewhere`` otherwise, and the
        launch stays for the browser that started it."""
        connection = self._connect()
        try:
            with connection:
                row = connection.execute("SELECT body FROM smart_launch WHERE state = ? AND expires >= ?",
                                         (state, time.time())).fetchone()
                launch = json.loads(row[0]) if row else None
                if launch is not None and not hmac.compare_digest(str(launch.get("browser", "")), browser):
                    raise LaunchElsewhere(state)
                connection.execute("DELETE FROM smart_launch WHERE state = ?", (state,))
        finally:
            self._close(connection)
        return launch

    def open(self, token: str) -> KeptAssessment:
        try:
            key = self._signer.loads(token, max_age=int(self.seconds))
        except SignatureExpired:
            raise LinkExpired(said("this link has expired")) from None
        except BadSignature:
            raise LinkInvalid(said("this link was not issued by this service")) from None
        try:
            connection = self._connect()
            try:
                row = connection.execute("SELECT body FROM kept_assessment WHERE id = ? AND expires >= ?",
                                         (key, time.time())).fetchone()
            finally:
                self._close(connection)
        except sqlite3.Error as error:
            raise KeeperUnavailable(said("the kept assessments cannot be read now ({error})",
                                         error=str(error))) from None
        if row is None:
            raise LinkExpired(said("this assessment is no longer kept"))
        return KeptAssessment(**json.loads(row[0]))
