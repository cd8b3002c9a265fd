"""`report --format html` in real headless Chromium: no console errors, no network, the input's numbers."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.report.browser import Browser, Page
from tests.report.conftest import run_process
from tests.report.history import CLIENTS, DAYS, PLAN, calls_per_day_per_rule, daily_totals


@pytest.fixture(scope="module")
def html_file(example_scan: Path, history_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("html") / "report.html"
    args = ("--scan", str(example_scan), "--events", str(history_db), "--format", "html", "-o", str(output))
    process = run_process("-m", "migrate", "report", *args)
    assert process.returncode == 0, process.stderr
    assert process.stdout == ""
    return output


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def page(browser: Browser, html_file: Path) -> Page:
    return browser.open(html_file)


def column(page: Page, table: str, index: int, owner: str = "") -> list[str]:
    """The texts of one column (0-based) of the table `data-table=table`, in display order."""
    selector = f'table[data-table="{table}"][data-owner="{owner}"] tbody tr'
    texts: list[str] = page.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(row => row.cells[{index}].textContent)"
    )
    return texts


def rows(page: Page, table: str, owner: str = "") -> list[list[str]]:
    selector = f'table[data-table="{table}"][data-owner="{owner}"] tbody tr'
    found: list[list[str]] = page.evaluate(
        f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
        ".map(row => Array.from(row.cells).map(cell => cell.textContent))"
    )
    return found


def test_the_page_loads_without_console_errors_or_network(page: Page, html_file: Path) -> None:
    assert page.problems() == []
    assert page.requests() == [html_file.resolve().as_uri()]
    assert page.evaluate("document.title") == "Llama Stack migration report"


def test_no_external_url_in_any_src_or_href(html_file: Path) -> None:
    html = html_file.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "@import" not in html and "url(" not in html


def test_the_chart_draws_the_event_history(page: Page) -> None:
    segments: list[dict[str, Any]] = page.evaluate(
        "Array.from(document.querySelectorAll('svg.burndown rect.segment'))"
        ".map(r => ({day: r.dataset.day, rule: r.dataset.rule, count: Number(r.dataset.count),"
        " height: r.getBBox().height}))"
    )
    drawn = {(s["day"], s["rule"]): s["count"] for s in segments}
    expected = {
        (day.isoformat(), rule): count
        for rule, counts in calls_per_day_per_rule().items()
        for day, count in zip(DAYS, counts, strict=True)
        if count
    }
    assert drawn == expected
    assert all(s["height"] > 0 for s in segments)  # laid out, not just present in the markup
    tallest = max(segments, key=lambda s: s["height"])
    assert tallest["count"] == max(expected.values())
    totals: list[str] = page.evaluate(
        "Array.from(document.querySelectorAll('svg.burndown text.total')).map(t => t.textContent)"
    )
    assert [int(total) for total in totals] == daily_totals()
    legend = page.evaluate("Array.from(document.querySelectorAll('#burndown .legend li')).map(li => li.textContent)")
    assert legend == [f"{rule}: {sum(counts)} (falling)" for rule, counts in sorted(calls_per_day_per_rule().items())]


def test_the_tables_show_the_inputs_numbers(page: Page, example_scan: Path) -> None:
    per_day = rows(page, "per-day")
    expected = calls_per_day_per_rule()
    assert [row[0] for row in per_day] == [day.isoformat() for day in DAYS]
    for index, row in enumerate(per_day):
        assert [int(cell) for cell in row[2:]] == [expected[rule][index] for rule in sorted(expected)]
    sdk_calls: Counter[tuple[str, str]] = Counter()
    for calls in PLAN:
        client = CLIENTS[calls.client]
        sdk_calls[(client.sdk_name or "(unknown)", client.sdk_version or "")] += sum(calls.counts)
    assert {(row[0], row[1]): int(row[2]) for row in rows(page, "clients-sdk")} == dict(sdk_calls)
    scan = json.loads(example_scan.read_text())
    by_rule = {row[0]: int(row[2]) for row in rows(page, "by-rule", "legacy-app")}
    assert by_rule == scan["summary"]["by_rule"]
    assert len(rows(page, "findings", "legacy-app")) == scan["summary"]["findings"]
    (totals,) = rows(page, "totals", "legacy-app")
    assert int(totals[0]) == scan["summary"]["findings"]
    pending = page.evaluate("document.querySelector('pre[data-target=\"ogx-1\"]').textContent")
    assert "connector_id: mcp::tickets" in pending and "model_id: supportbot-chat" in pending


def test_tables_sort_by_a_clicked_column(page: Page) -> None:
    def click(table: str, header: int) -> None:
        page.evaluate(f"document.querySelector('table[data-table=\"{table}\"] th:nth-child({header + 1})').click()")

    calls = [int(text) for text in column(page, "clients-sdk", 2)]
    assert calls == sorted(calls, reverse=True)  # as rendered: most calls first
    click("clients-sdk", 2)
    assert [int(text) for text in column(page, "clients-sdk", 2)] == sorted(calls)
    click("clients-sdk", 2)
    assert [int(text) for text in column(page, "clients-sdk", 2)] == sorted(calls, reverse=True)
    header = 'table[data-table="clients-sdk"] th:nth-child(3)'
    assert page.evaluate(f"document.querySelector('{header}').getAttribute('aria-sort')") == "descending"
    click("clients-sdk", 0)
    names = column(page, "clients-sdk", 0)
    assert names == sorted(names, key=str.lower)
    # Numbers sort as numbers, not as text ("10" after "9").
    click("outcomes", 2)
    outcome_calls = [int(text) for text in column(page, "outcomes", 2)]
    assert outcome_calls == sorted(outcome_calls) and outcome_calls != sorted(outcome_calls, key=str)
    assert page.problems() == []


def test_the_browser_check_catches_blocked_loads_and_scripts(browser: Browser, html_file: Path, tmp_path: Path) -> None:
    """A report page that tried to load anything, or run another script, would fail the checks above."""
    broken = tmp_path / "broken.html"
    html = html_file.read_text(encoding="utf-8")
    html = html.replace("</body>", '<img src="https://example.invalid/pixel.png"><script>missing()</script></body>')
    broken.write_text(html, encoding="utf-8")
    page = browser.open(broken)
    problems = page.problems()
    assert any("Content Security Policy" in p and "img-src" in p for p in problems), problems
    assert any("Content Security Policy" in p and "script" in p for p in problems), problems
    assert "https://example.invalid/pixel.png" in page.requests()  # attempts are seen, even blocked ones


def test_the_browser_check_catches_console_errors_and_exceptions(browser: Browser, tmp_path: Path) -> None:
    page_file = tmp_path / "errors.html"
    page_file.write_text("<!DOCTYPE html><title>t</title><script>console.error('boom'); missing();</script>")
    problems = browser.open(page_file).problems()
    assert any(p.startswith("console.error") and "boom" in p for p in problems), problems
    assert any(p.startswith("exception") and "missing is not defined" in p for p in problems), problems


def test_a_report_without_events_or_findings_loads_cleanly(browser: Browser, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('nothing deprecated')\n")
    scan = tmp_path / "scan.json"
    assert (
        run_process("-m", "migrate", "scan", "--format", "json", "-o", str(scan), "app.py", cwd=tmp_path).returncode
        == 0
    )
    output = tmp_path / "report.html"
    process = run_process(
        "-m", "migrate", "report", "--scan", str(scan), "--format", "html", "-o", str(output), cwd=tmp_path
    )
    assert process.returncode == 0, process.stderr
    page = browser.open(output)
    assert page.problems() == []
    assert page.evaluate("document.querySelector('ul.verdicts li.ready').textContent").endswith(
        "no deprecated uses left"
    )
    assert page.evaluate("document.querySelector('svg.burndown')") is None
