"""The HTML report's overview, from scans only, in real headless Chromium at 1280 px, light, dark and print.

Each run saves screenshots under pytest's tmp path (`report-light.png`, `report-dark.png`, and the
overview alone) and checks them: size, and the overview's pixels hold every segment colour the page
styles, not just the background. The numbers the charts draw are checked against the JSON report.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.report.browser import Browser, Page
from tests.report.conftest import run_process
from tests.report.png import read_png

WIDTH = 1280
KINDS = ("ready", "safe", "unsafe", "manual")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three repositories: the example app, one `fix` finishes, one clean; and a long, odd name."""
    base = tmp_path_factory.mktemp("fleet")
    shutil.copytree(REPO / "examples" / "legacy-app", base / "supportbot")
    header = "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"
    billing = base / "billing-service-with-a-very-long-repository-name-that-does-not-fit"
    billing.mkdir()
    (billing / "setup.py").write_text(header + 'client.models.register(model_id="m", provider_id="vllm")\n')
    (base / "clean").mkdir()
    (base / "clean" / "app.py").write_text("print('nothing deprecated')\n")
    return base


def report(fleet: Path, output_format: str, output: Path) -> Path:
    names = [path.name for path in sorted(fleet.iterdir())]
    process = run_process("-m", "migrate", "report", *names, "--format", output_format, "-o", str(output), cwd=fleet)
    assert process.returncode == 0, process.stderr
    return output


@pytest.fixture(scope="module")
def model(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(report(fleet, "json", tmp_path_factory.mktemp("json") / "r.json").read_text())
    return parsed


@pytest.fixture(scope="module")
def html_file(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report(fleet, "html", tmp_path_factory.mktemp("html") / "report.html")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def page(browser: Browser, html_file: Path) -> Page:
    opened = browser.open(html_file)
    opened.viewport(WIDTH, 900)
    return opened


def rgb(css: str) -> tuple[int, int, int]:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css)[:3])
    return (red, green, blue)


def test_the_overview_draws_every_repositorys_files_by_readiness(page: Page, model: dict[str, Any]) -> None:
    assert page.problems() == []
    assert page.evaluate("document.querySelector('main > *:nth-child(2)').id") == "overview"  # right below the title
    drawn: list[dict[str, Any]] = page.evaluate(
        "Array.from(document.querySelectorAll('svg.chart-readiness rect.seg')).map(r => ({repo: r.dataset.repo,"
        " kind: r.dataset.kind, count: Number(r.dataset.count), width: r.getBBox().width}))"
    )
    for repo in model["repositories"]:
        segments = [s for s in drawn if s["repo"] == repo["name"]]
        readiness = repo["readiness"]
        assert {s["kind"]: s["count"] for s in segments} == {
            kind: count for kind, count in readiness.items() if kind != "files" and count
        }
        assert sum(s["count"] for s in segments) == readiness["files"]
        widths = {s["kind"]: s["width"] for s in segments}
        for kind, width in widths.items():  # each bar is the full width, split in proportion
            assert width == pytest.approx(sum(widths.values()) * readiness[kind] / readiness["files"], abs=0.2)
    statuses = page.evaluate(
        "Array.from(document.querySelectorAll('svg.chart-readiness text.status')).map(t => t.textContent)"
    )
    assert statuses == ["fix-ready", "ready", "not ready"]  # billing, clean, supportbot (as given)


def test_the_overview_counts_each_rules_uses_over_every_repository(page: Page, model: dict[str, Any]) -> None:
    expected: Counter[str] = Counter()
    for repo in model["repositories"]:
        for row in repo["by_rule"]:
            expected[row["rule"]] += row["findings"]
    totals = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('svg.chart-rules text.total'))"
        ".map(t => [t.dataset.rule, Number(t.textContent)]))"
    )
    assert totals == dict(expected)
    table = page.evaluate(
        "Array.from(document.querySelectorAll('table[data-table=\"overview-rules\"] tbody tr'))"
        ".map(row => [row.cells[0].textContent, Number(row.cells[2].textContent)])"
    )
    assert dict(table) == dict(expected)


def test_the_charts_are_accessible(page: Page) -> None:
    charts = page.evaluate(
        "Array.from(document.querySelectorAll('#overview svg.chart')).map(svg => ({role: svg.getAttribute('role'),"
        " label: svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).tagName)}))"
    )
    assert charts == [{"role": "img", "label": ["title", "desc"]}] * 2
    description = page.evaluate("document.getElementById('readiness-desc').textContent")
    # pyproject.toml (the SDK pin: a safe fix) and inventory.py (reads OGX no longer serves) count too; a file with
    # any manual finding counts as manual (the reads of removed kinds make most of them so)
    assert "supportbot: not ready, 16 files: 3 ready, 1 safe auto-fix, 12 manual" in description
    rows = page.evaluate("document.querySelectorAll('table[data-table=\"overview-repos\"] tbody tr').length")
    assert rows == 3  # the text alternative: the same numbers as a table


def overflowing(page: Page) -> list[str]:
    """Elements that reach past the page's right edge (unless a scrolling box clips them), and SVG text
    that leaves its chart's view box."""
    found: list[str] = page.evaluate(
        """(() => {
          const width = document.documentElement.clientWidth, out = [];
          const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
            const style = getComputedStyle(p); if (style.overflowX !== 'visible') return true; } return false; };
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 0.5 && !clipped(el)) out.push(el.tagName + ' ' + el.className);
          }
          for (const text of document.querySelectorAll('svg text')) {
            const svg = text.ownerSVGElement, view = svg.viewBox.baseVal, box = text.getBBox();
            const outside = box.x < view.x - 0.5 || box.x + box.width > view.x + view.width + 0.5;
            if (outside) out.push('svg text ' + text.textContent);
          }
          const scrolled = document.documentElement.scrollWidth;
          if (scrolled > width) out.push('document ' + scrolled);
          return out;
        })()"""
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot_at_1280_shows_the_overview_and_nothing_overflows(page: Page, scheme: str, tmp_path: Path) -> None:
    page.emulate(color_scheme=scheme)
    assert overflowing(page) == []
    whole = read_png(
        page.screenshot(tmp_path / f"report-{scheme}.png", {"x": 0, "y": 0, "width": WIDTH, "height": 900})
    )
    assert (whole.width, whole.height) == (WIDTH, 900)
    box = page.evaluate(
        "(() => { const b = document.getElementById('overview').getBoundingClientRect();"
        " return {x: b.x, y: b.y, width: b.width, height: b.height}; })()"
    )
    overview = read_png(page.screenshot(tmp_path / f"overview-{scheme}.png", box))
    pixels = overview.region(0, 0, overview.width, overview.height)
    background = rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert background == ((255, 255, 255) if scheme == "light" else (13, 17, 23))
    assert sum(1 for pixel in pixels if pixel != background) > 0.05 * len(pixels)  # not blank
    seen = set(pixels)
    for kind in KINDS:
        fill = rgb(page.evaluate(f"getComputedStyle(document.querySelector('rect.seg-{kind}')).fill"))
        assert fill in seen, (kind, fill)  # every segment colour is painted
    print(f"screenshots: {tmp_path}")


def test_print_is_light_laid_out_and_renders_to_pdf(page: Page) -> None:
    page.emulate(media="print", color_scheme="dark")
    assert rgb(page.evaluate("getComputedStyle(document.body).backgroundColor")) == (255, 255, 255)
    assert page.evaluate("getComputedStyle(document.querySelector('.table-wrap')).overflowX") == "visible"
    pdf = page.print_pdf()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2  # the whole report, over several pages
