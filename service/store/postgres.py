"""PostgreSQL (psycopg 3): one database that every instance behind one address shares."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .base import Cursor, Migrations, Store, StoreUnavailable

MIGRATIONS: Migrations = [
    (1, [
        "CREATE TABLE seen_jti (iss TEXT, jti TEXT, exp BIGINT, PRIMARY KEY (iss, jti))",
        """CREATE TABLE feedback (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, service_id TEXT NOT NULL,
            card TEXT NOT NULL, outcome TEXT NOT NULL, accepted_suggestions TEXT, override_reason TEXT,
            outcome_timestamp TEXT NOT NULL, received_at TEXT NOT NULL)""",
        """CREATE UNIQUE INDEX feedback_once ON feedback (service_id, card, outcome, outcome_timestamp,
            COALESCE(accepted_suggestions, ''), COALESCE(override_reason, ''))""",
        """CREATE TABLE issued_card (card TEXT PRIMARY KEY, service_id TEXT NOT NULL, suggestions TEXT NOT NULL,
            issued_at BIGINT NOT NULL)""",
        "CREATE INDEX issued_card_age ON issued_card (issued_at)",
        "CREATE TABLE kept_assessment (id TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL, body BYTEA NOT NULL)",
        "CREATE TABLE smart_launch (state TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL, body TEXT NOT NULL)",
        "CREATE TABLE signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL)",
    ]),
    (2, [  # as SQLite's version 2: expired rows deleted by index; the readiness probe's row
        "CREATE INDEX seen_jti_exp ON seen_jti (exp)",
        "CREATE INDEX kept_assessment_expires ON kept_assessment (expires)",
        "CREATE INDEX smart_launch_expires ON smart_launch (expires)",
        "CREATE TABLE ready_probe (id INTEGER PRIMARY KEY, at DOUBLE PRECISION NOT NULL)",
    ]),
]
MIGRATION_LOCK = 0x626F6E656D6574  # pg_advisory_xact_lock key: "bonemet"


class _Cursor:
    """psycopg's cursor, with the SQL written for both databases (``?`` placeholders)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    @property
    def description(self) -> Any:
        return self._cursor.description

    def execute(self, sql: str, params: Any = ()) -> _Cursor:
        self._cursor.execute(sql.replace("?", "%s"), params)
        return self

    def executemany(self, sql: str, params: Any) -> _Cursor:
        self._cursor.executemany(sql.replace("?", "%s"), params)
        return self

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.name = "the PostgreSQL database"
        self._local = threading.local()  # one connection per thread, opened after gunicorn's fork

    def _connect(self) -> Any:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid() and not held[1].closed:
            return held[1]
        # connect_timeout: a server that is down fails the request (and readiness) in seconds, not minutes.
        connection = self._psycopg.connect(self.url, connect_timeout=3, application_name="bonemet-cds",
                                             autocommit=True)
        self._local.held = (os.getpid(), connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        psycopg = self._psycopg
        try:
            connection = self._connect()
            with connection.transaction(), connection.cursor() as cursor:
                yield _Cursor(cursor)
        except psycopg.Error as error:
            # A broken connection is dropped: the next call connects again, so the service recovers on its own.
            held = getattr(self._local, "held", None)
            if held is not None and (held[1].closed or held[1].broken):
                self._local.held = None
            raise StoreUnavailable(f"{self.name} cannot be written: {_first_line(error)}") from None

    def migrate(self) -> None:
        try:
            with self.transaction() as db:
                db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))  # one instance migrates at a time
                self._apply(db, MIGRATIONS)
        except StoreUnavailable as error:
            raise ValueError(f"BONEMET_DATABASE_URL: {error}") from None

    def close(self) -> None:
        held = getattr(self._local, "held", None)
        if held is not None:
            held[1].close()
        self._local.held = None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
