"""What the tests share and are not tests: FHIR builders, answer checks, a FHIR schema check, the redating of
examples, stand-ins for an EHR and a PostgreSQL server. Imported as ``support.x`` (tests/ is on the path)."""
