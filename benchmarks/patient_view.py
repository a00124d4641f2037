"""Measure CDS Hooks patient-view with a 100-resource prefetch, beside a bare Flask echo.

    .venv/bin/python benchmarks/patient_view.py [--requests 2000]

Prints p50/p95/p99 latency and requests/s, in process (Flask test client, with the default
garbage collector, then set as `bonemet serve` sets it before forking: ``settle_collector``)
and over HTTP under gunicorn with 2 workers (one sequential client on loopback), and the
ratio to the bare endpoint measured in the same run. In process, the two are also measured in turns, one call each
(``timing.in_turns``): the ratio that this VM's swings of speed do not move.

Every in-process call is measured to the end of its response: the response is read and closed, so what the
worker does after answering (``call_on_close``, teardown) is counted; the store writes the assessment before
answering. Beside wall time, the worker's CPU per request (``time.process_time``: this process is the worker)
is printed for patient-view, ``$assess`` on the same 100 resources as a Bundle, and the echo, in turns, medians
(issue 28's aims: patient-view <= 2x the echo's CPU, ``$assess`` <= 1.5x).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support.fhir_builders import (FEMUR, HUMERUS, ICD10, LEFT, RIGHT, SCT, coded, condition, lesion,  # noqa: E402
                           lesion_observations, observation, patient, quantity)


def hook_body(noise: bool = True) -> dict:
    """100 resources: 2 lesions, a compression, its inputs, and unrelated Conditions/Observations (without
    ``noise``, the 14 resources of the three scores only)."""
    conditions = [lesion("l1", FEMUR, LEFT), lesion("l2", HUMERUS, RIGHT),
                  condition("breast", SCT, "254837009", onset="2024-02-01"),
                  condition("mscc", ICD10, "G95.2", onset="2026-11-01")]
    conditions += [condition(f"other-{i}", SCT, "38341003") for i in range(40)]
    observations = lesion_observations("Condition/l1", prefix="a") + lesion_observations("Condition/l2", prefix="b")
    observations += [observation("motor", "motor-function", **coded("ambulatory-with-aid")),
                     observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
                     observation("deficit", "days-developing-motor-deficits", **quantity(10, "d"))]
    observations += [observation(f"lab-{i}", "2345-7", system="http://loinc.org",
                                 valueQuantity={"value": 5.1, "unit": "mmol/L"}) for i in range(100 - 4 - 40 - 9 - 1)]
    if not noise:
        conditions = [c for c in conditions if not c["id"].startswith("other-")]
        observations = [o for o in observations if not o["id"].startswith("lab-")]
    bundle = lambda rs: {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in rs]}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": bundle(conditions), "observations": bundle(observations)}}


def summary(name: str, seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    row = {"name": name, "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "rps": len(ms) / (sum(ms) / 1000)}
    print(f"{name:38s} p50 {row['p50']:6.2f} ms  p95 {row['p95']:6.2f} ms  p99 {row['p99']:6.2f} ms  "
          f"{row['rps']:8.0f} req/s")
    return row


def closed(call):
    """``call`` measured to the end of its response: its body read and the response closed (after-response work)."""
    def whole():
        response = call()
        response.get_data()
        response.close()
        return response
    return whole


def cpu_in_turns(calls: dict, count: int) -> dict[str, list[float]]:
    """CPU seconds of this process (the worker) per call, in turns (a, b, a, b...)."""
    for call in calls.values():
        call()
    spent: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            started = time.process_time()
            call()
            spent[name].append(time.process_time() - started)
    return spent


def timed(call, count: int) -> list[float]:
    for _ in range(min(50, count)):  # warm up
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--no-http", action="store_true", help="in process only (the suite's tiny run)")
    args = parser.parse_args(argv)
    body = hook_body()
    raw = json.dumps(body).encode()
    resources = [body["prefetch"]["patient"]] + [entry["resource"] for name in ("conditions", "observations")
                                                 for entry in body["prefetch"][name]["entry"]]
    bundle_raw = json.dumps({"resourceType": "Bundle", "type": "collection",
                             "entry": [{"resource": r} for r in resources]}).encode()
    print(f"request body: {len(raw) / 1024:.0f} KB, {len(resources)} resources")

    from service.cli.serve import settle_collector
    from service.config import Settings
    from service.web import create_app
    sys.path.insert(0, str(HERE))
    from bare_echo import app as bare_app
    from timing import in_turns

    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Loopback benchmark with no JWT issuer: silence the per-request warning that says so.
        logging.getLogger("service.web.app").setLevel(logging.ERROR)
        ours = create_app(Settings(feedback_db=os.path.join(tmp, "fb.sqlite3"))).test_client()
        bare = bare_app.test_client()
        headers = {"Content-Type": "application/json"}
        view = closed(lambda: ours.post("/cds-services/bonemet-patient-view", data=raw, headers=headers))
        scored_only = json.dumps(hook_body(noise=False)).encode()
        only = closed(lambda: ours.post("/cds-services/bonemet-patient-view", data=scored_only, headers=headers))
        assess = closed(lambda: ours.post("/fhir/$assess", data=bundle_raw, headers=headers))
        echo = closed(lambda: bare.post("/echo", data=raw, headers=headers))
        echo_bundle = closed(lambda: bare.post("/echo", data=bundle_raw, headers=headers))
        cards = view().get_json()["cards"]
        assert sum("Mirels" in c["summary"] or "Rades" in c["summary"] for c in cards) == 3, cards  # + advice
        assert assess().status_code == 200
        unfrozen = summary("in-process patient-view, default collector", timed(view, args.requests))
        # What `bonemet serve` does before gunicorn forks (gc.freeze, thresholds), for both apps of this process.
        settle_collector()
        service = summary("in-process patient-view", timed(view, args.requests))
        print(f"settle_collector: p99 {unfrozen['p99']:.2f} -> {service['p99']:.2f} ms, "
              f"p95 {unfrozen['p95']:.2f} -> {service['p95']:.2f} ms")
        # The same, one call each in turn: all under the same conditions of this machine. And the same three
        # scores from their 14 resources alone: what the scoring, rendering and cards cost whatever the record
        # holds beside them (the 86 resources no calculator reads are left out).
        turns = in_turns({"service": view, "scores only": only, "echo": echo}, args.requests)
        service = summary("in turns: patient-view", turns["service"])
        alone = summary("in turns: the 3 scores' 14 resources only", turns["scores only"])
        baseline = summary("in turns: bare Flask echo", turns["echo"])
        print(f"in-process wall time in turns: p50 {service['p50'] / baseline['p50']:.1f}x, "
              f"p95 {service['p95'] / baseline['p95']:.1f}x; "
              f"patient-view p99/p95 {service['p99'] / service['p95']:.2f}; "
              f"the scores' resources only: p50 {alone['p50'] / baseline['p50']:.1f}x the echo of the 100")
        # CPU of the worker (this process) per request, to the end of the response, in turns: what sets capacity.
        cpu = cpu_in_turns({"patient-view": view, "$assess": assess, "echo": echo, "echo of the Bundle": echo_bundle},
                           args.requests)
        median = {name: statistics.median(values) * 1000 for name, values in cpu.items()}
        for name, value in median.items():
            print(f"worker CPU per request, in turns, median: {name:20s} {value:6.2f} ms")
        found = {"patient-view / echo (CPU)": median["patient-view"] / median["echo"],
                 "$assess / echo (CPU)": median["$assess"] / median["echo of the Bundle"],
                 "patient-view / echo (wall p50)": service["p50"] / baseline["p50"]}
        print(f"patient-view / echo, worker CPU: {found['patient-view / echo (CPU)']:.2f}x (aim <= 2x); "
              f"$assess / echo of the same Bundle, worker CPU: {found['$assess / echo (CPU)']:.2f}x (aim <= 1.5x)")
        if args.no_http:
            return found

        port_ours, port_bare = free_port(), free_port()
        env = dict(os.environ, BONEMET_FEEDBACK_DB=os.path.join(tmp, "fb2.sqlite3"), BONEMET_LOG_LEVEL="WARNING")
        processes = [
            subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port_ours), "--workers", "2"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "-w", "2", "-b",
                              f"127.0.0.1:{port_bare}", "bare_echo:app"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL),
        ]
        try:
            wait(f"http://127.0.0.1:{port_ours}/health")
            wait(f"http://127.0.0.1:{port_bare}/")
            session = requests.Session()
            url = f"http://127.0.0.1:{port_ours}/cds-services/bonemet-patient-view"
            turns = in_turns({"service": lambda: session.post(url, data=raw, headers=headers, timeout=10),
                              "echo": lambda: session.post(f"http://127.0.0.1:{port_bare}/echo", data=raw,
                                                           headers=headers, timeout=10)}, args.requests)
            service = summary("in turns: gunicorn x2 patient-view (HTTP)", turns["service"])
            baseline = summary("in turns: gunicorn x2 bare Flask echo (HTTP)", turns["echo"])
            print(f"HTTP ratio in turns: p50 {service['p50'] / baseline['p50']:.1f}x, "
                  f"p95 {service['p95'] / baseline['p95']:.1f}x")
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    return found

if __name__ == "__main__":
    main()
