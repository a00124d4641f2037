"""What patient-view stores, and how long storing takes as the kept rows grow (issue 28, item 2).

    .venv/bin/python benchmarks/store.py [--rows 100,10000,100000] [--calls 200]

Prints, for the benchmark's 100-resource request and each patient-view example, the bytes of the
assessment kept for the card's link (what the store holds for it) beside the whole request's resources
(what was kept before) and the aim (<= 4 KB); then the median and p95 time of keeping one assessment
(insert and delete of the expired, committed) with 100, 10,000 and 100,000 unexpired rows already kept,
on SQLite and on PostgreSQL: BONEMET_DATABASE_URL, else a throw-away server started as the tests start it
(tests/support/postgres_server.py), else said absent. Flat means the 100,000-row time is within noise of the 100-row time.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parent / "tests")]

from patient_view import hook_body  # noqa: E402

from service.config import Settings  # noqa: E402
from service.store import Store, open_store  # noqa: E402
from service.web import create_app  # noqa: E402
from service.web.sessions import AssessmentKeeper, KeptAssessment  # noqa: E402

AIM_BYTES = 4096


def resources_of(body: dict) -> list[dict]:
    found: list[dict] = []
    for value in (body.get("prefetch") or {}).values():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            found += [entry["resource"] for entry in value.get("entry", [])]
        elif isinstance(value, dict):
            found.append(value)
    return found


def bytes_per_patient_view(folder: Path, tiny: bool) -> None:
    requests = [("benchmark, 100 resources", hook_body())]
    examples = sorted(glob.glob(str(HERE.parent / "examples/cds-hooks/patient-view/*.json")))
    for path in examples[:2] if tiny else examples:
        requests.append((Path(path).stem, json.loads(Path(path).read_text("utf-8"))))
    app = create_app(Settings(feedback_db=str(folder / "bytes.sqlite3")))
    client, store = app.test_client(), app.extensions["bonemet_store"]
    print(f"bytes kept per patient-view (aim <= {AIM_BYTES}); before: the whole request's resources as JSON")
    for name, body in requests:
        with store.transaction() as db:
            db.execute("DELETE FROM kept_assessment")
        answer = client.post("/cds-services/bonemet-patient-view", json=body)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        with store.transaction() as db:
            row = db.execute("SELECT SUM(LENGTH(body)), COUNT(*) FROM kept_assessment").fetchone()
        before = len(json.dumps({"patient_id": "p", "user": None, "locale": "en", "as_of": "2026-01-01",
                                 "resources": resources_of(body)}, separators=(",", ":")))
        kept = row[0] or 0
        gain = f"{before / kept:5.1f}x less" if kept else "no score, no link: nothing kept"
        print(f"  {name:36s} {kept:6d} B  (before {before:6d} B, {gain})")
    store.close()


def store_times(store: Store, label: str, sizes: list[int], calls: int) -> None:
    keeper = AssessmentKeeper(store, 15)
    kept = KeptAssessment("p1", "Practitioner/1", "en", "2026-12-01", resources_of(hook_body(noise=False)))
    body = os.urandom(800)  # a kept assessment's size, incompressible like the real (compressed) ones
    have = 0
    medians = {}
    for size in sizes:
        with store.transaction() as db:
            batch = [(uuid.uuid4().hex, time.time() + 3600, body) for _ in range(size - have)]
            db.executemany("INSERT INTO kept_assessment (id, expires, body) VALUES (?, ?, ?)", batch)
        have = size
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            keeper.keep(kept)
            times.append(time.perf_counter() - start)
        have += calls
        times.sort()
        medians[size] = statistics.median(times)
        print(f"  {label:10s} {size:7d} kept rows: keep one assessment median {medians[size] * 1000:6.3f} ms, "
              f"p95 {times[int(len(times) * 0.95)] * 1000:6.3f} ms")
    first, last = sizes[0], sizes[-1]
    print(f"  {label:10s} {last} rows / {first} rows: {medians[last] / medians[first]:.2f}x (flat: about 1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100,10000,100000", help="kept rows to measure at, comma-separated")
    parser.add_argument("--calls", type=int, default=200, help="assessments kept at each size")
    parser.add_argument("--tiny", action="store_true", help="a few rows and calls: the suite's check that it runs")
    args = parser.parse_args()
    sizes = [10, 100] if args.tiny else [int(n) for n in args.rows.split(",")]
    calls = 5 if args.tiny else args.calls
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        bytes_per_patient_view(folder, args.tiny)
        print("time to keep one assessment, by rows already kept")
        sqlite = open_store("", str(folder / "times.sqlite3"))
        sqlite.migrate()
        store_times(sqlite, "SQLite", sizes, calls)
        sqlite.close()
        server = None
        url = os.environ.get("BONEMET_DATABASE_URL", "")
        if not url:
            from support.postgres_server import PostgresServer

            server = PostgresServer()
            why = server.why_not()
            if why:
                print(f"  PostgreSQL: not measured: {why}")
                server = None
            else:
                server.start()
                url = server.create_database("bench")
        try:
            if url:
                postgres = open_store(url, "")
                postgres.migrate()
                with postgres.transaction() as db:
                    db.execute("DELETE FROM kept_assessment")
                store_times(postgres, "PostgreSQL", sizes, calls)
                postgres.close()
        finally:
            if server is not None:
                server.remove()


if __name__ == "__main__":
    main()
