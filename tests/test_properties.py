"""Properties that must hold for every record, checked with hypothesis over the corpus of
hospital-coded records (tests/corpus/):

* shuffling the entries changes nothing;
* adding irrelevant resources, or other patients' resources, never changes a score;
* every resource with a code the mapper reads is used, shown as context, or named as not used;
* taking away the only resource that gives an item widens the range of totals, never narrows it;
* moving the only record of an item past its age window (seeds/fact_windows.json) never narrows the range;
* swapping the sides of every resource swaps the sides in every card.
"""

import copy
import json
import re
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.facts.moments import windows
from service.facts.record import PatientRecord
from service.facts.terminology import load_terminology
from service.pipeline import assess_entries
from service.render.cards import cards_for_patient

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text("utf-8"))
EXPECTED["cases"].update(json.loads((CORPUS / "expected-25.json").read_text("utf-8"))["cases"])
AS_OF = date.fromisoformat(EXPECTED["as_of"])
WHEN = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
# The Bundle doors' cases (m04 is invalid FHIR there).
NAMES = sorted(name for name, case in EXPECTED["cases"].items() if "assess" in case["doors"])
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def entries_of(name):
    bundle = json.loads((CORPUS / f"{name}.json").read_text("utf-8"))
    return [(e.get("fullUrl"), e["resource"], f"Bundle.entry[{i}].resource") for i, e in enumerate(bundle["entry"])]


def scores(entries):
    result = assess_entries(entries, when=WHEN, as_of=AS_OF)
    return sorted((p.subject, a.score.calculator, a.facts.condition, a.score.total_min, a.score.total_max,
                   a.score.category.value if a.score.category else None)
                  for p in result.patients for a in p.assessments)


def of_patient(found, patient):
    return [score for score in found if score[0] == patient]


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES), randomness=st.randoms(use_true_random=False))
def test_shuffling_entries_changes_nothing(name, randomness):
    entries = entries_of(name)
    shuffled = entries[:]
    randomness.shuffle(shuffled)
    assert scores(shuffled) == scores(entries)


LOINC_LABS = ["718-7", "2160-0", "17861-6", "2951-2", "6690-2", "777-3", "1742-6", "8480-6"]
OTHER_CONDITIONS = [("http://snomed.info/sct", "38341003"), ("http://snomed.info/sct", "44054006"),
                    ("http://hl7.org/fhir/sid/icd-10", "I10"), ("http://hl7.org/fhir/sid/icd-10-cm", "E11.9")]


@st.composite
def noise(draw, patient):
    """Resources that look like a hospital's everyday data: labs, vitals, unrelated diagnoses."""
    found = []
    for index in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            found.append({"resourceType": "Observation", "id": f"noise-{index}", "status": "final",
                          "code": {"coding": [{"system": "http://loinc.org",
                                               "code": draw(st.sampled_from(LOINC_LABS))}]},
                          "subject": {"reference": patient},
                          "valueQuantity": {"value": draw(st.floats(0, 500, allow_nan=False)), "unit": "1"}})
        else:
            system, code = draw(st.sampled_from(OTHER_CONDITIONS))
            found.append({"resourceType": "Condition", "id": f"noise-{index}", "subject": {"reference": patient},
                          "code": {"coding": [{"system": system, "code": code}]}})
    return found


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_irrelevant_resources_never_change_a_score(name, data):
    entries = entries_of(name)
    patient = EXPECTED["cases"][name]["patient"]
    if patient.startswith("Patient/0b1c"):  # the urn:uuid case names its patient by fullUrl
        patient = "urn:uuid:" + patient.removeprefix("Patient/")
    extra = data.draw(noise(patient))
    position = data.draw(st.integers(0, len(entries)))
    mixed = entries[:position] + [(None, r, f"noise[{i}]") for i, r in enumerate(extra)] + entries[position:]
    assert scores(mixed) == scores(entries)


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_another_patients_resources_never_change_this_patients_scores(name, data):
    entries = entries_of(name)
    patient = EXPECTED["cases"][name]["patient"]
    copied = data.draw(st.lists(st.sampled_from(entries), max_size=8))
    others = []
    for index, (_, resource, _) in enumerate(copied):
        if resource["resourceType"] == "Patient" or "subject" not in resource or "id" not in resource:
            continue
        twin = copy.deepcopy(resource)
        twin["id"] = f"twin-{index}-{twin['id']}"
        twin["subject"] = data.draw(st.sampled_from([
            {"reference": "Patient/someone-else"},
            {"reference": f"https://elsewhere.example.org/fhir/{patient}"},
            {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1"}}]))
        others.append((None, twin, f"twin[{index}]"))
    assert of_patient(scores(entries + others), patient) == of_patient(scores(entries), patient)


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES))
def test_every_resource_with_an_accepted_code_is_used_or_named(name):
    result = assess_entries(entries_of(name), when=WHEN, as_of=AS_OF)
    record = PatientRecord([], load_terminology(), {}, AS_OF)
    for patient in result.patients:
        for entry in patient.facts.report:
            resource = next((r for _, r, _ in entries_of(name)
                             if f"{r.get('resourceType')}/{r.get('id')}" == entry.resource), None)
            if resource is None or resource["resourceType"] not in ("Condition", "Observation"):
                continue
            kind = (record.condition_kinds(resource) if resource["resourceType"] == "Condition"
                    else record.observation_kind(resource))
            if kind:
                assert entry.outcome in ("used", "context") or entry.relevant, entry


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data())
def test_taking_away_the_only_source_of_an_item_widens_the_range(name, data):
    entries = entries_of(name)
    result = assess_entries(entries, when=WHEN, as_of=AS_OF)
    # Only an unconflicted item's one source is the only resource that gives it: without it the item is missing.
    # (Taking away the newer of two conflicting CTs rightly falls back on the older one.)
    sole = [(a, fact) for p in result.patients for a in p.assessments for fact in a.facts.facts.values()
            if len(fact.sources) == 1 and fact.sources[0].startswith("Observation/") and "conflict" not in fact.flags]
    if not sole:
        return
    assessment, fact = data.draw(st.sampled_from(sole))
    kept = [e for e in entries if f"Observation/{e[1].get('id')}" != fact.sources[0]]
    after = assess_entries(kept, when=WHEN, as_of=AS_OF)
    (again,) = [a for p in after.patients for a in p.assessments if a.facts.condition == assessment.facts.condition]
    assert again.score.total_min <= assessment.score.total_min
    assert again.score.total_max >= assessment.score.total_max


def _tree_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_tree_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_tree_depth, value), default=0)
    return 0


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}é\n'),
                     lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(st.text(alphabet='k"\\[]{}', max_size=4), children, max_size=4),
                     max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(_JSON, st.booleans())
def test_the_nesting_read_from_the_bytes_is_the_nesting_of_the_json(value, ascii_only):
    """The request depth limit reads the brackets outside strings (quotes, escapes and brackets inside
    strings included): the same depth as the parsed tree."""
    from service.fhir.json_read import depth as _depth

    assert _depth(json.dumps(value, ensure_ascii=ascii_only).encode()) == _tree_depth(value)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**18, max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(alphabet='ab"\\é\u2014\U0001f600\n'),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(_JSON_VALUES, st.booleans())
def test_a_body_read_by_orjson_is_what_the_standard_library_reads(value, ascii_only):
    """Request bodies are read by msgspec, or orjson, only where it gives the standard library's answer (integers
    beyond 64 bits, which orjson turns into floats, are read exactly by msgspec or go to the standard library), and
    the answers written by orjson read back as the standard library's would."""
    from service.web.json_io import fast_loads

    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    fast = fast_loads(raw)
    assert fast is None or (fast == json.loads(raw) and json.dumps(fast) == json.dumps(json.loads(raw)))
    if any(len(run) >= 20 for run in re.findall(rb"\d+", raw)):  # a number orjson cannot hold exactly
        assert fast is None or all(type(a) is type(b) for a, b in zip(_leaves(fast), _leaves(json.loads(raw)),
                                                                       strict=True))


def _leaves(value):
    """Every number, string, boolean and null of a JSON value, in order (dictionary keys included)."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield key
            yield from _leaves(child)
    elif isinstance(value, list):
        for child in value:
            yield from _leaves(child)
    else:
        yield value


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet='{}[]":,0123456789.eE+- \t\ntruefalsn\\u\x00\ufeffé', max_size=40))
def test_orjson_accepts_no_text_the_standard_library_refuses_or_reads_otherwise(text):
    """Near-JSON text (brackets, numbers, escapes, a BOM, control characters): whatever orjson reads, the
    standard library reads too, as the same value; anything else goes to the standard library's reader."""
    from service.web.json_io import fast_loads

    raw = text.encode()
    fast = fast_loads(raw)
    if fast is not None:
        assert json.dumps(json.loads(raw)) == json.dumps(fast)


def test_a_band_meets_a_range_exactly_when_a_number_of_the_range_is_in_it():
    """``Band.meets`` (the rows a bounded value such as "> 14 days" or "< 20 %" may fall in) against the
    bands' own ``contains``, for every band of the tables and every band on a small grid (ends included
    or not, open or not), and every range on the same points: checked at the ends, just inside them,
    and far beyond."""
    from itertools import product

    from service.calculators import load_table
    from service.calculators.tables import Band

    real = [band for name in ("mirels", "rades") for item in load_table(name).items for band in item.bands]
    ends = sorted({end for band in real for end in (band.above, band.up_to) if end is not None} | {Fraction(0)})
    grid = [Band("b", 0, {"en": "b"}, above, above_in, up_to, up_to_in)
            for above, above_in, up_to, up_to_in in product([None, 0, 1, 2], [False, True], [None, 0, 1, 2],
                                                              [False, True])
            if above is None or up_to is None or above <= up_to]
    tiny = Fraction(1, 10**9)
    checked = 0
    for band, points in [(band, ends) for band in real] + [(band, [Fraction(n) for n in range(3)]) for band in grid]:
        for low, high, low_excluded, high_excluded in product(points, [*points, None], [False, True], [False, True]):
            if high is not None and (low > high or (low == high and (low_excluded or high_excluded))):
                continue  # an empty range: the calculators refuse it

            def in_range(x, low=low, high=high, low_excluded=low_excluded, high_excluded=high_excluded):
                return (x > low or (x == low and not low_excluded)) and (
                    high is None or x < high or (x == high and not high_excluded))

            near = {p + d for p in [*points, band.above, band.up_to] if p is not None for d in (-tiny, 0, tiny)}
            expected = any(band.contains(x) for x in near | {Fraction(10**6)} if in_range(x))
            assert band.meets(low, low_excluded, high, high_excluded) == expected, (band, low, high, low_excluded,
                                                                                     high_excluded)
            checked += 1
    assert checked > 2000


@PROPERTY_SETTINGS
@given(name=st.sampled_from(NAMES), data=st.data(), beyond=st.integers(min_value=1, max_value=800))
def test_moving_the_only_record_of_an_item_past_its_window_never_narrows_the_range(name, data, beyond):
    entries = entries_of(name)
    result = assess_entries(entries, when=WHEN, as_of=AS_OF)
    chosen = windows()
    sole = [(a, fact) for p in result.patients for a in p.assessments for fact in a.facts.facts.values()
            if len(fact.sources) == 1 and fact.sources[0].startswith("Observation/") and "conflict" not in fact.flags
            and any(fact.item.startswith(item) for item in chosen)]
    if not sole:
        return
    assessment, fact = data.draw(st.sampled_from(sole))
    days = next(window.days for item, window in chosen.items() if fact.item.startswith(item)) + beyond
    moved = []
    for url, resource, where in entries:
        rid = resource.get("id") or (url or "").rsplit(":", 1)[-1].rsplit("/", 1)[-1]  # urn:uuid entries have no id
        if f"{resource['resourceType']}/{rid}" == fact.sources[0]:
            resource = {k: v for k, v in resource.items() if k not in ("effectivePeriod", "effectiveInstant", "issued")}
            resource["effectiveDateTime"] = (AS_OF - timedelta(days=days)).isoformat()
        moved.append((url, resource, where))
    after = assess_entries(moved, when=WHEN, as_of=AS_OF)
    (again,) = [a for p in after.patients for a in p.assessments if a.facts.condition == assessment.facts.condition]
    assert again.score.total_min <= assessment.score.total_min
    assert again.score.total_max >= assessment.score.total_max
    assert again.facts.facts[fact.item].missing  # and the card says why: the record, its date, the window
    assert any("older than the" in note or "before the" in note for note in again.facts.facts[fact.item].notes)


_SIDES = [("7771000", "24028007"), ("M84.551", "M84.552"), ("M84.561", "M84.562"), ("Left", "Right"),
          ("left", "right"), ("gauche", "droit")]


def _swap_sides(text):
    for one, other in _SIDES:
        text = text.replace(one, "\0").replace(other, one).replace("\0", other)
    return text


LATERAL = [name for name in NAMES if EXPECTED["cases"][name]["scores"] and any(
    code in (CORPUS / f"{name}.json").read_text("utf-8") for code in ("7771000", "24028007"))]


@PROPERTY_SETTINGS
@given(name=st.sampled_from(LATERAL), locale=st.sampled_from(["en", "fr"]))
def test_swapping_the_sides_of_every_resource_swaps_the_sides_in_every_card(name, locale):
    """A surgeon checks the side first: the card's side is the record's, every time."""
    def summaries(entries):
        result = assess_entries(entries, when=WHEN, as_of=AS_OF, locale=locale)
        return sorted(card["summary"] for p in result.patients
                      for _, card in cards_for_patient(p.assessments, p.facts, locale))

    entries = entries_of(name)
    swapped = [(url, json.loads(_swap_sides(json.dumps(resource, ensure_ascii=False))), where)
               for url, resource, where in entries]
    before = summaries(entries)
    assert any(side in summary for summary in before for side in ("Left", "Right", "gauche", "droit")), before
    words = [("Left", "Right"), ("left", "right"), ("gauche", "droit"), ("Gauche", "Droit")]

    def swap_words(text):
        for one, other in words:
            text = text.replace(one, "\0").replace(other, one).replace("\0", other)
        return text

    # The place's first clause (bone and side) and the score, not the whole line: "gauche" and "droit" differ in
    # length, so where the place gives way by a clause to what must be said (an old record, what is missing) may
    # differ by side.
    def read(summary):  # the bone and side, and the score with its action (a side-dependent action fails it)
        scored = summary.find("score")
        return re.split(r",|\u202f?:", summary)[0], summary[scored:scored + 80] if scored >= 0 else ""

    assert sorted(read(summary) for summary in summaries(swapped)) == sorted(read(swap_words(summary))
                                                                             for summary in before)
