"""``bonemet serve``: the HTTP service under gunicorn, with JSON logs, per-worker metrics and a garbage
collector set for a server."""

from __future__ import annotations

import argparse
import gc
import ipaddress
import queue
import signal
import sys

from ..config import Settings
from . import COMMANDS

FLAGS = ("host", "port", "workers", "log_level", "demo")  # settings that also have a flag


# The collector's first generation is collected every GC_THRESHOLDS[0] new objects (Python's default: 700).
GC_THRESHOLDS = (50_000, 20, 20)


def settle_collector() -> None:
    """Set the garbage collector for a server, once the application is built.

    Everything built so far (modules, FHIR models, tables, ValueSets) lives as long as the process: it is
    moved out of the collector's reach before gunicorn forks, so that a full collection in a worker does
    not walk it (a 10 ms pause in the latency tail) nor touch its pages (copy-on-write stays shared).
    A large request (a 10,000-resource Bundle: millions of objects, parsed then validated) would run
    hundreds of collections at the default thresholds, each older generation walking more of what the
    request built: its time grew faster than its size (75 µs a resource at 10,000 against 41 at 1,000).
    Collected every 50,000 new objects instead, it grows linearly, and memory does not grow: a process
    answering 10,000- and 100-resource Bundles in turn peaked at 256 MB, against 259 MB with the defaults.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def utc_json_formatter(**options):
    """python-json-logger's formatter with ``time`` in ISO 8601 UTC, milliseconds and ``Z``
    (2026-12-06T16:20:00.123Z): log collectors read it without a time-zone guess."""
    import time

    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(**options)
    formatter.converter = time.gmtime
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    formatter.default_msec_format = "%s.%03dZ"
    return formatter


def _log_config(level: str) -> dict:
    """Every log line as one JSON object (python-json-logger): the service's, its access lines, gunicorn's."""
    formatter = {"()": utc_json_formatter, "fmt": LOG_FORMAT,
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
    # Every record passes through the filter that takes out link tokens and SMART launch values
    # (service/redaction.py: outside the web package, which must load after PROMETHEUS_MULTIPROC_DIR is set).
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr",
               "filters": ["redact"]}
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"json": formatter},
            "filters": {"redact": {"()": "service.redaction.RedactSecrets"}},
            "handlers": {"stderr": handler}, "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {"gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False}}}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's answer to a request it refuses before the application sees it (414 a request line over
    ``limit_request_line``, 431 too many header fields, 400 a malformed request line or method...): the
    service's JSON error body instead of gunicorn's HTML page, same status and reason.

    gunicorn has no setting for this body: ``bonemet serve`` puts this function in the place of
    ``gunicorn.util.write_error``, which gunicorn's workers call for every such refusal (gunicorn 23-27).
    """
    import json

    from gunicorn import util

    body = json.dumps({"error": reason, "status": status_int, "detail": mesg or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _stop_while_booting(signum, frame):
    raise SystemExit(0)


def banner(settings: Settings) -> str:
    """Two lines for the person who started the service, beside the JSON log: where its pages are."""
    base = settings.base_url
    if not settings.public_url and settings.host in ("0.0.0.0", "::", ""):
        base = f"http://127.0.0.1:{settings.port}"  # listening everywhere: this machine reaches it so
    return (f"bonemet-cds is ready. Tester's page: {base}/  API and examples: {base}/docs\n"
            f"Stop with Ctrl+C. Settings: bonemet serve --help\n")


def say_ready(settings: Settings) -> None:
    """gunicorn's ``when_ready`` hook: the banner as plain lines on a terminal; elsewhere (a container, a service
    manager) as one JSON log line, so that every line a log collector reads stays JSON."""
    if sys.stderr.isatty():
        sys.stderr.write(banner(settings))
        sys.stderr.flush()
    else:
        import logging

        logging.getLogger("bonemet").info(banner(settings).replace("\n", " ").strip())


def obey_a_stop_asked_while_booting(server, worker) -> None:
    """gunicorn's ``post_fork`` hook, in the new worker: a stop asked while it boots is obeyed, not lost.

    A worker runs the master's signal handlers until it sets its own: a SIGTERM landing in between went
    to the worker's copy of the master's signal queue, which nobody reads, and the worker then served on
    until the graceful timeout killed it (seen: a stop that took 30 s, when the master was stopped as its
    second worker booted). From here the worker exits on a stop signal; one that came before is found in
    that copy of the queue (a list in older gunicorn releases, a SimpleQueue in newer ones).
    """
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_while_booting)
    pending = getattr(server, "SIG_QUEUE", None)
    if isinstance(pending, list):
        queued = list(pending)
    else:
        queued = []
        while pending is not None:
            try:
                queued.append(pending.get_nowait())
            except queue.Empty:
                break
    if any(signum in STOP_SIGNALS for signum in queued):
        sys.exit(0)


def run(args: argparse.Namespace) -> int:
    import logging.config
    import os
    import tempfile

    settings = Settings.load(host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
                             demo=args.demo)
    if not settings.issuers and not _loopback(settings.host) and not settings.demo:
        raise ValueError(f"refusing to listen on {settings.host} with no trusted JWT issuer: set "
                         "BONEMET_TRUSTED_ISSUERS, listen on loopback (127.0.0.1), or opt in to the "
                         "unauthenticated demo mode on a trusted network (BONEMET_DEMO=1 / --demo)")
    logging.config.dictConfig(_log_config(settings.log_level))
    log = logging.getLogger("bonemet")
    if settings.demo and not settings.issuers:
        log.warning("DEMO MODE: requests are NOT authenticated and anyone who reaches %s:%s can use the service; "
                    "for a trusted test network only, never with real patients' data", settings.host, settings.port)
    if not settings.public_url and not _loopback(settings.host):
        log.warning("BONEMET_PUBLIC_URL is not set: links and the JWT audience use %s, which the EHR probably "
                    "does not use; every JWT will fail its aud check", settings.base_url)
    # Metrics of every worker in one folder of this instance's own (prometheus_client's multiprocess mode);
    # set before prometheus_client is first imported, with the app.
    metrics_folder = tempfile.mkdtemp(prefix="bonemet-metrics-")
    arbiter_pid = os.getpid()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_folder
    try:  # from here on the folder is removed however the start ends (a store that cannot open: exit 2)
        from gunicorn import util as gunicorn_util
        from gunicorn.app.base import BaseApplication
        from prometheus_client import multiprocess

        from ..web import create_app
        from .worker import WholeRequestWorker

        app = create_app(settings)
        gunicorn_util.write_error = write_json_error  # gunicorn's own refusals in JSON too (no setting for it)
        settle_collector()

        class _Gunicorn(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{settings.host}:{settings.port}")
                self.cfg.set("workers", settings.workers)
                self.cfg.set("loglevel", settings.log_level.lower())
                self.cfg.set("accesslog", None)  # the app writes one JSON line per request (operations.py)
                self.cfg.set("logconfig_dict", _log_config(settings.log_level))
                # gunicorn's control socket would be shared by every instance under one HOME (and fail where HOME
                # is read-only): this service does not use it.
                self.cfg.set("control_socket_disable", True)
                self.cfg.set("child_exit", lambda server, worker: multiprocess.mark_process_dead(worker.pid))
                # The app answers a request over its own deadline with a JSON 503; the worker timeout is the
                # last resort behind it. Header fields up to 1 MB reach the app, which answers a JSON 431 for
                # any over 16 KiB (its reason names the field); few fields are allowed (gunicorn's 431, in JSON
                # too: write_json_error).
                self.cfg.set("timeout", int(settings.request_timeout) + 10)
                # A stop waits for the requests under way, which the deadline ends: not 30 s more.
                self.cfg.set("graceful_timeout", int(settings.request_timeout) + 5)
                self.cfg.set("post_fork", obey_a_stop_asked_while_booting)
                self.cfg.set("when_ready", lambda server: say_ready(settings))
                # Requests reach a worker only once they have arrived whole: slow and idle clients wait in the
                # worker's event loop, not in the worker (service/cli/worker.py).
                self.cfg.set("worker_class", type("WholeRequestWorker", (WholeRequestWorker,), {
                    "client_timeout": settings.client_timeout, "max_body": settings.max_body_bytes}))
                self.cfg.set("limit_request_field_size", 1_100_000)
                self.cfg.set("limit_request_fields", 32)

            def load(self):
                return app

        _Gunicorn().run()
    finally:
        # A worker leaves through here too (gunicorn ends a forked worker with SystemExit): only the arbiter
        # removes the folder, which the other workers and the next one keep writing to.
        if os.getpid() == arbiter_pid:
            import shutil

            shutil.rmtree(metrics_folder, ignore_errors=True)
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve", help=COMMANDS["serve"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="settings from the environment only (default in brackets):\n" + "\n".join(
            f"  {Settings.env_name(name):34s} [{default if default != '' else 'none'}]\n      {Settings.help[name]}"
            for name, default in Settings.defaults().items() if name not in FLAGS))
    for name in FLAGS:
        default = Settings.defaults()[name]
        if name == "demo":
            parser.add_argument("--demo", action="store_true", default=None,
                               help=f"{Settings.help[name]} [default: off]")
            continue
        kind = int if name in ("port", "workers") else str
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=None,
                           help=f"{Settings.help[name]} [default: {default}]")
    parser.set_defaults(run=run)
