"""``bonemet assess FILE... | -``: Bundles (or $assess Parameters) in, the $assess answer out.

Every file is read and validated before anything is assessed: one bad file
stops the command with exit code 2 and a message naming the file and where in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

from ..config import Settings
from ..fhir.validate import InvalidFhir, bundle_entries, unwrap
from ..pipeline import BundleAssessment, assess_entries


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


def read_entries(names: list[str], stdin: TextIO) -> list[tuple[str | None, dict[str, Any], str]]:
    entries = []
    for name in names:
        label = "stdin" if name == "-" else name
        try:
            bundle, where, _ = unwrap(_read(name, stdin))
            entries += bundle_entries(bundle, f"{label}: {where}")
        except InvalidFhir as error:
            raise BadInput("invalid FHIR:\n" + "\n".join(f"  {p.expression}: {p.message}"
                                                         for p in error.problems)) from None
    return entries


def table(result: BundleAssessment) -> str:
    """A short human summary: one line per score."""
    rows = [("patient", "calculator", "condition", "items", "total", "category")]
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
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
                     for row in rows)


def run(args: argparse.Namespace) -> int:
    settings = Settings.load()
    stdout, stdin = sys.stdout, sys.stdin
    try:
        entries = read_entries(args.files, stdin)
    except BadInput as error:
        print(f"bonemet assess: {error}", file=sys.stderr)
        return 2
    result = assess_entries(entries, when=datetime.now(timezone.utc), locale=args.lang,
                            pain_score_bands=settings.pain_bands)
    if args.format == "table":
        print(table(result), file=stdout)
    else:
        json.dump(result.bundle, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("assess", help="assess the patients of FHIR Bundles (files, or - for stdin)",
                                 description="Read FHIR Bundles (or $assess Parameters), assess each patient, "
                                             "and print the $assess answer Bundle (or a table). Exit 0 when "
                                             "assessed, 2 on bad input.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="a JSON Bundle or Parameters file, or - for stdin")
    parser.add_argument("--format", choices=("bundle", "table"), default="bundle")
    parser.add_argument("--lang", choices=("en", "fr"), default="en")
    parser.set_defaults(run=run)
