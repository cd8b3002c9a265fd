"""The notebook matcher: code cells only, numbered over all cells, with IPython syntax handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.errors import SourceError
from migrate.findings import Hit, Scanned
from migrate.rule_loader import load_rules
from migrate.sources.notebook import scan_notebook, split_ipython

RULES = load_rules().select(["LSM101"], None)  # POST /v1/models, `models register`


def code(source: str, outputs: list[object] | None = None) -> dict[str, object]:
    """A code cell whose source is stored as a list of lines, as Jupyter writes it."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": outputs or [],
        "source": source.splitlines(keepends=True),
    }


def markdown(source: str) -> dict[str, object]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def scan_file(tmp_path: Path, cells: list[dict[str, object]], metadata: dict[str, object] | None = None) -> Scanned:
    """Write a real .ipynb file and scan what is read back from disk."""
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata or {}, "cells": cells}
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return scan_notebook(path.read_text(encoding="utf-8"), RULES, "ogx-1")


def all_hits(scanned: Scanned) -> list[Hit]:
    return [hit for document in scanned.documents for hit in document.hits]


def test_cells_are_numbered_over_all_cells_and_lines_count_within_the_cell(tmp_path: Path) -> None:
    scanned = scan_file(
        tmp_path,
        [
            markdown("# Llama Stack demo\n`client.models.register(model_id='x')`"),
            code("from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()"),
            markdown("Now register:"),
            code("print('x')\nclient.models.register(\n    model_id='m', provider_id='ollama'\n)"),
        ],
    )
    assert scanned.problems == []
    assert [(document.cell, len(document.lines)) for document in scanned.documents] == [(2, 2), (4, 4)]
    [hit] = all_hits(scanned)
    assert (hit.cell, hit.line, hit.column, hit.end_line, hit.end_column) == (4, 2, 0, 4, 1)
    assert hit.confidence == "high"  # the import is in another cell
    assert scanned.documents[1].hits == [hit]


def test_shell_escape_in_a_python_cell(tmp_path: Path) -> None:
    cell = (
        "import os\n"
        "for name in ['a', 'b']:\n"
        "    !curl -X POST $LLAMA_STACK_URL/v1/models \\\n"
        "        -d @{name}.json\n"
        "    client.models.register(model_id=name)\n"
    )
    [document] = scan_file(tmp_path, [code(cell)]).documents
    curl, sdk = sorted(document.hits, key=lambda hit: hit.line)
    assert (curl.surface, curl.cell, curl.line, curl.column, curl.end_line) == ("http", 1, 3, 5, 4)
    assert curl.detail == "curl -X POST {…}/v1/models"
    assert (sdk.surface, sdk.line, sdk.column) == ("sdk", 5, 4)


def test_magics_and_captured_shell_output_keep_line_numbers(tmp_path: Path) -> None:
    cell = (
        "%pip install llama-stack-client\n"
        "models = !llama-stack-client models register m1\n"
        "%time x = 1\n"
        "LlamaStackClient?\n"
        "client.models.register(model_id='m2')\n"
    )
    found = sorted(all_hits(scan_file(tmp_path, [code(cell)])), key=lambda hit: hit.line)
    assert [(hit.surface, hit.line, hit.column) for hit in found] == [("cli", 2, 10), ("sdk", 5, 0)]


def test_split_ipython_leaves_valid_python_alone() -> None:
    lines = ["total = (a", "         % b)", "flag = (x", "        != y)"]
    assert split_ipython(lines).python == lines
    split = split_ipython(["!ls", "  %cd /tmp", "x = 1"])
    assert split.python == ["pass", "  pass", "x = 1"]
    assert split.shell == [" ls", "", ""]


@pytest.mark.parametrize("magic", ["%%bash", "%%sh", "%%script bash", "%%script /bin/sh"])
def test_shell_cell_magics(tmp_path: Path, magic: str) -> None:
    cell = f"{magic}\nset -e\ncurl -X POST http://localhost:8321/v1/models -d @m.json\n"
    [hit] = all_hits(scan_file(tmp_path, [markdown("intro"), code(cell)]))
    assert (hit.surface, hit.cell, hit.line, hit.column) == ("http", 2, 3, 0)


def test_other_cell_magics_are_not_parsed_as_python(tmp_path: Path) -> None:
    scanned = scan_file(
        tmp_path,
        [
            code("%%html\n<pre>llama-stack-client models register m</pre>\n<b>not python</b>"),
            code("%%time\nclient.models.register(model_id='m')"),
        ],
    )
    assert scanned.problems == []
    [hit] = all_hits(scanned)
    assert (hit.cell, hit.line) == (2, 2)


def test_outputs_and_markdown_cells_are_ignored(tmp_path: Path) -> None:
    output = {
        "output_type": "stream",
        "name": "stdout",
        "text": ["client.models.register(model_id='x')\n", "llama-stack-client models register x\n"],
    }
    scanned = scan_file(
        tmp_path,
        [
            markdown("```bash\nllama-stack-client models register m\n```"),
            code("print('registered')", outputs=[output]),
        ],
    )
    assert scanned.problems == []
    assert all_hits(scanned) == []


def test_broken_cell_is_a_problem_and_other_cells_are_still_scanned(tmp_path: Path) -> None:
    scanned = scan_file(
        tmp_path,
        [
            code("client.models.register(model_id='a')"),
            markdown("text"),
            code("def broken(:\n    pass"),
            code("client.models.register(model_id='b')"),
        ],
    )
    assert len(scanned.problems) == 1
    assert scanned.problems[0].startswith("cell 3: cannot parse Python (line 1)")
    assert [(hit.cell, hit.line) for hit in all_hits(scanned)] == [(1, 1), (4, 1)]
    assert [document.cell for document in scanned.documents] == [1, 3, 4]


def test_source_may_be_one_string(tmp_path: Path) -> None:
    cell: dict[str, object] = {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "source": "x = 1\nclient.models.register(model_id='m')",
    }
    [hit] = all_hits(scan_file(tmp_path, [cell]))
    assert (hit.cell, hit.line) == (1, 2)


def test_bash_kernel_notebook_reads_code_cells_as_shell(tmp_path: Path) -> None:
    metadata: dict[str, object] = {"kernelspec": {"name": "bash", "language": "bash", "display_name": "Bash"}}
    [hit] = all_hits(scan_file(tmp_path, [code("llama-stack-client models register m")], metadata))
    assert (hit.surface, hit.cell) == ("cli", 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "not an object"),
        ('{"metadata": {}}', "no 'cells' list"),
        ('{"worksheets": [], "nbformat": 3}', "nbformat 3"),
        ('{"cells": [{"cell_type": "code", "source": 3}]}', "cell 1"),
    ],
)
def test_not_a_notebook_raises_source_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        scan_notebook(path.read_text(encoding="utf-8"), RULES, "ogx-1")
