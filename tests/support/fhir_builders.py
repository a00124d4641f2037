"""Small builders of FHIR R4 JSON for tests: each returns a plain dict.

Observations are dated a few days before today by default (``RECENT``): a record is read for the moment it
describes (seeds/fact_windows.json), and the CDS Hooks doors assess as of today."""

from datetime import date, timedelta

RECENT_DAYS = 4
RECENT = (date.today() - timedelta(days=RECENT_DAYS)).isoformat()

OWN = "http://bonemet-cds.org/fhir/CodeSystem/bonemet"
SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
MCODE_LATERALITY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-laterality-qualifier"
MCODE_LOCATION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-body-location-qualifier"
CIM10 = "https://smt.esante.gouv.fr/terminologie-cim-10"
FEMUR, HUMERUS, VERTEBRA = "71341001", "85050009", "51282000"
FEMUR_SHAFT, FEMUR_NECK, TROCHANTER = "41111004", "29627003", "182047004"
PROXIMAL, DISTAL = "40415009", "46053002"
LEFT, RIGHT = "7771000", "24028007"


def cc(system, code, display=None):
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def patient(pid="p1"):
    return {"resourceType": "Patient", "id": pid}


def condition(cid, system, code, *, clinical="active", verification="confirmed", onset=None, recorded=None,
              body_site=None, extension=None, pid="p1"):
    resource = {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
                "code": cc(system, code)}
    if clinical:
        resource["clinicalStatus"] = cc("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical)
    if verification:
        resource["verificationStatus"] = cc("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                            verification)
    if onset:
        resource["onsetDateTime"] = onset
    if recorded:
        resource["recordedDate"] = recorded
    if body_site:
        resource["bodySite"] = body_site
    if extension:
        resource["extension"] = extension
    return resource


def site(bone, side=None, peritrochanteric=False, location=None):
    """A bodySite as mCODE writes it: the bone, laterality and location as qualifier extensions."""
    concept = {"coding": [{"system": SCT, "code": bone}]}
    if peritrochanteric:
        concept["coding"].append({"system": OWN, "code": "peritrochanteric-region"})
    extensions = [(MCODE_LATERALITY, side), (MCODE_LOCATION, location)]
    if side or location:
        concept["extension"] = [{"url": url, "valueCodeableConcept": cc(SCT, code)} for url, code in extensions if code]
    return concept


def lesion(cid="lesion-1", bone=FEMUR_SHAFT, side=LEFT, **kwargs):
    return condition(cid, SCT, "94222008", body_site=[site(bone, side)] if bone else None, **kwargs)


def observation(oid, code, *, status="final", focus=None, effective=RECENT, body_site=None, pid="p1",
                system=OWN, **value):
    resource = {"resourceType": "Observation", "id": oid, "status": status, "code": cc(system, code),
                "subject": {"reference": f"Patient/{pid}"}}
    if effective:
        resource["effectiveDateTime"] = effective
    if focus:
        resource["focus"] = [{"reference": focus}]
    if body_site:
        resource["bodySite"] = body_site
    resource.update(value)
    return resource


def quantity(value, code, system=UCUM):
    return {"valueQuantity": {"value": value, "system": system, "code": code, "unit": code}}


def coded(code, system=OWN):
    return {"valueCodeableConcept": cc(system, code)}


def lesion_observations(focus="Condition/lesion-1", size=(50, "%"), kind="lytic", pain="moderate", prefix="o"):
    return [
        observation(f"{prefix}-size", "lesion-size", focus=focus, **quantity(*size)),
        observation(f"{prefix}-type", "lesion-type", focus=focus, **coded(kind)),
        observation(f"{prefix}-pain", "mirels-pain", focus=focus, **coded(pain)),
    ]


def histology(code):
    return [{"url": HISTOLOGY, "valueCodeableConcept": cc(ICDO3, code)}]


def bundle(*resources, kind="collection"):
    return {"resourceType": "Bundle", "type": kind,
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}


def operated_compression(laminectomy_status="completed", reason="Condition/mscc", operated_days_ago=6):
    """A compression of Rades group II (31) begun 9 days ago, its records after a laminectomy (``reason``: what it
    names; ``operated_days_ago``: its day): Conditions, Observations, Procedures."""

    def days_ago(days):
        return (date.today() - timedelta(days=days)).isoformat()

    conditions = [condition("breast", SCT, "254837009", onset="2024-05-10"),
                  condition("mscc", ICD10, "G95.2", onset=days_ago(9))]
    laminectomy = {"resourceType": "Procedure", "id": "lam", "status": laminectomy_status,
                   "subject": {"reference": "Patient/p1"},
                   "code": {"coding": [{"system": SCT, "code": "387731002"}], "text": "Laminectomie D8"},
                   "performedDateTime": days_ago(operated_days_ago),
                   **({"reasonReference": [{"reference": reason}]} if reason else {})}
    observations = [observation("motor", "motor-function", effective=days_ago(1), **coded("not-ambulatory")),
                    observation("visceral", "visceral-metastases", effective=days_ago(1), **coded("373067005", SCT)),
                    observation("deficit", "days-developing-motor-deficits", effective=days_ago(1),
                                **quantity(10, "d"))]
    return conditions, observations, [laminectomy]
