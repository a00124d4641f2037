"""Where the reviewable data folders (``seeds/``, ``fhir_profiles/``) are.

In a wheel or a container they are installed inside the package
(``service/seeds``); in a source checkout they stay at the top of the
repository, next to ``service/``, where reviewers look for them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson


@cache
def data_dir(name: str) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} is neither installed in the package nor beside it")


def read_json(folder: str, name: str) -> Any:
    """A JSON file of a data folder (``read_json("seeds", "mirels.json")``), read with orjson: the same
    values as the standard library's reader, in a third of the time at every start (issue 28)."""
    return orjson.loads((data_dir(folder) / name).read_bytes())
