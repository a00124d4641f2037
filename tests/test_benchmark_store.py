"""benchmarks/store.py runs (tiny size), so that it cannot rot; its figures are read by people, not asserted."""

import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_the_store_benchmark_runs_on_a_tiny_size():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "store.py"), "--tiny"], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "benchmark, 100 resources" in run.stdout and "SQLite" in run.stdout and "PostgreSQL" in run.stdout
