"""docs/shim.md describes what the shim does: its decision table is the one the rules produce."""

from __future__ import annotations

import ast
import re

import pytest

from migrate.rule_loader import load_rules
from migrate.shim.problems import PROBLEM_BASE, PROBLEM_TYPES, Problem, problem_type
from migrate.strategies import STRATEGIES
from tests.conftest import REPO

ANSWER_NAMES = {
    "forward": "forward",
    "declare": "declare & read",
    "remove_statement": "look up (unregister)",
    "translate": "translate (legacy clients)",
    "manual": "410 Gone",
}


def decision_table() -> str:
    lines = ["| rule | operation | llama-stack-0.4 | llama-stack-0.7 | ogx-1 |", "|---|---|---|---|---|"]
    for rule in load_rules().rules:
        if not rule.http.paths:
            continue  # an SDK call or a pin: nothing reaches the shim as a route of its own
        cells = []
        for plan in rule.targets.values():
            module = STRATEGIES[plan.strategy].answer().__module__.rsplit(".", 1)[1]
            cell = "relay" if plan.status == "served" else ANSWER_NAMES[module]
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


def problems_made_in_the_shim() -> list[tuple[str, int, str]]:
    """`(name, status, where)` of every `Problem(...)` the shim's code builds with a literal name and status."""
    made = []
    for path in sorted((REPO / "migrate" / "shim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem":
                name, status = node.args[0], node.args[2]
                assert isinstance(name, ast.Constant) and isinstance(status, ast.Constant), ast.dump(node)
                made.append((name.value, status.value, f"{path.relative_to(REPO)}:{node.lineno}"))
    return made


def test_every_problem_the_shim_makes_is_a_catalogued_type_with_its_status() -> None:
    made = problems_made_in_the_shim()
    assert len({name for name, _, _ in made}) >= 14, made  # the walk found the shim's problems
    for name, status, where in made:
        assert PROBLEM_TYPES.get(name) == status, where


def test_a_problem_of_an_uncatalogued_type_or_status_is_refused() -> None:
    assert Problem("not-found", "Not found", 404, "x").type == "tag:llama-stack-migrate,2026:problem/not-found"
    with pytest.raises(ValueError, match="not a documented problem type"):
        Problem("no-such-problem", "Nope", 400, "x")
    with pytest.raises(ValueError, match="not a documented problem type"):
        Problem("not-found", "Not found", 410, "x")


def test_problem_types_are_tag_uris_per_rfc_4151() -> None:
    """tag:authorityName,date:specific; the authority a DNS name, the date YYYY[-MM[-DD]] (RFC 4151 section 2.1)."""
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    pattern = rf"tag:{label}(?:\.{label})*,\d{{4}}(?:-\d{{2}}(?:-\d{{2}})?)?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]+"
    for name in PROBLEM_TYPES:
        assert re.fullmatch(pattern, problem_type(name)), problem_type(name)


def test_every_problem_type_is_documented_with_its_anchor_and_status() -> None:
    guide = (REPO / "docs" / "shim.md").read_text(encoding="utf-8")
    assert PROBLEM_BASE + "NAME" in guide
    rows = re.findall(r'^\| <a id="problem-([a-z-]+)"></a>`([a-z-]+)` \| (\d{3}) \| .+ \| .+ \|$', guide, re.MULTILINE)
    assert all(anchor == name for anchor, name, _ in rows), rows
    assert {name: int(status) for _, name, status in rows} == dict(PROBLEM_TYPES)
    assert "llama-stack-migrate.dev" not in guide
