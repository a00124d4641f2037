"""Where the reviewable data folders (``seeds/``, ``fhir_profiles/``) are.

In a wheel or a container they are installed inside the package
(``service/seeds``); in a source checkout they stay at the top of the
repository, next to ``service/``, where reviewers look for them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} is neither installed in the package nor beside it")
