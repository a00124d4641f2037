"""Draft orders cross-checked with a score: the guideline's advice on what is ordered.

The checks and their words live in ``seeds/order_checks.json``; this module
holds only the order patterns they name. Pure code: an order arrives here as
an ``Order`` (what kind of act, and for radiotherapy what course), never as FHIR.

    >>> from service.calculators import MirelsInputs, score_mirels
    >>> score = score_mirels(MirelsInputs("lower_limb", 0.7, "lytic", "moderate"))
    >>> [f.check.id for f in check_orders(score, [Order("ServiceRequest/rt", frozenset({"radiotherapy"}))])]
    ['mirels-fixation-first']
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Literal

import msgspec

from ..data import read_json
from .scoring import Score
from .tables import Text, load_table, parse_text

Course = Literal["long", "hypofractionated"]


class Order(msgspec.Struct, frozen=True):
    """One draft order, as the checks see it.

    ``kinds`` is a set: a local order code may belong to more than one ValueSet.
    ``course`` is set only when the order's code says it (radiotherapy); ``single_fraction``: the order prescribes
    one fraction (8 Gy in 1), which no course has fewer of.
    ``link`` says how the order was tied to the scored Condition; ``targeted``: the order names it (a
    reason, a site), rather than naming none and being checked against each; ``start``: the day it is to
    start, as written ("" when it says none).
    """

    reference: str
    kinds: frozenset[str]
    course: Course | None = None
    description: str = ""
    link: str = ""
    targeted: bool = True
    start: str = ""
    single_fraction: bool = False
    # Its code's title in another language than English, where a ValueSet gives it and the order has no words of its
    # own (locale, words): a French card said "Teleradiotherapy procedure" (probe 29).
    titles: tuple[tuple[str, str], ...] = ()

    def title(self, locale: str) -> str:
        return dict(self.titles).get(locale, self.description)


class OrderCheck(msgspec.Struct, frozen=True):
    id: str
    calculator: str
    categories: tuple[str, ...]
    when: str
    indicator: Literal["info", "warning", "critical"]
    source: Text
    summary: Text
    advice: Text
    suggestion: CheckSuggestion | None = None
    # What the card adds when the orders of a kind it rests on are none surely this lesion's (kind -> words).
    if_not_for_it: dict[str, Text] = msgspec.field(default_factory=dict)


class CheckSuggestion(msgspec.Struct, frozen=True):
    """What a card proposes: ``create``, the project's code of a ServiceRequest to propose; ``delete``, withdraw
    the draft orders that triggered the check."""

    label: Text
    create: str | None = None
    delete: bool = False
    label_without_withdrawal: Text | None = None  # the label when no order is surely the one to withdraw


class Finding(msgspec.Struct, frozen=True):
    """A check that fires for one score and the orders that triggered it.

    ``certain`` is False when the score's category is undetermined and only one
    of its possible categories is the check's. ``unsure``: the kinds of order the
    check rests on of which no triggering order surely targets the Condition (an
    order naming no lesion, checked against each): the finding holds only if they are for it.
    """

    check: OrderCheck
    orders: tuple[Order, ...]
    certain: bool
    unsure: tuple[str, ...] = ()


def _radiotherapy(orders: list[Order]) -> list[Order]:
    return [o for o in orders if "radiotherapy" in o.kinds]


def _of_kind(kind: str) -> Callable[[list[Order]], list[Order]]:
    return lambda orders: [o for o in orders if kind in o.kinds]


def _opinions(orders: list[Order]) -> list[Order]:
    """The surgical opinions surely asked for this lesion (naming it): one naming none may be another lesion's, and
    must not silence "radiotherapy alone" (review 19)."""
    return [o for o in orders if "orthopaedic_opinion" in o.kinds and o.targeted]


def _radiotherapy_without_fixation(orders: list[Order]) -> list[Order]:
    return [] if _of_kind("prophylactic_fixation")(orders) or _opinions(orders) else _radiotherapy(orders)


def _radiotherapy_with_opinion(orders: list[Order]) -> list[Order]:
    """A radiotherapy ordered with the surgical opinion "fixation first" asks for, and no fixation yet."""
    opinions, radiotherapy = _opinions(orders), _radiotherapy(orders)
    fixed = _of_kind("prophylactic_fixation")(orders)
    return opinions + [o for o in radiotherapy if o not in opinions] if opinions and radiotherapy and not fixed else []


def _radiotherapy_with_fixation(orders: list[Order]) -> list[Order]:
    fixations = _of_kind("prophylactic_fixation")(orders)
    radiotherapy = _radiotherapy(orders)
    return fixations + [o for o in radiotherapy if o not in fixations] if fixations and radiotherapy else []


# The kinds of order each pattern rests on: all of them must be this Condition's for the finding to hold.
RESTS_ON: dict[str, tuple[str, ...]] = {"radiotherapy_with_fixation": ("prophylactic_fixation", "radiotherapy"),
                                         "radiotherapy_with_opinion": ("orthopaedic_opinion", "radiotherapy")}

# Order patterns the seeds name in "when": orders of one scored Condition -> those that trigger.
PATTERNS: dict[str, Callable[[list[Order]], list[Order]]] = {
    "any_order": lambda orders: [o for o in orders if o.kinds - {"orthopaedic_opinion"}],  # a treatment ordered
    "fixation": _of_kind("prophylactic_fixation"),
    "decompressive_surgery": _of_kind("decompressive_surgery"),
    "radiotherapy_without_fixation": _radiotherapy_without_fixation,
    "radiotherapy_with_fixation": _radiotherapy_with_fixation,
    "radiotherapy_with_opinion": _radiotherapy_with_opinion,
    "long_course_radiotherapy": lambda orders: [o for o in _radiotherapy(orders) if o.course == "long"],
    # A single fraction is the fewest there is: "prefer hypofractionation" asks nothing of it (probe 29: "its code does
    # not say the course" beside 8 Gy in 1, which nobody could act on).
    "course_not_stated": lambda orders: [o for o in _radiotherapy(orders)
                                         if o.course is None and not o.single_fraction],
}


@cache
def load_order_checks() -> tuple[OrderCheck, ...]:
    raw = read_json("seeds", "order_checks.json")
    checks = []
    for entry in raw["checks"]:
        if entry["when"] not in PATTERNS:
            raise ValueError(f"order check {entry['id']}: unknown pattern {entry['when']!r}")
        known = {category.value for category in load_table(entry["calculator"]).categories}
        if not set(entry["categories"]) <= known:
            raise ValueError(f"order check {entry['id']}: categories {entry['categories']} not all in {sorted(known)}")
        if entry["indicator"] not in ("info", "warning", "critical"):
            raise ValueError(f"order check {entry['id']}: bad indicator {entry['indicator']!r}")
        proposal = entry.get("suggestion")
        suggestion = CheckSuggestion(parse_text(proposal["label"]), proposal.get("create"),
                                     bool(proposal.get("delete")),
                                     parse_text(proposal["label_without_withdrawal"])
                                     if "label_without_withdrawal" in proposal else None) if proposal else None
        checks.append(OrderCheck(entry["id"], entry["calculator"], tuple(entry["categories"]), entry["when"],
                                 entry["indicator"], parse_text(entry["source"]), parse_text(entry["summary"]),
                                 parse_text(entry["advice"]), suggestion,
                                 {kind: parse_text(words) for kind, words in entry.get("if_not_for_it", {}).items()}))
    return tuple(checks)


def check_orders(score: Score, orders: list[Order]) -> list[Finding]:
    """The checks that fire for this score and the draft orders that target its Condition."""
    if not orders:
        return []
    findings = []
    for check in load_order_checks():
        if check.calculator != score.calculator:
            continue
        if score.category is not None:
            certain = True
            if score.category.value not in check.categories:
                continue
        elif set(check.categories) & set(score.possible_categories):
            certain = False
        else:
            continue
        triggering = PATTERNS[check.when](orders)
        if triggering:
            findings.append(Finding(check, tuple(triggering), certain, _unsure(check.when, triggering)))
    return findings


def _unsure(pattern: str, triggering: list[Order]) -> tuple[str, ...]:
    """The kinds the pattern rests on that no triggering order surely targets; for a pattern resting on one
    kind of order, one order surely this Condition's is enough ("all" when none is)."""
    kinds = RESTS_ON.get(pattern)
    if kinds is None:
        return () if any(order.targeted for order in triggering) else ("all",)
    return tuple(kind for kind in kinds if not any(order.targeted and kind in order.kinds for order in triggering))


__all__ = ["CheckSuggestion", "Finding", "Order", "OrderCheck", "check_orders", "load_order_checks"]
