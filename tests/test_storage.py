"""The feedback and JWT-replay store: one SQLite file in write-ahead-log mode."""

import sqlite3

from service.web.feedback import FeedbackStore


def test_the_store_is_in_wal_mode_and_stays_so(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(str(path))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
