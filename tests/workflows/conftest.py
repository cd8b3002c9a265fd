"""The workflow suite: `apps/` and `runners/` are what the harness runs inside the SDK venvs, not tests here.

The tests run their columns through the `run_columns` fixture, which keeps every column's result; at the end of
the session the table app x run of steps completed (`harness.format_table`) is printed with pytest's summary, so
that CI's log shows it as `python -m tests.workflows.harness` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.workflows.harness import COLUMNS, COLUMNS_BY_NAME, ColumnRun, format_table, run

collect_ignore = ["apps", "runners", "standins.py"]

_RUNS = pytest.StashKey[list[ColumnRun]]()

RunColumns = Callable[[Sequence[str], Path], list[ColumnRun]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: runs real Llama Stack / OGX servers (Python 3.12 venvs, cached; first run installs them)",
    )


@pytest.fixture
def run_columns(request: pytest.FixtureRequest) -> RunColumns:
    """`harness.run` of the named columns, kept for the session's table."""
    kept = request.config.stash.setdefault(_RUNS, [])

    def run_and_keep(names: Sequence[str], workdir: Path) -> list[ColumnRun]:
        runs = run([COLUMNS_BY_NAME[name] for name in names], workdir)
        kept.extend(runs)
        return runs

    return run_and_keep


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    runs = config.stash.get(_RUNS, [])
    if not runs:
        return
    order = [column.name for column in COLUMNS]
    terminalreporter.section("workflows: steps completed / steps of the app (expected to succeed)")
    terminalreporter.write_line(format_table(sorted(runs, key=lambda r: order.index(r.column))))
