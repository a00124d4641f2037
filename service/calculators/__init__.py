"""The Mirels and Rades calculators: pure code over the tables in ``seeds/``.

Nothing here imports FHIR, Flask or marshmallow; inputs are plain values,
outputs are ``Score`` objects that the render layer turns into cards and
FHIR resources.

    >>> from service.calculators import MirelsInputs, score_mirels
    >>> score = score_mirels(MirelsInputs("peritrochanteric", 0.7, "lytic", "functional"))
    >>> score.total, score.category.value
    (12, 'prophylactic_fixation')
"""

from .mirels import MirelsInputs, score_mirels
from .rades import RadesInputs, score_rades
from .registry import CALCULATORS, NAMES, RULES, Calculator, Rule, calculator, rule
from .scoring import (
    AtLeast,
    Between,
    Caveat,
    InvalidInput,
    ItemScore,
    OneOf,
    Score,
    over_alternatives,
    possible_rows,
)
from .tables import DEFAULT_LOCALE, LOCALES, Table, load_table

__all__ = [
    "CALCULATORS",
    "DEFAULT_LOCALE",
    "LOCALES",
    "NAMES",
    "RULES",
    "AtLeast",
    "Between",
    "Calculator",
    "Caveat",
    "InvalidInput",
    "ItemScore",
    "MirelsInputs",
    "OneOf",
    "RadesInputs",
    "Rule",
    "Score",
    "Table",
    "calculator",
    "load_table",
    "over_alternatives",
    "possible_rows",
    "rule",
    "score_mirels",
    "score_rades",
]
