"""Write, beside every sample bundle, what a CDS Hooks client sends for it.

For each patient of each ``bundles/NN-name.json``:

* ``cds-hooks/patient-view/NN-name[-patient].json``: a ready patient-view request (context and
  prefetch), to POST as is;
* ``cds-hooks/prefetch/NN-name[-patient].json``: the prefetch alone, keyed as the service's discovery
  names its templates, for clients that build the request around it (HealthChain's
  ``SandboxClient.load_from_path``).

Every prefetch holds each key discovery asks for, ``procedures`` too: an empty searchset says the EHR found no
operation, where a key left out says it did not send them (and each Mirels card would say so first).

    python examples/make_cds_requests.py        # a test checks the files stay what this writes

The examples are written for one assessment day (``expected/*.json``, ``as_of``), and a CDS Hooks call assesses
as of today: their records age, and cards say they are too old. For a try today, the same requests with every
date moved so that today is that day (a new folder; the examples stay as they are): the patient-view requests in
it, their prefetch alone in its ``prefetch/`` (for HealthChain, docs/sandbox.md):

    python examples/make_cds_requests.py --dated-today /tmp/bonemet-requests
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(T.*)?$")


def _moved(text: str, days: int) -> str:
    match = _DATE.match(text)
    if not match:
        return text
    year, month, day, time = match.groups()
    if day is None:  # a month: moved by whole months, keeping its precision
        months = int(year) * 12 + int(month) - 1 + round(days / 30.44)
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    try:
        moved = date(int(year), int(month), int(day)) + timedelta(days=days)
    except ValueError:
        return text
    return moved.isoformat() + (time or "")


def redate(node, days: int):
    """A copy of ``node`` (JSON) with every FHIR date and dateTime moved ``days`` days (birth dates too: ages stay
    true). Partial dates (a year, a month) keep their precision."""
    if isinstance(node, dict):
        return {key: redate(value, days) for key, value in node.items()}
    if isinstance(node, list):
        return [redate(value, days) for value in node]
    if isinstance(node, str):
        return _moved(node, days)
    return node


def examples_as_of() -> str:
    """The day the examples' documented results hold (``expected/*.json``)."""
    return json.loads((HERE / "expected" / "01-mirels-7-observation.json").read_text("utf-8"))["as_of"]


def requests_for(bundle: dict, name: str) -> dict[str, dict]:
    """File stem -> patient-view request, one per patient of the bundle."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    made = {}
    for patient in patients:
        mine = [r for r in resources if r.get("subject", {}).get("reference") == f"Patient/{patient['id']}"]

        def searchset(kind: str) -> dict:
            found = [{"resource": r} for r in mine if r["resourceType"] == kind]
            # A search that found nothing: total 0 and no entry (FHIR JSON has no empty arrays).
            return ({"resourceType": "Bundle", "type": "searchset", "entry": found} if found else
                    {"resourceType": "Bundle", "type": "searchset", "total": 0})

        stem = name if len(patients) == 1 else f"{name}-{patient['id']}"
        made[stem] = {
            "hook": "patient-view",
            # Stable, so that the files do not change when written again; send a new one each time.
            "hookInstance": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bonemet-example/{stem}")),
            "context": {"userId": "Practitioner/example", "patientId": patient["id"]},
            "prefetch": {"patient": patient, "conditions": searchset("Condition"),
                         "observations": searchset("Observation"), "procedures": searchset("Procedure")},
        }
    return made


def write_all() -> list[Path]:
    written = []
    for folder in ("patient-view", "prefetch"):
        (HERE / "cds-hooks" / folder).mkdir(parents=True, exist_ok=True)
    for path in sorted((HERE / "bundles").glob("*.json")):
        for stem, request in requests_for(json.loads(path.read_text("utf-8")), path.stem).items():
            for folder, body in (("patient-view", request), ("prefetch", request["prefetch"])):
                target = HERE / "cds-hooks" / folder / f"{stem}.json"
                target.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", "utf-8")
                written.append(target)
    return written


def write_dated_today(folder: Path) -> list[Path]:
    """Every patient-view request, its dates moved so that today (UTC, as the service dates by default) is the day
    the examples' results hold, written into ``folder``, and its prefetch alone into ``folder/prefetch`` (the
    folder HealthChain's ``load_from_path`` reads: the shipped ``cds-hooks/prefetch`` gives ranges today)."""
    days = (datetime.now(UTC).date() - date.fromisoformat(examples_as_of())).days
    (folder / "prefetch").mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((HERE / "bundles").glob("*.json")):
        for stem, request in requests_for(json.loads(path.read_text("utf-8")), path.stem).items():
            dated = redate(request, days)
            for target, body in ((folder / f"{stem}.json", dated), (folder / "prefetch" / f"{stem}.json",
                                                                     dated["prefetch"])):
                target.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", "utf-8")
                written.append(target)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dated-today", type=Path, metavar="FOLDER",
                        help="write the patient-view requests there, and their prefetch alone in FOLDER/prefetch, "
                        "dated so that today is the examples' day")
    args = parser.parse_args()
    for written in write_dated_today(args.dated_today) if args.dated_today else write_all():
        print(written)
