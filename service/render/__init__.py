"""Render layer: scores -> FHIR resources (``fhir_resources``) and CDS Hooks cards."""

from .fhir_resources import Assessment, render

__all__ = ["Assessment", "render"]
