import subprocess
import sys
from pathlib import Path

import pytest
import requests

from service.cli import main
from service.config import Settings
from service.web import create_app


def test_health_in_process(tmp_path):
    client = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_unknown_route_is_a_json_404(tmp_path):
    response = create_app(Settings(feedback_db=str(tmp_path / "f.sqlite3"))).test_client().get("/nowhere")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_settings_precedence():
    environ = {"BONEMET_PORT": "9000", "BONEMET_HOST": "127.0.0.2"}
    assert Settings.load(environ).port == 9000
    assert Settings.load(environ, port=9100, host=None) == Settings(host="127.0.0.2", port=9100)
    assert Settings.load({}) == Settings()


def test_bad_environment_value_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("BONEMET_PORT", "eighty")
    assert main(["serve"]) == 2
    assert "BONEMET_PORT must be a whole number" in capsys.readouterr().err


def test_serve_answers_health_over_real_http(run_server):
    base = run_server()
    response = requests.get(base + "/health", timeout=5)
    assert response.status_code == 200 and response.json()["service"] == "bonemet-cds"


def test_log_level_in_any_case_and_an_unknown_one_is_a_clear_error():
    from service.config import Settings

    assert Settings.load({"BONEMET_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    result = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--log-level", "loud"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "must be DEBUG, INFO, WARNING or ERROR" in result.stderr


def _start_up_lines(tmp_path, on_a_terminal: bool) -> tuple[list[str], int, requests.Response]:
    """`bonemet serve`'s stderr up to the line naming /docs, its stderr a terminal (a pseudo-terminal) or a pipe."""
    import os
    import pty

    from conftest import free_port

    port = free_port()
    env = {**os.environ, "BONEMET_FEEDBACK_DB": str(tmp_path / "db.sqlite3"),
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    if on_a_terminal:
        reader, writer = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                   stderr=writer, env=env, cwd=tmp_path)
        os.close(writer)
        stream = open(reader, encoding="utf-8", errors="replace")  # noqa: SIM115 (closed below)
    else:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                   stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        stream = process.stderr
    lines = []
    try:
        for line in stream:
            lines.append(line.replace("\r", ""))
            if "/docs" in line:
                break
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=15)
        stream.close()
    return lines, port, metrics


@pytest.mark.server
def test_start_up_says_where_the_pages_are_and_logs_in_utc(tmp_path):
    """On a terminal, the person who starts the service reads the URLs of `/` and `/docs` in plain words; every
    log line's time is ISO 8601 UTC; /metrics names its charset once."""
    import json
    import re

    lines, port, metrics = _start_up_lines(tmp_path, on_a_terminal=True)
    assert lines[-1].startswith("bonemet-cds is ready.")
    assert f"http://127.0.0.1:{port}/ " in lines[-1] and f"http://127.0.0.1:{port}/docs" in lines[-1]
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    assert logged and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"]) for entry in logged)
    assert metrics.headers["Content-Type"].count("charset") == 1


@pytest.mark.server
def test_off_a_terminal_the_start_up_banner_is_a_json_line_too(tmp_path):
    """Under a container or a service manager every line stays JSON for the log collector; the URLs are in one."""
    import json

    lines, port, _ = _start_up_lines(tmp_path, on_a_terminal=False)
    assert all(line.startswith("{") for line in lines if line.strip())
    assert f"http://127.0.0.1:{port}/docs" in json.loads(lines[-1])["message"]


@pytest.mark.server
def test_metrics_outlive_a_worker_that_gunicorn_replaces(run_server):
    """Gunicorn ends a worker (a restart, a timeout) with SystemExit through `serve`'s clean-up: the folder every
    worker writes its metrics to belongs to the arbiter, and /metrics still answers after the new worker starts.
    It answered 500 (the folder removed) before."""
    import os
    import signal
    import time
    from pathlib import Path

    def _parent(folder: Path) -> int:
        try:
            return int((folder / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return -1

    base = run_server("--workers", "2")
    assert requests.get(base + "/metrics", timeout=5).status_code == 200
    port = base.rsplit(":", 1)[1]
    arbiter = next(folder for folder in Path("/proc").glob("[0-9]*")  # the `bonemet serve` this test started
                   if _parent(folder) == os.getpid()
                   and port in (folder / "cmdline").read_bytes().decode().split("\0"))

    def _workers() -> list[int]:
        return [int(pid) for pid in (arbiter / "task" / arbiter.name / "children").read_text().split()]

    deadline = time.monotonic() + 20  # one worker may answer before gunicorn has forked the second
    while len(workers := _workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = _workers()
        if len(now) == 2 and workers[0] not in now:
            break
        time.sleep(0.1)
    else:
        pytest.fail("gunicorn did not replace the worker")
    for _ in range(4):  # both workers answer, whichever takes the request
        assert requests.get(base + "/metrics", timeout=5).status_code == 200
