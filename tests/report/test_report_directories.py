"""`report REPO_DIR...` scans repositories itself; `--root` finds a scan file's sources.

Either way the safe/unsafe split is known for every repository, and it is the one `fix` itself
reports for that repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, RunCli
from tests.report.conftest import RunReport, fix_split

EXAMPLE = REPO / "examples" / "legacy-app"
HEADER = "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"


def as_json(process: Any) -> dict[str, Any]:
    assert process.returncode == 0, process.stderr
    parsed: dict[str, Any] = json.loads(process.stdout)
    return parsed


def split_of(repo: dict[str, Any]) -> dict[str, int]:
    return {key: repo["totals"][key] for key in ("safe", "unsafe", "manual")}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three repositories on disk: the example app (with a CODEOWNERS), one that `fix` finishes, one clean."""
    base = tmp_path_factory.mktemp("fleet")
    shutil.copytree(EXAMPLE, base / "supportbot")
    (base / "supportbot" / "CODEOWNERS").write_text("*.py @app-team\nscripts/ @ops\n")
    (base / "billing").mkdir()
    (base / "billing" / "setup.py").write_text(HEADER + 'client.models.register(model_id="m", provider_id="vllm")\n')
    (base / "clean").mkdir()
    (base / "clean" / "app.py").write_text("print('nothing deprecated')\n")
    return base


def test_each_directory_is_scanned_and_split_as_fix_splits_it(
    run_report: RunReport, run_cli: RunCli, fleet: Path
) -> None:
    report = as_json(run_report("supportbot", "billing", "clean", "--format", "json", "-j", "2", cwd=fleet))
    repos = {repo["name"]: repo for repo in report["repositories"]}
    assert list(repos) == ["supportbot", "billing", "clean"]
    for name, repo in repos.items():
        assert (repo["directory"], repo["scan_file"], repo["sources"]) == (name, None, name)
        assert repo["split_known"] is True and repo["totals"]["auto"] == 0
        own_scan = run_cli("scan", "--format", "json", cwd=fleet / name)  # `scan` run inside the repository
        assert [item["finding"] for item in repo["findings"]] == json.loads(own_scan.stdout)["findings"]
    assert split_of(repos["supportbot"]) == fix_split(".", cwd=fleet / "supportbot")
    assert split_of(repos["billing"]) == fix_split(".", cwd=fleet / "billing") == {"safe": 1, "unsafe": 0, "manual": 0}
    assert [repo["verdict"]["status"] for repo in repos.values()] == ["not-ready", "fix-ready", "ready"]
    owners = {row["owner"]: row["files"] for row in repos["supportbot"]["by_owner"]}
    assert owners["@ops"] == 1 and owners["@app-team"] > 1  # CODEOWNERS read in the repository itself


def test_parallel_and_sequential_reports_are_the_same(run_report: RunReport, fleet: Path) -> None:
    def repositories(jobs: str) -> list[dict[str, Any]]:
        repos: list[dict[str, Any]] = as_json(
            run_report("supportbot", "billing", "clean", "--format", "json", "-j", jobs, cwd=fleet)
        )["repositories"]
        return repos

    assert repositories("1") == repositories("2")


def test_a_repositorys_own_settings_apply_and_target_overrides_them(run_report: RunReport, tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    (repo / "vendored").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(
        '[tool.llama-stack-migrate]\ntarget = "llama-stack-0.4"\nexclude = ["vendored/"]\n'
    )
    call = HEADER + 'client.models.register(model_id="m", provider_id="vllm")\n'
    (repo / "app.py").write_text(call)
    (repo / "vendored" / "lib.py").write_text(call)
    (own,) = as_json(run_report("svc", "--format", "json", cwd=tmp_path))["repositories"]
    assert own["target"] == "llama-stack-0.4"
    assert [item["finding"]["path"] for item in own["findings"]] == ["app.py"]
    (forced,) = as_json(run_report("svc", "--target", "ogx-1", "--format", "json", cwd=tmp_path))["repositories"]
    assert forced["target"] == "ogx-1" and forced["totals"]["safe"] == 1


def test_root_finds_the_sources_of_a_scan_made_elsewhere(
    run_report: RunReport, run_cli: RunCli, fleet: Path, tmp_path: Path
) -> None:
    scan = tmp_path / "supportbot-scan.json"
    assert run_cli("scan", "--format", "json", "-o", str(scan), cwd=fleet / "supportbot").returncode == 0
    document = json.loads(scan.read_text())
    for finding in document["findings"]:
        del finding["fix"]  # a scan by a version that did not record fix applicability: the sources tell
    scan.write_text(json.dumps(document))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (lost,) = as_json(run_report("--repo", f"app={scan}", "--format", "json", cwd=elsewhere))["repositories"]
    assert (lost["split_known"], lost["sources"], lost["totals"]["safe"]) == (False, None, 0)
    expected = fix_split(".", cwd=fleet / "supportbot")
    for root in (f"app={fleet / 'supportbot'}", str(fleet / "supportbot")):
        (found,) = as_json(run_report("--repo", f"app={scan}", "--root", root, "--format", "json", cwd=elsewhere))[
            "repositories"
        ]
        assert found["split_known"] is True, root
        assert split_of(found) == expected, root
        assert found["sources"] == str(fleet / "supportbot")
        assert found["codeowners"] == str(fleet / "supportbot" / "CODEOWNERS")


def test_directory_inputs_mix_with_scan_files(run_report: RunReport, fleet: Path, example_scan: Path) -> None:
    report = as_json(run_report("billing", "--scan", str(example_scan), "--format", "json", cwd=fleet))
    names = [(repo["name"], repo["directory"], repo["scan_file"]) for repo in report["repositories"]]
    assert names == [("legacy-app", None, str(example_scan)), ("billing", "billing", None)]


def test_the_same_name_twice_is_refused_and_name_equals_dir_tells_them_apart(
    run_report: RunReport, tmp_path: Path
) -> None:
    for team in ("team-a", "team-b"):
        (tmp_path / team / "api").mkdir(parents=True)
        (tmp_path / team / "api" / "app.py").write_text("print('ok')\n")
    clash = run_report("team-a/api", "team-b/api", cwd=tmp_path)
    assert clash.returncode == 2
    assert "are both named repository 'api': name them with --repo NAME=FILE (a scan result) or NAME=DIR" in (
        clash.stderr
    )
    named = as_json(run_report("a-api=team-a/api", "b-api=team-b/api", "--format", "json", cwd=tmp_path))
    assert [repo["name"] for repo in named["repositories"]] == ["a-api", "b-api"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing-dir",), "missing-dir: not a repository directory (give DIR or NAME=DIR)"),
        (("x=missing-dir",), "x=missing-dir: not a repository directory"),
        (("broken",), "repository broken (broken): "),
        (("ok", "--root", "ghost=ok"), "--root names no repository of this report: ghost"),
    ],
)
def test_bad_directories_get_a_clear_error(
    run_report: RunReport, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pyproject.toml").write_text('[tool.llama-stack-migrate]\ntarget = "no-such-target"\n')
    process = run_report(*args, cwd=tmp_path)
    assert process.returncode == 2
    assert message in process.stderr
    assert "Traceback" not in process.stderr
