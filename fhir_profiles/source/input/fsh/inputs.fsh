// Inputs: what the mapper (service/facts/) reads. Derived from base R4, not from mCODE: mCODE
// derives from US Core, whose rules (US Core Patient with an identifier, US bindings) French
// hospitals' records do not meet. The mCODE profile each one is aligned with is in README.md.

RuleSet: ReadStatus
* status MS
* status ^short = "final, amended or corrected count; preliminary counts and is flagged; others never count"
* effective[x] 1..1 MS
* effective[x] ^short = "When several observations give one item, the latest wins"
* subject 1..1 MS
* subject only Reference(Patient)

RuleSet: OfLesion
* focus 1..1 MS
* focus only Reference(BonemetBoneMetastasis)
* focus ^short = "The lesion (bone metastasis Condition)"
* focus ^comment = "Without focus, the mapper links through hasMember, derivedFrom, or the same bodySite and laterality as exactly one lesion."

RuleSet: OfCompression
* focus MS
* focus only Reference(BonemetSpinalCordCompression)
* focus ^short = "The compression; without focus, applies to every compression of the patient"

RuleSet: ConditionRead
* clinicalStatus MS
* verificationStatus MS
* verificationStatus ^short = "refuted and entered-in-error never count"
* subject only Reference(Patient)

Profile: BonemetPrimaryCancerCondition
Parent: Condition
Id: bonemet-primary-cancer-condition
Title: "Primary cancer (Rades primary tumour)"
Description: "A primary cancer as read for the Rades primary tumour and the date of diagnosis (aligned with mCODE PrimaryCancerCondition). The code must be in one of the primary-* ValueSets; a lung cancer without small-cell/non-small-cell in its code needs the ICD-O-3 morphology."
* insert ConditionRead
* extension MS
* extension ^comment = "mCODE histology-morphology-behavior (ICD-O-3 morphology, ValueSets morphology-small-cell and morphology-non-small-cell); condition-assertedDate as the date of diagnosis when there is no onset."
* code 1..1 MS
* code ^definition = "One code of the ValueSets primary-breast, primary-prostate, primary-myeloma-lymphoma, primary-nsclc, primary-sclc, primary-lung-histology-needed, primary-unknown, primary-kidney, primary-colorectal or primary-other, which give the Rades row."
* onset[x] MS
* onset[x] ^short = "Date of diagnosis (else assertedDate; recordedDate only bounds it: diagnosed on or before)"
* recordedDate MS

Profile: BonemetBoneMetastasis
Parent: Condition
Id: bonemet-bone-metastasis
Title: "Bone metastasis (one Mirels lesion, or one SINS vertebral lesion)"
Description: "A metastasis of a bone (aligned with mCODE SecondaryCancerCondition), with the bone and laterality in bodySite. One Mirels score per active lesion of a long bone; one SINS score per active lesion of the spine (the spine codes of seeds/sins.json, in ValueSet bone-not-long-bone)."
* insert ConditionRead
* clinicalStatus ^short = "inactive, remission or resolved: no score"
* code 1..1
* code from http://bonemet-cds.org/fhir/ValueSet/bone-metastasis (required)
* bodySite MS
* bodySite ^definition = "The bone (ValueSets long-bone-upper-limb, long-bone-lower-limb), the femoral region (ValueSets peritrochanteric-region, femur-region-not-peritrochanteric, femur-region-undetermined) and the laterality (ValueSet laterality), as codings or as mCODE's laterality-qualifier and body-location-qualifier extensions."

Profile: BonemetSpinalCordCompression
Parent: Condition
Id: bonemet-spinal-cord-compression
Title: "Metastatic spinal cord compression (one Rades score)"
Description: "A spinal cord compression; its onset ends the interval from tumour diagnosis."
* insert ConditionRead
* clinicalStatus ^short = "inactive, remission or resolved: no score"
* code 1..1
* code from http://bonemet-cds.org/fhir/ValueSet/spinal-cord-compression (required)
* onset[x] MS
* onset[x] ^short = "Onset of the compression: end of the Rades interval"

Profile: BonemetVisceralMetastasis
Parent: Condition
Id: bonemet-visceral-metastasis
Title: "Visceral metastasis"
Description: "A metastasis of an internal organ (aligned with mCODE SecondaryCancerCondition). Active: visceral metastases present (Rades 5); inactive or resolved: does not count."
* insert ConditionRead
* clinicalStatus ^short = "inactive or resolved: not counted as present"
* code 1..1
* code from http://bonemet-cds.org/fhir/ValueSet/visceral-metastasis (required)

Profile: BonemetLesionSize
Parent: Observation
Id: bonemet-lesion-size
Title: "Lesion size: share of the cortical width (Mirels)"
Description: "Share of the cortical width involved by the lesion, as UCUM % or 1 (ratio), as a Ratio of two UCUM lengths (the lesion over the cortical width), or the Mirels row as a code."
* insert ReadStatus
* insert OfLesion
* code = $bonemet#lesion-size
* value[x] 1..1
* value[x] only Quantity or CodeableConcept or Ratio
// The row ValueSet binds the coded form only: a binding on value[x] would also bind the Quantity's unit.
* valueCodeableConcept from http://bonemet-cds.org/fhir/ValueSet/lesion-size-row (required)
* obeys bonemet-size-unit

Invariant: bonemet-size-unit
Description: "A share of the cortical width is in UCUM % or 1"
Expression: "value.ofType(Quantity).exists() implies (value.ofType(Quantity).system = 'http://unitsofmeasure.org' and (value.ofType(Quantity).code = '%' or value.ofType(Quantity).code = '1'))"
Severity: #error

Profile: BonemetLesionType
Parent: Observation
Id: bonemet-lesion-type
Title: "Lesion type: lytic, mixed or blastic (Mirels)"
Description: "Radiological type of the lesion."
* insert ReadStatus
* insert OfLesion
* code = $bonemet#lesion-type
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from http://bonemet-cds.org/fhir/ValueSet/lesion-type (required)

Profile: BonemetMirelsPain
Parent: Observation
Id: bonemet-mirels-pain
Title: "Pain at the lesion: Mirels category"
Description: "Mild, moderate or functional (pain on use). A 0-10 score (LOINC 72514-3) is mapped only where a deployment configures the bands."
* insert ReadStatus
* insert OfLesion
* code = $bonemet#mirels-pain
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from http://bonemet-cds.org/fhir/ValueSet/mirels-pain (required)

Profile: BonemetCorticalOsteolysis
Parent: Observation
Id: bonemet-cortical-osteolysis
Title: "Cortical osteolysis on CT"
Description: "Share of cortical osteolysis in the axial plane and of the circumference, for the guideline's consolidation-surgery rule."
* insert ReadStatus
* insert OfLesion
* code = $bonemet#cortical-osteolysis
* component 2..* MS
* component ^short = "cortical-osteolysis-axial and cortical-osteolysis-circumference, valueQuantity in UCUM %"
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.rules = #open
* component contains axial 1..1 and circumference 1..1
* component[axial].code = $bonemet#cortical-osteolysis-axial
* component[axial].value[x] only Quantity
* component[axial].valueQuantity.system = $ucum
* component[axial].valueQuantity.code = #%
* component[circumference].code = $bonemet#cortical-osteolysis-circumference
* component[circumference].value[x] only Quantity
* component[circumference].valueQuantity.system = $ucum
* component[circumference].valueQuantity.code = #%

Profile: BonemetMotorFunction
Parent: Observation
Id: bonemet-motor-function
Title: "Motor function before radiotherapy (Rades)"
Description: "Ambulatory without aid, with aid, not ambulatory, paraplegic."
* insert ReadStatus
* insert OfCompression
* code = $bonemet#motor-function
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from http://bonemet-cds.org/fhir/ValueSet/motor-function (required)

Profile: BonemetMotorDeficitDuration
Parent: Observation
Id: bonemet-motor-deficit-duration
Title: "Time developing motor deficits before radiotherapy (Rades)"
Description: "Duration in UCUM h, d, wk or mo (mo = 30.4375 days)."
* insert ReadStatus
* insert OfCompression
* code = $bonemet#days-developing-motor-deficits
* value[x] 1..1
* value[x] only Quantity
* obeys bonemet-duration-unit

Invariant: bonemet-duration-unit
Description: "A duration in UCUM h, d, wk or mo"
Expression: "value.ofType(Quantity).system = 'http://unitsofmeasure.org' and (value.ofType(Quantity).code = 'h' or value.ofType(Quantity).code = 'd' or value.ofType(Quantity).code = 'wk' or value.ofType(Quantity).code = 'mo')"
Severity: #error

Profile: BonemetVisceralMetastasesStatus
Parent: Observation
Id: bonemet-visceral-metastases-status
Title: "Visceral metastases at radiotherapy: present or absent (Rades)"
Description: "States the presence or the absence of visceral metastases; absence of a Condition is never taken as absence of disease."
* insert ReadStatus
* insert OfCompression
* code = $bonemet#visceral-metastases
* value[x] 1..1
* value[x] only CodeableConcept or boolean
* valueCodeableConcept from http://bonemet-cds.org/fhir/ValueSet/presence (required)

Invariant: bonemet-sins-item-code
Description: "Coded with one of the SINS item codes of the bonemet CodeSystem (seeds/sins.json)"
Expression: "code.coding.where(system = 'http://bonemet-cds.org/fhir/CodeSystem/bonemet' and (code = 'sins-pain' or code = 'sins-bone-lesion' or code = 'spinal-alignment' or code = 'vertebral-body-collapse' or code = 'posterolateral-involvement')).exists()"
Severity: #error

Invariant: bonemet-sins-item-row
Description: "The value is a row of the SINS table (CodeSystem table-row)"
Expression: "value.ofType(CodeableConcept).coding.where(system = 'http://bonemet-cds.org/fhir/CodeSystem/table-row').exists()"
Severity: #error

Profile: BonemetSinsItem
Parent: Observation
Id: bonemet-sins-item
Title: "An item of SINS recorded for a vertebral metastasis"
Description: "Pain, bone lesion, radiographic alignment, vertebral body collapse or posterolateral involvement of one vertebral metastasis (Fisher et al., Spine 2010; beyond the guideline). The code says which item; the value is the row of the SINS table, a code of CodeSystem table-row (its Questionnaire's answers). The bone lesion is also read from a lesion-type Observation."
* insert ReadStatus
* insert OfLesion
* code 1..1
* obeys bonemet-sins-item-code
* value[x] 1..1
* value[x] only CodeableConcept
* obeys bonemet-sins-item-row

Profile: BonemetOperation
Parent: Procedure
Id: bonemet-operation
Title: "Operation a post-operative radiotherapy follows (guideline section 1.4)"
Description: "A fixation of a long-bone metastasis or a decompression of a spinal cord compression, done: its day opens the post-operative radiotherapy window (day 15 to day 21 after it). A completed fixation of a lesion also ends its Mirels score (Mirels helps decide whether to fix)."
* status = #completed
* status ^short = "completed: only an operation done counts"
* code 1..1
* code ^short = "A code of the order ValueSets prophylactic fixation or decompressive surgery"
* performed[x] 1..1 MS
* performed[x] ^short = "The day of the operation (a period: its end)"
* reasonReference MS
* reasonReference only Reference(BonemetBoneMetastasis or BonemetSpinalCordCompression)
* reasonReference ^short = "The lesion or compression operated on; else its bodySite names the bone and side"
* bodySite MS
