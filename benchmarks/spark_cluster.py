"""`bonemet bulk` on a Spark standalone cluster (a master and two workers started from the installed
PySpark, on this machine) beside the local engine, on the same generated export.

    .venv/bin/python benchmarks/spark_cluster.py [--patients 10000] [--noise 2] [--ports 18500-18599]

Prints, for each engine, the time, throughput and whether the outputs are line for line the local engine's
(the run's own "created" timestamps aside: each run stamps its own). The floor beside them is the local
engine, the project's reference: the cluster pays a JVM, a shuffle and the driver's join of the parts.
Every port the cluster, the driver and the executors open is chosen in ``--ports`` (web UIs that Spark
cannot turn off included); the processes are unprivileged and stopped at the end.
``tests/test_spark_cluster.py`` runs the same cluster on a tiny export.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate_bulk import generate  # noqa: E402

PORTS_NEEDED = 12  # master, its UI, 2 workers and their UIs, the driver, and block managers (driver, executors)


def free_ports(first: int, last: int, count: int = PORTS_NEEDED) -> list[int]:
    """``count`` consecutive ports of [first, last] that nothing listens on (block managers take the next
    port when theirs is taken: they need a free run)."""
    for start in range(first, last - count + 2):
        try:
            for port in range(start, start + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return list(range(start, start + count))
    raise RuntimeError(f"no {count} consecutive free ports in {first}-{last}")


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


class Cluster:
    def __init__(self, master: str, driver_conf: dict[str, str], logs: Path) -> None:
        self.master, self.driver_conf, self.logs = master, driver_conf, logs

    def bulk_args(self) -> list[str]:
        """The `bonemet bulk` options that send the run to this cluster, its driver on the chosen ports."""
        args = ["--engine", "spark", "--spark-master", self.master]
        for key, value in self.driver_conf.items():
            args += ["--spark-conf", f"{key}={value}"]
        return args


@contextmanager
def standalone_cluster(work: Path, ports: list[int], workers: int = 2, memory: str = "1g") -> Iterator[Cluster]:
    """A Spark standalone master and ``workers`` workers (one core each) on 127.0.0.1, as processes of this
    user; the executors run this Python with this checkout first on their path. Stopped on exit."""
    home = spark_home()
    spark_class = str(home / "bin" / "spark-class")
    master_port, master_ui, *rest = ports
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               SPARK_NO_DAEMONIZE="1")
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> None:
        with open(logs / f"{name}.log", "wb") as log:
            processes.append(subprocess.Popen([spark_class, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                              cwd=work, start_new_session=True))

    master = f"spark://127.0.0.1:{master_port}"
    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(master_port),
              "--webui-port", str(master_ui))
        for n in range(workers):
            port, ui = rest[2 * n], rest[2 * n + 1]
            start(f"worker-{n}", "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1",
                  "--port", str(port), "--webui-port", str(ui), "--cores", "1", "--memory", memory,
                  "--work-dir", str(work / f"worker-{n}"))
        deadline = time.monotonic() + 120
        while len(re.findall(r"Registering worker", (logs / "master.log").read_text(errors="replace"))) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError("the cluster did not start:\n" + "\n".join(
                    f"{p.name}: {p.read_text(errors='replace')[-1500:]}" for p in sorted(logs.glob("*.log"))))
            time.sleep(0.5)
        driver, block_managers = rest[2 * workers], rest[2 * workers + 1]
        yield Cluster(master, {
            "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.port": str(driver),
            # The driver's block manager takes this port, each executor the next free one.
            "spark.blockManager.port": str(block_managers), "spark.port.maxRetries": str(workers + 2),
            "spark.executor.memory": "512m", "spark.executorEnv.PYTHONPATH": env["PYTHONPATH"],
            "spark.pyspark.python": sys.executable}, logs)
    finally:
        for process in reversed(processes):  # each in a session of its own: its JVM and children go with it
            with suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def created_aside(folder: Path) -> dict[str, list[str]]:
    """Each output file's lines in order, each run's own "created" timestamp aside."""
    return {path.name: [re.sub(r'"created":"[^"]*"', '"created":""', line)
                        for line in path.read_text("utf-8").splitlines()]
            for path in sorted(folder.glob("*.ndjson"))}


def bonemet_bulk(source: Path, output: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "service.cli", "bulk", str(source), str(output), *args],
                         cwd=ROOT, capture_output=True, text=True, timeout=3600,
                         env=dict(os.environ, PYSPARK_PYTHON=sys.executable))
    return time.perf_counter() - started, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--noise", type=int, default=2)
    parser.add_argument("--ports", default="18500-18599", metavar="FIRST-LAST")
    args = parser.parse_args()
    first, last = map(int, args.ports.split("-"))
    with tempfile.TemporaryDirectory(prefix="bonemet-cluster-") as folder:
        work = Path(folder)
        generate(work / "in", args.patients, noise=args.noise)
        size = sum(p.stat().st_size for p in (work / "in").iterdir()) / 1e6
        local, done = bonemet_bulk(work / "in", work / "local", "--workers", "2", "--as-of", "2026-11-15")
        assert done.returncode == 0, done.stderr[-2000:]
        with standalone_cluster(work / "cluster", free_ports(first, last)) as cluster:
            spark, done = bonemet_bulk(work / "in", work / "cluster-out", "--as-of", "2026-11-15",
                                       *cluster.bulk_args())
            assert done.returncode == 0, done.stderr[-2000:]
        same = created_aside(work / "cluster-out") == created_aside(work / "local")
        print(f"cores: {os.cpu_count()}; {args.patients} patients, noise {args.noise}, {size:.1f} MB")
        print(f"  local engine, 2 workers             {local:7.1f} s  {size / local:5.1f} MB/s  (the floor)")
        print(f"  Spark standalone, 2 workers x 1 core {spark:7.1f} s  {size / spark:5.1f} MB/s  "
              f"{spark / local:.1f}x the local engine; outputs line for line the same: {same}")


if __name__ == "__main__":
    main()
