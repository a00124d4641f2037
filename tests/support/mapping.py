"""What the tests of the facts layer share: a record mapped as of today, and the resources they build."""


from datetime import date, timedelta

from service.facts import MappingOptions, extract_facts
from support.fhir_builders import (
    FEMUR_SHAFT,
    ICD10,
    ICDO3,
    LOINC,
    SCT,
    coded,
    condition,
    lesion,
    observation,
    patient,
    quantity,
)

AS_OF = date.today()  # the builders date observations RECENT_DAYS before today: records are read for their moment


def days_ago(days):
    return (AS_OF - timedelta(days=days)).isoformat()


def facts_of(*resources, **options):
    return extract_facts([patient(), *resources], MappingOptions(as_of=AS_OF, **options))


def only_lesion(*resources, **options):
    found = facts_of(*resources, **options)
    assert len(found.scored_by("mirels")) == 1
    return found.scored_by("mirels")[0], found


def only_compression(*resources):
    found = facts_of(*resources)
    assert len(found.scored_by("rades")) == 1
    return found.scored_by("rades")[0], found


def topography(code):
    """A bodySite as mCODE also allows it: an ICD-O-3 topography."""
    return condition("lesion-1", SCT, "94222008", body_site=[{"coding": [{"system": ICDO3, "code": code}]}])


def unsited_metastasis(*body_sites):
    """mCODE's SecondaryCancerCondition with the site in bodySite: SNOMED CT 128462008 says only 'secondary'."""
    return condition("lesion-1", SCT, "128462008", body_site=list(body_sites) or None)


SEVERAL_SITES = "its recorded site names several places ("  # said first: which one each item describes


BODY_SITE_REFERENCE = "http://hl7.org/fhir/StructureDefinition/bodySite"


def body_structure(sid="bs-1", location=FEMUR_SHAFT, *qualifiers, extension=None):
    resource = {"resourceType": "BodyStructure", "id": sid, "patient": {"reference": "Patient/p1"},
                "location": {"coding": [{"system": SCT, "code": location}]},
                "locationQualifier": [{"coding": [{"system": SCT, "code": q}]} for q in qualifiers]}
    if extension:
        resource["extension"] = extension
    return resource


CLINICAL_CS = "http://terminology.hl7.org/CodeSystem/condition-clinical"


VERIFICATION_CS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


LOCAL_STATUS = "http://hopital.example/fhir/statuts"


def versions(meta_confirmed, meta_refuted):
    confirmed, refuted = lesion(), lesion(verification="refuted")
    confirmed["meta"], refuted["meta"] = meta_confirmed, meta_refuted
    return confirmed, refuted


def two_codings(observation_, *codes):
    """The Observation's value with several codings (a concept's codings translate one meaning)."""
    observation_["valueCodeableConcept"] = {"coding": [{"system": system, "code": code} for system, code in codes]}
    return observation_


def ratio(numerator, denominator, unit="mm"):
    def term(value):
        return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    return {"numerator": term(numerator), "denominator": term(denominator)}


MONTH_AGO = AS_OF - timedelta(days=20)  # a month whose every day is within the 90-day window of a lesion's type


PROBLEMS = "https://chu.example.fr/fhir/sid/problems"


def by_identifier(value, kind="Condition"):
    """A logical reference, as record converters write them: an identifier, no literal reference."""
    return [{"identifier": {"system": PROBLEMS, "value": value}, "type": kind}]


def pain_score(value):
    return observation("score", "72514-3", system=LOINC, focus="Condition/lesion-1", valueInteger=value)


def compression(onset="2026-11-01", system=ICD10, code="G95.2", **kwargs):
    return condition("mscc", system, code, onset=onset, **kwargs)


def rades_observations(motor="ambulatory-with-aid", visceral="2667000", duration=(10, "d")):
    return [
        observation("motor", "motor-function", **coded(motor)),
        observation("visceral", "visceral-metastases", **coded(visceral, SCT)),
        observation("deficit", "days-developing-motor-deficits", **quantity(*duration)),
    ]


ASSERTED = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
