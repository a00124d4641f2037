"""The care-plan knowledge as FHIR: one ActivityDefinition per distinct activity of the seed tables and of the
guideline's situations, one PlanDefinition per calculator and one per situation.

What the service proposes in a CarePlan is published here for integrators, from the same seeds (``seeds/``):
each calculator's PlanDefinition has one action per category of its table, whose condition is the score's total
(FHIRPath over the score Observation the service writes) and whose activities are the category's; each
situation's PlanDefinition has the guideline's one activity. The CarePlans the service emits name their
PlanDefinition in ``instantiatesCanonical`` and each activity its ActivityDefinition. The files in
``fhir_profiles/`` are this module's output (``python -m service.render.knowledge`` writes them, then
``fhir_profiles/source/build.py`` adds the narrative and date); a test keeps them equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from ..calculators import NAMES, load_table
from ..calculators.situations import guideline_version, situations
from ..data import data_dir
from ..facts.terminology import BASE_URL, OWN_SYSTEM, own_coding
from ..facts.vocabulary import PROFILE_BASE
from ..i18n import N_, said, translate
from .questionnaires import VERSION, questionnaire_url, translated_text

PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
# The situation's code in the project's CodeSystem (the CarePlan's category, the PlanDefinition's topic).
TOPIC = {"oligometastatic": "oligometastatic", "post_operative": "post-operative", "pain": "painful-bone-metastasis"}
# The request each activity becomes when an integrator applies it: a discussion of the team (a tumour board, a
# finding that calls for nothing) is a Task; a treatment or an opinion to ask for is a ServiceRequest.
TASKS = frozenset({"tumour-board-review", "ablative-radiotherapy-board", "spine-stable-by-sins"})

PLAN_WORDS = N_("Each action is a category of the table: its condition is the score's total (every possible "
                "total, while items are missing), its activities those of the care plan the service proposes.")


def _name(identifier: str) -> str:
    """A computable name (R4 cnl-0) from an id: 'mirels-observation' -> 'BonemetMirelsObservation'."""
    return "Bonemet" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", identifier) if part)


def _text(value: Callable[[str], str], key: str) -> dict[str, Any]:
    """``key`` in English and ``_key`` with the other languages (the R4 translation extension)."""
    translated = translated_text(value)
    return {key: translated["text"], f"_{key}": translated["_text"]}


def plan_definition_url(name: str) -> str:
    """The canonical of a calculator's (``mirels``) or a situation's (``post_operative``) PlanDefinition."""
    return f"{BASE_URL}/PlanDefinition/{_plan_id(name)}"


def _plan_id(name: str) -> str:
    return f"bonemet-{name}" if name in NAMES else f"bonemet-guideline-{TOPIC[name]}"


@cache
def _activities() -> dict[str, dict[str, Any]]:
    """id -> the activity (its coding, its words, the table and the categories it appears in), in table order;
    an activity that two categories share (same code, same words) is one."""
    found: dict[str, dict[str, Any]] = {}
    by_content: dict[tuple[str, str, str], str] = {}
    for calculator in NAMES:
        table = load_table(calculator)
        for category in table.categories:
            for index, (words, code) in enumerate(zip(category.activities, category.activity_codes, strict=True)):
                content = (code["system"], code["code"], words("en"))
                if content in by_content:
                    found[by_content[content]]["categories"].append(category)
                    continue
                # The project's codes name one activity each; a SNOMED CT code (radiotherapy) several: those are
                # named by their table and category.
                if code["system"] == OWN_SYSTEM:
                    identifier = code["code"]
                else:
                    identifier = f"{calculator}-{category.value.replace('_', '-')}"
                    identifier += f"-{index + 1}" if len(category.activities) > 1 else ""
                if identifier in found:
                    raise ValueError(f"activity {identifier!r}: one code with two wordings in the seeds")
                by_content[content] = identifier
                found[identifier] = {"code": code, "words": words, "calculator": calculator,
                                     "categories": [category], "table": table}
    for situation in situations().values():
        if situation.activity_code in found:
            raise ValueError(f"activity {situation.activity_code!r}: in a table and in the guideline")
        found[situation.activity_code] = {"code": {"system": OWN_SYSTEM, "code": situation.activity_code},
                                          "words": situation.activity, "situation": situation}
    return found


@cache
def _activity_ids() -> dict[tuple[str, str, int], str]:
    """(calculator, category value, activity index) or (situation, '', 0) -> the ActivityDefinition's id."""
    ids: dict[tuple[str, str, int], str] = {}
    for identifier, activity in _activities().items():
        if "situation" in activity:
            ids[(activity["situation"].name, "", 0)] = identifier
            continue
        for category in activity["categories"]:
            for index, (words, code) in enumerate(zip(category.activities, category.activity_codes, strict=True)):
                if (code, words("en")) == (activity["code"], activity["words"]("en")):
                    ids[(activity["calculator"], category.value, index)] = identifier
    return ids


def activity_definition_url(name: str, category: str = "", index: int = 0) -> str:
    """The canonical of the ActivityDefinition of a category's ``index``-th activity, or of a situation's."""
    return f"{BASE_URL}/ActivityDefinition/{_activity_ids()[(name, category, index)]}"


def _coding(code: dict[str, str]) -> dict[str, str]:
    return own_coding(code["code"]) if code["system"] == OWN_SYSTEM else dict(code)


def _guideline() -> dict[str, Any]:
    return json.loads((data_dir("seeds") / "guideline.json").read_text("utf-8"))


def _citations(table) -> list[dict[str, Any]]:
    """The guideline and the primary article, as the seed cites them."""
    cited = table.citation
    artifacts = []
    if cited.get("guideline"):
        artifacts.append({"type": "citation", "label": "guideline", "display": table.source_document,
                          "citation": cited["guideline"]})
    if cited.get("primary_source"):
        artifacts.append({"type": "citation", "label": "primary source", "display": table.source_table,
                          "citation": cited["primary_source"],
                          **({"url": cited["primary_source_url"]} if cited.get("primary_source_url") else {})})
    return artifacts


def activity_definition(identifier: str) -> dict[str, Any]:
    activity = _activities()[identifier]
    code = _coding(activity["code"])
    if "situation" in activity:
        situation = activity["situation"]
        sources = [{"type": "citation", "label": f"§{situation.section}", "display": _guideline()["document"],
                    "citation": f"{_guideline()['document']}, {situation.source}"}]
        about = f"the guideline's situation §{situation.section} (seeds/guideline.json, version {guideline_version()})"
    else:
        table = activity["table"]
        sources = [{"type": "documentation", "display": category.source} for category in activity["categories"]]
        sources += _citations(table)
        about = (f"{table.short_title('en')}, " + " and ".join(c.label("en") for c in activity["categories"])
                 + f" (seeds/{activity['calculator']}.json, table version {table.version})")
    title = (_text(lambda locale: own_coding(code["code"], locale)["display"], "title")
             if code["system"] == OWN_SYSTEM else {"title": code.get("display", code["code"])})
    return {
        "resourceType": "ActivityDefinition", "id": identifier, "language": "en",
        "url": f"{BASE_URL}/ActivityDefinition/{identifier}", "version": VERSION, "name": _name(identifier),
        **title, "status": "draft", "experimental": False, "publisher": "bonemet-cds",
        **_text(activity["words"], "description"),
        "purpose": f"An activity of the care plan the service proposes for {about}.",
        "relatedArtifact": sources,
        "kind": "Task" if code["code"] in TASKS else "ServiceRequest",
        "code": {"coding": [code]},
        "intent": "proposal",
    }


def _when(table, category) -> dict[str, Any]:
    """The category's condition: every possible total of the score Observation (``%score``) in its range."""
    def words(locale: str) -> str:
        name = table.short_title(locale)
        return translate(said("Every possible {name} total is {low} to {high} (the score Observation's valueInteger, "
                              "or both ends of its valueRange)", name=name, low=category.min, high=category.max),
                         locale)
    ends = "%score.value.ofType(integer) | %score.value.ofType(Range).low.value | %score.value.ofType(Range).high.value"
    return {"kind": "applicability", "expression": {
        **_text(words, "description"),
        "language": "text/fhirpath",
        "expression": f"%score.value.exists() and ({ends}).all($this >= {category.min} and $this <= {category.max})"}}


def _does(ids: list[str]) -> dict[str, Any]:
    """One activity: the action names it; several: one sub-action each, all of them."""
    if len(ids) == 1:
        return {"definitionCanonical": f"{BASE_URL}/ActivityDefinition/{ids[0]}"}
    return {"selectionBehavior": "all", "action": [
        {**_text(_activities()[rid]["words"], "title"), "definitionCanonical": f"{BASE_URL}/ActivityDefinition/{rid}"}
        for rid in ids]}


def calculator_plan(calculator: str) -> dict[str, Any]:
    table = load_table(calculator)
    scope = json.loads((data_dir("seeds") / f"{calculator}.json").read_text("utf-8"))["scope"]
    ids = _activity_ids()
    categories = [{
        **_text(category.label, "title"), **_text(category.recommendation, "description"),
        "documentation": [{"type": "documentation", "display": category.source}],
        "condition": [_when(table, category)],
        **_does([ids[(calculator, category.value, i)] for i in range(len(category.activities))]),
    } for category in table.categories]
    return {
        "resourceType": "PlanDefinition", "id": _plan_id(calculator), "language": "en",
        "url": plan_definition_url(calculator), "version": VERSION, "name": _name(calculator),
        **_text(table.title, "title"),
        "type": {"coding": [{"system": PLAN_TYPE, "code": "eca-rule", "display": "ECA Rule"}]},
        "status": "draft", "experimental": False, "publisher": "bonemet-cds",
        **_text(lambda locale: f"{scope[locale]} {translate(PLAN_WORDS, locale)}", "description"),
        "topic": [{"coding": [own_coding(calculator)]}],
        "relatedArtifact": _citations(table) + [{"type": "depends-on", "display": "The items of the score",
                                                 "resource": questionnaire_url(calculator)}],
        "action": [{
            **_text(table.title, "title"),
            "code": [{"coding": [own_coding(calculator)]}],
            # %score in the conditions below: the score Observation the service writes for one lesion.
            "input": [{"type": "Observation", "profile": [f"{PROFILE_BASE}/bonemet-{calculator}-score"],
                       "codeFilter": [{"path": "code", "code": [own_coding(f"{calculator}-score")]}]}],
            "groupingBehavior": "logical-group",
            # No category while the total is undetermined: no care plan then.
            "selectionBehavior": "at-most-one",
            "action": categories,
        }],
    }


def situation_plan(name: str) -> dict[str, Any]:
    situation = situations()[name]
    document = _guideline()["document"]
    return {
        "resourceType": "PlanDefinition", "id": _plan_id(name), "language": "en",
        "url": plan_definition_url(name), "version": VERSION, "name": _name(f"guideline-{TOPIC[name]}"),
        **_text(situation.title, "title"),
        "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol", "display": "Clinical Protocol"}]},
        "status": "draft", "experimental": False, "publisher": "bonemet-cds",
        **_text(situation.statement, "description"),
        "topic": [{"coding": [own_coding(TOPIC[name])]}],
        "relatedArtifact": [{"type": "citation", "label": f"§{situation.section}", "display": document,
                             "citation": f"{document}, {situation.source}"}],
        "action": [{
            **_text(situation.action, "title"), **_text(situation.activity, "description"),
            "documentation": [{"type": "documentation", "display": situation.source}],
            "definitionCanonical": activity_definition_url(name),
        }],
    }


def knowledge() -> dict[str, dict[str, Any]]:
    """Every resource of the care-plan knowledge, by file name (without .json)."""
    resources = [activity_definition(identifier) for identifier in _activities()]
    resources += [calculator_plan(calculator) for calculator in NAMES]
    resources += [situation_plan(name) for name in situations()]
    return {f"{r['resourceType']}-{r['id']}": r for r in resources}


if __name__ == "__main__":
    # Writes the files; then fhir_profiles/source/build.py gives them the package's date and their narrative.
    folder = data_dir("fhir_profiles")
    for stale in [*folder.glob("PlanDefinition-*.json"), *folder.glob("ActivityDefinition-*.json")]:
        stale.unlink()
    for file_name, resource in knowledge().items():
        (folder / f"{file_name}.json").write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"fhir_profiles/{file_name}.json")
