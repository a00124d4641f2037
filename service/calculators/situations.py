"""The guideline's situations that are advice, not scores (§1.1 pain, §1.4 after surgery, §1.5 oligometastases).

Pure rules over plain values, as the calculators are: the facts layer counts sites and dates operations,
``seeds/guideline.json`` holds the guideline's words. A rule answers ``Advice`` or None (nothing to say);
an input not known makes the advice "possible", naming what is missing, never a guess.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal

import msgspec

from ..data import data_dir
from ..i18n import said, translate
from .scoring import Score
from .tables import Text, parse_text


class Situation(msgspec.Struct, frozen=True):
    """One situation of the guideline, in its own words (``seeds/guideline.json``)."""

    name: str
    section: str
    source: str
    quote: str
    title: Text
    action: Text
    statement: Text
    activity_code: str
    activity: Text
    extra: dict[str, Any] = msgspec.field(default_factory=dict)  # the situation's own figures and words

    def text(self, key: str) -> Text:
        return parse_text(self.extra[key])


def _raw() -> dict[str, Any]:
    return json.loads((data_dir("seeds") / "guideline.json").read_text("utf-8"))


@cache
def situations() -> dict[str, Situation]:
    known = {"section", "source", "quote", "title", "action", "statement", "activity"}
    return {name: Situation(name, entry["section"], entry["source"], entry["quote"], parse_text(entry["title"]),
                            parse_text(entry["action"]), parse_text(entry["statement"]), entry["activity"]["code"],
                            parse_text({k: v for k, v in entry["activity"].items() if k != "code"}),
                            {k: v for k, v in entry.items() if k not in known})
            for name, entry in _raw()["situations"].items()}


@cache
def guideline_version() -> str:
    return str(_raw()["version"])


class Advice(msgspec.Struct, frozen=True):
    """What the guideline says here. ``possible``: it applies only if what ``missing`` names turns out so.
    ``figures``: what the card shows (the count of sites, the window's dates)."""

    situation: Situation
    possible: bool = False
    missing: tuple[str, ...] = ()
    figures: dict[str, Any] = msgspec.field(default_factory=dict)
    # "maybe": the operation's day is a range, and the window is open today for some of its days only.
    phase: Literal["", "before", "open", "passed", "maybe"] = ""

    def missing_words(self, locale: str) -> list[str]:
        return [translate(text, locale) for text in self.missing]


# -- §1.5 -------------------------------------------------------------------------------------


class OligometastaticInputs(msgspec.Struct, frozen=True):
    """``sites_low``..``sites_high``: how many bone metastatic sites the record holds (``sites_high`` None: no
    upper bound, a record naming several sites at once); ``visceral``: a visceral metastasis (None: not
    known); ``missing``: what leaves the count or the visceral status open, as the card says it."""

    sites_low: int
    sites_high: int | None
    visceral: bool | None
    missing: tuple[str, ...] = ()


def oligometastatic(inputs: OligometastaticInputs) -> Advice | None:
    """1 to 3 sites and no visceral metastasis: the ablative intent is to discuss (§1.5). None with no bone
    site, 4 or more, or a visceral metastasis; "possible" while the count or the visceral status is open."""
    situation = situations()["oligometastatic"]
    most = int(situation.extra["max_sites"])
    if inputs.visceral or inputs.sites_low > most or (inputs.sites_high is not None and inputs.sites_high < 1):
        return None
    certain = (inputs.visceral is False and inputs.sites_low >= 1 and inputs.sites_high is not None
               and inputs.sites_high <= most)
    return Advice(situation, possible=not certain, missing=inputs.missing,  # said even where the advice holds
                  figures={"sites_low": inputs.sites_low, "sites_high": inputs.sites_high,
                           "visceral_known": inputs.visceral is not None})


# -- §1.4 -------------------------------------------------------------------------------------


class PostOperativeInputs(msgspec.Struct, frozen=True):
    """The operation's day (``operated_from``..``operated_to`` when the record gives a month or a period;
    None: not recorded), the assessment date, and whether a radiotherapy since the operation is recorded."""

    operated_from: date | None
    operated_to: date | None
    as_of: date
    radiotherapy_since: bool = False
    # The operation's code is in no procedure list, its words naming surgery (a nailing in CCAM): the advice is
    # possible only, for what the operation was is not read.
    kind_unread: bool = False
    # A radiotherapy recorded that may be the post-operative one (its site, its dates or its code not read, stopped
    # early): the card says to check it first.
    radiotherapy_maybe: bool = False


def window_of(operated_from: date, operated_to: date) -> tuple[date, date]:
    """The §1.4 window of an operation: from the earliest day it may open to the latest it may close (an
    operation dated to the day: day 15 to day 21)."""
    first, last = (int(day) for day in situations()["post_operative"].extra["window_days"])
    return operated_from + timedelta(days=first), operated_to + timedelta(days=last)


def operated_days_in_window(day: date, operated_from: date, operated_to: date) -> tuple[date, date] | None:
    """The days of the operation, within ``operated_from``..``operated_to``, for which ``day`` falls in its §1.4
    window (day 15 to day 21 after it); None when it falls in the window of none of them."""
    first, last = (int(days) for days in situations()["post_operative"].extra["window_days"])
    low, high = max(operated_from, day - timedelta(days=last)), min(operated_to, day - timedelta(days=first))
    return (low, high) if low <= high else None


def post_operative(inputs: PostOperativeInputs) -> Advice | None:
    """Adjuvant radiotherapy from day 15 to day 21 after the operation (§1.4): where the assessment date
    stands in that window. None once a radiotherapy since the operation is recorded. An operation with no
    date: the advice stands, its window cannot be dated."""
    if inputs.radiotherapy_since:
        return None
    situation = situations()["post_operative"]
    if inputs.operated_from is None or inputs.operated_to is None:
        return Advice(situation, missing=(said("the day of the operation is not recorded: the window cannot be "
                                               "dated"),))
    opens, closes = window_of(inputs.operated_from, inputs.operated_to)
    # An operation known to a month or a period: the window is open today only if every day it may have been
    # done says so; when some days do, it may be (the card names those days), never "now" for all of them.
    today = operated_days_in_window(inputs.as_of, inputs.operated_from, inputs.operated_to)
    phase: Literal["before", "open", "passed", "maybe"] = (
        "open" if today == (inputs.operated_from, inputs.operated_to) else "maybe" if today else
        "before" if inputs.as_of < opens else "passed")
    unsure = inputs.operated_from != inputs.operated_to  # a month, a period: the window's days are a range
    figures = {"opens": opens, "closes": closes, "operated_from": inputs.operated_from,
               "operated_to": inputs.operated_to, "days_since": (inputs.as_of - inputs.operated_to).days,
               "kind_unread": inputs.kind_unread, "radiotherapy_maybe": inputs.radiotherapy_maybe}
    if today and phase == "maybe":
        figures.update(open_if_from=today[0], open_if_to=today[1])
    unread = (said("what the operation was is not read (its code is in none of the procedure lists read here): "
                   "if it was surgery of this site, the post-operative radiotherapy applies; check it"),) \
        if inputs.kind_unread else ()
    return Advice(situation, possible=unsure or inputs.kind_unread, missing=unread + ((said(
        "the record gives the operation's day as {first} to {last}: the window shown runs from the earliest day "
        "it may open to the latest it may close", first=inputs.operated_from.isoformat(),
        last=inputs.operated_to.isoformat()),) if unsure else ()), figures=figures, phase=phase)


# -- §1.1 -------------------------------------------------------------------------------------


class PainInputs(msgspec.Struct, frozen=True):
    """A bone metastasis's pain (None: not recorded). A long bone's fracture risk is its Mirels score's.

    "Non compliquées" qualifies each metastasis: a long bone's complications are a fracture (it then has no Mirels
    score) and an impending one (its Mirels category). Another bone's (``long_bone`` False) are a fracture of its bone
    and side and, for the spine, a spinal cord compression at its level: ``complications`` says each recorded, or
    that may be (a level that cannot be compared). A spinal cord compression elsewhere is another metastasis's, on its
    own card: it does not withhold this one's advice (it did, without a word)."""

    painful: bool | None
    long_bone: bool = True
    complications: tuple[str, ...] = ()


def pain(inputs: PainInputs, fracture_risk: Score | None) -> Advice | None:
    """A painful uncomplicated bone metastasis: radiotherapy is the first treatment when analgesics fail (§1.1).
    A long bone's needs a low fracture risk (its Mirels category's), said only when each is known: the Mirels card
    names what is missing. Another bone's needs no complication recorded; a vertebra's SINS score (``fracture_risk``)
    that is not "stable" is said beside the advice: the guideline does not say whether instability is a complication,
    so no rule is made of it."""
    if not inputs.painful or inputs.complications:
        return None
    if inputs.long_bone:
        low_risk = fracture_risk is not None and fracture_risk.category is not None and fracture_risk.risk == "low"
        return Advice(situations()["pain"]) if low_risk else None
    if fracture_risk is not None and fracture_risk.calculator == "sins" and (
            fracture_risk.category is None or fracture_risk.category.value != "stable"):
        state = (fracture_risk.category_label if fracture_risk.category else
                 said("SINS {total}, category undetermined", total=fracture_risk.total_range))
        return Advice(situations()["pain"], missing=(said(
            "SINS is on this card ({state}): the guideline does not say whether spinal instability makes a bone "
            "metastasis complicated, so no rule is made of it", state=state),))
    return Advice(situations()["pain"])
