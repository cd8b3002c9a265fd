"""docs/shim.md describes what the shim does: its decision table is the one the rules produce."""

from __future__ import annotations

import re

from migrate.registry import load_rules
from migrate.shim.problems import PROBLEM_BASE
from migrate.strategies import STRATEGIES
from tests.conftest import REPO

ANSWER_NAMES = {
    "forward": "forward",
    "declare": "declare & read",
    "remove_statement": "look up (unregister)",
    "manual": "410 Gone",
}


def decision_table() -> str:
    lines = ["| rule | operation | llama-stack-0.4 | llama-stack-0.7 | ogx-1 |", "|---|---|---|---|---|"]
    for rule in load_rules().rules:
        cells = []
        for plan in rule.targets.values():
            module = STRATEGIES[plan.strategy].answer().__module__.rsplit(".", 1)[1]
            cell = ANSWER_NAMES[module]
            if module == "forward" and any(old.startswith("/") for old in plan.rename):
                cell += " (legacy path renamed)"
            cells.append(cell)
        lines.append(f"| {rule.id} | {rule.http.method} {rule.http.paths[0]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_decision_table_in_the_guide_is_current() -> None:
    guide = (REPO / "docs" / "shim.md").read_text(encoding="utf-8")
    start = guide.index("<!-- decision-table")
    documented = guide[guide.index("\n", start) + 1 : guide.index("<!-- /decision-table -->")].strip()
    assert documented == decision_table()


def test_every_problem_type_the_code_uses_is_documented() -> None:
    guide = (REPO / "docs" / "shim.md").read_text(encoding="utf-8")
    assert PROBLEM_BASE in guide
    sources = "".join(path.read_text(encoding="utf-8") for path in (REPO / "migrate" / "shim").rglob("*.py"))
    slugs = set(re.findall(r'Problem\(\s*"([a-z-]+)"', sources)) | set(re.findall(r'"(upstream-[a-z]+)"', sources))
    slugs -= {"upstream-error"}  # an outcome, not a problem type
    assert len(slugs) >= 14, sorted(slugs)
    for slug in sorted(slugs):
        assert f"| `{slug}` |" in guide, slug
