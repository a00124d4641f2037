"""The embedded default: one SQLite file in write-ahead-log mode, shared by the workers of one machine."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .base import Cursor, Migrations, Store, StoreUnavailable

MIGRATIONS: Migrations = [
    (1, [  # the schema of the single SQLite file before versions: an existing file is adopted as it is
        "CREATE TABLE IF NOT EXISTS seen_jti (iss TEXT, jti TEXT, exp INTEGER, PRIMARY KEY (iss, jti))",
        """CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, service_id TEXT NOT NULL,
            card TEXT NOT NULL, outcome TEXT NOT NULL, accepted_suggestions TEXT, override_reason TEXT,
            outcome_timestamp TEXT NOT NULL, received_at TEXT NOT NULL)""",
        """CREATE UNIQUE INDEX IF NOT EXISTS feedback_once ON feedback (service_id, card, outcome, outcome_timestamp,
            IFNULL(accepted_suggestions, ''), IFNULL(override_reason, ''))""",
        """CREATE TABLE IF NOT EXISTS issued_card (card TEXT PRIMARY KEY, service_id TEXT NOT NULL,
            suggestions TEXT NOT NULL, issued_at INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS issued_card_age ON issued_card (issued_at)",
        "CREATE TABLE IF NOT EXISTS kept_assessment (id TEXT PRIMARY KEY, expires REAL NOT NULL, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS smart_launch (state TEXT PRIMARY KEY, expires REAL NOT NULL, body TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL)",
    ]),
    (2, [
        # Expired rows are deleted on every write: by index, so that the cost does not grow with the table.
        "CREATE INDEX IF NOT EXISTS seen_jti_exp ON seen_jti (exp)",
        "CREATE INDEX IF NOT EXISTS kept_assessment_expires ON kept_assessment (expires)",
        "CREATE INDEX IF NOT EXISTS smart_launch_expires ON smart_launch (expires)",
        # An assessment is now kept as the compressed resources its scores used or named (minutes-long data:
        # the ones kept in the former form are let go).
        "DELETE FROM kept_assessment",
        "CREATE TABLE IF NOT EXISTS ready_probe (id INTEGER PRIMARY KEY, at REAL NOT NULL)",
    ]),
]


class SqliteStore(Store):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.name = f"the SQLite file {path}"
        self._local = threading.local()  # one connection per thread, opened after gunicorn's fork
        self._memory: sqlite3.Connection | None = None  # ":memory:" (tests): one connection, one database
        self._memory_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._memory is None:
                self._memory = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._apply_now(self._memory)
            return self._memory
        held: tuple[int, int, sqlite3.Connection] | None = getattr(self._local, "held", None)
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if held is not None and held[0] == os.getpid() and held[1] == inode:
            return held[2]
        if held is not None and held[0] == os.getpid():
            held[2].close()  # the file was deleted or replaced: a connection to the old one writes nowhere
        self._local.held = None
        if inode is None:
            self._recreate()
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        # Minutes-long data and cards: committed and seen by every worker at once; no fsync per request (a
        # power cut may lose the last ones, whose links and feedback are then refused, never wrongly accepted).
        connection.execute("PRAGMA synchronous=NORMAL")
        self._local.held = (os.getpid(), os.stat(self.path).st_ino, connection)
        return connection

    def _recreate(self) -> None:
        """The file is gone (deleted under the service): made again with its schema, once for all the workers
        (a lock beside it), and without the old file's write-ahead log, which belongs to no file now."""
        try:
            with open(self.path + ".lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not os.path.exists(self.path):
                    for stale in (self.path + "-wal", self.path + "-shm"):
                        Path(stale).unlink(missing_ok=True)
                    connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                    try:
                        self._apply_now(connection)
                    finally:
                        connection.close()
        except OSError as error:
            raise StoreUnavailable(f"{self.name} cannot be written: {error}") from None
        except sqlite3.Error as error:
            raise StoreUnavailable(f"{self.name} cannot be written: {error}") from None

    def _apply_now(self, connection: sqlite3.Connection) -> None:
        # Write-ahead logging: readers never block the writer, and a commit is one append. A property of
        # the file, kept across restarts, shared by every worker.
        if self.path != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")  # one migrating process at a time; the others wait, then see it done
        try:
            self._apply(connection.cursor(), MIGRATIONS)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _starting_alone(self) -> Iterator[None]:
        """Instances and workers starting at once on a new file: turning it to write-ahead logging answers
        "database is locked" at once, without waiting, to all but one (1 start in 15 failed so). One at a time,
        by a lock beside the file; where none can be made there (a read-only folder), as before."""
        try:
            lock = open(self.path + ".lock", "a")  # noqa: SIM115 (closed below)
        except OSError:
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def migrate(self) -> None:
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                with self._starting_alone():
                    connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                    try:
                        self._apply_now(connection)
                        # A real write: a read-only file fails here, not at the first request (the lock does not).
                        connection.execute("INSERT INTO ready_probe (id, at) VALUES (1, 0) ON CONFLICT (id) DO "
                                           "UPDATE SET at = excluded.at")
                    finally:
                        connection.close()
            else:
                self._connection()
        except (OSError, sqlite3.Error) as error:
            raise ValueError(f"BONEMET_FEEDBACK_DB {self.path!r} cannot be created or written: {error}") from None

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        try:
            connection = self._connection()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"{self.name} cannot be written: {error}") from None
        lock = self._memory_lock if connection is self._memory else None
        if lock:
            lock.acquire()
        try:
            try:
                connection.execute("BEGIN IMMEDIATE")  # the write lock now: never a deadlock upgrading a read
                yield connection.cursor()
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    with suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # a file emptied under the service: its schema comes back
                with suppress(sqlite3.Error):
                    self._apply_now(connection)
            raise StoreUnavailable(f"{self.name} cannot be written: {error}") from None
        except sqlite3.Error as error:
            raise StoreUnavailable(f"{self.name} cannot be written: {error}") from None
        finally:
            if lock:
                lock.release()

    def _forget(self) -> None:
        held = getattr(self._local, "held", None)
        if held is not None:
            held[2].close()
        self._local.held = None

    def close(self) -> None:
        self._forget()
        if self._memory is not None:
            self._memory.close()
            self._memory = None
