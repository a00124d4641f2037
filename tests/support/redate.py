"""A record as it would stand on another day: every FHIR date and dateTime moved by the same number of days.

The assessment of a record depends on its age (``seeds/fact_windows.json``), and patient-view assesses as
of today: a record written for an assessment date ``as_of`` is moved so that today is ``as_of`` for it.
Partial dates (a year, a month) keep their precision; the day of a month is clamped to the month.
"""

import json
import re
from datetime import date, timedelta
from pathlib import Path

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(T.*)?$")


def _moved(text, days):
    match = _DATE.match(text)
    if not match:
        return text
    year, month, day, time = match.groups()
    if day is None:  # a month: moved by whole months, keeping its precision
        months = int(year) * 12 + int(month) - 1 + round(days / 30.44)
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    try:
        moved = date(int(year), int(month), int(day)) + timedelta(days=days)
    except ValueError:
        return text
    return moved.isoformat() + (time or "")


def redate(node, days):
    """A copy of ``node`` (JSON) with its dates moved ``days`` days (birth dates too: ages stay true)."""
    if isinstance(node, dict):
        return {key: redate(value, days) for key, value in node.items()}
    if isinstance(node, list):
        return [redate(value, days) for value in node]
    if isinstance(node, str):
        return _moved(node, days)
    return node


def to_today(node, as_of):
    """``node`` as it would stand today for a record written to be assessed on ``as_of`` (ISO date)."""
    return redate(node, (date.today() - date.fromisoformat(as_of)).days)


# The day the examples' documented results hold (examples/expected/*.json, "as_of").
EXAMPLES_AS_OF = json.loads((Path(__file__).resolve().parents[2] / "examples" / "expected"
                             / "01-mirels-7-observation.json").read_text("utf-8"))["as_of"]
