"""Write synthetic FHIR Bulk Data NDJSON of any size, for benchmarks and tests of ``bonemet bulk``.

    python examples/generate_bulk.py OUTPUT_DIR --patients 100000 [--seed 1] [--noise 10]

Writes Patient.ndjson, Condition.ndjson and Observation.ndjson, each listing
the patients in a different order, as an EHR's $export may. Every patient has a
primary cancer; most have a long-bone metastasis (Mirels inputs), some a spinal
cord compression (Rades inputs); about one in ten lacks an item, so missing-data
reports are exercised too. Made-up data: no real person.

``--noise N`` adds, per relevant resource, N resources the calculators do not read, as
a hospital or warehouse export mostly holds: laboratory Observations (LOINC, with
reference ranges and interpretation), MedicationRequests with dosage, Encounters,
each of a realistic size (about 0.6 to 1 KB), in Observation.ndjson,
MedicationRequest.ndjson and Encounter.ndjson.
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


LABS = [("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 110),
        ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 12, 17),
        ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.6, 1.3),
        ("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "mg/dL", 8.5, 10.5),
        ("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 40, 130)]
DRUGS = [("860975", "metformin hydrochloride 500 MG Oral Tablet"), ("197361", "amlodipine 5 MG Oral Tablet"),
         ("313782", "acetaminophen 325 MG Oral Tablet"), ("1049621", "oxycodone hydrochloride 5 MG Oral Tablet")]
NOISE_KINDS = ("Observation", "MedicationRequest", "Encounter")


def noise_resources(pid: str, count: int, rng: random.Random) -> dict[str, list[dict]]:
    """``count`` resources of patient ``pid`` that no calculator reads, by resource type."""
    found: dict[str, list[dict]] = {"Observation": [], "MedicationRequest": [], "Encounter": []}
    for number in range(count):
        kind = NOISE_KINDS[number % 3] if rng.random() < 0.5 else "Observation"  # labs dominate
        day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        rid = f"{pid}-noise-{number}"
        subject = {"reference": f"Patient/{pid}"}
        if kind == "Observation":
            code, name, unit, low, high = rng.choice(LABS)
            value = round(rng.uniform(low * 0.7, high * 1.3), 2)
            found[kind].append({
                "resourceType": "Observation", "id": rid, "meta": {"lastUpdated": f"{day}T08:00:00Z"},
                "status": "final", "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory",
                    "display": "Laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": name}], "text": name},
                "subject": subject, "effectiveDateTime": f"{day}T07:30:00Z", "issued": f"{day}T09:12:00Z",
                "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
                "interpretation": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    "code": "N" if low <= value <= high else ("L" if value < low else "H")}]}],
                "referenceRange": [{"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}]})
        elif kind == "MedicationRequest":
            code, name = rng.choice(DRUGS)
            found[kind].append({
                "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                          "code": code, "display": name}], "text": name},
                "subject": subject, "authoredOn": day, "requester": {"display": "Dr Example"},
                "dosageInstruction": [{"text": "1 tablet twice a day", "timing": {"repeat": {
                    "frequency": 2, "period": 1, "periodUnit": "d"}}, "route": {"coding": [{
                        "system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]},
                    "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}]})
        else:
            found[kind].append({
                "resourceType": "Encounter", "id": rid, "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                          "display": "ambulatory"},
                "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003",
                                      "display": "Encounter for check up"}]}],
                "subject": subject, "period": {"start": f"{day}T10:00:00Z", "end": f"{day}T10:30:00Z"},
                "serviceProvider": {"display": "Centre hospitalier exemple"}})
    return found


def _order(count: int, step: int):
    """A fixed permutation of 0..count-1 (patients in a different order in each file)."""
    while count > 1 and _gcd(step, count) != 1:
        step += 1
    return ((i * step) % count for i in range(count))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _all_of(index: int, seed: int, noise: int) -> dict[str, list[dict]]:
    # Each patient is drawn from its own seeded generator: the same patient in every file.
    rng = random.Random(seed * 1_000_003 + index)
    relevant = patient_resources(index, rng)
    if noise:
        count = noise * sum(len(resources) for resources in relevant.values())
        for kind, resources in noise_resources(f"syn-{index}", count, rng).items():
            relevant.setdefault(kind, []).extend(resources)
    return relevant


def generate(output: Path, patients: int, seed: int = 1, noise: int = 0) -> dict[str, int]:
    """Write the files; return the number of lines of each. Memory does not grow with ``patients``."""
    output.mkdir(parents=True, exist_ok=True)
    counts = {}
    kinds = [("Patient", 1), ("Condition", 7919), ("Observation", 104729)]
    if noise:
        kinds += [("MedicationRequest", 15485863), ("Encounter", 32452843)]
    for kind, step in kinds:
        written = 0
        with open(output / f"{kind}.ndjson", "w", encoding="utf-8") as file:
            for index in _order(patients, step):
                for resource in _all_of(index, seed, noise).get(kind, []):
                    file.write(json.dumps(resource, separators=(",", ":")) + "\n")
                    written += 1
        counts[kind] = written
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir")
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=int, default=0,
                        help="resources the calculators do not read, per relevant resource (default 0)")
    args = parser.parse_args()
    print(generate(Path(args.output_dir), args.patients, args.seed, args.noise))


if __name__ == "__main__":
    main()
