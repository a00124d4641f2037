"""Flask application factory and the JSON error handling shared by every route."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..config import Settings
from . import cds_hooks
from .errors import JsonError
from .feedback import FeedbackStore

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.load()
    settings.pain_bands  # a malformed setting stops the start, with its name
    app = Flask(__name__)
    app.config["BONEMET"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes  # larger bodies: 413
    app.extensions["bonemet_feedback"] = FeedbackStore(settings.feedback_db)
    app.register_blueprint(cds_hooks.blueprint)
    CORS(app)  # browser-based EHR sandboxes call CDS services from another origin

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
