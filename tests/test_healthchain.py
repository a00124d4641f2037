"""An outside CDS Hooks client: HealthChain's sandbox client (PyPI `healthchain` 0.16.1) against
`bonemet serve`, with every example's prefetch file. Its strict response models must accept every
answer; with HealthChain's own random patientId the card says whose data it was sent.

HealthChain pins a fhir.resources older than ours, so it lives in its own environment:
`.ci/run` makes `.venv-healthchain`; without it this test says so and skips."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.answer_checks import score_words
from support.redate import EXAMPLES_AS_OF, to_today

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-healthchain" / "bin" / "python"
EXPECTED = ROOT / "examples" / "expected"


@pytest.mark.skipif(not PYTHON.exists(), reason="HealthChain's environment is absent: python3 -m venv "
                    ".venv-healthchain && .venv-healthchain/bin/pip install healthchain==0.16.1")
def test_healthchains_client_accepts_every_answer_for_every_example(run_server, tmp_path):
    base = run_server()
    # The examples' records, moved so that today is the day their documented results hold (records age), as
    # docs/sandbox.md has the tester write them: make_cds_requests.py --dated-today FOLDER, then FOLDER/prefetch.
    made = subprocess.run([sys.executable, str(ROOT / "examples" / "make_cds_requests.py"), "--dated-today",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "prefetch"
    for path in (ROOT / "examples" / "cds-hooks" / "prefetch").glob("*.json"):  # the shipped files, moved
        assert json.loads((folder / path.name).read_text("utf-8")) == to_today(json.loads(path.read_text("utf-8")),
                                                                                EXAMPLES_AS_OF), path.name
    result = subprocess.run([str(PYTHON), str(ROOT / "tests" / "support" / "healthchain_client.py"),
                             f"{base}/cds-services/bonemet-patient-view", str(folder)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    files = {answer["file"] for answer in answers}
    assert len(files) == len(list((ROOT / "examples" / "cds-hooks" / "prefetch").glob("*.json"))) >= 14
    for answer in answers:
        if answer["context"] == "random":  # another patient's data: said, both ids named, never "no card"
            assert answer["summaries"] and all("data not used" in s.lower() for s in answer["summaries"]), answer
            data = json.loads((folder / answer["file"]).read_text("utf-8"))["patient"]["id"]
            assert f"these data are patient “{data}”'s and the patient assessed is “" in answer["details"][0], answer
            assert "context.patientId" in answer["details"][0]
    scored = {a["file"]: a["summaries"] for a in answers if a["context"] == "patient"}
    assert any(score_words(s) == "Mirels score 11" for s in scored["03-mirels-11-fixation.json"])
    assert any(score_words(s) == "Rades score 25" for s in scored["05-rades-group-i.json"])


@pytest.mark.skipif(not PYTHON.exists(), reason="HealthChain's environment is absent: python3 -m venv "
                    ".venv-healthchain && .venv-healthchain/bin/pip install healthchain==0.16.1")
def test_healthchains_models_accept_every_order_sign_answer_suggestions_included(run_server, tmp_path):
    """The order-sign records of issue 26: §2 and §1.4 cards, and the order checks' suggestions (a proposed
    ServiceRequest to create, draft orders to delete) pass HealthChain's strict CDSResponse."""
    base = run_server()
    folder = ROOT / "tests" / "corpus" / "order-sign"
    as_of = json.loads((folder / "expected-26.json").read_text("utf-8"))["as_of"]
    records = [path for path in folder.glob("*.json") if path.stem != "expected-26"]
    for path in records:
        (tmp_path / path.name).write_text(json.dumps(to_today(json.loads(path.read_text("utf-8")), as_of)), "utf-8")
    result = subprocess.run([str(PYTHON), str(ROOT / "tests" / "support" / "healthchain_order_sign.py"),
                             f"{base}/cds-services/bonemet-order-sign", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = {answer["file"]: answer for answer in map(json.loads, result.stdout.splitlines())}
    assert len(answers) == len(records) >= 13
    assert answers["g01-mirels-9-radiotherapy-alone-suggestions.json"]["actions"] == ["create", "delete"]
    assert answers["g02-rades-group-i-decompressive-surgery-suggestion.json"]["actions"] == ["delete"]
    assert answers["s01-8-gy-single-fraction.json"]["summaries"][0].startswith("8 Gy single fraction ordered")
