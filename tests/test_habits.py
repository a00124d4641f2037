"""Habits of the codebase, checked with every test run: ruff (the rule set in pyproject.toml) and mypy
on service/, both clean."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing_in_service():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "service"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout


def test_mypy_finds_nothing_in_service():
    result = subprocess.run([sys.executable, "-m", "mypy", "service"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
