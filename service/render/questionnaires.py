"""The calculators' tables as FHIR: one Questionnaire per calculator, and the CodeSystem of their rows.

A clinician who completes a missing item answers with a row of the guideline's table, so the
answers are coded in ``ROW_SYSTEM``, whose codes are the rows' values in ``seeds/`` (unique across
both tables). The files in ``fhir_profiles/`` are this module's output; a test keeps them equal.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from ..calculators import LOCALES, NAMES, load_table
from ..facts.terminology import own_coding
from ..facts.vocabulary import ITEM_CODES, QUESTIONNAIRES, ROW_SYSTEM

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
REFERENCE_RESOURCE = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
VERSION = "0.1.0"


def questionnaire_url(calculator: str) -> str:
    return next(url for url, name in QUESTIONNAIRES.items() if name == calculator)


def _translated(text: Callable[[str], str]) -> dict[str, Any]:
    """``text`` in English, with the other languages as the R4 translation extension of ``_text``."""
    return {"text": text("en"), "_text": {"extension": [
        {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": locale},
                                           {"url": "content", "valueString": text(locale)}]}
        for locale in LOCALES if locale != "en"]}}


def row_coding(value: str, locale: str = "en") -> dict[str, str]:
    """The coding of one table row, display in ``locale``."""
    for calculator in NAMES:
        for item in load_table(calculator).items:
            row = item.row(value)
            if row is not None:
                return {"system": ROW_SYSTEM, "code": value, "display": row.label(locale)}
    raise KeyError(value)


def questionnaire(calculator: str) -> dict[str, Any]:
    """The Questionnaire of one calculator: the scored Condition, then one choice item per table item."""
    table = load_table(calculator)
    items: list[dict[str, Any]] = [{
        "extension": [{"url": REFERENCE_RESOURCE, "valueCode": "Condition"}],
        "linkId": "condition", "type": "reference", "required": True,
        **_translated(table.scored or (lambda locale: "Condition")),
    }]
    for item in table.items:
        entry: dict[str, Any] = {"linkId": item.name, "code": [own_coding(ITEM_CODES[item.name])]}
        entry.update(_translated(item.label))
        entry.update({"type": "choice", "required": False, "answerOption": [
            {"valueCoding": {"extension": [{"url": ORDINAL, "valueDecimal": row.points}], **row_coding(row.value)}}
            for row in item.rows]})
        items.append(entry)
    return {
        "resourceType": "Questionnaire",
        "id": f"bonemet-{calculator}",
        "language": "en",
        "url": questionnaire_url(calculator),
        "version": VERSION,
        "name": f"Bonemet{calculator.capitalize()}",
        "title": table.title("en"),
        "_title": _translated(table.title)["_text"],
        "status": "draft",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": "bonemet-cds",
        "description": (f"The items of {table.source_table} ({table.source_document}), to complete what the record "
                        "does not say. Each answer is a row of the table; its points are the ordinalValue."),
        "code": [own_coding(calculator)],
        "item": items,
    }


def row_code_system() -> dict[str, Any]:
    """Every row of both tables, with its French display."""
    concepts = []
    for calculator in NAMES:
        for item in load_table(calculator).items:
            for row in item.rows:
                concepts.append({
                    "code": row.value, "display": row.label("en"),
                    "definition": f"{load_table(calculator).title('en').split(':')[0]}, {item.label('en')}: "
                                  f"{row.label('en')} ({row.points} points)",
                    "designation": [{"language": locale, "use": {
                        "system": "http://terminology.hl7.org/CodeSystem/designation-usage", "code": "display"},
                        "value": row.label(locale)} for locale in LOCALES if locale != "en"]})
    return {
        "resourceType": "CodeSystem", "id": "table-row", "language": "en", "url": ROW_SYSTEM, "version": VERSION,
        "name": "BonemetTableRow", "title": "Rows of the Mirels and Rades tables", "status": "draft",
        "experimental": False, "publisher": "bonemet-cds",
        "description": "The answers of the bonemet Questionnaires: each code is a row of the guideline's "
                       "Tableau 3 (Mirels) or Tableau 4 (Rades), as in seeds/.",
        "caseSensitive": True, "content": "complete", "count": len(concepts), "concept": concepts,
    }


def questionnaire_response(calculator: str, condition: str, patient: str, answers: dict[str, str],
                           author: str | None, authored: str, locale: str) -> dict[str, Any]:
    """A completed QuestionnaireResponse: ``answers`` maps item names to row values. Its id is derived
    from its content (the same answers give the same response)."""
    content = json.dumps([calculator, condition, patient, sorted(answers.items()), author], sort_keys=True)
    digest = hashlib.sha256(content.encode()).hexdigest()
    response_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ROW_SYSTEM}/response/{digest}"))
    table = load_table(calculator)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": response_id, "language": locale,
        "questionnaire": f"{questionnaire_url(calculator)}|{VERSION}", "status": "completed",
        "subject": {"reference": patient}, "authored": authored,
    }
    if author:
        response["author"] = {"reference": author}
    response["item"] = [{"linkId": "condition", "answer": [{"valueReference": {"reference": condition}}]}] + [
        {"linkId": item.name, "text": item.label(locale),
         "answer": [{"valueCoding": row_coding(answers[item.name], locale)}]}
        for item in table.items if item.name in answers]
    return response
