"""The ``bonemet`` command.

* ``bonemet serve``: the HTTP service (CDS Hooks, FHIR $assess) under gunicorn;
* ``bonemet assess FILE...``: Bundles in, the $assess answer out (``assess.py``);
* ``bonemet bulk IN OUT``: FHIR Bulk Data NDJSON in and out (``bulk.py``).
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import logging
import sys

from ..config import Settings
from . import assess, bulk  # light: each imports the pipeline only when its command runs


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"bonemet-cds {__version__}")
        parser.exit()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _serve(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from ..web import create_app

    settings = Settings.load(host=args.host, port=args.port, workers=args.workers, log_level=args.log_level)
    if not settings.issuers and not _loopback(settings.host):
        raise ValueError(f"refusing to listen on {settings.host} with no trusted JWT issuer: set "
                         "BONEMET_TRUSTED_ISSUERS, or listen on loopback (127.0.0.1)")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    # Everything built so far (modules, FHIR models, tables, ValueSets) lives as long as the process: move it
    # out of the garbage collector's reach before gunicorn forks, so that a full collection in a worker does
    # not walk it (a 10 ms pause in the latency tail) nor touch its pages (copy-on-write stays shared).
    gc.collect()
    gc.freeze()

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{settings.host}:{settings.port}")
            self.cfg.set("workers", settings.workers)
            self.cfg.set("loglevel", settings.log_level.lower())
            self.cfg.set("accesslog", "-")
            # The app answers a request over its own deadline with a JSON 503; the worker timeout is the
            # last resort behind it. Header fields up to 1 MB reach the app, which answers a JSON 431 for
            # any over 16 KiB (gunicorn's own refusal would be a plain-text page); few fields are allowed.
            self.cfg.set("timeout", int(settings.request_timeout) + 10)
            self.cfg.set("limit_request_field_size", 1_100_000)
            self.cfg.set("limit_request_fields", 32)

        def load(self):
            return app

    _Gunicorn().run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bonemet", description="Bone metastasis decision support (Mirels, Rades).")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service (CDS Hooks, FHIR operation)")
    for name, help_text in Settings.help.items():
        if name in ("host", "port", "workers", "log_level"):
            kind = int if name in ("port", "workers") else str
            serve.add_argument("--" + name.replace("_", "-"), type=kind, default=None, help=help_text)
    serve.set_defaults(run=_serve)
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
