"""Two `bonemet serve` instances on one PostgreSQL, as behind one load-balanced address: they share the JWT
replay store, the issued cards, the assessment links (and the key that signs them) and the feedback."""

import json
import threading
import time
import uuid

import jwt
import requests
from test_pages import hook, without_pain
from test_security import BASE, ISSUER, SERVICE, key_pair


def test_two_instances_on_one_postgresql_share_what_they_must(run_server, postgres_url, tmp_path):
    private, public = key_pair("k1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public]}))
    env = {**__import__("os").environ, "BONEMET_DATABASE_URL": postgres_url, "BONEMET_PUBLIC_URL": BASE,
           "BONEMET_TRUSTED_ISSUERS": json.dumps({ISSUER: str(jwks)}), "BONEMET_WORKERS": "2"}
    one, other = run_server(env=env), run_server(env=env)

    def bearer(path, jti=None):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": BASE + path, "exp": now + 120, "iat": now, "jti": jti or str(uuid.uuid4())}
        return {"Authorization": "Bearer " + jwt.encode(claims, private, algorithm="ES384", headers={"kid": "k1"})}

    # One token sent to both at once: exactly one of them accepts it.
    replayed = bearer(SERVICE)
    statuses: list[int] = []
    calls = [threading.Thread(target=lambda base: statuses.append(requests.post(
        base + SERVICE, json=hook(without_pain()), headers=replayed, timeout=30).status_code), args=(base,))
        for base in (one, other)]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert sorted(statuses) == [200, 401]

    # A card from one instance: its link opens on the other at once, and its feedback is stored once.
    answer = requests.post(one + SERVICE, json=hook(without_pain()), headers=bearer(SERVICE), timeout=30)
    card = answer.json()["cards"][0]
    link = card["links"][0]["url"]
    assert link.startswith(BASE + "/assessment/")
    page = requests.get(other + link.removeprefix(BASE), timeout=30)
    assert page.status_code == 200 and "<form" in page.text
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
    feedback = SERVICE + "/feedback"
    first = requests.post(other + feedback, json={"feedback": [item]}, headers=bearer(feedback), timeout=30)
    again = requests.post(one + feedback, json={"feedback": [item]}, headers=bearer(feedback), timeout=30)
    assert first.status_code == 200 and first.json() == {"stored": 1, "already_stored": 0}
    assert again.status_code == 200 and again.json() == {"stored": 0, "already_stored": 1}
    assert requests.get(one + "/ready", timeout=10).json() == {"status": "ready"}
