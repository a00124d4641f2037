"""The JSON body of a request, read strictly: every way it can be wrong is a 4xx that says which.

* not sent as JSON (Content-Type) -> 415;
* larger than ``BONEMET_MAX_BODY_BYTES``, chunked or not -> 413;
* not JSON, a number that is not finite (``NaN``, ``Infinity``, ``1e400``), or nested deeper
  than the parser can go -> 400;
* nested deeper than ``max_depth`` (the FHIR door: the FHIR models' validation recurses once per
  level, and fails near 400) -> 400. FHIR resources nest a dozen levels at most. The CDS Hooks
  doors read nothing recursively and skip this walk over the body (it costs 0.6 ms on 36 KB);
  the application answers any RecursionError with a 400 as a last resort.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import JsonError, bad_request
from .json_io import fast_loads

MAX_DEPTH = 64


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"the number {text[:20]} is out of range: numbers must be finite")
    return value


def _no_constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not a JSON number: numbers must be finite")


_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # JSON strings, whose brackets are not nesting
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENS = bytes.maketrans(b"[{]}", b"\x01\x01\x00\x00")
_STEP = (-1, 1)


def _depth(raw: bytes) -> int:
    """How deeply a UTF-8 JSON text nests, read from its brackets outside strings: in C (regex,
    translate, accumulate), a fraction of a walk over the parsed tree."""
    opens = _STRINGS.sub(b"", raw).translate(_OPENS, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, opens)), default=0)


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: the check itself cannot overflow)."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            pending.extend((child, depth + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            pending.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return False


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
    raw = _read(current_app.config["MAX_CONTENT_LENGTH"])
    body = fast_loads(raw)  # orjson refuses non-finite numbers itself; the standard library words every error
    try:
        if body is None:
            body = json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except _NotFinite as error:
        raise bad_request(str(error)) from None
    except RecursionError:
        raise bad_request("the JSON is nested more deeply than it can be read") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise bad_request(f"the body is not valid JSON: {error}") from None
    if max_depth is not None and (_depth(raw) > max_depth if json.detect_encoding(raw) == "utf-8"
                                  else _too_deep(body, max_depth)):
        raise bad_request(f"the JSON is nested more than {max_depth} levels deep")
    if not isinstance(body, dict):
        raise bad_request(f"the body must be a JSON object ({what}), not a {type(body).__name__}")
    return body
