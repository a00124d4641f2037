"""`bonemet assess` errors and `bonemet bulk` over NDJSON, run as real commands."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.fhir_schema_check import schema_errors
from support.redate import EXAMPLES_AS_OF

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate, patient_resources  # noqa: E402

pytestmark = pytest.mark.slow


def bonemet(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


# ------------------------------------------------------------------ assess


def test_assess_exit_0_and_a_bundle_on_stdout():
    result = bonemet("assess", "examples/bundles/02-mirels-8-tumour-board.json")
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["type"] == "collection"


def test_assess_of_one_page_of_a_search_says_the_other_pages_are_not_in_it(tmp_path):
    page = json.loads((ROOT / "examples/bundles/02-mirels-8-tumour-board.json").read_text())
    page["type"] = "searchset"
    page["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/Condition?page=2"}]
    (tmp_path / "page.json").write_text(json.dumps(page))
    result = bonemet("assess", str(tmp_path / "page.json"))
    assert result.returncode == 0, result.stderr
    issues = [issue["diagnostics"] for entry in json.loads(result.stdout)["entry"]
              if entry["resource"]["resourceType"] == "OperationOutcome" for issue in entry["resource"]["issue"]]
    assert any(f"{tmp_path / 'page.json'}: Bundle is one page of a search" in text for text in issues), issues


@pytest.mark.parametrize("content,message", [
    ("{not json", "not JSON"),
    ('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Condition", "bodySite": "femur"}}]}',
     "entry[0].resource.bodySite"),
    ('{"resourceType": "Patient", "id": "p"}', "must be a FHIR Bundle"),
    ('{"resourceType": "Condition"}\n{"resourceType": "Condition"}\n', "bonemet bulk reads those"),  # NDJSON
])
def test_assess_bad_input_exits_3_naming_file_and_place(tmp_path, content, message):
    path = tmp_path / "input.json"
    path.write_text(content)
    result = bonemet("assess", str(path))
    assert result.returncode == 3 and result.stdout == ""
    assert message in result.stderr and "input.json" in result.stderr


def test_assess_missing_file_and_stdin():
    result = bonemet("assess", "no-such-file.json")
    assert result.returncode == 3 and "no-such-file.json: cannot read" in result.stderr
    example = (ROOT / "examples/bundles/07-rades-group-iii.json").read_text()
    result = bonemet("assess", "-", "--format", "table", "--as-of", EXAMPLES_AS_OF, stdin=example)
    assert result.returncode == 0 and "Rades score" in result.stdout and " 44 " in result.stdout


# ------------------------------------------------------------------ bulk


def read_ndjson(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_bulk_assesses_every_patient_with_bad_lines_reported(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    counts = generate(source, 300, seed=3)
    with open(source / "Observation.ndjson", "a") as file:  # three bad lines at the end
        file.write("{broken\n")
        file.write('{"resourceType": "Observation", "id": "orphan", "status": "final"}\n')
        file.write('{"resourceType": "Condition", "id": "bad", "subject": {"reference": "Patient/syn-1"}, '
                   '"bodySite": "femur"}\n')
    # The export's own error (Bulk Data lists them in its manifest): said with what it reports.
    (source / "OperationOutcome.ndjson").write_text('{"resourceType": "OperationOutcome", "issue": [{"severity": '
                                                    '"error", "code": "exception", "diagnostics": "Procedure export '
                                                    'failed"}]}\n')
    bad_start = counts["Observation"] + 1
    result = bonemet("bulk", str(source), str(out), "--workers", "2")
    assert result.returncode == 3, result.stderr
    # syn-1's third line (a Condition, bodySite not a list) is one the calculators read: syn-1 is not assessed.
    assert "patients: 299" in result.stderr and "bad lines: 4" in result.stderr
    assert "OperationOutcome.ndjson:1: the export's server reported: Procedure export failed" in result.stderr
    assert f"Observation.ndjson:{bad_start}: not JSON" in result.stderr
    assert f"Observation.ndjson:{bad_start + 1}: Observation names no Patient" in result.stderr
    assert f"Observation.ndjson:{bad_start + 2}: Condition.bodySite" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["CarePlan.ndjson", "Observation.ndjson",
                                                      "OperationOutcome.ndjson", "RiskAssessment.ndjson"]
    risks = read_ndjson(out / "RiskAssessment.ndjson")
    scores = read_ndjson(out / "Observation.ndjson")
    # Every lesion and compression of the generated patients gets exactly one score.
    import random
    scored = {r["id"] for i in range(300) for r in patient_resources(i, random.Random(3 * 1_000_003 + i))["Condition"]
              if not r["id"].endswith("-primary") and r["subject"]["reference"] != "Patient/syn-1"}
    assert sorted(r["condition"]["reference"].removeprefix("Condition/") for r in risks) == sorted(scored)
    assert len(scores) == len(risks)
    for resource in risks[:20] + scores[:20] + read_ndjson(out / "CarePlan.ndjson")[:20]:
        assert schema_errors(resource) == []
    outcomes = read_ndjson(out / "OperationOutcome.ndjson")
    assert any("not JSON" in i["diagnostics"] for o in outcomes for i in o["issue"])
    assert any(i["diagnostics"].startswith(f"Patient/syn-1: not assessed: 1 of its lines could not be read "
                                           f"(Observation.ndjson:{bad_start + 2})")
               for o in outcomes for i in o["issue"])
    assert all(schema_errors(o) == [] for o in outcomes[:20])


def test_bulk_reports_a_line_found_bad_where_its_patient_is_assessed_and_strict_writes_nothing(tmp_path):
    """A line whose text names its patient is parsed once, where that patient is assessed: found not JSON
    then, it is reported there with its file and line, and the patient is not assessed (a Condition the
    calculators would read is missing: a score or advice on the rest may not hold), as a Bundle door refuses it."""
    source, out = tmp_path / "in", tmp_path / "out"
    counts = generate(source, 20, seed=4)
    with open(source / "Condition.ndjson", "a") as file:
        file.write('{"resourceType": "Condition", "id": "cut", "subject": {"reference": "Patient/syn-1"}, "code": }\n')
    result = bonemet("bulk", str(source), str(out), "--workers", "2")
    where = f"Condition.ndjson:{counts['Condition'] + 1}: not JSON"
    assert result.returncode == 3 and "patients: 19" in result.stderr and "bad lines: 1" in result.stderr
    assert where in result.stderr
    outcomes = [i["diagnostics"] for o in read_ndjson(out / "OperationOutcome.ndjson") for i in o["issue"]]
    assert sum(where in diagnostics for diagnostics in outcomes) == 1
    line = where.removesuffix(": not JSON")  # the patient it leaves out names it too
    assert any(d.startswith("Patient/syn-1: not assessed") and f"({line})" in d for d in outcomes)
    assert not any(r["subject"]["reference"] == "Patient/syn-1" for r in read_ndjson(out / "RiskAssessment.ndjson"))
    strict = bonemet("bulk", "--strict", str(source), str(tmp_path / "strict"), "--workers", "2")
    assert strict.returncode == 3 and "--strict: bad input, no output written" in strict.stderr
    assert not list((tmp_path / "strict").glob("*.ndjson"))


def test_bulk_gives_the_same_result_as_assess_for_a_patient(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 50, seed=5)
    assert bonemet("bulk", str(source), str(out), "--workers", "1").returncode == 0
    bulk_totals = {r["focus"][0]["reference"]: r.get("valueInteger", r.get("valueRange"))
                   for r in read_ndjson(out / "Observation.ndjson")}
    import random
    resources = [r for rs in patient_resources(7, random.Random(5 * 1_000_003 + 7)).values() for r in rs]
    answer = json.loads(bonemet("assess", "-", stdin=json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]})).stdout)
    compared = 0
    for entry in answer["entry"]:
        r = entry["resource"]
        if r["resourceType"] == "Observation":
            assert bulk_totals[r["focus"][0]["reference"]] == r.get("valueInteger", r.get("valueRange"))
            compared += 1
    assert compared >= 1


def test_bulk_reads_gzip_and_a_byte_order_mark_and_names_every_file_it_does_not_read(tmp_path):
    import gzip

    source, plain, out = tmp_path / "in", tmp_path / "plain", tmp_path / "out"
    generate(source, 40, seed=8)
    assert bonemet("bulk", str(source), str(plain), "--workers", "1", "--as-of", "2026-11-15").returncode == 0
    # The same export as a data lake and a Windows tool keep it: Observations gzipped, a BOM opening the Conditions.
    observations = source / "Observation.ndjson"
    (source / "Observation.ndjson.gz").write_bytes(gzip.compress(observations.read_bytes()))
    observations.unlink()
    conditions = source / "Condition.ndjson"
    conditions.write_bytes(b"\xef\xbb\xbf" + conditions.read_bytes())
    (source / "Broken.ndjson.gz").write_bytes(gzip.compress(b'{"resourceType": "Patient"}\n')[:20])  # truncated
    (source / "manifest.json").write_text("{}")
    (source / ".DS_Store").write_bytes(b"\0")
    result = bonemet("bulk", str(source), str(out), "--workers", "2", "--as-of", "2026-11-15")
    assert result.returncode == 3, result.stderr
    assert "bad lines: 0" in result.stderr and "files not read: 2" in result.stderr
    assert "Broken.ndjson.gz: not read (not a readable gzip file:" in result.stderr
    assert "manifest.json: not read (only .ndjson, .ndjson.gz files are read)" in result.stderr
    assert ".DS_Store" not in result.stderr
    for kind in ("RiskAssessment", "Observation", "CarePlan"):
        assert (out / f"{kind}.ndjson").read_text() == (plain / f"{kind}.ndjson").read_text().replace(
            *_created(plain / f"{kind}.ndjson", out / f"{kind}.ndjson")), kind
    warnings = read_ndjson(out / "OperationOutcome.ndjson")[:2]
    assert [issue["severity"] for outcome in warnings for issue in outcome["issue"]] == ["warning", "warning"]
    assert all(schema_errors(outcome) == [] for outcome in warnings)


def _created(first, second):
    """The two runs' "created" timestamps (a CarePlan's): the only text that differs between them."""
    import re

    stamps = [re.search(r'"created": ?"([^"]+)"', path.read_text()) for path in (first, second)]
    return (stamps[0][1], stamps[1][1]) if all(stamps) else ("", "")


def test_bulk_errors_exit_2(tmp_path):
    assert bonemet("bulk", str(tmp_path / "absent"), str(tmp_path / "out")).returncode == 2
    (tmp_path / "in").mkdir()
    result = bonemet("bulk", str(tmp_path / "in"), str(tmp_path / "out"))
    assert result.returncode == 2 and "no .ndjson or .ndjson.gz files" in result.stderr
    (tmp_path / "in" / "Patient.ndjson.gz").write_bytes(b"not gzip")
    result = bonemet("bulk", str(tmp_path / "in"), str(tmp_path / "out"))
    assert result.returncode == 2 and "no readable .ndjson or .ndjson.gz file (Patient.ndjson.gz: not a readable " \
        "gzip file" in result.stderr


@pytest.mark.parametrize("output", [".", "out", ".."])
def test_bulk_refuses_an_output_folder_that_is_in_or_holds_the_input_and_leaves_the_input_alone(tmp_path, output):
    source = tmp_path / "in"
    generate(source, 20, seed=2)
    before = {p.name: p.read_bytes() for p in source.iterdir()}
    result = bonemet("bulk", str(source), str(source / output))
    assert result.returncode == 2 and "must be outside the input folder" in result.stderr
    assert {p.name: p.read_bytes() for p in source.iterdir()} == before


def test_bulk_outputs_appear_whole_under_their_final_names_only(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 20, seed=2)
    assert bonemet("bulk", str(source), str(out), "--workers", "1").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.ndjson" for k in (
        "CarePlan", "Observation", "OperationOutcome", "RiskAssessment"))  # no temporary left behind


def test_assess_goes_on_past_a_bad_file_and_exits_3(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = bonemet("assess", str(bad), "examples/bundles/05-rades-group-i.json", str(tmp_path / "absent.json"))
    assert result.returncode == 3
    assert "bad.json: not JSON" in result.stderr and "absent.json: cannot read" in result.stderr
    (line,) = result.stdout.splitlines()  # the good file's answer, one line since several files were named
    assert json.loads(line)["type"] == "collection"


def test_several_files_are_assessed_each_on_their_own():
    # Both files hold Patient/example: merged, they would mix two patients' data.
    result = bonemet("assess", "--as-of", EXAMPLES_AS_OF, "examples/bundles/05-rades-group-i.json",
                     "examples/bundles/06-rades-group-ii.json")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    totals = [[e["resource"]["valueInteger"] for e in a["entry"] if e["resource"]["resourceType"] == "Observation"]
              for a in answers]
    assert result.returncode == 0 and totals == [[25], [31]]
    table = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF, "examples/bundles/05-rades-group-i.json",
                    "examples/bundles/06-rades-group-ii.json").stdout.splitlines()
    assert table[0].startswith("file") and "05-rades-group-i.json" in table[1] and " 31 " in table[2]


# ------------------------------------------------------------------ assessment date

CORPUS = ROOT / "tests" / "corpus"


def write_ndjson(folder, bundle):
    folder.mkdir()
    by_type = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(json.dumps(entry["resource"]))
    for kind, lines in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", "utf-8")


def test_bulk_as_of_bounds_the_deficit_and_dates_every_output(tmp_path):
    # Paraplegia since 2026-11-12: as of 2026-11-15 at least 3 days (range 26-31); as of 2026-12-15, > 14 days (31).
    write_ndjson(tmp_path / "in", json.loads((CORPUS / "r10-paraplegia-recent-onset.json").read_text("utf-8")))
    for as_of, expected in (("2026-11-15", {"low": {"value": 26}, "high": {"value": 31}}), ("2026-12-15", 31)):
        out = tmp_path / f"out-{as_of}"
        result = bonemet("bulk", str(tmp_path / "in"), str(out), "--workers", "1", "--as-of", as_of)
        assert result.returncode == 0, result.stderr
        (score,) = [json.loads(line) for line in (out / "Observation.ndjson").read_text("utf-8").splitlines()]
        assert score.get("valueRange", score.get("valueInteger")) == expected
        (risk,) = [json.loads(line) for line in (out / "RiskAssessment.ndjson").read_text("utf-8").splitlines()]
        assert risk["occurrenceDateTime"] == as_of


def test_assess_reads_as_of_from_a_parameters_file_and_the_flag_wins(tmp_path):
    bundle = json.loads((CORPUS / "r10-paraplegia-recent-onset.json").read_text("utf-8"))
    parameters = {"resourceType": "Parameters", "parameter": [
        {"name": "bundle", "resource": bundle}, {"name": "asOf", "valueDate": "2026-12-15"}]}
    path = tmp_path / "parameters.json"
    path.write_text(json.dumps(parameters), "utf-8")

    def total(*flags):
        result = bonemet("assess", *flags, str(path))
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        (score,) = [e["resource"] for e in answer["entry"] if e["resource"]["resourceType"] == "Observation"]
        return score.get("valueInteger", score.get("valueRange"))

    assert total() == 31
    assert total("--as-of", "2026-11-15") == {"low": {"value": 26}, "high": {"value": 31}}


def test_a_bad_as_of_date_is_a_clear_error():
    result = bonemet("assess", "--as-of", "15/11/2026", "examples/bundles/05-rades-group-i.json")
    assert result.returncode == 2 and "not a date YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr


def test_the_command_line_offers_the_languages_the_service_speaks():
    from service.i18n import LOCALES

    for command in ("assess", "bulk"):
        assert "{" + ",".join(LOCALES) + "}" in bonemet(command, "--help").stdout


def test_version():
    result = bonemet("--version")
    assert result.returncode == 0 and result.stdout.startswith("bonemet-cds ")


def test_bulk_with_more_buckets_than_open_files_allowed_completes_with_the_same_result(tmp_path):
    import resource

    source = tmp_path / "in"
    generate(source, 200, seed=11)
    size = sum(p.stat().st_size for p in source.iterdir())
    bucket_bytes = max(1, size // 1500)  # about 1,500 buckets, under a limit of 128 open files
    assert size // bucket_bytes > 1024

    def limited():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    many = subprocess.run([sys.executable, "-m", "service.cli", "bulk", str(source), str(tmp_path / "many"),
                           "--workers", "2", "--bucket-bytes", str(bucket_bytes)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, preexec_fn=limited)
    assert many.returncode == 0, many.stderr
    assert bonemet("bulk", str(source), str(tmp_path / "few"), "--workers", "1").returncode == 0

    def results(folder):
        return sorted((r["focus"][0]["reference"], json.dumps(r.get("valueInteger", r.get("valueRange"))))
                      for r in read_ndjson(folder / "Observation.ndjson"))

    assert results(tmp_path / "many") == results(tmp_path / "few") != []


def test_noise_a_real_export_holds_changes_no_score_and_is_counted_not_listed(tmp_path):
    """Labs, medications and encounters (examples/generate_bulk.py --noise): the same RiskAssessments as
    without them, and the OperationOutcomes count them instead of naming each."""
    clean, noisy = tmp_path / "clean", tmp_path / "noisy"
    generate(clean, 40, seed=7)
    counts = generate(noisy, 40, seed=7, noise=5)
    assert counts["MedicationRequest"] and counts["Encounter"] and counts["Observation"] > 5 * 40
    for source in (clean, noisy):
        result = bonemet("bulk", str(source), str(tmp_path / f"out-{source.name}"), "--as-of", "2026-11-15")
        assert result.returncode == 0, result.stderr
    scores = {name: sorted(json.dumps(r, sort_keys=True) for r in read_ndjson(tmp_path / f"out-{name}" /
                                                                              "RiskAssessment.ndjson"))
              for name in ("clean", "noisy")}
    assert scores["clean"] == scores["noisy"] and scores["clean"]
    outcomes = read_ndjson(tmp_path / "out-noisy" / "OperationOutcome.ndjson")
    texts = [issue["diagnostics"] for outcome in outcomes for issue in outcome["issue"]]
    assert not any("-noise-" in text for text in texts)
    assert any("other resource(s) not used (Encounter" in text for text in texts)


# ------------------------------------------------------------------ hostile input (issue 29)

DEEP = 5000  # far past the parser's recursion limit (near 1,000) and the 64 levels every door accepts


def _deep(resource_type="Condition", subject="Patient/syn-1"):
    return (f'{{"resourceType": "{resource_type}", "id": "deep", "subject": {{"reference": "{subject}"}}, '
            f'"note": {"[" * DEEP}{"]" * DEEP}}}')


def test_bulk_names_a_line_nested_too_deep_and_assesses_the_others(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 20, seed=3)
    lines = (source / "Condition.ndjson").read_text().splitlines(keepends=True)
    (source / "Condition.ndjson").write_text("".join(lines[:10]) + _deep() + "\n" + "".join(lines[10:]))
    result = bonemet("bulk", str(source), str(out), "--workers", "2")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and "patients: 19" in result.stderr and "bad lines: 1" in result.stderr
    assert "Condition.ndjson:11: nested more than 64 levels deep" in result.stderr
    outcomes = (out / "OperationOutcome.ndjson").read_text()
    assert "Condition.ndjson:11: nested more than 64 levels deep" in outcomes
    # Every lesion of the other 19 patients is scored; the deep line's patient, a Condition short, is not assessed.
    (left_out,) = re.findall(r"(Patient/[\w-]+): not assessed", outcomes)
    lesions = [line for line in lines if '-primary"' not in line and f'"{left_out}"' not in line]
    assert len(read_ndjson(out / "RiskAssessment.ndjson")) == len(lesions)


def test_assess_names_a_file_nested_too_deep_with_its_place_and_assesses_the_others(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"resourceType": "Bundle", "type": "collection",\n "entry": ' + "[" * DEEP + "]" * DEEP + "}")
    result = bonemet("assess", "examples/bundles/05-rades-group-i.json", str(deep),
                     "examples/bundles/02-mirels-8-tumour-board.json")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert f"{deep}: not read: the JSON is nested more than 64 levels deep (line 2 column 74)" in result.stderr
    assert len(result.stdout.splitlines()) == 2  # the two good files' answers
    result = bonemet("assess", "-", stdin=deep.read_text())
    assert result.returncode == 3 and result.stdout == "" and "Traceback" not in result.stderr
    assert "stdin: not read: the JSON is nested more than 64 levels deep (line 2 column 74)" in result.stderr


def test_assess_refuses_a_file_larger_than_the_body_limit(tmp_path):
    big = tmp_path / "big.json"
    good = ROOT / "examples/bundles/05-rades-group-i.json"
    limit = good.stat().st_size + 10
    big.write_text('{"resourceType": "Bundle", "type": "collection", "x": "' + "a" * limit + '"}')
    result = subprocess.run([sys.executable, "-m", "service.cli", "assess", str(big),
                             str(good)], capture_output=True, text=True, cwd=ROOT,
                            timeout=120, env={**os.environ, "BONEMET_MAX_BODY_BYTES": str(limit)})
    assert result.returncode == 3 and f"big.json: larger than {limit} bytes (BONEMET_MAX_BODY_BYTES)" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_bulk_names_a_line_longer_than_the_body_limit_without_holding_it_even_across_chunks(tmp_path):
    from service.bulk.local import bulk

    source = tmp_path / "in"
    generate(source, 20, seed=3)
    long_line = json.dumps({"resourceType": "Condition", "id": "long", "subject": {"reference": "Patient/syn-2"},
                            "note": [{"text": "x" * 5000}]})
    lines = (source / "Condition.ndjson").read_text().splitlines(keepends=True)
    (source / "Condition.ndjson").write_text("".join(lines[:3]) + long_line + "\n" + "".join(lines[3:]))
    whole = bulk(source, tmp_path / "whole", workers=1, max_line_bytes=4000)
    cut = bulk(source, tmp_path / "cut", workers=2, max_line_bytes=4000, chunk_bytes=1500)  # chunks cut inside it
    assert whole.bad_lines == cut.bad_lines == ["Condition.ndjson:4: longer than 4000 bytes (BONEMET_MAX_BODY_BYTES)"]
    assert whole.patients == cut.patients == 20
    for kind in ("RiskAssessment", "Observation"):
        assert len(read_ndjson(tmp_path / "whole" / f"{kind}.ndjson")) == len(read_ndjson(tmp_path / "cut" /
                                                                                          f"{kind}.ndjson")) > 0


def _children(pid):
    """The processes whose parent is ``pid``, read from /proc (psutil is not installed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid):
    """Whether ``pid`` is a live process (a zombie waiting for a parent to reap it is not)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, seconds=60.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.01)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_bulk_run_leaves_no_worker_and_the_next_run_removes_its_work_folder(tmp_path):
    import signal
    import time

    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 3000, seed=4, noise=2)
    run = subprocess.Popen([sys.executable, "-m", "service.cli", "bulk", str(source), str(out), "--workers", "2"],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: out.is_dir() and any(p.name.startswith("bonemet-bulk-work.") for p in out.iterdir())
                  and len(_children(run.pid)) >= 2)
        workers = _children(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        run.kill()
        run.wait()
    assert run.returncode == -signal.SIGKILL
    started = time.monotonic()
    _wait_for(lambda: not any(_running(pid) for pid in workers), seconds=5)
    assert time.monotonic() - started < 5
    (stale,) = [p for p in out.iterdir() if p.name.startswith("bonemet-bulk-work.")]
    assert stale.name.startswith(f"bonemet-bulk-work.{run.pid}.")
    again = bonemet("bulk", str(source), str(out), "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert f"bonemet bulk: removed {stale.name}, the work folder of an interrupted run (" in again.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.ndjson" for k in (
        "CarePlan", "Observation", "OperationOutcome", "RiskAssessment"))


def test_an_input_changed_during_the_run_is_named_and_the_run_exits_2(tmp_path):
    """The run is a subprocess on an export large enough to take a while; once it has listed its inputs
    (its work folder exists), a small input is appended to and another truncated."""
    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 3000, seed=4, noise=2)
    patients = (source / "Patient.ndjson").read_text().splitlines(keepends=True)
    run = subprocess.Popen([sys.executable, "-m", "service.cli", "bulk", str(source), str(out), "--workers", "1"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: out.is_dir() and any(p.name.startswith("bonemet-bulk-work.") for p in out.iterdir()))
        with open(source / "Patient.ndjson", "a") as appended:
            appended.write(patients[0])
        with open(source / "Condition.ndjson", "r+") as truncated:
            truncated.truncate(1000)
        _, stderr = run.communicate(timeout=300)
    finally:
        run.kill()
        run.wait()
    assert run.returncode == 2, stderr
    assert "files changed during the run: 2" in stderr
    assert "Condition.ndjson: changed during the run (" in stderr and ", now 1000): read again" in stderr
    assert "Patient.ndjson: changed during the run (" in stderr
    first = json.loads((out / "OperationOutcome.ndjson").read_text().splitlines()[0])
    assert first["issue"][0]["severity"] == "error" and "changed during the run" in first["issue"][0]["diagnostics"]


def test_file_names_with_control_characters_are_printed_escaped(tmp_path):
    source, out = tmp_path / "in", tmp_path / "out"
    generate(source, 5, seed=2)
    hostile = "Obs\x1b[31mervation\n.ndjson"
    (source / "Observation.ndjson").rename(source / hostile)
    with open(source / hostile, "a") as file:
        file.write("{broken\n")
    (source / "notes\x1b]0;owned\x07.txt").write_text("x")
    result = bonemet("bulk", str(source), str(out), "--workers", "1")
    assert result.returncode == 3, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert f"{hostile!r}:" in result.stderr and "'notes\\x1b]0;owned\\x07.txt': not read" in result.stderr
    assert "\\x1b" in (out / "OperationOutcome.ndjson").read_text()
    bad = tmp_path / "bad\x1b[2J\n.json"
    bad.write_text("{not json")
    result = bonemet("assess", str(bad), "examples/bundles/05-rades-group-i.json")
    assert result.returncode == 3 and "\x1b" not in result.stderr
    assert f"{str(bad)!r}: not JSON" in result.stderr


def test_the_outcome_expressions_of_the_command_line_are_fhirpath_and_the_file_is_said_in_words(tmp_path):
    """OperationOutcome.issue.expression is FHIRPath: the file an issue is about is in its diagnostics."""
    source = ROOT / "tests" / "corpus" / "o04-unlinked-observation.json"
    answer = bonemet("assess", "--as-of", "2026-11-15", "--format", "bundle", str(source))
    assert answer.returncode == 0, answer.stderr
    bundle_ = json.loads(answer.stdout)
    issues = [issue for entry in bundle_["entry"] if entry["resource"]["resourceType"] == "OperationOutcome"
              for issue in entry["resource"]["issue"] if "expression" in issue]
    assert issues
    for issue in issues:
        assert all(re.fullmatch(r"[A-Za-z][\w.\[\]]*", expression) for expression in issue["expression"]), issue
        assert "o04-unlinked-observation.json" in issue["diagnostics"]


@pytest.mark.parametrize("name", ["o04-unlinked-observation.json", "o05-mixed-everything.json",
                                  "p09-two-patients.json", "r03-french-cim10.json"])
def test_the_command_lines_answer_is_the_assess_answer_but_for_the_file_named_in_the_diagnostics(tmp_path, name):
    """One assessment whatever the door: the same file through `bonemet assess` and POST /fhir/$assess gives
    the same resources, OperationOutcome issue for issue (expression included); only the CLI's diagnostics
    open with the file's name."""
    from service.config import Settings
    from service.web import create_app

    source = ROOT / "tests" / "corpus" / name
    answer = bonemet("assess", "--as-of", "2026-11-15", str(source))
    assert answer.returncode == 0, answer.stderr
    from_cli = json.loads(answer.stdout)
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    from_http = client.post("/fhir/$assess?asOf=2026-11-15", data=source.read_bytes(),
                            content_type="application/fhir+json").get_json()

    def without_the_file(resource):
        if resource["resourceType"] != "OperationOutcome":
            return resource
        issues = [{**issue, "diagnostics": issue["diagnostics"].removeprefix(f"{source}: ")}
                  for issue in resource["issue"]]
        return {**resource, "issue": issues}

    def comparable(bundle_):  # the moment of the run (Provenance.recorded, CarePlan.created, Bundle.timestamp)
        return json.loads(re.sub(r'"(recorded|created|timestamp)": "[^"]*"', r'"\1": "-"', json.dumps(
            [without_the_file(entry["resource"]) for entry in bundle_["entry"]])))

    named = [issue for entry in from_cli["entry"] if entry["resource"]["resourceType"] == "OperationOutcome"
             for issue in entry["resource"]["issue"] if "expression" in issue]
    assert all(issue["diagnostics"].startswith(f"{source}: ") for issue in named)
    assert comparable(from_cli) == comparable(from_http)


# ------------------------------------------------------------------ pipelines (issue 31): folders, strict, order


def test_assess_a_folder_assesses_its_json_files_and_the_table_leads_with_file_lesion_and_total(tmp_path):
    for name in ("05-rades-group-i.json", "06-rades-group-ii.json"):
        (tmp_path / name).write_bytes((ROOT / "examples/bundles" / name).read_bytes())
    (tmp_path / "notes.txt").write_text("not a Bundle")  # not *.json: not read
    result = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF, str(tmp_path))
    assert result.returncode == 0, result.stderr
    heading, first, second = result.stdout.splitlines()
    assert heading.split()[:3] == ["file", "lesion", "total"] and heading.split()[-1] == "items"
    total = heading.index("total")  # the columns are aligned; the lesion's place has spaces in it
    assert first.split()[0] == str(tmp_path / "05-rades-group-i.json") and first[total:].split()[0] == "25"
    assert second.split()[0] == str(tmp_path / "06-rades-group-ii.json") and second[total:].split()[0] == "31"
    one = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF, "examples/bundles/05-rades-group-i.json")
    assert one.stdout.splitlines()[0].split()[:3] == ["file", "lesion", "total"]  # the file also for one file
    (tmp_path / "empty").mkdir()
    empty = bonemet("assess", str(tmp_path / "empty"))
    assert empty.returncode == 3 and "empty: a folder without any .json file" in empty.stderr


def test_strict_makes_bad_input_write_nothing_in_both_commands_with_the_same_exit_code(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    good = "examples/bundles/05-rades-group-i.json"
    lenient, strict = bonemet("assess", good, str(bad)), bonemet("assess", "--strict", good, str(bad))
    assert (lenient.returncode, strict.returncode) == (3, 3)
    assert len(lenient.stdout.splitlines()) == 1 and strict.stdout == ""
    assert "--strict: bad input, no output written" in strict.stderr
    source = tmp_path / "in"
    generate(source, 20, seed=2)
    before = bonemet("bulk", str(source), str(tmp_path / "out"), "--workers", "1")
    assert before.returncode == 0, before.stderr
    outputs = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    with open(source / "Condition.ndjson", "a") as conditions:
        conditions.write("{broken\n")
    strict = bonemet("bulk", "--strict", str(source), str(tmp_path / "out"), "--workers", "1")
    assert strict.returncode == 3 and "--strict: bad input, no output written" in strict.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == outputs  # the earlier run's, whole
    lenient = bonemet("bulk", str(source), str(tmp_path / "lenient"), "--workers", "1")
    assert lenient.returncode == 3 and "bad lines: 1" in lenient.stderr


def test_bulk_says_its_time_throughput_and_output_files_and_writes_the_same_lines_whatever_the_workers(tmp_path):
    source = tmp_path / "in"
    generate(source, 150, seed=12, noise=1)
    runs = {}
    for workers, bucket_bytes in (("1", "100000000"), ("2", "20000")):  # one bucket, then dozens
        out = tmp_path / f"out-{workers}"
        result = bonemet("bulk", str(source), str(out), "--workers", workers, "--bucket-bytes", bucket_bytes,
                         "--as-of", "2026-11-15")
        assert result.returncode == 0, result.stderr
        assert re.search(r"elapsed: [\d.]+ s \(\d+ patients/s, \d+ resources/s, [\d.]+ MB/s\)", result.stderr)
        for path in sorted(out.glob("*.ndjson")):
            lines = len(path.read_text("utf-8").splitlines())
            assert f"  {path} ({lines} lines)" in result.stderr
        runs[workers] = {p.name: re.sub(r'"created":"[^"]*"', "", p.read_text("utf-8")) for p in out.glob("*.ndjson")}
    assert runs["1"] == runs["2"] and len(runs["1"]) == 4


def test_progress_off_a_terminal_is_a_line_at_most_every_interval(capsys):
    import time

    from service.bulk.summary import Progress
    from service.i18n import said

    with Progress(400, said("reading"), said("chunks"), every=0.2, terminal=False) as progress:
        started = time.monotonic()
        for _ in range(400):
            time.sleep(0.0025)  # about 1 s in all
            progress.update()
        spent = time.monotonic() - started
    lines = capsys.readouterr().err.splitlines()
    assert 1 <= len(lines) <= spent / 0.2
    assert all(re.fullmatch(r"bonemet bulk: reading: \d+ of 400 chunks \(\d+%\), \d+ s", line) for line in lines)


def test_a_resource_type_bulk_never_wrote_before_gets_its_own_file(tmp_path):
    """Output files follow the resourceType that render gives each line: no list of types to keep."""
    from service.bulk.files import Outputs

    (tmp_path / "work").mkdir()
    (tmp_path / "out").mkdir()
    outputs = Outputs(str(tmp_path / "work"))
    outputs.write("Provenance", b'{"resourceType":"Provenance"}\n')
    written = outputs.finish([b'{"resourceType":"OperationOutcome"}\n'], tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["OperationOutcome.ndjson", "Provenance.ndjson"]
    assert [(Path(path).name, lines) for path, lines in written] == [("OperationOutcome.ndjson", 1),
                                                                       ("Provenance.ndjson", 1)]
    with pytest.raises(ValueError, match="not a resource type"):
        outputs.write("../escape", b"{}\n")


def test_the_commands_default_bucket_size_is_the_local_engines():
    """`bonemet bulk --help` says the default without importing the engine (cold start): the two agree."""
    from service.bulk.local import BUCKET_BYTES as ENGINE_DEFAULT
    from service.cli.bulk import BUCKET_BYTES

    assert BUCKET_BYTES == ENGINE_DEFAULT


def test_assess_called_in_another_programs_process_leaves_its_collector_as_it_was(capsys):
    """`bonemet assess` freezes what it built out of the garbage collector's reach only when it is the whole
    process: called from another program (as here), a freeze would keep that program's garbage for good."""
    import gc

    from service.cli import main

    frozen, collecting = gc.get_freeze_count(), gc.isenabled()
    assert main(["assess", str(ROOT / "examples/bundles/02-mirels-8-tumour-board.json")]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "collection"
    assert gc.get_freeze_count() == frozen and gc.isenabled() == collecting


def test_bulk_reads_the_procedures_a_fixed_lesion_and_the_post_operative_window_depend_on(tmp_path, capsys):
    """A completed fixation of the lesion, written in plain ASCII: bulk took every Procedure line for one no
    calculator reads and counted it unread, so the fixed femur got a Mirels "fixation first" there, and §1.4 was
    never said; a line with an escaped accent was parsed, which hid it. Now bulk answers as the Bundle doors do."""
    from service.cli import main
    from support.fhir_builders import cc, lesion, lesion_observations, patient

    nail = {"resourceType": "Procedure", "id": "nail", "status": "completed", "code": cc("http://snomed.info/sct",
                                                                                           "1653007"),
            "subject": {"reference": "Patient/p1"}, "performedDateTime": "2026-11-25",
            "reasonReference": [{"reference": "Condition/lesion-1"}]}
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    by_kind: dict[str, list] = {}
    for resource in [patient(), lesion(onset="2026-10-01"), *lesion_observations(), nail]:
        by_kind.setdefault(resource["resourceType"], []).append(resource)
    for kind, resources in by_kind.items():
        (source / f"{kind}.ndjson").write_text("\n".join(json.dumps(r) for r in resources) + "\n", "utf-8")
    assert main(["bulk", str(source), str(out), "--workers", "1", "--as-of", "2026-12-06"]) == 0
    capsys.readouterr()
    assert not (out / "RiskAssessment.ndjson").exists()  # no Mirels score for a fixed lesion
    plans = read_ndjson(out / "CarePlan.ndjson")
    assert any(c["code"] == "post-operative" for plan in plans for concept in plan.get("category", [])
               for c in concept.get("coding", [])), plans


def test_bulk_says_when_a_patients_id_comes_in_two_forms_and_assesses_only_the_exports_own(tmp_path, capsys):
    """The lesion names "Patient/p1", its measurements "https://ehr.example/fhir/Patient/p1": an export does not say
    its server, so whether they are one patient is not known. The export's own patient (relative) is assessed, and
    its outcome says its score may rest on part of the record; the absolute part is not assessed, and says why (it
    was assessed as a patient of its own, its measurements "linked to no lesion", in silence). Every clinical
    reference absolute (only the Patient line keyed by its id) is one form: assessed as before."""
    from service.cli import main
    from support.fhir_builders import lesion, lesion_observations, patient

    def run(mixed: bool) -> tuple[Path, int, list[str]]:
        source, out = tmp_path / f"in-{mixed}", tmp_path / f"out-{mixed}"
        source.mkdir()
        home = "https://ehr.example/fhir/Patient/p1"
        condition = lesion() if mixed else lesion() | {"subject": {"reference": home}}
        observations = [o | {"subject": {"reference": home}} for o in lesion_observations()]
        for kind, resources in (("Patient", [patient()]), ("Condition", [condition]), ("Observation", observations)):
            (source / f"{kind}.ndjson").write_text("\n".join(json.dumps(r) for r in resources) + "\n", "utf-8")
        code = main(["bulk", str(source), str(out), "--workers", "1", "--as-of", "2026-12-06"])
        capsys.readouterr()
        return out, code, [i["diagnostics"] for o in read_ndjson(out / "OperationOutcome.ndjson") for i in o["issue"]]

    out, code, said = run(mixed=True)
    assert code == 3
    assert any(d.startswith("https://ehr.example/fhir/Patient/p1: not assessed: this export's own patient has the same "
                            "id (Patient/p1)") for d in said), said
    assert any(d.startswith("Patient/p1: other lines name a patient of the same id as https://ehr.example/fhir/Patient"
                            "/p1: read as another server's patient") for d in said), said
    assert {r["subject"]["reference"] for r in read_ndjson(out / "RiskAssessment.ndjson")} == {"Patient/p1"}
    out, code, said = run(mixed=False)
    assert code == 0 and not any("same id" in d for d in said)
    assert [r["prediction"][0]["outcome"]["coding"][0]["code"] for r in read_ndjson(out / "RiskAssessment.ndjson")]


@pytest.mark.parametrize("onset", ["2026-13-45", "20261105", "2026-11-05T10:00:00", "2026-02-30"])
def test_bulk_refuses_a_line_whose_date_is_no_date_as_the_bundle_doors_do(tmp_path, capsys, onset):
    """A Bundle door refuses these (FHIR's dateTime: a time needs its zone; "20261105" is no date); bulk read the
    Condition as undated, or as the whole of 2026. Now the line is a bad line, and its patient is not assessed."""
    from service.cli import main
    from support.fhir_builders import lesion, lesion_observations, patient

    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for kind, resources in (("Patient", [patient()]), ("Condition", [lesion(onset=onset)]),
                            ("Observation", lesion_observations())):
        (source / f"{kind}.ndjson").write_text("\n".join(json.dumps(r) for r in resources) + "\n", "utf-8")
    assert main(["bulk", str(source), str(out), "--workers", "1", "--as-of", "2026-12-06"]) == 3
    summary = capsys.readouterr().err
    said = "is a time without its time zone" if "T" in onset else "is not a date"
    assert f"Condition.ndjson:1: Condition.onsetDateTime: '{onset}' {said}" in summary
    assert "Patient/p1: not assessed" in summary and not (out / "RiskAssessment.ndjson").exists()


def test_the_summary_counts_every_patient_not_assessed_and_shows_the_first():
    from service.bulk.summary import BAD_LINES_SHOWN, Summary

    total, part = Summary(), Summary()
    for n in range(BAD_LINES_SHOWN + 5):
        part.left_out(f"Patient/p{n}", "not assessed")
    total.add(part)
    text = total.text()
    assert f"patients not assessed: {BAD_LINES_SHOWN + 5}" in text and "... and 5 more" in text


def test_assess_reads_the_newer_of_two_versions_as_the_hook_does(tmp_path):
    """Two versions of one Condition in a history Bundle: the CLI refused the file where the hook read the newer."""
    bundle = json.loads((ROOT / "examples" / "bundles" / "01-mirels-7-observation.json").read_text())
    lesion = next(e for e in bundle["entry"] if e["resource"]["id"] == "humerus-metastasis")
    older = json.loads(json.dumps(lesion))
    older["resource"]["meta"] = {"versionId": "1"}
    older["resource"]["clinicalStatus"]["coding"][0]["code"] = "resolved"
    lesion["resource"]["meta"] = {"versionId": "2"}
    bundle["entry"].append(older)
    path = tmp_path / "history.json"
    path.write_text(json.dumps(bundle))
    result = bonemet("assess", str(path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    kinds = [entry["resource"]["resourceType"] for entry in answer["entry"]]
    assert "RiskAssessment" in kinds  # the newer version, active, is scored; the resolved older one is named
    assert "an older version of Condition/humerus-metastasis" in result.stdout


def test_the_table_names_the_lesions_side_and_site_and_tells_uncertain_from_missing(tmp_path):
    """The table named a lesion by its id only ("Condition/humerus-metastasis"), and called an item known as one
    of two rows (a site "lower limb or peritrochanteric") missing."""
    bundle = json.loads((ROOT / "examples" / "bundles" / "01-mirels-7-observation.json").read_text())
    lesion = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "humerus-metastasis")
    lesion["bodySite"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "71341001"}]}]  # femur: region?
    path = tmp_path / "femur.json"
    path.write_text(json.dumps(bundle))
    table = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF, str(path)).stdout
    line = next(line for line in table.splitlines() if "Condition/humerus-metastasis" in line)
    assert "Condition/humerus-metastasis (femur" in line, line
    assert "undetermined (uncertain: Site of the lesion)" in line, line


def test_the_table_never_prints_a_records_control_characters(tmp_path):
    """A cell quotes the record (a compression's own words): a newline and an escape in them forged a second row
    and cleared the terminal (review)."""
    bundle = json.loads((ROOT / "examples" / "bundles" / "05-rades-group-i.json").read_text())
    compression = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "cord-compression")
    compression["code"]["text"] = "compression T7\x1b[2J\nfile  X  44  Rades  group III"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(bundle))
    table = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF, str(path)).stdout
    assert len(table.splitlines()) == 2 and "\x1b" not in table, table


def test_table_and_csv_say_on_stderr_what_their_rows_leave_out(tmp_path):
    """A row says the score, not that the server withheld results: the table printed a clean "Mirels ≤ 7" row for a
    searchset whose OperationOutcome said Conditions were withheld (review)."""
    bundle = json.loads((ROOT / "examples" / "bundles" / "01-mirels-7-observation.json").read_text())
    bundle["entry"].append({"resource": {"resourceType": "OperationOutcome", "issue": [
        {"severity": "warning", "code": "suppressed", "diagnostics": "2 Conditions withheld"}]},
        "search": {"mode": "outcome"}})
    path = tmp_path / "withheld.json"
    path.write_text(json.dumps(bundle))
    for form in ("table", "csv"):
        result = bonemet("assess", "--format", form, "--as-of", EXAMPLES_AS_OF, str(path))
        assert result.returncode == 0 and "Patient/example: 1 record(s) not used that could change a score" in \
            result.stderr, result.stderr
    clean = bonemet("assess", "--format", "table", "--as-of", EXAMPLES_AS_OF,
                    "examples/bundles/01-mirels-7-observation.json")
    assert clean.stderr == ""
    french = bonemet("assess", "--format", "table", "--lang", "fr", "--as-of", EXAMPLES_AS_OF, str(path))
    assert "Patient/example: 1 enregistrement(s) non utilisé(s)" in french.stderr, french.stderr  # not English


def test_a_reader_that_stops_reading_gets_no_traceback():
    """``bonemet assess examples/bundles/ | head -c 100``: a BrokenPipeError traceback and exit 1, which the exit
    codes call a bug (a newcomer's first hour). Now 141, as ``cat`` gets, and nothing on stderr."""
    run = subprocess.Popen([sys.executable, "-m", "service.cli", "assess", "--as-of", EXAMPLES_AS_OF,
                            "examples/bundles/"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stdout is not None and run.stderr is not None
    assert run.stdout.read(100)
    run.stdout.close()  # as head does once it has its bytes
    error = run.stderr.read().decode()
    assert run.wait(timeout=60) == 141 and error == "", error
