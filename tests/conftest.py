"""Shared fixtures: run the real console script in a subprocess, as a user would."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@contextlib.contextmanager
def without_root_privileges() -> Iterator[None]:
    """Drop the effective uid to `nobody` while inside (root reads anything regardless of permission bits)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def run_cli() -> RunCli:
    """`run_cli("scan", "x", cwd=tmp_path)` runs `python -m migrate scan x` and returns the process."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "migrate", *args],
            cwd=cwd or REPO,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run
