"""Slow and idle clients cannot starve `bonemet serve` (benchmarks/slow_clients.py, small): with one worker,
connections that send nothing, send their headers a byte at a time, or their body a byte at a time, leave
/health and patient-view answering; they are closed at BONEMET_CLIENT_TIMEOUT with a 408 that says why,
and the log names them as slow clients."""

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from patient_view import hook_body  # noqa: E402

pytestmark = pytest.mark.server


def _port() -> int:
    """A free port of this test's range (18100-18199)."""
    for port in range(18150, 18200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 18150-18199")


@pytest.fixture
def served(tmp_path):
    port = _port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(tmp_path / "f.sqlite3"), "BONEMET_CLIENT_TIMEOUT": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                                    "--workers", "1"], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def _trickle(port: int, data: bytes, answers: list[bytes], stop: threading.Event) -> None:
    """Send ``data`` a byte every 0.3 s until the service answers; keep what it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for byte in data:
            if stop.is_set() or select.select([sock], [], [], 0.3)[0]:
                break
            sock.sendall(bytes([byte]))
        else:
            select.select([sock], [], [], 10)
        answers.append(sock.recv(65536))


def test_slow_and_idle_clients_leave_the_service_answering(served):
    port, log = served
    base = f"http://127.0.0.1:{port}"
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
    headers = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    body = b"POST /cds-services/bonemet-patient-view HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" \
           b"Content-Length: 200\r\n\r\n" + b" " * 200
    answers: list[bytes] = []
    stop = threading.Event()
    slow = [threading.Thread(target=_trickle, args=(port, data, answers, stop), daemon=True)
            for data in [headers] * 4 + [body[:body.index(b"\r\n\r\n") + 4 + 100]]]
    try:
        for thread in slow:
            thread.start()
        time.sleep(1)  # every slow client is in its request
        for _ in range(5):
            assert requests.get(base + "/health", timeout=5).status_code == 200
        answer = requests.post(base + "/cds-services/bonemet-patient-view", json=hook_body(), timeout=10)
        assert answer.status_code == 200 and answer.json()["cards"]
        for thread in slow:
            thread.join(timeout=15)
        # The client timeout (3 s) closed every one of them, a 408 saying why to those that began a request.
        assert len(answers) == 5
        for raw in answers:
            head, _, text = raw.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408 ")
            assert "BONEMET_CLIENT_TIMEOUT" in json.loads(text)["detail"]
        for sock in idle:
            assert sock.recv(1024) == b""  # an idle connection is closed without a word
    finally:
        stop.set()
        for sock in idle:
            sock.close()
    assert requests.get(base + "/health", timeout=5).status_code == 200
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    said = [line["message"] for line in lines if line["level"] == "WARNING" and line["logger"] == "bonemet.serve"]
    assert said and all(message.startswith("slow clients: ") for message in said)
    assert not any("out of memory" in line["message"] or "WORKER TIMEOUT" in line["message"] for line in lines)
