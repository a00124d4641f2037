"""``bonemet bulk INPUT_DIR OUTPUT_DIR``: FHIR Bulk Data NDJSON in, NDJSON out; the options and the exit
code. The work is in ``service/bulk/`` (``local.py``, ``spark.py``), imported when the command runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..i18n import LOCALES, printable, said, translate, typeset
from . import COMMANDS, exits
from .assess import as_of_date

BUCKET_BYTES = 4 * 1024 * 1024  # the local engine's default (``bulk.local.BUCKET_BYTES``, checked by a test)


def run(args: argparse.Namespace) -> int:
    from ..config import Settings

    settings = Settings.load()
    input_dir, output_dir = Path(args.input_dir), Path(args.output_dir)
    if not input_dir.is_dir():
        print(f"bonemet bulk: {printable(str(input_dir))}: not a directory", file=sys.stderr)
        return exits.CANNOT_RUN
    if args.workers < 1:
        print("bonemet bulk: --workers must be at least 1", file=sys.stderr)
        return exits.CANNOT_RUN
    try:
        if args.engine == "spark":
            from ..bulk.spark import bulk_spark

            summary = bulk_spark(input_dir, output_dir, args.spark_master, args.lang, settings.pain_bands,
                                 when=settings.now(), as_of=args.as_of, input_format=args.input_format,
                                 fact_windows=settings.windows,
                                 max_line_bytes=settings.max_body_bytes, strict=args.strict, verbose=args.verbose,
                                 conf=dict(args.spark_conf))
        else:
            if args.input_format != "ndjson":
                raise ValueError("Parquet input needs --engine spark")
            from ..bulk.local import bulk

            summary = bulk(input_dir, output_dir, args.workers, args.lang, settings.pain_bands, when=settings.now(),
                           as_of=args.as_of,
                           bucket_bytes=args.bucket_bytes, fact_windows=settings.windows,
                           max_line_bytes=settings.max_body_bytes, strict=args.strict)
    except (ValueError, OSError) as error:
        print(f"bonemet bulk: {error}", file=sys.stderr)
        return exits.CANNOT_RUN
    print(typeset(summary.text(args.lang), args.lang), file=sys.stderr)
    if args.strict and summary.bad_input:
        print(translate(said("--strict: bad input, no output written"), args.lang), file=sys.stderr)
        return exits.BAD_INPUT
    print(typeset(summary.run_text(args.lang), args.lang), file=sys.stderr)
    if summary.files_changed:
        return exits.CANNOT_RUN
    return exits.BAD_INPUT if summary.bad_input else exits.OK


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _spark_property(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.startswith("spark."):
        raise argparse.ArgumentTypeError(f"not a Spark property KEY=VALUE (spark.*): {text!r}")
    return key, value


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "bulk", help=COMMANDS["bulk"],
        description="Read the .ndjson files of INPUT_DIR (a FHIR $export), assess each patient, write one "
                    "NDJSON file per resource type produced (RiskAssessment, Observation, CarePlan...) and "
                    "OperationOutcome.ndjson to OUTPUT_DIR, in the same order whatever the engine, and print a "
                    "summary. Exit 0 when every line was read; 3 when bad lines or unreadable files were "
                    "left out (named; the rest is written, unless --strict); 2 when it could not run or an "
                    "input changed during the run.")
    parser.add_argument("input_dir", metavar="INPUT_DIR")
    parser.add_argument("output_dir", metavar="OUTPUT_DIR")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the number of cores)")
    parser.add_argument("--lang", choices=LOCALES, default="en")
    parser.add_argument("--as-of", type=as_of_date, default=None, metavar="YYYY-MM-DD",
                        help="assess as of this date (default: today); resources dated after it are not read")
    parser.add_argument("--strict", action="store_true",
                        help="any bad line or unreadable file: write no output and exit 3 (default: name "
                             "them, write the rest, exit 3)")
    parser.add_argument("--bucket-bytes", type=_positive, default=BUCKET_BYTES, metavar="N",
                        help=f"input bytes per bucket (default {BUCKET_BYTES}): each worker holds one bucket "
                             "in memory at a time; smaller buckets use less memory, there are more of them")
    parser.add_argument("--engine", choices=("local", "spark"), default="local",
                        help="local: worker processes on this machine (default); spark: Apache Spark (PySpark, "
                             "pip install 'bonemet-cds[spark]'), for a cluster or a data lake")
    parser.add_argument("--spark-master", default=None, metavar="URL",
                        help="Spark master with --engine spark (default local[*]; under spark-submit, its own)")
    parser.add_argument("--spark-conf", type=_spark_property, action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark property (repeatable), e.g. spark.driver.port=7078 or spark.executor.memory=4g")
    parser.add_argument("--verbose", action="store_true",
                        help="with --engine spark, Spark's own log (WARN and up) and progress bars")
    parser.add_argument("--input-format", choices=("ndjson", "parquet"), default="ndjson",
                        help="ndjson (default), or parquet with one JSON resource per row in a string column "
                             "named resource (--engine spark)")
    parser.set_defaults(run=run)
