"""Server-side time to render the assessment page for a 100-resource patient, beside its floor.

The page is opened from a card's link (the kept assessment of the same patient as
``patient_view.py``); measured in process, so it is the server's own time. Floors: a bare Flask
echo of the same resources, and patient-view itself (the page recomputes the scores twice: which
Conditions are scored, then with the answers).

    python benchmarks/assessment_page.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bare_echo import app as echo_app  # noqa: E402
from patient_view import hook_body, summary, timed  # noqa: E402

from service.config import Settings  # noqa: E402
from service.web import create_app  # noqa: E402


def main(count: int = 400) -> None:
    with tempfile.TemporaryDirectory() as folder:
        client = create_app(Settings(feedback_db=f"{folder}/f.sqlite3")).test_client()
        body = hook_body()
        answer = client.post("/cds-services/bonemet-patient-view", json=body)
        answer.close()  # the linked assessment is kept once the answer is sent
        cards = answer.get_json()["cards"]
        url = next(link["url"] for card in cards for link in card.get("links", [])).split("8080", 1)[1]
        resources = len(body["prefetch"]["conditions"]["entry"]) + len(body["prefetch"]["observations"]["entry"]) + 1
        print(f"patient: {resources} resources, {sum(1 for c in cards if c.get('links'))} cards with a link")
        assert client.get(url).status_code == 200
        page = summary("assessment page GET (in process)", timed(lambda: client.get(url), count))
        raw = json.dumps(body)
        view = summary("patient-view (in process)", timed(
            lambda: client.post("/cds-services/bonemet-patient-view", data=raw, content_type="application/json"),
            count))
        echo = echo_app.test_client()
        floor = summary("bare Flask echo (in process)", timed(
            lambda: echo.post("/echo", data=raw, content_type="application/json"), count))
        print(f"page p95 / echo p95: {page['p95'] / floor['p95']:.1f}x; page p95 / patient-view p95: "
              f"{page['p95'] / view['p95']:.1f}x")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    main(parser.parse_args().requests)
