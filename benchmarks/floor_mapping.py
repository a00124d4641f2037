"""The floor of the per-resource work: a lean prototype that parses, classifies and scores the same record as
``POST /fhir/$assess``, and the service beside it, per resource, at 100, 1,000 and 10,000 resources.

    .venv/bin/python benchmarks/floor_mapping.py [--sizes 100 1000 10000] [--rounds 30]

The records are ``benchmarks/assess.py``'s (one patient: a long-bone lesion with its size, type and pain, a
spinal cord compression with its items, the primary cancer, and ten resources no calculator reads per relevant
one). The prototype (``Floor``) is what the work costs at least, in Python:

* parse: ``orjson.loads`` of the Bundle's bytes;
* classify: each (system, code) looked up in one dict built once from the ValueSets of ``fhir_profiles/`` (the
  same source of truth as the service), cached per distinct code;
* score: the Mirels inputs of each active long-bone lesion (site from its bodySite, size, type and pain from
  the Observations whose ``focus`` names it, within the fact windows of ``seeds/fact_windows.json``), scored by
  the service's own calculator (``calculators.mirels``, no FHIR).

It reads the common shape only (no QuestionnaireResponse, BodyStructure, panel or evidence links, no
conflicts, no report of what was not read): a floor, not a second service. It is kept honest by
tests/test_floor_mapping.py: on the benchmark records and the Mirels examples, every lesion gets the service's
Mirels range. The service is measured through the Flask test client, to the end of the response; both in
turns (``timing.in_turns``), medians. Aim (issue 28): the service <= 2x the floor per resource at 1,000.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from assess import record  # noqa: E402
from timing import in_turns  # noqa: E402

from service.calculators import OneOf  # noqa: E402
from service.calculators.mirels import MirelsInputs, score_mirels  # noqa: E402
from service.data import data_dir  # noqa: E402
from service.facts.terminology import canonical_system, load_terminology  # noqa: E402

OWN = "http://bonemet-cds.org/fhir/CodeSystem/bonemet"
ICD = {"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm",
       "https://smt.esante.gouv.fr/terminologie-cim-10"}
FEMUR = "71341001"
SITES = {"long-bone-upper-limb": "upper_limb", "long-bone-lower-limb": "lower_limb",
         "femur-region-not-peritrochanteric": "lower_limb", "peritrochanteric-region": "peritrochanteric"}
COUNTS = {"final", "amended", "corrected", "preliminary"}  # Observation statuses read
NEVER = {"refuted", "entered-in-error"}
INACTIVE = {"inactive", "remission", "resolved"}
ITEMS = {"lesion-size": "lesion_size", "lesion-type": "lesion_type", "mirels-pain": "pain"}


class Floor:
    """Parse, classify, score: the least the per-resource work can be."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        value_sets = load_terminology().value_sets  # read once, as the service reads them
        self.exact: dict[tuple[str, str], set[str]] = {}
        self.prefix: dict[tuple[str, str], set[str]] = {}
        for value_set in value_sets.values():
            for key in value_set.exact:
                self.exact.setdefault(key, set()).add(value_set.id)
            for key in value_set.prefixes:
                self.prefix.setdefault(key, set()).add(value_set.id)
        self.known: dict[tuple[Any, Any], frozenset[str]] = {}
        windows = json.loads((data_dir("seeds") / "fact_windows.json").read_text())["items"]
        self.oldest = {item: as_of - timedelta(days=windows[item]["window_days"]) for item in ITEMS.values()}

    def classes(self, system: Any, code: Any) -> frozenset[str]:
        """The ValueSets of one (system, code), resolved once per process."""
        key = (system, code)
        found = self.known.get(key)
        if found is None:
            system = canonical_system(system) if isinstance(system, str) else ""
            code = code.strip() if isinstance(code, str) else ""
            if system in ICD:
                code = code.replace(".", "").split("+")[0].upper()
            ids = set(self.exact.get((system, code), ()))
            if system in ICD:
                for end in range(1, len(code) + 1):
                    ids |= self.prefix.get((system, code[:end]), set())
            found = self.known[key] = frozenset(ids)
        return found

    def concept(self, concept: Any) -> frozenset[str]:
        if not isinstance(concept, dict):
            return frozenset()
        ids: frozenset[str] = frozenset()
        for coding in concept.get("coding") or ():
            ids = ids | self.classes(coding.get("system"), coding.get("code"))
        return ids

    def site(self, body_sites: Any) -> Any:
        sites, femur = set(), False
        for concept in body_sites or ():
            ids = self.concept(concept)
            sites |= {SITES[i] for i in ids if i in SITES}
            femur |= any(c.get("code") == FEMUR for c in concept.get("coding") or ())
            for extension in concept.get("extension") or ():
                sites |= {SITES[i] for i in self.concept(extension.get("valueCodeableConcept")) if i in SITES}
        if "peritrochanteric" in sites:
            return "peritrochanteric"
        if femur and sites <= {"lower_limb"} and "femur-region-not-peritrochanteric" not in {
                i for concept in body_sites or () for i in self.concept(concept)} | {
                i for concept in body_sites or () for e in concept.get("extension") or ()
                for i in self.concept(e.get("valueCodeableConcept"))}:
            return OneOf("lower_limb", "peritrochanteric")
        return sites.pop() if len(sites) == 1 else None

    def score(self, raw: bytes) -> dict[str, tuple[int, int]]:
        """Each active long-bone lesion's Mirels range, by Condition id."""
        resources = [entry["resource"] for entry in orjson.loads(raw)["entry"]]
        lesions: dict[str, dict[str, Any]] = {}
        found: dict[str, dict[str, tuple[str, Any]]] = {}
        for resource in resources:
            kind = resource.get("resourceType")
            if kind == "Condition" and "bone-metastasis" in self.concept(resource.get("code")):
                status = {c.get("code") for c in (resource.get("clinicalStatus") or {}).get("coding") or ()}
                verification = {c.get("code") for c in (resource.get("verificationStatus") or {}).get("coding") or ()}
                if not status & INACTIVE and not verification & NEVER:
                    lesions[f"Condition/{resource['id']}"] = resource
            elif kind == "Observation" and resource.get("status") in COUNTS:
                codes = [c.get("code") for c in resource["code"].get("coding") or () if c.get("system") == OWN]
                item = ITEMS.get(codes[0]) if codes else None
                when = str(resource.get("effectiveDateTime", ""))[:10]
                if item is None or not when or not (str(self.oldest[item]) <= when <= str(self.as_of)):
                    continue
                for focus in resource.get("focus") or ():
                    value = self.value(item, resource)
                    kept = found.setdefault(focus.get("reference", ""), {})
                    if value is not None and (item not in kept or kept[item][0] < when):
                        kept[item] = (when, value)
        scores = {}
        for ref, lesion in lesions.items():
            site = self.site(lesion.get("bodySite"))
            if site is None and lesion.get("bodySite"):
                continue  # not a long bone
            items = {item: value for item, (_, value) in found.get(ref, {}).items()}
            score = score_mirels(MirelsInputs(lesion_site=site, **items))
            scores[ref] = (score.total_min, score.total_max)
        return scores

    def value(self, item: str, observation: dict[str, Any]) -> Any:
        if item == "lesion_size":
            quantity = observation.get("valueQuantity") or {}
            return quantity["value"] / 100 if quantity.get("code") == "%" and "value" in quantity else None
        codes = [c.get("code") for c in (observation.get("valueCodeableConcept") or {}).get("coding") or ()
                 if c.get("system") == OWN]
        return codes[0] if codes else None


def service_scores(raw: bytes, as_of: date) -> dict[str, tuple[int, int]]:
    """The service's Mirels range of each lesion it scores, by Condition id (its pipeline, as $assess runs it)."""
    from datetime import UTC, datetime

    from service.fhir import json_read
    from service.pipeline import assess_patient

    resources = [entry["resource"] for entry in json_read.loads(raw)["entry"]]
    subject = next(f"Patient/{r['id']}" for r in resources if r["resourceType"] == "Patient")
    assessed = assess_patient(resources, subject, when=datetime.now(UTC), as_of=as_of)
    return {a.facts.condition: (a.score.total_min, a.score.total_max) for a in assessed.assessments
            if a.score.calculator == "mirels"}


def main(argv: list[str] | None = None) -> dict[int, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    from service.cli.serve import settle_collector
    from service.config import Settings
    from service.web import create_app

    logging.getLogger("service.web.app").setLevel(logging.ERROR)
    today = date.today()
    floor = Floor(today)
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        client = create_app(Settings(feedback_db=os.path.join(tmp, "fb.sqlite3"), max_body_bytes=50_000_000,
                                     max_resources=100_000)).test_client()
        headers = {"Content-Type": "application/json"}

        def service(raw: bytes):
            def call():
                response = client.post("/fhir/$assess", data=raw, headers=headers)
                response.get_data()
                response.close()
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
            return call

        settle_collector()
        print(f"{'resources':>9}  {'floor µs/resource':>17}  {'service µs/resource':>19}  {'ratio':>6}")
        for size in args.sizes:
            raw = record(size)
            assert floor.score(raw) == service_scores(raw, today), "the floor no longer scores as the service"
            turns = in_turns({"floor": lambda raw=raw: floor.score(raw), "service": service(raw)}, args.rounds,
                             warm_up=min(5, args.rounds))
            per = {name: statistics.median(times) / size * 1e6 for name, times in turns.items()}
            found[size] = {**per, "ratio": per["service"] / per["floor"]}
            print(f"{size:>9}  {per['floor']:17.2f}  {per['service']:19.2f}  {found[size]['ratio']:5.1f}x")
    return found


if __name__ == "__main__":
    main()
