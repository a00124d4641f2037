"""``bonemet bulk --engine spark``: the same assessment on Apache Spark, for exports that outgrow one machine.

Spark (PySpark, the optional extra ``bonemet-cds[spark]``) reads the NDJSON files (``.ndjson``, and
``.ndjson.gz``, which Hadoop decompresses; the files it cannot read are named as the local engine
names them), groups the lines by patient, and runs on each patient the very function the local engine
runs (``patient.assess_group``), with the patient's lines in the same order (input file, then line
number). As in the local engine, a line no calculator reads (``facts.prefilter``) is not parsed:
such lines are counted by type for each patient of a partition, and only the counts are shuffled;
their text is read again only for a patient who may link through one (an Observation ``derivedFrom``
another). The patients' results are sorted in ``files.patient_order`` and written in one pass, each
line tagged with its resource type; the driver reads the sorted parts in turn into one file per type:
the outputs are the local engine's, line for line.

``--spark-master`` (default ``local[*]``) names the cluster; under ``spark-submit`` the master given
there is used; ``--spark-conf KEY=VALUE`` sets any Spark property. Input may also be Parquet with one
JSON resource per row (``--input-format parquet``, a string column named ``resource``), as data lakes
keep exports. Spark is quiet unless ``--verbose``: errors only, and a progress line every 10 s.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, cast

from ..facts.prefilter import UnreadLine, patient_hint
from ..i18n import printable, said, translate
from .files import (
    INPUT_SUFFIXES,
    Outputs,
    changed_files,
    check_folders,
    files_not_read,
    gzip_problem,
    input_files,
    no_readable_input,
    other_files,
    patient_order,
    stamps,
    work_folder,
)
from .patient import (
    MAX_LINE_BYTES,
    Assessed,
    assess_group,
    bad_line_outcome,
    clinical_key,
    line_too_long,
    place_line,
    read_placed,
    split_forms,
    too_long,
)
from .summary import Summary

QUIET_LOG = Path(__file__).with_name("spark-log4j2.properties")


class UnreadCounts(NamedTuple):
    """The lines no calculator reads of one patient in one partition, by type: all the assessment needs
    of them (unless the patient links through derivedFrom), shuffled as one record instead of dozens."""

    kinds: tuple[tuple[str, int], ...]

    def lines(self, patient: str) -> list[UnreadLine]:
        return [UnreadLine(kind, patient, "") for kind, count in self.kinds for _ in range(count)]


def _read_partition(source: int, slim: bool, max_line_bytes: int, part: int,
                    rows: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    """The lines (or Parquet rows) of one partition of input file ``source`` -> ((source, part, position),
    (patient or None, item, derived)), where ``item`` is a resource's text, an ``UnreadLine``, or why the line
    is bad; ``derived``: a resource derivedFrom another. A resource travels as text and is parsed where its
    patient is assessed: for nearly every line its one parse, its patient found from its text
    (``patient.place_line``). A parsed resource would be pickled twice (persisted, shuffled) and unpickled
    three times: measured, about 6 µs a resource, twice its parse (3 µs), where its text takes under 1 µs. When
    ``slim``, the unread lines are counted instead, by patient, in one ``UnreadCounts`` per patient (position
    -2). The partition ends with ((source, part, -1), (None, its number of lines, False)), from which line
    numbers are counted without another pass over the input."""
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
        patient, item = place_line(text)
        if patient is None and (hint := patient_hint(text)) is not None:
            patient, item = hint, text  # read again where that patient is assessed: a bad line of theirs
        if isinstance(item, UnreadLine):
            if slim:
                unread.setdefault(item.patient, Counter())[item.kind] += 1
            else:
                yield (source, part, position), (patient, item, False)
        elif patient is None:
            yield (source, part, position), (None, item, False)
        else:
            yield (source, part, position), (patient, text, type(item) is dict and "derivedFrom" in item)
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


def session(master: str | None, verbose: bool = False, conf: dict[str, str] | None = None) -> Any:
    """The Spark session of a run: ``master`` (default ``local[*]``; under spark-submit, its own), ``conf``
    (``--spark-conf``: ports, memory...). Quiet unless ``verbose``: no console progress bars, and only
    errors logged (the JVM reads its log configuration as it starts, before any line is written)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("bonemet-bulk").config("spark.ui.enabled", "false")
    chosen = master or ("" if os.environ.get("SPARK_ENV_LOADED") else "local[*]")  # "": spark-submit's own
    if chosen:
        builder = builder.master(chosen)
    if chosen.startswith("local"):
        # The Python workers run this interpreter (its packages, its installed version), not whichever
        # python3 comes first on the PATH; a cluster configures its executors' Python itself.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if not verbose:
        builder = (builder.config("spark.ui.showConsoleProgress", "false")
                   .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={QUIET_LOG.as_uri()}"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if not verbose:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkProgress:
    """Where the Spark job stands, on stderr, at most every ``every`` seconds (Spark's own bars are off):
    the tasks done of the stages running, read from the driver's status tracker."""

    def __init__(self, sc: Any, locale: str, every: float = 10.0) -> None:
        self.sc, self.locale, self.every = sc, locale, every
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True, name="spark-progress")

    def watch(self) -> None:
        tracker = self.sc.statusTracker()
        while not self.stop.wait(self.every):
            stages = [tracker.getStageInfo(stage) for stage in tracker.getActiveStageIds()]
            done = sum(stage.numCompletedTasks for stage in stages if stage)
            total = sum(stage.numTasks for stage in stages if stage)
            print("bonemet bulk: " + translate(said(
                "Spark: {done} of {total} tasks of the running stages, {seconds} s", done=done, total=total,
                seconds=f"{time.monotonic() - self.started:.0f}"), self.locale), file=sys.stderr, flush=True)

    def __enter__(self) -> SparkProgress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()


def bulk_spark(input_dir: Path, output_dir: Path, master: str | None = None, locale: str = "en",
               pain_bands: tuple = (), when: datetime | None = None, as_of: date | None = None,
               input_format: str = "ndjson", fact_windows: tuple = (), max_line_bytes: int = MAX_LINE_BYTES,
               strict: bool = False, verbose: bool = False, conf: dict[str, str] | None = None) -> Summary:
    """The Spark engine; ``strict`` as in the local engine (``local.bulk``)."""
    try:
        from pyspark import StorageLevel
    except ImportError:
        raise ValueError("the Spark engine needs PySpark: pip install 'bonemet-cds[spark]' (and Java 17)") from None
    from datetime import UTC

    started = time.monotonic()
    check_folders(input_dir, output_dir)
    suffixes = (".parquet",) if input_format == "parquet" else INPUT_SUFFIXES
    inputs, skipped = input_files(input_dir, suffixes, folders=input_format == "parquet")
    unread = other_files(skipped, suffixes)
    # Hadoop reads .gz itself, but fails the whole job on a broken one: found here first, and named.
    broken = {path: gzip_problem(path) for path in inputs if path.name.endswith(".gz")}
    unread += [(printable(path.name), why) for path, why in broken.items() if why is not None]
    inputs = [path for path in inputs if broken.get(path) is None]
    if not inputs:
        raise no_readable_input(input_dir, unread)
    summary = Summary(locale=locale, files_unreadable=sum(1 for why in broken.values() if why is not None))
    before = stamps(inputs)
    summary.input_bytes = sum(size for size, _ in before)
    when = when or datetime.now(UTC)
    spark = session(master, verbose, conf)
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

        with SparkProgress(sc, locale):
            # What is kept and shuffled: resources as text, a line no calculator reads as its type and patient
            # only (a tenth of its bytes). Kept on disk when memory is short, not read twice.
            read = read_input(slim=True).persist(StorageLevel.MEMORY_AND_DISK)
            noted = read.filter(_noted).collect()
            # "file:line" of each line: its position in its partition, after the lines of the partitions before it.
            counts = {(source, part): count for (source, part, position), (_, count, _) in noted if position < 0}
            first_line: dict[tuple[int, int], int] = {}
            for source, part in sorted(counts):
                first_line[(source, part)] = first_line[(source, part - 1)] + counts[(source, part - 1)] if part else 1
            where_of = sc.broadcast((first_line, names))
            # The lines that could not be read, in input order (file, then line), as the local engine writes them.
            bad_lines = [(_where(key, where_of.value), cast(str, why)) for key, (patient, why, _) in sorted(
                (found for found in noted if found[1][0] is None and found[0][2] >= 0),
                key=lambda found: (found[0][0], first_line[found[0][:2]] + found[0][2]))]
            named = files_not_read(summary, sorted(unread))
            for where, why in bad_lines:
                summary.bad(where, why)
            if strict and summary.bad_input:
                summary.elapsed = time.monotonic() - started
                return summary
            # Patients named in several forms (``split_forms``): from the keys of the lines to be read, on the
            # persisted read (the unread lines, read again below for a few patients, give no key).
            split = sc.broadcast(split_forms(read.map(lambda r: clinical_key(r[1][0], r[1][1])).filter(
                lambda key: key is not None).distinct().collect()))
            # A patient with an Observation derivedFrom another has every line read (reads_every_line): the
            # text of their unread lines is read again from the input, for them only (rare).
            derived = frozenset(patient for _, (patient, _, is_derived) in noted if is_derived)
            if derived:
                chosen_patients = sc.broadcast(derived)
                read = (read.filter(lambda r: not _unread_of(r, chosen_patients.value))
                        .union(read_input(slim=False).filter(lambda r: _unread_of(r, chosen_patients.value))))
            settings = (when, locale, pain_bands, as_of)

            def assess(group: tuple[Any, Any]) -> tuple[tuple[int, str], Assessed]:
                subject, items = group
                ordered: list[tuple[str, Any]] = []
                for key, item in sorted(items):
                    if isinstance(item, UnreadCounts):
                        ordered += (("", line) for line in item.lines(subject))  # counted only: no "file:line"
                    else:
                        ordered.append((_where(key, where_of.value),
                                        read_placed(item, subject) if type(item) is str else item))
                return patient_order(subject), assess_group(subject, ordered, *settings, fact_windows=fact_windows,
                                                            other_forms=split.value.get(subject, ()))

            # In ``patient_order``, as the local engine writes them: the part files, read in turn, are sorted.
            results = (read.filter(lambda r: r[1][0] is not None)
                       .map(lambda r: (r[1][0], (r[0], r[1][1]))).groupByKey().map(assess).sortByKey())
            results.persist(StorageLevel.MEMORY_AND_DISK)
            for found in results.mapPartitions(_summed).collect():  # one summary per partition, not per patient
                summary.add(found)
            if strict and summary.bad_input:
                summary.elapsed = time.monotonic() - started
                return summary
            output_dir.mkdir(parents=True, exist_ok=True)
            with work_folder(output_dir, "spark") as work:
                # All outputs in one pass, each line tagged with its resource type, then sorted into files here.
                results.flatMap(_tagged).saveAsTextFile(str(Path(work) / "tagged"))
                outputs = Outputs(work)
                try:
                    for part in sorted((Path(work) / "tagged").glob("part-*")):
                        with open(part, encoding="utf-8") as tagged:
                            for line in tagged:
                                kind, _, text = line.partition("\t")
                                outputs.write(kind, text.encode("utf-8"))
                finally:
                    outputs.close()
                changed = changed_files(inputs, before, summary)  # after Spark's last read of them
                unreadable = "".join(bad_line_outcome(translate(said("{where}: {why}", where=where, why=why), locale),
                                                      locale) + "\n" for where, why in bad_lines)
                summary.outputs = outputs.finish([(changed + named + unreadable).encode("utf-8")], output_dir)
        summary.elapsed = time.monotonic() - started
        return summary
    finally:
        spark.stop()


def _where(key: tuple[int, int, int], where_of: tuple[dict[tuple[int, int], int], list[str]]) -> str:
    """(input file, partition, position) -> "file:line", as bad lines are reported."""
    first_line, names = where_of
    source, part, position = key
    return f"{names[source]}:{first_line[(source, part)] + position}"


def _summed(results: Iterator[tuple[Any, Assessed]]) -> Iterator[Summary]:
    total = Summary()
    for _, assessed in results:
        total.add(assessed.summary)
    yield total


def _tagged(result: tuple[Any, Assessed]) -> list[str]:
    """A patient's output lines, each tagged with its resource type (JSON text holds no raw tab)."""
    return [f"{kind}\t{line}" for kind, line in result[1].lines()]
