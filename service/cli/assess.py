"""``bonemet assess FILE... | -``: Bundles (or $assess Parameters) in, the $assess answer out.

Each file is one $assess call, assessed on its own (two files may both hold a
``Patient/example``: they are not merged). ``--format`` says how the answers are
printed, the same way for any number of files: ``ndjson`` (default) one answer Bundle
per line; ``bundle`` one indented JSON document (the answer Bundle, or for several
files a collection Bundle of the answer Bundles); ``table`` one line per score for a
person; ``csv`` one row per score for a spreadsheet. Every file is read and
validated before it is assessed; a bad file is reported on stderr (naming the file
and where in it) and the others are assessed all the same (``--strict``: none is); exit codes in
``exits.py``. A folder stands for its ``*.json`` files. Files and stdin are read at the HTTP
door's limits (``BONEMET_MAX_BODY_BYTES``, 64 levels of nesting: ``fhir.json_read``); names with
control characters are printed escaped.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from ..i18n import LOCALES, N_, Words, negotiate, printable, said, translate, typeset
from ..limits import LimitExceeded, check_bundle_scored
from . import COMMANDS, exits

if TYPE_CHECKING:  # the FHIR models and the pipeline are imported when the command runs, not for --help
    from datetime import date, datetime

    from ..fhir.validate import AssessRequest
    from ..pipeline import BundleAssessment



class BadInput(ValueError):
    """Input the command cannot assess; the message says which file and why."""


def _read(name: str, stdin: TextIO, max_bytes: int) -> Any:
    """A file's (or stdin's) JSON, at the HTTP door's limits: at most ``max_bytes``
    (``BONEMET_MAX_BODY_BYTES``) and ``json_read.MAX_DEPTH`` levels, each a bad file, never a traceback."""
    import json  # here, as json_read: `bonemet assess --help` imports neither

    from ..fhir import json_read

    try:
        if name == "-":
            raw = stdin.buffer.read(max_bytes + 1) if hasattr(stdin, "buffer") else stdin.read(max_bytes + 1)
        else:
            with open(name, "rb") as file:
                raw = file.read(max_bytes + 1)
    except OSError as error:
        raise BadInput(f"{_label(name)}: cannot read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise BadInput(f"{_label(name)}: larger than {max_bytes} bytes (BONEMET_MAX_BODY_BYTES)")
    try:
        return json_read.loads(raw, place=True)
    except json_read.TooDeep as error:
        raise BadInput(f"{_label(name)}: not read: {error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        ndjson = isinstance(error, json.JSONDecodeError) and "Extra data" in error.msg  # a second JSON value follows
        raise BadInput(f"{_label(name)}: not JSON: {error}" + (
            " (one resource per line, as a Bulk Data export writes: bonemet bulk reads those)" if ndjson else "")) \
            from None


def _label(name: str) -> str:
    """How a file is named in messages: stdin, or its name with any control character escaped (a name
    holding an escape sequence or a newline must not drive the terminal or forge a line)."""
    return "stdin" if name == "-" else printable(name)


def expanded(names: list[str]) -> tuple[list[str], list[BadInput]]:
    """The files named, a folder standing for every ``*.json`` file in it (in name order, not its
    sub-folders: an export's layout is the caller's to walk); a folder without any is a bad input."""
    from pathlib import Path  # here: `bonemet assess --help` does not import pathlib

    files, bad = [], []
    for name in names:
        folder = Path(name)
        if name == "-" or not folder.is_dir():
            files.append(name)
            continue
        found = sorted(str(path) for path in folder.glob("*.json") if path.is_file())
        if not found:
            bad.append(BadInput(f"{_label(name)}: a folder without any .json file"))
        files += found
    return files, bad


def read_files(names: list[str], stdin: TextIO, max_bytes: int, max_scored: int | None = None) -> tuple[
        list[tuple[str, list[tuple[str | None, dict[str, Any], str]], AssessRequest]], list[BadInput]]:
    """(file label, its validated entries, what a Parameters file asks) for every good file, and what is
    wrong with each bad one: one bad file never stops the others."""
    from ..facts.record import may_be_read
    from ..fhir.validate import InvalidFhir, bundle_entries, unwrap

    names, bad = expanded(names)
    files = []
    for name in names:
        label = _label(name)
        try:
            asked = unwrap(_read(name, stdin, max_bytes))
            if max_scored is not None:  # before validating: BONEMET_MAX_SCORED_PER_PATIENT, as the HTTP doors
                check_bundle_scored(asked.bundle, max_scored)
            files.append((label, bundle_entries(asked.bundle, f"{label}: {asked.where}", read=may_be_read), asked))
        except InvalidFhir as error:
            bad.append(BadInput(f"{label}: invalid FHIR:\n" + "\n".join(f"  {p.expression}: {p.message}"
                                                                       for p in error.problems)))
        except BadInput as error:
            bad.append(error)
        except LimitExceeded as error:
            bad.append(BadInput(f"{label}: not assessed: {error}"))
    return files, bad


# What a reader scans for first leads (which file, which lesion, what total); the long items list ends the line.
HEADINGS = Words({"file": N_("file"), "lesion": N_("lesion"), "total": N_("total"), "calculator": N_("score"),
                  "category": N_("category"), "patient": N_("patient"), "items": N_("items")})
WORDS = Words({"none": N_("no long-bone lesion or cord compression")})
CSV_COLUMNS = ("file", "patient", "calculator", "condition", "place", "total", "total_min", "total_max", "category",
               "risk", "missing", "uncertain", "items")


def table(results: list[tuple[str, BundleAssessment]], locale: str = "en") -> str:
    """A short human summary: one line per score, led by its file, lesion and total (the same columns
    for any number of files)."""
    rows = [tuple(HEADINGS[locale].values())]
    for label, result in results:
        # Every cell may quote the record (its ids, its words): a newline or a terminal's escape in it would forge
        # a row or drive the terminal, as a file's name would (``_label``).
        rows += [(label, *(typeset(printable(cell), locale) for cell in row)) for row in _rows(result, locale)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
                     for row in rows)


def _rows(result: BundleAssessment, locale: str = "en") -> list[tuple[str, ...]]:
    """(lesion, total, score, category, patient, items) of each score; a patient without any says so."""
    words = WORDS[locale]
    rows: list[tuple[str, ...]] = []
    for patient in result.patients:
        if not patient.assessments:
            rows.append(("-", "-", "-", words["none"], patient.subject, "-"))
        for assessment in patient.assessments:
            score = assessment.score
            items = ", ".join(f"{item.label}={item.points if item.points is not None else '?'}"
                              for item in score.items)
            total = score.total_text
            missing, uncertain = (", ".join(item.label for item in score.items if item.status == status)
                                  for status in ("missing", "uncertain"))
            state = score.category_label or translate(
                said("undetermined (missing: {items}; uncertain: {unsure})", items=missing, unsure=uncertain)
                if missing and uncertain else said("undetermined (uncertain: {items})", items=uncertain)
                if uncertain else said("undetermined (missing: {items})", items=missing), locale)
            place = assessment.facts.where(locale)  # the side and the site, where the record says them
            rows.append((f"{assessment.facts.condition} ({place})" if place else assessment.facts.condition, total,
                         score.short_title, state, patient.subject, items))
    return rows


def csv_text(results: list[tuple[str, BundleAssessment]]) -> str:
    """One row per score (a patient with none gets one row saying so), for a spreadsheet."""
    out = io.StringIO()
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for label, result in results:
        for patient in result.patients:
            if not patient.assessments:
                writer.writerow([label, patient.subject] + [""] * (len(CSV_COLUMNS) - 2))
            for assessment in patient.assessments:
                score = assessment.score
                writer.writerow([
                    label, patient.subject, score.calculator, assessment.facts.condition,
                    assessment.facts.where("en"),  # codes elsewhere in the row: the place in English
                    "" if score.total is None else score.total, score.total_min, score.total_max,
                    score.category.value if score.category else "", score.risk or "",
                    " ".join(score.missing), " ".join(score.uncertain),
                    " ".join(f"{item.name}={item.points if item.points is not None else '?'}" for item in score.items)])
    return out.getvalue()


def bundle_of_answers(results: list[tuple[str, BundleAssessment]], when: datetime) -> dict[str, Any]:
    """One answer Bundle as is; several, as the entries of one collection Bundle."""
    if len(results) == 1:
        return results[0][1].bundle
    import uuid

    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": when.isoformat(timespec="seconds"),
            "entry": [{"fullUrl": f"urn:uuid:{result.bundle['id']}", "resource": result.bundle}
                      for _, result in results]}


@contextmanager
def lean_start(whole_process: bool) -> Iterator[None]:
    """What a cold ``bonemet assess`` does first (import the modules, read and validate the files, compiling R4's
    schema for the types they hold), without what buys it nothing (issue 28). Only when the command is the whole
    process (``whole_process``: run as ``bonemet``, not called in another program's process, as the tests do):
    then the cyclic garbage collector is off meanwhile, then what was built is frozen out of its reach, as
    ``serve.settle_collector`` does: the objects that live as long as the process, which every later
    collection, and the one at exit, would walk for nothing. In another program's process nothing changes: a
    freeze there would keep its garbage for good."""
    if not whole_process:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def run(args: argparse.Namespace) -> int:
    import json

    from ..config import Settings  # here: `bonemet assess --help` reads no settings

    settings = Settings.load()
    if settings.terminology_url.strip():  # the HTTP client (requests) is imported only for a server to ask
        from ..fhir.terminology_server import configure as configure_terminology

        try:
            configure_terminology(settings)
        except ValueError as refused:
            print(f"bonemet assess: {refused}", file=sys.stderr)
            return 2
    stdout, stdin = sys.stdout, sys.stdin
    with lean_start(args.whole_process):
        files, bad = read_files(args.files, stdin, settings.max_body_bytes, settings.max_scored_per_patient)
        from ..pipeline import assess_entries, cut_short, first_page_only, search_warnings
    for error in bad:
        print(f"bonemet assess: {error}", file=sys.stderr)
    if bad and args.strict:  # all or nothing: no answer printed
        print(translate(said("--strict: bad input, no output written"), negotiate(args.lang)), file=sys.stderr)
        return exits.BAD_INPUT
    when = settings.now()
    # A flag given on the command line wins over what a Parameters file asks, which wins over the defaults.
    results = []
    for label, entries, asked in files:
        try:  # at the HTTP door's limits (BONEMET_MAX_*): a file over one is a bad file, the others are assessed
            results.append((label, assess_entries(entries, when=when, locale=negotiate(args.lang, asked.language),
                                                  pain_score_bands=settings.pain_bands, fact_windows=settings.windows,
                                                  as_of=args.as_of or asked.as_of, limits=settings,
                                                  not_read=first_page_only(asked.bundle, f"{label}: {asked.where}")
                                                  + search_warnings(asked.bundle, f"{label}: {asked.where}"),
                                                  partial=cut_short(asked.bundle))))
        except LimitExceeded as error:
            print(f"bonemet assess: {label}: not assessed: {error}", file=sys.stderr)
            bad.append(BadInput(str(error)))
    # The table and what stderr says of it speak the language asked: by --lang, else by the files (when they all
    # ask the same one).
    asked_languages = {asked.language for _, _, asked in files if asked.language}
    language = negotiate(args.lang, asked_languages.pop() if len(asked_languages) == 1 else None)
    if not results:
        pass
    elif args.format == "table":
        print(table(results, language), file=stdout)
    elif args.format == "csv":
        stdout.write(csv_text(results))
    elif args.format == "bundle":
        json.dump(bundle_of_answers(results, when), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        for _, result in results:
            stdout.write(json.dumps(result.bundle, ensure_ascii=False) + "\n")
    if args.format in ("table", "csv"):
        _say_what_the_rows_leave_out(results, language)
    return exits.BAD_INPUT if bad else exits.OK


def _say_what_the_rows_leave_out(results: list[tuple[str, BundleAssessment]], language: str) -> None:
    """A row says the score, not the records set aside that could change it (results a server withheld, a record
    too old, another patient's): their count on stderr, per patient, for a pipeline that reads only the rows."""
    for label, result in results:
        for patient in result.patients:
            count = sum(1 for entry in patient.facts.report if entry.outcome == "ignored" and entry.attention)
            if count:
                print(f"bonemet assess: {label}: {patient.subject}: " + typeset(translate(said(
                    "{count} record(s) not used that could change a score or a decision (the answer Bundle's "
                    "OperationOutcome names each: --format ndjson)", count=count), language), language),
                      file=sys.stderr)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("assess", help=COMMANDS["assess"],
                                 description="Read FHIR Bundles (or $assess Parameters), assess each patient "
                                             "(each file on its own), and print the $assess answers. A bad "
                                             "file is reported on stderr and the others are assessed; exit 0 "
                                             "when every file was assessed, 3 if any was bad (--strict: "
                                             "then nothing is printed), 2 when the command could not run.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="a JSON Bundle or Parameters file, a folder (its *.json files), or - for stdin")
    parser.add_argument("--strict", action="store_true",
                        help="any bad file: print no answer and exit 3 (default: assess the others, exit 3)")
    parser.add_argument("--format", choices=("ndjson", "bundle", "table", "csv"), default="ndjson",
                        help="ndjson: one answer Bundle per line (default, any number of files); bundle: one "
                             "indented JSON document (several files: a collection Bundle of the answers); table: "
                             "one line per score; csv: one row per score")
    parser.add_argument("--lang", choices=LOCALES, default=None,
                        help="language of the answer (default: the file's language parameter, else en)")
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD",
                        help="assess as of this date (default: the file's asOf parameter, else today); "
                             "resources dated after it are not read")
    parser.set_defaults(run=run)


def as_of_date(text: str) -> date:
    """argparse type for --as-of: a clear message, never a traceback."""
    try:
        from datetime import date

        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
