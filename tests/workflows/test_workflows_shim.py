"""The legacy apps, as written and with their own SDK (0.3.5 or 0.4.7), through the shim in front of real
llama-stack 0.7.3 and OGX 1.5.0.

Both shim columns of `python -m tests.workflows.harness` run in one harness run (stand-ins and each target's
`fix` shared, one server and one shim per column): every step gives what `expected.EXPECTED` says, i.e. it
succeeds, or stops where docs/shim.md documents a stop (the 410 of a removed kind, the 501 of a built-in
group's tools on OGX, a declared group still listed after its unregister), showing that stop. The deprecation
events record the translated reads, and `report` renders them.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflows.conftest import RunColumns
from tests.workflows.expected import BASELINE_STEPS, mismatches

pytestmark = pytest.mark.integration

SHIM_COLUMNS = ("shim-0.7.3", "shim-ogx")


def test_every_app_runs_through_the_shim_to_its_documented_stops(tmp_path: Path, run_columns: RunColumns) -> None:
    runs = run_columns(SHIM_COLUMNS, tmp_path)
    for column in runs:
        assert column.setup_error == "", column.setup_error
        assert [app_run.app for app_run in column.apps] == list(BASELINE_STEPS)
        problems = [
            problem
            for app_run in column.apps
            for problem in mismatches(
                column.column, app_run.app, [(s.step, s.ok, f"{s.error}: {s.message}") for s in app_run.steps]
            )
        ]
        assert problems == [], "\n".join(problems + [a.stderr_tail for a in column.apps if a.stderr_tail])
    done = {column.column: sum(step.ok for app_run in column.apps for step in app_run.steps) for column in runs}
    assert done == {"shim-0.7.3": 109, "shim-ogx": 61}  # of 114: everything but the documented stops

    for name in SHIM_COLUMNS:
        store = tmp_path / f"state-{name}" / "shim-events.sqlite3"
        with sqlite3.connect(store) as db:
            outcomes = dict(
                db.execute("SELECT rule_id || ' ' || outcome, count(*) FROM deprecation_events GROUP BY 1").fetchall()
            )
            translated_047 = db.execute(
                "SELECT DISTINCT rule_id FROM deprecation_events WHERE sdk_version = '0.4.7' AND outcome = 'translated'"
            ).fetchall()
        # the legacy listings of models, tool groups and a group's tools were translated, for the SDK and the raw app
        assert {"LSM103 translated", "LSM123 translated", "LSM124 translated"} <= set(outcomes), outcomes
        # for SDK 0.4.7 only the routes the target removed: its model listing is the target's own (D6)
        assert sorted(translated_047) == [("LSM123",), ("LSM124",)]
        assert outcomes["LSM125 gone"] == 3  # direct tool calls: helpdesk, supportbot, ops (D1)
        report = subprocess.run(
            [sys.executable, "-m", "migrate", "report", "--events", str(store), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            cwd=tmp_path,
        )
        rendered = {(row["rule"], row["outcome"]) for row in json.loads(report.stdout)["runtime"]["outcomes"]}
        assert ("LSM103", "translated") in rendered
