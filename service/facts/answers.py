"""Answers a person gave in the project's Questionnaires (QuestionnaireResponse) -> facts.

An answer completes what the record does not say; it never overwrites what the record does say:

* the item is missing in the record: the answer gives it (flagged "answered", with who and when);
* the record leaves several rows possible and the answer is one of them: the answer settles it,
  and both the record and the answer are cited;
* the record says the same row: the record is kept, and the answer cited beside it;
* the record says another row: **a conflict**: both values stay possible (the range shows it),
  flagged and said, exactly as two disagreeing records are.

Only ``completed`` or ``amended`` responses count; a response dated after the assessment date is not
read; a response must name, in its ``condition`` item, the Condition it scores (a lesion for Mirels,
a compression for Rades). Anything else is named in the report with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec
from msgspec.structs import replace

from ..calculators import load_table, possible_rows
from ..i18n import N_, Said, joined, said
from .dates import DateSpan, parse_date
from .evidence import CONFLICT, one_of, show
from .model import Fact, ScoredCondition
from .record import PatientRecord
from .terminology import objects
from .vocabulary import QUESTIONNAIRES, ROW_SYSTEM

COUNTED = ("completed", "amended")
ANSWERED = N_("answered")  # a flag, and a word for the reader


class Answer(msgspec.Struct, frozen=True):
    """One questionnaire answer that gives an item's row: who answered, when, and the response it came from."""

    item: str
    row: str
    source: str  # "QuestionnaireResponse/<id>"
    who: str
    when: DateSpan | None

    @property
    def said(self) -> Said:
        row = show(self.row, self.item)
        if self.when:
            return said("answered '{row}' by {who} on {date}", row=row, who=self.who, date=self.when.text)
        return said("answered '{row}' by {who}", row=row, who=self.who)


def _who(response: dict[str, Any]) -> str | Said:
    author = response.get("author")
    if isinstance(author, dict):
        for key in ("display", "reference"):
            if isinstance(author.get(key), str) and author[key]:
                return author[key][:80]
    return said("an unnamed author")


def read_answers(record: PatientRecord, scored: dict[str, str]) -> dict[str, list[Answer]]:
    """Answers by the Condition they are about. ``scored``: Condition ref -> its calculator."""
    found: dict[str, list[Answer]] = defaultdict(list)
    for response in record.responses:
        ref = record.ref(response)
        url = response.get("questionnaire")
        calculator = QUESTIONNAIRES.get(url.split("|")[0]) if isinstance(url, str) else None
        if calculator is None:
            record.report.ignore(ref, said("answers a Questionnaire that is not one of the calculators'"),
                                 relevant=False)
            continue
        if response.get("status") not in COUNTED:
            record.report.ignore(ref, said("status is {status}: only completed or amended answers count",
                                           status=response.get("status")))
            continue
        when = parse_date(response.get("authored"))
        if record.after_as_of(when):
            record.report.ignore(ref, said("authored {date}, after the assessment date {as_of}", date=when.text,
                                           as_of=record.as_of.isoformat()))
            continue
        items = {item.get("linkId"): item for item in objects(response.get("item"))}
        target = _answered_condition(record, items.get("condition"))
        if target is None or scored.get(target) != calculator:
            record.report.ignore(ref, said("its 'condition' item names no {calculator} scored Condition of this "
                                           "patient", calculator=calculator.capitalize()), attention=True)
            continue
        table = load_table(calculator)
        rows = {item.name: {row.value for row in item.rows} for item in table.items}
        unread = []
        for link_id, item in items.items():
            if link_id in ("condition", "total"):  # total: the form's own sum (SDC calculatedExpression), not an answer
                continue
            answers = objects(item.get("answer"))
            coding = answers[0].get("valueCoding") if len(answers) == 1 else None
            if (link_id in rows and isinstance(coding, dict) and coding.get("system") == ROW_SYSTEM
                    and coding.get("code") in rows[link_id]):
                found[target].append(Answer(link_id, coding["code"], ref, _who(response), when))
            else:
                unread.append(str(link_id)[:40])
        if unread:
            record.report.use(ref, said("answers for {condition}; not read (not one row of the table): {items}",
                                        condition=target, items=", ".join(unread)))
        else:
            record.report.use(ref, said("answers for {condition}", condition=target))
    return found


def _answered_condition(record: PatientRecord, item: dict[str, Any] | None) -> str | None:
    answers = objects((item or {}).get("answer"))
    return record.resolve(answers[0].get("valueReference")) if len(answers) == 1 else None


def apply_answers(condition: ScoredCondition, calculator: str, answers: list[Answer]) -> None:
    """Merge the answers about one scored Condition into its facts (the rules in the docstring above)."""
    by_item: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_item[answer.item].append(answer)
    table = load_table(calculator)
    for item, given in by_item.items():
        latest_day = max((a.when.latest for a in given if a.when), default=None)
        latest = [a for a in given if (a.when.latest if a.when else None) == latest_day]
        rows = list(dict.fromkeys(a.row for a in latest))
        answered = rows[0] if len(rows) == 1 else one_of(rows)
        sources = tuple(dict.fromkeys(a.source for a in latest))
        sayings = [a.said for a in latest]
        fact = condition.facts[item]
        notes = (said("answers disagree: {sayings}", sayings=sayings),) if len(rows) > 1 else ()
        if fact.value is None:
            condition.facts[item] = Fact(item, answered, sources, rule=joined(sayings), flags=(ANSWERED,), notes=notes)
            continue
        recorded = set(possible_rows(table, item, fact.value))
        if recorded == set(rows):
            condition.facts[item] = replace(fact, sources=fact.sources + sources,
                                            notes=fact.notes + notes + (said("the record agrees: {sayings}",
                                                                             sayings=sayings),))
        elif set(rows) <= recorded:
            condition.facts[item] = replace(
                fact, value=answered, sources=fact.sources + sources, flags=fact.flags + (ANSWERED,),
                notes=fact.notes + notes + (said("the record left {value}; {sayings}", value=show(fact.value, item),
                                                 sayings=sayings),))
        else:
            condition.facts[item] = replace(
                fact, value=one_of([fact.value, answered]), sources=fact.sources + sources,
                flags=fact.flags + (CONFLICT,),
                notes=fact.notes + notes + (said("the record says {value} ({sources}) but {sayings}: both kept",
                                                 value=show(fact.value, item), sources=", ".join(fact.sources),
                                                 sayings=sayings),))
