"""The order-sign cards about the orders themselves, said first as warnings: an order for a bone and side where no
bone metastasis is recorded, one being on the other side; an order whose reason is one side's lesion and whose site is
the other side; an order whose words name other vertebral levels than the compression it is checked against."""

from __future__ import annotations

from collections.abc import Callable

from .. import __version__
from ..calculators.order_checks import Order
from ..facts import ReportEntry
from ..facts.model import Where
from ..facts.orders import REASON_ELSEWHERE, DraftOrder
from ..facts.place import LEFT, RIGHT, Place
from .card_model import Card
from .cards import WORDS, fit_summary, override_reasons, plain, topic
from .fhir_resources import Assessment
from .order_words import ORDER_WORDS
from .uuids import random_uuid


def other_side_card(draft: DraftOrder, recorded: tuple[Where, ...], locale: str, name: Callable[[str], str]) -> Card:
    """An order for a bone and side where no bone metastasis is recorded, one being on the other side (a radiotherapy
    "fémur gauche" for a right femur's lesion): read as normal on its §2 card, with a line on the data-review card
    (probe 16). A lesion is a bone and a side: said first, as a warning."""
    words, colon = ORDER_WORDS[locale], WORDS[locale]["colon"]
    assert draft.place is not None
    ordered = _bone_and_side(draft.place, locale)
    there = ", ".join(dict.fromkeys(_bone_and_side(where.place, locale) for where in recorded if where.place))
    lines = [f"**{words['order']}**{colon} {plain(draft.order.title(locale)) or name(draft.order.reference)}", "",
             words["other_side_detail"].format(ordered=ordered), "", f"**{words['recorded_there']}**"]
    lines += [f"- {name(where.ref)}" + (f" — {_bone_and_side(where.place, locale)}" if where.place and not
                                         where.place.bone and where.place.record_words else "") for where in recorded]
    return order_warning(fit_summary(words["other_side"].format(ordered=ordered, recorded=there)), lines, locale)


def order_warning(summary: str, lines: list[str], locale: str) -> Card:
    """A warning about the orders themselves (their side, their number), said first: topic data-review."""
    return {"uuid": random_uuid(), "summary": summary, "detail": "\n".join(lines), "indicator": "warning",
            "source": {"label": f"bonemet-cds {__version__}", "topic": topic("data-review", locale)},
            "overrideReasons": override_reasons(locale)}


def sides_disagree(entry: ReportEntry) -> bool:
    """An order whose reason is a lesion of one side of a bone and whose site is the other side of that bone."""
    params = getattr(entry.reason, "params", {})
    if getattr(entry.reason, "template", None) != REASON_ELSEWHERE:
        return False
    lesion_place, site = params.get("place"), params.get("site")
    return isinstance(lesion_place, Place) and isinstance(site, Place) and bool(lesion_place.bone) \
        and lesion_place.bone == site.bone and {lesion_place.side, site.side} == {LEFT, RIGHT}


def side_conflict_card(entry: ReportEntry, locale: str, name: Callable[[str], str]) -> Card:
    """An order for the lesion of one side whose own site is the other side (probe 16: "RTE fémur" for the left
    femur's lesion, its bodySite the right femur): on the data-review card only, it was not said where a side is
    checked. Said first, as a warning: which side is meant decides the order."""
    words, colon = ORDER_WORDS[locale], WORDS[locale]["colon"]
    params = entry.reason.params  # type: ignore[attr-defined]
    ordered, recorded = _bone_and_side(params["site"], locale), _bone_and_side(params["place"], locale)
    lines = [f"**{words['order']}**{colon} {plain(entry.description) or name(entry.resource)}", "",
             words["side_conflict_detail"].format(ordered=ordered, recorded=recorded), "",
             f"**{words['recorded_there']}**", f"- {name(str(params['lesion']))}"]
    return order_warning(fit_summary(words["side_conflict"].format(ordered=ordered, recorded=recorded)), lines, locale)


def _bone_and_side(place: Place, locale: str) -> str:
    """"left femur": a place's bone and side, without its region."""
    if not place.bone:  # its words only ("fémur droit"): quoted as written
        return plain(place.words(locale))
    return plain(Place(place.bone, place.side).words(locale, False))


def level_card(linked: tuple[tuple[Order, Assessment], ...], locale: str, name: Callable[[str], str]) -> Card:
    """An order whose words name other vertebral levels than every compression it is checked against ("RTE L3-L5
    8 Gy" for a compression at D8: probe 29, said only on the order's line, and an info card on its scheme). Said
    first, as a warning: the level decides the order. The levels each record names, as read (review 36)."""
    words, colon = ORDER_WORDS[locale], WORDS[locale]["colon"]
    order = linked[0][0]
    ordered = order.link.params["ordered"]  # type: ignore[attr-defined]
    recorded = ", ".join(dict.fromkeys(each.link.params["recorded"] for each, _ in linked))  # type: ignore[attr-defined]
    lines = [f"**{words['order']}**{colon} {plain(order.title(locale)) or name(order.reference)}",
             "", words["other_level_detail"].format(ordered=ordered, recorded=recorded), "",
             f"**{words['compressions_recorded' if len(linked) > 1 else 'compression_recorded']}**"]
    lines += [f"- {name(assessment.facts.condition)} — {plain(assessment.facts.where(locale))}"
              for _, assessment in linked]
    return order_warning(fit_summary(words["other_level"].format(ordered=ordered, recorded=recorded)), lines, locale)
