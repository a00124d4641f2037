"""The card of a lesion whose bone has broken: no Mirels score (a broken bone is no lesion to score), said where the
clinician reads it, beside the scores, with the fixation it broke through when one is recorded."""

from __future__ import annotations

from .. import __version__
from ..facts import PatientFacts
from ..facts.model import BrokenBone
from ..facts.terminology import listed_words
from ..i18n import typeset
from .card_model import Card
from .card_text import SUMMARY_LIMIT, fit_summary, plain, topic
from .card_words import WORDS
from .uuids import random_uuid


def broken_bone_card(broken: BrokenBone, facts: PatientFacts, locale: str) -> Card:
    """A lesion whose bone has broken on its side: said where the clinician reads it, beside the scores."""
    words = WORDS[locale]
    where = broken.where(locale)
    fracture, lesion = facts.labels.get(broken.fracture), facts.labels.get(broken.lesion)
    return {
        "uuid": random_uuid(),
        "summary": _broken_summary(broken, where, words, locale),
        "detail": words["broken_detail"].format(fracture=plain(fracture.said_in(locale)) if fracture else "",
                                                lesion=plain(lesion.said_in(locale) if lesion else where))
        + (f"\n\n**{words['broken_fixed'].format(fixation=plain(fixed.said_in(locale)))}**"
           if (fixed := facts.labels.get(broken.fixation)) else "")
        + (f"\n\n{words['as_of']} {facts.as_of.isoformat()}." if facts.as_of else ""),
        "indicator": "warning",
        "source": {"label": f"bonemet-cds {__version__}", "topic": topic("mirels", locale)},
    }


def _broken_summary(broken: BrokenBone, where: str, words: dict[str, str], locale: str) -> str:
    """The broken bone's summary, its place giving way by clauses before its words are cut (French is longer)."""
    fracture = _elsewhere(broken, locale) or words["pathological_fracture" if broken.pathological else "fracture"]
    text, first = (words["broken_fixed_summary" if broken.fixation else "broken_summary"].format(
        where=place[:1].upper() + place[1:], date=f", {broken.when[:10]}" if broken.when else "", fracture=fracture)
        for place in (where, where.split(", ")[0]))
    return fit_summary(text if len(typeset(text, locale)) <= SUMMARY_LIMIT else first)


def _elsewhere(broken: BrokenBone, locale: str) -> str:
    """Where the fracture is, when its record places it in another region of the bone than the lesion (a neck
    fracture beside a shaft lesion), said in the summary in place of "fracture": it must not read as the lesion's
    own site having broken."""
    fracture, lesion = broken.fracture_place, broken.place
    if fracture is None or fracture.region is None or (lesion is not None and lesion.region == fracture.region):
        return ""
    return plain(listed_words(*fracture.region, locale) or "")
