"""Whole French: one catalogue holds every message of the code, each translated, and no French output
of any example, through any door, holds English of ours.

Two checks on every French output: no fragment of an English message of the catalogue is left, and,
once the words quoted from the record itself are set aside (its displays and texts, references,
codes, identifiers, the articles cited by their English titles), no English word is left either,
which catches a string written in the code without going through the catalogue."""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.calculators import NAMES, load_table
from service.facts.terminology import OWN_SYSTEM

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "service" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
EXAMPLES = ROOT / "examples"
KEYWORDS = {"said": None, "N_": None, "say": None}  # as in the catalogue's header
sys.path.insert(0, str(EXAMPLES))
from generate_bulk import generate  # noqa: E402

# Said the same in French: technical names, proper names, and words spelt alike.
SAME_IN_FRENCH = {"Item", "Points", "Total", "Patient", "Suggestions", "Source", "Possible",
                  "score", "items", "patient", "total", "table", "condition", "patients: {count}", "{item}",
                  "focus -> {target}", "derivedFrom {target} ({how})", "Condition", "information", "fracture"}
ENGLISH = re.compile(r"\b(the|is|not|of|and|with|from|which|has|are|by|without|only|when|would|could|this|that|"
                     r"there|been|was|were|its|their|than|missing|used|none|no|or|to|at least|gives|each|every)\b",
                     re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalogue():
    with open(CATALOGUE, "rb") as po:
        return {m.id: m for m in read_po(po, locale="fr") if m.id}


def messages_in_the_code() -> set[str]:
    return {found[2] for found in extract_from_dir(str(ROOT / "service"), keywords=KEYWORDS,
                                                              comment_tags=())}


def test_every_message_of_the_code_is_in_the_catalogue_translated_with_the_same_placeholders():
    in_code, in_catalogue = messages_in_the_code(), catalogue()
    assert len(in_code) > 250
    assert sorted(in_code - set(in_catalogue)) == [], "not in the catalogue: run pybabel extract and update"
    assert sorted(set(in_catalogue) - in_code) == [], "in the catalogue but no longer in the code"
    for english, message in in_catalogue.items():
        assert message.string and not message.fuzzy, f"untranslated: {english!r}"
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(message.string)), english
        if message.string == english:
            assert english in SAME_IN_FRENCH, f"left in English: {english!r}"


def test_every_marked_message_is_a_literal_template():
    """``said(f"...")`` or ``said(variable)`` could not be found by the extractor, hence never translated."""
    problems = []
    for path in (ROOT / "service").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        helpers = {id(call) for function in ast.walk(tree) if isinstance(function, ast.FunctionDef)
                   and function.name in KEYWORDS for call in ast.walk(function)}  # say() passes its own on
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS
                    and not (node.args and isinstance(node.args[0], ast.Constant)
                             and isinstance(node.args[0].value, str))
                    and path.name != "i18n.py" and id(node) not in helpers):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert problems == []


# -- every door, in French ------------------------------------------------------------------------

def _strings(value):
    """The texts a person reads in a JSON answer: no references, codes, ids or URLs; of the codings,
    only the displays of the project's own CodeSystem (the others are their code systems' words)."""
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            if value.get("system") == OWN_SYSTEM and isinstance(value.get("display"), str):
                yield value["display"]
            return
        for key, item in value.items():
            if key in ("reference", "url", "system", "code", "id", "fullUrl", "resourceType", "language", "uuid",
                       "status", "intent", "type", "indicator", "expression", "profile", "valueCode", "value",
                       "identifier", "selectionBehavior", "version", "effectiveDateTime", "occurrenceDateTime",
                       "created", "recorded", "timestamp", "lastUpdated", "hook"):
                continue
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield html.unescape(re.sub(r"<[^>]+>", " ", value)) if value.startswith("<div") else value


def _quoted(record) -> set[str]:
    """Every string of an input: the record's own words may be English, and are quoted as they are."""
    found = set()
    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) > 1:
            found.add(value)
    walk(record)
    return found


# The guideline's French title and the primary article's English one, quoted as they are.
CITATIONS = {load_table(name).citation[part] for name in NAMES
             for part in ("guideline", "primary_source") if load_table(name).citation.get(part)}


def _english_left(texts, quoted: set[str]) -> list[str]:
    french = catalogue()
    fragments = {fragment.strip() for english, message in french.items() if message.string != english
                 for fragment in PLACEHOLDER.split(english) if len(fragment.strip().split()) >= 3
                 and fragment.strip() not in message.string}
    found = []
    for text in texts:
        cleaned = text
        for quote in sorted(quoted | CITATIONS, key=len, reverse=True):
            cleaned = cleaned.replace(quote, " ")
        for fragment in fragments:
            if fragment in cleaned:
                found.append(f"catalogue English {fragment!r} in {cleaned[:300]!r}")
        cleaned = re.sub(r"https?://\S+|urn:\S+|\b[A-Za-z]+/[\w.\-:]+|\b\w+(?:[-_.]\w+)+\b|\S+\.ndjson(:\d+)?",
                         " ", cleaned)
        for match in ENGLISH.finditer(cleaned):
            found.append(f"English word {match.group(0)!r} in {cleaned[max(0, match.start() - 80):match.end() + 80]!r}")
    return found




BUNDLES = sorted((EXAMPLES / "bundles").glob("*.json"))
REQUESTS = sorted((EXAMPLES / "cds-hooks" / "patient-view").glob("*.json"))


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_assess_in_french_has_no_english(client, path):
    source = json.loads(path.read_text("utf-8"))
    answer = client.post("/fhir/$assess?language=fr", json=source)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    texts = list(_strings(answer.get_json()))
    assert texts and _english_left(texts, _quoted(source)) == []


CORPUS = sorted(p for p in (ROOT / "tests" / "corpus").glob("*.json") if not p.name.startswith("expected"))


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_records_coded_as_hospitals_code_them_say_everything_in_french(client, path):
    """The corpus brings out the mapper's rarer messages (unlinked observations, other patients' data,
    unreadable sites, conflicts): none is left in English."""
    source = json.loads(path.read_text("utf-8"))
    answer = client.post("/fhir/$assess?language=fr", json=source)
    if path.stem == "m04-site-null-coding":  # a null the FHIR models refuse: a 400 for integrators, in English
        assert answer.status_code == 400
        return
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert _english_left(list(_strings(answer.get_json())), _quoted(source)) == []


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_patient_view_and_its_assessment_page_in_french_have_no_english(client, path):
    request = json.loads(path.read_text("utf-8"))
    answer = client.post("/cds-services/bonemet-patient-view", json=request, headers={"Accept-Language": "fr"})
    answer.close()  # the linked assessment is kept once the answer is sent
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cards = answer.get_json()["cards"]
    quoted = _quoted(request)
    assert _english_left(list(_strings(cards)), quoted) == []
    for url in {link["url"] for card in cards for link in card.get("links", []) if link["type"] == "absolute"}:
        page = client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
        assert page.status_code == 200 and '<html lang="fr">' in page.get_data(as_text=True)
        assert _english_left(_page_texts(page.get_data(as_text=True)), quoted) == []


def _page_texts(page: str) -> list[str]:
    """What a person reads on a page; the answer Bundle it shows as JSON is read as JSON (``_strings``)."""
    shown = [json.loads(html.unescape(block)) for block in re.findall(r"(?s)<pre>(.*?)</pre>", page)]
    body = re.sub(r"(?s)<(script|style|svg|textarea|pre)\b.*?</\1>", " ", page)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    attributes = re.findall(r'(?:title|aria-label|alt|placeholder)="([^"]*)"', body)
    return ([html.unescape(text) for text in re.sub(r"<[^>]+>", "\n", body).split("\n") if text.strip()]
            + attributes + list(_strings(shown)))


def test_order_sign_in_french_has_no_english(client):
    request = json.loads((EXAMPLES / "cds-hooks" / "order-sign.json").read_text("utf-8"))
    answer = client.post("/cds-services/bonemet-order-sign", json=request, headers={"Accept-Language": "fr"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cards = answer.get_json()["cards"]
    assert cards and _english_left(list(_strings(cards)), _quoted(request)) == []


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: p.stem)
def test_the_testers_page_in_french_has_no_english(client, path):
    source = path.read_text("utf-8")
    page = client.post("/?lang=fr", data={"bundle": source, "lang": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert _english_left(_page_texts(page), _quoted(json.loads(source))) == []


def bonemet(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_the_command_line_in_french_has_no_english(tmp_path):
    quoted = set().union(*(_quoted(json.loads(path.read_text("utf-8"))) for path in BUNDLES))
    files = [str(path) for path in BUNDLES]
    table = bonemet("assess", "--lang", "fr", "--format", "table", *files)
    assert table.returncode == 0, table.stderr
    cells = [cell for line in table.stdout.splitlines() for cell in re.split(r"\s{2,}", line)]
    assert _english_left(cells, quoted) == []
    answers = bonemet("assess", "--lang", "fr", "--format", "bundle", *files)
    assert answers.returncode == 0, answers.stderr
    assert _english_left(list(_strings(json.loads(answers.stdout))), quoted) == []
    # Parameters with language fr, without --lang: the same French as $assess.
    parameters = tmp_path / "parameters.json"
    parameters.write_text(json.dumps({"resourceType": "Parameters", "parameter": [
        {"name": "language", "valueCode": "fr"},
        {"name": "bundle", "resource": json.loads(BUNDLES[8].read_text("utf-8"))}]}), "utf-8")
    said = bonemet("assess", "--format", "table", str(parameters))
    assert said.returncode == 0 and "Douleur" in said.stdout and _english_left(said.stdout.splitlines(), quoted) == []


@pytest.mark.slow
def test_bulk_in_french_has_no_english(tmp_path):
    source = tmp_path / "in"
    generate(source, 40, seed=5, noise=2)
    with open(source / "Observation.ndjson", "a", encoding="utf-8") as lines:
        lines.write("{not json\n" + json.dumps({"resourceType": "Observation", "id": "x"}) + "\n")
    result = bonemet("bulk", str(source), str(tmp_path / "out"), "--lang", "fr", "--workers", "1")
    assert result.returncode == 3, result.stderr  # bad lines (exits.BAD_INPUT)
    quoted = set()
    for path in source.glob("*.ndjson"):
        for line in path.read_text("utf-8").splitlines():
            try:
                quoted |= _quoted(json.loads(line))
            except ValueError:
                continue
    outputs = [json.loads(line) for path in (tmp_path / "out").glob("*.ndjson")
               for line in path.read_text("utf-8").splitlines()]
    assert _english_left(list(_strings(outputs)), quoted) == []
    assert "patients\u202f: 40" in result.stderr
    assert _english_left(result.stderr.splitlines(), quoted) == []


def test_every_door_negotiates_the_language_one_way():
    from werkzeug.datastructures import LanguageAccept

    from service.i18n import negotiate

    browser = LanguageAccept([("de", 1), ("fr-CA", 0.8)])
    assert negotiate(accept=browser) == "fr"  # the browser's best the service speaks
    assert negotiate("en", accept=browser) == "en"  # a flag or query parameter first
    assert negotiate(None, "fr-FR") == "fr"  # then a request's own or a kept language, a BCP-47 tag too
    assert negotiate("de", "xx-YY", accept=LanguageAccept([("de", 1)])) == "en"  # none spoken: the default
    assert negotiate() == "en"
