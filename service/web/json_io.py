"""The JSON of requests and answers, through orjson where it is exact.

A 100-resource patient-view reads 37 KB and answers 34 KB of cards: with the standard
library, reading and writing them cost as much as mapping the record. orjson does both
several times faster. Where it would differ from the standard library (a number too long
for 64 bits, which it turns into a float; input that is not UTF-8; anything it refuses),
the standard library is used instead, so the answers and the error messages stay the same.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

from ..fhir.json_read import fast_loads  # the one reader's: read here by the HTTP doors

__all__ = ["OrjsonProvider", "fast_loads"]


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider, written by orjson: keys sorted as Flask sorts them, UTF-8 rather than
    ``\\u`` escapes (JSON's own encoding), dates as Flask writes them; the standard library for
    what orjson cannot write (integers beyond 64 bits) and for indented output in debug mode."""

    _OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs:  # with arguments (indentation, separators): the standard library, as Flask does
            try:
                return orjson.dumps(obj, default=self.default, option=self._OPTIONS).decode()
            except TypeError:  # orjson.JSONEncodeError
                pass
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug):
            return cast(Response, super().response(*args, **kwargs))
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self._OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except TypeError:
            return cast(Response, super().response(*args, **kwargs))
        return Response(body, mimetype=self.mimetype)  # Flask's Response: the app keeps Flask's class
