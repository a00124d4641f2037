"""A record over BONEMET_MAX_SCORED_PER_PATIENT (10,000 long-bone lesions, 4.9 MB) through every door, beside
a filler of the same size (Observations no calculator reads, which is assessed): the refusal's time and peak
memory above the idle process. The floor (issue 27): the refusal in under 0.5 s and 100 MB.

    .venv/bin/python benchmarks/over_limit.py [--lesions 10000]

Doors: CDS Hooks patient-view and POST /fhir/$assess (in process, Flask test client), `bonemet assess FILE`
and `bonemet bulk DIR OUT` (in process, their `main`). Each measurement runs in a fresh process, warmed up on
a small record first: its peak resident memory before and after the call gives what the call added.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.fhir_builders import FEMUR, HUMERUS, LEFT, RIGHT, lesion, observation, patient  # noqa: E402

DOORS = ("patient-view", "$assess", "bonemet assess", "bonemet bulk")


def lesions(n: int) -> list[dict]:
    return [patient()] + [lesion(f"lesion-{i}", bone=(FEMUR, HUMERUS)[i % 2], side=(LEFT, RIGHT)[i % 2])
                          for i in range(n)]


def filler(megabytes: float) -> list[dict]:
    """Labs no calculator reads, as many bytes as the lesions."""
    resources = [patient()]
    size = 0
    while size < megabytes * 1e6:
        lab = observation(f"lab-{len(resources)}", "718-7", system="http://loinc.org",
                          valueQuantity={"value": 12.5, "unit": "g/dL"})
        resources.append(lab)
        size += len(json.dumps(lab)) + 2
    return resources


def write_inputs(resources: list[dict], folder: Path) -> None:
    """The record as each door takes it: a hook request, a Bundle, an NDJSON export."""
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    searchset = lambda rs: {"resourceType": "Bundle", "type": "searchset",  # noqa: E731
                            "entry": [{"resource": r} for r in rs]}
    hook = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/x", "patientId": "p1"},
            "prefetch": {"patient": resources[0], "conditions": searchset(conditions),
                         "observations": searchset(observations)}}
    (folder / "hook.json").write_text(json.dumps(hook))
    (folder / "bundle.json").write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                                    "entry": [{"resource": r} for r in resources]}))
    (folder / "export").mkdir()
    for kind in ("Patient", "Condition", "Observation"):
        lines = [json.dumps(r) for r in resources if r["resourceType"] == kind]
        if lines:
            (folder / "export" / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")


def peak_mb() -> float:
    """The peak resident memory of this process or of its largest child (bulk's workers), in MB."""
    return max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024


def child(door: str, folder: Path, small: Path) -> dict:
    """In a fresh process: warm the door up on ``small``, then time it on ``folder``'s record."""
    import logging

    from service.cli import main
    from service.config import Settings
    from service.web import create_app

    logging.getLogger("service.web.app").setLevel(logging.ERROR)
    app = create_app(Settings.load(feedback_db=str(folder / "fb.sqlite3"))).test_client()

    def call(where: Path, out: str) -> str:
        if door == "patient-view":
            answer = app.post("/cds-services/bonemet-patient-view", data=(where / "hook.json").read_bytes(),
                              headers={"Content-Type": "application/json"})
            return f"HTTP {answer.status_code}"
        if door == "$assess":
            answer = app.post("/fhir/$assess", data=(where / "bundle.json").read_bytes(),
                              headers={"Content-Type": "application/json"})
            return f"HTTP {answer.status_code}"
        sink = io.StringIO()
        with redirect_stdout(sink), redirect_stderr(sink):
            if door == "bonemet assess":
                code = main(["assess", str(where / "bundle.json")])
            else:
                code = main(["bulk", str(where / "export"), str(where / out), "--workers", "1"])
        return f"exit {code}"

    call(small, "out-warm")
    before = peak_mb()
    started = time.perf_counter()
    outcome = call(folder, "out")
    return {"seconds": time.perf_counter() - started, "added_mb": peak_mb() - before, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesions", type=int, default=10_000)
    parser.add_argument("--doors", nargs="+", choices=DOORS, default=DOORS)
    parser.add_argument("--child", nargs=3, metavar=("DOOR", "FOLDER", "SMALL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), Path(args.child[2]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        records = {"small": lesions(2), "over the limit": lesions(args.lesions)}
        size = len(json.dumps(records["over the limit"])) / 1e6
        records["filler"] = filler(size)
        for name, resources in records.items():
            (Path(tmp) / name).mkdir()
            write_inputs(resources, Path(tmp) / name)
        print(f"{args.lesions} lesions of one patient ({size:.1f} MB of resources), over the limit of 100, beside "
              f"{len(records['filler']) - 1} Observations no calculator reads (the same size); floor: refused in "
              "< 0.5 s and < 100 MB above the idle process")
        # Limits raised for the filler to be assessed: only BONEMET_MAX_SCORED_PER_PATIENT (100) refuses.
        env = dict(os.environ, PYTHONPATH=str(ROOT), BONEMET_MAX_BODY_BYTES="10000000", BONEMET_MAX_RESOURCES="100000")
        for door in args.doors:
            for name in ("over the limit", "filler"):
                run = subprocess.run([sys.executable, __file__, "--child", door, str(Path(tmp) / name),
                                      str(Path(tmp) / "small")], capture_output=True, text=True, env=env, cwd=tmp)
                if run.returncode:
                    print(f"  {door:15s} {name:15s} failed: {run.stderr[-500:]}")
                    continue
                row = json.loads(run.stdout.splitlines()[-1])
                print(f"  {door:15s} {name:15s} {row['outcome']:8s} {row['seconds']:6.2f} s  "
                      f"+{row['added_mb']:6.0f} MB")


if __name__ == "__main__":
    main()
