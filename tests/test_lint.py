"""The code base stays `mypy --strict` and ruff clean (run as part of the suite, so CI enforces it)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False)


def test_mypy_strict() -> None:
    process = run("mypy")
    assert process.returncode == 0, process.stdout + process.stderr


def test_ruff_check() -> None:
    process = run("ruff", "check", ".")
    assert process.returncode == 0, process.stdout + process.stderr


def test_ruff_format() -> None:
    process = run("ruff", "format", "--check", "migrate", "tests", "benchmarks")
    assert process.returncode == 0, process.stdout + process.stderr
