"""HTTP errors as JSON bodies that say what is wrong.

Under ``/fhir/`` the body is a FHIR OperationOutcome, as FHIR clients expect;
elsewhere it is ``{"error", "status", "detail", ...}``.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

FHIR_JSON = "application/fhir+json"
# HTTP status -> OperationOutcome issue type (http://hl7.org/fhir/issue-type)
_ISSUE_TYPE = {400: "invalid", 401: "login", 404: "not-found", 405: "not-supported", 412: "required",
               413: "too-long", 415: "not-supported"}


def operation_outcome_response(status: int, detail: str, issues: list[dict[str, Any]] | None = None):
    body = {"resourceType": "OperationOutcome", "issue": issues or [
        {"severity": "error" if status < 500 else "fatal", "code": _ISSUE_TYPE.get(status, "exception"),
         "diagnostics": detail}]}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = FHIR_JSON
    return response


def error_response(status: int, name: str, detail: str, **extra: Any):
    """The error body for this request's path."""
    if request.path.startswith("/fhir/"):
        return operation_outcome_response(status, detail, extra.get("issues"))
    response = jsonify(error=name, status=status, detail=detail, **extra)
    response.status_code = status
    return response


class JsonError(HTTPException):
    def __init__(self, code: int, name: str, detail: str, **extra: Any) -> None:
        super().__init__(description=detail)
        self.code = code
        self.title = name
        self.extra = extra

    def get_response(self, environ=None, scope=None):
        return error_response(self.code, self.title, self.description, **self.extra)


def bad_request(detail: str, **extra: Any) -> JsonError:
    return JsonError(400, "Bad Request", detail, **extra)


def precondition_failed(detail: str) -> JsonError:
    # CDS Hooks: 412 when the service cannot get the data it needs.
    return JsonError(412, "Precondition Failed", detail)
