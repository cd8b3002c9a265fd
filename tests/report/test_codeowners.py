"""CODEOWNERS with GitHub's semantics, and findings attributed to owners in the report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from migrate.report.codeowners import CodeOwners, compile_pattern, find_codeowners, parse_codeowners
from tests.report.conftest import RunReport


@pytest.mark.parametrize(
    ("pattern", "path", "owned"),
    [
        # The examples of GitHub's CODEOWNERS documentation.
        ("*", "src/deep/file.py", True),
        ("*.js", "src/app.js", True),
        ("*.js", "src/app.jsx", False),
        ("*.go", "main.go", True),
        ("/build/logs/", "build/logs/2026/today.log", True),
        ("/build/logs/", "src/build/logs/today.log", False),
        ("docs/*", "docs/getting-started.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),
        ("apps/", "apps/web/index.ts", True),
        ("apps/", "src/apps/web/index.ts", True),
        ("/docs/", "docs/a/b.md", True),
        ("/docs/", "src/docs/b.md", False),
        ("/scripts/", "scripts/deploy.sh", True),
        ("**/logs", "deep/down/logs/x.log", True),
        ("**/logs", "logs/x.log", True),
        ("/apps/github", "apps/github/x.py", True),
        ("/apps/github", "apps/github", True),
        ("/apps/github", "apps/githubber/x.py", False),
        ("docs/**", "docs/a/b/c.md", True),
        ("README.md", "sub/README.md", True),
        ("/README.md", "sub/README.md", False),
        ("supportbot/*.py", "supportbot/main.py", True),
        ("supportbot/*.py", "supportbot/data/x.py", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("a+b(c).txt", "a+b(c).txt", True),
    ],
)
def test_patterns_follow_github(pattern: str, path: str, owned: bool) -> None:
    assert bool(compile_pattern(pattern).fullmatch(path)) is owned


def test_the_last_matching_line_wins_and_a_line_without_owners_unowns() -> None:
    rules = parse_codeowners(
        "# comment\n"
        "* @org/everyone\n"
        "\n"
        "*.py @py-team\n"
        "/supportbot/ @bot-team user@example.com # the bot's team\n"
        "/supportbot/settings.py\n"
        "!/supportbot/main.py @ignored\n"
    )
    assert [rule.pattern for rule in rules] == ["*", "*.py", "/supportbot/", "/supportbot/settings.py"]
    owners = CodeOwners(Path("CODEOWNERS"), rules)
    assert owners.owners("supportbot/main.py") == ("@bot-team", "user@example.com")
    assert owners.owners("supportbot/settings.py") == ()
    assert owners.owners("tests/test_x.py") == ("@py-team",)
    assert owners.owners("README.md") == ("@org/everyone",)


def test_github_reads_dot_github_first_then_the_root_then_docs(tmp_path: Path) -> None:
    assert find_codeowners(tmp_path) is None
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @docs\n")
    assert find_codeowners(tmp_path) == tmp_path / "docs" / "CODEOWNERS"
    (tmp_path / "CODEOWNERS").write_text("* @root\n")
    assert find_codeowners(tmp_path) == tmp_path / "CODEOWNERS"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @github\n")
    assert find_codeowners(tmp_path) == tmp_path / ".github" / "CODEOWNERS"


CODEOWNERS = """\
* @support/maintainers
*.sh @support/ops
/supportbot/ @support/bot
/supportbot/http_admin.py @support/bot @support/security
/notebooks/
"""


def expected_owners(path: str) -> list[str]:
    """The same rules, written out by hand for the example app's paths (relative to its root)."""
    if path == "supportbot/http_admin.py":
        return ["@support/bot", "@support/security"]
    if path.startswith("supportbot/"):
        return ["@support/bot"]
    if path.startswith("notebooks/"):
        return []
    if path.endswith(".sh"):
        return ["@support/ops"]
    return ["@support/maintainers"]


def test_findings_are_counted_per_owner_of_the_example_app(
    run_report: RunReport, example_scan: Path, tmp_path: Path
) -> None:
    owners_file = tmp_path / "CODEOWNERS"
    owners_file.write_text(CODEOWNERS, encoding="utf-8")
    process = run_report(
        "--scan",
        str(example_scan),
        "--root",
        "examples/legacy-app",
        "--codeowners",
        str(owners_file),
        "--format",
        "json",
    )
    assert process.returncode == 0, process.stderr
    (repo,) = json.loads(process.stdout)["repositories"]
    scan = json.loads(example_scan.read_text())
    expected: Counter[str | None] = Counter()
    files: dict[str | None, set[str]] = {}
    for finding in scan["findings"]:
        relative = finding["path"].removeprefix("examples/legacy-app/")
        owners: list[str | None] = [*expected_owners(relative)] or [None]
        for owner in owners:
            expected[owner] += 1
            files.setdefault(owner, set()).add(relative)
    assert {row["owner"]: row["findings"] for row in repo["by_owner"]} == dict(expected)
    assert {row["owner"]: row["files"] for row in repo["by_owner"]} == {owner: len(f) for owner, f in files.items()}
    assert expected[None] > 0 and expected["@support/security"] > 0  # every kind of line is exercised
    for item in repo["findings"]:
        relative = item["finding"]["path"].removeprefix("examples/legacy-app/")
        assert item["owners"] == expected_owners(relative), relative
    assert repo["codeowners"] == str(owners_file)


def test_without_codeowners_there_is_no_owner_table(run_report: RunReport, example_scan: Path) -> None:
    process = run_report("--scan", str(example_scan), "--root", "examples/legacy-app", "--format", "json")
    assert process.returncode == 0, process.stderr
    (repo,) = json.loads(process.stdout)["repositories"]
    assert repo["by_owner"] is None and repo["codeowners"] is None
    markdown = run_report("--scan", str(example_scan), "--root", "examples/legacy-app").stdout
    assert "### By owner" not in markdown
