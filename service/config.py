"""Settings of the service: embedded defaults, overridden by environment
variables, overridden by command-line flags. One place lists them all."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Mapping

ENV_PREFIX = "BONEMET_"


@dataclass(frozen=True)
class Settings:
    """Every setting, its default, and (in ``help``) what it does."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    log_level: str = "INFO"

    help = {
        "host": "address to listen on (BONEMET_HOST)",
        "port": "TCP port to listen on (BONEMET_PORT)",
        "workers": "gunicorn worker processes (BONEMET_WORKERS)",
        "log_level": "DEBUG, INFO, WARNING or ERROR (BONEMET_LOG_LEVEL)",
    }

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults < ``environ`` (``BONEMET_*``) < ``overrides`` that are not None."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _convert(field.name, field.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _convert(name: str, kind: Any, raw: str) -> Any:
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, got {raw!r}") from None
    return raw
