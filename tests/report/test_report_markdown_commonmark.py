"""The Markdown report rendered by a CommonMark parser (markdown-it-py, with GFM tables, as GitHub renders).

What a reader sees is checked against the JSON report of the same inputs: every verdict, heading,
table cell and code block renders to exactly the text the model holds, with code spans where the
report means code and no stray backslash anywhere. The inputs are chosen to need escaping: a
repository and a file whose names hold Markdown syntax, pipes and backticks, and source lines that
end in a backslash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from tests.report.conftest import run_process

ODD_REPO = "1. odd_*repo* <b>&amp;"
ODD_FILE = "we|ird_`tick`*.py"
FIX_COMMAND = "llama-stack-migrate fix --target ogx-1 --write"


@pytest.fixture(scope="module")
def inputs(example_scan: Path, history_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    odd = tmp_path_factory.mktemp("odd") / ODD_REPO
    odd.mkdir()
    (odd / ODD_FILE).write_text(
        "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"
        'client.models.register(model_id="m|x", provider_id="vllm")\n'
    )
    return (str(odd), "--scan", str(example_scan), "--events", str(history_db))


@pytest.fixture(scope="module")
def report(inputs: tuple[str, ...]) -> dict[str, Any]:
    process = run_process("-m", "migrate", "report", *inputs, "--format", "json")
    assert process.returncode == 0, process.stderr
    parsed: dict[str, Any] = json.loads(process.stdout)
    return parsed


@pytest.fixture(scope="module")
def tree(inputs: tuple[str, ...]) -> SyntaxTreeNode:
    process = run_process("-m", "migrate", "report", *inputs)
    assert process.returncode == 0, process.stderr
    return SyntaxTreeNode(MarkdownIt("commonmark", {"html": True}).enable("table").parse(process.stdout))


def walk(node: SyntaxTreeNode) -> Iterator[SyntaxTreeNode]:
    yield node
    for child in node.children:
        yield from walk(child)


def text(node: SyntaxTreeNode) -> str:
    """What a reader sees: text and code contents, line breaks as spaces."""
    if node.type in ("text", "code_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(text(child) for child in node.children)


def codes(node: SyntaxTreeNode) -> list[str]:
    return [child.content for child in walk(node) if child.type == "code_inline"]


def tables(tree: SyntaxTreeNode) -> list[tuple[list[str], list[list[SyntaxTreeNode]]]]:
    """Every table as (header texts, rows of cells)."""
    found = []
    for table in (node for node in walk(tree) if node.type == "table"):
        thead, tbody = table.children
        header = [text(cell) for cell in thead.children[0].children]
        found.append((header, [list(row.children) for row in tbody.children]))
    return found


def repo_of(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(repo for repo in report["repositories"] if repo["name"] == name)


def test_verdicts_render_as_their_lines_with_the_fix_command_as_code(
    tree: SyntaxTreeNode, report: dict[str, Any]
) -> None:
    verdicts = next(node for node in walk(tree) if node.type == "bullet_list").children
    lines = [repo["verdict"]["line"] for repo in report["repositories"]]
    assert [text(item).split(" ", 1)[1] for item in verdicts[: len(lines)]] == [line.replace("`", "") for line in lines]
    odd = repo_of(report, ODD_REPO)
    assert odd["verdict"]["status"] == "fix-ready"
    fix_ready = verdicts[[repo["name"] for repo in report["repositories"]].index(ODD_REPO)]
    assert codes(fix_ready) == [FIX_COMMAND]


def test_no_text_shows_a_backslash(tree: SyntaxTreeNode) -> None:
    """The inputs hold no backslash outside source lines, so any backslash in text is a stray escape."""
    stray = [node.content for node in walk(tree) if node.type == "text" and "\\" in node.content]
    assert stray == []


def test_headings_and_paths_render_as_written(tree: SyntaxTreeNode) -> None:
    headings = [text(node) for node in walk(tree) if node.type == "heading"]
    assert f"{ODD_REPO} (target ogx-1)" in headings
    assert "legacy-app (target ogx-1)" in headings
    strong = [text(node) for node in walk(tree) if node.type == "strong"]
    assert ODD_FILE in strong  # the file's heading in the folded findings


def test_code_outside_tables_renders_as_written(tree: SyntaxTreeNode, report: dict[str, Any]) -> None:
    """The folded findings list: a code span for the place and one for the source line (pipe and all)."""
    (finding,) = (item["finding"] for item in repo_of(report, ODD_REPO)["findings"])
    items = [node for node in walk(tree) if node.type == "list_item" and finding["source"].strip() in codes(node)]
    assert [codes(item) for item in items] == [[f"{finding['line']}:{finding['column']}", finding["source"].strip()]]
    assert "|" in finding["source"]


def test_every_table_row_renders_the_models_cells(tree: SyntaxTreeNode, report: dict[str, Any]) -> None:
    found = tables(tree)
    for header, rows in found:
        assert all(len(row) == len(header) for row in rows), header
    attention = next(rows for header, rows in found if header[0] == "where")
    expected = []
    for item in repo_of(report, "legacy-app")["attention"]:
        f = item["finding"]
        place = (
            f"cell {f['cell']}, {f['line']}:{f['column']}" if f["cell"] is not None else f"{f['line']}:{f['column']}"
        )
        label = {"manual": "manual", "unsafe": "unsafe auto-fix"}[item["fix"]]
        expected.append([f"{f['path']}:{place}", f["rule"], " ".join(f["source"].split()), label])
    rendered = [[text(row[0]), text(row[1]), text(row[3]), text(row[4]).split(":")[0]] for row in attention]
    assert rendered == expected
    assert all(codes(row[0]) and codes(row[3]) for row in attention)  # where and code are code spans
    by_file = [[text(cell) for cell in row] for header, rows in found if header[0] == "file" for row in rows]
    assert [ODD_FILE, "1", "1", "1", "0", "0", "0", ""] in by_file


def test_the_pending_declarations_render_as_yaml_blocks(tree: SyntaxTreeNode, report: dict[str, Any]) -> None:
    blocks = [node.content for node in walk(tree) if node.type == "fence" and node.info == "yaml"]
    assert blocks == [patch["yaml"] for patch in report["runtime"]["pending"]]
    assert blocks  # the history has pending declarations
