"""The feedback and JWT-replay store: one SQLite file in write-ahead-log mode; when it fails, the service
fails closed and says so (503), and readiness tells the orchestrator."""

import json
import shutil
import sqlite3
import time
import uuid

import jwt

from service.config import Settings
from service.web import create_app
from service.store.sqlite import SqliteStore
from test_security import BASE, ISSUER, SERVICE, call, key_pair


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
