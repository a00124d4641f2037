"""Mapping is linear in the number of resources, whatever their mix.

The worst mix for a mapper that scans: many long-bone lesions and many spinal cord compressions,
each with its own Observations (linked by focus, by a panel, by bodySite), beside the patient's
primary cancer and metastases. The work is counted (lines of ``service`` executed, loops
included, from the resources to the cards), not timed, so the test means the same on any machine.
"""

import sys
from datetime import UTC, datetime

import pytest

from service.pipeline import assess_patient
from service.render.cards import cards_for
from support.fhir_builders import (
    HUMERUS,
    ICD10,
    LEFT,
    RIGHT,
    SCT,
    coded,
    condition,
    lesion,
    observation,
    patient,
    quantity,
    site,
)

pytestmark = pytest.mark.slow

WHEN = datetime.now(UTC)  # the builders date observations days before today

BONES = ["85050009", "62413002", "23416004", "12611008", "87342007", "41111004"]


def worst_mix(n):
    resources = [patient(), condition("breast", SCT, "254837009", onset="2023-01-01"),
                 condition("liver", SCT, "94381002", onset="2026-01-01")]
    for i in range(n):
        cid = f"lesion-{i}"
        resources.append(lesion(cid, bone=BONES[i % len(BONES)], side=(LEFT, RIGHT)[i % 2]))
        resources.append(observation(f"size-{i}", "lesion-size", focus=f"Condition/{cid}", **quantity(40, "%")))
        panel = observation(f"panel-{i}", "18748-4", system="http://loinc.org", focus=f"Condition/{cid}")
        panel["hasMember"] = [{"reference": f"Observation/type-{i}"}]
        resources += [panel, observation(f"type-{i}", "lesion-type", **coded("lytic"))]
        resources.append(observation(f"pain-{i}", "mirels-pain", focus=f"Condition/{cid}", **coded("mild")))
        mscc = f"mscc-{i}"
        resources.append(condition(mscc, ICD10, "G95.2", onset="2026-11-01"))
        resources.append(observation(f"motor-{i}", "motor-function", focus=f"Condition/{mscc}",
                                     **coded("ambulatory-with-aid")))
        resources.append(observation(f"days-{i}", "days-developing-motor-deficits", focus=f"Condition/{mscc}",
                                     **quantity(5, "d")))
        # An old arthrodesis of it, coded outside the lists (CCAM, words naming an operation): said first on its card.
        resources.append({"resourceType": "Procedure", "id": f"fusion-{i}", "status": "completed",
                          "subject": {"reference": "Patient/p1"}, "performedDateTime": "2019-05-01",
                          "code": {"coding": [{"system": "https://smt.esante.gouv.fr/terminologie-ccam",
                                               "code": "LHCA002"}], "text": "Arthrodèse"},
                          "reasonReference": [{"reference": f"Condition/{mscc}"}]})
        # A painful vertebra (§1.1 beyond the long bones reads its pain beside every compression's level).
        vertebra = f"vertebra-{i}"
        level = {"coding": [{"system": SCT, "code": "51282000"}], "text": f"T{i % 12 + 1}"}
        resources.append(condition(vertebra, SCT, "94222008", body_site=[level]))
        resources.append(observation(f"nrs-{i}", "72514-3", system="http://loinc.org", focus=f"Condition/{vertebra}",
                                     valueInteger=6))
        # A painful rib and a rib fracture (§1.1 compares each painful site with the fractures recorded).
        side = (LEFT, RIGHT)[i % 2]
        resources.append(condition(f"rib-{i}", SCT, "94222008", body_site=[site("113197003", side)]))
        resources.append(observation(f"rib-nrs-{i}", "72514-3", system="http://loinc.org", focus=f"Condition/rib-{i}",
                                     valueInteger=5))
        resources.append(condition(f"rib-fx-{i}", ICD10, "M84.48", body_site=[site("113197003", (RIGHT, LEFT)[i % 2])]))
    resources.append(observation("visceral", "visceral-metastases", **coded("52101004", SCT)))
    resources.append(observation("unlinked", "lesion-type", body_site=site(HUMERUS, None), **coded("mixed")))
    return resources


def work_to_assess(resources):
    """(lines of service code executed, the facts) to map, score and render one patient's cards."""
    counted = 0

    def trace(frame, event, arg):
        nonlocal counted
        if "/service/" not in frame.f_code.co_filename:
            return None
        counted += 1
        return trace

    sys.settrace(trace)
    try:
        result = assess_patient(resources, "Patient/p1", when=WHEN, as_of=WHEN.date())
        for assessment in result.assessments:
            cards_for(assessment)
    finally:
        sys.settrace(None)
    return counted, result.facts


def test_mapping_work_grows_linearly_with_the_worst_mix():
    small, _small_facts = work_to_assess(worst_mix(50))
    large, large_facts = work_to_assess(worst_mix(200))
    assert len(large_facts.scored_by("mirels")) == len(large_facts.scored_by("rades")) == 200
    assert all(not f.facts["lesion_type"].missing for f in large_facts.scored_by("mirels"))  # the panels did link
    assert large / small < 4 * 1.15, (small, large)  # 4x the resources: about 4x the work, not 16x
