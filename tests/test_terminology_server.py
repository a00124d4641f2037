"""SNOMED CT by meaning (issue 30, item 2): the descendants a ValueSet ships, and an optional FHIR terminology
server (BONEMET_TERMINOLOGY_URL) for the others. ``responses`` stands in for the terminology server only."""

import json
from datetime import date, timedelta

import pytest
import responses

from service.cli import main
from service.config import Settings
from service.facts.terminology import load_terminology, use_terminology_server
from service.web import create_app
from support.fhir_builders import SCT, coded, condition, observation, patient, quantity

TX = "https://tx.example.org/fhir"
EXPAND = f"{TX}/ValueSet/$expand"
RIGHT_BREAST = "353511000119101"  # primary malignant neoplasm of female right breast: in no shipped expansion
DISPLAYS = {RIGHT_BREAST: "Primary malignant neoplasm of female right breast",
            "93874009": "Primary malignant neoplasm of lower inner quadrant of female breast"}
RECENT = (date.today() - timedelta(days=4)).isoformat()


@pytest.fixture(autouse=True)
def no_server_after():
    yield
    use_terminology_server(None)  # one server per process: the next test starts without it


def rades_record(primary_code):
    """A breast primary of 2018 (as mCODE's Jenny M), a compression, and the Rades items: 8 + 8 + 8 + 10 + 7 = 41
    when the primary is read as breast (deficit of 5 days recorded 4 days ago: 9 days, 8-14)."""
    primary = condition("primary", SCT, primary_code, onset="2018-03-16")
    primary["code"]["coding"][0]["display"] = DISPLAYS.get(primary_code, "Malignant neoplasm")  # as EHRs send it
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (
        patient(),
        primary,
        condition("mscc", SCT, "71286001", onset=RECENT),
        observation("motor", "motor-function", **coded("ambulatory-without-aid")),
        observation("visceral", "visceral-metastases", **coded("2667000", SCT)),
        observation("deficit", "days-developing-motor-deficits", **quantity(5, "d")))]}


def rades_totals(answer):
    found = []
    for entry in answer["entry"]:
        score = entry["resource"]
        if score["resourceType"] == "Observation" and score["code"]["coding"][0]["code"] == "rades-score":
            found.append((score["valueInteger"],) * 2 if "valueInteger" in score else
                         (score["valueRange"]["low"]["value"], score["valueRange"]["high"]["value"]))
    return found


def diagnostics(answer):
    return " ".join(issue["diagnostics"] for entry in answer["entry"]
                    if entry["resource"]["resourceType"] == "OperationOutcome" for issue in entry["resource"]["issue"])


def expansion_server(descendants, status=200):
    """A terminology server whose is-a expansion of each root holds the root and ``descendants[root]``; the
    roots it was asked about are listed."""
    asked = []

    def expand(request):
        parameters = json.loads(request.body)["parameter"]
        value_set = next(p["resource"] for p in parameters if p["name"] == "valueSet")
        (rule,) = value_set["compose"]["include"][0]["filter"]
        assert rule["op"] == "is-a" and rule["property"] == "concept"
        asked.append(rule["value"])
        codes = [rule["value"], *descendants.get(rule["value"], ())]
        body = {"resourceType": "ValueSet", "status": "active", "expansion": {
            "timestamp": "2026-12-06T00:00:00Z", "total": len(codes),
            "contains": [{"system": SCT, "code": code} for code in codes]}}
        return status, {"Content-Type": "application/fhir+json"}, json.dumps(body)

    responses.add_callback(responses.POST, EXPAND, callback=expand)
    return asked


def app_with(tmp_path, **settings):
    return create_app(Settings(feedback_db=str(tmp_path / "feedback.sqlite3"), **settings)).test_client()


def test_a_shipped_descendant_is_read_without_a_server(tmp_path):
    client = app_with(tmp_path)
    # 93874009: primary malignant neoplasm of lower inner quadrant of female breast (primary-breast's expansion)
    answer = client.post("/fhir/$assess", json=rades_record("93874009")).get_json()
    assert rades_totals(answer) == [(41, 41)]
    assert ("http://snomed.info/sct", "93874009") in load_terminology().value_set("primary-breast").exact


def test_a_code_no_expansion_holds_is_named_with_the_setting_that_would_read_it(tmp_path):
    client = app_with(tmp_path)
    answer = client.post("/fhir/$assess", json=rades_record(RIGHT_BREAST)).get_json()
    # No primary read: its row (5-9) and the interval (6-8) stay open, as the issue found.
    assert rades_totals(answer) == [(36, 42)]
    assert "Condition/primary" in diagnostics(answer) and "BONEMET_TERMINOLOGY_URL" in diagnostics(answer)


@responses.activate
def test_the_terminology_server_places_a_descendant_once_per_process(tmp_path):
    asked = expansion_server({"372137005": [RIGHT_BREAST]})
    client = app_with(tmp_path, terminology_url=TX, fhir_allowed_hosts="tx.example.org")
    answer = client.post("/fhir/$assess", json=rades_record(RIGHT_BREAST)).get_json()
    assert rades_totals(answer) == [(41, 41)]
    roots = {root for vs in load_terminology().value_sets.values() for root in vs.roots}
    assert sorted(asked) == sorted(roots) and "372137005" in roots and "254837009" not in roots
    again = client.post("/fhir/$assess", json=rades_record(RIGHT_BREAST)).get_json()
    assert rades_totals(again) == [(41, 41)] and len(asked) == len(roots)  # kept: not asked again
    other = client.post("/fhir/$assess", json=rades_record("1234567009")).get_json()  # no root's descendant
    assert rades_totals(other) == [(36, 42)] and len(asked) == len(roots)
    assert "nor is it, for the terminology server (BONEMET_TERMINOLOGY_URL)" in diagnostics(other)


@responses.activate
def test_a_failing_terminology_server_leaves_the_code_named_and_the_answer_whole(tmp_path):
    expansion_server({}, status=500)
    client = app_with(tmp_path, terminology_url=TX, fhir_allowed_hosts="tx.example.org")
    response = client.post("/fhir/$assess", json=rades_record(RIGHT_BREAST))
    assert response.status_code == 200
    assert rades_totals(response.get_json()) == [(36, 42)]
    assert "could not be asked" in diagnostics(response.get_json())
    # The shipped expansions still hold: a failing server takes nothing away.
    assert rades_totals(client.post("/fhir/$assess", json=rades_record("93874009")).get_json()) == [(41, 41)]


@responses.activate
def test_an_answer_over_the_byte_cap_is_not_read(tmp_path):
    expansion_server({"372137005": [str(n) for n in range(100000001, 100002001)] + [RIGHT_BREAST]})
    client = app_with(tmp_path, terminology_url=TX, fhir_allowed_hosts="tx.example.org", fhir_max_answer_bytes=20_000)
    answer = client.post("/fhir/$assess", json=rades_record(RIGHT_BREAST)).get_json()
    assert rades_totals(answer) == [(36, 42)] and "could not be asked" in diagnostics(answer)


def test_a_terminology_server_off_the_allow_list_stops_the_start(tmp_path, monkeypatch, capsys):
    with pytest.raises(ValueError, match=r"BONEMET_TERMINOLOGY_URL.*BONEMET_FHIR_ALLOWED_HOSTS"):
        app_with(tmp_path, terminology_url=TX)
    monkeypatch.setenv("BONEMET_TERMINOLOGY_URL", TX)
    record = tmp_path / "record.json"
    record.write_text(json.dumps(rades_record("93874009")), "utf-8")
    assert main(["assess", str(record)]) == 2
    assert "BONEMET_FHIR_ALLOWED_HOSTS" in capsys.readouterr().err


@responses.activate
def test_the_command_line_asks_the_terminology_server_too(tmp_path, monkeypatch, capsys):
    expansion_server({"372137005": [RIGHT_BREAST]})
    monkeypatch.setenv("BONEMET_TERMINOLOGY_URL", TX)
    monkeypatch.setenv("BONEMET_FHIR_ALLOWED_HOSTS", "tx.example.org")
    record = tmp_path / "record.json"
    record.write_text(json.dumps(rades_record(RIGHT_BREAST)), "utf-8")
    assert main(["assess", str(record)]) == 0
    assert rades_totals(json.loads(capsys.readouterr().out)) == [(41, 41)]


def test_each_shipped_expansion_holds_its_concepts_and_only_checked_codes():
    """The ValueSets that take a SNOMED CT concept with its descendants (is-a) ship an expansion holding it; every
    code of an expansion is one the README lists with its two sources."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "fhir_profiles"
    readme = (folder / "README.md").read_text("utf-8")
    for path in folder.glob("ValueSet-*.json"):
        raw = json.loads(path.read_text("utf-8"))
        roots = [rule["value"] for include in raw["compose"]["include"] if include["system"] == SCT
                 for rule in include.get("filter", ())]
        listed = {c["code"] for include in raw["compose"]["include"] for c in include.get("concept", ())}
        contains = {c["code"] for c in (raw.get("expansion") or {}).get("contains", ())}
        assert set(roots) <= contains, path.name
        for code in contains - listed:
            assert code in readme, (path.name, code)
