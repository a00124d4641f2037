"""What an operator and an integrator rely on: the OpenAPI document (validated, and schemathesis run
against the service), the docs page, Prometheus metrics, JSON log lines with their reasons, and
`bonemet serve`'s demo mode, warnings and help."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from service.config import Settings
from service.web import create_app
from support.fhir_builders import lesion, lesion_observations, patient

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent






def hook_request(**context):
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "p1", **context},
            "prefetch": {"patient": patient(), "conditions": {"resourceType": "Bundle", "type": "searchset",
                                                              "entry": [{"resource": lesion()}]},
                         "observations": {"resourceType": "Bundle", "type": "searchset",
                                          "entry": [{"resource": r} for r in lesion_observations()]}}}


def test_the_openapi_document_is_valid_openapi_3_1_and_names_every_endpoint(client, app):
    document = client.get("/openapi.json").get_json()
    validate(document)  # openapi-spec-validator: raises on any error
    assert document["openapi"] == "3.1.0"
    documented = set(document["paths"])
    services = {"/cds-services/<service_id>": ("/cds-services/bonemet-patient-view",
                                               "/cds-services/bonemet-order-sign")}
    screens = ("/static", "/assessment", "/smart", "/scale", "/guideline", "/calculators")
    rules = {path for rule in app.url_map.iter_rules() if not rule.rule.startswith(screens)
             for path in services.get(rule.rule, (re.sub(r"<([a-z_]+)>", r"{\1}", rule.rule),))}
    assert rules <= documented, rules - documented
    hook = document["components"]["schemas"]["PatientViewRequest"]
    assert {"hook", "hookInstance", "context"} <= set(hook["required"]) and hook["properties"]["hook"]["const"]


def test_the_docs_page_is_served_by_the_service_itself(client):
    page = client.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "POST /fhir/$assess" in html and "HookRequest" in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"] and "https://" not in html.split("<main")[0]
    assert "`" not in html  # descriptions' `code` is shown as code, never as raw backticks


def test_every_endpoint_has_an_example_and_the_examples_are_real(client):
    """/docs shows a command and an example per endpoint; each example request, sent, gets the answer shown."""
    from service.web.openapi import API_EXAMPLES

    document = client.get("/openapi.json").get_json()
    html = client.get("/docs").get_data(as_text=True)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post"):
                continue
            assert f"<code>{method.upper()} {path}</code>" in html
            answers = operation["responses"]["200"].get("content", {})
            if "Screens" not in operation.get("tags", []):
                assert all("example" in media for media in answers.values()), (method, path)
            if method == "post" and "Screens" not in operation.get("tags", []):
                assert all("example" in media for media in operation["requestBody"]["content"].values()), path
    assert html.count('<pre class="curl">') == sum(1 for ops in document["paths"].values() for m in ops
                                                   if m in ("get", "post"))
    for name, url in (("patient-view", "/cds-services/bonemet-patient-view"),
                      ("order-sign", "/cds-services/bonemet-order-sign")):
        answer = client.post(url, json=API_EXAMPLES[name]["request"])
        assert answer.status_code == 200
        shown = [card["summary"] for card in API_EXAMPLES[name]["response"]["cards"]]
        assert [card["summary"] for card in answer.get_json()["cards"]] == shown, \
            "the cards changed: python examples/make_api_examples.py refreshes /docs' examples"
    assessed = client.post("/fhir/$assess" + API_EXAMPLES["assess"]["query"], json=API_EXAMPLES["assess"]["request"],
                           headers={"Content-Type": "application/fhir+json"})
    kinds = [entry["resource"]["resourceType"] for entry in assessed.get_json()["entry"]]
    assert kinds == [entry["resource"]["resourceType"] for entry in API_EXAMPLES["assess"]["response"]["entry"]]
    feedback = client.post("/cds-services/bonemet-patient-view/feedback", json=API_EXAMPLES["feedback"]["request"])
    assert feedback.status_code == 422 and "card" in feedback.get_json()["detail"]  # its card uuid is to be filled in


# What a JSON schema cannot say, said to schemathesis: a valid CDS Hooks request whose data cannot be had
# is answered 412, as CDS Hooks prescribes; feedback on a card this service did not issue is refused
# (422), and where no FHIR server may be called (BONEMET_FHIR_ALLOWED_HOSTS empty) the document requires
# every prefetch key, whose absence is that 412; a body valid as JSON is not yet valid FHIR (the R4 rules and
# OperationDefinition/assess decide),
# so $assess (and the tester's page, which runs it on the text of a form) is not expected to accept every
# schema-valid body.
CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "412"]}},
    "output": {"sanitization": {"enabled": False}},
    "operations": [
        {"include-path": "/fhir/$assess", "checks": {"positive_data_acceptance": {"enabled": False}}},
        {"include-path": "/", "include-method": "POST", "checks": {"positive_data_acceptance": {"enabled": False}}},
        {"include-path-regex": "/feedback$",
         "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}}},
        # Where no FHIR server may be called, the document requires every prefetch key: without one, 412.
        {"include-path-regex": "^/cds-services/bonemet-[a-z-]+$",
         "checks": {"negative_data_rejection": {"expected-statuses": ["4xx"]}}},
    ]})
schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app(Settings(feedback_db=":memory:")), config=CONFIG)


@schema.parametrize()
@hypothesis_settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_failure(case):
    """Generated requests for every documented operation: never a 5xx, every status and body as documented."""
    case.call_and_validate()


def test_metrics_count_requests_cards_refusals_and_latency(client):
    client.post("/cds-services/bonemet-patient-view", json=hook_request())
    client.post("/cds-services/bonemet-patient-view", json={"hook": "patient-view"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'bonemet_cards_total{indicator="critical",service="bonemet-patient-view"}' in text
    assert 'bonemet_requests_total{endpoint="/cds-services/<service_id>",method="POST",status="400"}' in text
    assert 'bonemet_refused_total{reason=' in text and "bonemet_request_seconds_bucket" in text


def test_one_log_line_per_request_with_ids_status_duration_and_the_reason_of_a_refusal(client, caplog):
    caplog.set_level(logging.INFO, logger="bonemet.access")
    request = hook_request()
    answer = client.post("/cds-services/bonemet-patient-view", json=request, headers={"X-Request-Id": "req-42"})
    assert answer.headers["X-Request-Id"] == "req-42"
    (line,) = [r for r in caplog.records if r.name == "bonemet.access"]
    assert (line.request_id, line.status, line.service, line.hook, line.hookInstance, line.patient) == (
        "req-42", 200, "bonemet-patient-view", "patient-view", request["hookInstance"], "p1")
    assert line.duration_ms > 0 and line.cards == len(answer.get_json()["cards"]) == 2  # the score, §1.5 possible
    caplog.clear()
    missing = hook_request()
    del missing["prefetch"]["conditions"]  # no prefetch and no fhirServer: 412, and why
    client.post("/cds-services/bonemet-patient-view", json=missing)
    (line,) = [r for r in caplog.records if r.name == "bonemet.access"]
    assert line.status == 412 and "prefetch.conditions" in line.reason


def test_a_refused_jwt_is_logged_with_its_reason_never_the_token(tmp_path, caplog):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"),
                                 trusted_issuers=json.dumps({"https://ehr.example": str(jwks)}))).test_client()
    caplog.set_level(logging.INFO, logger="bonemet.access")
    token = "eyJhbGciOiJSUzM4NCJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
    client.post("/cds-services/bonemet-patient-view", json=hook_request(), headers={"Authorization": f"Bearer {token}"})
    (line,) = [r for r in caplog.records if r.name == "bonemet.access"]
    assert line.status == 401 and line.reason
    assert token not in caplog.text and "c2lnbmF0dXJl" not in caplog.text


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_refuses_an_open_address_without_issuers_unless_in_demo_mode_which_it_says_loudly(tmp_path):
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(tmp_path / "f.sqlite3"), "HOME": "/nonexistent"}
    refused = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "BONEMET_DEMO" in refused.stderr
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0", "--port",
                                str(port), "--demo", "--workers", "2"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        requests.post(f"http://127.0.0.1:{port}/cds-services/bonemet-patient-view", json=hook_request(), timeout=5)
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'endpoint="/cds-services/<service_id>",method="POST",status="200"' in metrics  # summed over workers
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = " ".join(line["message"] for line in lines)
    assert "DEMO MODE" in messages and "BONEMET_PUBLIC_URL is not set" in messages
    assert any(line.get("status") == 200 and line.get("hook") == "patient-view" for line in lines)
    assert all(line.startswith("{") for line in stderr.splitlines() if line.strip())  # every line is JSON
    assert "Traceback" not in stderr  # HOME unwritable: no control socket, no crash


WORKER_BOOT = """
import os, queue, signal, sys, time, types
from service.cli.serve import obey_a_stop_asked_while_booting
master_queue = {kind}
for signum in {queued}:
    master_queue.put(signum) if hasattr(master_queue, "put") else master_queue.append(signum)
obey_a_stop_asked_while_booting(types.SimpleNamespace(SIG_QUEUE=master_queue), None)
print("booted", flush=True)
if {stop_after}:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    print("served on", flush=True)
"""


@pytest.mark.parametrize("kind", ["[]", "queue.SimpleQueue()"])  # gunicorn's signal queue, older and newer
@pytest.mark.parametrize(("queued", "stop_after", "expected"), [
    ("[signal.SIGCHLD, signal.SIGTERM]", False, ""),  # the stop came under the master's handler: found, obeyed
    ("[signal.SIGCHLD]", False, "booted\n"),  # a child's exit is the master's business: boot goes on
    ("[]", True, "booted\n"),  # the stop comes after the hook, before gunicorn's own handlers: obeyed
])
def test_a_worker_stopped_while_it_boots_exits_rather_than_serve_until_the_graceful_timeout(kind, queued, stop_after,
                                                                                            expected):
    script = WORKER_BOOT.format(kind=kind, queued=queued, stop_after=stop_after)
    booted = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert (booted.returncode, booted.stdout) == (0, expected), booted.stderr  # never "served on"


def test_serve_help_lists_every_setting_with_its_default():
    from service.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()
    for name, _default in Settings.defaults().items():
        if name in ("host", "port", "workers", "log_level", "demo"):
            assert f"--{name.replace('_', '-')}" in help_text
        else:
            assert Settings.env_name(name) in help_text
    assert "[default: 8080]" in help_text and "BONEMET_MAX_BODY_BYTES             [5000000]" in help_text
