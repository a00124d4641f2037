"""The feedback and JWT-replay store: one SQLite file in write-ahead-log mode; when it fails, the service
fails closed and says so (503), and readiness tells the orchestrator."""

import json
import shutil
import sqlite3
import time
import uuid
from pathlib import Path

import jwt
import pytest
from test_security import BASE, ISSUER, SERVICE, call, key_pair

from service.config import Settings
from service.store.sqlite import SqliteStore
from service.web import create_app


def test_the_store_is_in_wal_mode_and_stays_so(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    SqliteStore(str(path)).migrate()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unwritable_path_is_a_clear_start_up_error(tmp_path):
    (tmp_path / "a-file").write_text("")
    try:
        create_app(Settings(feedback_db=str(tmp_path / "a-file" / "feedback.sqlite3")))
    except ValueError as error:
        assert "BONEMET_FEEDBACK_DB" in str(error) and "cannot be created or written" in str(error)
    else:
        raise AssertionError("no error")


def test_a_lost_store_fails_closed_and_readiness_says_so(tmp_path):
    folder = tmp_path / "data"
    private, public = key_pair("k1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public]}))
    client = create_app(Settings(feedback_db=str(folder / "state.sqlite3"), public_url=BASE,
                                 trusted_issuers=json.dumps({ISSUER: str(jwks)}))).test_client()

    def bearer():
        now = int(time.time())
        return "Bearer " + jwt.encode({"iss": ISSUER, "aud": BASE + SERVICE, "exp": now + 60, "iat": now,
                                       "jti": str(uuid.uuid4())}, private, algorithm="ES384", headers={"kid": "k1"})

    assert client.get("/ready").status_code == 200 and call(client, bearer()).status_code == 200
    shutil.rmtree(folder)  # the disk under the store is gone
    response = call(client, bearer())
    assert response.status_code == 503 and "no token is accepted" in response.get_json()["detail"]
    ready = client.get("/ready")
    assert ready.status_code == 503 and "cannot be written" in ready.get_json()["detail"]
    assert client.get("/health").status_code == 200  # the process itself is alive


def test_feedback_that_cannot_be_stored_is_a_json_503(tmp_path):
    folder = tmp_path / "data"
    client = create_app(Settings(feedback_db=str(folder / "f.sqlite3"))).test_client()
    shutil.rmtree(folder)
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z"}
    response = client.post(SERVICE + "/feedback", json={"feedback": [item]})
    assert response.status_code == 503 and "send it again later" in response.get_json()["detail"]


# /ready under each fault of the store, and back to ready when the fault clears, with no restart.

def _ready(client):
    answer = client.get("/ready")
    return answer.status_code, answer.get_json()


def test_ready_when_the_sqlite_file_is_deleted_then_made_again(tmp_path):
    import os

    client = create_app(Settings(feedback_db=str(tmp_path / "state.sqlite3"))).test_client()
    assert _ready(client) == (200, {"status": "ready"})
    for name in ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    # The file is made again with its schema at the next write: the probe's, here.
    assert _ready(client) == (200, {"status": "ready"}) and os.path.exists(tmp_path / "state.sqlite3")
    answer = client.post(SERVICE, json=__import__("test_pages").hook(__import__("test_pages").without_pain()))
    assert answer.status_code == 200 and answer.get_json()["cards"][0]["links"]


def test_ready_when_the_sqlite_file_is_read_only_then_writable_again(tmp_path):
    from test_store import read_only

    client = create_app(Settings(feedback_db=str(tmp_path / "state.sqlite3"))).test_client()
    assert _ready(client)[0] == 200
    app_store = client.application.extensions["bonemet_store"]
    app_store.close()  # a connection opened before keeps its writable handle: a new one meets the fault
    with read_only(tmp_path / "state.sqlite3"):
        status, body = _ready(client)
        assert status == 503 and body["status"] == "not ready" and "readonly database" in body["detail"]
        app_store.close()
    assert _ready(client) == (200, {"status": "ready"})


def test_ready_when_postgresql_is_down_then_back(postgres, postgres_url):
    client = create_app(Settings(database_url=postgres_url)).test_client()
    assert _ready(client) == (200, {"status": "ready"})
    postgres.stop()
    try:
        status, body = _ready(client)
        assert status == 503 and body["detail"].startswith("the PostgreSQL database cannot be written")
    finally:
        postgres.restart()
    assert _ready(client) == (200, {"status": "ready"})


@pytest.mark.slow
def test_ready_when_the_disk_is_full_then_freed(tmp_path):
    """A full disk, as the service meets it: writes past a size fail (EFBIG under RLIMIT_FSIZE, set on the
    server's processes; ENOSPC on a real disk), then room comes back (the limit lifted on the live processes)."""
    import os
    import resource
    import subprocess
    import sys

    import requests
    from conftest import ROOT, free_port
    from test_pages import hook, without_pain

    limit = 400_000
    port = free_port()
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(tmp_path / "state.sqlite3"), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE,
                                                                    (limit, resource.RLIM_INFINITY)))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(base + "/ready", timeout=10).status_code == 200
        for _ in range(1000):  # each card's assessment and cards fill the file until a write fails
            answer = requests.post(base + SERVICE, json=hook(without_pain()), timeout=30)
            if answer.status_code != 200:
                break
        assert answer.status_code == 503 and "cannot be kept" in answer.json()["detail"]  # no card without its link
        ready = requests.get(base + "/ready", timeout=10)
        assert ready.status_code == 503 and "cannot be written" in ready.json()["detail"]
        children = (Path("/proc") / str(server.pid) / "task" / str(server.pid) / "children").read_text().split()
        for pid in [server.pid, *map(int, children)]:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert requests.get(base + "/ready", timeout=10).json() == {"status": "ready"}
        assert requests.post(base + SERVICE, json=hook(without_pain()), timeout=30).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
