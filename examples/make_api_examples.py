"""Refresh the answers /docs shows beside its example requests (``service/web/api_examples.json``): each request
kept in that file is sent to the service in process, and its answer written back, abridged ("…").

    python examples/make_api_examples.py    # after a change of what a card says; tests/test_operations.py checks
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILE = ROOT / "service" / "web" / "api_examples.json"


def abridged(card: dict) -> dict:
    """What a reader needs to recognise a card; the rest is "…"."""
    shown = {"summary": card["summary"], "indicator": card["indicator"],
             "detail": card["detail"].split("\n\n")[0] + "\n\n…",
             "source": {k: v for k, v in card["source"].items() if k in ("label", "url")}}
    if card.get("links"):  # an assessment link's token is made per request
        link = card["links"][0]
        shown["links"] = [{**link, "url": link["url"].split("/assessment/")[0] + "/assessment/…"}]
    if card.get("suggestions"):
        shown["suggestions"] = [{"label": s["label"], "actions": [
            {"type": a["type"], "description": a.get("description", ""),
             "resource": {"resourceType": a["resource"]["resourceType"], "…": "…"}} for a in s["actions"]]}
            for s in card["suggestions"]]
    return shown


def main() -> None:
    from service.web import create_app

    examples = json.loads(FILE.read_text("utf-8"))
    client = create_app().test_client()
    for name, url in (("patient-view", "/cds-services/bonemet-patient-view"),
                      ("order-sign", "/cds-services/bonemet-order-sign")):
        answer = client.post(url, json=examples[name]["request"]).get_json()
        examples[name]["response"] = {"cards": [abridged(card) for card in answer["cards"]]}
    assess = examples["assess"]
    answer = client.post("/fhir/$assess" + assess["query"], json=assess["request"],
                         headers={"Content-Type": "application/fhir+json"}).get_json()
    assess["response"] = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": e["resource"]["resourceType"], "id": e["resource"]["id"], "…": "…"}}
        for e in answer["entry"]]}
    FILE.write_text(json.dumps(examples, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
