"""JSON read with a depth limit, the same at every door: HTTP bodies (``web.body``), ``bonemet assess``
files and stdin, and ``bonemet bulk`` lines (both engines).

FHIR resources nest a dozen levels at most; the FHIR models' validation recurses once per level and
fails near 400, and the standard library's parser raises RecursionError near 1,000 (a traceback, and in
bulk the whole run lost for one line). A text nested deeper than ``MAX_DEPTH`` is refused *before* it
is parsed, with ``TooDeep``, which every door reports as one bad request, file or line. The depth is
read from the brackets outside strings, in C (regex, translate, accumulate); a text with no more
brackets than the limit, every FHIR line in practice, is let through on a count of its brackets
(0.4 microseconds for a 500-byte line). No Flask here: the command line imports this module.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The JSON nests deeper than the limit: never parsed. ``place``: where it first goes deeper
    ("line 1 column 66", as the parser names places), when known."""

    def __init__(self, limit: int, place: str = "") -> None:
        super().__init__(f"the JSON is nested more than {limit} levels deep" + (f" ({place})" if place else ""))
        self.limit, self.place = limit, place


class NotFinite(ValueError):
    """A number that is not finite (``NaN``, ``Infinity``, ``1e400``)."""


def finite(text: str) -> float:
    """``parse_float`` for ``json.loads``: a number out of range is refused, not read as infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise NotFinite(f"the number {text[:20]} is out of range: numbers must be finite")
    return value


def no_constant(name: str) -> Any:
    """``parse_constant`` for ``json.loads``: ``NaN`` and ``Infinity`` are not JSON."""
    raise NotFinite(f"{name} is not a JSON number: numbers must be finite")


_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # JSON strings, whose brackets are not nesting
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENS = bytes.maketrans(b"[{]}", b"\x01\x01\x00\x00")
_STEP = (-1, 1)


def depth(raw: bytes) -> int:
    """How deeply a UTF-8 JSON text nests, read from its brackets outside strings: in C (regex,
    translate, accumulate), a fraction of a walk over the parsed tree."""
    opens = _STRINGS.sub(b"", raw).translate(_OPENS, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, opens)), default=0)


def too_deep(value: Any, limit: int) -> bool:
    """Whether a parsed ``value`` nests deeper than ``limit`` (iterative: the check itself cannot overflow)."""
    pending = [(value, 1)]
    while pending:
        node, level = pending.pop()
        if level > limit:
            return True
        if isinstance(node, dict):
            pending.extend((child, level + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            pending.extend((child, level + 1) for child in node if isinstance(child, (dict, list)))
    return False


def text_too_deep(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON text (str, or bytes as ``json.loads`` reads them) nests deeper than ``limit``,
    read before parsing it."""
    if isinstance(text, bytes) and json.detect_encoding(text) != "utf-8":
        text = text.decode(json.detect_encoding(text))
    if isinstance(text, str):
        if text.count("{") + text.count("[") <= limit:
            return False
        text = text.encode("utf-8", errors="surrogatepass")
    elif text.count(b"{") + text.count(b"[") <= limit:
        return False
    return depth(text) > limit


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def too_deep_at(text: str, limit: int) -> str:
    """Where ``text`` first nests deeper than ``limit``, as "line L column C" (a loop over its brackets
    and strings: run only for a text already found too deep)."""
    level = 0
    for token in _TOKENS.finditer(text):
        opened = token.group()
        level += 1 if opened in "[{" else -1 if opened in "]}" else 0
        if level > limit:
            at = token.start()
            line = text.count("\n", 0, at) + 1
            return f"line {line} column {at - text.rfind(chr(10), 0, at)}"
    return ""


def loads(text: str | bytes, limit: int = MAX_DEPTH, place: bool = False) -> Any:
    """``json.loads``, refusing a text nested deeper than ``limit`` with ``TooDeep`` before parsing it
    (and a RecursionError of the parser, should one come, as ``TooDeep`` too). ``place``: say where
    (for a whole file; an NDJSON line is named by its file and line number)."""
    if text_too_deep(text, limit):
        if not place:
            raise TooDeep(limit)
        if isinstance(text, bytes):
            text = text.decode(json.detect_encoding(text), errors="replace")
        raise TooDeep(limit, too_deep_at(text, limit))
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep(limit) from None
