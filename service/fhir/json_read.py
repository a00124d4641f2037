"""The one JSON reader of every door: HTTP bodies (``web.body``), ``bonemet assess`` files and stdin, and
``bonemet bulk`` lines (both engines). Each text is parsed once, by msgspec (or orjson) where it gives the
standard library's answer (``fast_loads``), with a depth limit checked before it.

FHIR resources nest a dozen levels at most; the FHIR models' validation recurses once per level and
fails near 400, and the standard library's parser raises RecursionError near 1,000 (a traceback, and in
bulk the whole run lost for one line). A text nested deeper than ``MAX_DEPTH`` is refused *before* it
is parsed, with ``TooDeep``, which every door reports as one bad request, file or line. The depth is
read from the brackets outside strings by a few passes of bytes methods, in C, with no regular expression
(``depth``); a text with no more brackets than the limit, most NDJSON lines, is let through on a count of
its brackets. No Flask here: the command line imports this module.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec
import orjson

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


_NOT_SYNTAX = bytes(byte for byte in range(256) if byte not in b'[]{}"')
_PAIRS = bytes.maketrans(b"[{]}", b"(())")


def depth(raw: bytes, limit: int | None = None) -> int:
    """How deeply a UTF-8 JSON text nests, read from its brackets outside strings, by bytes methods (in C, no
    regular expression): escapes dropped (``\\\\`` then ``\\"``: outside strings JSON has no backslash),
    everything but brackets and quotes dropped, then every ``""`` (an empty string, or the end of one string
    and the start of the next: nothing between them, and which brackets are inside a string does not
    change); what is left is split at its quotes (few now: the even pieces are outside strings). Each pass
    then drops every innermost pair "()", one level of the tree, so the number of passes is the depth; with
    ``limit``, it stops at ``limit + 1``. Unbalanced brackets (not JSON) stop the passes: the parser says
    what is wrong."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    syntax = raw.translate(None, _NOT_SYNTAX).replace(b'""', b"")
    if b'"' in syntax:
        syntax = b"".join(syntax.split(b'"')[::2])
    brackets = syntax.translate(_PAIRS)
    passes = 0
    while brackets and (limit is None or passes <= limit):
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            break
        brackets, passes = shorter, passes + 1
    return passes


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
        if len(text) <= _COUNTED and text.count("{") + text.count("[") <= limit:
            return False
        text = text.encode("utf-8", errors="surrogatepass")
    elif len(text) <= _COUNTED and text.count(b"{") + text.count(b"[") <= limit:
        return False
    return depth(text, limit) > limit


# Up to this size (an NDJSON line) counting the brackets often settles it; a larger text (a request body) has more
# brackets than any limit, and its two counting passes cost two thirds of ``depth`` itself.
_COUNTED = 16_384


# Digits to "0", every other byte to " ": a run of 19 zeros is an integer orjson may not hold exactly
# (beyond 64 bits). Two passes in C over the bytes, far quicker than a regular expression.
_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_RUN = b"0" * 19


# msgspec reads JSON as the standard library does, integers beyond 64 bits included (exactly, up to Python's own
# limit of 4,300 digits), so the text needs no pass to look for them; what it refuses goes the way it always went.
_DECODER = msgspec.json.Decoder()


def fast_loads(raw: bytes | str) -> Any | None:
    """``raw`` parsed by msgspec, else by orjson, or None when the standard library must read it (a long digit
    run msgspec did not read, or anything both refuse: their errors are not the ones this service words)."""
    if isinstance(raw, str):
        try:
            raw = raw.encode()
        except UnicodeEncodeError:  # lone surrogates: the standard library's to read
            return None
    try:
        return _DECODER.decode(raw)
    except (msgspec.MsgspecError, RecursionError):  # what it cannot read, nesting deeper than it goes: as before
        pass
    if _LONG_RUN in raw.translate(_DIGITS):
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


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
    """``json.loads`` (through orjson where it is exact), refusing a text nested deeper than ``limit`` with
    ``TooDeep`` before parsing it (and a RecursionError of the parser, should one come, as ``TooDeep`` too).
    ``place``: say where (for a whole file; an NDJSON line is named by its file and line number)."""
    if text_too_deep(text, limit):
        if not place:
            raise TooDeep(limit)
        if isinstance(text, bytes):
            text = text.decode(json.detect_encoding(text), errors="replace")
        raise TooDeep(limit, too_deep_at(text, limit))
    found = fast_loads(text)
    if found is not None:
        return found
    try:  # what orjson refuses or could not read exactly (a JSON null is read twice: harmless)
        return json.loads(text)
    except RecursionError:
        raise TooDeep(limit) from None


# A "reference" member's string in orjson's text (compact: no whitespace), escapes and all. Inside a string every
# quote is escaped, so this finds every such member; it may also find the value of a key whose name ends in an escaped
# quote and "reference", which only makes a caller more careful.
_REFERENCE = re.compile(rb'"reference":"([^"\\]*(?:\\.[^"\\]*)*)"')


def quoted_references(text: bytes) -> set[str]:
    """The string of every "reference" member in orjson's text of a value: one search in C rather than a walk of
    every element in Python."""
    return {orjson.loads(b'"' + found + b'"') if b"\\" in found else found.decode()
            for found in _REFERENCE.findall(text)}
