"""Bulk assessment of a FHIR Bulk Data export (``bonemet bulk``), the command line aside.

* ``patient.py``: one patient's lines -> output lines (``assess_group``), the core both engines run;
* ``summary.py``: the counts, the run's figures (elapsed time, throughput, outputs) and its progress;
* ``files.py``: inputs, the work folder, changed inputs, and the outputs (one file per resource type,
  in ``patient_order``);
* ``local.py``: the local engine (worker processes on this machine);
* ``spark.py``: the Spark engine (``--engine spark``).

Nothing is imported here: ``bonemet --help`` must not pay for the engines.
"""
