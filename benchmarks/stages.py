"""Where a request's CPU goes: patient-view and ``$assess``, per stage, beside the bare Flask echo of the same body.

    .venv/bin/python benchmarks/stages.py [--requests 2000] [--resources 100] [--language fr]

The whole-request ratios (``patient_view.py``, ``assess.py``) say how far the service is from its floor, not
where the rest sits. Here each stage the doors call is timed from the inside, in CPU of this process (the
worker), medians over the requests, each request read and closed as ``patient_view.py`` does:

* reading the body (``json_body``: orjson, and for ``$assess`` the depth check);
* for ``$assess``, validation (``bundle_entries``: R4's JSON schema for every resource the mapper may read, the
  shape check for the others) and grouping by patient (``group_by_patient``);
* the count of scored Conditions before any mapping (``scored_at_most``), the facts (``extract_facts``), the
  scores (what ``assess_patient`` spends outside the other stages: the calculators), the resources of each
  score (``render``) and of the guideline's advice (``render_advice``);
* for patient-view, the cards (``cards_for_patient``), the assessment kept for the page (the keeper's
  ``keep``) and the cards remembered for feedback (``remember_cards``);
* the shape check of the prefetch (patient-view), the answer's Bundle (``$assess``: outcome, provenance), the
  answer's JSON;
* the rest: Flask and werkzeug (the echo pays them too), the hook's schema, the door's own code.

Each stage is timed by wrapping the name the door calls (module attributes, the stores' methods): a timing
probe, not a change of behaviour; the wrappers' own cost (about a microsecond a call) falls in the stage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "examples"))

from assess import record  # noqa: E402
from patient_view import closed, hook_body  # noqa: E402

# (module the door calls it from, name, stage)
PROBES = [
    ("service.web.cds_hooks", "json_body", "read the body"),
    ("service.web.fhir_api", "json_body", "read the body"),
    ("service.pipeline", "bundle_entries", "validate (R4 schema, shape)"),
    ("service.fhir.validate", "bundle_entries", "validate (R4 schema, shape)"),
    ("service.pipeline", "group_by_patient", "group by patient"),
    ("service.pipeline", "scored_at_most", "count scored Conditions"),
    ("service.pipeline", "extract_facts", "facts (FHIR -> inputs)"),
    ("service.pipeline", "render", "render scores (FHIR resources)"),
    ("service.pipeline", "render_advice", "render advice (CarePlans)"),
    ("service.web.cds_hooks", "bundle_resources", "shape check (the prefetch)"),
    ("service.web.cds_hooks", "cards_for_patient", "cards"),
    ("service.web.cds_hooks", "jsonify", "write the answer (JSON)"),
    ("service.web.fhir_api", "jsonify", "write the answer (JSON)"),
    ("service.pipeline", "outcome_issues", "the answer's Bundle (outcome, provenance)"),
    ("service.pipeline", "operation_outcome", "the answer's Bundle (outcome, provenance)"),
    ("service.pipeline", "provenance", "the answer's Bundle (outcome, provenance)"),
    ("service.pipeline", "collection", "the answer's Bundle (outcome, provenance)"),
]
PIPELINE = "assess_patient"  # the scores are what it spends outside the stages it calls


def probe(spent: Counter, where: str, name: str, stage: str) -> None:
    module = importlib.import_module(where)
    if hasattr(module, name):  # bundle_entries is imported inside a function: probed where it lives
        probe_on(spent, module, name, stage)


def probe_on(spent: Counter, owner, name: str, stage: str) -> None:
    """``owner.name`` (a module's function, an object's method) timed into ``spent[stage]``."""
    call = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.process_time_ns()
        try:
            return call(*args, **kwargs)
        finally:
            spent[stage] += time.process_time_ns() - started

    setattr(owner, name, timed)


def by_stage(call, spent: Counter, count: int) -> tuple[list[float], dict[str, list[float]]]:
    """CPU per request (ms) and per stage (ms), ``count`` requests."""
    whole: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(count):
        spent.clear()
        started = time.process_time_ns()
        call()
        whole.append((time.process_time_ns() - started) / 1e6)
        for stage, nanoseconds in spent.items():
            stages.setdefault(stage, []).append(nanoseconds / 1e6)
    return whole, stages


def show(title: str, whole: list[float], stages: dict[str, list[float]], echo: float, aim: float) -> None:
    total = statistics.median(whole)
    print(f"\n{title}: {total:.3f} ms CPU per request, {total / echo:.2f}x the echo of its body ({echo:.3f} ms)")
    inner = stages.pop(PIPELINE, None)
    if inner is not None:  # the scores: assess_patient less the stages it calls
        called = [stages.get(stage, [0.0] * len(inner)) for stage in
                  ("count scored Conditions", "facts (FHIR -> inputs)", "render scores (FHIR resources)",
                   "render advice (CarePlans)")]
        stages["scores (calculators)"] = [max(0.0, own - sum(parts))
                                          for own, *parts in zip(inner, *called, strict=True)]
    rows = {stage: statistics.median(values) for stage, values in stages.items()}
    rows["the rest (Flask, schema, the door)"] = max(0.0, total - sum(rows.values()))
    for stage, value in sorted(rows.items(), key=lambda row: -row[1]):
        print(f"  {stage:46s} {value:7.3f} ms  {100 * value / total:5.1f} %")
    own = total - echo
    print(f"  beyond the echo: {own:.3f} ms; the aim of {aim}x the echo (issue 28) leaves {(aim - 1) * echo:.3f} ms "
          "for all of it")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=100, help="the size of $assess's record (assess.py's)")
    parser.add_argument("--language", default="en", help="the answers' language (Accept-Language): French costs more "
                        "(its typography, its catalogue)")
    args = parser.parse_args(argv)

    from bare_echo import app as bare_app

    from service.cli.serve import settle_collector
    from service.config import Settings
    from service.web import create_app

    spent: Counter = Counter()
    for where, name, stage in PROBES:
        probe(spent, where, name, stage)
    probe(spent, "service.web.cds_hooks", PIPELINE, PIPELINE)
    probe(spent, "service.pipeline", PIPELINE, PIPELINE)
    hook = json.dumps(hook_body()).encode()
    bundle = record(args.resources)
    headers = {"Content-Type": "application/json", "Accept-Language": args.language}
    with tempfile.TemporaryDirectory() as tmp:
        logging.getLogger("service.web.app").setLevel(logging.ERROR)
        app = create_app(Settings(feedback_db=os.path.join(tmp, "fb.sqlite3")))
        probe_on(spent, app.extensions["bonemet_assessments"], "keep", "keep the assessment (page link)")
        probe_on(spent, app.extensions["bonemet_feedback"], "remember_cards", "remember the cards (feedback)")
        ours, bare = app.test_client(), bare_app.test_client()
        view = closed(lambda: ours.post("/cds-services/bonemet-patient-view", data=hook, headers=headers))
        assess = closed(lambda: ours.post("/fhir/$assess", data=bundle, headers=headers))
        echo_hook = closed(lambda: bare.post("/echo", data=hook, headers=headers))
        echo_bundle = closed(lambda: bare.post("/echo", data=bundle, headers=headers))
        assert view().status_code == 200 and assess().status_code == 200
        for call in (view, assess, echo_hook, echo_bundle):  # warm up
            for _ in range(min(50, args.requests)):
                call()
        settle_collector()
        echo = {name: statistics.median(by_stage(call, spent, args.requests)[0])
                for name, call in (("hook", echo_hook), ("bundle", echo_bundle))}
        print(f"requests ({args.language}): patient-view {len(hook) / 1024:.0f} KB (100 resources), "
              f"$assess {len(bundle) / 1024:.0f} KB ({args.resources} resources, as benchmarks/assess.py)")
        show("patient-view", *by_stage(view, spent, args.requests), echo["hook"], 2)
        show("$assess", *by_stage(assess, spent, args.requests), echo["bundle"], 1.5)


if __name__ == "__main__":
    main()
