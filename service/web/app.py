"""Flask application factory and the JSON error handling shared by every route."""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..config import Settings
from ..fhir.terminology_server import configure as configure_terminology
from ..redaction import redact
from ..store import StoreUnavailable, open_store
from . import cds_hooks, fhir_api, operations, pages, smart
from .errors import JsonError, error_response
from .feedback import FeedbackStore
from .json_io import OrjsonProvider
from .security import JwtVerifier, Unauthorized
from .sessions import AssessmentKeeper

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 16 * 1024  # the largest header any EHR sends (a JWT is a few KB)


class RequestTimeout(Exception):
    """The request ran past ``BONEMET_REQUEST_TIMEOUT``."""


_CLOCK = {"running": False}  # the deadline counts only while a view runs (one request at a time per worker)


def _on_alarm(signum, frame):
    # An alarm that lands after the view returned (the timer not yet cancelled) must not break the answer.
    if _CLOCK["running"]:
        # An exception raised while a garbage-collector callback or a __del__ runs is dropped by Python:
        # the alarm is set again, so that an expired deadline is never lost (``_stop_clock`` cancels it).
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise RequestTimeout()


def _stop_clock() -> None:
    if threading.current_thread() is threading.main_thread():
        _CLOCK["running"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.load()
    _ = settings.pain_bands, settings.windows  # a malformed setting stops the start, with its name
    configure_terminology(settings)  # BONEMET_TERMINOLOGY_URL off the allow-list stops the start, named
    issuers = settings.issuers
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config["BONEMET"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes  # larger bodies: 413
    store = open_store(settings.database_url, settings.feedback_db)
    store.migrate()  # a database that cannot be created or written stops the start, in one line (ValueError)
    app.extensions["bonemet_store"] = store
    app.extensions["bonemet_feedback"] = FeedbackStore(store, settings.feedback_window_hours)
    try:
        keeper = AssessmentKeeper(store, settings.assessment_minutes, settings.link_secret)
    except StoreUnavailable as error:
        raise ValueError(str(error)) from None
    app.extensions["bonemet_assessments"] = keeper
    app.register_blueprint(cds_hooks.blueprint)
    app.register_blueprint(fhir_api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(operations.blueprint)
    app.register_blueprint(smart.blueprint)
    _ = settings.frame_origins  # a malformed origin stops the start, with the setting's name
    origins = settings.cors
    if origins:  # browser-based EHR sandboxes call the CDS services from another origin: only those named
        # Only the methods the doors take. A named origin may be a public page calling this service on the
        # user's own machine (sandbox.cds-hooks.org to 127.0.0.1): browsers ask first (Private Network Access).
        cors = {"origins": "*" if origins == ("*",) else list(origins), "send_wildcard": origins == ("*",),
                "expose_headers": ["X-Request-Id"], "max_age": 600, "methods": ["GET", "POST", "OPTIONS"],
                "allow_private_network": origins != ("*",)}
        CORS(app, resources={r"/cds-services.*": cors, r"/fhir/.*": cors, "/openapi.json": cors})
    verifier = JwtVerifier(issuers, store, settings.jwt_max_lifetime) if issuers else None
    warned: list[bool] = []

    app.before_request(operations.start_request)  # first: the request id and the clock of its log line
    app.after_request(operations.finish_request)

    @app.before_request
    def bounded():
        """A header over 16 KiB is a JSON 431; every request gets a deadline (in the main thread, as under
        gunicorn's sync workers) that answers a JSON 503 before the worker timeout would kill it."""
        for name, value in request.headers.items():
            if len(value) > MAX_HEADER_BYTES:
                return error_response(431, "Request Header Fields Too Large",
                                      f"the {name[:40]} header is {len(value)} bytes; at most {MAX_HEADER_BYTES}")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGALRM, _on_alarm)
            _CLOCK["running"] = True
            signal.setitimer(signal.ITIMER_REAL, settings.request_timeout)
        return None

    @app.after_request
    def stop_clock(response):
        _stop_clock()
        return response

    @app.after_request
    def not_stored(response):
        """An answer to a POST carries a patient's data (cards, an assessment): kept by no cache."""
        if request.method == "POST" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def stop_clock_always(error=None):
        _stop_clock()

    @app.before_request
    def authenticate():
        if request.method != "POST":
            return None  # discovery and health are public; services and feedback are not
        if request.routing_exception is not None:
            return None  # no such route, or not for this method: 404 or 405 (with Allow) before any 401
        if request.blueprint in ("pages", "smart"):
            return None  # the screens: a card link's signed token, or the tester's page (off with issuers)
        if verifier is None:
            if not warned:  # said once per process: on every request it would drown the log
                log.warning("no trusted JWT issuer configured: POST requests are not authenticated "
                            "(loopback use only; set BONEMET_TRUSTED_ISSUERS)")
                warned.append(True)
            return None
        try:
            verifier.verify(request.headers.get("Authorization"), settings.base_url + request.path)
        except Unauthorized as error:
            return error_response(401, "Unauthorized", str(error))
        except StoreUnavailable as error:
            return error_response(503, "Service Unavailable", str(error))
        return None

    @app.get("/health")
    def health():
        """Liveness: the process answers."""
        return jsonify(status="ok", service="bonemet-cds", version=__version__)

    @app.get("/ready")
    def ready():
        """Readiness: the store (JWT replay, cards, feedback, links) takes a write now; else 503 with why.
        Asked again on every probe: a fault that clears (disk freed, file back, database up) makes it ready."""
        problem = store.writable()
        if problem:
            response = jsonify(status="not ready", detail=problem)
            response.status_code = 503
            return response
        return jsonify(status="ready")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, JsonError):
            return error.get_response()
        # Every error is JSON: EHRs and pipelines parse it, never an HTML page. Its headers stay (Allow on 405).
        response = error_response(error.code or 500, error.name, error.description or error.name)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(RequestTimeout)
    def too_slow(error: RequestTimeout):
        _stop_clock()
        log.error("request stopped after %s s: %s %s", settings.request_timeout, request.method[:20],
                  redact(request.path[:200]))
        return error_response(503, "Service Unavailable", f"the request took more than {settings.request_timeout:g} s "
                              "(BONEMET_REQUEST_TIMEOUT) and was stopped; nothing was stored")

    @app.errorhandler(RecursionError)
    def too_deep(error: RecursionError):
        # Only input nested deeper than anything that reads it can follow gets here: a client's error.
        return error_response(400, "Bad Request", "the input is nested more deeply than it can be read")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error")
        return error_response(500, "Internal Server Error", "unexpected error; see the service log")

    return app
