"""Bounded cost per request: every door checks the same limits (``Settings``) and says which one
was passed, so no client can make one request cost more than the service can give.

* ``max_resources``: resources in one request (prefetch and fetched, or Bundle entries);
* ``max_patients``: patients in one Bundle;
* ``max_scored_per_patient``: long-bone lesions and cord compressions of one patient (each one is
  scored and rendered: a record of 20,000 lesions would cost seconds and an answer of 100 MB).
"""

from __future__ import annotations


class LimitExceeded(ValueError):
    """A request over a limit; ``status`` is 413 (too large) or 422 (too many of a thing)."""

    def __init__(self, status: int, setting: str, message: str) -> None:
        self.status = status
        self.setting = setting
        super().__init__(f"{message} (limit: {setting})")


def check_resources(count: int, limit: int) -> None:
    if count > limit:
        raise LimitExceeded(413, "BONEMET_MAX_RESOURCES", f"the request holds {count} resources, more than {limit}")


def check_patients(count: int, limit: int) -> None:
    if count > limit:
        raise LimitExceeded(422, "BONEMET_MAX_PATIENTS", f"the Bundle holds {count} patients, more than {limit}")


def check_scored(patient: str, count: int, limit: int) -> None:
    if count > limit:
        raise LimitExceeded(422, "BONEMET_MAX_SCORED_PER_PATIENT",
                            f"{patient} has {count} active Conditions coded as bone metastases or spinal cord "
                            f"compressions, more than {limit}: a record this large is not assessed in one request")


def check_bundle_scored(bundle: object, limit: int) -> None:
    """``check_scored`` for each patient of a Bundle, from its raw entries, before they are validated
    (validating 10,000 lesions costs seconds and a gigabyte: the refusal must not)."""
    from .facts.prefilter import scored_by_subject  # the ValueSets: loaded by the doors that assess

    if isinstance(bundle, dict) and isinstance(bundle.get("entry"), list):
        for patient, count in scored_by_subject(bundle["entry"]).items():
            check_scored(patient, count, limit)
