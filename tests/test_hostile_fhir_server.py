"""Fetching from an EHR FHIR server that misbehaves, over real HTTP: a local server started by the
test on loopback redirects, drips, sends huge answers and endless pages. patient-view must answer
in time, follow no redirect, read no more than its caps, and say what it could not read."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from service.config import Settings
from service.web import create_app
from support.fhir_builders import lesion, lesion_observations, patient

pytestmark = pytest.mark.server

SERVICE = "/cds-services/bonemet-patient-view"


def searchset(resources, next_url=None):
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


class Hostile(BaseHTTPRequestHandler):
    """Behaves by the first path segment: /ok, /redirect, /drip, /huge, /endless (then the FHIR path)."""

    calls: ClassVar[list[str]] = []  # shared by every handler: what the server was asked
    other_port = 0

    def log_message(self, *args):  # quiet
        pass

    def _json(self, body, status=200):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        Hostile.calls.append(self.path)
        mode, _, rest = self.path.lstrip("/").partition("/")
        kind = rest.split("?")[0]
        answers = {"Condition": searchset([lesion()]), "Observation": searchset(lesion_observations()),
                   "Patient/p1": patient()}
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{Hostile.other_port}/ok/{rest}")
            self.end_headers()
        elif mode == "drip" and kind == "Condition":
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif mode == "huge" and kind == "Observation":
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.end_headers()
            try:
                self.wfile.write(b'{"resourceType": "Bundle", "type": "searchset", "entry": [')
                for _ in range(2000):
                    self.wfile.write(b" " * 1024)
            except OSError:
                pass
        elif mode == "endless" and kind == "Observation":
            page = int(rest.split("page=")[1]) if "page=" in rest else 0
            resources = lesion_observations() if page == 0 else []
            self._json(searchset(resources, f"http://127.0.0.1:{self.server.server_port}/endless/Observation?"
                                            f"page={page + 1}"))
        else:
            self._json(answers.get(kind, searchset([])))


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True  # a dripping handler must not hold the test at shutdown


@pytest.fixture
def server():
    hostile = LoopbackServer(("127.0.0.1", 0), Hostile)
    other = LoopbackServer(("127.0.0.1", 0), Hostile)
    Hostile.other_port = other.server_port
    Hostile.calls = []
    for s in (hostile, other):
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield hostile.server_port, other.server_port
    for s in (hostile, other):
        s.shutdown()
        s.server_close()


def client_for(port, **settings):
    return create_app(Settings(feedback_db=":memory:", fhir_allowed_hosts=f"127.0.0.1:{port}", **settings)
                      ).test_client()


def hook(port, mode):
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "fhirServer": f"http://127.0.0.1:{port}/{mode}",
            "fhirAuthorization": {"access_token": "secret", "token_type": "Bearer", "expires_in": 300,
                                  "scope": "patient/*.read", "subject": "bonemet"}}


def test_a_well_behaved_server_is_read(server):
    port, _ = server
    response = client_for(port).post(SERVICE, json=hook(port, "ok"))
    assert response.status_code == 200 and response.get_json()["cards"][0]["summary"].count(", Mirels score 9:") == 1


def test_a_redirect_to_another_host_is_never_followed(server):
    port, _other = server
    response = client_for(port).post(SERVICE, json=hook(port, "redirect"))
    assert response.status_code == 412 and "redirects are not followed" in response.get_json()["detail"]
    assert not any(call.startswith("/ok/") for call in Hostile.calls)  # the other host was never asked


def test_a_dripping_server_is_cut_off_at_the_deadline(server):
    port, _ = server
    started = time.monotonic()
    response = client_for(port, fhir_fetch_deadline=1.5).post(SERVICE, json=hook(port, "drip"))
    assert time.monotonic() - started < 5
    assert response.status_code == 412 and "within 1.5 s" in response.get_json()["detail"]


def test_a_huge_answer_is_not_read_past_the_cap(server):
    port, _ = server
    response = client_for(port, fhir_max_answer_bytes=100_000).post(SERVICE, json=hook(port, "huge"))
    assert response.status_code == 412 and "more than 100000 bytes" in response.get_json()["detail"]


def test_endless_pages_stop_at_the_cap_and_the_card_says_so(server):
    port, _ = server
    response = client_for(port, fhir_page_cap=3).post(SERVICE, json=hook(port, "endless"))
    assert response.status_code == 200
    cards = response.get_json()["cards"]
    review = next(c for c in cards if c["source"]["topic"]["code"] == "data-review")
    assert review["indicator"] == "warning" and "only the first 3 pages" in review["detail"]
    assert sum(call.startswith("/endless/Observation") for call in Hostile.calls) == 3
