"""CDS Hooks JWT: signature, iss, aud, exp, iat, jti replay; loopback-only without an issuer."""

import json
import logging
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from service.cli import main
from service.config import Settings
from service.web import create_app

ISSUER = "https://ehr.example.org"
BASE = "https://cds.example.org"
SERVICE = "/cds-services/bonemet-patient-view"


def key_pair(kid):
    private = ec.generate_private_key(ec.SECP384R1())
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public_jwk.update(kid=kid, alg="ES384", use="sig")
    return private, public_jwk


@pytest.fixture
def keys(tmp_path):
    private, public = key_pair("k1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [public]}))
    return private, jwks


@pytest.fixture
def client(keys, make_app):
    return make_app(public_url=BASE, trusted_issuers=json.dumps({ISSUER: str(keys[1])})).test_client()


def token(private, kid="k1", alg="ES384", **claims):
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": BASE + SERVICE, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, private, algorithm=alg, headers={"kid": kid})


def call(client, bearer):
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "p1"},
            "prefetch": {"patient": {"resourceType": "Patient", "id": "p1"},
                         "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                         "observations": {"resourceType": "Bundle", "type": "searchset", "entry": []}}}
    headers = {"Authorization": bearer} if bearer else {}
    return client.post(SERVICE, json=body, headers=headers)


def test_a_valid_token_is_accepted(client, keys):
    assert call(client, "Bearer " + token(keys[0])).status_code == 200


def test_discovery_needs_no_token(client):
    assert client.get("/cds-services").status_code == 200


def other_key():
    return ec.generate_private_key(ec.SECP384R1())


@pytest.mark.parametrize("make,reason", [
    (lambda k: None, "BONEMET_TRUSTED_ISSUERS is set: every POST needs a JWT"),
    (lambda k: "Bearer not-a-jwt", "not a JWT"),
    (lambda k: "Bearer " + jwt.encode({"iss": ISSUER}, "secret-secret-secret-secret-secret!", algorithm="HS256"),
     "alg must be"),
    (lambda k: "Bearer " + token(k, iss="https://stranger.example"),
     "not a trusted issuer (add it to BONEMET_TRUSTED_ISSUERS)"),
    (lambda k: "Bearer " + token(k, aud="https://elsewhere.example/cds-services/x"), "BONEMET_PUBLIC_URL"),
    (lambda k: "Bearer " + token(k, exp=int(time.time()) - 10), "expired"),
    (lambda k: "Bearer " + token(k, iat=int(time.time()) + 3600), "not valid yet"),
    (lambda k: "Bearer " + token(k, jti=None), "jti"),
    (lambda k: "Bearer " + token(other_key()), "signature does not verify"),
    (lambda k: "Bearer " + token(k, kid="unknown"), "kid"),
])
def test_every_jwt_failure_is_401_with_a_reason(client, keys, make, reason):
    response = call(client, make(keys[0]))
    assert response.status_code == 401
    assert reason in response.get_json()["detail"]


def test_replayed_jti_is_refused(client, keys):
    once = "Bearer " + token(keys[0])
    assert call(client, once).status_code == 200
    again = call(client, once)
    assert again.status_code == 401 and "replay" in again.get_json()["detail"]


def test_feedback_is_authenticated_too(client, keys):
    response = client.post(SERVICE + "/feedback", json={"feedback": []})
    assert response.status_code == 401


def test_without_an_issuer_a_warning_is_logged_once(tmp_path, caplog):
    client = create_app(Settings(feedback_db=str(tmp_path / "s.sqlite3"))).test_client()
    with caplog.at_level(logging.WARNING):
        call(client, None)
        call(client, None)
    assert caplog.text.count("no trusted JWT issuer configured") == 1


def test_without_an_issuer_the_service_refuses_to_listen_beyond_loopback(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err


def test_malformed_issuer_setting_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("BONEMET_TRUSTED_ISSUERS", "not json")
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "BONEMET_TRUSTED_ISSUERS must be a JSON object" in capsys.readouterr().err


# ------------------------------------------------------------------ header and claim anomalies


@pytest.fixture
def rsa_and_ec(tmp_path):
    """A JWKS with an EC key "k1" and an RSA key "r1"; the client trusting it; both private keys."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    ec_private, ec_public = key_pair("k1")
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_private.public_key()))
    rsa_public.update(kid="r1", alg="RS384", use="sig")
    jwks = tmp_path / "jwks2.json"
    jwks.write_text(json.dumps({"keys": [ec_public, rsa_public]}))
    settings = Settings(feedback_db=str(tmp_path / "s.sqlite3"), public_url=BASE,
                        trusted_issuers=json.dumps({ISSUER: str(jwks)}))
    return create_app(settings).test_client(), ec_private, rsa_private


def bare_token(private, alg, headers, **claims):
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": BASE + SERVICE, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    payload.update(claims)
    return jwt.encode(payload, private, algorithm=alg, headers=headers)


def test_header_and_claim_anomalies_are_401_with_a_reason_never_500(rsa_and_ec, caplog):
    client, ec_private, rsa_private = rsa_and_ec
    now = int(time.time())
    cases = [
        (bare_token(ec_private, "ES384", {}), "no kid"),
        (bare_token(rsa_private, "RS384", {}), "no kid"),
        (bare_token(ec_private, "ES384", {"kid": "r1"}), "does not fit"),  # kid names the RSA key
        (bare_token(rsa_private, "RS384", {"kid": "k1"}), "does not fit"),
        (bare_token(ec_private, "ES384", {"kid": "k1"}, exp=now + 3600), "at most 300 s"),
        (bare_token(ec_private, "ES384", {"kid": "k1"}, exp=str(now + 200)), "must be"),
        (bare_token(ec_private, "ES384", {"kid": "k1\nERROR forged line"}), "kid"),
    ]
    with caplog.at_level(logging.DEBUG):
        for bearer, reason in cases:
            response = call(client, "Bearer " + bearer)
            assert response.status_code == 401, (reason, response.get_json())
            assert reason in response.get_json()["detail"]
    assert not any("\n" in record.getMessage() for record in caplog.records)
    assert call(client, "Bearer " + bare_token(rsa_private, "RS384", {"kid": "r1"})).status_code == 200


def test_the_maximum_lifetime_is_a_setting(tmp_path, keys):
    settings = Settings(feedback_db=str(tmp_path / "s.sqlite3"), public_url=BASE, jwt_max_lifetime=7200,
                        trusted_issuers=json.dumps({ISSUER: str(keys[1])}))
    client = create_app(settings).test_client()
    assert call(client, "Bearer " + token(keys[0], exp=int(time.time()) + 3600)).status_code == 200
