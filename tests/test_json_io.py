"""The web layer's JSON goes through orjson only where it gives the standard library's answer: the
bodies orjson refuses or would change are read by the standard library, and what orjson cannot write
is written by it. (The property test in test_properties.py compares the two readers on any JSON.)"""

import json
import uuid
from datetime import UTC, datetime

from flask import Flask

from service.config import Settings
from service.web import create_app
from service.web.json_io import OrjsonProvider
from support.fhir_builders import lesion, lesion_observations, observation, patient

SERVICE = "/cds-services/bonemet-patient-view"


def _hook(observations):
    searchset = lambda resources: {"resourceType": "Bundle", "type": "searchset",  # noqa: E731
                                   "entry": [{"resource": r} for r in resources]}
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/doc", "patientId": "p1"},
            "prefetch": {"patient": patient(), "conditions": searchset([lesion()]),
                         "observations": searchset(observations)}}


def test_bodies_orjson_refuses_or_would_change_are_read_as_before(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    lab = observation("lab", "2345-7", system="http://loinc.org", valueQuantity={"value": 5.1, "unit": "mmol/L"})
    plain = client.post(SERVICE, data=json.dumps(_hook([*lesion_observations(), lab])),
                        content_type="application/json")
    assert plain.status_code == 200
    lab["note"] = [{"text": "\ud800 lone surrogate"}]  # orjson refuses it; JSON allows it
    lab["valueQuantity"]["value"] = 123456789012345678901234567890  # orjson would make it a float
    raw = json.dumps(_hook([*lesion_observations(), lab]))
    assert "\\ud800" in raw and "123456789012345678901234567890" in raw
    unusual = client.post(SERVICE, data=raw, content_type="application/json")
    assert unusual.status_code == 200
    assert [card["summary"] for card in unusual.get_json()["cards"]] == \
        [card["summary"] for card in plain.get_json()["cards"]]
    # Every error is still worded by the standard library's reader, with where it is.
    broken = client.post(SERVICE, data=raw[:-1], content_type="application/json")
    assert broken.status_code == 400 and "not valid JSON" in broken.get_json()["detail"]
    assert "char" in broken.get_json()["detail"]
    lab["valueQuantity"]["value"] = 7.25
    infinite = client.post(SERVICE, data=json.dumps(_hook([lab])).replace("7.25", "1e400"),
                           content_type="application/json")
    assert infinite.status_code == 400 and "finite" in infinite.get_json()["detail"]


def test_answers_are_flasks_json_written_by_orjson_and_the_standard_library_where_orjson_cannot():
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    with app.app_context():
        value = {"b": "é \u2014", "a": [1, 2.5, None, True],
                 "when": datetime(2026, 11, 23, 8, 30, tzinfo=UTC)}
        body = app.json.response(value).get_data()
        assert body.endswith(b"}\n") and "é \u2014".encode() in body  # UTF-8, JSON's own encoding
        assert json.loads(body) == {"a": [1, 2.5, None, True], "b": "é \u2014",
                                    "when": "Mon, 23 Nov 2026 08:30:00 GMT"}  # dates as Flask writes them
        assert body.index(b'"a"') < body.index(b'"b"') < body.index(b'"when"')  # sorted, as Flask sorts keys
        huge = app.json.response({"n": 10**30}).get_data()  # beyond 64 bits: the standard library writes it
        assert json.loads(huge) == {"n": 10**30}
        assert json.loads(app.json.dumps({"n": 10**30})) == {"n": 10**30}
    app.debug = True  # indented for a person reading it, as Flask does in debug mode
    with app.app_context():
        assert b'\n  "a"' in app.json.response({"a": 1}).get_data()
