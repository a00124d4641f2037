"""Every calculator and guideline rule the service runs, described once.

A door, the pipeline and the renderer loop over ``CALCULATORS`` and ``RULES``; none of them names a score.
A new calculator is a module with its inputs and scoring function, a table in ``seeds/`` and a line here
(its facts come from an extractor listed in ``facts.mapper.EXTRACTORS``). A rule is a function of its
inputs (and of the score it reads, if any) that answers ``Advice`` or None, with its words in
``seeds/guideline.json`` (its inputs come from ``facts.situations``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import msgspec

from .mirels import MirelsInputs, score_mirels
from .rades import RadesInputs, score_rades
from .scoring import Score
from .sins import SinsInputs, score_sins
from .situations import Advice, oligometastatic, pain, post_operative
from .tables import DEFAULT_LOCALE, Table, load_table


class Calculator(msgspec.Struct, frozen=True):
    """A published score: its name (its table's file name in ``seeds/``), its inputs, its scoring."""

    name: str
    inputs: type[msgspec.Struct]
    scoring: Callable[[Any, str], Score]

    @property
    def table(self) -> Table:
        return load_table(self.name)

    def score(self, inputs: Any, locale: str = DEFAULT_LOCALE) -> Score:
        return self.scoring(inputs, locale)


CALCULATORS: tuple[Calculator, ...] = (
    Calculator("mirels", MirelsInputs, score_mirels),
    Calculator("rades", RadesInputs, score_rades),
    Calculator("sins", SinsInputs, score_sins),
)
NAMES: tuple[str, ...] = tuple(calculator.name for calculator in CALCULATORS)
_BY_NAME = {calculator.name: calculator for calculator in CALCULATORS}


def calculator(name: str) -> Calculator:
    """The calculator called ``name``; KeyError for a name the service does not run."""
    return _BY_NAME[name]


@cache  # CALCULATORS is a fixed tuple and each table is loaded once
def tables() -> tuple[Table, ...]:
    return tuple(calculator.table for calculator in CALCULATORS)


class Rule(msgspec.Struct, frozen=True):
    """A situation of the guideline that is advice, not a score: its name in ``seeds/guideline.json`` and
    how it is decided (its inputs, and the score of ``SituationFacts.score_of`` when it reads one)."""

    name: str
    evaluate: Callable[[Any, Score | None], Advice | None]


RULES: tuple[Rule, ...] = (
    Rule("oligometastatic", lambda inputs, _: oligometastatic(inputs)),
    Rule("post_operative", lambda inputs, _: post_operative(inputs)),
    Rule("pain", pain),
)
_RULE_BY_NAME = {rule.name: rule for rule in RULES}


def rule(name: str) -> Rule:
    return _RULE_BY_NAME[name]
