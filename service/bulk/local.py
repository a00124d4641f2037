"""The local engine of ``bonemet bulk``: FHIR Bulk Data NDJSON in, NDJSON out, with worker processes.

An EHR's ``$export`` writes one file per resource type (``Patient.ndjson``,
``Condition.ndjson``, ``Observation.001.ndjson``...) with patients in any order.
Memory stays bounded whatever the input size, in two passes:

1. *Partition*: the input files are cut into chunks of whole lines (about ``CHUNK_BYTES``),
   streamed by all workers at once; every line goes to one of N buckets, chosen by a
   hash of its patient (``files.bucket_of``: ranges of ``files.patient_order``), so that all of
   a patient's resources land in the same bucket.
   N grows with the input (about ``BUCKET_BYTES`` of input per bucket). Each chunk
   writes one file on disk, of runs sorted by bucket with an index of where each
   bucket begins (``Runs``): the number of files stays small whatever N is. Lines no
   calculator reads (labs, medications, encounters: most of a hospital's export) are
   told from their text (``facts.prefilter``) and never parsed; the bucket keeps only
   their type, patient and place in the input. The patient of a line to be read is found from its
   text too, when that is certain (``prefilter.patient_of_text``: every line of the generated exports);
   only the others (an escape in the line, a contained resource, a patient named other than by a plain
   reference, a ``derivedFrom``) are parsed here to find their patient, and parsed again in pass 2.
2. *Assess*: the workers take one bucket at a time, read its lines from every run, parse each line
   to be read (its one parse, checks included; a copy of the parsed resource kept by pass 1 would not
   be cheaper: measured, marshal and pickle load it no faster than orjson parses its text), group them
   by patient and assess each patient (``patient.assess_group``), in patient order; the parent appends
   the outputs, bucket after bucket, to one file per resource type (``files.Outputs``).

The files read are ``*.ndjson`` and ``*.ndjson.gz`` (decompressed into the work folder first: a gzip
stream cannot be cut into chunks); a UTF-8 byte order mark opening a file is ignored, as JSON's RFC
8259 allows and Spark's reader does. Every other file of INPUT_DIR is named as not read.

A bad line (not JSON, nested more than 64 levels, longer than ``BONEMET_MAX_BODY_BYTES``, not a
resource, no patient, malformed elements) is reported with its file and line number, in
``OperationOutcome.ndjson`` and in the summary, and does not stop the rest (unless ``strict``): a line
whose patient was found from its text, among that patient's outcomes, as Spark reports it. An
input whose size or modification time changed during the run is named. The work folder
(``bonemet-bulk-work.<pid>.*``) of a run killed outright is removed by the next run into the same
output folder; the workers die with the command (``die_with_parent``). Resources are shape-checked only (the
full model validation of the Bundle doors would cost more than the assessment);
lines set aside unparsed are counted in each patient's OperationOutcome, not checked.
"""

from __future__ import annotations

import os
import time
import zlib
from array import array
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import msgspec
from msgspec.structs import replace

from ..facts.prefilter import UnreadLine, patient_hint
from ..fhir import json_read
from ..fhir.patients import bulk_patient_key
from ..i18n import printable, said
from .files import (
    BOM,
    INPUT_SUFFIXES,
    Outputs,
    bucket_of,
    changed_files,
    check_folders,
    count_newlines,
    decoded,
    die_with_parent,
    files_not_read,
    input_files,
    no_readable_input,
    other_files,
    patient_order,
    plain_input,
    stamps,
    work_folder,
)
from .patient import (
    MAX_LINE_BYTES,
    assess_group,
    bad_line_outcome,
    clinical_key,
    line_too_long,
    place_line,
    read_placed,
    split_forms,
    too_long,
)
from .summary import Progress, Summary

BUCKET_BYTES = 4 * 1024 * 1024


class Chunk(msgspec.Struct, frozen=True):
    """Lines ``first_line``... of one input file, from byte ``start`` to ``end`` (whole lines): a large
    file is read by every worker at once, not by one while the others wait."""

    path: str
    label: str
    start: int
    end: int
    first_line: int = 1
    source: int = 0  # the input file's index

    @property
    def tag(self) -> str:
        return f"{zlib.crc32(self.path.encode()):08x}.{self.start:012d}"


CHUNK_BYTES = 64 * 1024 * 1024


def skip_line(lines: Any) -> int:
    """Read on to the end of the current line, in blocks (a line may be gigabytes): the bytes read."""
    skipped = 0
    while True:
        block = lines.readline(1024 * 1024)
        skipped += len(block)
        if not block or block.endswith(b"\n"):
            return skipped


def cut_chunks(path: Path, size: int, source: int, chunk_bytes: int = CHUNK_BYTES, label: str = "") -> list[Chunk]:
    """The file cut after a newline about every ``chunk_bytes``."""
    cuts = [0]
    with open(path, "rb") as lines:
        while cuts[-1] + chunk_bytes < size:
            lines.seek(cuts[-1] + chunk_bytes)
            skip_line(lines)  # to the end of the line under the cut
            if lines.tell() >= size:
                break
            cuts.append(lines.tell())
    return [Chunk(str(path), label or printable(path.name), start, end, source=source)
            for start, end in zip(cuts, [*cuts[1:], size], strict=True)]


def count_lines(chunk: Chunk) -> int:
    return count_newlines(Path(chunk.path), chunk.start, chunk.end)


class Runs:
    """What one chunk of input sends to pass 2, in one file of its own. Lines wait in memory (up to
    ``FLUSH_BYTES``) and are then appended as a *run*: sorted by bucket, with its index (each
    bucket's first byte, and the run's end), so pass 2 reads a bucket's lines with one read per run.

    One file per chunk, not one per chunk and bucket: at 5 GB of input that made 90,000 files,
    which cost more to create and delete than a tenth of the whole run (half a millisecond to
    delete each, on a disk mounted with ``discard``). And the command holds one file open per
    worker, however many buckets a large export needs. The parent keeps every run's index, 8 bytes
    per bucket: 1 MB at 5 GB of input, growing with the square of the input (some tens of MB at
    50 GB, where a cluster and the Spark engine are the better tool)."""

    FLUSH_BYTES = 16 * 1024 * 1024

    def __init__(self, path: str, buckets: int) -> None:
        self.path, self.buckets = path, buckets
        self.waiting: dict[int, list[str]] = {}
        self.size = 0
        self.runs: list[array] = []  # per run, bucket b's lines are its bytes [run[b], run[b + 1])
        self._out = open(path, "wb")  # noqa: SIM115 (closed by ``close``)
        self._end = 0

    def write(self, bucket: int, text: str) -> None:
        self.waiting.setdefault(bucket, []).append(text)
        self.size += len(text)
        if self.size >= self.FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.waiting:
            return
        starts = array("q")
        for bucket in range(self.buckets):
            starts.append(self._end)
            texts = self.waiting.get(bucket)
            if texts:
                self._end += self._out.write("".join(texts).encode("utf-8"))
        starts.append(self._end)
        self.runs.append(starts)
        self.waiting, self.size = {}, 0

    def close(self) -> list[tuple[str, array]]:
        """Flush and close; the runs, as (file, index) pairs for ``spans``."""
        try:
            self.flush()
        finally:
            self._out.close()
        return [(self.path, run) for run in self.runs]


def spans(runs: list[tuple[str, array]], bucket: int) -> list[tuple[str, int, int]]:
    """Where a bucket's lines are: (file, first byte, end) in every run that has some, in input order."""
    return [(path, run[bucket], run[bucket + 1]) for path, run in runs if run[bucket + 1] > run[bucket]]


def partition(chunk: Chunk, work: str, buckets: int, locale: str,
               max_line_bytes: int = MAX_LINE_BYTES) -> tuple[Summary, list[tuple[str, array]], set[str]]:
    """Stream one chunk of an input file into runs of its own (``Runs``). A line to be read goes whole; an
    unread one goes as its type, patient and byte offset (a tenth of the bytes, and pass 2 parses none). Also
    the patients of its lines to be read, other than Patient resources (``patient.split_forms``)."""
    summary = Summary(locale=locale)
    clinical: set[str] = set()
    outs = Runs(os.path.join(work, f"runs.{chunk.tag}"), buckets)
    errors = open(os.path.join(work, f"errors.{chunk.tag}.ndjson"), "w", encoding="utf-8")  # noqa: SIM115
    try:
        with open(chunk.path, "rb") as lines:
            lines.seek(chunk.start)
            offset, number = chunk.start, chunk.first_line - 1
            while offset < chunk.end:
                raw = lines.readline(max_line_bytes + len(BOM) + 2)  # a line too long is never held whole
                if not raw:
                    break
                at, offset, number = offset, offset + len(raw), number + 1
                where = f"{chunk.label}:{number}"
                if line_too_long(raw, max_line_bytes, at):
                    offset += 0 if raw.endswith(b"\n") else skip_line(lines)
                    errors.write(bad_line_outcome(summary.bad(where, too_long(max_line_bytes)), locale) + "\n")
                    continue
                line = decoded(raw, at)
                if not line:
                    continue
                patient, found = place_line(line)
                if patient is None and (hint := patient_hint(line)) is not None:
                    patient, found = hint, line  # read again where that patient is assessed: a bad line of theirs
                if patient is None:
                    errors.write(bad_line_outcome(summary.bad(where, found), locale) + "\n")
                    continue
                if (key := clinical_key(patient, found)) is not None:
                    clinical.add(key)
                bucket = bucket_of(patient, buckets)
                # JSON text holds no raw tab or newline: fields split on tabs.
                if isinstance(found, UnreadLine):
                    outs.write(bucket, f"{where}\t{found.kind}\t{patient}\t{chunk.source}\t{at}\n")
                elif isinstance(found, str):  # its patient found from its text (no tab, no newline in it)
                    outs.write(bucket, f"{where}\t{patient}\t{line}\n")
                else:  # parsed to find its patient (who may be named with any character): read again in pass 2
                    outs.write(bucket, f"{where}\t{line}\n")
    finally:
        runs = outs.close()
        errors.close()
    return summary, runs, clinical


# -- pass 2 -------------------------------------------------------------------------------


def bucket_lines(spans: list[tuple[str, int, int]]) -> Iterator[tuple[str, str]]:
    for path, start, end in spans:
        with open(path, "rb") as runs:
            runs.seek(start)
            block = runs.read(end - start).decode("utf-8")
        # On "\n" only: a JSON text may hold a raw carriage return between its tokens (and U+2028 in a string).
        for line in block.split("\n")[:-1]:
            where, _, text = line.partition("\t")
            yield where, text



def read_back(item: UnreadLine, inputs: list[str]) -> UnreadLine:
    """An unread line's text, from its input file (pass 1 kept "source<tab>offset" in its place)."""
    source, offset = item.text.split("\t")
    with open(inputs[int(source)], "rb") as lines:
        lines.seek(int(offset))
        return item._replace(text=decoded(lines.readline(), int(offset)))


def assess_bucket(spans: list[tuple[str, int, int]], inputs: list[str], when: datetime, locale: str,
                  pain_bands: tuple, as_of: date | None = None, fact_windows: tuple = (),
                  split: dict[str, tuple[str, ...]] | None = None) -> tuple[Summary, dict[str, bytes]]:
    """One bucket's patients assessed, in ``patient_order``: (summary, NDJSON lines by resource type). The
    parent appends them to the output files, bucket after bucket: no part file per bucket to create and delete."""
    summary = Summary(locale=locale)
    patients: dict[str, list[tuple[str, Any]]] = {}
    derived: set[str] = set()  # the patients whose every line is to be read (reads_every_line)
    for where, text in bucket_lines(spans):
        first, _, rest = text.partition("\t")
        if text.startswith("{"):  # parsed in pass 1 to find its patient (rare): checked then, read again
            resource = json_read.loads(text)
            # Lines without a patient were set aside when the export was partitioned: every key here is one.
            key = cast(str, bulk_patient_key(resource))
        elif rest.startswith("{"):  # "patient<tab>line", its patient found from its text: its one parse
            key, resource = first, read_placed(rest, first)
        else:  # "kind<tab>patient<tab>source<tab>offset": told unread in pass 1
            patient, _, locator = rest.partition("\t")
            patients.setdefault(patient, []).append((where, UnreadLine(first, patient, locator)))
            continue
        patients.setdefault(key, []).append((where, resource))
        if type(resource) is dict and "derivedFrom" in resource:
            derived.add(key)
    outputs: dict[str, list[str]] = {}
    for subject in sorted(patients, key=patient_order):
        lines = patients[subject]
        if subject in derived:  # the unread lines' text, from the input, for this patient only
            lines = [(where, read_back(item, inputs) if isinstance(item, UnreadLine) else item)
                     for where, item in lines]
        assessed = assess_group(subject, lines, when, locale, pain_bands, as_of, subject in derived, fact_windows,
                                other_forms=(split or {}).get(subject, ()))
        summary.add(assessed.summary)
        for kind, line in assessed.lines():
            outputs.setdefault(kind, []).append(line + "\n")
    return summary, {kind: "".join(lines).encode("utf-8") for kind, lines in outputs.items()}


# -- the command --------------------------------------------------------------------------


def bulk(input_dir: Path, output_dir: Path, workers: int, locale: str = "en", pain_bands: tuple = (),
         when: datetime | None = None, as_of: date | None = None, bucket_bytes: int = BUCKET_BYTES,
         chunk_bytes: int = CHUNK_BYTES, fact_windows: tuple = (), max_line_bytes: int = MAX_LINE_BYTES,
         strict: bool = False) -> Summary:
    """The local engine. ``strict``: on bad input (a bad line, an unreadable file) the run writes no output
    (``summary.outputs`` stays empty; earlier outputs stay as they were). It stops after the partition when
    that finds it; a line placed by its text and found bad only when parsed is found while assessing."""
    from concurrent.futures import (
        ProcessPoolExecutor,  # 12 ms: paid by bulk runs only, not by `bonemet --help`
    )

    started = time.monotonic()
    check_folders(input_dir, output_dir)
    inputs, skipped = input_files(input_dir, INPUT_SUFFIXES)
    when = when or datetime.now(UTC)
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary(locale=locale)
    before = stamps(inputs)
    summary.input_bytes = sum(size for size, _ in before)
    with work_folder(output_dir) as work, \
            ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        unread = other_files(skipped, INPUT_SUFFIXES)
        plain: list[Path] = []
        labels: list[str] = []
        for given, readable in zip(inputs, pool.map(plain_input, inputs, [work] * len(inputs),
                                                    range(len(inputs))), strict=True):
            if isinstance(readable, Path):
                plain.append(readable)
                labels.append(printable(given.name))
            else:
                unread.append((printable(given.name), readable))
                summary.files_unreadable += 1
        if not plain:
            raise no_readable_input(input_dir, unread)
        not_read = files_not_read(summary, sorted(unread))
        sizes = [p.stat().st_size for p in plain]
        buckets = max(1, -(-sum(sizes) // bucket_bytes))
        chunks = [chunk for source, (path, size, label) in enumerate(zip(plain, sizes, labels, strict=True))
                  for chunk in cut_chunks(path, size, source, chunk_bytes, label=label)]
        runs: list[tuple[str, array]] = []  # every chunk's runs, in input order
        clinical: set[str] = set()
        with Progress(len(chunks), said("reading"), said("chunks"), locale) as progress:
            # Each chunk's first line number, for bad lines' "file:line": the newlines of the chunks before
            # it, counted at memory speed (a file's last chunk need not be counted).
            followed = [n for n, chunk in enumerate(chunks[:-1]) if chunks[n + 1].path == chunk.path]
            counts = dict(zip(followed, pool.map(count_lines, [chunks[n] for n in followed]), strict=True))
            for n in followed:
                chunks[n + 1] = replace(chunks[n + 1], first_line=chunks[n].first_line + counts[n])
            for done in [pool.submit(partition, chunk, work, buckets, locale, max_line_bytes) for chunk in chunks]:
                found, chunk_runs, chunk_clinical = done.result()
                summary.add(found)
                runs += chunk_runs
                clinical |= chunk_clinical
                progress.update()
        if strict and summary.bad_input:
            summary.elapsed = time.monotonic() - started
            return summary
        # Written bucket after bucket, in bucket order, each in patient order: the outputs are in
        # ``patient_order`` whatever the workers and the buckets, as the Spark engine writes them.
        outputs = Outputs(work)
        # Patients named in several forms: said, not assessed apart. Each bucket's task gets its own.
        split_by_bucket: dict[int, dict[str, tuple[str, ...]]] = {}
        for key, forms in split_forms(clinical).items():
            split_by_bucket.setdefault(bucket_of(key, buckets), {})[key] = forms
        try:
            with Progress(buckets, said("assessing"), said("buckets"), locale) as progress:
                def take(done: Any) -> None:
                    found, by_kind = done.result()
                    summary.add(found)
                    for kind, data in by_kind.items():
                        outputs.write(kind, data)
                    progress.update()

                # A few buckets in flight at a time: the parent holds as little for 1,000 buckets as for 10.
                paths, in_flight = [str(p) for p in plain], deque[Any]()
                for bucket in range(buckets):
                    in_flight.append(pool.submit(assess_bucket, spans(runs, bucket), paths, when, locale,
                                                 pain_bands, as_of, fact_windows, split_by_bucket.get(bucket)))
                    if len(in_flight) >= 4 * workers:
                        take(in_flight.popleft())
                while in_flight:
                    take(in_flight.popleft())
        finally:
            outputs.close()
        if strict and summary.bad_input:
            summary.elapsed = time.monotonic() - started
            return summary
        # OperationOutcome.ndjson opens with the inputs changed during the run, the files not read, and the
        # lines that could not be read, in input order (file, then line).
        preamble: list[bytes | Path] = [changed_files(inputs, before, summary).encode("utf-8"),
                                        not_read.encode("utf-8")]
        preamble += [Path(work) / f"errors.{chunk.tag}.ndjson" for chunk in chunks]
        summary.outputs = outputs.finish(preamble, output_dir)
    summary.elapsed = time.monotonic() - started
    return summary
