"""Measure `bonemet bulk` on generated Bulk Data NDJSON: patients per second and peak memory.

    .venv/bin/python benchmarks/bulk.py [--sizes 10000 100000] [--workers 2] [--noise 10] [--engines local spark]

For each size, generates the input (examples/generate_bulk.py), runs the real
command in a subprocess, and samples the resident memory of the command and all
its worker processes every 20 ms. Peak memory is the largest sum over the
process tree (workers share pages with their parent, so the sum overstates).
Comparing sizes shows whether memory grows with the input.

Every local run is made under a limit of 256 open files (``ulimit -n 256``). With ``--buckets N``
the bucket size is chosen to give N buckets (default 1,500: more than the common limit of
1,024 open files, as a warehouse export of about 6 GB would have with the default 4 MB
buckets), so the run shows the command does not need one open file per bucket.

With ``--noise N`` the export holds N resources no calculator reads per relevant one (labs,
medications, encounters), as a hospital's does. Beside each run the floor is printed: the time to
parse every line of the same export with the JSON library the command uses, in one process, and the
ratio of the command's time to it.
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
from pathlib import Path

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


def orjson_floor(source: Path) -> float | None:
    """The same with orjson, which the command uses only to write (shown for comparison)."""
    try:
        import orjson
    except ImportError:
        return None
    started = time.perf_counter()
    for path in source.glob("*.ndjson"):
        with open(path, "rb") as lines:
            for line in lines:
                orjson.loads(line)
    return time.perf_counter() - started


def parse_floor(source: Path) -> float:
    """Seconds to parse every line of the export, and nothing else."""
    started = time.perf_counter()
    for path in source.glob("*.ndjson"):
        with open(path, "rb") as lines:
            for line in lines:
                json.loads(line)
    return time.perf_counter() - started


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
        engines: tuple[str, ...] = ("local",)) -> list[dict[str, float | str]]:
    with tempfile.TemporaryDirectory(prefix="bonemet-bench-") as work:
        source = Path(work) / "in"
        counts = generate(source, patients, noise=noise)
        floor, fast_floor = parse_floor(source), orjson_floor(source)
        size = sum(p.stat().st_size for p in source.iterdir())
        extra = ["--bucket-bytes", str(max(1, size // buckets))] if buckets else []
        results: list[dict[str, float | str]] = []
        for engine in engines:
            seconds, peak = run_command(source, Path(work) / f"out-{engine}", engine, workers, extra)
            results.append({"engine": engine, "patients": patients, "resources": sum(counts.values()),
                            "input_mb": size / 1e6, "seconds": seconds, "per_second": patients / seconds,
                            "peak_mb": peak, "floor": floor, "orjson_floor": fast_floor or 0.0,
                            "buckets": -(-size // (max(1, size // buckets) if buckets else 4 * 1024 * 1024))})
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--noise", type=int, default=0, help="unread resources per relevant one (default 0)")
    parser.add_argument("--buckets", type=int, default=1500,
                        help="choose the bucket size to give this many buckets (0: the default 4 MB buckets)")
    parser.add_argument("--engines", nargs="+", choices=("local", "spark"), default=["local"],
                        help="engines to run on the same export (spark: Spark local[WORKERS])")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, workers: {args.workers}, open files limit: {OPEN_FILES}, noise: {args.noise}")
    for size in args.sizes:
        for r in run(size, args.workers, args.buckets or None, args.noise, tuple(args.engines)):
            orjson_note = (f"; orjson would parse it in {r['orjson_floor']:.1f} s" if r["orjson_floor"] else "")
            print(f"{r['engine']:>6} {r['patients']:>8} patients  {r['resources']:>8} resources  "
                  f"{r['input_mb']:7.1f} MB in  {r['seconds']:7.1f} s  {r['input_mb'] / r['seconds']:5.1f} MB/s  "
                  f"{r['per_second']:7.0f} patients/s  peak memory {r['peak_mb']:6.1f} MB  |  parse-only floor "
                  f"(json, the library it parses with) {r['floor']:6.1f} s ({r['input_mb'] / r['floor']:5.1f} MB/s, "
                  f"one process): {r['seconds'] / r['floor']:.1f}x{orjson_note}")


if __name__ == "__main__":
    main()
