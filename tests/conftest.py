import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
# tests/ is on the path, so that tests, benchmarks and scripts import the shared helpers as ``support.x``.
sys.path.insert(0, str(ROOT / "tests"))
# Run by HealthChain's own interpreter (tests/test_healthchain.py), not imported here.
collect_ignore = ["support/healthchain_client.py", "support/healthchain_order_sign.py"]
# Tests date the records they build from today (tests/support/fhir_builders.py: RECENT is days before it), as
# the service dates its assessments: today in UTC, wherever the tests run. Set before any test module is imported.
os.environ["TZ"] = "UTC"
time.tzset()
SESSION_DAY = datetime.now(UTC).date()
# Tests of these run the service in another process, whose clock the fixture below cannot move.
OTHER_PROCESS_MARKERS = ("server", "browser", "spark", "postgres")


@pytest.fixture(autouse=True)
def _on_the_day_the_records_were_built(request):
    """A run that crosses midnight (UTC) would assess, a day later, records built relative to the day it started:
    a deficit of "3 days when recorded" 4 days ago becomes 8 days, another Rades group. After midnight, the clock
    of this process is moved back by the days passed (time-machine), still ticking."""
    days = (datetime.now(UTC).date() - SESSION_DAY).days
    if days == 0 or any(request.node.get_closest_marker(marker) for marker in OTHER_PROCESS_MARKERS):
        yield
        return
    import time_machine

    with time_machine.travel(datetime.now(UTC) - timedelta(days=days), tick=True):
        yield


# Folders tools keep for themselves; anything else new in the repository after a run is a test's doing.
TOOL_CACHES = {".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache", ".venv", "build",
               "bonemet_cds.egg-info"}  # setuptools' own, beside the sources (pip install -e, benchmarks' pip wheel)


def _top_level() -> set[str]:
    return {path.name for path in ROOT.iterdir()} - TOOL_CACHES


def pytest_sessionstart(session):
    session.config._bonemet_top_level = _top_level()


def pytest_sessionfinish(session, exitstatus):
    """Tests write only to temporary folders: a file left in the repository fails the run."""
    left = sorted(_top_level() - session.config._bonemet_top_level)
    if left:
        print(f"\ntests left files in the repository: {', '.join(left)}")
        session.exitstatus = 1


# Fixtures that start a real system part: a test that asks for one carries its marker (pyproject.toml's markers).
MARKED_BY_FIXTURE = {"run_server": "server", "served": "server", "jwks_server": "server", "postgres": "postgres",
                     "postgres_url": "postgres"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture in MARKED_BY_FIXTURE.keys() & set(getattr(item, "fixturenames", ())):
            item.add_marker(MARKED_BY_FIXTURE[fixture])


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Every skip, grouped by its reason, with its count, just before pytest's short summary: a skipped test is
    never silent. Each reason names what is absent and how to get it; `.ci/setup` (run by `.ci/run`) installs all
    of it, so that CI skips nothing."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section(f"{sum(reasons.values())} tests skipped, by reason "
                                 "(.ci/setup installs what they need; .ci/run runs it, then the suite)")
        for reason, count in sorted(reasons.items(), key=lambda pair: -pair[1]):
            terminalreporter.line(f"{count:4d}  {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def run_server(tmp_path):
    """Start the real ``bonemet serve`` on loopback; yield its base URL. It runs in a temporary folder,
    its database there unless ``env`` says otherwise: tests write nothing into the repository."""
    started = []

    def start(*args: str, env: dict | None = None) -> str:
        port = free_port()
        env = dict(env if env is not None else os.environ)
        env.setdefault("BONEMET_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode())
            try:
                requests.get(base + "/health", timeout=1)
                return base
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def make_app(tmp_path_factory):
    """A factory of the service's Flask app on settings of a test's own (``make_app(max_body_bytes=...)``), its
    state in a temporary folder unless ``feedback_db`` says otherwise."""
    from service.config import Settings
    from service.web import create_app

    def make(**settings):
        settings.setdefault("feedback_db", str(tmp_path_factory.mktemp("state") / "feedback.sqlite3"))
        return create_app(Settings(**settings))

    return make


@pytest.fixture(scope="module")
def app(make_app):
    """The service on its default settings, one per test module (its state in a temporary folder)."""
    return make_app()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the test session's own (tests/support/postgres_server.py), or a skip that says why."""
    from support.postgres_server import PostgresServer

    server = PostgresServer()
    why = server.why_not()
    if why:
        pytest.skip(why)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def postgres_url(postgres):
    """A fresh database on that server for one test."""
    import uuid

    return postgres.create_database("t" + uuid.uuid4().hex[:12])
