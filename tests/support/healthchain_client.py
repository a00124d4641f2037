"""Run by tests/test_healthchain.py with the interpreter of a separate environment holding HealthChain
(PyPI `healthchain`, whose pinned fhir.resources differs from ours): its CDS client sends every
prefetch file of examples/cds-hooks/prefetch/ to a running service, as it does by default (its own
random patientId) and with the prefetch's patient in context, and its strict response models must
accept every answer. Prints one JSON object per line: file, context, card summaries."""

import json
import sys
from pathlib import Path

from healthchain.models import CDSResponse
from healthchain.sandbox import SandboxClient
from healthchain.sandbox.requestconstructors import CdsRequestConstructor
from healthchain.sandbox.workflows import Workflow

url, folder = sys.argv[1], Path(sys.argv[2])
for path in sorted(folder.glob("*.json")):
    prefetch = json.loads(path.read_text("utf-8"))
    client = SandboxClient(url=url, workflow="patient-view", timeout=30)
    client.load_from_path(path)  # HealthChain's default: a patientId of its own
    client.requests.append(CdsRequestConstructor().construct_request(
        prefetch, workflow=Workflow.patient_view,
        context={"patientId": prefetch["patient"]["id"], "userId": "Practitioner/example"}))
    for context, answer in zip(("random", "patient"), client.send_requests(), strict=True):
        parsed = CDSResponse.model_validate(answer)  # raises when the strict models refuse the answer
        print(json.dumps({"file": path.name, "context": context,
                          "summaries": [card.summary for card in parsed.cards]}))
