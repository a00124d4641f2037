"""SINS, the Spinal Instability Neoplastic Score (Fisher et al., Spine 2010): one vertebral metastasis.

Beyond the seed documents: the French guideline does not give it. Points, bands and the surgical-consultation
threshold come from ``seeds/sins.json``, checked in two references that reproduce the published table.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec.structs import asdict, replace

from .scoring import Caveat, Score, check_locale, score_table
from .tables import DEFAULT_LOCALE, load_table


class SinsInputs(msgspec.Struct, frozen=True):
    """Inputs for one vertebral metastasis. ``None`` means missing; see ``scoring`` for OneOf."""

    spinal_location: Any = None
    mechanical_pain: Any = None
    bone_lesion: Any = None
    spinal_alignment: Any = None
    vertebral_body_collapse: Any = None
    posterolateral_involvement: Any = None


def score_sins(inputs: SinsInputs, locale: str = DEFAULT_LOCALE) -> Score:
    """Score one vertebral metastasis. Raises ``InvalidInput`` naming the item and the allowed rows."""
    check_locale(locale)
    table = load_table("sins")
    score = score_table(table, asdict(inputs), locale)
    return replace(score, caveats=(Caveat("beyond_guideline", table.caveat_text("beyond_guideline")(locale),
                                          table.caveats["beyond_guideline"]["source"]),))
