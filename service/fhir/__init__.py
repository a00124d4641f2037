"""Parse layer: incoming FHIR JSON (Bundles, prefetch, remote searches) -> resources."""
