"""Cold start of the command line, beside its floors, measured in turns, in a non-editable install.

    .venv/bin/python benchmarks/cold_start.py [--runs 15]

The project is built as a wheel (``pip wheel --no-deps .``) and installed with ``--no-deps --no-index`` in a
new virtual environment under a temporary folder, which sees this interpreter's installed packages through a
``.pth`` file: the ``bonemet`` it runs is the installed one, not the editable checkout (whose import finder
costs time of its own). Each command is started ``--runs`` times in a new process, interleaved so that a busy
moment hits all of them alike; the median wall time of each is printed with its ratio to its floor (issue 28):

* ``bonemet --help`` and ``bonemet assess --help`` beside ``python -c pass`` (aim: <= 3x);
* ``bonemet assess`` on one example beside ``python -c 'import fhir.resources.R4B.bundle'`` (aim: <= 1.2x),
  the import its validation needs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "bundles" / "05-rades-group-i.json")
# No PYTHONPATH: the checkout on it would be imported instead of the installed wheel.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def install(folder: Path) -> Path:
    """A virtual environment in ``folder`` with the project installed from its wheel; its interpreter."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True, env=ENV)
    python = folder / "venv" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, env=ENV).stdout.strip()
    # This interpreter's packages (flask, fhir.resources...), after the venv's own: the wheel's copy wins.
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder / "wheel"), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL, env=ENV)
    (wheel,) = (folder / "wheel").glob("*.whl")
    # --force-reinstall: the editable install among this interpreter's packages is the same version.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--force-reinstall", "-q", str(wheel)], check=True, stdout=subprocess.DEVNULL, env=ENV)
    return python


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        python = install(Path(tmp))
        bonemet = str(python.parent / "bonemet")
        commands = {
            "python -c pass": [str(python), "-c", "pass"],
            "python -c 'import fhir.resources.R4B.bundle'": [str(python), "-c", "import fhir.resources.R4B.bundle"],
            "bonemet --help": [bonemet, "--help"],
            "bonemet assess --help": [bonemet, "assess", "--help"],
            "bonemet assess EXAMPLE": [bonemet, "assess", EXAMPLE],
        }
        ratios = [("bonemet --help", "python -c pass", 3), ("bonemet assess --help", "python -c pass", 3),
                  ("bonemet assess EXAMPLE", "python -c 'import fhir.resources.R4B.bundle'", 1.2)]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # once each, unmeasured: the installed files in the page cache
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=tmp, env=ENV)
        for _ in range(args.runs):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=tmp,
                               env=ENV)
                times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"non-editable install (wheel), {args.runs} runs in turns, medians:")
    for name, value in median.items():
        print(f"  {name:46s} {value * 1000:7.1f} ms  (min {min(times[name]) * 1000:.1f})")
    found = {}
    for name, floor, aim in ratios:
        found[name] = ratio = median[name] / median[floor]
        print(f"{name} / {floor}: {ratio:.2f}x (aim <= {aim}x)")
    return found


if __name__ == "__main__":
    main()
