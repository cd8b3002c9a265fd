"""`llama-stack-migrate scan` end to end: real files on disk, the real console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, RunCli
from tests.gitrepo import git

APP = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url="http://127.0.0.1:8321")
client.models.register(model_id="llama3", provider_id="ollama")
client.datasets.register(purpose="eval/messages-answer", source={"type": "uri", "uri": "x"}, dataset_id="d")
client.shields.delete("guard")  # llama-stack-migrate: ignore[LSM112]
client.models.unregister("ollama/llama3")  # llama-stack-migrate: ignore
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "clean.py").write_text("import atexit\natexit.register(print)\n")
    return tmp_path


def scan_json(run_cli: RunCli, *args: str, cwd: Path) -> dict[str, object]:
    process = run_cli("scan", "--format", "json", *args, cwd=cwd)
    assert process.returncode in (0, 1), process.stderr
    return json.loads(process.stdout)  # type: ignore[no-any-return]


def test_text_output_groups_by_file_and_counts(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", cwd=project)
    assert process.returncode == 0, process.stderr
    out = process.stdout
    assert out.splitlines()[0] == "app.py"
    assert "4:1  error   LSM101" in out
    assert "5:1  error   LSM131" in out
    assert '| client.models.register(model_id="llama3", provider_id="ollama")' in out
    assert "Found 2 deprecated uses in 1 file for target ogx-1: 2 errors, 0 warnings" in out
    assert "2 suppressed by comment" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_json_output_is_valid_against_the_published_schema(project: Path, run_cli: RunCli) -> None:
    report = scan_json(run_cli, ".", cwd=project)
    schema = json.loads((REPO / "docs" / "scan-output.schema.json").read_text())
    jsonschema.validate(report, schema)
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("app.py", 4, 1, "LSM101"),
        ("app.py", 5, 1, "LSM131"),
    ]
    first = findings[0]
    assert first["severity"] == "error" and first["surface"] == "sdk" and first["confidence"] == "high"
    assert first["fixable"] is True and first["end_line"] == 4 and first["end_column"] == 64
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert (
        summary["suppressed"] == 2
        and summary["files_skipped"] == 1
        and summary["by_rule"]
        == {
            "LSM101": 1,
            "LSM131": 1,
        }
    )


def test_target_sets_severity_and_fixability(project: Path, run_cli: RunCli) -> None:
    report = scan_json(run_cli, ".", "--target", "llama-stack-0.4", cwd=project)
    by_rule = {f["rule"]: f for f in report["findings"]}  # type: ignore[attr-defined]
    # Models are only deprecated on 0.4; the `datasets` namespace is renamed there, which breaks code.
    assert by_rule["LSM101"]["severity"] == "warning" and by_rule["LSM101"]["fixable"] is False
    assert by_rule["LSM131"]["severity"] == "error" and by_rule["LSM131"]["fixable"] is True


def test_check_exit_codes(project: Path, run_cli: RunCli) -> None:
    assert run_cli("scan", "--check", ".", cwd=project).returncode == 1
    assert run_cli("scan", "--check", "clean.py", cwd=project).returncode == 0
    assert run_cli("scan", ".", cwd=project).returncode == 0
    missing = run_cli("scan", "no-such-dir", cwd=project)
    assert missing.returncode == 2 and "no-such-dir" in missing.stderr
    assert run_cli("scan", "--format", "xml", ".", cwd=project).returncode == 2


def test_select_and_ignore(project: Path, run_cli: RunCli) -> None:
    only_models = scan_json(run_cli, "--select", "LSM10", ".", cwd=project)
    assert [f["rule"] for f in only_models["findings"]] == ["LSM101"]  # type: ignore[attr-defined]
    without_models = scan_json(run_cli, "--ignore", "LSM101,LSM102", ".", cwd=project)
    assert [f["rule"] for f in without_models["findings"]] == ["LSM131"]  # type: ignore[attr-defined]


def test_pyproject_settings_apply_and_cli_overrides(project: Path, run_cli: RunCli) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.llama-stack-migrate]\ntarget = "llama-stack-0.7"\nignore = ["LSM131"]\nexclude = ["legacy/"]\n'
    )
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(APP)
    report = scan_json(run_cli, ".", cwd=project)
    assert report["target"] == "llama-stack-0.7"
    assert [(f["path"], f["rule"]) for f in report["findings"]] == [("app.py", "LSM101")]  # type: ignore[attr-defined]
    overridden = scan_json(run_cli, "--target", "ogx-1", ".", cwd=project)
    assert overridden["target"] == "ogx-1"


def test_invalid_settings_exit_2(project: Path, run_cli: RunCli) -> None:
    (project / "pyproject.toml").write_text('[tool.llama-stack-migrate]\ntarget = "llama-stack-9"\n')
    process = run_cli("scan", ".", cwd=project)
    assert process.returncode == 2
    assert "[tool.llama-stack-migrate]: target" in process.stderr


def test_unparsable_and_undecodable_files_are_reported_and_the_scan_goes_on(project: Path, run_cli: RunCli) -> None:
    (project / "broken.py").write_text("client.models.register(model_id='x'\n")
    (project / "latin.md").write_bytes(b"curl -X POST http://llama:8321/v1/models \xff\xfe\n")
    process = run_cli("scan", "--format", "json", ".", cwd=project)
    assert process.returncode == 2
    report = json.loads(process.stdout)
    assert {f["path"] for f in report["failures"]} == {"broken.py", "latin.md"}
    assert any("cannot parse Python" in f["error"] for f in report["failures"])
    assert any("cannot decode" in f["error"] for f in report["failures"])
    assert [f["rule"] for f in report["findings"]] == ["LSM101", "LSM131"]


def test_github_annotations(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", "--format", "github", ".", cwd=project)
    lines = process.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error file=app.py,line=4,col=1,endLine=4,endColumn=64,title=LSM101 model register::")
    assert "%0A" not in lines[0] or "\n" not in lines[0]


def test_output_file_is_written(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", "--format", "json", "-o", "out/report.json", ".", cwd=project)
    assert process.returncode == 2  # the folder does not exist: an I/O error, reported
    assert "cannot write" in process.stderr
    (project / "out").mkdir()
    assert run_cli("scan", "--format", "json", "-o", "out/report.json", ".", cwd=project).returncode == 0
    assert json.loads((project / "out" / "report.json").read_text())["summary"]["findings"] == 2


def test_python_dash_m_and_version(run_cli: RunCli) -> None:
    process = run_cli("--version")
    assert process.returncode == 0 and "llama-stack-migrate, version" in process.stdout


def test_every_command_is_registered(run_cli: RunCli) -> None:
    listing = run_cli("--help").stdout
    for command in ("scan", "fix", "shim", "rules", "schema"):
        assert f"  {command} " in listing
    shim_help = run_cli("shim", "--help")
    assert shim_help.returncode == 0 and "--upstream" in shim_help.stdout


def test_baseline_gates_only_new_findings(project: Path, run_cli: RunCli) -> None:
    (project / "baseline.json").write_text(run_cli("scan", "--format", "json", ".", cwd=project).stdout)
    (project / "app.py").write_text("# a header added above every finding\n" + APP)
    unchanged = run_cli("scan", "--check", "--baseline", "baseline.json", ".", cwd=project)
    assert unchanged.returncode == 0, unchanged.stderr
    assert "0 finding(s) not in the baseline" in unchanged.stderr
    (project / "app.py").write_text(APP + 'client.models.register(model_id="second", provider_id="x")\n')
    new = run_cli("scan", "--check", "--baseline", "baseline.json", ".", cwd=project)
    assert new.returncode == 1 and "1 finding(s) not in the baseline" in new.stderr
    broken = run_cli("scan", "--check", "--baseline", "app.py", ".", cwd=project)
    assert broken.returncode == 2


def _notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": cell}
                for cell in cells
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_tracked_notebook_that_gitignore_matches_is_scanned(tmp_path: Path, run_cli: RunCli) -> None:
    """Issue 12, class 1: git never ignores a tracked file; an untracked ignored one stays skipped."""
    (tmp_path / ".gitignore").write_text("# scratch notebooks stay local\n*.ipynb\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "demo.ipynb").write_text(
        _notebook(
            "from llama_stack_client import LlamaStackClient\n\nclient = LlamaStackClient()",
            'client.models.register(model_id="llama3.2:3b", provider_id="ollama")',
            "!llama-stack-client shields register --shield-id guard --provider-id llama-guard",
            'client.toolgroups.unregister("mcp::kb")',
        )
    )
    (tmp_path / "notebooks" / "scratch.ipynb").write_text(
        _notebook('client.benchmarks.register(benchmark_id="b", dataset_id="d", scoring_functions=[])')
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "add", "-f", "notebooks/demo.ipynb")
    git(tmp_path, "commit", "-q", "-m", "demo notebook")
    report = scan_json(run_cli, ".", cwd=tmp_path)
    found = [(f["path"], f["cell"], f["line"], f["rule"]) for f in report["findings"]]  # type: ignore[attr-defined]
    assert found == [
        ("notebooks/demo.ipynb", 2, 1, "LSM101"),
        ("notebooks/demo.ipynb", 3, 1, "LSM111"),
        ("notebooks/demo.ipynb", 4, 1, "LSM122"),
    ]
