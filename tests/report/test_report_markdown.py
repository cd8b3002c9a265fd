"""`report --format markdown` on the example app's real scan, checked against `scan` and `fix` themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.report.conftest import fix_split, run_process
from tests.report.history import DAYS, calls_per_day_per_rule, daily_totals


@pytest.fixture(scope="module")
def markdown(example_scan: Path, history_db: Path) -> str:
    process = run_process("-m", "migrate", "report", "--scan", str(example_scan), "--events", str(history_db))
    assert process.returncode == 0, process.stderr
    return process.stdout


@pytest.fixture(scope="module")
def fix_summary() -> dict[str, int]:
    """What `fix --target ogx-1` (a diff, nothing written) says it does with the example app."""
    return fix_split("examples/legacy-app")


def section(markdown: str, title: str) -> str:
    """The text under the heading `title`, up to the next heading of the same level or above."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"#+ {re.escape(title)}", line))
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    following = (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i]))
    return "\n".join(lines[start + 1 : next(following, len(lines))])


def table(text: str, header: str) -> list[list[str]]:
    """The rows of the first table whose header row starts with `| header |`, as cell texts."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    out = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        out.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return out


def test_the_verdict_comes_first_with_the_fix_engines_split(
    markdown: str, fix_summary: dict[str, int], example_scan: Path
) -> None:
    scan = json.loads(example_scan.read_text())
    first = markdown.splitlines()[2]
    assert first.startswith("- ❌ legacy-app: not ready for ogx-1: ")
    assert f"{scan['summary']['findings']} findings ({scan['summary']['errors']} blocking)" in first
    split = (
        f"{fix_summary['safe']} safe auto-fix, {fix_summary['unsafe']} unsafe auto-fix, {fix_summary['manual']} manual"
    )
    assert split in first
    assert fix_summary["safe"] + fix_summary["unsafe"] == scan["summary"]["fixable"]


def test_needs_attention_lists_exactly_the_unsafe_and_manual_findings_first(markdown: str, example_scan: Path) -> None:
    assert markdown.index("## Needs attention") < markdown.index("## legacy-app")
    report = json.loads(run_process("-m", "migrate", "report", "--scan", str(example_scan), "--format", "json").stdout)
    (repo,) = report["repositories"]
    human = [item for item in repo["findings"] if item["fix"] in ("manual", "unsafe")]
    rows = table(section(markdown, "Needs attention"), "where")
    assert len(rows) == len(human)
    assert [row[4].split(":")[0] for row in rows] == sorted(
        (("manual" if item["fix"] == "manual" else "unsafe auto-fix") for item in human),
        key=lambda fix: fix != "manual",
    )
    listed = {row[0].strip("`") for row in rows}
    for item in repo["findings"]:
        finding = item["finding"]
        where = f"{finding['path']}:" + (
            f"cell {finding['cell']}, {finding['line']}:{finding['column']}"
            if finding["cell"]
            else f"{finding['line']}:{finding['column']}"
        )
        assert (where in listed) == (item["fix"] in ("manual", "unsafe")), where


def test_counts_per_rule_and_per_file_are_the_scans(markdown: str, example_scan: Path) -> None:
    scan = json.loads(example_scan.read_text())
    by_rule = table(section(markdown, "By rule"), "rule")
    assert {row[0]: int(row[2]) for row in by_rule} == scan["summary"]["by_rule"]
    for row in by_rule:
        findings, safe, unsafe, auto, manual = (int(cell) for cell in row[2:7])
        assert findings == safe + unsafe + auto + manual
    by_file = table(section(markdown, "By file"), "file")
    counts: dict[str, int] = {}
    for finding in scan["findings"]:
        counts[finding["path"]] = counts.get(finding["path"], 0) + 1
    assert {row[0].strip("`"): int(row[2]) for row in by_file} == counts


def assert_tables_are_rectangular(markdown: str) -> None:
    """Every table row has as many cells as its header (escaped pipes are not separators)."""
    header_cells = 0
    for line in markdown.splitlines():
        if not line.startswith("|"):
            header_cells = 0
            continue
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        header_cells = header_cells or cells
        assert cells == header_cells, line


def test_every_table_row_has_as_many_cells_as_its_header(markdown: str) -> None:
    assert_tables_are_rectangular(markdown)


def test_the_run_time_section_has_the_burn_down_and_the_patch(markdown: str) -> None:
    runtime = section(markdown, "Run time (shim events)")
    per_day = table(runtime, "day")
    expected = calls_per_day_per_rule()
    assert [row[0] for row in per_day] == [day.isoformat() for day in DAYS]
    assert [[int(cell) for cell in row[2:]] for row in per_day] == [
        [expected[rule][index] for rule in sorted(expected)] for index in range(len(DAYS))
    ]
    trend_rows = {row[0]: row for row in table(runtime, "rule")}
    assert trend_rows["**all**"][5] == "falling ↘"
    assert "```yaml\nregistered_resources:" in runtime
    totals = daily_totals()
    line = (
        f"run time: {sum(totals)} deprecated calls over {len(DAYS)} days, falling ↘ ({totals[0]} → {totals[-1]} a day)"
    )
    assert f"📈 {line}; 3 pending declarations" in markdown


def test_a_report_without_events_has_no_run_time_section(example_scan: Path) -> None:
    process = run_process("-m", "migrate", "report", "--scan", str(example_scan))
    assert process.returncode == 0, process.stderr
    assert "## Run time" not in process.stdout and "📈" not in process.stdout


def test_the_window_is_stated(history_db: Path) -> None:
    process = run_process(
        "-m", "migrate", "report", "--events", str(history_db), "--since", "2026-03-03", "--until", "2026-03-05"
    )
    assert process.returncode == 0, process.stderr
    assert "events from 2026-03-03 00:00 to 2026-03-05 23:59 UTC" in process.stdout
    everything = run_process("-m", "migrate", "report", "--events", str(history_db)).stdout
    assert "all recorded events" in everything
