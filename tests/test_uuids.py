"""The UUIDs the renderer writes as strings (service/render/uuids.py) are the standard library's values."""

import uuid

from service.render.fhir_resources import _NAMESPACE, stable_id
from service.render.uuids import name_based, random_uuid


def test_a_name_based_uuid_is_uuid5s():
    for name in ["", "a", "0" * 64 + "/Observation", "Patient/p1/é€𝄞", "x" * 1000]:
        assert name_based(_NAMESPACE, name) == str(uuid.uuid5(_NAMESPACE, name))
        assert name_based(uuid.NAMESPACE_URL, name) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    assert stable_id("key", "CarePlan") == str(uuid.uuid5(_NAMESPACE, "key/CarePlan"))


def test_a_random_uuid_is_a_version_4_rfc_4122_uuid_and_differs_each_time():
    made = [random_uuid() for _ in range(200)]
    assert len(set(made)) == 200
    for text in made:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)
