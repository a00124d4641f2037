"""The JSON body of a request, read strictly: every way it can be wrong is a 4xx that says which.

* not sent as JSON (Content-Type), or with a charset other than UTF-8 -> 415;
* larger than ``BONEMET_MAX_BODY_BYTES``, chunked or not -> 413;
* not JSON, UTF-16 or UTF-32 (RFC 8259: JSON between systems is UTF-8), a number that is not
  finite (``NaN``, ``Infinity``, ``1e400``), or nested deeper than the parser can go -> 400;
* nested deeper than ``max_depth`` (the FHIR door: the FHIR models' validation recurses once per
  level, and fails near 400) -> 400. FHIR resources nest a dozen levels at most. The check is
  ``fhir.json_read``'s, the one reader the command line uses for files and NDJSON lines too (msgspec or orjson,
  the standard library only for what they refuse or cannot read exactly, to word the error). The CDS Hooks
  doors read nothing recursively and skip it; the application answers any RecursionError with a
  400 as a last resort.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..fhir import json_read
from .errors import JsonError, bad_request

MAX_DEPTH = json_read.MAX_DEPTH


def _read(limit: int | None) -> bytes:
    """The body's bytes; over ``limit`` a 413, also for a chunked body (no Content-Length), which
    werkzeug would otherwise cut silently at the limit."""
    if request.content_length is not None or not limit:
        return request.get_data(cache=True)  # werkzeug answers 413 for a declared length over the limit
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes (BONEMET_MAX_BODY_BYTES)")
    return raw


def json_body(what: str, max_depth: int | None = None) -> dict[str, Any]:
    """The request's JSON object; ``what`` names it in errors ("a CDS Hooks request")."""
    if not request.is_json:
        raise JsonError(415, "Unsupported Media Type", f"send {what} as JSON, with Content-Type: application/json "
                                                       f"(got {request.mimetype or 'no Content-Type'})")
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise JsonError(415, "Unsupported Media Type", f"send {what} in UTF-8 (RFC 8259), not {charset[:40]}")
    raw = _read(current_app.config["MAX_CONTENT_LENGTH"])
    encoding = json.detect_encoding(raw[:4])
    if encoding not in ("utf-8", "utf-8-sig"):
        raise bad_request(f"the body is not valid JSON here: JSON between systems is UTF-8 (RFC 8259), this body "
                          f"is {encoding.upper()}")
    if max_depth is not None:  # before parsing: too deep is said the same way, however deep
        try:
            too_deep = json_read.text_too_deep(raw, max_depth)
        except UnicodeDecodeError:  # the parser words it below
            too_deep = False
        if too_deep:
            raise bad_request(str(json_read.TooDeep(max_depth)))
    body = json_read.fast_loads(raw)  # non-finite numbers are refused there; the standard library words every error
    try:
        if body is None:
            body = json.loads(raw, parse_float=json_read.finite, parse_constant=json_read.no_constant)
    except json_read.NotFinite as error:
        raise bad_request(str(error)) from None
    except RecursionError:
        raise bad_request("the JSON is nested more deeply than it can be read") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise bad_request(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise bad_request(f"the body must be a JSON object ({what}), not a {type(body).__name__}")
    return body
