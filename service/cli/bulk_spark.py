"""``bonemet bulk --engine spark``: the same assessment on Apache Spark, for exports that outgrow one machine.

Spark (PySpark, the optional extra ``bonemet-cds[spark]``) reads the NDJSON files (``.ndjson``, and
``.ndjson.gz``, which Hadoop decompresses; the files it cannot read are named as the local engine
names them), groups the lines
by patient, and runs on each patient the very function the local engine runs (``bulk.assess_group``),
with the patient's lines in the same order (input file, then line number): both engines give the
same outputs. As in the local engine, a line no calculator reads (``facts.prefilter``) is not parsed:
such lines are counted by type for each patient of a partition, and only the counts are shuffled;
their text is read again only for a patient who may link through one (an Observation ``derivedFrom``
another). Spark writes the outputs in one pass, each line tagged with its file; they are then sorted
into ``RiskAssessment.ndjson``, ``Observation.ndjson``, ``CarePlan.ndjson`` and
``OperationOutcome.ndjson`` as the local engine writes them.

``--spark-master`` (default ``local[*]``) names the cluster; under ``spark-submit`` the master given
there is used. Input may also be Parquet with one JSON resource per row (``--input-format parquet``,
a string column named ``resource``), as data lakes keep exports.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, cast

from ..facts.prefilter import UnreadLine
from ..i18n import said, translate
from .assess import printable
from .bulk import (
    INPUT_SUFFIXES,
    MAX_LINE_BYTES,
    OUTPUT_TYPES,
    Summary,
    _bad_line_outcome,
    _check_folders,
    assess_group,
    changed_files,
    files_not_read,
    gzip_problem,
    input_files,
    line_too_long,
    no_readable_input,
    other_files,
    read_line,
    stamps,
    too_long,
    work_folder,
)


class UnreadCounts(NamedTuple):
    """The lines no calculator reads of one patient in one partition, by type: all the assessment needs
    of them (unless the patient links through derivedFrom), shuffled as one record instead of dozens."""

    kinds: tuple[tuple[str, int], ...]

    def lines(self, patient: str) -> list[UnreadLine]:
        return [UnreadLine(kind, patient, "") for kind, count in self.kinds for _ in range(count)]


def _read_partition(source: int, slim: bool, max_line_bytes: int, part: int,
                    rows: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    """The lines (or Parquet rows) of one partition of input file ``source`` -> ((source, part, position),
    (patient or None, item, derived)), where ``item`` is a resource's text (parsed again when assessed: a
    string is shuffled at a fraction of the cost of a parsed resource), an ``UnreadLine``, or why the line
    is bad; ``derived``: a resource derivedFrom another. When ``slim``, the unread lines are counted instead,
    by patient, in one ``UnreadCounts`` per patient (position -2). The partition ends with
    ((source, part, -1), (None, its number of lines, False)), from which line numbers are counted without
    another pass over the input."""
    position = -1
    unread: dict[str, Counter[str]] = {}
    for position, row in enumerate(rows):
        text = row if isinstance(row, str) else row[0] or ""
        if line_too_long(text, max_line_bytes):
            yield (source, part, position), (None, too_long(max_line_bytes), False)
            continue
        text = text.strip()
        if not text:
            continue
        patient, item = read_line("", text)
        if isinstance(item, UnreadLine):
            if slim:
                unread.setdefault(item.patient, Counter())[item.kind] += 1
            else:
                yield (source, part, position), (patient, item, False)
        elif patient is None:
            yield (source, part, position), (None, item, False)
        else:
            yield (source, part, position), (patient, text, "derivedFrom" in item)
    for patient, kinds in unread.items():
        yield (source, part, -2), (patient, UnreadCounts(tuple(sorted(kinds.items()))), False)
    yield (source, part, -1), (None, position + 1, False)


def _ndjson_files(sc: Any, inputs: list[Path]) -> list[Any]:
    """The lines of each NDJSON file, ended at "\n" only. Hadoop's text reader also ends a line at a lone
    "\r", which JSON allows between tokens: a valid resource would be cut in two bad lines. Set on the
    context, which this command stops at its end (in local mode the tasks read the driver's setting
    itself, when they run: it cannot be put back once the files' RDDs are made)."""
    sc._jsc.hadoopConfiguration().set("textinputformat.record.delimiter", "\n")
    return [sc.textFile(str(p)) for p in inputs]


def _noted(read: tuple[Any, tuple[str | None, Any, bool]]) -> bool:
    """A partition's line count, a bad line, or a resource derivedFrom another."""
    patient, _, derived = read[1]
    return patient is None or derived


def _unread_of(read: tuple[Any, tuple[str | None, Any, bool]], patients: frozenset[str]) -> bool:
    patient, item, _ = read[1]
    return isinstance(item, (UnreadLine, UnreadCounts)) and patient in patients


def _order(where: str) -> tuple[str, int]:
    name, _, number = where.rpartition(":")
    return name, int(number) if number.isdigit() else 0


def bulk_spark(input_dir: Path, output_dir: Path, master: str | None = None, locale: str = "en",
               pain_bands: tuple = (), when: datetime | None = None, as_of: date | None = None,
               input_format: str = "ndjson", fact_windows: tuple = (), max_line_bytes: int = MAX_LINE_BYTES) -> Summary:
    try:
        from pyspark import StorageLevel
        from pyspark.sql import SparkSession
    except ImportError:
        raise ValueError("the Spark engine needs PySpark: pip install 'bonemet-cds[spark]' (and Java 17)") from None
    from datetime import UTC

    _check_folders(input_dir, output_dir)
    suffixes = (".parquet",) if input_format == "parquet" else INPUT_SUFFIXES
    inputs, skipped = input_files(input_dir, suffixes, folders=input_format == "parquet")
    unread = other_files(skipped, suffixes)
    # Hadoop reads .gz itself, but fails the whole job on a broken one: found here first, and named.
    broken = {path: gzip_problem(path) for path in inputs if path.name.endswith(".gz")}
    unread += [(printable(path.name), why) for path, why in broken.items() if why is not None]
    inputs = [path for path in inputs if broken.get(path) is None]
    if not inputs:
        raise no_readable_input(input_dir, unread)
    before = stamps(inputs)
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
            files: list[Any] = [spark.read.parquet(str(p)).select("resource").rdd for p in inputs]
        else:
            files = _ndjson_files(sc, inputs)
        names = [printable(p.name) for p in inputs]

        def read_input(slim: bool) -> Any:
            return sc.union([rows.mapPartitionsWithIndex(partial(_read_partition, source, slim, max_line_bytes))
                             for source, rows in enumerate(files)])

        # What is kept and shuffled: resources as text, a line no calculator reads as its type and patient only
        # (a tenth of its bytes). Kept on disk when memory is short, not read twice.
        read = read_input(slim=True).persist(StorageLevel.MEMORY_AND_DISK)
        noted = read.filter(_noted).collect()
        # "file:line" of each line: its position in its partition, after the lines of the partitions before it.
        counts = {(source, part): count for (source, part, position), (_, count, _) in noted if position < 0}
        first_line: dict[tuple[int, int], int] = {}
        for source, part in sorted(counts):
            first_line[(source, part)] = first_line[(source, part - 1)] + counts[(source, part - 1)] if part else 1
        where_of = sc.broadcast((first_line, names))
        bad_lines = sorted(((_where(key, where_of.value), cast(str, why)) for key, (patient, why, _) in noted
                            if patient is None and key[2] >= 0), key=lambda bad: _order(bad[0]))
        # A patient with an Observation derivedFrom another has every line read (bulk.reads_every_line): the
        # text of their unread lines is read again from the input, for them only (rare).
        derived = frozenset(patient for _, (patient, _, is_derived) in noted if is_derived)
        if derived:
            chosen_patients = sc.broadcast(derived)
            read = (read.filter(lambda r: not _unread_of(r, chosen_patients.value))
                    .union(read_input(slim=False).filter(lambda r: _unread_of(r, chosen_patients.value))))
        settings = (when, locale, pain_bands, as_of)

        def assess(group: tuple[Any, Any]) -> tuple[list[tuple[str, str]], list[str], Summary]:
            subject, items = group
            ordered: list[tuple[str, Any]] = []
            for key, item in sorted(items):
                if isinstance(item, UnreadCounts):
                    ordered += (("", line) for line in item.lines(subject))  # counted only: no "file:line" needed
                else:
                    ordered.append((_where(key, where_of.value), json.loads(item) if type(item) is str else item))
            return assess_group(subject, ordered, *settings, fact_windows=fact_windows)

        results = (read.filter(lambda r: r[1][0] is not None)
                   .map(lambda r: (r[1][0], (r[0], r[1][1]))).groupByKey().map(assess))
        results.persist(StorageLevel.MEMORY_AND_DISK)
        summary = Summary(locale=locale)
        named = files_not_read(summary, sorted(unread))
        for where, why in bad_lines:
            summary.bad(where, why)
        for found in results.mapPartitions(_summed).collect():  # one summary per partition, not per patient
            summary.add(found)
        output_dir.mkdir(parents=True, exist_ok=True)
        with work_folder(output_dir, "spark") as work:
            # All outputs in one pass, each line tagged with its kind, then sorted into the four files here.
            results.flatMap(_tagged).saveAsTextFile(str(Path(work) / "tagged"))
            changed = changed_files(inputs, before, summary)  # after Spark's last read of them
            targets = {kind: open(Path(work) / f"{kind}.ndjson", "w", encoding="utf-8")  # noqa: SIM115
                       for kind in (*OUTPUT_TYPES, "errors")}  # each closed below
            try:
                # Bad lines first, then lines that failed the shape check, then the patients' outcomes: as the
                # local engine writes them.
                targets["errors"].write(changed + named)
                targets["errors"].writelines(
                    _bad_line_outcome(translate(said("{where}: {why}", where=where, why=why), locale), locale) + "\n"
                    for where, why in bad_lines)
                for part in sorted((Path(work) / "tagged").glob("part-*")):
                    with open(part, encoding="utf-8") as tagged:
                        for line in tagged:
                            kind, _, text = line.partition("\t")
                            targets[kind].write(text)
            finally:
                for target in targets.values():
                    target.close()
            with open(Path(work) / "errors.ndjson", "ab") as errors, \
                    open(Path(work) / "OperationOutcome.ndjson", "rb") as outcomes:
                shutil.copyfileobj(outcomes, errors)
            os.replace(Path(work) / "errors.ndjson", Path(work) / "OperationOutcome.ndjson")
            for kind in OUTPUT_TYPES:
                os.replace(Path(work) / f"{kind}.ndjson", output_dir / f"{kind}.ndjson")
        return summary
    finally:
        spark.stop()


def _where(key: tuple[int, int, int], where_of: tuple[dict[tuple[int, int], int], list[str]]) -> str:
    """(input file, partition, position) -> "file:line", as bad lines are reported."""
    first_line, names = where_of
    source, part, position = key
    return f"{names[source]}:{first_line[(source, part)] + position}"


def _summed(results: Iterator[tuple[list[tuple[str, str]], list[str], Summary]]) -> Iterator[Summary]:
    total = Summary()
    for _, _, found in results:
        total.add(found)
    yield total


def _tagged(result: tuple[list[tuple[str, str]], list[str], Summary]) -> list[str]:
    """A patient's outputs, each line tagged with the file it goes to (JSON text holds no raw tab)."""
    return [f"{kind}\t{line}" for kind, line in result[0]] + [f"errors\t{line}" for line in result[1]]
