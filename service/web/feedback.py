"""CDS Hooks feedback, kept in an embedded SQLite database across restarts.

Feedback is checked against the cards the service issued (remembered for
``BONEMET_FEEDBACK_WINDOW_HOURS``): a card it never issued, a suggestion that card did
not carry, or an accepted outcome without the accepted suggestions is refused with the
reason. The same feedback sent twice is stored once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id TEXT NOT NULL,
    card TEXT NOT NULL,
    outcome TEXT NOT NULL,
    accepted_suggestions TEXT,
    override_reason TEXT,
    outcome_timestamp TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS feedback_once ON feedback (service_id, card, outcome, outcome_timestamp,
    IFNULL(accepted_suggestions, ''), IFNULL(override_reason, ''));
CREATE TABLE IF NOT EXISTS issued_card (
    card TEXT PRIMARY KEY,
    service_id TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS issued_card_age ON issued_card (issued_at);
"""


class FeedbackRefused(ValueError):
    """Feedback that does not match a card the service issued; the message says which and why."""


class StoreUnavailable(Exception):
    """The SQLite file cannot be written; the message says why, safe to show."""


class FeedbackStore:
    def __init__(self, path: str, window_hours: float = 72.0) -> None:
        self.path = path
        self.window = int(window_hours * 3600)
        self._cards: tuple[int, sqlite3.Connection] | None = None  # (process id, its connection for issued cards)
        self._remembered = 0
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as connection, connection:
                self._create(connection)
        except (OSError, sqlite3.Error) as error:
            raise ValueError(f"BONEMET_FEEDBACK_DB {path!r} cannot be created or written: {error}") from None

    @staticmethod
    def _create(connection: sqlite3.Connection) -> None:
        # Write-ahead logging: readers never block the writer, and a commit is one append instead of a
        # journal rewrite (the JWT replay check writes on every authenticated request). It is a
        # property of the file, kept across restarts, shared by every worker and the replay table.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(_SCHEMA)

    def writable(self) -> str | None:
        """None when the file can be written now, else why not (the readiness probe asks)."""
        try:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")  # takes the write lock: fails on a read-only or lost file
                connection.execute("ROLLBACK")
            finally:
                connection.close()
        except sqlite3.Error as error:
            return f"the SQLite file {self.path} cannot be written: {error}"
        return None

    def _connect(self) -> sqlite3.Connection:
        # One short connection per call: safe across gunicorn workers and threads.
        return sqlite3.connect(self.path, timeout=10)

    def remember_cards(self, service_id: str, cards: list[dict]) -> None:
        """Remember the cards just issued (and their suggestions) so that feedback can be checked.
        synchronous=NORMAL: no fsync on this hot path; a crash may forget the last cards, whose
        feedback is then refused as unknown, never wrongly stored."""
        now = int(time.time())
        rows = [(card["uuid"], service_id, json.dumps([s["uuid"] for s in card.get("suggestions") or []]), now)
                for card in cards]
        if not rows:
            return
        try:
            connection = self._cards_connection()
            with connection:
                connection.executemany("INSERT OR REPLACE INTO issued_card VALUES (?, ?, ?, ?)", rows)
                self._remembered += 1
                if self._remembered % 500 == 1:  # old cards go now and then, not on every request
                    connection.execute("DELETE FROM issued_card WHERE issued_at < ?", (now - self.window,))
        except sqlite3.Error as error:  # the cards are still answered; their feedback will be refused as unknown
            log.error("cards could not be remembered for feedback: %r", str(error))

    def _cards_connection(self) -> sqlite3.Connection:
        """One connection per process (opened after gunicorn's fork, never shared across it): opening and
        closing one per request cost a WAL checkpoint each time."""
        if self._cards is None or self._cards[0] != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            connection.execute("PRAGMA synchronous=NORMAL")
            if self.path == ":memory:":
                self._create(connection)
            self._cards = (os.getpid(), connection)
        return self._cards[1]

    def check(self, service_id: str, items: list[dict]) -> None:
        """Raise ``FeedbackRefused`` naming the first item that does not match an issued card."""
        try:
            connection = self._cards_connection() if self.path == ":memory:" else self._connect()
            try:
                issued = {}
                for item in items:
                    row = connection.execute("SELECT suggestions FROM issued_card WHERE card = ? AND service_id = ? "
                                             "AND issued_at >= ?", (item["card"], service_id,
                                                                    int(time.time()) - self.window)).fetchone()
                    issued[item["card"]] = json.loads(row[0]) if row else None
            finally:
                if connection is not self._cards_connection():
                    connection.close()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the feedback could not be checked ({error}); send it again later") from None
        for index, item in enumerate(items):
            where = f"feedback[{index}]"
            suggestions = issued[item["card"]]
            if suggestions is None:
                raise FeedbackRefused(f"{where}.card {item['card']} is not a card this service ({service_id}) issued "
                                      f"in the last {self.window // 3600} hours")
            accepted = [s["id"] for s in item.get("acceptedSuggestions") or []]
            if item["outcome"] == "accepted" and not accepted:
                raise FeedbackRefused(f"{where}: an accepted outcome needs acceptedSuggestions (CDS Hooks)")
            unknown = [s for s in accepted if s not in suggestions]
            if unknown:
                raise FeedbackRefused(f"{where}.acceptedSuggestions: {', '.join(unknown)} is not a suggestion of "
                                      f"card {item['card']}")

    def add(self, service_id: str, items: list[dict]) -> tuple[int, int]:
        """Store the feedback; (stored, already stored before)."""
        received = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [(service_id, item["card"], item["outcome"],
                 json.dumps(item.get("acceptedSuggestions")) if item.get("acceptedSuggestions") else None,
                 json.dumps(item.get("overrideReason")) if item.get("overrideReason") else None,
                 item["outcomeTimestamp"].isoformat(), received) for item in items]
        stored = 0
        try:
            with closing(self._connect()) as connection, connection:  # closed, not only committed
                for row in rows:
                    stored += connection.execute(
                        "INSERT OR IGNORE INTO feedback (service_id, card, outcome, accepted_suggestions, "
                        "override_reason, outcome_timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", row).rowcount
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the feedback could not be stored ({error}); send it again later") from None
        return stored, len(rows) - stored

    def all(self) -> list[dict]:
        with closing(self._connect()) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute("SELECT * FROM feedback ORDER BY id")]
