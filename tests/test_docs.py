"""Generated documentation is kept in step with the code."""

from __future__ import annotations

import re
import shlex

from migrate.docgen import rules_markdown, strategies_markdown
from migrate.output.json_format import json_schema
from migrate.rule_loader import load_rules
from tests.conftest import REPO, RunCli

REGENERATE = (
    "regenerate with `llama-stack-migrate rules --format markdown > docs/rules.md` "
    "and `llama-stack-migrate schema > docs/scan-output.schema.json`"
)


def test_rules_page_is_current() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(load_rules()), REGENERATE


def test_json_schema_is_current() -> None:
    assert (REPO / "docs" / "scan-output.schema.json").read_text(encoding="utf-8") == json_schema(), REGENERATE


def test_every_rule_is_documented_with_its_targets() -> None:
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in load_rules().rules:
        assert f"## {rule.id}" in page
        for plan in rule.targets.values():
            assert plan.guidance in page


def test_the_strategy_table_of_the_fix_guide_is_current() -> None:
    guide = (REPO / "docs" / "fix.md").read_text(encoding="utf-8")
    start = guide.index("<!-- strategies-table")
    table = guide[guide.index("\n", start) + 1 : guide.index("<!-- /strategies-table -->")]
    assert table == strategies_markdown(load_rules()), "regenerate with migrate.docgen.strategies_markdown"


def test_the_output_shown_in_the_scan_guide_is_real(run_cli: RunCli) -> None:
    """Each console example of docs/scan.md, run in the example app: its lines (but `...`) appear, in order."""
    guide = (REPO / "docs" / "scan.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", guide, re.DOTALL)
    assert len(blocks) >= 3
    for block in blocks:
        command, *shown = block.splitlines()
        args = shlex.split(command.removeprefix("$ ").removeprefix("cd examples/legacy-app && "))
        assert args[0] == "llama-stack-migrate", command
        output = run_cli(*args[1:], cwd=REPO / "examples" / "legacy-app").stdout.splitlines()
        position = 0
        for line in (line for line in shown if line != "..."):
            assert line in output[position:], f"{command}: {line!r} is not in the real output"
            position = output.index(line, position) + 1


def test_the_rules_page_renders_one_code_block_per_example() -> None:
    """An example that holds a fence itself (a Markdown one) must not break the page (CommonMark)."""
    from markdown_it import MarkdownIt

    ruleset = load_rules()
    tokens = MarkdownIt("commonmark").parse((REPO / "docs" / "rules.md").read_text(encoding="utf-8"))
    fences = [token for token in tokens if token.type == "fence"]
    afters = sum(
        len({after for after in example.after.values() if after != example.code})
        for rule in ruleset.rules
        for example in rule.examples
    )  # each example's code, then what `fix` turns it into, once per distinct result
    assert len(fences) == sum(len(rule.examples) for rule in ruleset.rules) + afters
    headings = [tokens[index + 1].content for index, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings == ["Rules", *(rule.id for rule in ruleset.rules)]
