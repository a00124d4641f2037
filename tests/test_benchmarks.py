"""Every benchmark in benchmarks/ runs in the suite on a tiny size, so that none can rot (issue 28). Their figures
are read by people, not asserted: a run passes when the script ends well and prints what it measures.
benchmarks/store.py, no_prefetch.py, slow_clients.py and spark_cluster.py have tests of their own
(test_benchmark_store, test_no_prefetch, test_slow_clients, test_spark_cluster); bare_echo.py and timing.py
are modules the others import."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

TINY = {
    "assess.py": (["--sizes", "30", "--requests", "3"], "µs per resource"),
    "assessment_page.py": (["--requests", "3"], "page p95 / echo p95"),
    "auth.py": (["--tokens", "20"], "median"),
    "bulk.py": (["--sizes", "20", "--workers", "1"], "parse-only floor"),
    "cold_start.py": (["--runs", "1"], "bonemet assess EXAMPLE / "),
    "floor_mapping.py": (["--sizes", "30", "--rounds", "1"], "floor µs/resource"),
    "load.py": (["--clients", "2", "--seconds", "3"], "feedback acknowledged"),
    "over_limit.py": (["--lesions", "150"], "filler"),
    "patient_view.py": (["--requests", "3", "--no-http"], "worker CPU"),
    "stages.py": (["--requests", "3"], "read the body"),
    "worst_mix.py": (["--megabytes", "0.05"], "filler"),
}
OWN_TESTS = {"store.py", "no_prefetch.py", "slow_clients.py", "spark_cluster.py"}
MODULES = {"bare_echo.py", "timing.py"}


def test_every_benchmark_is_run_by_the_suite():
    scripts = {path.name for path in (ROOT / "benchmarks").glob("*.py")}
    assert scripts - MODULES - OWN_TESTS == set(TINY), "a benchmark with no tiny run here"


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_on_a_tiny_size(script):
    arguments, printed = TINY[script]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *arguments], capture_output=True,
                         text=True, timeout=600, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert printed in run.stdout, run.stdout[-2000:]
    assert "failed:" not in run.stdout, run.stdout[-2000:]  # over_limit.py's word for a door that broke
