import socket
import subprocess
import sys
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def run_server():
    """Start the real ``bonemet serve`` on loopback; yield its base URL."""
    started = []

    def start(*args: str, env: dict | None = None) -> str:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
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
