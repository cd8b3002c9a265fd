"""`report --format markdown --max-chars N`: a big report fits a GitHub comment, the important part first.

The scans are real (`scan` over a synthetic repository of many files); what the Markdown must show is
checked against the JSON report of the same scan.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.errors import MigrateError
from migrate.report.fit import Cut, fit
from tests.report.conftest import run_process
from tests.report.history import EXPECTED_PENDING
from tests.report.test_report_markdown import assert_tables_are_rectangular, section, table

GITHUB_LIMIT = 65_536
NOTE = re.compile(
    r"^\*… (\d+) of (\d+) (.+) left out to fit ([\d,]+) characters: "
    r"`--format html` or `--format json` has them all\.\*$"
)


def synthetic_scan(folder: Path, files: int, safe: int, manual: int) -> str:
    """`scan --format json` of `files` Python files, each with `safe` model and `manual` shield registrations;
    `--repo NAME=FILE` for it."""
    repo = folder / "big-service"
    repo.mkdir()
    for number in range(files):
        lines = ["from llama_stack_client import LlamaStackClient", "client = LlamaStackClient()"]
        lines += [f'client.models.register(model_id="model-{number}-{i}", provider_id="vllm")' for i in range(safe)]
        lines += [f'client.shields.register(shield_id="guard-{number}-{i}", provider_id="lg")' for i in range(manual)]
        (repo / f"service_{number:03d}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = folder / "scan.json"
    process = run_process("-m", "migrate", "scan", "--format", "json", "-o", str(output), ".", cwd=repo)
    assert process.returncode == 0, process.stderr
    return f"big-service={output}"


def report(*args: str) -> str:
    process = run_process("-m", "migrate", "report", *args)
    assert process.returncode == 0, process.stderr
    return process.stdout


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def notes(markdown: str) -> dict[str, tuple[int, int]]:
    """Every note about rows left out: noun -> (left out, total)."""
    found = {}
    for line in markdown.splitlines():
        match = NOTE.match(line)
        if match:
            assert match.group(4) == f"{GITHUB_LIMIT:,}"
            found[match.group(3)] = (int(match.group(1)), int(match.group(2)))
    return found


def assert_well_formed(capped: str, full: str) -> None:
    """No line is cut in the middle (each is a line of the full report, a note or the banner), every table
    row has its header's cells, and code fences pair up."""
    whole = set(full.splitlines())
    for line in capped.splitlines()[:-1]:  # the last line says when the report was made
        assert line in whole or NOTE.match(line) or line.startswith("> ✂️ Shortened to fit"), line
    assert_tables_are_rectangular(capped)
    assert sum(1 for line in capped.splitlines() if line.startswith("```")) % 2 == 0


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory, history_db: Path) -> dict[str, Any]:
    """A scan of 150 files (1,950 findings, 150 of them manual) and the shim history: its reports."""
    scan = synthetic_scan(tmp_path_factory.mktemp("big"), files=150, safe=12, manual=1)
    args = ("--repo", scan, "--events", str(history_db))
    return {
        "capped": report(*args),
        "full": report(*args, "--max-chars", "0"),
        "json": json.loads(report(*args, "--format", "json")),
    }


def test_a_big_report_is_cut_to_a_github_comment_with_verdict_totals_and_attention_whole(big: dict[str, Any]) -> None:
    capped, full, document = big["capped"], big["full"], big["json"]
    (repo,) = document["repositories"]
    assert utf16_units(full) > GITHUB_LIMIT >= utf16_units(capped)
    assert_well_formed(capped, full)
    lines = capped.splitlines()
    assert lines[2].startswith("> ✂️ Shortened to fit 65,536 characters (`--max-chars`): ")
    assert lines[4].startswith("- ❌ big-service: not ready for ogx-1: 150 of 1950 blocking uses need a human")
    assert len(table(section(capped, "Needs attention"), "where")) == len(repo["attention"]) == 150
    totals = table(capped, "findings")
    # findings, blocking, warnings, safe, unsafe, split unknown, manual: the scan says which fixes are safe
    assert totals == [["1950", "1950", "0", "1800", "0", "0", "150"]]
    assert len(table(section(capped, "By rule"), "rule")) == len(repo["by_rule"])
    block = capped.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == EXPECTED_PENDING  # the pending declarations come whole
    left_out = notes(capped)
    assert set(left_out) == {"findings"}  # the folded list of every finding goes first, and is enough here
    shown = re.findall(r"^- `(\d+:\d+)` ", capped, re.MULTILINE)
    assert left_out["findings"] == (1950 - len(shown), 1950) and len(shown) > 0
    first = [f"{item['finding']['line']}:{item['finding']['column']}" for item in repo["findings"][: len(shown)]]
    assert shown == first  # the first findings, in order
    assert len(table(section(capped, "By file"), "file")) == len(repo["by_file"]) == 150
    assert sum(count for count, _ in left_out.values()) == int(
        lines[2].split(": ", 1)[1].split(" rows")[0].replace(",", "")
    )
    order = [
        capped.index(text) for text in ("- ❌", "## Needs attention", "### By rule", "### By file", "All 1950 findings")
    ]
    assert order == sorted(order)


def test_needs_attention_is_cut_only_when_nothing_else_is_left(tmp_path: Path) -> None:
    scan = synthetic_scan(tmp_path, files=120, safe=1, manual=5)
    capped = report("--repo", scan)
    full = report("--repo", scan, "--max-chars", "0")
    (repo,) = json.loads(report("--repo", scan, "--format", "json"))["repositories"]
    assert utf16_units(capped) <= GITHUB_LIMIT < utf16_units(full)
    assert_well_formed(capped, full)
    left_out = notes(capped)
    shown = table(section(capped, "Needs attention"), "where")
    assert left_out["findings that need attention"] == (600 - len(shown), 600) and len(shown) > 300
    assert [row[0].strip("`") for row in shown] == [
        f"{item['finding']['path']}:{item['finding']['line']}:{item['finding']['column']}"
        for item in repo["attention"][: len(shown)]
    ]  # the first rows, in order
    assert left_out["files"] == (120, 120) and left_out["findings"] == (720, 720)
    assert len(table(section(capped, "By rule"), "rule")) == 2  # kept whole: what to do per rule
    assert "- ❌ big-service: not ready for ogx-1" in capped


def test_a_report_under_the_cap_is_not_touched(example_scan: Path, history_db: Path) -> None:
    default = report("--scan", str(example_scan), "--events", str(history_db))
    assert default == report("--scan", str(example_scan), "--events", str(history_db), "--max-chars", "0")
    assert "Shortened" not in default and not notes(default)


def test_max_chars_is_for_markdown_and_must_leave_room_for_the_essentials(example_scan: Path) -> None:
    for args, message in (
        (("--format", "json", "--max-chars", "1000"), "--max-chars applies to --format markdown, not json"),
        (("--max-chars", "300"), "needs more than --max-chars 300 characters even with every table cut"),
        (("--max-chars", "-1"), "Invalid value for '--max-chars'"),
    ):
        process = run_process("-m", "migrate", "report", "--scan", str(example_scan), *args)
        assert process.returncode == 2, process.stdout
        assert message in process.stderr
        assert "Traceback" not in process.stderr


def test_characters_are_counted_as_utf16_units() -> None:
    rows = Cut([[f"| 🔧 row {number:03d} |"] for number in range(200)], level=1, noun="rows")
    pieces: list[str | Cut] = ["# t", "", "| h |", "|---|", rows, ""]
    text = fit(pieces, None)
    size = utf16_units(text)
    assert size == len(text) + 200  # each 🔧 is one code point but two UTF-16 units
    assert fit(pieces, size) == text  # exactly at the cap: nothing is cut
    shortened = fit(pieces, size - 1)  # counted in code points it would still fit
    assert utf16_units(shortened) <= size - 1 and 0 < rows.left_out < 200
    assert notes_of(shortened, size - 1) == (rows.left_out, 200)
    with pytest.raises(MigrateError, match="even with every table cut"):
        fit(pieces, 50)


def notes_of(text: str, cap: int) -> tuple[int, int]:
    (line,) = [line for line in text.splitlines() if line.startswith("*… ")]
    assert line.endswith(f"rows left out to fit {cap:,} characters: `--format html` or `--format json` has them all.*")
    left_out, total = re.findall(r"\d+", line)[:2]
    return int(left_out), int(total)
