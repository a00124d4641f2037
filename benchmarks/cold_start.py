"""Cold start of the command line, beside its floors, measured side by side.

    .venv/bin/python benchmarks/cold_start.py [--runs 15]

Each command is started ``--runs`` times in a new process, interleaved so that a busy moment
hits all of them alike; the median wall time of each is printed with its ratio to the floor:

* ``bonemet --help`` and ``bonemet assess --help`` beside ``python -c pass`` (aim: <= 5x);
* ``bonemet assess`` on one example beside ``python -c 'import fhir.resources.R4B'`` (aim: <= 2x),
  the import every Bundle door needs to validate its input.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = str(ROOT / "examples" / "bundles" / "05-rades-group-i.json")

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import fhir.resources.R4B'": [sys.executable, "-c", "import fhir.resources.R4B"],
    "bonemet --help": [str(BIN / "bonemet"), "--help"],
    "bonemet assess --help": [str(BIN / "bonemet"), "assess", "--help"],
    "bonemet assess EXAMPLE": [str(BIN / "bonemet"), "assess", EXAMPLE],
}
RATIOS = [("bonemet --help", "python -c pass", 5), ("bonemet assess --help", "python -c pass", 5),
          ("bonemet assess EXAMPLE", "python -c 'import fhir.resources.R4B'", 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:42s} median {value * 1000:7.1f} ms  (min {min(times[name]) * 1000:.1f})")
    for name, floor, aim in RATIOS:
        ratio = median[name] / median[floor]
        print(f"{name} / {floor}: {ratio:.2f}x (aim <= {aim}x)")


if __name__ == "__main__":
    main()
