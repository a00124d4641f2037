"""`bonemet bulk --engine spark --spark-master spark://...` on a real Spark standalone cluster: a master and
two workers started from the installed PySpark as processes of this user, every port in one range
(``BONEMET_TEST_PORTS``, default 18500-18599). The outputs are the local engine's, line for line (each
run's own "created" timestamp aside). `.ci/run` installs PySpark and Java; without them this test says
so and skips."""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate  # noqa: E402
from spark_cluster import bonemet_bulk, created_aside, free_ports, standalone_cluster  # noqa: E402

try:
    import pyspark
except ImportError:
    pyspark = None

pytestmark = [pytest.mark.spark, pytest.mark.skipif(
    pyspark is None or shutil.which("java") is None,
    reason="a Spark standalone cluster needs PySpark (pip install '.[spark]') and Java")]


def test_a_standalone_cluster_gives_the_local_engines_outputs_line_for_line(tmp_path):
    first, last = map(int, os.environ.get("BONEMET_TEST_PORTS", "18500-18599").split("-"))
    source = tmp_path / "in"
    generate(source, 300, seed=6, noise=2)
    with open(source / "Condition.ndjson", "a") as conditions:
        conditions.write("{broken\n")  # a bad line: named the same way by both, and exit 3 from both
    _, local = bonemet_bulk(source, tmp_path / "local", "--workers", "2", "--as-of", "2026-11-15")
    assert local.returncode == 3, local.stderr
    with standalone_cluster(tmp_path / "cluster", free_ports(first, last)) as cluster:
        _, spark = bonemet_bulk(source, tmp_path / "cluster-out", "--as-of", "2026-11-15", *cluster.bulk_args())
        assert spark.returncode == 3, spark.stderr[-3000:]
        # The work went to the cluster's executors, not to a local master.
        executors = list((tmp_path / "cluster").glob("worker-*/app-*/*/stderr"))
        assert len(executors) == 2, [str(p) for p in executors]
    assert "patients: 300" in spark.stderr and "Condition.ndjson:" in spark.stderr
    assert counts(spark.stderr) == counts(local.stderr), spark.stderr  # the same counts, said alike
    outputs = created_aside(tmp_path / "cluster-out")
    assert outputs == created_aside(tmp_path / "local")
    assert len(outputs["RiskAssessment.ndjson"]) > 100
    # Quiet by default: no Spark log line nor progress bar; progress lines are the command's own.
    others = [line for line in spark.stderr.splitlines() if line.startswith("bonemet bulk: ") or line == JVM]
    assert all(re.fullmatch(r"bonemet bulk: Spark: \d+ of \d+ tasks of the running stages, \d+ s", line)
               for line in others if line != JVM), others
    assert "WARN" not in spark.stderr.replace(JVM, "") and "[Stage" not in spark.stderr


JVM = "WARNING: Using incubator modules: jdk.incubator.vector"  # the JVM's own line on Spark's options, not a log


def counts(stderr: str) -> list[str]:
    """The summary's counts, without progress lines (a run's own pace) and the JVM's line."""
    return [line for line in stderr.split("elapsed:")[0].splitlines()
            if not line.startswith("bonemet bulk: ") and line != JVM]
