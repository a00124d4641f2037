"""HTTP errors as JSON bodies that say what is wrong."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException


class JsonError(HTTPException):
    def __init__(self, code: int, name: str, detail: str, **extra: Any) -> None:
        super().__init__(description=detail)
        self.code = code
        self.title = name
        self.extra = extra

    def get_response(self, environ=None, scope=None):
        response = jsonify(error=self.title, status=self.code, detail=self.description, **self.extra)
        response.status_code = self.code
        return response


def bad_request(detail: str, **extra: Any) -> JsonError:
    return JsonError(400, "Bad Request", detail, **extra)


def precondition_failed(detail: str) -> JsonError:
    # CDS Hooks: 412 when the service cannot get the data it needs.
    return JsonError(412, "Precondition Failed", detail)
