"""Flask application factory and the JSON error handling shared by every route."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..config import Settings
from . import cds_hooks
from .errors import JsonError
from .feedback import FeedbackStore
from .security import JwtVerifier, Unauthorized

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.load()
    settings.pain_bands  # a malformed setting stops the start, with its name
    issuers = settings.issuers
    app = Flask(__name__)
    app.config["BONEMET"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes  # larger bodies: 413
    app.extensions["bonemet_feedback"] = FeedbackStore(settings.feedback_db)
    app.register_blueprint(cds_hooks.blueprint)
    CORS(app)  # browser-based EHR sandboxes call CDS services from another origin
    verifier = JwtVerifier(issuers, settings.feedback_db) if issuers else None

    @app.before_request
    def authenticate():
        if request.method != "POST":
            return None  # discovery and health are public; services and feedback are not
        if verifier is None:
            log.warning("no trusted JWT issuer configured: %s %s is not authenticated (loopback use only)",
                        request.method, request.path)
            return None
        try:
            verifier.verify(request.headers.get("Authorization"), settings.base_url + request.path)
        except Unauthorized as error:
            return jsonify(error="Unauthorized", status=401, detail=str(error)), 401
        return None

    @app.get("/health")
    def health():
        return jsonify(status="ok", service="bonemet-cds", version=__version__)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, JsonError):
            return error.get_response()
        # Every error is JSON: EHRs and pipelines parse it, never an HTML page.
        response = jsonify(error=error.name, status=error.code, detail=error.description)
        response.status_code = error.code or 500
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error")
        return jsonify(error="Internal Server Error", status=500, detail="unexpected error; see the service log"), 500

    return app
