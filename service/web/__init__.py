"""The HTTP door: a Flask application built by ``create_app``."""

from .app import create_app

__all__ = ["create_app"]
