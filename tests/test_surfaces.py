"""A new surface is one matcher module and one record in `migrate.sources.SOURCES`: nothing else changes.

The test adds a made-up kind of file (`.lsq` query files, one `CALL METHOD PATH` per line) through the
registry alone, then runs the real `scan` and `fix` commands over a real directory: discovery finds the
file, the engine scans it with the new matcher, the judgement says what fix can do there (path renames,
as for scripts), and fix rewrites it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import sources
from migrate.cli import main
from migrate.sources import Matcher, Source, decode_utf8

MATCHER = '''
"""Query files: one `CALL METHOD PATH` per line."""

from migrate.findings import Document, Hit, Scanned, source_lines
from migrate.sources.urls import match_route


def scan_queries(text, ruleset, target):
    lines = source_lines(text)
    hits = []
    for number, line in enumerate(lines, 1):
        words = line.split()
        route = match_route(ruleset, words[1], words[2]) if len(words) == 3 and words[0] == "CALL" else None
        if route is not None:
            start = line.index(words[2])
            hits.append(
                Hit(route.rule, "http", number, start, number, start + len(words[2]), "high", True,
                    f"HTTP {words[1]} {words[2]}", http_path=route.template)
            )
    return Scanned([Document(lines, hits)], [])
'''


@pytest.fixture
def query_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lsm_query_surface.py").write_text(MATCHER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def matcher() -> Matcher:
        scan: Matcher = importlib.import_module("lsm_query_surface").scan_queries
        return scan

    record = Source("queries", (".lsq",), decode_utf8, matcher, "text", "text")
    monkeypatch.setattr(sources, "SOURCES", (*sources.SOURCES, record))


@pytest.mark.usefixtures("query_files")
def test_a_surface_added_through_the_registry_alone_is_scanned_and_fixed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "admin.lsq").write_text("CALL GET /v1/version\nCALL POST /v1/datasets\n", encoding="utf-8")
    (project / "notes.txt").write_text("CALL POST /v1/datasets\n", encoding="utf-8")  # no surface: not read
    runner = CliRunner()

    scanned = runner.invoke(main, ["scan", str(project), "--target", "llama-stack-0.7", "--format", "json"])
    assert scanned.exit_code == 0, scanned.output
    (finding,) = json.loads(scanned.stdout)["findings"]
    assert (finding["rule"], finding["language"], finding["line"], finding["column"]) == ("LSM131", "queries", 2, 11)
    assert finding["fix"]["applicability"] == "safe"  # a path rename, as in scripts and docs

    fixed = runner.invoke(main, ["fix", str(project), "--target", "llama-stack-0.7", "--write"])
    assert fixed.exit_code == 0, fixed.output
    assert (project / "admin.lsq").read_text() == "CALL GET /v1/version\nCALL POST /v1beta/datasets\n"
    assert (project / "notes.txt").read_text() == "CALL POST /v1/datasets\n"


@pytest.mark.usefixtures("query_files")
def test_on_a_target_without_the_route_the_new_surface_reports_for_a_human(tmp_path: Path) -> None:
    (tmp_path / "admin.lsq").write_text("CALL POST /v1/models\n", encoding="utf-8")
    scanned = CliRunner().invoke(main, ["scan", str(tmp_path / "admin.lsq"), "--target", "ogx-1", "--format", "json"])
    (finding,) = json.loads(scanned.stdout)["findings"]
    assert finding["rule"] == "LSM101" and finding["severity"] == "error"
    assert finding["fix"] == {
        "applicability": "manual",
        "note": "documentation and scripts are only rewritten for path renames; the replacement is shown",
    }
