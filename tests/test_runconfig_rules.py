"""Run-config entries are a rule family of their own (LSM2xx), in every output, never worded as an API call.

Issue 12, class 5: a `registered_resources.shields` entry that OGX ignores is the server's configuration, not a
call of a removed API. These tests run the real scan, fix, rule and report commands on real files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrate.config.runconfig_fix import migrate_run_config
from migrate.engine import scan_text
from migrate.errors import RuleError
from migrate.rule_loader import bundled_rules_dir, load_rules
from migrate.rules import Rule
from migrate.targets import TARGETS, TargetName
from tests.conftest import RunCli

RULESET = load_rules()
#: The rules of `registered_resources` blocks (the provider settings, LSM26x, are tests/test_runconfig_providers.py's).
CONFIG_RULES = [rule for rule in RULESET.rules if rule.config is not None]
#: Words of a finding about code that calls an API; a run-config entry is none of that.
CALL_WORDING = re.compile(r"through the API|registration|the call", re.IGNORECASE)

RUN_CONFIG = """\
version: 2
image_name: support
registered_resources:
  models:
  - model_id: llama3.2:3b
    provider_id: ollama
  shields:
  - shield_id: content-safety
    provider_id: llama-guard
  tool_groups:
  - toolgroup_id: builtin::websearch
    provider_id: tavily-search
  - toolgroup_id: mcp::docs
    provider_id: model-context-protocol
    mcp_endpoint:
      uri: http://127.0.0.1:8000/sse
"""
SHIELD_LINE, WEBSEARCH_LINE, DOCS_LINE = 8, 11, 13
APP = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient()
client.shields.register(shield_id="content-safety", provider_id="llama-guard")
"""
CALL_LINE = 4


def _entry_config(rule: Rule) -> str:
    """A run config with one entry of `rule`'s block, every field of the entry given."""
    assert rule.config is not None
    fields = "".join(f"    {name}: value-of-{name}\n" for name in rule.config.fields[1:])
    return f"registered_resources:\n  {rule.config.key}:\n  - {rule.config.id_field}: my-{rule.config.key}\n{fields}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "run.yaml").write_text(RUN_CONFIG, encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def test_each_block_some_target_ignores_has_one_config_rule_and_the_register_rules_find_no_entries() -> None:
    keys = {rule.config.key: rule.id for rule in CONFIG_RULES if rule.config is not None}
    assert keys == {
        "shields": "LSM211",
        "tool_groups": "LSM221",
        "datasets": "LSM231",
        "benchmarks": "LSM241",
        "scoring_fns": "LSM251",
    }
    assert RULESET.config_keys == {key: RULESET.by_id[rule_id] for key, rule_id in keys.items()}
    for rule in CONFIG_RULES:
        assert rule.id.startswith("LSM2"), rule.id
        assert not rule.sdk.methods and not rule.http.paths and rule.cli is None, rule.id
        assert {example.language for example in rule.examples} == {"yaml"}, rule.id
        assert any(plan.status == "removed" for plan in rule.targets.values()), rule.id
    register = [rule for rule in RULESET.rules if rule.operation == "register"]
    for rule in register:
        assert all(example.language != "yaml" or example.findings == () for example in rule.examples), rule.id


@pytest.mark.parametrize("rule", CONFIG_RULES, ids=[rule.id for rule in CONFIG_RULES])
@pytest.mark.parametrize("target", TARGETS)
def test_no_run_config_finding_is_worded_as_an_api_call(rule: Rule, target: TargetName) -> None:
    plan = rule.targets[target]
    for text in (rule.summary, plan.guidance):
        assert not CALL_WORDING.search(text), (rule.id, target, text)
    config = _entry_config(rule)
    result = scan_text(config, "yaml", RULESET, target, "run.yaml")
    assert result.error is None
    if plan.status != "removed":
        assert result.findings == ()  # the target reads the block
        return
    [finding] = result.findings
    assert (finding.rule, finding.line, finding.surface, finding.operation) == (rule.id, 3, "config", "config")
    assert finding.message == f"{rule.summary} ignored by {target}"
    assert finding.fix is not None
    for text in (finding.message, finding.detail or "", finding.fix.note):
        assert not CALL_WORDING.search(text), (rule.id, target, text)
    _, changes = migrate_run_config(config, RULESET, target)
    assert [change.rule for change in changes] == [rule.id]
    assert not CALL_WORDING.search(changes[0].description), changes[0].description


@pytest.mark.parametrize("target", TARGETS)
def test_every_finding_of_a_run_config_with_every_block_is_a_config_rule_worded_as_one(target: TargetName) -> None:
    blocks = [_entry_config(rule).removeprefix("registered_resources:\n") for rule in CONFIG_RULES]
    config = "registered_resources:\n  models:\n  - model_id: m\n    provider_id: vllm\n" + "".join(blocks)
    result = scan_text(config, "yaml", RULESET, target, "run.yaml")
    assert result.error is None
    ignored = sorted(rule.id for rule in CONFIG_RULES if rule.targets[target].status == "removed")
    assert sorted(finding.rule for finding in result.findings) == ignored
    for finding in result.findings:
        assert finding.fix is not None
        guidance = RULESET.by_id[finding.rule].targets[target].guidance
        for text in (finding.message, finding.detail or "", finding.fix.note, guidance):
            assert not CALL_WORDING.search(text), (finding.rule, target, text)


def test_text_output_names_the_config_rule_and_the_register_rule_apart(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", "--target", "ogx-1", "--format", "full", cwd=project)
    assert process.returncode == 0, process.stderr
    assert (
        f"LSM211 registered_resources.shields entry ignored by ogx-1\n --> run.yaml:{SHIELD_LINE}:3" in process.stdout
    )
    assert f"LSM221 [*] registered_resources.tool_groups entry ignored by ogx-1\n  --> run.yaml:{DOCS_LINE}:3" in (
        process.stdout
    )
    assert f"LSM111 Shield registration removed on ogx-1\n --> app.py:{CALL_LINE}:1" in process.stdout
    assert "help: OGX ignores registered_resources.shields: set the guardrail as moderation_endpoint" in process.stdout
    assert "LSM111 Shield registration removed on ogx-1\n --> run.yaml" not in process.stdout


def test_json_output_carries_the_config_rules(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", "--target", "ogx-1", "--format", "json", cwd=project)
    assert process.returncode == 0, process.stderr
    findings = json.loads(process.stdout)["findings"]
    found = sorted((f["path"], f["line"], f["rule"], f["operation"], f["surface"]) for f in findings)
    assert found == [
        ("app.py", CALL_LINE, "LSM111", "register", "sdk"),
        ("run.yaml", SHIELD_LINE, "LSM211", "config", "config"),
        ("run.yaml", WEBSEARCH_LINE, "LSM221", "config", "config"),
        ("run.yaml", DOCS_LINE, "LSM221", "config", "config"),
    ]


def test_sarif_lists_the_config_rules_with_their_own_help(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", "--target", "ogx-1", "--format", "sarif", cwd=project)
    assert process.returncode == 0, process.stderr
    run = json.loads(process.stdout)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    shields = next(rule for rule in rules if rule["id"] == "LSM211")
    assert shields["name"] == "ShieldRunConfigEntry"
    assert shields["shortDescription"]["text"] == "registered_resources.shields entry"
    assert shields["help"]["text"].startswith(
        "What to do on ogx-1: OGX ignores registered_resources.shields: set the guardrail as moderation_endpoint"
    )
    assert "run-config" in shields["properties"]["tags"]
    register = next(rule for rule in rules if rule["id"] == "LSM111")
    assert "run-config" not in register["properties"]["tags"]
    assert register["help"]["text"] != shields["help"]["text"]
    results = sorted(
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"], rules[r["ruleIndex"]]["id"])
        for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "run.yaml"
    )
    assert results == [
        (SHIELD_LINE, "LSM211", "LSM211"),
        (WEBSEARCH_LINE, "LSM221", "LSM221"),
        (13, "LSM221", "LSM221"),
    ]


def test_github_annotations_carry_the_config_rules(project: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", ".", "--target", "ogx-1", "--format", "github", cwd=project)
    assert process.returncode == 0, process.stderr
    lines = [line for line in process.stdout.splitlines() if "file=run.yaml" in line]
    assert len(lines) == 3, process.stdout
    assert lines[0].startswith(f"::error file=run.yaml,line={SHIELD_LINE},")
    assert "title=LSM211 registered_resources.shields entry ignored by ogx-1::" in lines[0]
    assert all("title=LSM221 registered_resources.tool_groups entry ignored by ogx-1::" in line for line in lines[1:])
    assert "rule LSM211` says what to do" in lines[0]


def test_select_and_ignore_take_the_run_config_family_as_a_whole(project: Path, run_cli: RunCli) -> None:
    def rules(*options: str) -> list[str]:
        process = run_cli("scan", ".", "--target", "ogx-1", "--format", "json", *options, cwd=project)
        assert process.returncode in (0, 1), process.stderr
        return sorted(finding["rule"] for finding in json.loads(process.stdout)["findings"])

    assert rules("--select", "LSM2") == ["LSM211", "LSM221", "LSM221"]
    assert rules("--ignore", "LSM2") == ["LSM111"]
    assert rules("--select", "LSM111") == ["LSM111"]  # the register rule finds the call, never the entry
    assert rules("--select", "LSM2", "--ignore", "LSM221") == ["LSM211"]


def test_fix_of_the_run_config_belongs_to_the_config_rule(project: Path, run_cli: RunCli) -> None:
    process = run_cli("fix", "run.yaml", "--target", "ogx-1", "--write", "--select", "LSM221", cwd=project)
    assert process.returncode in (0, 1), process.stderr
    fixed = (project / "run.yaml").read_text(encoding="utf-8")
    assert (
        "# from registered_resources.tool_groups (LSM221)\n- connector_id: mcp::docs\n  url: http://127.0.0.1:8000/sse\n"
        in fixed
    )
    assert "tool_groups" not in fixed.split("connectors:")[0]
    assert "shield_id: content-safety" in fixed  # LSM211 has no fix: the entry stays for a human


def test_ignoring_the_config_rule_leaves_the_run_config_alone(project: Path, run_cli: RunCli) -> None:
    process = run_cli("fix", "run.yaml", "--target", "ogx-1", "--write", "--ignore", "LSM2", cwd=project)
    assert process.returncode in (0, 1), process.stderr
    assert (project / "run.yaml").read_text(encoding="utf-8") == RUN_CONFIG


def test_rule_command_explains_a_config_rule_for_an_operator(run_cli: RunCli) -> None:
    process = run_cli("rule", "LSM221")
    assert process.returncode == 0, process.stderr
    assert "**registered_resources.tool_groups entry** (tool_group config)" in process.stdout
    assert "- Run config: each entry of `registered_resources.tool_groups`" in process.stdout
    assert "| llama-stack-0.7 | ignored since llama-stack 0.7.0 | declare-connector |" in process.stdout
    assert "| llama-stack-0.4 | read | keep |" in process.stdout
    assert "- SDK:" not in process.stdout


@pytest.mark.parametrize("form", ["markdown", "json", "html"])
def test_report_shows_run_config_findings_under_their_rules(project: Path, run_cli: RunCli, form: str) -> None:
    process = run_cli("report", str(project), "--target", "ogx-1", "--format", form, "--jobs", "1", cwd=project)
    assert process.returncode == 0, process.stderr
    if form == "json":
        [repository] = json.loads(process.stdout)["repositories"]
        found = sorted(
            (item["finding"]["rule"], item["finding"]["surface"], item["finding"]["message"])
            for item in repository["findings"]
            if item["finding"]["path"] == "run.yaml"
        )
        assert found == [
            ("LSM211", "config", "registered_resources.shields entry ignored by ogx-1"),
            ("LSM221", "config", "registered_resources.tool_groups entry ignored by ogx-1"),
            ("LSM221", "config", "registered_resources.tool_groups entry ignored by ogx-1"),
        ]
        by_rule = {row["rule"]: row for row in repository["by_rule"]}
        assert by_rule["LSM211"]["summary"] == "registered_resources.shields entry"
        assert by_rule["LSM111"]["findings"] == 1  # the call only
        return
    if form == "markdown":
        assert f"- `{SHIELD_LINE}:3` LSM211 error, manual: registered\\_resources.shields entry ignored by ogx-1" in (
            process.stdout
        )
        assert f"- `{DOCS_LINE}:3` LSM221 error, safe auto-fix: registered\\_resources.tool\\_groups entry" in (
            process.stdout
        )
        return
    assert (
        f'<tr><td>run.yaml</td><td class="num" data-value="{SHIELD_LINE}">{SHIELD_LINE}</td><td>LSM211</td>'
        "<td>error</td><td>manual</td><td></td><td>registered_resources.shields entry ignored by ogx-1"
    ) in process.stdout
    assert "LSM221 registered_resources.tool_groups entry" in process.stdout


def _rule_dir(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


LSM211 = (bundled_rules_dir() / "LSM211_shields_config.toml").read_text(encoding="utf-8")
LSM221 = (bundled_rules_dir() / "LSM221_tool_groups_config.toml").read_text(encoding="utf-8")


CONFIG_TABLE = '[config]\nkey = "shields"\nfields = ["shield_id", "provider_id", "provider_shield_id", "params"]\n'
SDK_TABLE = '[sdk]\nmethods = ["shields.register"]\nrequired = ["shield_id"]\n\n'


@pytest.mark.parametrize(
    ("replaced", "message"),
    [
        ((CONFIG_TABLE, ""), "a config rule, and only it, has a 'config' or a 'providers' table"),
        ((CONFIG_TABLE, SDK_TABLE + CONFIG_TABLE), "a config rule has a 'config' table and no sdk methods"),
        (('key = "shields"\n', ""), "config.key: Field required"),
        (('fields = ["shield_id", "provider_id", "provider_shield_id", "params"]\n', "fields = []\n"), "config.fields"),
        (
            ('status = "removed"\nremoved_in = "ogx 1.0.0"\n', 'status = "served"\n'),
            "strategy 'manual' is for what the target has removed",
        ),
    ],
    ids=["no config table", "an sdk table too", "no key", "no fields", "manual for a block the target reads"],
)
def test_a_config_rule_is_checked_when_it_loads(tmp_path: Path, replaced: tuple[str, str], message: str) -> None:
    assert replaced[0] in LSM211
    text = LSM211.replace(replaced[0], replaced[1], 1).replace('id = "LSM211"', 'id = "LSM299"')
    with pytest.raises(RuleError, match=re.escape(message)):
        load_rules([_rule_dir(tmp_path, "LSM299.toml", text)])


def test_two_config_rules_never_claim_one_block(tmp_path: Path) -> None:
    other = LSM211.replace('id = "LSM211"', 'id = "LSM299"')
    with pytest.raises(RuleError, match=r"LSM299: registered_resources\.shields is also claimed by LSM211"):
        load_rules([_rule_dir(tmp_path, "LSM299.toml", other)])


def test_a_config_fix_needs_the_register_rule_that_names_its_entries(tmp_path: Path) -> None:
    renamed = LSM221.replace('config_section = "connectors"', 'config_section = "mcp_servers"')
    with pytest.raises(RuleError, match=r"LSM221: targets\.llama-stack-0\.7: the tool_group register rule declares no"):
        load_rules([_rule_dir(tmp_path, "LSM221.toml", renamed)])
