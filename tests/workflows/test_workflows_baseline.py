"""The legacy apps, as written, run completely against the server they were written for.

Every app of `apps/` runs with the SDK it was written for against a real server of that SDK's era:
`llama-stack-client` 0.3.5 against llama-stack 0.3.5, 0.4.7 against llama-stack 0.4.7 (`harness.App.sdk`; the
stand-ins of `standins.py` serve inference and MCP). Each reports exactly the steps of `expected.BASELINE_STEPS`,
in order, and every one succeeds. This is the yardstick of the other columns of `python -m tests.workflows.harness`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.conftest import RunColumns
from tests.workflows.expected import BASELINE_STEPS, mismatches
from tests.workflows.harness import APPS

pytestmark = pytest.mark.integration


def test_every_step_of_every_app_succeeds_against_its_sdks_server(tmp_path: Path, run_columns: RunColumns) -> None:
    [baseline] = run_columns(["baseline"], tmp_path)
    assert baseline.setup_error == ""
    assert [app_run.app for app_run in baseline.apps] == [app.name for app in APPS] == list(BASELINE_STEPS)
    problems = [
        problem
        for app_run in baseline.apps
        for problem in mismatches(
            "baseline", app_run.app, [(s.step, s.ok, f"{s.error}: {s.message}") for s in app_run.steps]
        )
    ]
    assert problems == [], "\n".join(problems + [a.stderr_tail for a in baseline.apps if a.stderr_tail])
    assert sum(len(app_run.steps) for app_run in baseline.apps) == sum(map(len, BASELINE_STEPS.values())) == 114
