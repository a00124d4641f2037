"""Write synthetic FHIR Bulk Data NDJSON of any size, for benchmarks and tests of ``bonemet bulk``.

    python examples/generate_bulk.py OUTPUT_DIR --patients 100000 [--seed 1]

Writes Patient.ndjson, Condition.ndjson and Observation.ndjson, each listing
the patients in a different order, as an EHR's $export may. Every patient has a
primary cancer; most have a long-bone metastasis (Mirels inputs), some a spinal
cord compression (Rades inputs); about one in ten lacks an item, so missing-data
reports are exercised too. Made-up data: no real person.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

OWN = "http://bonemet-cds.org/fhir/CodeSystem/bonemet"
SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
PRIMARIES = [("C50.9", "breast"), ("C61", "prostate"), ("C90.0", "myeloma"), ("C34.9", "lung"),
             ("C64", "kidney"), ("C18.9", "colon"), ("C80.0", "unknown primary")]
BONES = [("71341001", "Femur"), ("85050009", "Humerus"), ("12611008", "Tibia")]
SIDES = [("7771000", "Left"), ("24028007", "Right")]


def _cc(system, code, display=None):
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _condition(cid, pid, system, code, onset, body_site=None):
    resource = {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
                "clinicalStatus": _cc(CLINICAL, "active"), "verificationStatus": _cc(VERIFICATION, "confirmed"),
                "code": _cc(system, code), "onsetDateTime": onset}
    if body_site:
        resource["bodySite"] = [body_site]
    return resource


def _observation(oid, pid, code, focus, value):
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": _cc(OWN, code),
            "subject": {"reference": f"Patient/{pid}"}, "focus": [{"reference": focus}],
            "effectiveDateTime": "2026-11-01", **value}


def patient_resources(index: int, rng: random.Random) -> dict[str, list[dict]]:
    """The resources of synthetic patient ``index``, by resource type."""
    pid = f"syn-{index}"
    conditions, observations = [], []
    primary_code, _ = rng.choice(PRIMARIES)
    year = rng.choice((2023, 2024, 2025, 2026))
    conditions.append(_condition(f"{pid}-primary", pid, ICD10, primary_code, f"{year}-0{rng.randint(1, 9)}-15"))
    drop = rng.random() < 0.1  # one patient in ten lacks an item
    if rng.random() < 0.75:
        (bone, bone_name), (side, side_name) = rng.choice(BONES), rng.choice(SIDES)
        lesion = f"Condition/{pid}-lesion"
        site = {"coding": [{"system": SCT, "code": bone, "display": bone_name},
                           {"system": SCT, "code": side, "display": side_name}]}
        conditions.append(_condition(f"{pid}-lesion", pid, SCT, "94222008", "2026-10-01", site))
        lesion_items = [
            ("lesion-size", {"valueQuantity": {"value": rng.choice((20, 50, 80)), "unit": "%", "system": UCUM,
                                               "code": "%"}}),
            ("lesion-type", {"valueCodeableConcept": _cc(OWN, rng.choice(("lytic", "mixed", "blastic")))}),
            ("mirels-pain", {"valueCodeableConcept": _cc(OWN, rng.choice(("mild", "moderate", "functional")))}),
        ]
        if drop:
            lesion_items.pop(rng.randrange(3))
        observations += [_observation(f"{pid}-{code}", pid, code, lesion, value) for code, value in lesion_items]
    if rng.random() < 0.3:
        mscc = f"Condition/{pid}-mscc"
        conditions.append(_condition(f"{pid}-mscc", pid, ICD10, "G95.2", "2026-11-01"))
        rades_items = [
            ("motor-function", {"valueCodeableConcept": _cc(OWN, rng.choice(
                ("ambulatory-without-aid", "ambulatory-with-aid", "not-ambulatory", "paraplegic")))}),
            ("days-developing-motor-deficits", {"valueQuantity": {"value": rng.choice((3, 10, 20)), "unit": "d",
                                                                  "system": UCUM, "code": "d"}}),
            ("visceral-metastases", {"valueCodeableConcept": _cc(SCT, rng.choice(("52101004", "2667000")))}),
        ]
        if drop:
            rades_items.pop(rng.randrange(3))
        observations += [_observation(f"{pid}-{code}", pid, code, mscc, value) for code, value in rades_items]
    patient = {"resourceType": "Patient", "id": pid, "gender": rng.choice(("female", "male")),
               "birthDate": f"{rng.randint(1940, 1980)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}
    return {"Patient": [patient], "Condition": conditions, "Observation": observations}


def _order(count: int, step: int):
    """A fixed permutation of 0..count-1 (patients in a different order in each file)."""
    while count > 1 and _gcd(step, count) != 1:
        step += 1
    return ((i * step) % count for i in range(count))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def generate(output: Path, patients: int, seed: int = 1) -> dict[str, int]:
    """Write the three files; return the number of lines of each. Memory does not grow with ``patients``."""
    output.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind, step in (("Patient", 1), ("Condition", 7919), ("Observation", 104729)):
        written = 0
        with open(output / f"{kind}.ndjson", "w", encoding="utf-8") as file:
            for index in _order(patients, step):
                # Each patient is drawn from its own seeded generator: the same patient in every file.
                for resource in patient_resources(index, random.Random(seed * 1_000_003 + index))[kind]:
                    file.write(json.dumps(resource, separators=(",", ":")) + "\n")
                    written += 1
        counts[kind] = written
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(Path(args.output_dir), args.patients, args.seed))


if __name__ == "__main__":
    main()
