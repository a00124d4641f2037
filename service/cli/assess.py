"""``bonemet assess FILE... | -``: Bundles (or $assess Parameters) in, the $assess answer out.

Each file is one $assess call, assessed on its own (two files may both hold a
``Patient/example``: they are not merged). One file prints its answer Bundle;
several print one answer Bundle per line (NDJSON). Every file is read and
validated before it is assessed; a bad file is reported on stderr (naming the file
and where in it) and the others are assessed all the same; the exit code is 2 if
any file was bad, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from ..config import Settings

if TYPE_CHECKING:  # the FHIR models and the pipeline are imported when the command runs, not for --help
    from ..fhir.validate import AssessRequest
    from ..pipeline import BundleAssessment

LOCALES = ("en", "fr")  # checked against the tables' languages by a test


class BadInput(ValueError):
    """Input the command cannot assess; the message says which file and why."""


def _read(name: str, stdin: TextIO) -> Any:
    try:
        if name == "-":
            return json.load(stdin)
        with open(name, encoding="utf-8") as file:
            return json.load(file)
    except OSError as error:
        raise BadInput(f"{name}: cannot read: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInput(f"{name}: not JSON: {error}") from None


def read_files(names: list[str], stdin: TextIO) -> tuple[
        list[tuple[str, list[tuple[str | None, dict[str, Any], str]], AssessRequest]], list[BadInput]]:
    """(file label, its validated entries, what a Parameters file asks) for every good file, and what is
    wrong with each bad one: one bad file never stops the others."""
    from ..fhir.validate import InvalidFhir, bundle_entries, unwrap

    files, bad = [], []
    for name in names:
        label = "stdin" if name == "-" else name
        try:
            asked = unwrap(_read(name, stdin))
            files.append((label, bundle_entries(asked.bundle, f"{label}: {asked.where}"), asked))
        except InvalidFhir as error:
            bad.append(BadInput(f"{label}: invalid FHIR:\n" + "\n".join(f"  {p.expression}: {p.message}"
                                                                       for p in error.problems)))
        except BadInput as error:
            bad.append(error)
    return files, bad


def table(results: list[tuple[str, "BundleAssessment"]]) -> str:
    """A short human summary: one line per score (with the file when there are several)."""
    several = len(results) > 1
    rows = [("file",) * several + ("patient", "calculator", "condition", "items", "total", "category")]
    for label, result in results:
        rows += [(label,) * several + row for row in _rows(result)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
                     for row in rows)


def _rows(result: "BundleAssessment") -> list[tuple[str, ...]]:
    rows = []
    for patient in result.patients:
        if not patient.assessments:
            rows.append((patient.subject, "-", "-", "no long-bone lesion or cord compression", "-", "-"))
        for assessment in patient.assessments:
            score = assessment.score
            items = ", ".join(f"{item.name}={item.points if item.points is not None else '?'}"
                              for item in score.items)
            total = str(score.total) if score.total is not None else f"{score.total_min}-{score.total_max}"
            rows.append((patient.subject, score.calculator, assessment.facts.condition, items, total,
                         score.category_label or "undetermined (missing: " + ", ".join(
                             score.missing + score.uncertain) + ")"))
    return rows


def run(args: argparse.Namespace) -> int:
    settings = Settings.load()
    stdout, stdin = sys.stdout, sys.stdin
    files, bad = read_files(args.files, stdin)
    for error in bad:
        print(f"bonemet assess: {error}", file=sys.stderr)
    from ..pipeline import assess_entries

    when = datetime.now(timezone.utc)
    # A flag given on the command line wins over what a Parameters file asks, which wins over the defaults.
    results = [(label, assess_entries(entries, when=when, locale=args.lang or asked.language or "en",
                                      pain_score_bands=settings.pain_bands, as_of=args.as_of or asked.as_of))
               for label, entries, asked in files]
    if not results:
        pass
    elif args.format == "table":
        print(table(results), file=stdout)
    elif len(args.files) == 1:
        json.dump(results[0][1].bundle, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        for _, result in results:
            stdout.write(json.dumps(result.bundle, ensure_ascii=False) + "\n")
    return 2 if bad else 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("assess", help="assess the patients of FHIR Bundles (files, or - for stdin)",
                                 description="Read FHIR Bundles (or $assess Parameters), assess each patient, "
                                             "and print the $assess answer Bundle (one per line for several "
                                             "files, each assessed on its own) or a table. A bad file is "
                                             "reported on stderr and the others are assessed; exit 0 when "
                                             "every file was assessed, 2 if any was bad.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="a JSON Bundle or Parameters file, or - for stdin")
    parser.add_argument("--format", choices=("bundle", "table"), default="bundle")
    parser.add_argument("--lang", choices=LOCALES, default=None,
                        help="language of the answer (default: the file's language parameter, else en)")
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD",
                        help="assess as of this date (default: the file's asOf parameter, else today); "
                             "resources dated after it are not read")
    parser.set_defaults(run=run)


def as_of_date(text: str) -> date:
    """argparse type for --as-of: a clear message, never a traceback."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
