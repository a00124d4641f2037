"""The narrative (``text``, status generated) of each conformance resource of the package, made from its content.

An IG tool shows a resource's narrative to the reader; FHIR asks every DomainResource to carry one (dom-6).
It is written here from the elements a reader needs, as XHTML that FHIR's narrative rules allow (no
script, no style, no active link), so that it never says other than the resource: it is rebuilt with it.
"""

from __future__ import annotations

from html import escape
from typing import Any

XHTML = "http://www.w3.org/1999/xhtml"


def _table(headings: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _concepts(concepts: list[dict[str, Any]], depth: int = 0) -> list[list[str]]:
    rows = []
    for concept in concepts:
        rows.append(["  " * depth + concept["code"], concept.get("display", ""), concept.get("definition", "")])
        rows += _concepts(concept.get("concept", []), depth + 1)
    return rows


def _value_set(resource: dict[str, Any], displays: dict[tuple[str, str], str]) -> str:
    parts = []
    for kind in ("include", "exclude"):
        for rule in resource.get("compose", {}).get(kind, []):
            system = rule.get("system", "")
            said = f"{kind.capitalize()}s from {system}" + (f" version {rule['version']}" if "version" in rule else "")
            if rule.get("filter"):
                said += ": " + "; ".join(f"{f['property']} {f['op']} {f['value']}" for f in rule["filter"])
            if rule.get("valueSet"):
                said += " codes of " + ", ".join(rule["valueSet"])
            parts.append(f"<p>{escape(said)}</p>")
            parts.append(_table(["Code", "Display"], [[c["code"], c.get("display", displays.get((system, c["code"]), ""))]
                                                      for c in rule.get("concept", [])]))
    if resource.get("expansion"):
        expansion = resource["expansion"].get("contains", [])
        parts.append(f"<p>Expansion ({len(expansion)} codes)</p>")
        parts.append(_table(["System", "Code", "Display"], [[c.get("system", ""), c.get("code", ""),
                                                              c.get("display", "")] for c in expansion]))
    return "".join(parts)


def _structure_definition(resource: dict[str, Any]) -> str:
    rows = []
    for element in resource.get("differential", {}).get("element", []):
        cardinality = f"{element['min']}..{element['max']}" if "min" in element and "max" in element else (
            f"{element.get('min', '')}..{element.get('max', '')}" if "min" in element or "max" in element else "")
        types = ", ".join(t["code"] + (f" ({', '.join(t.get('targetProfile', t.get('profile', [])))})"
                                       if t.get("targetProfile") or t.get("profile") else "")
                          for t in element.get("type", []))
        binding = element.get("binding", {})
        bound = f"{binding['valueSet']} ({binding.get('strength')})" if binding.get("valueSet") else ""
        fixed = next((f"{k}: {v}" for k, v in element.items() if k.startswith(("fixed", "pattern"))), "")
        rows.append([element.get("id", element["path"]), cardinality, types,
                     "; ".join(x for x in (element.get("short", ""), bound, fixed) if x)])
    kind = f"{resource.get('kind', '')} {resource.get('type', '')}, derived ({resource.get('derivation', '')}) from "
    return (f"<p>{escape(kind + resource.get('baseDefinition', ''))}</p>"
            + _table(["Element", "Cardinality", "Type", "Constraints"], rows))


def _operation_definition(resource: dict[str, Any]) -> str:
    return (f"<p>{escape('Invoked at the ' + ('system level' if resource.get('system') else 'type level'))}"
            f" as ${escape(resource.get('code', ''))}</p>"
            + _table(["Name", "Use", "Cardinality", "Type", "Documentation"], [
                [p["name"], p["use"], f"{p['min']}..{p['max']}", p.get("type", ""), p.get("documentation", "")]
                for p in resource.get("parameter", [])]))


def _capability_statement(resource: dict[str, Any]) -> str:
    parts = []
    for rest in resource.get("rest", []):
        parts.append(f"<p>{escape(rest.get('mode', ''))}: {escape(rest.get('documentation', ''))}</p>")
        if rest.get("security", {}).get("description"):
            parts.append(f"<p>Security: {escape(rest['security']['description'])}</p>")
        parts.append(_table(["Resource", "Interactions", "Profiles"], [
            [r["type"], ", ".join(i["code"] for i in r.get("interaction", [])), ", ".join(r.get("supportedProfile", []))]
            for r in rest.get("resource", [])]))
        parts.append(_table(["Operation", "Definition"], [[o["name"], o["definition"]]
                                                          for o in rest.get("operation", [])]))
    return "".join(parts)


def _questionnaire_items(items: list[dict[str, Any]], depth: int = 0) -> list[list[str]]:
    rows = []
    for item in items:
        answers = ", ".join(o["valueCoding"].get("display", o["valueCoding"].get("code", ""))
                            for o in item.get("answerOption", []) if "valueCoding" in o)
        rows.append(["  " * depth + item["linkId"], item.get("text", ""), item.get("type", ""), answers])
        rows += _questionnaire_items(item.get("item", []), depth + 1)
    return rows


def _concept_map(resource: dict[str, Any]) -> str:
    rows = [[f"{group.get('source', '')}#{element['code']}", target.get("equivalence", ""),
             f"{group.get('target', '')}#{target.get('code', '')}"]
            for group in resource.get("group", []) for element in group.get("element", [])
            for target in element.get("target", [])]
    return _table(["From", "Equivalence", "To"], rows)


def _implementation_guide(resource: dict[str, Any]) -> str:
    return _table(["Resource", "Name", "Example of"], [
        [r["reference"]["reference"], r.get("name", ""),
         r.get("exampleCanonical", "yes" if r.get("exampleBoolean") else "")]
        for r in resource.get("definition", {}).get("resource", [])])


def _plan_definition(resource: dict[str, Any]) -> str:
    def rows(actions: list[dict[str, Any]], depth: int = 0) -> list[list[str]]:
        out = []
        for action in actions:
            conditions = "; ".join(c.get("expression", {}).get("description", c.get("expression", {}).get(
                "expression", "")) for c in action.get("condition", []))
            out.append(["  " * depth + action.get("title", ""), action.get("description", ""), conditions,
                        action.get("definitionCanonical", "")])
            out += rows(action.get("action", []), depth + 1)
        return out
    return _table(["Action", "Description", "When", "Definition"], rows(resource.get("action", [])))


def _activity_definition(resource: dict[str, Any]) -> str:
    codes = ", ".join(f"{c.get('system', '')}#{c.get('code', '')} {c.get('display', '')}".strip()
                      for c in resource.get("code", {}).get("coding", []))
    return f"<p>{escape(resource.get('kind', ''))} {escape(codes)} (intent {escape(resource.get('intent', ''))})</p>"


BODIES = {"StructureDefinition": _structure_definition,
          "OperationDefinition": _operation_definition, "CapabilityStatement": _capability_statement,
          "CodeSystem": lambda r: _table(["Code", "Display", "Definition"], _concepts(r.get("concept", []))),
          "Questionnaire": lambda r: _table(["Item", "Text", "Type", "Answers"], _questionnaire_items(r.get("item", []))),
          "ConceptMap": _concept_map, "ImplementationGuide": _implementation_guide,
          "PlanDefinition": _plan_definition, "ActivityDefinition": _activity_definition}


def narrative(resource: dict[str, Any], displays: dict[tuple[str, str], str]) -> dict[str, str]:
    """The resource's narrative: what it is (title, canonical, version, status), what it says (description),
    and its content as a table; ``displays``: (system, code) -> display, for codes a ValueSet lists bare."""
    title = resource.get("title") or resource.get("name") or resource["id"]
    heading = (f"<p><b>{escape(title)}</b> ({escape(resource['resourceType'])}"
               f"{escape(' ' + resource['url']) if resource.get('url') else ''}"
               f"{escape(', version ' + resource['version']) if resource.get('version') else ''}"
               f"{escape(', ' + resource['status']) if resource.get('status') else ''})</p>")
    description = f"<p>{escape(resource['description'])}</p>" if resource.get("description") else ""
    body = (_value_set(resource, displays) if resource["resourceType"] == "ValueSet"
            else BODIES.get(resource["resourceType"], lambda r: "")(resource))
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{heading}{description}{body}</div>'}
