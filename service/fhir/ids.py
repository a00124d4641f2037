"""FHIR ids from the EHR, checked before they are put in a URL.

FHIR's id grammar is ``[A-Za-z0-9\\-\\.]{1,64}``. It admits ``.`` and ``..``, which in a URL path are
dot segments: ``Patient/..`` is the server's base once a client or proxy normalises the path
(RFC 3986 §5.2.4), and ``Patient/../../admin`` leaves the FHIR server altogether. So an id that
names a resource this service will request must match the grammar *and* not be a dot segment;
anything else (a slash, a ``?``, a ``#``, a newline, ``..``) is refused before any URL is built.
"""

from __future__ import annotations

import re
from typing import Any

ID_GRAMMAR = r"[A-Za-z0-9\-.]{1,64}"
_ID = re.compile(ID_GRAMMAR)
_DOT_SEGMENTS = frozenset({".", ".."})
# CDS Hooks 2.0: userId is "[ResourceType]/[id]" (Practitioner/abc, PractitionerRole/123, ...)
_TYPED = re.compile(rf"[A-Z][A-Za-z]{{1,63}}/({ID_GRAMMAR})")


def is_fhir_id(value: Any) -> bool:
    """True for a FHIR id that can be put in a URL path as it is."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None and value not in _DOT_SEGMENTS


def is_typed_id(value: Any) -> bool:
    """True for ``Type/id`` whose id is a FHIR id (``is_fhir_id``)."""
    match = _TYPED.fullmatch(value) if isinstance(value, str) else None
    return match is not None and is_fhir_id(match[1])


def has_dot_segment(relative: str) -> bool:
    """True when the path of ``relative`` (``Type/id`` or ``Type?query``) has a ``.`` or ``..`` segment."""
    return any(segment in _DOT_SEGMENTS for segment in relative.split("?")[0].split("#")[0].split("/"))


def shown(value: Any) -> str:
    """A value from the EHR, quoted and cut short, to name it in a message."""
    return repr(value if not isinstance(value, str) else value[:80])
