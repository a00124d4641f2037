"""CDS Hooks feedback, kept in an embedded SQLite database across restarts."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

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
)
"""


class StoreUnavailable(Exception):
    """The SQLite file cannot be written; the message says why, safe to show."""


class FeedbackStore:
    def __init__(self, path: str) -> None:
        self.path = path
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as connection:
                self._create(connection)
        except (OSError, sqlite3.Error) as error:
            raise ValueError(f"BONEMET_FEEDBACK_DB {path!r} cannot be created or written: {error}") from None

    @staticmethod
    def _create(connection: sqlite3.Connection) -> None:
        # Write-ahead logging: readers never block the writer, and a commit is one append instead of a
        # journal rewrite (the JWT replay check writes on every authenticated request). It is a
        # property of the file, kept across restarts, shared by every worker and the replay table.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)

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

    def add(self, service_id: str, items: list[dict]) -> int:
        received = datetime.now(timezone.utc).isoformat(timespec="seconds")
        rows = [(service_id, item["card"], item["outcome"],
                 json.dumps(item.get("acceptedSuggestions")) if item.get("acceptedSuggestions") else None,
                 json.dumps(item.get("overrideReason")) if item.get("overrideReason") else None,
                 item["outcomeTimestamp"].isoformat(), received) for item in items]
        try:
            with self._connect() as connection:
                connection.executemany(
                    "INSERT INTO feedback (service_id, card, outcome, accepted_suggestions, override_reason, "
                    "outcome_timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the feedback could not be stored ({error}); send it again later") from None
        return len(rows)

    def all(self) -> list[dict]:
        with self._connect() as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute("SELECT * FROM feedback ORDER BY id")]
