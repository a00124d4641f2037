"""Run by tests/test_healthchain.py with the interpreter of HealthChain's own environment (see
healthchain_client.py): its CDS client sends each order-sign request of a folder (draftOrders in context, the
request's prefetch) to a running service, and its strict response models must accept every answer, suggestions
and their create and delete actions included. Prints one JSON object per line: file, card summaries, and the
type of every suggested action.

HealthChain 0.16.1 builds and checks the order-sign request (its OrderSignContext requires draftOrders), but its
SandboxClient sends ``request.model_dump()``, which writes the context as its declared base type and drops
draftOrders (pydantic serialises a field by its annotation): the request is sent here with the context whole
(``serialize_as_any``), over httpx as SandboxClient does, and the answer read with HealthChain's CDSResponse."""

import json
import sys
from pathlib import Path

import httpx
from healthchain.models import CDSResponse
from healthchain.sandbox.requestconstructors import CdsRequestConstructor
from healthchain.sandbox.workflows import Workflow

url, folder = sys.argv[1], Path(sys.argv[2])
for path in sorted(folder.glob("*.json")):
    hook = json.loads(path.read_text("utf-8"))
    request = CdsRequestConstructor().construct_request(hook["prefetch"], workflow=Workflow.order_sign,
                                                        context=hook["context"])
    sent = request.model_dump(exclude_none=True, mode="json", serialize_as_any=True)
    assert sent["context"]["draftOrders"] == hook["context"]["draftOrders"]
    response = httpx.post(url, json=sent, timeout=30)
    response.raise_for_status()
    parsed = CDSResponse.model_validate(response.json())  # raises when the strict models refuse the answer
    print(json.dumps({"file": path.name, "summaries": [card.summary for card in parsed.cards],
                      "actions": [action.type.value for card in parsed.cards for suggestion in card.suggestions or []
                                  for action in suggestion.actions or []]}))
