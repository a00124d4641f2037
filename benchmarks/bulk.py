"""Measure `bonemet bulk` on generated Bulk Data NDJSON: patients per second and peak memory.

    .venv/bin/python benchmarks/bulk.py [--sizes 10000 100000] [--workers 2] [--noise 10] [--engines local spark]

For each size, generates the input (examples/generate_bulk.py), runs the real
command in a subprocess, and samples the resident memory of the command and all
its worker processes every 20 ms. Peak memory is the largest sum over the
process tree (workers share pages with their parent, so the sum overstates).
Comparing sizes shows whether memory grows with the input.

Every local run is made under a limit of 256 open files (``ulimit -n 256``): with its default 4 MB
buckets, 100,000 noisy patients (about 5 GB) take over 1,200 buckets, so the run shows the command
does not need one open file per bucket. With ``--buckets N`` the bucket size is chosen to give N
buckets instead (memory then grows with the bucket size, hence with the input). ``--keep DIR``
keeps the generated exports and reuses them on the next run.

With ``--noise N`` the export holds N resources no calculator reads per relevant one (labs,
medications, encounters), as a hospital's does. Beside each run the floor is printed: the time to
parse every line of the same export with the standard library's ``json``, in one process, measured
just before and just after the command (this VM's speed drifts over minutes), and the ratio of the
command's time to the mean of the two (the floor of every figure in docs/benchmarks.md). Beside it, the
same with orjson, which the command parses with (``fhir.json_read``), measured before the command, and
that ratio too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate  # noqa: E402


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree_rss_kb(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        pending += _children(current)
    return total


OPEN_FILES = 256


def _limit_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


def parse_floor(source: Path, loads: Callable[[bytes], Any] = json.loads) -> float:
    """Seconds to parse every line of the export with ``loads``, and nothing else."""
    started = time.perf_counter()
    for path in source.glob("*.ndjson"):
        with open(path, "rb") as lines:
            for line in lines:
                loads(line)
    return time.perf_counter() - started


def orjson_floor(source: Path) -> float | None:
    """The same with orjson, which the command parses (the lines it reads in full) and writes with."""
    try:
        import orjson
    except ImportError:
        return None
    return parse_floor(source, orjson.loads)


def run_command(source: Path, output: Path, engine: str, workers: int, extra: list[str]) -> tuple[float, float]:
    """(seconds, peak memory MB of the process tree) of one `bonemet bulk` run."""
    engine_args = ["--engine", "spark", "--spark-master", f"local[{workers}]"] if engine == "spark" else [
        "--workers", str(workers), *extra]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "bulk", str(source), str(output), *engine_args],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_limit_open_files if engine == "local" else None)  # the JVM needs more
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    summary = process.stderr.read()
    if process.returncode != 0:
        raise SystemExit(f"bonemet bulk failed:\n{summary}")
    return elapsed, peak / 1024


def run(patients: int, workers: int, buckets: int | None, noise: int = 0,
        engines: tuple[str, ...] = ("local",), keep: Path | None = None) -> list[dict[str, float | str]]:
    with tempfile.TemporaryDirectory(prefix="bonemet-bench-") as work:
        source = keep / f"{patients}-noise{noise}" if keep else Path(work) / "in"
        if keep and (source / "counts.json").exists():  # generated by an earlier run: the same export
            counts = json.loads((source / "counts.json").read_text("utf-8"))
        else:
            counts = generate(source, patients, noise=noise)
            if keep:
                (source / "counts.json").write_text(json.dumps(counts), "utf-8")
        fast_floor, before = orjson_floor(source), parse_floor(source)
        size = sum(p.stat().st_size for p in source.glob("*.ndjson"))
        extra = ["--bucket-bytes", str(max(1, size // buckets))] if buckets else []
        results: list[dict[str, float | str]] = []
        for engine in engines:
            seconds, peak = run_command(source, Path(work) / f"out-{engine}", engine, workers, extra)
            # The floor again right after: this VM's speed drifts over minutes, and the command ran between the two.
            after = parse_floor(source)
            results.append({"engine": engine, "patients": patients, "resources": sum(counts.values()),
                            "input_mb": size / 1e6, "seconds": seconds, "per_second": patients / seconds,
                            "peak_mb": peak, "floor": (before + after) / 2, "floor_before": before,
                            "floor_after": after, "orjson_floor": fast_floor or 0.0,
                            "buckets": -(-size // (max(1, size // buckets) if buckets else 4 * 1024 * 1024))})
            before = after
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--noise", type=int, default=0, help="unread resources per relevant one (default 0)")
    parser.add_argument("--buckets", type=int, default=0,
                        help="choose the bucket size to give this many buckets (default 0: the command's own "
                             "4 MB buckets, whose number grows with the input)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the generated exports in DIR and reuse them on the next run")
    parser.add_argument("--engines", nargs="+", choices=("local", "spark"), default=["local"],
                        help="engines to run on the same export (spark: Spark local[WORKERS])")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, workers: {args.workers}, open files limit: {OPEN_FILES}, noise: {args.noise}")
    for size in args.sizes:
        for r in run(size, args.workers, args.buckets or None, args.noise, tuple(args.engines), args.keep):
            orjson_note = (f"; orjson, which it parses with, {r['orjson_floor']:.1f} s: "
                           f"{r['seconds'] / r['orjson_floor']:.1f}x" if r["orjson_floor"] else "")
            print(f"{r['engine']:>6} {r['patients']:>8} patients  {r['resources']:>8} resources  "
                  f"{r['input_mb']:7.1f} MB in  {r['seconds']:7.1f} s  {r['input_mb'] / r['seconds']:5.1f} MB/s  "
                  f"{r['per_second']:7.0f} patients/s  peak memory {r['peak_mb']:6.1f} MB  |  parse-only floor "
                  f"(the standard library's json, one process) {r['floor']:6.1f} s "
                  f"({r['input_mb'] / r['floor']:5.1f} MB/s; {r['floor_before']:.1f} s before the command, "
                  f"{r['floor_after']:.1f} s after): "
                  f"{r['seconds'] / r['floor']:.1f}x{orjson_note}")


if __name__ == "__main__":
    main()
