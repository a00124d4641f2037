"""Names of inputs as a reader reads them, in their language."""

from __future__ import annotations

from ..calculators import ItemScore, Score
from ..calculators.values import OR, describe
from ..facts import Fact
from ..facts.evidence import options
from ..facts.terminology import own_coding
from ..facts.vocabulary import OSTEOLYSIS_COMPONENTS
from ..i18n import translate

_OSTEOLYSIS_CODES = {name: code for code, name in OSTEOLYSIS_COMPONENTS.items()}


def item_label(score: Score, name: str, locale: str) -> str:
    """An input's name: the table item's label, or for an input that is not an item of the table
    (cortical osteolysis, read for a caveat) the display of its code in the project's CodeSystem."""
    for item in score.items:
        if item.name == name:
            return item.label
    if name in _OSTEOLYSIS_CODES:
        return own_coding(_OSTEOLYSIS_CODES[name], locale)["display"]
    return name.replace("_", " ")


def item_value(item: ItemScore, fact: Fact, locale: str) -> str:
    """An item's value in words: the row's label when known; for an uncertain coded value the labels of
    the rows it may be (never the codes); else the value as the record gives it."""
    if item.row_label:
        return item.row_label
    if item.status == "uncertain" and all(isinstance(value, str) for value in options(fact.value)):
        word = translate(OR, locale)
        return f" {word} ".join(item.possible_labels)
    return describe(fact.value, locale, item.name)
