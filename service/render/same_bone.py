"""Two lesions scored on one long bone and side whose advice differs (a trochanter at Mirels 11, "fixation first",
beside a shaft at 5, "radiotherapy alone": probe 28): each card names the other. For a long bone, the guideline's
target volume takes in the whole affected bone (document 004, §2.1: « inclure l'ensemble de l'os atteint »)."""

from __future__ import annotations

from collections.abc import Sequence

from ..facts.place import LEFT, RIGHT
from ..i18n import N_, Words
from .card_text import short_title
from .fhir_resources import Assessment

WORDS = Words({
    "same_bone": N_("**The same bone holds another lesion scored here** ({others}): for a long bone, the volume the "
                    "guideline irradiates takes in the whole affected bone and the surgical material (§2.1); weigh "
                    "both advices together."),
    "undetermined": N_("category undetermined"),
})


def same_bone_lines(assessments: Sequence[Assessment], locale: str) -> dict[str, str]:
    """Scored Condition -> the line its card says after what must be checked first, for the lesions of its bone and
    side (both coded) whose score's action differs from its own."""
    mirels = [assessment for assessment in assessments if assessment.score.calculator == "mirels"
              and assessment.facts.body_site[0] and assessment.facts.body_site[1] in (LEFT, RIGHT)]
    words = WORDS[locale]
    lines = {}
    for assessment in mirels:
        others = [other for other in mirels if other is not assessment
                  and other.facts.body_site == assessment.facts.body_site
                  and (other.score.action or "") != (assessment.score.action or "")]
        if others:
            lines[assessment.facts.condition] = words["same_bone"].format(others="; ".join(
                f"{other.facts.where(locale)}, {short_title(other, True)} {other.score.total_text}: "
                f"{other.score.action or words['undetermined']}" for other in others))
    return lines
