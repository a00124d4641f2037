"""Run by tests/test_healthchain.py with the interpreter of a separate environment holding HealthChain
(PyPI `healthchain`, whose pinned fhir.resources differs from ours): its CDS client sends the prefetch folder
examples/cds-hooks/prefetch/ to a running service, and its strict response models must accept every answer.

First exactly as HealthChain's documentation shows (`SandboxClient(...).load_from_path(folder)`, then
`send_requests()`): HealthChain 0.16.1 then puts a random patientId of its own in every request's context
(PatientViewContext's default), which no documented call lets one set, so the service must say whose data
it was sent and whose context, never score them. Then each file with its prefetch's patient in context
(HealthChain's request constructor), as an EHR sends it: the scores. Prints one JSON object per line: file,
context ("random" or "patient"), card summaries and details."""

import json
import sys
from pathlib import Path

from healthchain.models import CDSResponse
from healthchain.sandbox import SandboxClient
from healthchain.sandbox.requestconstructors import CdsRequestConstructor
from healthchain.sandbox.workflows import Workflow

url, folder = sys.argv[1], Path(sys.argv[2])


def show(file: str, context: str, answer: dict) -> None:
    parsed = CDSResponse.model_validate(answer)  # raises when the strict models refuse the answer
    print(json.dumps({"file": file, "context": context, "summaries": [card.summary for card in parsed.cards],
                      "details": [card.detail or "" for card in parsed.cards]}))


# As documented: the folder as it is; load_from_path reads its files in folder.glob("*") order.
client = SandboxClient(url=url, workflow="patient-view", timeout=30)
client.load_from_path(folder)
for path, answer in zip(list(folder.glob("*")), client.send_requests(), strict=True):
    show(path.name, "random", answer)

# As an EHR sends them: the prefetch's own patient in context.
client = SandboxClient(url=url, workflow="patient-view", timeout=30)
for path in sorted(folder.glob("*.json")):
    prefetch = json.loads(path.read_text("utf-8"))
    client.requests.append(CdsRequestConstructor().construct_request(
        prefetch, workflow=Workflow.patient_view,
        context={"patientId": prefetch["patient"]["id"], "userId": "Practitioner/example"}))
for path, answer in zip(sorted(folder.glob("*.json")), client.send_requests(), strict=True):
    show(path.name, "patient", answer)
