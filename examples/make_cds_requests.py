"""Write, beside every sample bundle, what a CDS Hooks client sends for it.

For each patient of each ``bundles/NN-name.json``:

* ``cds-hooks/patient-view/NN-name[-patient].json``: a ready patient-view request (context and
  prefetch), to POST as is;
* ``cds-hooks/prefetch/NN-name[-patient].json``: the prefetch alone, keyed as the service's discovery
  names its templates, for clients that build the request around it (HealthChain's
  ``SandboxClient.load_from_path``).

    python examples/make_cds_requests.py        # a test checks the files stay what this writes
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent


def requests_for(bundle: dict, name: str) -> dict[str, dict]:
    """File stem -> patient-view request, one per patient of the bundle."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    made = {}
    for patient in patients:
        mine = [r for r in resources if r.get("subject", {}).get("reference") == f"Patient/{patient['id']}"]

        def searchset(kind: str) -> dict:
            return {"resourceType": "Bundle", "type": "searchset",
                    "entry": [{"resource": r} for r in mine if r["resourceType"] == kind]}

        stem = name if len(patients) == 1 else f"{name}-{patient['id']}"
        made[stem] = {
            "hook": "patient-view",
            # Stable, so that the files do not change when written again; send a new one each time.
            "hookInstance": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bonemet-example/{stem}")),
            "context": {"userId": "Practitioner/example", "patientId": patient["id"]},
            "prefetch": {"patient": patient, "conditions": searchset("Condition"),
                         "observations": searchset("Observation")},
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


if __name__ == "__main__":
    for written in write_all():
        print(written.relative_to(HERE.parent))
