"""`llama-stack-migrate scan` end to end: real files on disk, the real console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from migrate.rule_loader import load_rules
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


def test_concise_output_is_one_line_per_finding_then_a_summary(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", cwd=project)
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines() == [
        # literal arguments: a safe rewrite; the Dataset API has no replacement on OGX: no mark
        "app.py:4:1: LSM101 [*] Model registration removed on ogx-1",
        "app.py:5:1: LSM131 Dataset registration removed on ogx-1",
        "",
        "Found 2 deprecated uses in 1 file for target ogx-1 (2 errors, 0 warnings).",
        "[*] 1 fixable with `llama-stack-migrate fix --write`.",
        "Scanned 1 file (1 ruled out without parsing), 2 suppressed by comment.",
        "What to do: `--format full` at each finding, `llama-stack-migrate rule ID` for a rule.",
    ]
    assert "\x1b[" not in process.stdout  # no colour when not a terminal


def test_an_unsafe_fix_has_its_own_mark_and_the_summary_says_how_to_apply_it(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(
        "from llama_stack_client import LlamaStackClient\n"
        "def add(client: LlamaStackClient, name: str) -> None:\n"
        '    client.models.register(model_id=name, provider_id="vllm")\n'
        '    client.toolgroups.unregister("mcp::old")\n'
        '    client.datasets.register(purpose="eval/messages-answer", source={}, dataset_id="d")\n'
    )
    process = run_cli("scan", "--target", "llama-stack-0.7", ".", cwd=tmp_path)
    lines = process.stdout.splitlines()
    assert lines[:3] == [
        "app.py:3:5: LSM101 [~] Model registration removed on llama-stack-0.7",  # `name` is known at run time only
        "app.py:4:5: LSM122 [*] Tool group unregistration removed on llama-stack-0.7",
        "app.py:5:5: LSM131 [*] Dataset registration renamed on llama-stack-0.7",  # client.beta.datasets there
    ]
    # --target was given: the command the summary names says it too
    assert (
        "[*] 2 fixable with `llama-stack-migrate fix --write --target llama-stack-0.7` ([~] 1 more with "
        "`--unsafe-fixes`)." in lines
    )
    only_unsafe = run_cli("scan", "--select", "LSM101", ".", cwd=tmp_path).stdout
    assert "[~] 1 fixable with `llama-stack-migrate fix --write --unsafe-fixes` (no safe fixes)." in only_unsafe


def test_full_output_shows_the_source_what_to_do_and_what_fix_does(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", "--format", "full", ".", cwd=project)
    assert process.returncode == 0, process.stderr
    out = process.stdout
    guidance = load_rules().by_id["LSM101"].targets["ogx-1"].guidance
    assert out.startswith(
        "LSM101 [*] Model registration removed on ogx-1\n"
        " --> app.py:4:1\n"
        "  |\n"
        '4 | client.models.register(model_id="llama3", provider_id="ollama")\n'
        "  | " + "^" * 63 + "\n"
        "  |\n"
        "  = found: SDK call client.models.register()\n"
        f"help: {guidance} (removed in llama-stack 0.7.0)\n"
        "fix: [*] safe, applied by `fix --write`: "
    )
    assert "fix: none, a human decides: no replacement on this target" in out  # LSM131 on OGX
    assert "Found 2 deprecated uses in 1 file" in out and "What to do:" not in out


def test_statistics_count_each_rule_with_its_fix_split(project: Path, run_cli: RunCli) -> None:
    (project / "more.py").write_text(APP.replace("llama3", "llama4"))
    process = run_cli("scan", "--statistics", ".", cwd=project)
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    assert lines[0].split() == ["count", "rule", "[*]", "safe", "[~]", "unsafe", "manual", "title"]
    assert [line.split() for line in lines[1:3]] == [
        ["2", "LSM101", "2", "0", "0", "Model", "registration"],
        ["2", "LSM131", "0", "0", "2", "Dataset", "registration"],
    ]
    assert lines[3] == "" and lines[4].startswith("Found 4 deprecated uses in 2 files")
    refused = run_cli("scan", "--statistics", "--format", "json", ".", cwd=project)
    assert refused.returncode == 2 and "--statistics" in refused.stderr


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
    first, second = findings
    assert first["severity"] == "error" and first["surface"] == "sdk" and first["confidence"] == "high"
    assert first["fixable"] is True and first["end_line"] == 4 and first["end_column"] == 64
    assert first["message"] == "Model registration removed on ogx-1"
    assert first["detail"] == "SDK call client.models.register()"
    assert first["fix"]["applicability"] == "safe" and second["fix"]["applicability"] == "manual"
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
        and summary["by_fix"] == {"safe": 1, "unsafe": 0, "manual": 1}
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


def test_github_annotations_carry_the_short_message_and_the_fix_not_the_guidance(
    project: Path, run_cli: RunCli
) -> None:
    process = run_cli("scan", "--format", "github", ".", cwd=project)
    lines = process.stdout.splitlines()
    assert lines == [
        "::error file=app.py,line=4,col=1,endLine=4,endColumn=64,title=LSM101 Model registration removed on ogx-1"
        "::SDK call client.models.register(): [*] `llama-stack-migrate fix --write --target ogx-1` rewrites it. "
        "`llama-stack-migrate rule LSM101` says what to do.",
        "::error file=app.py,line=5,col=1,endLine=5,endColumn=109,title=LSM131 Dataset registration removed on "
        "ogx-1::SDK call client.datasets.register(): no automatic fix. "
        "`llama-stack-migrate rule LSM131` says what to do.",
    ]
    for rule in load_rules().rules:
        assert rule.targets["ogx-1"].guidance not in process.stdout


def test_rule_explains_a_rule_with_its_guidance_per_target_and_examples(run_cli: RunCli) -> None:
    process = run_cli("rule", "lsm101")
    assert process.returncode == 0, process.stderr
    out = process.stdout
    rule = load_rules().by_id["LSM101"]
    assert out.startswith("# LSM101\n\n**Model registration** (model register)\n\n")
    assert " ".join(rule.rationale.split()) in out
    for name, plan in rule.targets.items():
        assert f"| {name} | " in out and f" | {plan.strategy} | {plan.guidance} |" in out
    for example in rule.examples:
        assert f"- *{example.name}* " in out
    # what fix makes of an example, for the targets it rewrites it for
    assert (
        "  After `fix --target llama-stack-0.7`:\n\n  ```python\n  import llama_stack_client\n"
        '  chat = client.models.retrieve("vllm/meta-llama/Llama-3.1-8B")'
    ) in out
    every = run_cli("rule", "--all")
    assert every.returncode == 0 and [line for line in every.stdout.splitlines() if line.startswith("# LSM")] == [
        f"# {rule.id}" for rule in load_rules().rules
    ]
    unknown = run_cli("rule", "LSM999")
    assert unknown.returncode == 2 and "no rule LSM999" in unknown.stderr
    assert run_cli("rule").returncode == 2


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
    for command in ("scan", "fix", "shim", "rules", "rule", "schema"):
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
