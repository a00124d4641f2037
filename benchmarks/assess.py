"""``POST /fhir/$assess`` on Bundles of 100, 1,000 and 10,000 resources, beside a bare Flask echo of
the same body: the ratio to the echo, and the time per resource (linear growth keeps it flat).

    .venv/bin/python benchmarks/assess.py [--sizes 100 1000 10000] [--requests 200]

Each Bundle is one patient's record as a hospital holds it: per relevant resource (a lesion with
its size, type and pain; a spinal cord compression with its items; the primary cancer), ten that no
calculator reads (laboratory Observations with reference ranges, MedicationRequests, Encounters),
as ``examples/generate_bulk.py --noise 10`` writes them. In process (Flask test client), the median
and p95 of each, and the ratio of the medians; the two are called in turns, one call each
(``timing.in_turns``), so that this VM's swings of speed move both alike. The garbage collector is set
as ``bonemet serve`` sets it (``settle_collector``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "examples"))
sys.path.insert(0, str(HERE))

from generate_bulk import noise_resources, patient_resources  # noqa: E402
from timing import in_turns  # noqa: E402


def record(size: int) -> bytes:
    """A Bundle of about ``size`` resources, one patient: relevant ones and ten times as many others."""
    rng = random.Random(size)
    relevant = [r for kind in patient_resources(0, rng).values() for r in kind]
    noise = [r for kind in noise_resources("syn-0", max(0, size - len(relevant)), rng).values() for r in kind]
    resources = (relevant + noise)[:size]
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"fullUrl": f"urn:uuid:{i:08d}-0000-4000-8000-000000000000", "resource": r}
                                 for i, r in enumerate(resources)]}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from bare_echo import app as bare_app

    from service.cli.serve import settle_collector
    from service.config import Settings
    from service.web import create_app

    logging.getLogger("service.web.app").setLevel(logging.ERROR)  # no issuer on loopback: no warning per call
    with tempfile.TemporaryDirectory() as tmp:
        # 10,000 resources are about 7 MB: above the default body limit (5 MB), raised here as a deployment would.
        ours = create_app(Settings(feedback_db=os.path.join(tmp, "fb.sqlite3"),
                                   max_body_bytes=50_000_000)).test_client()
        echo = bare_app.test_client()
        settle_collector()  # as `bonemet serve` sets the garbage collector, for both apps of this process
        headers, echo_headers = {"Content-Type": "application/fhir+json"}, {"Content-Type": "application/json"}
        print(f"{'resources':>9}  {'KB':>6}  {'$assess p50':>12}  {'p95':>9}  {'echo p50':>9}  {'ratio':>6}  "
              f"{'µs per resource':>15}")
        for size in args.sizes:
            body = record(size)
            count = max(5, args.requests * 100 // size)
            answer = ours.post("/fhir/$assess", data=body, headers=headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
            turns = in_turns({"ours": lambda body=body: ours.post("/fhir/$assess", data=body, headers=headers),
                              "echo": lambda body=body: echo.post("/echo", data=body, headers=echo_headers)},
                             count, warm_up=min(10, count))
            ours_times, echo_times = turns["ours"], turns["echo"]
            p50, echo_p50 = statistics.median(ours_times), statistics.median(echo_times)
            p95 = sorted(ours_times)[int(0.95 * (len(ours_times) - 1))]
            print(f"{size:>9}  {len(body) / 1024:6.0f}  {p50 * 1000:9.2f} ms  {p95 * 1000:6.2f} ms  "
                  f"{echo_p50 * 1000:6.2f} ms  {p50 / echo_p50:5.1f}x  {p50 / size * 1e6:15.0f}")


if __name__ == "__main__":
    main()
