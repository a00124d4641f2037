"""What a log line must never carry: an assessment link's token (whoever reads it could open the patient's
page while the link is valid) and the SMART launch's one-time values (``code``, ``state``, ``launch``).

``redact`` is applied where the application writes a path into its own log lines (the access line, the
timeout line); ``RedactSecrets``, a logging filter set on the handler by ``bonemet serve``, applies it to
every record whoever wrote it: gunicorn's own lines carry the request path (DEBUG) or the whole request line
it refused (WARNING).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "[redacted]"
# /assessment/<token> and its sub-routes, the token up to the next /, ?, # or end of the word.
_LINK_TOKEN = re.compile(r"(/assessment/)[^/?#\s\"'\\]+")
_ONE_TIME = re.compile(r"([?&;](?:code|state|launch|access_token|id_token|refresh_token)=)[^&;#\s\"'\\]+",
                       re.IGNORECASE)
# The attributes every LogRecord has; the others are a line's extra fields (path, reason...).
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """``text`` with every link token and one-time launch value replaced by ``[redacted]``."""
    if "/assessment/" not in text and "=" not in text:
        return text
    return _ONE_TIME.sub(r"\1" + HIDDEN, _LINK_TOKEN.sub(r"\1" + HIDDEN, text))


class RedactSecrets(logging.Filter):
    """Rewrites a record before any handler formats it: its message, its string extra fields and its
    traceback. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact(value))
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
