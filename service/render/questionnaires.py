"""The calculators' tables as FHIR: one Questionnaire per calculator, the CodeSystem of their rows, and the
ConceptMap from a row to the code the input Observations carry.

A clinician who completes a missing item answers with a row of the guideline's table, so the
answers are coded in ``ROW_SYSTEM``, whose codes are the rows' values in ``seeds/`` (unique across
both tables). The files in ``fhir_profiles/`` are this module's output; a test keeps them equal.

SDC: each Questionnaire carries the total as a calculatedExpression (the sum of the answers' ordinalValue),
and the items an Observation of the package records are marked for observation-based extraction
(``sdc-questionnaire-observationExtract``, ``item.code`` the Observation's code, ``item.definition`` the
profile's value). An answer is a row of the table; the code the Observation takes is the ConceptMap's
(``ConceptMap-table-row-to-observation.json``), which ``extracted_observations`` reads: the answers a
clinician gives on the assessment page are stored as the Observations the next assessment reads.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from ..calculators import LOCALES, NAMES, load_table
from ..data import data_dir
from ..facts.terminology import own_coding
from ..facts.vocabulary import ITEM_CODES, PROFILE_BASE, QUESTIONNAIRES, ROW_SYSTEM
from ..i18n import N_, translate

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
REFERENCE_RESOURCE = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
CALCULATED = f"{SDC}/sdc-questionnaire-calculatedExpression"
OBSERVATION_EXTRACT = f"{SDC}/sdc-questionnaire-observationExtract"
VERSION = "0.1.0"
SNOMED = "http://snomed.info/sct"
CONCEPT_MAP_URL = ROW_SYSTEM.replace("/CodeSystem/table-row", "/ConceptMap/table-row-to-observation")
# Items that an input Observation of the package records: its profile and the ValueSet of its value.
EXTRACTED = {"lesion_size": ("bonemet-lesion-size", "lesion-size-row"),
             "lesion_type": ("bonemet-lesion-type", "lesion-type"),
             "pain": ("bonemet-mirels-pain", "mirels-pain"),
             "motor_function": ("bonemet-motor-function", "motor-function"),
             "visceral_metastases": ("bonemet-visceral-metastases-status", "presence")}
# The rows of visceral_metastases as the presence ValueSet codes them (SNOMED CT qualifier values Yes, No).
PRESENCE = {"yes": {"system": SNOMED, "code": "373066001", "display": "Yes"},
            "no": {"system": SNOMED, "code": "373067005", "display": "No"}}
# Profiles whose focus is required: the lesion the Observation is about. And the motor status answered for one
# compression: focused on it (without focus it would be every compression's, beyond what the clinician answered).
ABOUT_THE_CONDITION = ("bonemet-lesion-size", "bonemet-lesion-type", "bonemet-mirels-pain", "bonemet-motor-function")
TOTAL = "total"  # the calculated item's linkId: not an answer the service reads
TOTAL_TEXT = N_("Total (the sum of the points of the answers. While an item is missing, the service gives the range "
                "of possible totals)")


def questionnaire_url(calculator: str) -> str:
    return next(url for url, name in QUESTIONNAIRES.items() if name == calculator)


def translated_text(text: Callable[[str], str]) -> dict[str, Any]:
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
        **translated_text(table.scored or (lambda locale: "Condition")),
    }]
    for item in table.items:
        entry: dict[str, Any] = {"linkId": item.name}
        if item.name in EXTRACTED:
            entry["extension"] = [{"url": OBSERVATION_EXTRACT, "valueBoolean": True}]
            entry["definition"] = f"{PROFILE_BASE}/{EXTRACTED[item.name][0]}#Observation.value[x]"
        entry["code"] = [own_coding(ITEM_CODES[item.name])]
        entry.update(translated_text(item.label))
        entry.update({"type": "choice", "required": False, "answerOption": [
            {"valueCoding": {"extension": [{"url": ORDINAL, "valueDecimal": row.points}], **row_coding(row.value)}}
            for row in item.rows]})
        items.append(entry)
    items.append({
        "extension": [{"url": CALCULATED, "valueExpression": {
            "description": "The sum of the points (ordinalValue) of the rows answered",
            "language": "text/fhirpath",
            "expression": "%resource.item.where(linkId != 'condition' and linkId != 'total').answer.value"
                          ".ordinal().aggregate($this + $total, 0)"}}],
        "linkId": TOTAL, "type": "integer", "readOnly": True, "required": False,
        **translated_text(lambda locale: translate(TOTAL_TEXT, locale))})
    return {
        "resourceType": "Questionnaire",
        "id": f"bonemet-{calculator}",
        "language": "en",
        "url": questionnaire_url(calculator),
        "version": VERSION,
        "name": f"Bonemet{calculator.capitalize()}",
        "title": table.title("en"),
        "_title": translated_text(table.title)["_text"],
        "status": "draft",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": "bonemet-cds",
        "description": (f"The items of {table.source_table} ({table.source_document}), to complete what the record "
                        "does not say. Each answer is a row of the table; its points are the ordinalValue, and the "
                        "item 'total' their sum (SDC calculatedExpression). Items marked observationExtract are "
                        "recorded as the Observation their definition names, the answer's code mapped by "
                        f"{CONCEPT_MAP_URL}."),
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
                    "definition": f"{load_table(calculator).short_title('en')}, {item.label('en')}: "
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


def _target(row: str, value_set: str) -> dict[str, str]:
    """The code an input Observation takes for a table row: the package's own code of the same row (its
    ValueSet holds it), or for presence the SNOMED CT qualifier."""
    if value_set == "presence":
        return PRESENCE[row]
    return own_coding(row.replace("_", "-"))


def row_concept_map() -> dict[str, Any]:
    """The ConceptMap from a table row (an answer) to the code of the Observation that records the item."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for calculator in NAMES:
        for item in load_table(calculator).items:
            if item.name not in EXTRACTED:
                continue
            for row in item.rows:
                target = _target(row.value, EXTRACTED[item.name][1])
                groups.setdefault(target["system"], []).append({
                    "code": row.value, "display": row.label("en"),
                    "target": [{"code": target["code"], "display": target["display"], "equivalence": "equivalent"}]})
    return {
        "resourceType": "ConceptMap", "id": "table-row-to-observation", "language": "en", "url": CONCEPT_MAP_URL,
        "version": VERSION, "name": "BonemetTableRowToObservation",
        "title": "Rows of the tables as the input Observations code them", "status": "draft", "experimental": False,
        "publisher": "bonemet-cds",
        "description": "An answer to a bonemet Questionnaire is a row of the guideline's table (CodeSystem table-row); "
                       "the Observation that records the item (its profile is the item's definition) takes the code "
                       "this map gives. The service extracts the answers given on its assessment page with it.",
        "sourceUri": ROW_SYSTEM,
        "group": [{"source": ROW_SYSTEM, "target": system, "element": elements} for system, elements in groups.items()],
    }


def extracted_observations(response: dict[str, Any], calculator: str) -> list[dict[str, Any]]:
    """SDC observation-based extraction of a QuestionnaireResponse of ``questionnaire(calculator)``: one Observation
    per answered item marked observationExtract, code the item's, value the answer's row through the published
    ConceptMap, focus the answered Condition where the profile requires it. Ids derive from the response's."""
    mapped = {(group["source"], element["code"]): {"system": group["target"], "code": target["code"],
                                                   "display": target["display"]}
              for group in published_concept_map()["group"] for element in group["element"]
              for target in element["target"]}
    items = {item["linkId"]: item for item in questionnaire(calculator)["item"]}
    condition = next(a["valueReference"] for i in response["item"] if i["linkId"] == "condition" for a in i["answer"])
    observations = []
    for answered in response["item"]:
        item = items.get(answered["linkId"], {})
        if not any(e["url"] == OBSERVATION_EXTRACT and e["valueBoolean"] for e in item.get("extension", [])):
            continue
        coding = answered["answer"][0]["valueCoding"]
        profile = item["definition"].split("#")[0]
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ROW_SYSTEM}/extracted/{response['id']}/{item['linkId']}")),
            "meta": {"profile": [profile]}, "status": "final", "code": {"coding": item["code"]},
            "subject": response["subject"], "effectiveDateTime": response["authored"]}
        if profile.rsplit("/", 1)[1] in ABOUT_THE_CONDITION:
            observation["focus"] = [condition]
        if "author" in response:
            observation["performer"] = [response["author"]]
        observation["valueCodeableConcept"] = {"coding": [mapped[(coding["system"], coding["code"])]]}
        observation["derivedFrom"] = [{"reference": f"QuestionnaireResponse/{response['id']}"}]
        observations.append(observation)
    return observations


@cache
def published_concept_map() -> dict[str, Any]:
    """The ConceptMap as the package publishes it: what an integrator reads is what the service uses."""
    return json.loads((data_dir("fhir_profiles") / "ConceptMap-table-row-to-observation.json").read_text("utf-8"))


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
