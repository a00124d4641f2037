"""Run by tests/test_healthchain.py with the interpreter of a separate environment holding HealthChain
(PyPI `healthchain`, whose pinned fhir.resources differs from ours): its CDS client sends the prefetch folder
examples/cds-hooks/prefetch/ to a running service, and its strict response models must accept every answer.
Only HealthChain's documented calls (its "Sandbox Client" page): `SandboxClient(url, workflow)`,
`load_from_path(folder)`, the queued requests `client.requests` with their `context`, `send_requests()`.

First as loaded: HealthChain 0.16.1 puts a random patientId of its own in every request's context
(PatientViewContext's default), so the service must say whose data it was sent and whose context, never
score them. Then with each request's context naming its prefetch's patient, as an EHR sends them: the
scores. Prints one JSON object per line: file, context ("random" or "patient"), card summaries and details."""

import json
import sys
from pathlib import Path

from healthchain.models import CDSResponse
from healthchain.sandbox import SandboxClient

url, folder = sys.argv[1], Path(sys.argv[2])


def show(file: str, context: str, answer: dict) -> None:
    parsed = CDSResponse.model_validate(answer)  # raises when the strict models refuse the answer
    print(json.dumps({"file": file, "context": context, "summaries": [card.summary for card in parsed.cards],
                      "details": [card.detail or "" for card in parsed.cards]}))


def loaded() -> tuple[list[Path], SandboxClient]:
    """The folder as HealthChain loads it, and the files in the order it reads them (``folder.glob("*")``)."""
    client = SandboxClient(url=url, workflow="patient-view", timeout=30)
    client.load_from_path(folder)
    return list(folder.glob("*")), client


files, client = loaded()
for path, answer in zip(files, client.send_requests(), strict=True):
    show(path.name, "random", answer)

files, client = loaded()
for request in client.requests:  # each request's context names its own prefetch's patient
    request.context.patientId = request.prefetch["patient"]["id"]
for path, answer in zip(files, client.send_requests(), strict=True):
    show(path.name, "patient", answer)
