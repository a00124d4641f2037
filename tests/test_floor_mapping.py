"""benchmarks/floor_mapping.py's prototype is kept honest: on the records the benchmark measures and on every
one-patient example Bundle, each long-bone lesion gets the service's Mirels range, and no other lesion is
scored. A floor that scored less, or otherwise, would make the service look closer to it than it is."""

import json
import sys
from datetime import date

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import floor_mapping

EXAMPLES = sorted((ROOT / "examples" / "bundles").glob("*.json"))
AS_OF = date.fromisoformat(json.loads(next((ROOT / "examples" / "expected").glob("*.json")).read_text())["as_of"])


@pytest.mark.parametrize("size", [100, 1000])
def test_the_floor_scores_the_benchmark_records_as_the_service(size):
    raw = floor_mapping.record(size)
    scores = floor_mapping.Floor(date.today()).score(raw)
    assert scores and scores == floor_mapping.service_scores(raw, date.today())


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "two-patients" not in p.name], ids=lambda p: p.stem)
def test_the_floor_scores_each_example_as_the_service(path):
    raw = path.read_bytes()
    assert floor_mapping.Floor(AS_OF).score(raw) == floor_mapping.service_scores(raw, AS_OF)


def test_the_floor_is_tested_on_lesions_it_scores():
    scored = [p for p in EXAMPLES if floor_mapping.Floor(AS_OF).score(p.read_bytes())]
    assert len(scored) >= 6  # Mirels examples: one lesion, several, missing and conflicting data, SNOMED CT only
