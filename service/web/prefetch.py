"""The prefetch templates of the CDS services: what the EHR sends (or the service fetches) for each hook.
Read by the hooks (``cds_hooks``) and stated by the OpenAPI document (``openapi``)."""

from __future__ import annotations

from ..facts.terminology import load_terminology
from ..facts.vocabulary import observation_search_codes
from ..i18n import said

# Every Observation code the mapper reads is fetched: a code the template left out would be a silent miss.
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code="
    + ",".join(observation_search_codes(load_terminology())),
    "procedures": "Procedure?patient={{context.patientId}}",
}
# Keys an EHR may leave out with no fhirServer to fetch them from: the answer goes without what they feed, and
# the mapping report says so (no 412); each Mirels card too (``PatientFacts.procedures_read``). Procedures feed
# §1.4 (the operation a radiotherapy follows) and tell a lesion already fixed.
OPTIONAL_PREFETCH = {"procedures": said("the patient's Procedures were not sent (prefetch procedures) and there is no "
                                      "allowed fhirServer to fetch them from: the post-operative window (§1.4) was "
                                      "not checked, nor whether a lesion has been fixed")}
