"""`bonemet serve` beside slow and idle clients: /health p99 and patient-view throughput, without them and
with them, beside the floor (issue 27: /health p99 <= 100 ms, patient-view >= 80 % of its throughput).

    .venv/bin/python benchmarks/slow_clients.py [--slow 50] [--idle 50] [--workers 2] [--port 18100]

Slow clients send a request line and headers one byte every ``--interval`` seconds (slowloris), and
open a new connection whenever the service closes theirs; idle ones connect and send nothing (a
browser's preconnect). No JWT is needed: the headers never finish. The service runs as `bonemet serve`
runs it, from the source tree this script lives in, on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from patient_view import hook_body  # noqa: E402
from timing import percentile  # noqa: E402

SLOW_REQUEST = (b"POST /cds-services/bonemet-patient-view HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"X-Padding: " + b"a" * 200 + b"\r\n\r\n")


class Crowd:
    """``slow`` slowloris clients and ``idle`` silent connections, kept up until ``stop``."""

    def __init__(self, port: int, slow: int, idle: int, interval: float) -> None:
        self.port, self.interval = port, interval
        self.stopping = threading.Event()
        self.reconnects = 0
        self.idle: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._slow, daemon=True) for _ in range(slow)]
        for _ in range(idle):
            self.idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        for thread in self.threads:
            thread.start()

    def _slow(self) -> None:
        while not self.stopping.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    for byte in SLOW_REQUEST:
                        sock.sendall(bytes([byte]))
                        if self.stopping.wait(self.interval):
                            return
            except OSError:  # closed by the service (its client timeout): come back, as an attacker would
                self.reconnects += 1
                self.stopping.wait(0.1)

    def keep_idle(self) -> None:
        """Idle connections the service closed are opened again: there are always ``idle`` of them."""
        for position, sock in enumerate(self.idle):
            sock.setblocking(False)
            try:
                sock.recv(1024)  # an answer (a 408) or the end of the stream: the service closed it
                closed = True
            except BlockingIOError:
                closed = False
            except OSError:
                closed = True
            if closed:
                sock.close()
                self.reconnects += 1
                self.idle[position] = socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def stop(self) -> None:
        self.stopping.set()
        for sock in self.idle:
            sock.close()
        for thread in self.threads:
            thread.join(timeout=self.interval + 6)


def health_probes(base: str, count: int, crowd: Crowd | None) -> tuple[list[float], int]:
    """Seconds of ``count`` /health probes (a new connection each, as a load balancer's), and how many failed
    (no answer within 5 s, or not 200)."""
    times, failed = [], 0
    for position in range(count):
        if crowd is not None and position % 20 == 0:
            crowd.keep_idle()
        started = time.perf_counter()
        try:
            ok = requests.get(base + "/health", timeout=5).status_code == 200
        except requests.RequestException:
            ok = False
        times.append(time.perf_counter() - started)
        failed += not ok
        time.sleep(0.02)
    return times, failed


def throughput(base: str, body: bytes, seconds: float, clients: int) -> tuple[float, int]:
    """Patient-view answers per second with ``clients`` clients in a loop for ``seconds``, and failures."""
    url = base + "/cds-services/bonemet-patient-view"
    done = [0] * clients
    failed = [0] * clients
    why: set[str] = set()
    end = time.monotonic() + seconds

    def loop(index: int) -> None:
        session = requests.Session()
        while time.monotonic() < end:
            try:
                response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
                ok = response.status_code == 200 and len(response.json()["cards"]) >= 3
            except requests.RequestException as error:
                ok = False
                why.add(type(error).__name__)
            else:
                if not ok:
                    why.add(f"HTTP {response.status_code}, {response.text.count(chr(34) + 'summary' + chr(34))} cards")
            done[index] += ok
            failed[index] += not ok

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(loop, range(clients)))
    if why:
        print("  patient-view failures:", "; ".join(sorted(why)))
    return sum(done) / (time.monotonic() - started), sum(failed)


def measure(base: str, body: bytes, args: argparse.Namespace, crowd: Crowd | None) -> dict:
    times, failed = health_probes(base, args.probes, crowd)
    rate, rate_failed = throughput(base, body, args.seconds, args.workers)
    return {"p50": percentile(times, 0.5) * 1000, "p99": percentile(times, 0.99) * 1000, "failed": failed,
            "rate": rate, "rate_failed": rate_failed}


def serve(port: int, workers: int, folder: str) -> subprocess.Popen:
    env = dict(os.environ, BONEMET_FEEDBACK_DB=os.path.join(folder, "fb.sqlite3"), BONEMET_LOG_LEVEL="WARNING",
               PYTHONPATH=str(ROOT))
    log = open(os.path.join(folder, "serve.log"), "wb")  # noqa: SIM115 (the server's, for as long as it runs)
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    for _ in range(400):
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("bonemet serve did not start; see " + os.path.join(folder, "serve.log"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--idle", type=int, default=50)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between a slow client's bytes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--probes", type=int, default=300, help="/health probes per phase")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of patient-view load per phase")
    args = parser.parse_args()
    body = json.dumps(hook_body()).encode()
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory() as folder:
        process = serve(args.port, args.workers, folder)
        try:
            measure(base, body, argparse.Namespace(**{**vars(args), "probes": 20, "seconds": 1.0}), None)  # warm
            alone = measure(base, body, args, None)
            crowd = Crowd(args.port, args.slow, args.idle, args.interval)
            time.sleep(2 * args.interval)  # every slow client has started its headers
            try:
                crowded = measure(base, body, args, crowd)
            finally:
                crowd.stop()
        finally:
            process.terminate()
            process.wait(timeout=30)
            with open(os.path.join(folder, "serve.log"), encoding="utf-8", errors="replace") as log:
                lines = [line.strip() for line in log if "WARNING" in line or "ERROR" in line or "CRITICAL" in line]
    print(f"bonemet serve, {args.workers} workers; {args.slow} slow clients (one header byte every "
          f"{args.interval:g} s) and {args.idle} idle connections; {args.probes} /health probes, "
          f"{args.workers} patient-view clients for {args.seconds:g} s per phase")
    for name, row in (("without them", alone), ("with them", crowded)):
        print(f"  {name:13s} /health p50 {row['p50']:7.2f} ms  p99 {row['p99']:8.2f} ms  failed {row['failed']:3d}"
              f"   patient-view {row['rate']:6.1f} req/s  failed {row['rate_failed']}")
    ratio = crowded["rate"] / alone["rate"] if alone["rate"] else 0.0
    print(f"  floor: /health p99 <= 100 ms with them: {crowded['p99']:.1f} ms "
          f"({'met' if crowded['p99'] <= 100 and not crowded['failed'] else 'NOT met'}); "
          f"patient-view >= 80 % of its throughput: {ratio:.0%} ({'met' if ratio >= 0.8 else 'NOT met'})")
    print(f"  slow and idle connections the service closed (and that came back): {crowd.reconnects}")
    print("  the service's warnings:")
    for line in lines[-5:]:
        print("    " + line[:300])


if __name__ == "__main__":
    main()
