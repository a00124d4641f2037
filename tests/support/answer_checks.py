"""Reading an answer Bundle back against the input it answers.

Outputs cite an input the way the input names itself: its entry's ``fullUrl`` when it has one
(absolute or ``urn:uuid``), else ``Type/id``. These helpers map such a reference back to the
input's ``Type/id``, and list the references of an answer that neither resolve inside it nor are
an input's own.
"""


def _walk_references(node):
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _walk_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_references(value)


def input_names(inputs):
    """Every way the input names its own resources -> that resource's "Type/id"."""
    names = {}
    for bundle in inputs if isinstance(inputs, list) else [inputs]:
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            full_url = entry.get("fullUrl")
            rid = resource.get("id") or (full_url or "").removeprefix("urn:uuid:")
            local = f"{resource['resourceType']}/{rid}"
            names[local] = local
            if full_url:
                names[full_url] = local
        for reference in _walk_references(bundle):
            names.setdefault(reference, reference)  # e.g. "Patient/x" with no Patient entry
    return names


def local_of(reference, inputs):
    """The input's "Type/id" that ``reference`` (as written in an answer) cites."""
    return input_names(inputs).get(reference, reference)


def foreign_references(answer, inputs):
    """References in ``answer`` that resolve neither to one of its entries nor to an input's own name."""
    inside = {entry["fullUrl"] for entry in answer.get("entry", [])}
    own = input_names(inputs)
    return sorted({ref for ref in _walk_references(answer) if ref not in inside and ref not in own})


def score_words(summary):
    """The score a card's summary gives ("Mirels score 9", "Rades score 36–40"), wherever the summary says it
    (after the place: "Left femur, Mirels score 9: ..."); else the whole summary."""
    import re

    found = re.search(r"(?:Mirels|Rades) score [0-9]+(?:–[0-9]+)?|Score de (?:Mirels|Rades) [0-9]+(?:–[0-9]+)?",
                      summary)
    return found[0] if found else summary


# The card topics and CarePlan profile of the guideline's advice (§1.1, §1.4, §1.5), beside the scores.
ADVICE_TOPICS = frozenset({"oligometastatic", "post-operative", "painful-bone-metastasis"})
ADVICE_PROFILE = "http://bonemet-cds.org/fhir/StructureDefinition/bonemet-guideline-careplan"


def is_advice_card(card):
    return card["source"].get("topic", {}).get("code") in ADVICE_TOPICS


def without_advice(cards):
    """The cards of the scores, the broken bones and the data not used: a test of scores reads these."""
    return [card for card in cards if not is_advice_card(card)]


def advice_cards(cards, topic=None):
    return [card for card in cards if is_advice_card(card) and topic in (None, card["source"]["topic"]["code"])]


def is_advice_resource(resource):
    return ADVICE_PROFILE in (resource.get("meta") or {}).get("profile", [])


def cards_validator(client):
    """A validator of a CDS Hooks answer ({"cards": [...]}) by the schema the service's OpenAPI document states
    (CDS Hooks 2.0: Card, Suggestion, Action with a string resourceId, Link, Coding), its $refs resolved there."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = client.get("/openapi.json").get_json()
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(document,
                                                                              default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Cards"}, registry=registry)
