"""migrate_run_config: the run config's own ignored registered_resources, migrated for a target."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml as pyyaml  # what the server itself reads the run config with

from migrate.atomic import write_text_atomic
from migrate.config.merge import parse_config
from migrate.config.providers import apply_edits, provider_edits
from migrate.config.runconfig_fix import RunConfigChange, migrate_run_config
from migrate.errors import MigrateError
from migrate.rule_loader import load_rules
from migrate.sources.runconfig import scan_yaml
from migrate.targets import TARGETS, TargetName

RULESET = load_rules()
EXAMPLE_RUN = Path(__file__).resolve().parents[2] / "examples" / "legacy-app" / "run.yaml"
TOOL_GROUPS = """\
  tool_groups:
  # Built-in web search, backed by the tavily-search provider above.
  - toolgroup_id: builtin::websearch
    provider_id: tavily-search
  # Product documentation, served by the docs team's MCP server (SSE transport).
  - toolgroup_id: mcp::docs
    provider_id: model-context-protocol
    mcp_endpoint:
      uri: http://127.0.0.1:8000/sse
"""
CONNECTORS = """\
connectors:
# Product documentation, served by the docs team's MCP server (SSE transport).
# from registered_resources.tool_groups (LSM221)
- connector_id: mcp::docs
  url: http://127.0.0.1:8000/sse
"""


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def providers_migrated(text: str, target: TargetName) -> str:
    """The config with only its provider settings migrated (tests/test_runconfig_providers.py tests those)."""
    return apply_edits(text, provider_edits(parse_config(text), RULESET, target))


def resources(changes: list[RunConfigChange]) -> list[RunConfigChange]:
    """The changes of `registered_resources` blocks, without those of the provider settings (LSM26x)."""
    return [change for change in changes if not change.rule.startswith("LSM26")]


@pytest.fixture
def run_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "run.yaml"
    shutil.copyfile(EXAMPLE_RUN, path)
    return path


@pytest.mark.parametrize("target", ["llama-stack-0.7", "ogx-1"])
def test_tool_groups_become_connectors_and_built_ins_are_dropped(run_yaml: Path, target: TargetName) -> None:
    before = run_yaml.read_text()

    after, changes = migrate_run_config(before, RULESET, target)
    write_text_atomic(run_yaml, after)

    assert TOOL_GROUPS in before
    assert run_yaml.read_text() == providers_migrated(before, target).replace(TOOL_GROUPS, "") + CONNECTORS
    data = pyyaml.safe_load(after)
    assert "tool_groups" not in data["registered_resources"]
    assert data["connectors"] == [{"connector_id": "mcp::docs", "url": "http://127.0.0.1:8000/sse"}]
    # lines of the config as given, although the provider migration deleted lines above them
    automatic = [(change.rule, change.line) for change in resources(changes) if not change.manual]
    assert automatic == [
        ("LSM221", line_of(before, "  - toolgroup_id: builtin::websearch")),
        ("LSM221", line_of(before, "  - toolgroup_id: mcp::docs")),
    ]
    assert "connector_id: mcp::docs, url: http://127.0.0.1:8000/sse" in resources(changes)[-1].description


@pytest.mark.parametrize("target", TARGETS)
def test_running_it_again_changes_nothing(target: TargetName) -> None:
    once, first = migrate_run_config(EXAMPLE_RUN.read_text(), RULESET, target)

    twice, second = migrate_run_config(once, RULESET, target)

    assert twice == once
    assert [change for change in second if not change.manual] == []
    assert [change.description for change in second] == [change.description for change in first if change.manual]


def test_llama_stack_0_4_reads_every_block_so_nothing_changes() -> None:
    before = EXAMPLE_RUN.read_text()

    assert migrate_run_config(before, RULESET, "llama-stack-0.4") == (before, [])


def test_ogx_reports_the_blocks_it_ignores_entry_by_entry_and_leaves_them() -> None:
    before = EXAMPLE_RUN.read_text().replace(
        "  datasets: []\n",
        "  datasets:\n  - dataset_id: support-evals\n    purpose: eval/messages-answer\n"
        "    source:\n      type: uri\n      uri: huggingface://datasets/acme/support\n",
    )

    after, changes = migrate_run_config(before, RULESET, "ogx-1")

    assert after == providers_migrated(before, "ogx-1").replace(TOOL_GROUPS, "") + CONNECTORS
    manual = [change for change in resources(changes) if change.manual]
    assert [(change.rule, change.line) for change in manual] == [
        ("LSM211", line_of(before, "  - shield_id: content-safety")),
        ("LSM231", line_of(before, "  - dataset_id: support-evals")),
    ]
    assert manual[0].description.startswith("registered_resources.shields entry 'content-safety': ogx-1 ignores it; ")
    assert "moderation_endpoint" in manual[0].description
    assert resources(migrate_run_config(before, RULESET, "llama-stack-0.7")[1])[0].rule == "LSM221"  # 0.7 reads both


@pytest.mark.parametrize("target", ["llama-stack-0.7", "ogx-1"])
def test_reported_lines_are_the_lines_scan_reports(target: TargetName) -> None:
    text = EXAMPLE_RUN.read_text()

    _, changes = migrate_run_config(text, RULESET, target)

    hits = scan_yaml(text, RULESET, target).documents[0].hits
    assert [(change.rule, change.line) for change in changes] == [(hit.rule.id, hit.line) for hit in hits]


def test_a_group_that_is_neither_built_in_nor_mcp_stays_and_is_reported() -> None:
    before = (
        "registered_resources:\n"
        "  models: []\n"
        "  tool_groups:\n"
        "  -\n"
        "    toolgroup_id: builtin::rag\n"
        "    provider_id: rag-runtime\n"
        "  # our own provider\n"
        "  - toolgroup_id: custom::search\n"
        "    provider_id: custom\n"
        "  - toolgroup_id: mcp::fs\n"
        "    provider_id: model-context-protocol\n"
        "    mcp_endpoint: {uri: 'http://fs:8000/sse'}\n"
        "server:\n"
        "  port: 8321\n"
    )

    after, changes = migrate_run_config(before, RULESET, "llama-stack-0.7")

    assert after == (
        "registered_resources:\n"
        "  models: []\n"
        "  tool_groups:\n"
        "  # our own provider\n"
        "  - toolgroup_id: custom::search\n"
        "    provider_id: custom\n"
        "server:\n"
        "  port: 8321\n"
        "connectors:\n"
        "# from registered_resources.tool_groups (LSM221)\n"
        "- connector_id: mcp::fs\n"
        "  url: http://fs:8000/sse\n"
    )
    assert [(change.line, change.manual) for change in changes] == [(5, False), (8, True), (10, False)]
    assert changes[1].description.startswith(
        "tool group 'custom::search' is neither built-in (builtin::...) nor an MCP server"
    )


def test_an_mcp_group_already_declared_as_a_connector_is_dropped_and_a_clash_is_left() -> None:
    before = (
        "registered_resources:\n"
        "  models: []\n"
        "  tool_groups:\n"
        "  - toolgroup_id: mcp::same\n"
        "    mcp_endpoint:\n"
        "      uri: http://same/sse\n"
        "  - toolgroup_id: mcp::clash\n"
        "    mcp_endpoint:\n"
        "      uri: http://new/sse\n"
        "connectors:\n"
        "- connector_id: mcp::same\n"
        "  url: http://same/sse\n"
        "- connector_id: mcp::clash\n"
        "  url: http://old/sse\n"
    )

    after, changes = migrate_run_config(before, RULESET, "ogx-1")

    assert after == before.replace("  - toolgroup_id: mcp::same\n    mcp_endpoint:\n      uri: http://same/sse\n", "")
    assert changes == [
        RunConfigChange("LSM221", 4, "removed 'mcp::same': connectors already has it", manual=False),
        RunConfigChange(
            "LSM221",
            7,
            "MCP tool group 'mcp::clash' not moved: connectors already has connector_id 'mcp::clash' as "
            "{'connector_id': 'mcp::clash', 'url': 'http://old/sse'}",
            manual=True,
        ),
    ]


def test_registered_resources_with_only_tool_groups_is_removed_with_its_comment() -> None:
    before = (
        "version: 2\n"
        "notes: |\n"
        "  # not a YAML comment: block scalar content\n"
        "# resources\n"
        "registered_resources:\n"
        "  tool_groups:\n"
        "  - toolgroup_id: builtin::websearch\n"
        "    provider_id: tavily-search\n"
        "# the server\n"
        "server:\n"
        "  port: 8321\n"
    )

    after, _ = migrate_run_config(before, RULESET, "llama-stack-0.7")

    assert after == (
        "version: 2\nnotes: |\n  # not a YAML comment: block scalar content\n# the server\nserver:\n  port: 8321\n"
    )


def test_a_flow_style_list_is_only_rewritten_when_it_empties() -> None:
    mixed = (
        "registered_resources:\n  tool_groups: [{toolgroup_id: builtin::rag}, {toolgroup_id: other}]\n  models: []\n"
    )
    builtins = "registered_resources:\n  models: []\n  tool_groups: [{toolgroup_id: builtin::rag}]\n"

    after, changes = migrate_run_config(mixed, RULESET, "llama-stack-0.7")

    assert after == mixed
    assert [change.manual for change in changes] == [True, True]
    assert changes[0].description.endswith("(flow-style list: edit it by hand)")
    assert migrate_run_config(builtins, RULESET, "llama-stack-0.7")[0] == "registered_resources:\n  models: []\n"


def test_configs_without_registered_resources_are_left_alone() -> None:
    text = "version: 2\nserver:\n  port: 8321\n"

    assert migrate_run_config(text, RULESET, "ogx-1") == (text, [])


def test_invalid_yaml_raises_migrate_error() -> None:
    with pytest.raises(MigrateError, match="not valid YAML: line 3, column 1"):
        migrate_run_config("registered_resources:\n  tool_groups: [\n", RULESET, "ogx-1")
