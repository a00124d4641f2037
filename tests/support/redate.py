"""A record as it would stand on another day: every FHIR date and dateTime moved by the same number of days.

The assessment of a record depends on its age (``seeds/fact_windows.json``), and patient-view assesses as
of today: a record written for an assessment date ``as_of`` is moved so that today is ``as_of`` for it.
Partial dates (a year, a month) keep their precision; the day of a month is clamped to the month.
"""

import json
import sys
from datetime import date
from pathlib import Path

# One way to move a record's dates, the one the examples' own script gives testers (--dated-today).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from make_cds_requests import redate


def to_today(node, as_of):
    """``node`` as it would stand today for a record written to be assessed on ``as_of`` (ISO date)."""
    return redate(node, (date.today() - date.fromisoformat(as_of)).days)


# The day the examples' documented results hold (examples/expected/*.json, "as_of").
EXAMPLES_AS_OF = json.loads((Path(__file__).resolve().parents[2] / "examples" / "expected"
                             / "01-mirels-7-observation.json").read_text("utf-8"))["as_of"]
