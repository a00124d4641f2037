"""patient-view with no prefetch: everything is fetched from the EHR's FHIR server, here a local stand-in
that answers each query after an injected latency. Prints patient-view's latency beside the slowest single
query's (the floor: the searches of one request run at once; aim <= 1.3x), at 0, 50 and 200 ms.

    .venv/bin/python benchmarks/no_prefetch.py [--requests 20] [--latencies 0,50,200]

The stand-in (a threaded HTTP/1.1 server on loopback, keeping connections alive) also counts how many
queries it served at once at most, and over how many connections: the searches overlap, and the
connections are reused from one request to the next. patient-view runs in process (Flask test client).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support.fhir_builders import lesion, lesion_observations, patient  # noqa: E402


class StandIn(ThreadingHTTPServer):
    """The EHR's FHIR server: Patient/p1, its Conditions and Observations, each after ``latency`` seconds."""

    daemon_threads = True

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.in_flight = self.most_at_once = self.queries = 0
        self.connections: set[int] = set()
        observations = lesion_observations()
        self.answers = {"Patient/p1": patient(),
                        "Condition": _searchset([lesion()]),
                        "Observation": _searchset(observations),
                        "Procedure": _searchset([])}


def _searchset(resources: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r} for r in resources]}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections kept alive, as EHR servers do
    wbufsize = 1 << 20  # the head and body in one write: no 40 ms of Nagle and delayed ACK between them
    disable_nagle_algorithm = True
    server: StandIn

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.queries += 1
            server.most_at_once = max(server.most_at_once, server.in_flight)
            server.connections.add(self.client_address[1])
        try:
            time.sleep(server.latency)
            kind = self.path.split("/fhir/", 1)[-1].split("?")[0]
            raw = json.dumps(server.answers.get(kind, _searchset([]))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        finally:
            with server.lock:
                server.in_flight -= 1


def hook(port: int) -> dict:
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "fhirServer": f"http://127.0.0.1:{port}/fhir",
            "fhirAuthorization": {"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                  "scope": "patient/*.read", "subject": "bonemet"}}


def measure(latency: float, count: int, folder: str) -> dict:
    """patient-view's median seconds with no prefetch, the slowest single query's, and what the stand-in saw."""
    from service.config import Settings
    from service.web import create_app
    from service.web.cds_hooks import PREFETCH

    server = StandIn(latency)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        port = server.server_port
        client = create_app(Settings(feedback_db=f"{folder}/fb-{latency}.sqlite3",
                                     fhir_allowed_hosts=f"127.0.0.1:{port}")).test_client()
        answer = client.post("/cds-services/bonemet-patient-view", json=hook(port))  # warm up
        assert answer.status_code == 200 and answer.get_json()["cards"], answer.get_data(as_text=True)[:300]
        server.most_at_once = 0
        server.queries = 0
        server.connections.clear()
        times = []
        for _ in range(count):
            started = time.perf_counter()
            answer = client.post("/cds-services/bonemet-patient-view", json=hook(port))
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200
        seen = {"most_at_once": server.most_at_once, "queries": server.queries,
                "connections": len(server.connections)}
        # Each query alone, over a kept connection, as the service sends it.
        session = requests.Session()
        slowest = 0.0
        for template in PREFETCH.values():
            url = f"http://127.0.0.1:{port}/fhir/" + template.replace("{{context.patientId}}", "p1")
            alone = []
            for _ in range(max(3, count // 2)):
                started = time.perf_counter()
                session.get(url, timeout=10).json()
                alone.append(time.perf_counter() - started)
            slowest = max(slowest, statistics.median(alone))
    finally:
        server.shutdown()
        server.server_close()
    view = statistics.median(times)
    return {"latency": latency, "patient_view": view, "slowest_query": slowest, "ratio": view / slowest, **seen}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--latencies", default="0,50,200", help="milliseconds, comma-separated")
    args = parser.parse_args(argv)
    import tempfile

    quiet = logging.getLogger("service.web.app")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # no JWT issuer: said once, not here; restored after (the suite runs main())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for milliseconds in (float(m) for m in args.latencies.split(",")):
            row = measure(milliseconds / 1000, args.requests, folder)
            rows.append(row)
            print(f"latency {milliseconds:5.0f} ms: patient-view {row['patient_view'] * 1000:7.1f} ms, slowest "
                  f"single query {row['slowest_query'] * 1000:7.1f} ms: {row['ratio']:4.2f}x (aim <= 1.3x); "
                  f"{row['most_at_once']} queries at once at most, {row['queries']} queries over "
                  f"{row['connections']} connections")
    quiet.setLevel(level)
    print("(at 0 ms the ratio is the service's own work beside a bare query: the aim is for real latencies)")
    return rows


if __name__ == "__main__":
    main()
