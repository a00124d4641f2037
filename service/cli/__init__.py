"""The ``bonemet`` command.

* ``bonemet serve``: the HTTP service (CDS Hooks, FHIR $assess) under gunicorn (``serve.py``);
* ``bonemet assess FILE...``: Bundles in, the $assess answer out (``assess.py``);
* ``bonemet bulk IN OUT``: FHIR Bulk Data NDJSON in and out (``bulk.py``; the work in ``service/bulk/``).

Exit codes, the same for ``assess`` and ``bulk``: ``exits.py``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Each command's module, and its line in ``bonemet --help``. Only the module of the command asked is imported
# (``build_parser``): serve's options read the settings, assess's the locales; ``bonemet --help`` needs neither.
COMMANDS = {
    "serve": "run the HTTP service (CDS Hooks, FHIR operation)",
    "assess": "assess the patients of FHIR Bundles (files, or - for stdin)",
    "bulk": "assess FHIR Bulk Data NDJSON files (one per resource type)",
}


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"bonemet-cds {__version__}")
        parser.exit()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``bonemet`` parser. With ``argv``, only the command it names is built in full (its module imported),
    the others by name and help line only; without, every command in full."""
    parser = argparse.ArgumentParser(prog="bonemet", description="Bone metastasis decision support (Mirels, Rades).")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    asked = next((word for word in argv if not word.startswith("-")), None) if argv is not None else None
    for name, line in COMMANDS.items():
        if argv is None or name == asked:
            importlib.import_module(f"{__name__}.{name}").add_parser(commands)
        else:  # never parsed: a command not asked
            commands.add_parser(name, help=line)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    args.whole_process = argv is None  # the command is this process (``bonemet``), not a call from another program
    try:
        return args.run(args)
    except ValueError as error:  # bad configuration: say what, no traceback
        print(f"bonemet: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # ``bonemet assess ... | head``: the reader had enough; not a bug, no traceback
        if args.whole_process:  # Python flushes stdout at exit, into the closed pipe again: point it nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        from .exits import OUTPUT_CLOSED

        return OUTPUT_CLOSED
