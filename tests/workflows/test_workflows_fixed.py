"""The legacy apps, after `fix` rewrote them and the run config, run on the target with the SDK fixed code is for.

For each target (llama-stack 0.7.3, OGX 1.5.0) the harness copies the apps and a run config that declares nothing
(for 0.7.3 the baseline server's own llama-stack 0.3.5 config, whose providers `fix` migrates as well), runs
``fix --target T --unsafe-fixes --config run.yaml --write`` over them, sets what `fix` could only mark as
unknown (the MCP URLs the apps read from the environment), starts the real server from that config and runs every
app with llama-stack-client 0.7.3 (decision D5). Every step must give what `expected.EXPECTED` says: success, or
one of the documented stops (a removed API on OGX, a use `fix` reports for a human).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.conftest import RunColumns
from tests.workflows.expected import BASELINE_STEPS, mismatches
from tests.workflows.harness import COLUMNS_BY_NAME

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("column", ["fixed-0.7.3", "fixed-ogx"])
def test_every_step_of_every_fixed_app_gives_what_is_expected(
    tmp_path: Path, column: str, run_columns: RunColumns
) -> None:
    [result] = run_columns([column], tmp_path)
    assert result.setup_error == ""
    assert result.fix_summary.startswith(f"fix --target {COLUMNS_BY_NAME[column].target}: exit 0;"), result.fix_summary
    assert "left unset" not in result.fix_summary  # every value fix left to a human is one the apps read at run time
    if column == "fixed-0.7.3":  # the server boots from the baseline's own 0.3.5 config, its providers migrated
        assert "setting(s) migrated for llama-stack-0.7" in result.fix_summary, result.fix_summary
    assert [app_run.app for app_run in result.apps] == list(BASELINE_STEPS)
    problems = [
        problem
        for app_run in result.apps
        for problem in mismatches(
            column, app_run.app, [(s.step, s.ok, f"{s.error}: {s.message}") for s in app_run.steps]
        )
    ]
    assert problems == [], "\n".join(problems + [a.stderr_tail for a in result.apps if a.stderr_tail])
