"""Fixtures for the report: the example app's real scan, the synthetic event history, the command."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.report.history import write_history
from tests.shim.conftest import postgres, postgres_db, upstream  # noqa: F401 - the shim's fixtures, reused here

RunReport = Callable[..., subprocess.CompletedProcess[str]]

#: Runs the `report` click command as a process. Once `migrate.cli` registers the command, this is
#: the same as `python -m migrate report ...`.


def run_process(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="session")
def example_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scan --format json examples/legacy-app`, run for real from the repository root."""
    output = tmp_path_factory.mktemp("scan") / "legacy-app.json"
    process = run_process("-m", "migrate", "scan", "--format", "json", "examples/legacy-app", "-o", str(output))
    assert process.returncode == 0, process.stderr
    return output


@pytest.fixture(scope="session")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic event history in a real SQLite file written by the shim's store."""
    return write_history(tmp_path_factory.mktemp("events") / "shim-events.sqlite3")


@pytest.fixture
def run_report() -> RunReport:
    """`run_report("--scan", "x.json", cwd=...)` runs the report command and returns the process."""

    def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
        return run_process("-m", "migrate", "report", *args, cwd=cwd)

    return run


def fix_split(*paths: str, cwd: Path = REPO, target: str = "ogx-1") -> dict[str, int]:
    """What `fix --target T` (a diff, nothing written) says it does: safe, unsafe and manual counts.

    `fix` always states its safe fixes; it leaves out the unsafe and manual lines when there are none.
    """
    process = run_process("-m", "migrate", "fix", *paths, "--target", target, cwd=cwd)
    assert process.returncode == 0, process.stderr
    safe = re.search(rf"^(\d+) fix(?:es)? for target {target}", process.stderr, re.MULTILINE)
    assert safe, process.stderr
    unsafe = re.search(r"^(\d+) unsafe fix\(es\) not applied", process.stderr, re.MULTILINE)
    manual = re.search(r"^(\d+) use\(s\) need a human", process.stderr, re.MULTILINE)
    return {
        "safe": int(safe.group(1)),
        "unsafe": int(unsafe.group(1)) if unsafe else 0,
        "manual": int(manual.group(1)) if manual else 0,
    }
