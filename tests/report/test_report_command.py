"""The `report` command: inputs, repository names, per-repository targets, verdicts, errors, output."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, RunCli
from tests.report.conftest import RunReport


def as_json(process: Any) -> dict[str, Any]:
    assert process.returncode == 0, process.stderr
    parsed: dict[str, Any] = json.loads(process.stdout)
    return parsed


def scan_to(run_cli: RunCli, output: Path, *args: str, cwd: Path = REPO) -> Path:
    process = run_cli("scan", "--format", "json", "-o", str(output), *args, cwd=cwd)
    assert process.returncode == 0, process.stderr
    return output


def test_verdicts_per_repository_each_for_its_own_target(
    run_report: RunReport, run_cli: RunCli, example_scan: Path, tmp_path: Path
) -> None:
    older = scan_to(run_cli, tmp_path / "old-target.json", "--target", "llama-stack-0.4", "examples/legacy-app")
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "app.py").write_text("print('nothing deprecated here')\n")
    empty = scan_to(run_cli, tmp_path / "clean.json", "app.py", cwd=clean)
    report = as_json(
        run_report(
            "--repo", f"app-on-0.4={older}", "--scan", str(example_scan), "--scan", str(empty), "--format", "json"
        )
    )
    verdicts = {repo["name"]: (repo["target"], repo["verdict"]["status"]) for repo in report["repositories"]}
    assert verdicts == {
        # renamed namespaces break there (fix renames them), and so do the model listings read in the legacy shape
        "app-on-0.4": ("llama-stack-0.4", "not-ready"),
        "legacy-app": ("ogx-1", "not-ready"),
        "clean": ("ogx-1", "ready"),
    }
    on_04 = next(repo for repo in report["repositories"] if repo["name"] == "app-on-0.4")
    assert on_04["totals"]["warnings"] > 0 and on_04["totals"]["errors"] > 0
    assert on_04["verdict"]["line"].startswith("app-on-0.4: not ready for llama-stack-0.4: 6 of ")
    blocking = [item for item in on_04["findings"] if item["finding"]["severity"] == "error"]
    assert {item["finding"]["rule"] for item in blocking if item["fix"] != "safe"} == {"LSM103"}
    assert any(item["fix"] == "safe" for item in blocking)


def test_a_target_that_differs_from_the_scans_is_refused(run_report: RunReport, example_scan: Path) -> None:
    process = run_report("--scan", str(example_scan), "--target", "llama-stack-0.7")
    assert process.returncode == 2
    assert "was scanned for ogx-1, not llama-stack-0.7: scan again with --target llama-stack-0.7" in process.stderr


def test_verdict_levels(run_report: RunReport, run_cli: RunCli, tmp_path: Path) -> None:
    def verdict(source: str, *scan_args: str) -> dict[str, Any]:
        folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "app.py").write_text(source)
        output = folder / "scan.json"
        process = run_cli("scan", "--format", "json", "-o", str(output), *scan_args, "app.py", cwd=folder)
        assert process.returncode in (0, 2), process.stderr
        repo: dict[str, Any] = as_json(run_report("--scan", str(output), "--format", "json", cwd=folder))[
            "repositories"
        ][0]
        return repo

    header = "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"
    safe = verdict(header + 'client.models.register(model_id="m", provider_id="vllm")\n')
    assert safe["verdict"]["status"] == "fix-ready" and safe["totals"]["safe"] == 1
    assert "after `llama-stack-migrate fix --target ogx-1 --write`" in safe["verdict"]["line"]
    deprecated_only = verdict(
        header + 'client.shields.register(shield_id="g", provider_id="p")\n', "--target", "llama-stack-0.7"
    )
    assert deprecated_only["verdict"]["status"] == "ready-with-warnings"
    broken = verdict(header + 'client.models.register(model_id="m"\n')  # never closed
    assert broken["verdict"]["status"] == "incomplete" and broken["totals"]["files_failed"] == 1


def test_the_safe_unsafe_split_comes_from_the_scan_without_its_sources(
    run_report: RunReport, example_scan: Path, tmp_path: Path
) -> None:
    scan = json.loads(example_scan.read_text())
    repo = as_json(run_report("--scan", str(example_scan), "--format", "json", cwd=tmp_path))["repositories"][0]
    assert repo["split_known"] is True
    safe = sum(1 for finding in scan["findings"] if finding["fix"]["applicability"] == "safe")
    unsafe = sum(1 for finding in scan["findings"] if finding["fix"]["applicability"] == "unsafe")
    assert safe and unsafe and safe + unsafe == scan["summary"]["fixable"]
    assert (repo["totals"]["safe"], repo["totals"]["unsafe"], repo["totals"]["auto"]) == (safe, unsafe, 0)


def test_a_scan_without_fix_applicability_and_without_its_sources_leaves_the_split_unknown(
    run_report: RunReport, example_scan: Path, tmp_path: Path
) -> None:
    scan = json.loads(example_scan.read_text())
    for finding in scan["findings"]:
        del finding["fix"]  # written before findings carried it
    old = tmp_path / "old-scan.json"
    old.write_text(json.dumps(scan))
    repo = as_json(run_report("--repo", f"legacy-app={old}", "--format", "json", cwd=tmp_path))["repositories"][0]
    assert repo["split_known"] is False
    assert repo["totals"]["auto"] == scan["summary"]["fixable"]
    assert repo["totals"]["safe"] == repo["totals"]["unsafe"] == 0
    assert "split unknown" in repo["verdict"]["line"]


def test_repository_names(run_report: RunReport, example_scan: Path, tmp_path: Path) -> None:
    copy = tmp_path / "nightly.json"
    shutil.copy(example_scan, copy)
    process = run_report("--scan", str(example_scan), "--scan", str(copy))
    assert process.returncode == 2
    assert "are both named repository 'legacy-app': name them with --repo NAME=FILE" in process.stderr
    report = as_json(run_report("--scan", str(example_scan), "--repo", f"nightly={copy}", "--format", "json"))
    assert [repo["name"] for repo in report["repositories"]] == ["nightly", "legacy-app"]
    assert run_report("--repo", "no-equals-sign").returncode == 2


def test_output_file_is_written_and_nothing_printed(run_report: RunReport, example_scan: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.md"
    output.write_text("old")
    process = run_report("--scan", str(example_scan), "-o", str(output))
    assert process.returncode == 0, process.stderr
    assert process.stdout == ""
    assert output.read_text().startswith("# Llama Stack migration report\n")
    assert [path.name for path in tmp_path.iterdir()] == ["report.md"]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to report on"),
        (("--events", "missing.sqlite3"), "--events missing.sqlite3: no such file"),
        (("--events", "README.md"), "cannot read the events database README.md"),
        (("--scan", "README.md"), "README.md is not a `scan --format json` result"),
        (("--scan", "missing.json"), "cannot read the scan result missing.json"),
        (("--events", "{db}", "--since", "last tuesday"), "'last tuesday' is not an ISO date"),
        (("--events", "{db}", "--since", "2026-03-05", "--until", "2026-03-04"), "is not before --until"),
        (("--events", "{db}", "--root", "nope-dir"), "--root nope-dir: not a directory"),
        (("--events", "{db}", "--root", "ghost=."), "--root names no repository of this report: ghost"),
    ],
)
def test_errors_are_clear_and_exit_2(
    run_report: RunReport, history_db: Path, args: tuple[str, ...], message: str
) -> None:
    process = run_report(*(arg.replace("{db}", str(history_db)) for arg in args))
    assert process.returncode == 2
    assert message in process.stderr
    assert "Traceback" not in process.stderr


def test_an_events_database_from_a_newer_shim_is_refused(run_report: RunReport, tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE deprecation_events (id INTEGER PRIMARY KEY)")
        db.execute("PRAGMA user_version = 99")
    db.close()
    process = run_report("--events", str(path))
    assert process.returncode == 2
    assert "events schema version 99 is newer than this tool reads" in process.stderr


def test_a_database_without_events_is_refused(run_report: RunReport, tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE something_else (id INTEGER)")
    db.close()
    process = run_report("--events", str(path))
    assert process.returncode == 2
    assert "holds no shim events (no deprecation_events table)" in process.stderr


def test_an_empty_history_is_reported_as_such(run_report: RunReport, tmp_path: Path) -> None:
    from migrate.shim.events import SQLiteStore

    path = tmp_path / "empty.sqlite3"
    SQLiteStore(path).close()
    runtime = as_json(run_report("--events", str(path), "--format", "json"))["runtime"]
    assert (runtime["calls"], runtime["days"], runtime["pending"]) == (0, [], [])
    assert runtime["trend"]["direction"] == "too-little-data"
    markdown = run_report("--events", str(path)).stdout
    assert "run time: 0 deprecated calls over 0 days, too little data for a trend" in markdown
