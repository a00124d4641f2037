"""From FHIR to calculator inputs: the facts layer.

``extract_facts`` reads one patient's Conditions and Observations (plain FHIR
R4 JSON dicts) and returns ``PatientFacts``: one ``ScoredCondition`` per Condition
a calculator scores (``LesionFacts``: a long-bone metastasis, Mirels, ``long_bone``;
``CordCompressionFacts``: a spinal cord compression, Rades, ``cord_compression``),
each input a ``Fact`` that names the resources it came from and the
rule applied, and a report of every resource seen, used or ignored and why.
The rules are in ``mapper``'s docstring; the accepted codes are the ValueSets of
``fhir_profiles/`` (``terminology``).
"""

from .body_structures import referred_body_structures
from .mapper import MappingOptions, extract_facts
from .model import CordCompressionFacts, Fact, LesionFacts, PatientFacts, ReportEntry

__all__ = [
    "CordCompressionFacts",
    "Fact",
    "LesionFacts",
    "MappingOptions",
    "PatientFacts",
    "ReportEntry",
    "extract_facts",
    "referred_body_structures",
]
