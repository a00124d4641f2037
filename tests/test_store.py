"""The store (service/store) on both databases: the same suite runs against the SQLite file and against a
PostgreSQL server the tests start (tests/support/postgres_server.py); without PostgreSQL its half skips, saying why."""

import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest
from conftest import ROOT

from service.store import StoreUnavailable, open_store
from service.store.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """Where a store lives: (database URL, SQLite path); one empty database per test."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url"), ""
    return "", str(tmp_path / "state.sqlite3")


@pytest.fixture
def store(database):
    made = open_store(*database)
    made.migrate()
    yield made
    made.close()


def test_migrations_run_once_and_again_without_effect(database):
    first = open_store(*database)
    first.migrate()
    first.migrate()  # a restart: nothing to do
    assert first.schema_version() == 2
    first.close()


def _migrated_at_once(stores) -> list[Exception]:
    """Each store migrated in a thread of its own, all at once; the errors they met."""
    errors: list[Exception] = []

    def start(store):
        try:
            store.migrate()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_instances_starting_at_once_migrate_once(database):
    stores = [open_store(*database) for _ in range(4)]
    assert _migrated_at_once(stores) == [] and {store.schema_version() for store in stores} == {2}
    with stores[0].transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 2  # each version applied once
    for store in stores:
        store.close()


def test_workers_starting_at_once_on_a_new_sqlite_file_all_start(tmp_path):
    """Turning a new file to write-ahead logging answered "database is locked" at once to all but one of the
    processes starting together, about 1 start in 15: a worker that did not start. Sixty new files, four at once."""
    for attempt in range(60):
        stores = [open_store("", str(tmp_path / f"new-{attempt}.sqlite3")) for _ in range(4)]
        errors = _migrated_at_once(stores)
        for store in stores:
            store.close()
        assert errors == [], f"file {attempt}: {errors[0]}"


def test_a_token_is_accepted_once(store):
    now = time.time()
    assert store.remember_token("https://ehr", "jti-1", int(now) + 60, now) is True
    assert store.remember_token("https://ehr", "jti-1", int(now) + 60, now) is False
    assert store.remember_token("https://other-ehr", "jti-1", int(now) + 60, now) is True
    # Long expired ids are let go (by index) when the next token is recorded.
    store.remember_token("https://ehr", "old", int(now) - 3600, now - 3600)
    store.remember_token("https://ehr", "jti-2", int(now) + 60, now)
    with store.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM seen_jti WHERE jti = 'old'").fetchone()[0] == 0


def test_issued_cards_and_their_feedback_stored_once(store):
    now = int(time.time())
    store.remember_cards([("card-1", "svc", json.dumps(["s1"]), now)], now - 3600)
    assert store.issued_suggestions("svc", ["card-1", "card-2"], now - 10) == {"card-1": '["s1"]', "card-2": None}
    assert store.issued_suggestions("other", ["card-1"], now - 10) == {"card-1": None}
    row = ("svc", "card-1", "accepted", '[{"id": "s1"}]', None, "2026-12-01T10:00:00+00:00", "now")
    assert store.add_feedback([row]) == 1
    assert store.add_feedback([row]) == 0  # a retry is stored once (a NULL override reason included)
    assert [r["outcome"] for r in store.all_feedback()] == ["accepted"]


def test_an_assessment_is_kept_until_it_expires(store):
    now = time.time()
    store.keep_assessment("a1", now + 900, b"\x78\x9c compressed", now)
    store.keep_assessment("old", now - 1, b"gone", now - 2)
    assert store.kept_assessment("a1", now) == b"\x78\x9c compressed"
    assert store.kept_assessment("old", now) is None
    store.keep_assessment("a2", now + 900, b"x", now)  # deletes the expired ones
    with store.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM kept_assessment").fetchone()[0] == 2


def test_a_launch_is_taken_once_and_only_by_its_browser(store):
    now = time.time()
    store.remember_launch("state-1", now + 600, json.dumps({"browser": "b1"}), now)

    def refuse(body):
        raise PermissionError("another browser")

    with pytest.raises(PermissionError):
        store.take_launch("state-1", now, refuse)
    assert json.loads(store.take_launch("state-1", now, lambda body: None)) == {"browser": "b1"}
    assert store.take_launch("state-1", now, lambda body: None) is None


def test_the_link_secret_is_made_once_for_every_instance(database):
    one, other = open_store(*database), open_store(*database)
    one.migrate()
    other.migrate()
    assert one.link_secret() == other.link_secret() and len(one.link_secret()) >= 32
    one.close()
    other.close()


def test_the_store_is_writable(store):
    assert store.writable() is None


def test_a_deleted_sqlite_file_is_made_again_with_its_schema(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SqliteStore(str(path))
    store.migrate()
    store.remember_token("i", "j", 2**31, time.time())
    for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    assert store.writable() is None  # recreated, with its schema
    assert store.remember_token("i", "j", 2**31, time.time()) is True  # a new, empty file
    assert store.schema_version() == 2


@contextmanager
def read_only(path):
    """The file made read-only for this process: immutable (chattr +i) as root, who writes any mode, else
    mode 0444."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"running as root and chattr +i fails here ({made.stderr.strip()}): no read-only file")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_read_only_sqlite_file_is_not_writable_then_recovers(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SqliteStore(str(path))
    store.migrate()
    store.close()
    with read_only(path):
        assert "readonly database" in (store.writable() or "")
    store.close()
    assert store.writable() is None


@pytest.mark.slow
def test_a_read_only_sqlite_file_at_start_up_is_a_one_line_error_and_exit_2(tmp_path):
    path = tmp_path / "state.sqlite3"
    SqliteStore(str(path)).migrate()
    for name in ("state.sqlite3-wal", "state.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(path), "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    with read_only(path):
        with pytest.raises(ValueError) as error:
            SqliteStore(str(path)).migrate()
        started = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--port", "1"], env=env,
                                 capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "BONEMET_FEEDBACK_DB" in str(error.value) and "\n" not in str(error.value)
    assert started.returncode == 2 and started.stderr.startswith("bonemet: BONEMET_FEEDBACK_DB")
    assert len(started.stderr.strip().splitlines()) == 1 and "Traceback" not in started.stderr
    assert not list(tmp_path.glob("bonemet-metrics-*"))  # the metrics folder made before the store failed is removed


def test_postgresql_down_is_said_and_the_store_recovers_when_it_is_back(postgres, postgres_url):
    store = open_store(postgres_url, "")
    store.migrate()
    assert store.writable() is None
    postgres.stop()
    try:
        problem = store.writable()
        assert problem and problem.startswith("the PostgreSQL database cannot be written")
        with pytest.raises(StoreUnavailable):
            store.remember_token("i", "j", 2**31, time.time())
    finally:
        postgres.restart()
    assert store.writable() is None  # no restart of the service: it connects again
    assert store.remember_token("i", "j", 2**31, time.time()) is True
    store.close()


def test_a_database_url_that_is_not_postgresql_is_a_clear_error():
    with pytest.raises(ValueError, match="BONEMET_DATABASE_URL must be a PostgreSQL URL"):
        open_store("mysql://x", "")
