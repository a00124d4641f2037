"""Issue 29 (items 3, 4, 8): what a hostile or careless client can do to the web layer.

Bounded metrics, no link token in any log line, JSON errors from gunicorn itself, no-store and
frame-ancestors on the pages, CORS by setting, UTF-8 bodies only, an unknown kid that cannot flood the
log, 405 before 401.
"""

import json
import os
import random
import socket
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from service.config import Settings
from service.web import create_app
from support.fhir_builders import lesion, lesion_observations, patient

ROOT = Path(__file__).resolve().parent.parent


def hook_request():
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": {"resourceType": "Bundle", "type": "searchset",
                                                              "entry": [{"resource": lesion()}]},
                         "observations": {"resourceType": "Bundle", "type": "searchset",
                                          "entry": [{"resource": r} for r in lesion_observations()[:2]]}}}


# -- item 3: /metrics stays bounded -------------------------------------------------------------


@pytest.mark.slow
def test_metrics_stay_bounded_whatever_methods_and_paths_are_sent(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    client.get("/health")
    client.open("/first/unknown", method="FIRST")  # every label set a refusal can have, once
    client.get("/metrics")
    before = len(client.get("/metrics").data)
    rng = random.Random(29)
    for i in range(10_000):
        method = "".join(rng.choices(string.ascii_uppercase, k=9))
        client.open(f"/p{i}/{method.lower()}", method=method)
    text = client.get("/metrics").get_data(as_text=True)
    assert len(text) <= before * 1.10, (before, len(text))
    assert 'endpoint="unmatched",method="other",status="404"' in text
    assert "/p1/" not in text


# -- item 4: no link token in the log -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.fixture
def served(tmp_path):
    """The real ``bonemet serve`` (DEBUG log, to a file); yields (base URL, port, log path)."""
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(tmp_path / "f.sqlite3"), "BONEMET_LOG_LEVEL": "DEBUG",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                   env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base, port, log, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_link_token_is_in_no_log_line(served):
    base, port, log, process = served
    answer = requests.post(base + "/cds-services/bonemet-patient-view", json=hook_request(), timeout=10)
    links = {link["url"] for card in answer.json()["cards"] for link in card.get("links", [])}
    (url,) = links
    token = url.split("/assessment/")[1].split("?")[0]
    page = url.split("?")[0]
    assert requests.get(url, timeout=10).status_code == 200
    field = "answer|Condition/lesion-1|pain"
    assert requests.post(page, data={field: "moderate"}, headers={"X-Bonemet-Partial": "scores"},
                         timeout=10).status_code == 200
    assert requests.post(page + "/resources", data={field: "moderate"}, timeout=10).status_code == 200
    assert requests.post(page + "/save", timeout=10).status_code == 400  # not opened by a SMART launch
    assert requests.get(page + "/nowhere", timeout=10).status_code == 404
    assert requests.put(page, timeout=10).status_code == 405
    assert requests.get(page[:-3] + "xyz", timeout=10).status_code == 403  # an altered token
    # a request line gunicorn refuses itself (it logs why, with the line)
    assert b" 400 " in _raw(port, f"GET /assessment/{token} HTTP/1.1 extra\r\n\r\n".encode())
    assert b" 400 " in _raw(port, f"GET /assessment/{token}\x01 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    # the SMART callback's code and state
    requests.get(base + "/smart/callback?code=SECRETCODE123&state=SECRETSTATE456", timeout=10)
    _raw(port, b"GET /smart/callback?code=SECRETCODE789&state=SECRETSTATE012\x01 HTTP/1.1\r\nHost: x\r\n\r\n")
    process.terminate()
    process.wait(timeout=20)
    text = log.read_text()
    assert '"status": 200' in text and "/assessment/" in text  # the lines are there, the token is not
    assert token not in text and token.split(".")[0] not in text
    assert "SECRETCODE123" not in text and "SECRETSTATE456" not in text
    assert "SECRETCODE789" not in text and "SECRETSTATE012" not in text
    assert "/smart/callback?code=[redacted]&state=[redacted]" in text  # gunicorn's line, still there


# -- item 8: an unknown kid does not flood the log; 405 before 401 --------------------------------


@pytest.fixture
def jwks_server():
    """An EHR's JWKS over HTTP, counting how often it is read."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public.update(kid="k1", alg="ES384", use="sig")
    reads = []

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            reads.append(self.path)
            body = json.dumps({"keys": [public]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield private, f"http://127.0.0.1:{server.server_port}/jwks", reads
    server.shutdown()


def test_tokens_with_unknown_kids_are_counted_and_said_once_a_minute_not_once_each(tmp_path, jwks_server, caplog):
    import logging

    import jwt

    private, url, reads = jwks_server
    issuer = f"https://ehr-{uuid.uuid4().hex[:8]}.example"
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"), public_url="https://cds.example",
                                 trusted_issuers=json.dumps({issuer: url}))).test_client()
    caplog.set_level(logging.INFO, logger="service.web.security")
    for i in range(300):
        now = int(time.time())
        token = jwt.encode({"iss": issuer, "aud": "https://cds.example/cds-services/bonemet-patient-view",
                            "exp": now + 60, "iat": now, "jti": str(uuid.uuid4())}, private, algorithm="ES384",
                           headers={"kid": f"made-up-{i}"})
        answer = client.post("/cds-services/bonemet-patient-view", json={},
                             headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and "kid" in answer.get_json()["detail"]
    said = [r for r in caplog.records if r.name == "service.web.security"]
    assert len(said) == 1 and said[0].levelname == "WARNING" and "made-up-0" in said[0].getMessage()
    assert len(reads) <= 2  # the EHR's JWKS is not read again for every made-up kid
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'bonemet_jwt_key_problems_total{{issuer="{issuer}",problem="unknown_kid"}} 300.0' in metrics


def test_with_issuers_a_wrong_method_is_405_with_allow_before_any_401(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"),
                                 trusted_issuers=json.dumps({"https://ehr.example": str(jwks)}))).test_client()
    for path in ("/cds-services", "/health", "/metrics", "/openapi.json"):
        answer = client.post(path)
        assert answer.status_code == 405 and "GET" in answer.headers["Allow"], path
        assert answer.get_json()["status"] == 405
    assert client.post("/nowhere").status_code == 404
    assert client.post("/cds-services/bonemet-patient-view", json={}).status_code == 401  # still authenticated


# -- item 8: bodies in UTF-8 only -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_body_not_in_utf8_is_a_400_that_says_so(tmp_path, encoding):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    raw = json.dumps(hook_request()).encode(encoding)
    answer = client.post("/cds-services/bonemet-patient-view", data=raw, content_type="application/json")
    assert answer.status_code == 400 and "UTF-8" in answer.get_json()["detail"]
    bundle = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}).encode(encoding)
    answer = client.post("/fhir/$assess", data=bundle, content_type="application/fhir+json")
    assert answer.status_code == 400 and "UTF-8" in answer.get_json()["issue"][0]["diagnostics"]


def test_a_lone_surrogate_in_a_resource_is_a_400_that_says_so_not_a_500(tmp_path):
    """Review 34: "\\ud800" (JSON may escape a lone surrogate; no FHIR string holds one) in a Patient's name made the
    schema check raise, and `$assess` answered 500 "unexpected error"."""
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    bundle = (b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", '
              b'"id": "p1", "name": [{"family": "A\\ud800"}]}}]}')
    answer = client.post("/fhir/$assess", data=bundle, content_type="application/fhir+json")
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert "not valid Unicode" in answer.get_json()["issue"][0]["diagnostics"]


def test_a_charset_other_than_utf8_is_a_415_and_utf8_said_or_not_is_read(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    raw = json.dumps(hook_request()).encode()
    refused = client.post("/cds-services/bonemet-patient-view", data=raw,
                          content_type="application/json; charset=iso-8859-1")
    assert refused.status_code == 415 and "iso-8859-1" in refused.get_json()["detail"]
    for content_type in ("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"):
        answer = client.post("/cds-services/bonemet-patient-view", data=raw, content_type=content_type)
        assert answer.status_code == 200, content_type


# -- item 8: pages kept by no cache, framed only by the EHRs named; CORS only for the origins named ----


def _linked_page(client) -> str:
    answer = client.post("/cds-services/bonemet-patient-view", json=hook_request())
    answer.close()
    assert answer.headers["Cache-Control"] == "no-store"  # the cards carry the patient's data too
    (url,) = {link["url"] for card in answer.get_json()["cards"] for link in card.get("links", [])}
    return url.removeprefix("http://127.0.0.1:8080").split("?")[0]


def test_pages_with_patient_data_are_no_store_and_framed_by_nobody_by_default(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    page = _linked_page(client)
    answers = {"page": client.get(page), "partial": client.post(page, headers={"X-Bonemet-Partial": "scores"}),
               "resources": client.post(page + "/resources"), "save": client.post(page + "/save"),
               "altered": client.get(page[:-2] + "xx"), "tester": client.post("/", data={"bundle": "{}"})}
    for name, answer in answers.items():
        assert answer.headers["Cache-Control"] == "no-store", name
    policy = answers["page"].headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "*" not in policy
    assert answers["page"].headers["X-Frame-Options"] == "DENY"
    for public in ("/guideline/mirels", "/scale/mirels.svg?low=8&high=10", "/static/style.css", "/"):
        answer = client.get(public)
        assert answer.status_code == 200 and answer.headers.get("Cache-Control") != "no-store", public
    assert "frame-ancestors 'none'" in client.get("/docs").headers["Content-Security-Policy"]


def test_the_ehr_origins_named_may_frame_the_pages(tmp_path):
    settings = Settings(feedback_db=str(tmp_path / "f.sqlite3"),
                        frame_ancestors="https://ehr.hospital.example, https://*.portal.example:8443")
    client = create_app(settings).test_client()
    page = client.get(_linked_page(client))
    assert ("frame-ancestors https://ehr.hospital.example https://*.portal.example:8443"
            in page.headers["Content-Security-Policy"])
    assert "X-Frame-Options" not in page.headers  # it cannot name several origins; the CSP does


@pytest.mark.parametrize("setting, value", [("frame_ancestors", "*"), ("frame_ancestors", "https://a.example/x"),
                                            ("frame_ancestors", "https://a.example; script-src *"),
                                            ("cors_origins", "https://*.example.org"), ("cors_origins", "null")])
def test_a_setting_that_is_not_a_list_of_origins_stops_the_start_with_its_name(tmp_path, setting, value):
    with pytest.raises(ValueError, match=f"BONEMET_{setting.upper()}"):
        create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"), **{setting: value}))


def test_cors_answers_only_the_origins_named(tmp_path):
    default = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    answer = default.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers
    named = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"),
                                cors_origins="https://sandbox.cds-hooks.org")).test_client()
    preflight = named.options("/cds-services/bonemet-patient-view", headers={
        "Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://sandbox.cds-hooks.org"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    # The public sandbox calling the service on the user's machine: the browser asks, the named origin may.
    local = named.options("/cds-services/bonemet-patient-view", headers={
        "Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Private-Network": "true"})
    assert local.headers["Access-Control-Allow-Private-Network"] == "true"
    for origin in ("https://evil.example", "https://sandbox.cds-hooks.org.evil.example"):
        answer = named.get("/cds-services", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in answer.headers, origin
    assert "Access-Control-Allow-Origin" not in named.get(
        "/guideline/mirels", headers={"Origin": "https://sandbox.cds-hooks.org"}).headers  # the pages: never
    anyone = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"), cors_origins="*")).test_client()
    answer = anyone.get("/cds-services", headers={"Origin": "https://any.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"  # not the origin reflected


# -- item 8: what gunicorn refuses itself is JSON too ---------------------------------------------


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),  # over limit_request_line
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(40)) + b"\r\n", 431),
    (b"get /health HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # a method gunicorn does not take
    (b"GET /health HTTP/1.1 x\r\n\r\n", 400),  # a malformed request line
    (b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
], ids=["414", "431", "bad-method", "bad-line", "bad-header"])
def test_what_gunicorn_refuses_itself_is_a_json_error(served, request_bytes, status):
    _, port, _, _ = served
    head, _, body = _raw(port, request_bytes).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    assert "Content-Type: application/json" in lines
    answer = json.loads(body)
    assert answer["status"] == status and answer["error"] and answer["detail"]


# -- item 8: the OpenAPI document as tight as the server ------------------------------------------


def test_the_openapi_document_says_what_the_server_requires(tmp_path):
    from jsonschema import Draft202012Validator

    closed = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    document = closed.get("/openapi.json").get_json()
    hook = document["components"]["schemas"]["PatientViewRequest"]
    assert "prefetch" in hook["required"]  # nothing may be fetched here: without prefetch, 412
    assert set(hook["properties"]["prefetch"]["required"]) == {"patient", "conditions", "observations"}
    fetching = create_app(Settings(feedback_db=str(tmp_path / "g.sqlite3"), fhir_allowed_hosts="ehr.example")
                          ).test_client().get("/openapi.json").get_json()
    assert "prefetch" not in fetching["components"]["schemas"]["PatientViewRequest"].get("required", [])
    body = document["paths"]["/fhir/$assess"]["post"]["requestBody"]["content"]["application/fhir+json"]["schema"]
    validator = Draft202012Validator(body)
    bundle_in_parameters = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": {"resourceType": "Bundle", "type": "collection"}},
        {"name": "language", "valueCode": "fr"}, {"name": "asOf", "valueDate": "2026-01-01"}]}
    assert validator.is_valid({"resourceType": "Bundle", "type": "collection"})
    assert validator.is_valid(bundle_in_parameters)
    for refused in ({"resourceType": ""}, {"resourceType": "Patient"},
                    {"resourceType": "Parameters", "parameter": [{"name": "language", "valueCode": "fr"}]},
                    {"resourceType": "Parameters", "parameter": [{"name": "bundle", "resource": {}}]},
                    {"resourceType": "Parameters", "parameter": [
                        {"name": "bundle", "resource": {"resourceType": "Bundle"}}, {"name": "language",
                                                                                   "valueCode": "de"}]}):
        assert not validator.is_valid(refused), refused
        answer = closed.post("/fhir/$assess", json=refused)
        assert answer.status_code == 400, refused  # and the server refuses each


def test_a_parameters_part_whose_name_is_not_a_string_is_a_400_not_a_500(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    answer = client.post("/fhir/$assess", json={"resourceType": "Parameters",
                                               "parameter": [{"name": {}, "valueDate": "2000-01-01"}]})
    assert answer.status_code == 400 and "bundle" in answer.get_json()["issue"][0]["diagnostics"]


def test_the_smart_redirects_and_error_pages_are_kept_by_no_cache(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"), smart_client_id="bonemet")).test_client()
    for path in ("/smart/launch", "/smart/callback?code=a&state=b"):
        answer = client.get(path)
        assert answer.status_code >= 400 and answer.headers["Cache-Control"] == "no-store", path
