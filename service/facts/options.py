"""What the mapper is told: the assessment date and the site's settings."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from .moments import Window, windows


class MappingOptions(msgspec.Struct, frozen=True):
    """``as_of``: the assessment date (days of motor deficit run to it; later resources are not read).
    ``pain_score_bands``: (category, lowest, highest) for 0-10 pain scores; empty by
    default because the guideline does not map scores to Mirels categories.
    ``fact_windows``: (item, days) overrides of how old a record of an item may be (``moments``).
    ``moment``: the assessment's instant (``dates.assessment_moment``); None: records are compared by day only.
    ``partial``: the resource types the EHR sent only in part (a search cut short): what is absent from them
    may be recorded all the same, so nothing is concluded from their absence."""

    as_of: date
    pain_score_bands: tuple[tuple[str, float, float], ...] = ()
    fact_windows: tuple[tuple[str, int], ...] = ()  # the site's overrides of seeds/fact_windows.json
    moment: datetime | None = None
    partial: frozenset[str] = frozenset()

    @property
    def windows(self) -> dict[str, Window]:
        return windows(self.fact_windows)
