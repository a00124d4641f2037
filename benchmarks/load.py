"""Load and a fault: concurrent EHR clients against `bonemet serve --workers 2`, one worker killed
mid-load (gunicorn starts another), and the feedback store checked afterwards.

    .venv/bin/python benchmarks/load.py [--clients 8] [--seconds 20]

Each client loops: patient-view (100-resource prefetch), then feedback on the card it got. A
request that fails for lack of an answer (the killed worker's) is sent once more, as an EHR
would; feedback is idempotent, so a retried one must still be stored once. Prints requests/s,
p50/p95/p99, errors by kind, and whether every acknowledged feedback is stored exactly once.
Aim: no error but at most one per killed worker, nothing lost, nothing stored twice.
Only loopback is used; the run stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from patient_view import hook_body  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workers_of(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = os.path.join(tmp, "feedback.sqlite3")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
                                  env=dict(os.environ, BONEMET_FEEDBACK_DB=database, BONEMET_LOG_LEVEL="ERROR"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    requests.get(base + "/ready", timeout=1).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise SystemExit("the server did not start")
                    time.sleep(0.1)
            run(base, server.pid, database, args.clients, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(base: str, master: int, database: str, clients: int, seconds: float) -> None:
    body = json.dumps(hook_body())
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    errors: Counter = Counter()
    acknowledged: set[str] = set()  # feedback the service answered 200 to
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def send(session, path, data):
        """One request, sent once more if no answer came (a killed worker); (response or None, tries)."""
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                response = session.post(base + path, data=data, headers=headers, timeout=30)
            except requests.RequestException:
                with lock:
                    errors[f"no answer (try {attempt})"] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors[f"HTTP {response.status_code}"] += 1
            return response
        return None

    def client():
        session = requests.Session()
        while time.monotonic() < stop:
            answer = send(session, "/cds-services/bonemet-patient-view", body)
            if answer is None or answer.status_code != 200:
                continue
            card = answer.json()["cards"][0]
            stamp = f"{uuid.uuid4()}"
            item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
                    "overrideReason": {"reason": card["overrideReasons"][0], "userComment": stamp}}
            reply = send(session, "/cds-services/bonemet-patient-view/feedback", json.dumps({"feedback": [item]}))
            if reply is not None and reply.status_code == 200:
                with lock:
                    acknowledged.add(stamp)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    victims = workers_of(master)[:1]
    for pid in victims:
        os.kill(pid, signal.SIGKILL)  # a worker dies mid-load; gunicorn's master starts another
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    with sqlite3.connect(database) as connection:
        stored = Counter(json.loads(reason)["userComment"] for (reason,) in
                         connection.execute("SELECT override_reason FROM feedback"))
    latencies.sort()

    def pick(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    failed = sum(count for kind, count in errors.items() if "try 2" in kind or kind.startswith("HTTP"))
    print(f"clients {clients}, {elapsed:.1f} s, workers killed: {len(victims)}")
    print(f"requests answered {len(latencies)}  {len(latencies) / elapsed:.0f} req/s  "
          f"p50 {pick(0.5):.1f} ms  p95 {pick(0.95):.1f} ms  p99 {pick(0.99):.1f} ms")
    print(f"errors: {dict(errors) or 'none'}; requests failed after the retry or with an HTTP error: {failed}")
    lost = acknowledged - set(stored)
    twice = [stamp for stamp, count in stored.items() if count > 1]
    print(f"feedback acknowledged {len(acknowledged)}, rows stored {sum(stored.values())}, "
          f"lost {len(lost)}, stored more than once {len(twice)}")


if __name__ == "__main__":
    main()
