"""docs/code-scanning.md: its workflow is valid, asks for the permissions its steps need, and runs
commands this CLI has; the commands, run on the example app, write what the later steps read.

So the recipe cannot rot: an option renamed or removed, a file name changed in one step and not
the next, or a report that no longer fits a comment fails here.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from migrate import toml
from migrate.cli import main
from tests.conftest import REPO, RunCli

GUIDE = REPO / "docs" / "code-scanning.md"
GITHUB_COMMENT_LIMIT = 65_536


def workflow() -> dict[Any, Any]:
    text = GUIDE.read_text(encoding="utf-8")
    (block,) = re.findall(r"^```yaml\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    parsed: dict[Any, Any] = yaml.safe_load(block)
    return parsed


def steps() -> list[dict[str, Any]]:
    (job,) = workflow()["jobs"].values()
    found: list[dict[str, Any]] = job["steps"]
    return found


def commands() -> list[list[str]]:
    """Every command line of the `run:` steps, split as the shell would."""
    return [shlex.split(line) for step in steps() if "run" in step for line in step["run"].strip().splitlines()]


def cli_params(args: list[str]) -> dict[str, Any]:
    """The parameters click parses from `llama-stack-migrate ARGS` (nothing runs); fails on unknown options."""
    command = main.get_command(click.Context(main), args[0])
    assert command is not None, f"no command {args[0]!r}"
    try:
        params: dict[str, Any] = command.make_context(args[0], args[1:]).params
    except click.UsageError as exc:
        pytest.fail(f"llama-stack-migrate {shlex.join(args)}: {exc}")
    return params


def test_the_workflow_triggers_and_asks_for_exactly_the_permissions_it_needs() -> None:
    document = workflow()
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request"}
    assert document["permissions"] == {"contents": "read"}
    (job,) = document["jobs"].values()
    assert job["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "actions": "read",
        "pull-requests": "write",
    }
    actions = [step["uses"].split("@")[0] for step in steps() if "uses" in step]
    assert actions == [
        "actions/checkout",
        "actions/setup-python",
        "github/codeql-action/upload-sarif",
        "actions/github-script",
    ]


def test_every_command_exists_and_the_steps_hand_each_other_the_right_files() -> None:
    lines = commands()
    project = toml.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert ["pip", "install", project] in lines
    ours = [line[1:] for line in lines if line[0] == "llama-stack-migrate"]
    assert [args[0] for args in ours] == ["scan", "report"]
    scan, report = (cli_params(args) for args in ours)
    assert scan["output_format"] == "sarif"
    upload = next(step for step in steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == str(scan["output"])
    comment = next(step for step in steps() if step.get("uses", "").startswith("actions/github-script"))
    script = comment["with"]["script"]
    assert f'readFileSync("{report["output"]}"' in script
    (marker,) = re.findall(r'const marker = "(.*)";', script)
    assert report["output_format"] == "markdown"
    assert report["max_chars"] + len(marker) + 1 <= GITHUB_COMMENT_LIMIT  # the marker line and the report


def test_the_commands_run_on_the_example_app_and_write_what_the_next_steps_read(
    tmp_path: Path, run_cli: RunCli
) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "examples" / "legacy-app", checkout)
    for line in commands():
        if line[0] != "llama-stack-migrate":
            continue
        process = run_cli(*line[1:], cwd=checkout)
        assert process.returncode == 0, (line, process.stderr)
    upload = next(step for step in steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    sarif = json.loads((checkout / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    (report_args,) = (line[1:] for line in commands() if line[:2] == ["llama-stack-migrate", "report"])
    report = (checkout / cli_params(report_args)["output"]).read_text(encoding="utf-8")
    assert report.startswith("# Llama Stack migration report\n")
    assert len(report.encode("utf-16-le")) // 2 <= 65_000
