"""A request just under the body limit, of the worst mix for the mapper, beside a filler body of the
same size: the time should be in proportion to the size, not to its square.

    .venv/bin/python benchmarks/worst_mix.py [--megabytes 4.8]

The worst mix: many lesions and spinal cord compressions, each with its own Observations (the
mix tests/test_linearity.py counts). The filler: as many bytes of Observations no calculator reads.
Both go through CDS Hooks patient-view (shape check, mapping, scoring) and POST /fhir/$assess (full
validation with the FHIR models too), in process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support.fhir_builders import observation, patient  # noqa: E402
from test_linearity import worst_mix  # noqa: E402


def sized(build, megabytes: float) -> list[dict]:
    """The largest n whose resources stay under the size."""
    n = 1
    while len(json.dumps(build(n * 2))) < megabytes * 1e6:
        n *= 2
    low, high = n, n * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(json.dumps(build(middle))) < megabytes * 1e6 else (low, middle)
    return build(low)


def filler(n: int) -> list[dict]:
    return [patient()] + [observation(f"lab-{i}", "718-7", system="http://loinc.org",
                                      valueQuantity={"value": 12.5, "unit": "g/dL"}) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=4.8)
    args = parser.parse_args()
    from service.config import Settings
    from service.web import create_app

    logging.getLogger("service.web.app").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        # The scored limit raised: this measures the mapping of a large record (benchmarks/over_limit.py: its refusal).
        client = create_app(Settings(feedback_db=os.path.join(tmp, "fb.sqlite3"), max_body_bytes=10_000_000,
                                     max_scored_per_patient=1_000_000)
                            ).test_client()
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in worst_mix(3)]}
        client.post("/fhir/$assess", json=bundle)  # warm up: tables, ValueSets and FHIR models load once
        for name, build in (("worst mix", worst_mix), ("filler", filler)):
            resources = sized(build, args.megabytes)
            conditions = [r for r in resources if r["resourceType"] == "Condition"]
            observations = [r for r in resources if r["resourceType"] == "Observation"]
            hook = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                    "context": {"userId": "Practitioner/x", "patientId": "p1"},
                    "prefetch": {"patient": patient(),
                                 "conditions": {"resourceType": "Bundle", "type": "searchset",
                                                "entry": [{"resource": r} for r in conditions]},
                                 "observations": {"resourceType": "Bundle", "type": "searchset",
                                                  "entry": [{"resource": r} for r in observations]}}}
            bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
            for door, path, body in (("patient-view", "/cds-services/bonemet-patient-view", hook),
                                     ("$assess", "/fhir/$assess", bundle)):
                raw = json.dumps(body)
                started = time.perf_counter()
                response = client.post(path, data=raw, headers={"Content-Type": "application/json"})
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                print(f"{name:10s} {door:13s} {len(raw) / 1e6:5.2f} MB  {len(resources):6d} resources  "
                      f"{elapsed:6.2f} s  answer {len(response.get_data()) / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
