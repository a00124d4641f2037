"""One extractor per calculator item: FHIR resources -> a ``Fact`` with its provenance.

Mirels (per lesion): ``site``, ``size``, ``lesion_type``, ``pain``, and the cortical
``osteolysis`` of the consolidation caveat. Rades (per cord compression): ``primary``,
``interval`` (months from diagnosis), ``visceral``, ``motor``, ``deficit_days``.
Each reads the ``PatientRecord`` and the observations already linked to its
lesion or compression, reports what it used or refused, and never guesses: a value
it cannot read is missing, one it can read only partly is a range (``OneOf``,
``Between``, ``AtLeast``).
"""
