"""The ``bonemet`` command.

* ``bonemet serve``: the HTTP service (CDS Hooks, FHIR $assess) under gunicorn (``serve.py``);
* ``bonemet assess FILE...``: Bundles in, the $assess answer out (``assess.py``);
* ``bonemet bulk IN OUT``: FHIR Bulk Data NDJSON in and out (``bulk.py``; the work in ``service/bulk/``).

Exit codes, the same for ``assess`` and ``bulk``: ``exits.py``.
"""

from __future__ import annotations

import argparse
import sys

from . import (  # light: each imports the pipeline only when its command runs
    assess,
    bulk,
    serve,
)


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"bonemet-cds {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bonemet", description="Bone metastasis decision support (Mirels, Rades).")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)

    serve.add_parser(commands)
    assess.add_parser(commands)
    bulk.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ValueError as error:  # bad configuration: say what, no traceback
        print(f"bonemet: {error}", file=sys.stderr)
        return 2
