"""benchmarks/no_prefetch.py at tiny size: with no prefetch, the searches of one patient-view reach the EHR's
FHIR server (a local stand-in answering after 200 ms) at the same time, and its connections are reused from
one request to the next. Behaviour only: the figures are the benchmark's to print."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import no_prefetch

pytestmark = pytest.mark.slow


def test_the_searches_of_one_request_run_at_once_over_reused_connections(capsys):
    (row,) = no_prefetch.main(["--requests", "3", "--latencies", "200"])
    assert row["most_at_once"] == 4  # Patient, Conditions, Observations, Procedures: all four in flight together
    assert row["queries"] == 12 and row["connections"] <= 4  # 3 requests, 4 queries each, over kept connections
    assert "slowest single query" in capsys.readouterr().out
