"""The small parts every card is made of: its topic, the override reasons, a summary that fits, and record
text made inert for Markdown. Shared by the score cards (``cards``), the advice cards (``advice``) and the
order-sign cards (``order_cards``)."""

from __future__ import annotations

import re
from typing import cast

from ..facts.terminology import own_coding
from .card_model import Coding, OverrideReason

SUMMARY_LIMIT = 140
# Reasons a clinician may give for not following a card (CDS Hooks overrideReasons), in the
# project's CodeSystem, with its displays.
OVERRIDE_REASONS = ("override-clinical-judgement", "override-data-incorrect", "override-already-addressed")


def topic(code: str, locale: str) -> Coding:
    """A card's topic: one of the project's own codes (the calculator, "data-review")."""
    return cast(Coding, own_coding(code, locale))


def override_reasons(locale: str) -> list[OverrideReason]:
    return [cast(OverrideReason, own_coding(code, locale)) for code in OVERRIDE_REASONS]


def fit_summary(text: str, keep: str = "") -> str:
    """The summary (``text`` then ``keep``) within CDS Hooks' limit, ``text`` cut after a whole word where one ends
    near it (not "radiot…"); ``keep`` is never cut (what is missing: it makes a range honest)."""
    if len(text) + len(keep) <= SUMMARY_LIMIT:
        return text + keep
    limit = SUMMARY_LIMIT - len(keep)
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit - 30:
        cut = cut[:space]
    return cut.rstrip(" ,;:\u202f") + "…" + keep


def shortened(text: str, room: int) -> str:
    """``text`` (a place) within ``room`` characters: its first clauses whole ("left femur" of "left femur, neck of
    femur"), else cut after a whole word, with "…"; the card's detail says it whole."""
    if len(text) <= room:
        return text
    clauses = text.split(", ")
    for count in range(len(clauses) - 1, 0, -1):
        head = ", ".join(clauses[:count])
        if len(head) <= room:
            return head
    cut = text[: max(room - 1, 0)]
    space = cut.rfind(" ")
    cut = cut[:space] if space > room // 2 else cut
    return cut.rstrip(" ,;:\u202f") + "…"


# Markdown's and HTML's active characters: escaped in every text a record may have written, so that an EHR
# rendering the detail as Markdown (raw HTML allowed or not) shows the words and runs nothing, links nothing.
_ACTIVE = re.compile(r"([\\`*_\[\]<>|!#~])")


def plain(text: str) -> str:
    """Text of the record's (words, codes, notes quoting them) as Markdown that shows it and does nothing else."""
    return _ACTIVE.sub(r"\\\1", text)
