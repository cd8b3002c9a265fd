"""`scan --baseline`: only findings missing from a previous scan are new, matched by stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.errors import MigrateError
from migrate.report.baseline import load_baseline, new_findings
from migrate.scan_report import ScanReport
from tests.conftest import RunCli

APP = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url="http://localhost:8321")
client.models.register(model_id="chat", provider_id="vllm")
client.models.unregister("vllm/old")
"""


def scan(run_cli: RunCli, folder: Path, source: str, name: str) -> ScanReport:
    """Write `source` as app.py, scan it for real, and load the JSON result the way `--baseline` does."""
    (folder / "app.py").write_text(source, encoding="utf-8")
    output = folder.parent / f"{name}.json"
    process = run_cli("scan", "--format", "json", "app.py", "-o", str(output), cwd=folder)
    assert process.returncode == 0, process.stderr
    return load_baseline(output)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    return folder


def test_a_finding_moved_by_lines_added_above_is_not_new(run_cli: RunCli, app: Path) -> None:
    before = scan(run_cli, app, APP, "before")
    moved = APP.replace("client = ", "import os\nimport sys\n\n# set up the client\nclient = ")
    after = scan(run_cli, app, moved, "after")
    lines_before = [finding.line for finding in before.findings]
    lines_after = [finding.line for finding in after.findings]
    assert lines_after == [line + 4 for line in lines_before]  # really moved
    assert [f.fingerprint for f in after.findings] == [f.fingerprint for f in before.findings]
    assert new_findings(after, before) == []


def test_a_second_identical_line_is_new(run_cli: RunCli, app: Path) -> None:
    before = scan(run_cli, app, APP, "before")
    register = 'client.models.register(model_id="chat", provider_id="vllm")\n'
    after = scan(run_cli, app, APP + register, "after")
    new = new_findings(after, before)
    assert [(finding.rule, finding.line) for finding in new] == [("LSM101", 6)]


def test_a_removed_finding_is_not_reported_and_a_new_rule_is(run_cli: RunCli, app: Path) -> None:
    before = scan(run_cli, app, APP, "before")
    changed = APP.replace('client.models.unregister("vllm/old")\n', 'client.shields.delete("guard")\n')
    after = scan(run_cli, app, changed, "after")
    assert [(finding.rule, finding.line) for finding in new_findings(after, before)] == [("LSM112", 5)]
    assert new_findings(before, before) == []


def test_missing_baseline_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MigrateError, match=r"cannot read the baseline .*nope\.json"):
        load_baseline(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", r"not a `scan --format json` result"),
        (json.dumps({"version": "2.1.0", "runs": []}), r"target: Field required"),
        (json.dumps({"schema_version": 2}), r"schema_version: Input should be 1"),
    ],
)
def test_a_file_that_is_not_a_scan_result_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MigrateError, match=problem) as caught:
        load_baseline(path)
    assert str(path) in str(caught.value)
