Alias: $bonemet = http://bonemet-cds.org/fhir/CodeSystem/bonemet
Alias: $sct = http://snomed.info/sct
Alias: $ucum = http://unitsofmeasure.org
Alias: $risk = http://terminology.hl7.org/CodeSystem/risk-probability
Alias: $obscat = http://terminology.hl7.org/CodeSystem/observation-category
