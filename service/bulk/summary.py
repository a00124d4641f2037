"""What a bulk run says of itself: the counts both engines add up (``Summary``), the run's elapsed time,
throughput and output files, and its progress while it runs (``Progress``)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

import msgspec

from ..calculators import load_table
from ..i18n import Said, said, translate

BAD_LINES_SHOWN = 20


class Summary(msgspec.Struct):
    patients: int = 0
    scores: Counter = msgspec.field(default_factory=Counter)  # (calculator, category or "undetermined") -> count
    resources_read: int = 0
    resources_ignored: int = 0
    bad_lines: list[str] = msgspec.field(default_factory=list)
    bad_line_count: int = 0
    # Patients left out whole (a line of theirs unreadable, or named in several forms), "patient: why" (the
    # first ``BAD_LINES_SHOWN``), and how many.
    not_assessed: list[str] = msgspec.field(default_factory=list)
    not_assessed_count: int = 0
    locale: str = "en"  # of the bad lines' messages
    files_not_read: list[str] = msgspec.field(default_factory=list)  # "name: why", in ``locale``
    files_unreadable: int = 0  # of them, inputs that could not be read (a broken .gz): bad input
    files_changed: list[str] = msgspec.field(default_factory=list)  # inputs changed during the run: exit 2
    # Of the run itself, set once by the engine: not added up, not part of ``text``.
    input_bytes: int = 0
    elapsed: float = 0.0
    outputs: list[tuple[str, int]] = msgspec.field(default_factory=list)  # (path, lines), in name order

    def add(self, other: Summary) -> None:
        self.patients += other.patients
        self.scores.update(other.scores)
        self.resources_read += other.resources_read
        self.resources_ignored += other.resources_ignored
        self.bad_line_count += other.bad_line_count
        self.not_assessed += other.not_assessed[: max(0, BAD_LINES_SHOWN - len(self.not_assessed))]
        self.not_assessed_count += other.not_assessed_count
        self.bad_lines += other.bad_lines[: max(0, BAD_LINES_SHOWN - len(self.bad_lines))]
        self.files_not_read += other.files_not_read
        self.files_unreadable += other.files_unreadable
        self.files_changed += other.files_changed

    def bad(self, where: str, why: str) -> str:
        self.bad_line_count += 1
        message = translate(said("{where}: {why}", where=where, why=why), self.locale)
        if len(self.bad_lines) < BAD_LINES_SHOWN:
            self.bad_lines.append(message)
        return message

    def left_out(self, patient: str, why: str) -> str:
        """A patient not assessed, and why (said in ``locale``): counted, shown in the summary, and returned."""
        message = translate(said("{patient}: {why}", patient=patient, why=why), self.locale)
        self.not_assessed_count += 1
        if len(self.not_assessed) < BAD_LINES_SHOWN:
            self.not_assessed.append(message)
        return message

    @property
    def bad_input(self) -> bool:
        """Some input was left out: a bad line, a patient, or an input file that could not be read (``--strict``)."""
        return bool(self.bad_line_count or self.files_unreadable or self.not_assessed_count)

    def text(self, locale: str = "en") -> str:
        """The counts: the same from both engines, whatever the workers."""
        def say(template: str, **params: Any) -> str:
            return translate(said(template, **params), locale)

        lines = [say("patients: {count}", count=self.patients),
                 say("resources read: {count}", count=self.resources_read),
                 say("resources not used by the scores: {count}", count=self.resources_ignored),
                 say("bad lines: {count}", count=self.bad_line_count)]
        if self.not_assessed_count:
            lines.append(say("patients not assessed: {count}", count=self.not_assessed_count))
            lines += [f"  {line}" for line in self.not_assessed]
            if self.not_assessed_count > len(self.not_assessed):
                lines.append("  " + say("... and {count} more (see OperationOutcome.ndjson)",
                                        count=self.not_assessed_count - len(self.not_assessed)))
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
            lines.append(f"{table.short_title(locale)}, {named}: {count}")
        lines += [f"  {line}" for line in self.bad_lines]
        if self.bad_line_count > len(self.bad_lines):
            lines.append("  " + say("... and {count} more (see OperationOutcome.ndjson)",
                                    count=self.bad_line_count - len(self.bad_lines)))
        return "\n".join(lines)

    def run_text(self, locale: str = "en") -> str:
        """The run: elapsed time, throughput, and every file written (a pipeline's next step reads them)."""
        def say(template: str, **params: Any) -> str:
            return translate(said(template, **params), locale)

        seconds = max(self.elapsed, 1e-9)
        lines = [say("elapsed: {seconds} s ({patients} patients/s, {resources} resources/s, {mb} MB/s)",
                     seconds=f"{self.elapsed:.1f}", patients=f"{self.patients / seconds:.0f}",
                     resources=f"{self.resources_read / seconds:.0f}", mb=f"{self.input_bytes / 1e6 / seconds:.1f}"),
                 say("output files: {count}", count=len(self.outputs))]
        lines += ["  " + say("{path} ({count} lines)", path=path, count=count) for path, count in self.outputs]
        return "\n".join(lines)


class Progress:
    """Where a long run stands, on stderr: a bar on a terminal; elsewhere (CI, a scheduler, a log file) a
    line at most every ``every`` seconds, so that a log shows the run is alive without filling up."""

    def __init__(self, total: int, doing: Said, unit: Said, locale: str = "en", every: float = 10.0,
                 terminal: bool | None = None) -> None:
        self.total, self.done, self.doing, self.unit, self.locale = total, 0, doing, unit, locale
        self.every, self.started = every, time.monotonic()
        self.said_at = self.started
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.bar: Any = None
        if self.terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=translate(doing, locale), unit=translate(unit, locale), file=sys.stderr)

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        now = time.monotonic()
        if now - self.said_at >= self.every:
            self.said_at = now
            self.line(now)

    def line(self, now: float) -> None:
        print("bonemet bulk: " + translate(said(
            "{doing}: {done} of {total} {unit} ({percent}%), {seconds} s", doing=self.doing, done=self.done,
            total=self.total, unit=self.unit, percent=self.done * 100 // max(self.total, 1),
            seconds=f"{now - self.started:.0f}"), self.locale), file=sys.stderr, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
