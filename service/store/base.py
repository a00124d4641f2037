"""The store's interface and the queries both databases share (SQL that SQLite and PostgreSQL both read)."""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

# Each version's statements, per database; applied once, in order, under a lock (``Store.migrate``).
# Version 1 is the schema the service had in its single SQLite file (an existing file is adopted as it is).
Migrations = Sequence[tuple[int, Sequence[str]]]


class StoreUnavailable(Exception):
    """The store cannot be read or written now; the message says why and is safe to show."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    @property
    def description(self) -> Any: ...

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Any) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Store(ABC):
    """Every read and write of the service's state. Methods raise ``StoreUnavailable`` when the database
    cannot be reached or written; they never leave a transaction half done."""

    name: str  # what the operator calls it, in messages ("the SQLite file x", "the PostgreSQL database")

    def __init__(self) -> None:
        self._cards_remembered = 0

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Cursor]:
        """A cursor in one write transaction, committed on leaving (rolled back on an exception)."""

    @abstractmethod
    def migrate(self) -> None:
        """Bring the schema to the latest version; safe when several instances start at once.
        Raises ``ValueError`` (one line for the operator) when the database cannot be created or written."""

    def close(self) -> None:  # noqa: B027 - a store without connections to close does nothing
        """Close this process's connections (tests, benchmarks)."""

    def _apply(self, db: Cursor, migrations: Migrations) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        for version, statements in migrations:
            if version > current:
                for statement in statements:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        with self.transaction() as db:
            return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def writable(self) -> str | None:
        """None when a write commits now, else why not (the readiness probe). The write is real: a disk
        that is full, a file that is read-only or gone, a server that is down all fail it."""
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO ready_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = "
                           "excluded.at", (time.time(),))
        except StoreUnavailable as error:
            return str(error)
        return None

    # The JWT ids already seen (replay).
    def remember_token(self, issuer: str, jti: str, exp: int, now: float) -> bool:
        """Record a token's jti; False when it was recorded before (a replay)."""
        with self.transaction() as db:
            db.execute("DELETE FROM seen_jti WHERE exp < ?", (int(now) - 60,))  # on the index of exp
            return db.execute("INSERT INTO seen_jti (iss, jti, exp) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                              (issuer, jti, exp)).rowcount == 1

    # Issued cards, and the feedback on them.
    def remember_cards(self, rows: list[tuple[str, str, str, int]], forget_before: int) -> None:
        """(card, service id, its suggestions as JSON, issued at); cards issued before ``forget_before`` go
        now and then, not on every call."""
        with self.transaction() as db:
            db.executemany("INSERT INTO issued_card (card, service_id, suggestions, issued_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (card) DO UPDATE SET service_id = excluded.service_id, "
                           "suggestions = excluded.suggestions, issued_at = excluded.issued_at", rows)
            self._cards_remembered += 1
            if self._cards_remembered % 500 == 1:
                db.execute("DELETE FROM issued_card WHERE issued_at < ?", (forget_before,))

    def issued_suggestions(self, service_id: str, cards: list[str], since: int) -> dict[str, str | None]:
        """Card -> its suggestions (JSON) when this service issued it since ``since``, else None."""
        with self.transaction() as db:
            found = {}
            for card in cards:
                row = db.execute("SELECT suggestions FROM issued_card WHERE card = ? AND service_id = ? AND "
                                 "issued_at >= ?", (card, service_id, since)).fetchone()
                found[card] = row[0] if row else None
            return found

    def add_feedback(self, rows: list[tuple]) -> int:
        """(service id, card, outcome, accepted suggestions, override reason, outcome timestamp, received at);
        how many were stored (the others were stored before)."""
        stored = 0
        with self.transaction() as db:
            for row in rows:
                stored += db.execute("INSERT INTO feedback (service_id, card, outcome, accepted_suggestions, "
                                     "override_reason, outcome_timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                     "ON CONFLICT DO NOTHING", row).rowcount
        return stored

    def all_feedback(self) -> list[dict[str, Any]]:
        with self.transaction() as db:
            db.execute("SELECT * FROM feedback ORDER BY id")
            names = [column[0] for column in db.description]
            return [dict(zip(names, row, strict=True)) for row in db.fetchall()]

    # Assessments that card links open, minutes long.
    def keep_assessment(self, key: str, expires: float, body: bytes, now: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO kept_assessment (id, expires, body) VALUES (?, ?, ?)", (key, expires, body))
            db.execute("DELETE FROM kept_assessment WHERE expires < ?", (now,))  # on the index of expires

    def kept_assessment(self, key: str, now: float) -> bytes | None:
        with self.transaction() as db:
            row = db.execute("SELECT body FROM kept_assessment WHERE id = ? AND expires >= ?", (key, now)).fetchone()
        return bytes(row[0]) if row else None

    # SMART launches waiting for their authorization code.
    def remember_launch(self, state: str, expires: float, body: str, now: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO smart_launch (state, expires, body) VALUES (?, ?, ?)", (state, expires, body))
            db.execute("DELETE FROM smart_launch WHERE expires < ?", (now,))

    def take_launch(self, state: str, now: float, check: Callable[[str], None]) -> str | None:
        """The launch's body, taken once (a second taker finds nothing); ``check(body)`` may raise, and the
        launch then stays. None when there is none (or it expired, or another request took it first)."""
        with self.transaction() as db:
            row = db.execute("SELECT body FROM smart_launch WHERE state = ? AND expires >= ?", (state, now)).fetchone()
            if row is None:
                return None
            check(row[0])
            taken = db.execute("DELETE FROM smart_launch WHERE state = ?", (state,)).rowcount
        return row[0] if taken == 1 else None

    def link_secret(self) -> str:
        """The key that signs assessment links: made by the first instance, the same for every one after."""
        with self.transaction() as db:
            db.execute("INSERT INTO signing_key (id, key) VALUES (1, ?) ON CONFLICT DO NOTHING",
                       (secrets.token_urlsafe(32),))
            return str(db.execute("SELECT key FROM signing_key WHERE id = 1").fetchone()[0])
