"""A run config's provider settings that a target renamed or dropped (LSM261-265): scan reports them, fix migrates them.

Issue 11: the example app's 0.3-era run.yaml needed four hand edits before llama-stack 0.7.3 booted from it. These
tests run the real scan and fix commands on real files; tests/integration/test_fixed_run_config_boots.py boots the
real server from the result, and tests/integration/test_provider_facts.py checks every fact in the real packages.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from migrate.config.merge import parse_config
from migrate.config.providers import provider_edits
from migrate.config.runconfig_fix import migrate_run_config
from migrate.errors import MigrateError, RuleError
from migrate.rule_loader import bundled_rules_dir, load_rules
from tests.conftest import REPO, RunCli

RULESET = load_rules()
EXAMPLE_APP = REPO / "examples" / "legacy-app"
#: The four edits docs/tutorial.md used to make by hand, as `fix --target llama-stack-0.7` makes them.
PROVIDER_EDITS = [
    ("- agents\n", "- responses\n"),
    ("      url: ${env.VLLM_URL", "      base_url: ${env.VLLM_URL"),
    ("  agents:\n  - provider_id: meta-reference\n    provider_type: inline::meta-reference\n",
     "  responses:\n  - provider_id: meta-reference\n    provider_type: inline::builtin\n"),
    ("  - provider_id: rag-runtime\n    provider_type: inline::rag-runtime\n", ""),
    ("  eval:\n  - provider_id: meta-reference\n    provider_type: inline::meta-reference\n",
     "  eval:\n  - provider_id: meta-reference\n    provider_type: inline::builtin\n"),
]  # fmt: skip


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


@pytest.fixture
def app(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE_APP, tmp_path / "app")
    return tmp_path / "app"


def test_fix_migrates_the_providers_of_the_config_it_is_given_even_when_it_does_not_scan_it(
    app: Path, run_cli: RunCli
) -> None:
    before = (app / "run.yaml").read_text(encoding="utf-8")

    process = run_cli("fix", "supportbot", "--target", "llama-stack-0.7", "--config", "run.yaml", "--write", cwd=app)

    assert process.returncode in (0, 1), process.stderr
    after = (app / "run.yaml").read_text(encoding="utf-8")
    expected = before
    for old, new in PROVIDER_EDITS:
        assert expected.count(old) == 1, old
        expected = expected.replace(old, new)
    # Everything else is the registered_resources migration (LSM221) and the merged entries: the provider
    # settings' lines are the only other ones that differ, byte for byte.
    assert _providers_part(after) == _providers_part(expected)
    assert "connector_id: mcp::docs" in after
    # six provider settings and two tool groups (LSM221), said once for the config fix did not scan
    assert "Run config (run.yaml): 8 setting(s) migrated for llama-stack-0.7.\n" in process.stderr


def test_what_is_left_in_a_config_fix_does_not_scan_is_listed_with_its_line(app: Path, run_cli: RunCli) -> None:
    before = (app / "run.yaml").read_text(encoding="utf-8")

    process = run_cli("fix", "supportbot", "--target", "ogx-1", "--config", "run.yaml", "--no-color", cwd=app)

    assert process.returncode in (0, 1), process.stderr
    assert "Run config (run.yaml): 9 setting(s) need a human:\n" in process.stderr
    safety = line_of(before, "- safety")
    assert f"  run.yaml:{safety} LSM265: ogx-1 has no safety API: a guardrail is the responses provider's" in (
        process.stderr
    )
    assert (app / "run.yaml").read_text(encoding="utf-8") == before  # without --write nothing is written
    assert "+- responses" in process.stdout  # the diff of the config shows what --write would write


def _providers_part(text: str) -> str:
    return text.split("storage:\n", 1)[0]


def test_scan_reports_each_setting_at_its_line_with_what_fix_does(run_cli: RunCli) -> None:
    process = run_cli("scan", "run.yaml", "--target", "llama-stack-0.7", "--format", "json", cwd=EXAMPLE_APP)

    assert process.returncode == 0, process.stderr
    text = (EXAMPLE_APP / "run.yaml").read_text(encoding="utf-8")
    found = [
        (f["rule"], f["line"], f["message"], f["fix"]["applicability"])
        for f in json.loads(process.stdout)["findings"]
        if f["rule"].startswith("LSM26")
    ]
    assert found == [
        ("LSM261", line_of(text, "- agents"), "Run-config API renamed on llama-stack-0.7", "safe"),
        ("LSM263", line_of(text, "      url: ${env.VLLM_URL:=http://127.0.0.1:9/v1}"),
         "Run-config provider config key renamed on llama-stack-0.7", "safe"),
        ("LSM261", line_of(text, "  agents:"), "Run-config API renamed on llama-stack-0.7", "safe"),
        ("LSM262", line_of(text, "  agents:") + 2, "Run-config provider type renamed on llama-stack-0.7", "safe"),
        ("LSM264", line_of(text, "    provider_type: inline::rag-runtime"),
         "Run-config provider removed on llama-stack-0.7", "safe"),
        ("LSM262", line_of(text, "  eval:") + 2, "Run-config provider type renamed on llama-stack-0.7", "safe"),
    ]  # fmt: skip
    notes = [f["fix"]["note"] for f in json.loads(process.stdout)["findings"] if f["rule"].startswith("LSM26")]
    # each finding says what fix does with that setting, not what the rule family does
    assert notes[0] == "renamed apis entry 'agents' to 'responses', in the run config"
    assert "config key 'url' to 'base_url'" in notes[1] and "'inline::builtin'" in notes[3]
    assert notes[4].startswith("removed providers.tool_runtime provider 'rag-runtime'")


def test_on_ogx_the_apis_it_does_not_have_are_left_for_a_human_with_what_replaces_them(
    app: Path, run_cli: RunCli
) -> None:
    before = (app / "run.yaml").read_text(encoding="utf-8")

    process = run_cli("fix", "run.yaml", "--target", "ogx-1", "--no-color", cwd=app)

    assert process.returncode in (0, 1), process.stderr
    human = [line for line in process.stderr.splitlines() if " LSM265: " in line]
    for api in ("safety", "datasetio", "scoring", "eval"):
        assert any(f"run.yaml:{line_of(before, f'- {api}')}:3 LSM265: ogx-1 has no {api} API" in line for line in human)
    assert any("moderation_endpoint" in line for line in human if "safety" in line)
    assert any("external framework" in line for line in human if "no eval API" in line)
    assert "+- responses" in process.stdout  # the rename holds on OGX too
    assert "-- safety" not in process.stdout  # what has no successor stays for a human


def test_a_provider_that_the_config_still_names_stays_with_the_reason() -> None:
    text = (
        "providers:\n"
        "  tool_runtime:\n"
        "  - provider_id: model-context-protocol\n"
        "    provider_type: remote::model-context-protocol\n"
        "  - provider_id: rag-runtime\n"
        "    provider_type: inline::rag-runtime\n"
        "registered_resources:\n"
        "  tool_groups:\n"
        "  - toolgroup_id: builtin::rag\n"
        "    provider_id: rag-runtime\n"
    )

    after, changes = migrate_run_config(text, RULESET, "llama-stack-0.7")

    [kept] = [change for change in changes if change.rule == "LSM264"]
    assert (kept.line, kept.manual) == (6, True)
    assert kept.description == (
        "the config still names provider 'rag-runtime': registered_resources.tool_groups[0].provider_id (line 10)"
    )
    assert "inline::rag-runtime" in after


#: A key YAML reads as `url`, written with an escape (`"\x75rl"`): fix renames only what is written as it is read.
VLLM_ESCAPED_KEY = 'providers:\n  inference:\n  - provider_type: remote::vllm\n    config: {"\\x75rl": http://x/v1}\n'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (VLLM_ESCAPED_KEY, "written as '\"\\\\x75rl\"', which fix does not rewrite; write 'base_url' there"),
        ("providers:\n  tool_runtime: [{provider_id: a, provider_type: remote::tavily-search}, "
         "{provider_id: rag, provider_type: inline::rag-runtime}]\n", "the providers list is flow style"),
        ("providers:\n  inference:\n  - provider_id: tgi\n    provider_type: remote::tgi\n",
         "llama-stack-0.7 has no remote::tgi: serve its models with another inference provider"),
        ("providers:\n  tool_runtime:\n  - provider_id: rag\n    provider_type: inline::rag-runtime\n"
         "  - provider_id: rag-2\n    provider_type: inline::rag-runtime\n", "it is its API's only provider"),
    ],
    ids=["an escaped key", "a flow-style providers list", "no successor", "the list would empty"],
)  # fmt: skip
def test_what_fix_cannot_do_safely_is_left_with_the_reason(text: str, reason: str) -> None:
    edits = provider_edits(parse_config(text), RULESET, "llama-stack-0.7")

    assert [edit.blocker for edit in edits if edit.blocker and reason in edit.blocker], [e.blocker for e in edits]
    assert migrate_run_config(text, RULESET, "llama-stack-0.7")[0] == text


def test_the_rules_have_unique_sarif_names_and_the_run_config_tag(app: Path, run_cli: RunCli) -> None:
    process = run_cli("scan", "run.yaml", "--target", "llama-stack-0.7", "--format", "sarif", cwd=app)

    assert process.returncode == 0, process.stderr
    rules = json.loads(process.stdout)["runs"][0]["tool"]["driver"]["rules"]
    names = {rule["id"]: rule["name"] for rule in rules if rule["id"].startswith("LSM26")}
    assert names == {
        "LSM261": "RunConfigApiRenamed",
        "LSM262": "RunConfigProviderTypeRenamed",
        "LSM263": "RunConfigProviderConfigKeyRenamed",
        "LSM264": "RunConfigProviderRemoved",
        "LSM265": "RunConfigApiRemoved",
    }
    assert all("run-config" in rule["properties"]["tags"] for rule in rules if rule["id"] in names)


LSM262 = (bundled_rules_dir() / "LSM262_provider_type_renamed_config.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("replaced", "message"),
    [
        (('becomes = "inline::faiss", ', ""), "a renamed fact needs 'becomes'"),
        (('provider_type = "inline::sqlite_vec", ', ""), "a provider_type fact names api, provider_type"),
        (('kind = "provider_type"', 'kind = "config_key"'), "a config_key fact names api, provider_type, key"),
        (('resource = "provider"', 'resource = "model"'), "a rule with a 'providers' table has resource 'provider'"),
    ],
    ids=["a rename without its new name", "a type fact without its type", "a fact of another kind", "resource"],
)
def test_a_fact_that_does_not_fit_its_rule_does_not_load(
    tmp_path: Path, replaced: tuple[str, str], message: str
) -> None:
    assert replaced[0] in LSM262
    text = LSM262.replace(replaced[0], replaced[1], 1).replace('id = "LSM262"', 'id = "LSM299"')
    (tmp_path / "LSM299.toml").write_text(text, encoding="utf-8")

    with pytest.raises(RuleError, match=re.escape(message)):
        load_rules([tmp_path])


def test_a_template_that_is_no_yaml_names_no_setting_and_a_run_config_is_read_once_for_both_families(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """A Helm template of a run config (`{{ ... }}` is no YAML) is no run config to report on; a run config with both
    resource entries and provider settings gets the findings of both families from one parse."""
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "run.yaml").write_text(
        "apis:\n{{- range .Values.apis }}\n- {{ . }}\n{{- end }}\nproviders:\n  inference:\n"
        "  - provider_id: vllm\n    provider_type: remote::vllm\n    config:\n      url: {{ .Values.vllmUrl }}\n",
        encoding="utf-8",
    )
    with pytest.raises(MigrateError):  # no YAML: else its `url` would be a finding
        parse_config((chart / "run.yaml").read_text(encoding="utf-8"))
    templated = run_cli("scan", "chart", "--target", "llama-stack-0.7", "--format", "json", cwd=tmp_path)
    assert templated.returncode == 0, templated.stdout + templated.stderr
    assert json.loads(templated.stdout)["findings"] == []
    both = run_cli("scan", "run.yaml", "--target", "llama-stack-0.7", "--format", "json", cwd=EXAMPLE_APP)
    rules = {f["rule"] for f in json.loads(both.stdout)["findings"]}
    assert {"LSM221", "LSM261", "LSM262", "LSM263", "LSM264"} <= rules
