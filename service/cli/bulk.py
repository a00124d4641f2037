"""``bonemet bulk INPUT_DIR OUTPUT_DIR``: FHIR Bulk Data NDJSON in, NDJSON out.

An EHR's ``$export`` writes one file per resource type (``Patient.ndjson``,
``Condition.ndjson``, ``Observation.001.ndjson``...) with patients in any order.
Memory stays bounded whatever the input size, in two passes:

1. *Partition*: the input files are cut into chunks of whole lines (about ``CHUNK_BYTES``),
   streamed by all workers at once; every line goes to one of N buckets, chosen by a
   hash of its patient, so that all of a patient's resources land in the same bucket.
   N grows with the input (about ``BUCKET_BYTES`` of input per bucket). Each chunk
   writes one file on disk, of runs sorted by bucket with an index of where each
   bucket begins (``_Runs``): the number of files stays small whatever N is. Lines no
   calculator reads (labs, medications, encounters: most of a hospital's export) are
   told from their text (``facts.prefilter``) and never parsed; the bucket keeps only
   their type, patient and place in the input.
2. *Assess*: the workers take one bucket at a time, read its lines from every run,
   group them by patient and assess each patient; the parent appends the outputs,
   bucket after bucket, to ``RiskAssessment.ndjson``, ``Observation.ndjson``,
   ``CarePlan.ndjson`` and ``OperationOutcome.ndjson``.

The files read are ``*.ndjson`` and ``*.ndjson.gz`` (decompressed into the work folder first: a gzip
stream cannot be cut into chunks); a UTF-8 byte order mark opening a file is ignored, as JSON's RFC
8259 allows and Spark's reader does. Every other file of INPUT_DIR is named as not read.

A bad line (not JSON, nested more than 64 levels, longer than ``BONEMET_MAX_BODY_BYTES``, not a
resource, no patient, malformed elements) is reported with its file and line number, in
``OperationOutcome.ndjson`` and in the summary, and does not stop the rest. An input whose size or
modification time changed during the run is named and the command exits 2. The work folder
(``bonemet-bulk-work.<pid>.*``) of a run killed outright is removed by the next run into the same
output folder; the workers die with the command (``die_with_parent``). Resources are shape-checked only (the
full model validation of the Bundle doors would cost more than the assessment);
lines set aside unparsed are counted in each patient's OperationOutcome, not checked.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import orjson

from ..calculators import load_table
from ..config import Settings
from ..facts.prefilter import UnreadLine, unread_line
from ..fhir import json_read
from ..fhir.patients import bulk_patient_key
from ..i18n import Said, said, translate
from .assess import LOCALES, as_of_date, printable

BUCKET_BYTES = 4 * 1024 * 1024
OUTPUT_TYPES = ("RiskAssessment", "Observation", "CarePlan", "OperationOutcome")
INPUT_SUFFIXES = (".ndjson", ".ndjson.gz")
_BAD_LINES_SHOWN = 20
MAX_LINE_BYTES = Settings.max_body_bytes  # a line is one resource: at most what the HTTP door takes in a body


@dataclass
class Summary:
    patients: int = 0
    scores: Counter = field(default_factory=Counter)  # (calculator, category or "undetermined") -> count
    resources_read: int = 0
    resources_ignored: int = 0
    bad_lines: list[str] = field(default_factory=list)
    bad_line_count: int = 0
    locale: str = "en"  # of the bad lines' messages
    files_not_read: list[str] = field(default_factory=list)  # "name: why", in ``locale``
    files_changed: list[str] = field(default_factory=list)  # inputs changed during the run: exit 2

    def add(self, other: Summary) -> None:
        self.patients += other.patients
        self.scores.update(other.scores)
        self.resources_read += other.resources_read
        self.resources_ignored += other.resources_ignored
        self.bad_line_count += other.bad_line_count
        self.bad_lines += other.bad_lines[: max(0, _BAD_LINES_SHOWN - len(self.bad_lines))]
        self.files_not_read += other.files_not_read
        self.files_changed += other.files_changed

    def bad(self, where: str, why: str) -> str:
        self.bad_line_count += 1
        message = translate(said("{where}: {why}", where=where, why=why), self.locale)
        if len(self.bad_lines) < _BAD_LINES_SHOWN:
            self.bad_lines.append(message)
        return message

    def text(self, locale: str = "en") -> str:
        def say(template: str, **params: Any) -> str:
            return translate(said(template, **params), locale)

        lines = [say("patients: {count}", count=self.patients),
                 say("resources read: {count}", count=self.resources_read),
                 say("resources not used by the scores: {count}", count=self.resources_ignored),
                 say("bad lines: {count}", count=self.bad_line_count)]
        if self.files_not_read:
            lines.append(say("files not read: {count}", count=len(self.files_not_read)))
            lines += [f"  {line}" for line in self.files_not_read]
        if self.files_changed:
            lines.append(say("files changed during the run: {count}", count=len(self.files_changed)))
            lines += [f"  {line}" for line in self.files_changed]
        for (calculator, category), count in sorted(self.scores.items()):
            table = load_table(calculator)
            named = next((c.label(locale) for c in table.categories if c.value == category),
                         say("category undetermined"))
            lines.append(f"{table.title(locale).split(':')[0].strip()}, {named}: {count}")
        lines += [f"  {line}" for line in self.bad_lines]
        if self.bad_line_count > len(self.bad_lines):
            lines.append("  " + say("... and {count} more (see OperationOutcome.ndjson)",
                                    count=self.bad_line_count - len(self.bad_lines)))
        return "\n".join(lines)


_BOM = b"\xef\xbb\xbf"
_BROKEN_GZIP = (EOFError, zlib.error, gzip.BadGzipFile)  # truncated, corrupt, or not gzip at all


def input_files(input_dir: Path, suffixes: tuple[str, ...], folders: bool = False) -> tuple[list[Path], list[str]]:
    """(the files of ``input_dir`` to read, in name order; the names of the others, which are not read);
    ``folders``: a folder may be an input too (a Parquet dataset). Hidden files (".DS_Store") are no part
    of an export and are passed over."""
    entries = sorted(input_dir.iterdir())
    inputs = [p for p in entries if p.name.endswith(suffixes) and (folders or p.is_file())]
    if not inputs:
        raise ValueError(f"{printable(str(input_dir))}: no {' or '.join(suffixes)} files")
    return inputs, [printable(p.name) for p in entries if p not in inputs and not p.name.startswith(".")]


def files_not_read(summary: Summary, files: list[tuple[str, Said]]) -> str:
    """The files of the input folder that are not read, (name, why): said in the summary and as the first
    lines of OperationOutcome.ndjson (warnings). A file is never left out of an export's reading in silence."""
    from ..render.bundle import operation_outcome

    messages = [translate(said("{name}: not read ({why})", name=name, why=why), summary.locale)
                for name, why in files]
    summary.files_not_read += messages
    return "".join(json.dumps(operation_outcome([{"severity": "warning", "code": "not-supported",
                                                   "diagnostics": message}], summary.locale), ensure_ascii=False)
                   + "\n" for message in messages)


def other_files(names: list[str], suffixes: tuple[str, ...]) -> list[tuple[str, Said]]:
    return [(name, said("only {kinds} files are read", kinds=", ".join(suffixes))) for name in names]


def gzip_problem(path: Path) -> Said | None:
    """Why a ``.gz`` input cannot be read (truncated, not gzip), or None: read through once."""
    try:
        with gzip.open(path, "rb") as packed:
            while packed.read(4 * 1024 * 1024):
                pass
    except _BROKEN_GZIP as error:  # a disk error (OSError) stops the command, as in the local engine
        return said("not a readable gzip file: {error}", error=str(error)[:200])
    return None


def no_readable_input(input_dir: Path, unread: list[tuple[str, Said]]) -> ValueError:
    return ValueError(f"{printable(str(input_dir))}: no readable .ndjson or .ndjson.gz file ("
                      + "; ".join(f"{name}: {why}" for name, why in unread) + ")")


def decoded(raw: bytes, at: int) -> str:
    """One line of an input file as text; the byte order mark a Windows tool may put at the start of a
    file (offset 0) is not part of the JSON (RFC 8259 lets a parser ignore it; Hadoop's reader does)."""
    if at == 0 and raw.startswith(_BOM):
        raw = raw[len(_BOM):]
    return raw.decode("utf-8", errors="replace").strip()


def _decompressed(path: Path, work: str, index: int) -> Path | Said:
    """A ``.ndjson.gz`` input, written out plain in ``work`` (chunks and the unread lines' offsets need a
    file that can be read from any byte), or why it cannot be read."""
    plain = Path(work) / f"input.{index}.ndjson"
    try:
        with gzip.open(path, "rb") as packed, open(plain, "wb") as out:
            shutil.copyfileobj(packed, out, 4 * 1024 * 1024)
    except _BROKEN_GZIP as error:  # a disk error (OSError) stops the command
        plain.unlink()
        return said("not a readable gzip file: {error}", error=str(error)[:200])
    return plain


def _plain_input(path: Path, work: str, index: int) -> Path | Said:
    return _decompressed(path, work, index) if path.name.endswith(".gz") else path


def _bad_line_outcome(message: str, locale: str) -> str:
    from ..render.bundle import operation_outcome

    return json.dumps(operation_outcome([{"severity": "error", "code": "structure", "diagnostics": message}], locale),
                      ensure_ascii=False)


# -- the run's own housekeeping: its work folder, its workers, its inputs ----------------------------

_WORK = re.compile(r"bonemet-(?:bulk|spark)-work\.(\d+)\.")


def work_folder(output_dir: Path, engine: str = "bulk") -> tempfile.TemporaryDirectory:
    """The run's work folder in ``output_dir`` (outputs are renamed from it, on the same file system),
    named ``bonemet-bulk-work.<pid>.<random>``. A run killed outright (SIGKILL, a power cut) cannot remove
    its own, which may hold as much as the input: the next run into the same folder removes every work
    folder whose process is gone, and says so on stderr."""
    for stale in sorted(output_dir.iterdir()):
        found = _WORK.match(stale.name)
        if found and stale.is_dir() and not _alive(int(found.group(1))):
            size = sum(f.stat().st_size for f in stale.rglob("*") if f.is_file())
            shutil.rmtree(stale, ignore_errors=True)
            print(f"bonemet bulk: removed {printable(stale.name)}, the work folder of an interrupted run "
                  f"({size / 1e6:.1f} MB)", file=sys.stderr)
    return tempfile.TemporaryDirectory(prefix=f"bonemet-{engine}-work.{os.getpid()}.", dir=output_dir)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: the worker ends when the command does, even when the command is killed
    outright (SIGKILL leaves no time to stop its pool). On Linux the kernel sends the worker SIGKILL when
    its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread checks every second that the parent
    is still the worker's parent."""
    import ctypes
    import signal
    import threading
    import time

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="die-with-parent").start()


def stamps(paths: list[Path]) -> list[tuple[int, int]]:
    """Each input's (size, modification time), taken before it is read."""
    return [(stat.st_size, stat.st_mtime_ns) for stat in (path.stat() for path in paths)]


def changed_files(paths: list[Path], before: list[tuple[int, int]], summary: Summary) -> str:
    """The inputs whose size or modification time is not what it was when the run began (appended to,
    truncated, rewritten during the run: what was read of them is not the file), named in the summary
    and as errors in OperationOutcome.ndjson; the command then exits 2."""
    from ..render.bundle import operation_outcome

    lines = []
    for path, (size, mtime) in zip(paths, before, strict=True):
        try:
            now = path.stat()
            changed = (now.st_size, now.st_mtime_ns) != (size, mtime)
            why = said("changed during the run ({before} bytes, now {after}): read again", before=size,
                       after=now.st_size)
        except FileNotFoundError:
            changed, why = True, said("removed during the run: read again")
        if changed:
            message = translate(said("{where}: {why}", where=printable(path.name), why=why), summary.locale)
            summary.files_changed.append(message)
            lines.append(json.dumps(operation_outcome([{"severity": "error", "code": "conflict",
                                                        "diagnostics": message}], summary.locale),
                                    ensure_ascii=False) + "\n")
    return "".join(lines)


# -- pass 1 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
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


def line_too_long(raw: bytes | str, max_bytes: int, at: int = 1) -> bool:
    """Whether a line (without its newline, nor the byte order mark opening a file) is longer than
    ``max_bytes`` of UTF-8: measured the same way by both engines."""
    if isinstance(raw, str):
        return len(raw) > max_bytes // 4 and len(raw.encode("utf-8", errors="surrogatepass")) > max_bytes
    size = len(raw) - raw.endswith(b"\n") - (len(_BOM) if at == 0 and raw.startswith(_BOM) else 0)
    return size > max_bytes


def _chunks(path: Path, size: int, source: int, chunk_bytes: int = CHUNK_BYTES, label: str = "") -> list[Chunk]:
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


def _count_lines(chunk: Chunk) -> int:
    count = 0
    with open(chunk.path, "rb") as source:
        source.seek(chunk.start)
        left = chunk.end - chunk.start
        while left > 0:
            block = source.read(min(left, 16 * 1024 * 1024))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
    return count


class _Runs:
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
        """Flush and close; the runs, as (file, index) pairs for ``_spans``."""
        try:
            self.flush()
        finally:
            self._out.close()
        return [(self.path, run) for run in self.runs]


def _spans(runs: list[tuple[str, array]], bucket: int) -> list[tuple[str, int, int]]:
    """Where a bucket's lines are: (file, first byte, end) in every run that has some, in input order."""
    return [(path, run[bucket], run[bucket + 1]) for path, run in runs if run[bucket + 1] > run[bucket]]


def too_long(max_bytes: int) -> Said:
    return said("longer than {count} bytes (BONEMET_MAX_BODY_BYTES)", count=max_bytes)


def read_line(where: str, line: str, prefilter: bool = True) -> tuple[str | None, Any]:
    """One NDJSON line -> (its patient key, the resource or an ``UnreadLine``), or (None, why it is a
    bad line). A line no calculator reads (a lab, a medication...) is told from its text and not parsed:
    it is counted, not checked."""
    unread = unread_line(line) if prefilter else None
    if unread is not None:
        return unread.patient, unread
    try:
        resource = json_read.loads(line)
    except json_read.TooDeep as error:  # refused before parsing: a RecursionError would end the whole run
        return None, said("nested more than {limit} levels deep", limit=error.limit)
    except json.JSONDecodeError as error:
        return None, said("not JSON ({error})", error=error.msg)  # the parser's words, in English
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return None, said("not a FHIR resource")
    patient = bulk_patient_key(resource)
    if patient is None:
        return None, said("{kind} names no Patient by reference (subject or patient)", kind=resource["resourceType"])
    return patient, resource


def _partition(chunk: Chunk, work: str, buckets: int, locale: str,
               max_line_bytes: int = MAX_LINE_BYTES) -> tuple[Summary, list[tuple[str, array]]]:
    """Stream one chunk of an input file into runs of its own (``_Runs``). A line to be read goes whole; an
    unread one goes as its type, patient and byte offset (a tenth of the bytes, and pass 2 parses none)."""
    summary = Summary(locale=locale)
    outs = _Runs(os.path.join(work, f"runs.{chunk.tag}"), buckets)
    errors = open(os.path.join(work, f"errors.{chunk.tag}.ndjson"), "w", encoding="utf-8")  # noqa: SIM115
    try:
        with open(chunk.path, "rb") as lines:
            lines.seek(chunk.start)
            offset, number = chunk.start, chunk.first_line - 1
            while offset < chunk.end:
                raw = lines.readline(max_line_bytes + len(_BOM) + 2)  # a line too long is never held whole
                if not raw:
                    break
                at, offset, number = offset, offset + len(raw), number + 1
                where = f"{chunk.label}:{number}"
                if line_too_long(raw, max_line_bytes, at):
                    offset += 0 if raw.endswith(b"\n") else skip_line(lines)
                    errors.write(_bad_line_outcome(summary.bad(where, too_long(max_line_bytes)), locale) + "\n")
                    continue
                line = decoded(raw, at)
                if not line:
                    continue
                patient, found = read_line(where, line)
                if patient is None:
                    errors.write(_bad_line_outcome(summary.bad(where, found), locale) + "\n")
                    continue
                bucket = zlib.crc32(patient.encode()) % buckets
                # JSON text holds no raw tab or newline: fields split on tabs.
                if isinstance(found, UnreadLine):
                    outs.write(bucket, f"{where}\t{found.kind}\t{patient}\t{chunk.source}\t{at}\n")
                else:
                    outs.write(bucket, f"{where}\t{line}\n")
    finally:
        runs = outs.close()
        errors.close()
    return summary, runs


# -- pass 2 -------------------------------------------------------------------------------


def _bucket_lines(spans: list[tuple[str, int, int]]) -> Iterator[tuple[str, str]]:
    for path, start, end in spans:
        with open(path, "rb") as runs:
            runs.seek(start)
            block = runs.read(end - start).decode("utf-8")
        # On "\n" only: a JSON text may hold a raw carriage return between its tokens (and U+2028 in a string).
        for line in block.split("\n")[:-1]:
            where, _, text = line.partition("\t")
            yield where, text


def _ndjson(resource: dict[str, Any]) -> str:
    """One output line. orjson writes it several times faster than the standard library (parsing stays
    with the standard library, the floor the benchmark measures)."""
    return orjson.dumps(resource).decode()


def reads_every_line(lines: list[tuple[str, Any]]) -> bool:
    """An Observation derivedFrom another may be linked to its lesion through it, whatever that one's
    code: then every line of the patient is read in full (rare; the answer is the same either way)."""
    return any("derivedFrom" in item for _, item in lines if type(item) is dict)


def assess_group(subject: str, lines: list[tuple[str, Any]], when: datetime, locale: str,
                 pain_bands: tuple, as_of: date | None, every_line: bool | None = None,
                 fact_windows: tuple = ()) -> tuple[list[tuple[str, str]], list[str], Summary]:
    """One patient's (where, resource or ``UnreadLine``) lines -> (output kind, JSON line) pairs, bad-line
    outcomes, summary. Both engines call it, with the lines in the same order (input file, then line),
    so that they give the same outputs. ``every_line``: ``reads_every_line(lines)``, when already known."""
    from ..fhir.shape import InvalidResource, check_shape
    from ..pipeline import assess_patient
    from ..render.bundle import operation_outcome, outcome_issues

    summary = Summary(locale=locale)
    outputs: list[tuple[str, str]] = []
    bad: list[str] = []
    resources = []
    every_line = reads_every_line(lines) if every_line is None else every_line
    unread: Counter = Counter()
    for where, item in lines:
        if isinstance(item, UnreadLine):
            if not every_line:
                unread[item.kind] += 1
                summary.resources_read += 1
                continue
            item = read_line(where, item.text, prefilter=False)[1]
            if not isinstance(item, dict):
                bad.append(_bad_line_outcome(summary.bad(where, item), locale))
                continue
        try:
            check_shape(item, item["resourceType"])
        except InvalidResource as error:
            bad.append(_bad_line_outcome(summary.bad(where, error.problem), locale))
            continue
        summary.resources_read += 1
        resources.append(item)
    if not resources and not unread:
        return outputs, bad, summary
    result = assess_patient(resources, subject, when=when, locale=locale, pain_score_bands=pain_bands,
                            fact_windows=fact_windows, as_of=as_of, unread=unread)
    summary.patients += 1
    summary.resources_ignored += sum(1 for e in result.facts.report if e.outcome == "ignored") + unread.total()
    for assessment in result.assessments:
        score = assessment.score
        summary.scores[(score.calculator, score.category.value if score.category else "undetermined")] += 1
        outputs += [(r["resourceType"], _ndjson(r)) for r in assessment.resources]
    issues = outcome_issues(subject, result.facts, result.assessments, locale=locale, advice=result.advice)
    if len(issues) > 1:  # more than the one-line summary: something to report
        outputs.append(("OperationOutcome", _ndjson(operation_outcome(issues, locale))))
    return outputs, bad, summary


def _read_back(item: UnreadLine, inputs: list[str]) -> UnreadLine:
    """An unread line's text, from its input file (pass 1 kept "source<tab>offset" in its place)."""
    source, offset = item.text.split("\t")
    with open(inputs[int(source)], "rb") as lines:
        lines.seek(int(offset))
        return item._replace(text=decoded(lines.readline(), int(offset)))


def _assess_bucket(spans: list[tuple[str, int, int]], inputs: list[str], when: datetime, locale: str,
                   pain_bands: tuple, as_of: date | None = None,
                   fact_windows: tuple = ()) -> tuple[Summary, dict[str, bytes], bytes]:
    """One bucket's patients assessed: (summary, NDJSON outputs by type, bad-line outcomes). The parent
    writes them to the output files, bucket after bucket: no part file per bucket to create and delete."""
    summary = Summary(locale=locale)
    patients: dict[str, list[tuple[str, Any]]] = {}
    derived: set[str] = set()  # the patients whose every line is to be read (reads_every_line)
    for where, text in _bucket_lines(spans):
        if text.startswith("{"):
            resource = json.loads(text)  # checked in pass 1
            # Lines without a patient were set aside when the export was partitioned: every key here is one.
            key = cast(str, bulk_patient_key(resource))
            patients.setdefault(key, []).append((where, resource))
            if "derivedFrom" in resource:
                derived.add(key)
        else:  # "kind<tab>patient<tab>source<tab>offset": told unread in pass 1
            kind, patient, locator = text.split("\t", 2)
            patients.setdefault(patient, []).append((where, UnreadLine(kind, patient, locator)))
    outputs: dict[str, list[str]] = {kind: [] for kind in OUTPUT_TYPES}
    bad_lines: list[str] = []
    for subject, lines in patients.items():
        if subject in derived:  # the unread lines' text, from the input, for this patient only
            lines = [(where, _read_back(item, inputs) if isinstance(item, UnreadLine) else item)
                     for where, item in lines]
        written, bad, found = assess_group(subject, lines, when, locale, pain_bands, as_of, subject in derived,
                                           fact_windows)
        summary.add(found)
        for kind, line in written:
            outputs[kind].append(line + "\n")
        bad_lines += (outcome + "\n" for outcome in bad)
    return summary, {kind: "".join(lines).encode("utf-8") for kind, lines in outputs.items()}, \
        "".join(bad_lines).encode("utf-8")


# -- the command --------------------------------------------------------------------------


def _progress(total: int, description: str):
    """A progress bar on a terminal; nothing when the output is piped or logged."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="chunk" if "read" in description else "bucket",
                disable=not sys.stderr.isatty(), file=sys.stderr)


def bulk(input_dir: Path, output_dir: Path, workers: int, locale: str = "en", pain_bands: tuple = (),
         when: datetime | None = None, as_of: date | None = None, bucket_bytes: int = BUCKET_BYTES,
         chunk_bytes: int = CHUNK_BYTES, fact_windows: tuple = (), max_line_bytes: int = MAX_LINE_BYTES) -> Summary:
    from concurrent.futures import (
        ProcessPoolExecutor,  # 12 ms: paid by bulk runs only, not by `bonemet --help`
    )

    _check_folders(input_dir, output_dir)
    inputs, skipped = input_files(input_dir, INPUT_SUFFIXES)
    when = when or datetime.now(UTC)
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary(locale=locale)
    before = stamps(inputs)
    with work_folder(output_dir) as work, \
            ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        unread = other_files(skipped, INPUT_SUFFIXES)
        plain: list[Path] = []
        labels: list[str] = []
        for given, readable in zip(inputs, pool.map(_plain_input, inputs, [work] * len(inputs),
                                                    range(len(inputs))), strict=True):
            if isinstance(readable, Path):
                plain.append(readable)
                labels.append(printable(given.name))
            else:
                unread.append((printable(given.name), readable))
        if not plain:
            raise no_readable_input(input_dir, unread)
        with open(os.path.join(work, "errors.files.ndjson"), "w", encoding="utf-8") as named:
            named.write(files_not_read(summary, sorted(unread)))
        sizes = [p.stat().st_size for p in plain]
        buckets = max(1, -(-sum(sizes) // bucket_bytes))
        chunks = [chunk for source, (path, size, label) in enumerate(zip(plain, sizes, labels, strict=True))
                  for chunk in _chunks(path, size, source, chunk_bytes, label=label)]
        tags = [chunk.tag for chunk in chunks]
        runs: list[tuple[str, array]] = []  # every chunk's runs, in input order
        with _progress(len(chunks), "reading") as bar:
            # Each chunk's first line number, for bad lines' "file:line": the newlines of the chunks before
            # it, counted at memory speed (a file's last chunk need not be counted).
            followed = [n for n, chunk in enumerate(chunks[:-1]) if chunks[n + 1].path == chunk.path]
            counts = dict(zip(followed, pool.map(_count_lines, [chunks[n] for n in followed]), strict=True))
            for n in followed:
                chunks[n + 1] = replace(chunks[n + 1], first_line=chunks[n].first_line + counts[n])
            for done in [pool.submit(_partition, chunk, work, buckets, locale, max_line_bytes) for chunk in chunks]:
                found, chunk_runs = done.result()
                summary.add(found)
                runs += chunk_runs
                bar.update()
        # Written bucket after bucket, in bucket order: the outputs are the same whatever the workers.
        # Bad lines of pass 2 go before the patients' OperationOutcomes, after those of pass 1.
        written = {name: open(os.path.join(work, f"{name}.ndjson"), "wb")  # noqa: SIM115
                   for name in (*OUTPUT_TYPES, "errors.buckets")}  # each closed in the finally below
        try:
            with _progress(buckets, "assessing") as bar:
                def take(done: Any) -> None:
                    found, outputs, bad = done.result()
                    summary.add(found)
                    for kind, data in outputs.items():
                        written[kind].write(data)
                    written["errors.buckets"].write(bad)
                    bar.update()

                # A few buckets in flight at a time: the parent holds as little for 1,000 buckets as for 10.
                paths, in_flight = [str(p) for p in plain], deque[Any]()
                for bucket in range(buckets):
                    in_flight.append(pool.submit(_assess_bucket, _spans(runs, bucket), paths, when, locale,
                                                 pain_bands, as_of, fact_windows))
                    if len(in_flight) >= 4 * workers:
                        take(in_flight.popleft())
                while in_flight:
                    take(in_flight.popleft())
        finally:
            for out in written.values():
                out.close()
        # OperationOutcome.ndjson: the inputs changed during the run, the files not read, the bad lines of pass 1,
        # then of pass 2, then the patients' outcomes.
        with open(os.path.join(work, "errors.changed.ndjson"), "w", encoding="utf-8") as changed:
            changed.write(changed_files(inputs, before, summary))
        outcomes = Path(work) / "OperationOutcome.all.ndjson"
        with open(outcomes, "wb") as joined:
            parts = ["errors.changed.ndjson", "errors.files.ndjson", *(f"errors.{tag}.ndjson" for tag in sorted(tags)),
                     "errors.buckets.ndjson", "OperationOutcome.ndjson"]
            for part in parts:
                with open(os.path.join(work, part), "rb") as source:
                    shutil.copyfileobj(source, joined)
        # Each output complete under a temporary name, then renamed: a reader never sees half a file, and
        # an earlier complete output stays whole until the new one is.
        for kind in OUTPUT_TYPES:
            os.replace(outcomes if kind == "OperationOutcome" else Path(work) / f"{kind}.ndjson",
                       output_dir / f"{kind}.ndjson")
    return summary


def _check_folders(input_dir: Path, output_dir: Path) -> None:
    """The output folder must be neither the input folder, nor inside it, nor hold it: the outputs
    (Observation.ndjson...) would overwrite inputs of the same name, or be read as input next time."""
    source, target = input_dir.resolve(), output_dir.resolve()
    if source == target or source in target.parents or target in source.parents:
        raise ValueError(f"the output folder {printable(str(output_dir))} must be outside the input folder "
                         f"{printable(str(input_dir))} (and not "
                         "hold it): the outputs would overwrite or mix with the input")


def run(args: argparse.Namespace) -> int:
    settings = Settings.load()
    from ..fhir.terminology_server import configure as configure_terminology

    try:
        configure_terminology(settings)  # the workers are forked after this: each keeps its own expansions
    except ValueError as error:
        print(f"bonemet bulk: {error}", file=sys.stderr)
        return 2
    input_dir, output_dir = Path(args.input_dir), Path(args.output_dir)
    if not input_dir.is_dir():
        print(f"bonemet bulk: {printable(str(input_dir))}: not a directory", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("bonemet bulk: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        if args.engine == "spark":
            from .bulk_spark import bulk_spark

            summary = bulk_spark(input_dir, output_dir, args.spark_master, args.lang, settings.pain_bands,
                                 as_of=args.as_of, input_format=args.input_format, fact_windows=settings.windows,
                                 max_line_bytes=settings.max_body_bytes)
        else:
            if args.input_format != "ndjson":
                raise ValueError("Parquet input needs --engine spark")
            summary = bulk(input_dir, output_dir, args.workers, args.lang, settings.pain_bands, as_of=args.as_of,
                           bucket_bytes=args.bucket_bytes, fact_windows=settings.windows,
                           max_line_bytes=settings.max_body_bytes)
    except (ValueError, OSError) as error:
        print(f"bonemet bulk: {error}", file=sys.stderr)
        return 2
    print(summary.text(args.lang), file=sys.stderr)
    return 2 if summary.files_changed else 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("bulk", help="assess FHIR Bulk Data NDJSON files (one per resource type)",
                                 description="Read the .ndjson files of INPUT_DIR (a FHIR $export), assess each "
                                             "patient, write RiskAssessment, Observation, CarePlan and "
                                             "OperationOutcome .ndjson files to OUTPUT_DIR, and print a summary. "
                                             "Exit 0 when the run completed (bad lines are counted and named), "
                                             "2 when it could not run or an input changed during the run.")
    parser.add_argument("input_dir", metavar="INPUT_DIR")
    parser.add_argument("output_dir", metavar="OUTPUT_DIR")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the number of cores)")
    parser.add_argument("--lang", choices=LOCALES, default="en")
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD",
                        help="assess as of this date (default: today); resources dated after it are not read")
    parser.add_argument("--bucket-bytes", type=_positive, default=BUCKET_BYTES, metavar="N",
                        help=f"input bytes per bucket (default {BUCKET_BYTES}): each worker holds one bucket "
                             "in memory at a time; smaller buckets use less memory, there are more of them")
    parser.add_argument("--engine", choices=("local", "spark"), default="local",
                        help="local: worker processes on this machine (default); spark: Apache Spark (PySpark, "
                             "pip install 'bonemet-cds[spark]'), for a cluster or a data lake")
    parser.add_argument("--spark-master", default=None, metavar="URL",
                        help="Spark master with --engine spark (default local[*]; under spark-submit, its own)")
    parser.add_argument("--input-format", choices=("ndjson", "parquet"), default="ndjson",
                        help="ndjson (default), or parquet with one JSON resource per row in a string column "
                             "named resource (--engine spark)")
    parser.set_defaults(run=run)
