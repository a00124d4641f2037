"""`bonemet bulk --engine spark` as a spark-submit application.

    spark-submit --master spark://spark-master:7077 examples/spark-submit/bonemet_bulk.py \
        /shared/export /shared/bonemet-out [--as-of 2026-11-15] [--input-format parquet]

The bonemet-cds package must be installed on the driver and on every executor (pip install
'bonemet-cds[spark]', or a packed virtual environment passed with --archives). INPUT_DIR and
OUTPUT_DIR must be on a file system the driver and the executors share (NFS, a mounted volume): the
executors write the part files there, the driver joins them into one NDJSON file per resource type.
The master is the one spark-submit names (docs/command-line.md, "On an existing cluster": YARN and Kubernetes).
"""

import sys

from service.cli import main

if __name__ == "__main__":
    sys.exit(main(["bulk", *sys.argv[1:], "--engine", "spark"]))
