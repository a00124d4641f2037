"""`bonemet bulk --engine spark` on Apache Spark (PySpark, local[2]) gives the same outputs as the
local engine, line for line, on one generated export with bad lines, patients
split across files, other patients' resources interleaved, a gzipped file, a byte order mark and files
that are not read. `.ci/run` installs the extra; without
PySpark or Java this test says so and skips."""

import gzip
import json
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate  # noqa: E402

from service.bulk.local import bulk  # noqa: E402

try:
    import pyspark
except ImportError:
    pyspark = None

pytestmark = [pytest.mark.spark, pytest.mark.skipif(
    pyspark is None or shutil.which("java") is None,
    reason="the Spark engine needs PySpark (pip install '.[spark]') and Java")]
WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 15)


def outputs(folder: Path) -> dict[str, list[str]]:
    """Every output file's lines, in their order: both engines write them line for line alike."""
    return {path.name: path.read_text("utf-8").splitlines() for path in sorted(folder.glob("*.ndjson"))}


def test_the_spark_engine_gives_the_local_engines_outputs(tmp_path):
    from service.bulk.spark import bulk_spark

    source = tmp_path / "in"
    generate(source, 400, seed=9, noise=2)
    # Patients split across files, and bad lines among the good ones.
    (source / "Observation.ndjson").rename(source / "Observation.000.ndjson")
    lines = (source / "Observation.000.ndjson").read_text("utf-8").splitlines(keepends=True)
    half = len(lines) // 2
    # A line nested 5,000 deep (past the parser's recursion limit) and one longer than the line limit.
    deep = ('{"resourceType": "Condition", "id": "deep", "subject": {"reference": "Patient/syn-2"}, "note": '
            + "[" * 5000 + "]" * 5000 + "}\n")
    long = json.dumps({"resourceType": "Condition", "id": "long", "subject": {"reference": "Patient/syn-3"},
                       "note": [{"text": "é" * 60_000}]}, ensure_ascii=False) + "\n"
    (source / "Observation.000.ndjson").write_text("".join(lines[:half // 2]) + deep + long
                                                   + "".join(lines[half // 2:half]) + "{broken\n", "utf-8")
    (source / "Observation.001.ndjson").write_text(
        '{"resourceType": "Observation", "id": "orphan", "status": "final"}\n' + "".join(lines[half:])
        + '{"resourceType": "Condition", "id": "bad", "subject": {"reference": "Patient/syn-1"}, '
          '"bodySite": "femur"}\n'
        # syn-5 named in another form, on a line whose contained resource comes first (its type read in full);
        # syn-6's Condition cut short (its patient read from what is left: not assessed in either engine).
        + '{"contained": [{"resourceType": "Organization", "id": "lab"}], "resourceType": "Observation", '
          '"id": "other-form", "status": "final", "code": {"coding": [{"system": "http://loinc.org", '
          '"code": "21889-1"}]}, "subject": {"reference": "https://ehr.example/fhir/Patient/syn-5"}}\n'
        + '{"resourceType": "Condition", "id": "cut", "subject": {"reference": "Patient/syn-6"}, "code": {"cod\n',
        "utf-8")
    # One lesion size derivedFrom an imaging Observation that looks unread (a LOINC code no ValueSet holds)
    # and whose focus is the lesion: both engines must read that line after all, and link the size through it.
    text, pid = _derived_through_imaging((source / "Observation.000.ndjson").read_text("utf-8"))
    (source / "Observation.000.ndjson").write_text(text, "utf-8")
    # Conditions exported on Windows (CRLF), some with a raw carriage return between tokens (valid JSON):
    # a line ends at "\n" only, in both engines (Hadoop's reader also ends lines at a lone "\r").
    conditions = (source / "Condition.ndjson").read_text("utf-8").splitlines()
    conditions = [line.replace('","', '",\r"', 1) if n % 3 == 0 else line for n, line in enumerate(conditions)]
    (source / "Condition.ndjson").write_bytes(("\r\n".join(conditions) + "\r\n").encode("utf-8"))
    # A byte order mark opening a file (ignored by both), a gzipped file (read by both), a broken one and a
    # stray file (named by both).
    (source / "Condition.ndjson").write_bytes(b"\xef\xbb\xbf" + (source / "Condition.ndjson").read_bytes())
    (source / "Patient.ndjson.gz").write_bytes(gzip.compress((source / "Patient.ndjson").read_bytes()))
    (source / "Patient.ndjson").unlink()
    (source / "Broken.ndjson.gz").write_bytes(b"not gzip")
    (source / "manifest.json").write_text("{}")
    local = bulk(source, tmp_path / "local", workers=2, when=WHEN, as_of=AS_OF, bucket_bytes=200_000,
                 max_line_bytes=100_000)
    spark = bulk_spark(source, tmp_path / "spark", master="local[2]", when=WHEN, as_of=AS_OF, max_line_bytes=100_000)
    assert outputs(tmp_path / "spark") == outputs(tmp_path / "local")
    assert spark.text() == local.text()
    # syn-1 (a Condition whose bodySite is not a list), syn-2 (a Condition nested too deep) and syn-6 (a Condition
    # cut short) have a line the calculators read that could not be: none is assessed, in both engines; nor is
    # syn-5's other form (syn-5 itself is, with a warning). syn-3's over-long line is refused before its patient
    # is read from it: syn-3 is assessed without it.
    assert local.bad_line_count == 6 and local.patients == 397 and local.not_assessed_count == 4
    assert any("https://ehr.example/fhir/Patient/syn-5: not assessed" in line for line in local.not_assessed)
    assert any("nested more than 64 levels deep" in line for line in local.bad_lines)
    assert any("longer than 100000 bytes" in line for line in local.bad_lines) and len(local.files_not_read) == 2
    assert all(json.loads(line) for line in outputs(tmp_path / "spark")["RiskAssessment.ndjson"])
    derived = [json.loads(line) for line in outputs(tmp_path / "spark")["Observation.ndjson"]
               if f'"Condition/{pid}-lesion"' in line]
    sizes = [component for score in derived for component in score["component"]
             if any(coding["code"] == "lesion-size" for coding in component["code"]["coding"])]
    assert [size.get("valueInteger") is not None for size in sizes] == [True], "the size was not linked"


def _derived_through_imaging(text: str) -> tuple[str, str]:
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if '-lesion-size"' in line)
    size = json.loads(lines[at])
    pid = size["subject"]["reference"].split("/")[1]
    imaging = {"resourceType": "Observation", "id": f"{pid}-ct", "status": "final",
               "code": {"coding": [{"system": "http://loinc.org", "code": "24627-2", "display": "CT Chest"}]},
               "subject": {"reference": f"Patient/{pid}"}, "focus": size.pop("focus")}
    size["derivedFrom"] = [{"reference": f"Observation/{pid}-ct"}]
    lines[at] = json.dumps(size)
    return "\n".join([json.dumps(imaging), *lines]) + "\n", pid


def test_parquet_input_with_one_json_resource_per_row(tmp_path):
    from pyspark.sql import SparkSession

    from service.bulk.spark import bulk_spark

    source, parquet = tmp_path / "in", tmp_path / "parquet"
    generate(source, 60, seed=4)
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    try:
        for path in sorted(source.glob("*.ndjson")):
            rows = [(line,) for line in path.read_text("utf-8").splitlines()]
            spark.createDataFrame(rows, ["resource"]).coalesce(1).write.parquet(str(parquet / f"{path.stem}.parquet"))
    finally:
        spark.stop()
    bulk_spark(parquet, tmp_path / "from-parquet", master="local[2]", when=WHEN, as_of=AS_OF, input_format="parquet")
    bulk(source, tmp_path / "local", workers=1, when=WHEN, as_of=AS_OF)
    for kind in ("RiskAssessment", "Observation", "CarePlan"):
        assert outputs(tmp_path / "from-parquet")[f"{kind}.ndjson"] == outputs(tmp_path / "local")[f"{kind}.ndjson"]


def test_the_spark_submit_example_runs_the_engine_under_the_master_spark_submit_names(tmp_path):
    """The worked example for a cluster (docs/command-line.md), with spark-submit's own master (here local[2]): the same
    assessments as the local engine (the same resource identities, the same totals)."""
    import os
    import subprocess

    spark_submit = Path(sys.executable).parent / "spark-submit"
    if not spark_submit.exists():
        pytest.skip(f"spark-submit is not beside {sys.executable} (PySpark installs it there)")
    source = tmp_path / "in"
    generate(source, 120, seed=5, noise=1)
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYTHONPATH=str(ROOT))
    run = subprocess.run([str(spark_submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                          str(ROOT / "examples" / "spark-submit" / "bonemet_bulk.py"), str(source),
                          str(tmp_path / "submitted"), "--as-of", AS_OF.isoformat()],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-2000:]
    assert "patients: 120" in run.stdout + run.stderr  # spark-submit passes the driver's stderr to its stdout
    bulk(source, tmp_path / "local", workers=2, when=WHEN, as_of=AS_OF)

    def assessed(folder: Path) -> dict[str, list]:
        return {kind: sorted((r["id"], r.get("valueInteger"), json.dumps(r.get("valueRange")), r.get("status"))
                             for r in map(json.loads, (folder / f"{kind}.ndjson").read_text("utf-8").splitlines()))
                for kind in ("RiskAssessment", "Observation", "CarePlan")}

    assert assessed(tmp_path / "submitted") == assessed(tmp_path / "local")
    assert len(assessed(tmp_path / "local")["Observation"]) > 100
