"""The files of a bulk run, for both engines: which inputs are read (and which are named as not read),
the run's work folder and its workers' lifetime, inputs changed during the run, and the outputs: one
file per resource type that the assessment produces, opened when its first line comes, in one order
whatever the engine (``patient_order``), each renamed into place whole."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from pathlib import Path
from typing import IO

from ..i18n import Said, printable, said, translate
from .summary import Summary

INPUT_SUFFIXES = (".ndjson", ".ndjson.gz")
BOM = b"\xef\xbb\xbf"
BROKEN_GZIP = (EOFError, zlib.error, gzip.BadGzipFile)  # truncated, corrupt, or not gzip at all


def patient_order(patient: str) -> tuple[int, str]:
    """The order of the patients in every output, the same in both engines: by a fixed hash of the patient's
    key, then the key. The local engine's buckets are ranges of that hash (``bucket_of``), so it writes
    bucket after bucket and the whole output is in this order without a sort of the whole output."""
    return zlib.crc32(patient.encode()), patient


def bucket_of(patient: str, buckets: int) -> int:
    return (zlib.crc32(patient.encode()) * buckets) >> 32


def input_files(input_dir: Path, suffixes: tuple[str, ...], folders: bool = False) -> tuple[list[Path], list[str]]:
    """(the files of ``input_dir`` to read, in name order; the names of the others, which are not read);
    ``folders``: a folder may be an input too (a Parquet dataset). Hidden files (".DS_Store") are no part
    of an export and are passed over."""
    entries = sorted(input_dir.iterdir())
    inputs = [p for p in entries if p.name.endswith(suffixes) and (folders or p.is_file())]
    if not inputs:
        raise ValueError(f"{printable(str(input_dir))}: no {' or '.join(suffixes)} files")
    return inputs, [printable(p.name) for p in entries if p not in inputs and not p.name.startswith(".")]


def outcome_line(severity: str, code: str, message: str, locale: str) -> str:
    """One OperationOutcome of one issue, as an NDJSON line (without its newline)."""
    from ..render.bundle import operation_outcome

    return json.dumps(operation_outcome([{"severity": severity, "code": code, "diagnostics": message}], locale),
                      ensure_ascii=False)


def files_not_read(summary: Summary, files: list[tuple[str, Said]]) -> str:
    """The files of the input folder that are not read, (name, why): said in the summary and as the first
    lines of OperationOutcome.ndjson (warnings). A file is never left out of an export's reading in silence."""
    messages = [translate(said("{name}: not read ({why})", name=name, why=why), summary.locale)
                for name, why in files]
    summary.files_not_read += messages
    return "".join(outcome_line("warning", "not-supported", message, summary.locale) + "\n" for message in messages)


def other_files(names: list[str], suffixes: tuple[str, ...]) -> list[tuple[str, Said]]:
    return [(name, said("only {kinds} files are read", kinds=", ".join(suffixes))) for name in names]


def gzip_problem(path: Path) -> Said | None:
    """Why a ``.gz`` input cannot be read (truncated, not gzip), or None: read through once."""
    try:
        with gzip.open(path, "rb") as packed:
            while packed.read(4 * 1024 * 1024):
                pass
    except BROKEN_GZIP as error:  # a disk error (OSError) stops the command, as in the local engine
        return said("not a readable gzip file: {error}", error=str(error)[:200])
    return None


def no_readable_input(input_dir: Path, unread: list[tuple[str, Said]]) -> ValueError:
    return ValueError(f"{printable(str(input_dir))}: no readable .ndjson or .ndjson.gz file ("
                      + "; ".join(f"{name}: {why}" for name, why in unread) + ")")


def decoded(raw: bytes, at: int) -> str:
    """One line of an input file as text; the byte order mark a Windows tool may put at the start of a
    file (offset 0) is not part of the JSON (RFC 8259 lets a parser ignore it; Hadoop's reader does)."""
    if at == 0 and raw.startswith(BOM):
        raw = raw[len(BOM):]
    return raw.decode("utf-8", errors="replace").strip()


def plain_input(path: Path, work: str, index: int) -> Path | Said:
    """An input as a plain file: a ``.ndjson.gz`` is written out in ``work`` (chunks and the unread lines'
    offsets need a file that can be read from any byte), or why it cannot be read."""
    if not path.name.endswith(".gz"):
        return path
    plain = Path(work) / f"input.{index}.ndjson"
    try:
        with gzip.open(path, "rb") as packed, open(plain, "wb") as out:
            shutil.copyfileobj(packed, out, 4 * 1024 * 1024)
    except BROKEN_GZIP as error:  # a disk error (OSError) stops the command
        plain.unlink()
        return said("not a readable gzip file: {error}", error=str(error)[:200])
    return plain


def check_folders(input_dir: Path, output_dir: Path) -> None:
    """The output folder must be neither the input folder, nor inside it, nor hold it: the outputs
    (Observation.ndjson...) would overwrite inputs of the same name, or be read as input next time."""
    source, target = input_dir.resolve(), output_dir.resolve()
    if source == target or source in target.parents or target in source.parents:
        raise ValueError(f"the output folder {printable(str(output_dir))} must be outside the input folder "
                         f"{printable(str(input_dir))} (and not "
                         "hold it): the outputs would overwrite or mix with the input")


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
            lines.append(outcome_line("error", "conflict", message, summary.locale) + "\n")
    return "".join(lines)


# -- the outputs ------------------------------------------------------------------------------------

_KIND = re.compile(r"[A-Z][A-Za-z]{0,63}")  # a FHIR resource type: safe as a file name


def count_newlines(path: Path, start: int, end: int) -> int:
    """The newlines of ``path`` from byte ``start`` to ``end``, read in blocks at memory speed."""
    count = 0
    with open(path, "rb") as text:
        text.seek(start)
        left = end - start
        while left > 0:
            block = text.read(min(left, 16 * 1024 * 1024))
            if not block:
                break
            count, left = count + block.count(b"\n"), left - len(block)
    return count


class Outputs:
    """The output files of a run, one per resource type written, each named ``<type>.ndjson`` and opened
    in the work folder when its first line comes: a resource type the assessment starts to produce needs
    no change here. OperationOutcome.ndjson is always written: what the run could not read comes first
    (``finish``'s preamble), then the patients' outcomes in patient order."""

    OUTCOMES = "OperationOutcome"

    def __init__(self, work: str) -> None:
        self.work = Path(work)
        self.files: dict[str, IO[bytes]] = {}
        self.lines: dict[str, int] = {}

    def write(self, kind: str, data: bytes) -> None:
        """NDJSON lines (ending in a newline) of one resource type."""
        if not data:
            return
        out = self.files.get(kind)
        if out is None:
            if not _KIND.fullmatch(kind):
                raise ValueError(f"not a resource type: {kind!r}")
            out = self.files[kind] = open(self.work / f"{kind}.ndjson", "wb")  # noqa: SIM115 (closed by ``close``)
            self.lines[kind] = 0
        out.write(data)
        self.lines[kind] += data.count(b"\n")

    def close(self) -> None:
        for out in self.files.values():
            out.close()

    def finish(self, preamble: list[bytes | Path], output_dir: Path) -> list[tuple[str, int]]:
        """Close, put ``preamble`` first in OperationOutcome.ndjson, rename every file into ``output_dir``
        (each complete under a temporary name, then renamed: a reader never sees half a file, and an earlier
        complete output stays whole until the new one is); the (path, lines) written, in name order."""
        self.close()
        outcomes = self.work / "OperationOutcome.all.ndjson"
        with open(outcomes, "wb") as joined:
            for part in preamble:  # text, or a file of it (a broken export may have millions of bad lines)
                if isinstance(part, Path):
                    with open(part, "rb") as source:
                        shutil.copyfileobj(source, joined)
                else:
                    joined.write(part)
            head = joined.tell()
            if self.OUTCOMES in self.files:
                with open(self.work / f"{self.OUTCOMES}.ndjson", "rb") as patients:
                    shutil.copyfileobj(patients, joined)
        self.lines[self.OUTCOMES] = self.lines.get(self.OUTCOMES, 0) + count_newlines(outcomes, 0, head)
        written = []
        for kind in sorted(self.lines):
            target = output_dir / f"{kind}.ndjson"
            os.replace(outcomes if kind == self.OUTCOMES else self.work / f"{kind}.ndjson", target)
            written.append((printable(str(target)), self.lines[kind]))
        return written
