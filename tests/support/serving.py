"""A `bonemet serve` process for the tests that need a real server (a browser, another install): started,
waited for on /health, stopped."""

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests


@contextmanager
def served(base: str, env: dict, cwd: Path, *arguments: str, what: str = "bonemet serve") -> Iterator[str]:
    """``python -m service.cli serve ARGUMENTS`` in ``cwd`` with ``env``, once /health answers at ``base``;
    the test fails with the server's last words when it does not start within 30 s."""
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", *arguments], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"{what} did not start: {process.stderr.read().decode()[-2000:]}")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
