"""The bulk prefilter: lines no calculator reads are told from their text and counted, never parsed,
and skipping them changes no output."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.bulk.local import bulk
from service.bulk.patient import assess_group, read_line
from service.facts.prefilter import UnreadLine, unread_line
from service.fhir.patients import bulk_patient_key
from support.fhir_builders import LOINC, SCT, cc, coded, lesion, lesion_observations, observation, patient, quantity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate, noise_resources, patient_resources  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
WHEN = datetime.now(UTC)  # the builders date observations days before today


def lab(oid="glucose", pid="p1", **extra):
    resource = {"resourceType": "Observation", "id": oid, "status": "final",
                "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
                "code": cc(LOINC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
                "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": "2026-11-01T07:30:00Z",
                "valueQuantity": {"value": 5.4, "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                                  "code": "mmol/L"},
                "interpretation": [cc("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N")]}
    resource.update(extra)
    return resource


def line(resource, **dumps):
    return json.dumps(resource, **dumps)


UNREAD = {
    "a laboratory result": line(lab()),
    "the same, pretty-printed on one line": line(lab(), separators=(", ", " : ")),
    "a medication order": line({"resourceType": "MedicationRequest", "id": "m", "status": "active",
                                "intent": "order", "medicationCodeableConcept": cc("http://www.nlm.nih.gov/research"
                                                                                   "/umls/rxnorm", "197361"),
                                "subject": {"reference": "Patient/p1", "display": "Jane"}}),
    "an encounter": line({"resourceType": "Encounter", "id": "e", "status": "finished",
                          "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"}}),
    "an allergy naming its patient by `patient`": line({"resourceType": "AllergyIntolerance", "id": "a",
                                                        "patient": {"reference": "Patient/p1"}}),
    "a lab whose focus is a lesion (its code is still in no ValueSet)": line(lab(focus=[{"reference":
                                                                                         "Condition/lesion-1"}])),
    "a note whose text is a key's name": line(lab(note=[{"text": "subject"}, {"text": "patient"}])),
    "an absolute patient reference": line(lab(subject={"reference": "https://ehr.example.org/fhir/Patient/p1"})),
}

PARSED = {
    "a pain score (LOINC 72514-3)": line(observation("pain", "72514-3", system=LOINC, valueInteger=7)),
    "a project code": line(lesion_observations()[0]),
    "a metastasis recorded as an Observation (SNOMED)": line(observation("f", "94222008", system=SCT)),
    "a metastasis as an Observation (ICD-10 C79.51, under C79.5)": line(
        observation("f", "C79.51", system="http://hl7.org/fhir/sid/icd-10-cm")),
    "a panel": line(lab(hasMember=[{"reference": "Observation/pain"}])),
    "a contained resource": line(lab(contained=[{"resourceType": "Patient", "id": "x"}])),
    "an escape in a string": line(lab(note=[{"text": "h\u00e9molys\u00e9"}])),  # ensure_ascii writes \\u00e9
    "a Condition": line(lesion()),
    "a Patient": line(patient()),
    "a subject that is a Group (a bad line, reported by the full parse)": line(lab(subject={"reference":
                                                                                           "Group/g"})),
    "a reference that is not first in its object": line(lab(subject={"display": "Jane",
                                                                     "reference": "Patient/p1"})),
    "a truncated line": line(lab())[:-40],
    "a lab naming two patients (subject and patient)": line(lab(patient={"reference": "Patient/p2"})),
}


@pytest.mark.parametrize("text", UNREAD.values(), ids=UNREAD.keys())
def test_lines_no_calculator_reads_are_counted_unparsed_with_their_patient(text):
    found = unread_line(text)
    assert isinstance(found, UnreadLine)
    assert found.patient == bulk_patient_key(json.loads(text)) and found.kind == json.loads(text)["resourceType"]


@pytest.mark.parametrize("text", PARSED.values(), ids=PARSED.keys())
def test_lines_that_may_matter_or_look_unusual_are_parsed_in_full(text):
    assert unread_line(text) is None


def _outputs(lines, prefilter):
    read = [(where, read_line(where, text, prefilter=prefilter)) for where, text in lines]
    groups: dict[str, list] = {}
    for where, (subject, item) in read:
        if subject is not None:
            groups.setdefault(subject, []).append((where, item))
    results = {}
    for subject, group in groups.items():
        written, bad, summary = assess_group(subject, group, WHEN, "en", (), None)
        results[subject] = (sorted(written), bad, summary.resources_read, summary.resources_ignored,
                            sorted(summary.scores.items()))
    return results


def _records():
    """The corpus (records coded as hospitals code them) and generated patients, each with labs,
    medications and encounters mixed in."""
    for path in sorted(CORPUS.glob("*.json")):
        if path.name.startswith("expected"):
            continue
        resources = [entry["resource"] for entry in json.loads(path.read_text("utf-8")).get("entry", [])
                     if isinstance(entry.get("resource"), dict)]
        yield path.stem, resources
    import random

    for index in range(30):
        rng = random.Random(index)
        relevant = [r for kind in patient_resources(index, rng).values() for r in kind]
        yield f"generated-{index}", relevant + [r for kind in noise_resources(f"syn-{index}", 20, rng).values()
                                                for r in kind]


def test_skipping_unread_lines_changes_no_output_of_any_record():
    checked = 0
    for name, resources in _records():
        noise = [lab(f"{name}-lab-{n}", pid=pid) for n, pid in enumerate(
            {str(bulk_patient_key(r)).split("/")[-1] for r in resources if bulk_patient_key(r)})]
        lines = [(f"{name}:{n}", json.dumps(r)) for n, r in enumerate(resources + noise, 1)]
        skipped = sum(1 for _, text in lines if unread_line(text))
        assert _outputs(lines, prefilter=True) == _outputs(lines, prefilter=False), name
        checked += skipped
    assert checked > 500  # the comparison did skip lines


def test_an_observation_derived_from_an_unread_one_is_still_linked_through_it():
    """A lesion size derivedFrom an imaging result (a code no ValueSet holds) whose focus is the
    lesion: the imaging line is read after all, and the size is linked through it."""
    imaging = lab("ct", code=cc(LOINC, "24627-2", "CT Chest"), focus=[{"reference": "Condition/lesion-1"}])
    size = observation("size", "lesion-size", **quantity(50, "%"), derivedFrom=[{"reference": "Observation/ct"}])
    others = [r for r in lesion_observations() if r["id"] != "o-size"]
    resources = [patient(), lesion(), imaging, size, *others,
                 observation("t", "lesion-type", focus="Condition/lesion-1", **coded("lytic"))]
    lines = [(f"x:{n}", json.dumps(r)) for n, r in enumerate(resources, 1)]
    assert unread_line(lines[2][1]) is not None  # the imaging line alone looks unread
    with_prefilter = _outputs(lines, prefilter=True)
    assert with_prefilter == _outputs(lines, prefilter=False)
    (written, _, _, _, _), = with_prefilter.values()
    score = next(json.loads(text) for kind, text in written if kind == "Observation")
    assert "valueInteger" in score, "the lesion size was not linked: the total is a range"
    sizes = [c for c in score["component"] if any(cd["code"] == "lesion-size" for cd in c["code"]["coding"])]
    assert sizes and sizes[0].get("valueInteger") is not None


def _bulk_outputs(folder: Path) -> dict[str, list[str]]:
    return {path.name: sorted(json.dumps({k: v for k, v in json.loads(text).items() if k != "id"}, sort_keys=True)
                              for text in path.read_text("utf-8").splitlines())
            for path in sorted(folder.glob("*.ndjson"))}


def _totals(folder: Path) -> dict[str, object]:
    return {score["subject"]["reference"] + " " + score["focus"][0]["reference"]:
            score.get("valueInteger", score.get("valueRange"))
            for score in map(json.loads, (folder / "Observation.ndjson").read_text("utf-8").splitlines())}


@pytest.mark.slow
def test_files_read_in_small_chunks_give_the_same_outputs_and_bad_line_numbers(tmp_path):
    """Large files are cut into chunks read by every worker: the outputs, and the line numbers of bad
    lines, are those of files read whole. A lesion size derivedFrom an unread imaging Observation
    (whose focus is the lesion) is linked through it: the imaging line is read back from the input."""
    pristine, source = tmp_path / "pristine", tmp_path / "in"
    generate(pristine, 60, seed=3, noise=3)
    generate(source, 60, seed=3, noise=3)
    observations = source / "Observation.ndjson"
    lines = observations.read_text("utf-8").splitlines()
    size_at = next(n for n, text in enumerate(lines) if '-lesion-size"' in text)
    size = json.loads(lines[size_at])
    pid = size["subject"]["reference"].split("/")[1]
    imaging = lab(f"{pid}-ct", pid=pid, code=cc(LOINC, "24627-2", "CT Chest"), focus=size.pop("focus"))
    size["derivedFrom"] = [{"reference": f"Observation/{pid}-ct"}]
    lines[size_at] = json.dumps(size)
    lines.append(json.dumps(imaging))
    lines[10] = "{not json"
    lines[len(lines) // 2] = '{"resourceType": "Observation", "id": "x"}'
    observations.write_text("\n".join(lines) + "\n", "utf-8")
    assert unread_line(lines[-1]) is not None
    when = datetime(2026, 11, 20, tzinfo=UTC)
    bulk(pristine, tmp_path / "pristine-out", 2, when=when)
    whole = bulk(source, tmp_path / "whole", 2, when=when)
    chunked = bulk(source, tmp_path / "chunked", 2, when=when, chunk_bytes=5_000)
    assert _bulk_outputs(tmp_path / "whole") == _bulk_outputs(tmp_path / "chunked")
    totals = _totals(tmp_path / "chunked")
    assert totals == _totals(tmp_path / "pristine-out"), "the size derived through the imaging line is not linked"
    assert isinstance(totals[f"Patient/{pid} Condition/{pid}-lesion"], int)
    expected_bad = ["Observation.ndjson:11: not JSON", f"Observation.ndjson:{len(lines) // 2 + 1}: Observation "]
    for summary in (whole, chunked):
        assert summary.bad_line_count == 2 and summary.patients == 60
        assert sorted(summary.bad_lines)[0].startswith(expected_bad[0]), summary.bad_lines
        assert sorted(summary.bad_lines)[1].startswith(expected_bad[1]), summary.bad_lines


@pytest.mark.slow  # over a quarter of a second: the full suite runs it, the fast loop does not
def test_carriage_returns_and_line_separators_in_lines_change_no_output(tmp_path):
    """JSON allows a raw carriage return between tokens, and U+2028 inside a string; an exporter on
    Windows ends its lines with CRLF. None of them ends an NDJSON line: the outputs are those of the
    plain export, with no bad line."""
    plain, source = tmp_path / "plain", tmp_path / "in"
    generate(plain, 30, seed=4, noise=2)
    generate(source, 30, seed=4, noise=2)
    for path in source.glob("*.ndjson"):
        lines = path.read_text("utf-8").splitlines()
        # A carriage return after each comma between members, a line separator in a note, CRLF endings.
        lines = [text.replace('","', '",\r"').replace('"status":"', '"status":\r"') for text in lines]
        lines = [text[:-1] + ',"note":[{"text":"a\u2028b"}]}' if '"Condition"' in text else text for text in lines]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert b'",\r"' in (source / "Condition.ndjson").read_bytes()
    when = datetime(2026, 11, 20, tzinfo=UTC)
    expected = bulk(plain, tmp_path / "plain-out", 2, when=when)
    found = bulk(source, tmp_path / "out", 2, when=when)
    assert found.bad_line_count == 0, found.bad_lines
    assert (found.patients, found.scores) == (expected.patients, expected.scores)
    assert _totals(tmp_path / "out") == _totals(tmp_path / "plain-out")


def _cond(**extra):
    return {**lesion(), **extra}


def _patient(**extra):
    return {**patient(), **extra}


# Lines to be read, and whether their patient is certain from their text (then bonemet bulk parses them once,
# where the patient is assessed) or must be found by parsing them when they are placed.
PLACED = {
    "a Condition": (line(lesion()), True),
    "a Patient": (line(patient()), True),
    "a pain score": (line(observation("pain", "72514-3", system=LOINC, valueInteger=7)), True),
    "a subject with a display": (line(_cond(subject={"reference": "Patient/p1", "display": "Jane"})), True),
    "an absolute patient reference": (line(_cond(subject={"reference": "https://ehr.example.org/fhir/Patient/p1"})),
                                      True),
    "a reference that is not first in its object": (line(_cond(subject={"display": "J", "reference": "Patient/p1"})),
                                                    False),
    "a subject naming its reference twice (JSON keeps the last)": (
        '{"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p1", "reference": "Patient/p2"}}',
        False),
    "a subject with an identifier beside its reference": (
        line(_cond(subject={"reference": "Patient/p1", "identifier": {"value": "x"}})), False),
    "an escape in a string": (line(_cond(note=[{"text": "h\u00e9molys\u00e9"}])), False),
    "a contained resource": (line(_cond(contained=[{"resourceType": "Patient", "id": "x"}])), False),
    "two patient keys": (line(_cond(patient={"reference": "Patient/p2"})), False),
    "a Patient with an id in an element too": (line(_patient(name=[{"id": "n1", "family": "Martin"}])), False),
    "a Patient naming no id": ('{"resourceType": "Patient", "gender": "female"}', False),
    "a truncated line": (line(lesion())[:-40], False),
    "a Group as subject (a bad line, said by the full parse)": (line(_cond(subject={"reference": "Group/g"})), False),
}
# Certain from their text, and bad when read: reported where their patient is assessed, with file and line.
PLACED_BAD = {
    "not JSON": '{"resourceType": "Condition", "subject": {"reference": "Patient/p1"}, "code": }',
    "nested too deep": '{"resourceType": "Condition", "subject": {"reference": "Patient/p1"}, "note": '
                       + "[" * 70 + "]" * 70 + "}",
    "its one subject nested": '{"resourceType": "Condition", "evidence": [{"subject": {"reference": "Patient/p1"}}]}',
    "its one resourceType nested": '{"contained": [{"resourceType": "Condition"}], '
                                   '"subject": {"reference": "Patient/p1"}}',
}


@pytest.mark.parametrize(("text", "certain"), PLACED.values(), ids=PLACED.keys())
def test_a_lines_patient_is_found_from_its_text_only_when_certain(text, certain):
    from service.facts.prefilter import patient_of_text

    found = patient_of_text(text)
    assert (found is not None) == certain
    if certain:
        assert found == bulk_patient_key(json.loads(text))


@pytest.mark.parametrize("text", PLACED_BAD.values(), ids=PLACED_BAD.keys())
def test_a_line_placed_by_its_text_that_proves_bad_is_a_bad_line_when_read(text):
    from service.bulk.patient import BadLine, place_line, read_placed

    patient, found = place_line(text)
    assert patient == "Patient/p1" and found == text
    assert isinstance(read_placed(text, patient), BadLine) and read_line("", text)[0] is None  # bad either way


def test_a_line_is_never_read_as_the_patient_it_was_placed_with_when_it_names_another():
    """Were the text ever read wrong, pass 2 refuses the line rather than assess another patient's data."""
    from service.bulk.patient import BadLine, read_placed

    text = line({"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p2"}})
    refused = read_placed(text, "Patient/p1")
    assert isinstance(refused, BadLine)
    assert "Patient/p1" in refused.why and "Patient/p2" in refused.why
    assert read_placed(text, "Patient/p2")["id"] == "c1"


def test_every_line_placed_by_its_text_has_the_patient_parsing_gives():
    """On the corpus and generated patients: whenever the text names the patient, parsing names the same."""
    from service.facts.prefilter import patient_of_text

    placed = 0
    for _, resources in _records():
        for resource in resources:
            for text in (line(resource), line(resource, separators=(", ", ": ")), line(resource, indent=None,
                                                                                       ensure_ascii=False)):
                found = patient_of_text(text)
                if found is not None:
                    placed += 1
                    assert found == bulk_patient_key(json.loads(text)), text
    assert placed > 1000
