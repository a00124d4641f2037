"""``bonemet bulk --engine spark``: the same assessment on Apache Spark, for exports that outgrow one machine.

Spark (PySpark, the optional extra ``bonemet-cds[spark]``) reads the NDJSON files, groups the lines
by patient, and runs on each patient the very function the local engine runs (``bulk.assess_group``),
with the patient's lines in the same order (input file, then line number): both engines give the
same outputs. As in the local engine, a line no calculator reads (``facts.prefilter``) is not parsed,
and only its type and patient are shuffled; its text is read again only for a patient who may link
through it (an Observation ``derivedFrom`` another). The four outputs are written by Spark as part
files, then joined into ``RiskAssessment.ndjson``, ``Observation.ndjson``, ``CarePlan.ndjson`` and
``OperationOutcome.ndjson`` as the local engine writes them.

``--spark-master`` (default ``local[*]``) names the cluster; under ``spark-submit`` the master given
there is used. Input may also be Parquet with one JSON resource per row (``--input-format parquet``,
a string column named ``resource``), as data lakes keep exports.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from ..facts.prefilter import UnreadLine
from ..i18n import said, translate
from .bulk import OUTPUT_TYPES, Summary, _bad_line_outcome, _check_folders, assess_group, read_line


def _numbered(name: str, item_index: tuple[Any, int]) -> tuple[str, Any]:
    """(line or row, index from 0) of file ``name`` -> ("name:number", its text)."""
    item, index = item_index
    return f"{name}:{index + 1}", item if isinstance(item, str) else item[0]


def _slim(read: tuple[str, tuple[str | None, Any]]) -> tuple[str, tuple[str | None, Any]]:
    where, (patient, item) = read
    return (where, (patient, item._replace(text=""))) if isinstance(item, UnreadLine) else read


def _noted(read: tuple[str, tuple[str | None, Any]]) -> bool:
    """A bad line, or a resource derivedFrom another."""
    patient, item = read[1]
    return patient is None or (type(item) is dict and "derivedFrom" in item)


def _unread_of(read: tuple[str, tuple[str | None, Any]], patients: frozenset[str]) -> bool:
    patient, item = read[1]
    return isinstance(item, UnreadLine) and patient in patients


def _of_kind(kind: str, result: tuple[list[tuple[str, str]], list[str], Summary]) -> list[str]:
    return [line for output_kind, line in result[0] if output_kind == kind]


def _order(where: str) -> tuple[str, int]:
    name, _, number = where.rpartition(":")
    return name, int(number) if number.isdigit() else 0


def bulk_spark(input_dir: Path, output_dir: Path, master: str | None = None, locale: str = "en",
               pain_bands: tuple = (), when: datetime | None = None, as_of: date | None = None,
               input_format: str = "ndjson") -> Summary:
    try:
        from pyspark import StorageLevel
        from pyspark.sql import SparkSession
    except ImportError:
        raise ValueError("the Spark engine needs PySpark: pip install 'bonemet-cds[spark]' (and Java 17)") from None
    from datetime import UTC

    _check_folders(input_dir, output_dir)
    suffix = ".parquet" if input_format == "parquet" else ".ndjson"
    inputs = sorted(p for p in input_dir.iterdir() if p.name.endswith(suffix))
    if not inputs:
        raise ValueError(f"{input_dir}: no {suffix} files")
    when = when or datetime.now(UTC)
    builder = SparkSession.builder.appName("bonemet-bulk").config("spark.ui.enabled", "false")
    chosen = master or ("" if os.environ.get("SPARK_ENV_LOADED") else "local[*]")  # "": spark-submit's own
    if chosen:
        builder = builder.master(chosen)
    if chosen.startswith("local"):
        # The Python workers run this interpreter (its packages, its installed version), not whichever
        # python3 comes first on the PATH; a cluster configures its executors' Python itself.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    try:
        sc = spark.sparkContext
        if input_format == "parquet":
            lines = sc.union([spark.read.parquet(str(p)).select("resource").rdd.zipWithIndex()
                              .map(partial(_numbered, p.name)) for p in inputs])
        else:
            lines = sc.union([sc.textFile(str(p)).zipWithIndex().map(partial(_numbered, p.name)) for p in inputs])
        read = (lines.filter(lambda where_line: bool(where_line[1] and where_line[1].strip()))
                .map(lambda where_line: (where_line[0], read_line(where_line[0], where_line[1].strip()))))
        # What is kept and shuffled: resources whole, a line no calculator reads as its type and patient only
        # (a tenth of its bytes). Kept on disk when memory is short, not parsed twice.
        slim = read.map(_slim).persist(StorageLevel.MEMORY_AND_DISK)
        noted = slim.filter(_noted).map(lambda r: (r[0], r[1][0], None if r[1][0] else r[1][1])).collect()
        bad_lines = sorted(((where, cast(str, why)) for where, patient, why in noted if patient is None),
                           key=lambda bad: _order(bad[0]))
        # A patient with an Observation derivedFrom another has every line read (bulk.reads_every_line): the
        # text of their unread lines is read again from the input, for them only (rare).
        derived = frozenset(patient for _, patient, _ in noted if patient is not None)
        if derived:
            chosen_patients = sc.broadcast(derived)
            slim = (slim.filter(lambda r: not _unread_of(r, chosen_patients.value))
                    .union(read.filter(lambda r: _unread_of(r, chosen_patients.value))))
        settings = (when, locale, pain_bands, as_of)

        def assess(group: tuple[Any, Any]) -> tuple[list[tuple[str, str]], list[str], Summary]:
            subject, items = group
            ordered = sorted(items, key=lambda item: _order(item[0]))
            return assess_group(subject, ordered, *settings)

        results = (slim.filter(lambda r: r[1][0] is not None)
                   .map(lambda r: (r[1][0], (r[0], r[1][1]))).groupByKey().map(assess))
        results.persist(StorageLevel.MEMORY_AND_DISK)
        summary = Summary(locale=locale)
        for where, why in bad_lines:
            summary.bad(where, why)
        for found in results.map(lambda r: r[2]).collect():
            summary.add(found)
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="bonemet-spark-", dir=output_dir) as work:
            parts = {}
            for kind in OUTPUT_TYPES:
                target = Path(work) / kind
                results.flatMap(partial(_of_kind, kind)).saveAsTextFile(str(target))
                parts[kind] = target
            shape_errors = Path(work) / "shape-errors"
            results.flatMap(lambda r: r[1]).saveAsTextFile(str(shape_errors))
            for kind in OUTPUT_TYPES:
                joined = Path(work) / f"{kind}.ndjson"
                with open(joined, "w", encoding="utf-8") as out:
                    if kind == "OperationOutcome":  # bad lines first, as the local engine writes them
                        out.writelines(_bad_line_outcome(translate(said("{where}: {why}", where=where, why=why),
                                                                   locale), locale) + "\n" for where, why in bad_lines)
                        _copy_parts(shape_errors, out)
                    _copy_parts(parts[kind], out)
                os.replace(joined, output_dir / f"{kind}.ndjson")
        return summary
    finally:
        spark.stop()


def _copy_parts(folder: Path, out: Any) -> None:
    for part in sorted(folder.glob("part-*")):
        with open(part, encoding="utf-8") as source:
            shutil.copyfileobj(source, out)
