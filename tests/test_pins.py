"""The target is inferred from the project's own client pins when nothing else sets it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.pins import target_for
from tests.conftest import RunCli


@pytest.mark.parametrize(
    ("requirement", "target"),
    [
        ("llama-stack-client==0.7.2", "llama-stack-0.7"),
        ("llama_stack_client>=0.5,<0.7", "llama-stack-0.4"),
        ("llama-stack-client~=0.4.3 ; python_version >= '3.12'", "llama-stack-0.4"),
        ("ogx-client>=1.2", "ogx-1"),
        ("llama-stack-client>=0.3,<0.4", None),
        ("llama-stack-client", None),
        ("llama-stack-client-extras==0.7", None),
    ],
)
def test_requirement_to_target(requirement: str, target: str | None) -> None:
    assert target_for(requirement) == target


def test_scan_infers_and_says_so(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "requirements.txt").write_text("httpx\nllama-stack-client==0.7.2\n")
    (tmp_path / "app.py").write_text("import llama_stack_client\nclient.shields.delete('g')\n")
    process = run_cli("scan", "--format", "json", ".", cwd=tmp_path)
    assert "target llama-stack-0.7, inferred from `llama-stack-client==0.7.2`" in process.stderr
    report = json.loads(process.stdout)
    assert report["target"] == "llama-stack-0.7"
    assert report["findings"][0]["severity"] == "warning"  # shields are still served on 0.7
    explicit = json.loads(run_cli("scan", "--format", "json", "--target", "ogx-1", ".", cwd=tmp_path).stdout)
    assert explicit["target"] == "ogx-1"


def test_poetry_caret_pin(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\nllama-stack-client = "^0.5.1"\n')
    (tmp_path / "app.py").write_text("x = 1\n")
    process = run_cli("scan", "--format", "json", ".", cwd=tmp_path)
    assert json.loads(process.stdout)["target"] == "llama-stack-0.4"


def test_a_selection_without_the_pin_rule_scans_dependency_files_quietly(tmp_path: Path, run_cli: RunCli) -> None:
    """`--select LSM26` leaves no pin rule: a pyproject.toml's `requires-python = ">=3.10"` once matched a pattern of
    no names and failed the file with a KeyError."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.10"\ndependencies = ["llama-stack-client>=0.3,<0.4"]\n',
        encoding="utf-8",
    )
    selected = run_cli("scan", ".", "--select", "LSM26", cwd=tmp_path)
    assert selected.returncode == 0, selected.stdout + selected.stderr
    assert "could not be scanned" not in selected.stdout + selected.stderr
    pinned = run_cli("scan", ".", "--select", "LSM160", cwd=tmp_path)
    assert "pyproject.toml:4:" in pinned.stdout and "LSM160" in pinned.stdout
