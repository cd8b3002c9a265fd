"""The package's layering, checked from the source: no import cycles, and the scan never imports libcst.

The import graph is built with `ast` from every module of `migrate/`: module-level imports, imports inside
functions (a lazy import is still a dependency) and those under `if TYPE_CHECKING:` (a type is a
dependency of the design, even if it never runs). Importing `a.b` is an edge to `a.b`, not to the package
`a` it lives in.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "migrate"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def reachable(start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_sees_the_imports_it_should() -> None:
    # a module-level import, a lazy one inside a function, and one under TYPE_CHECKING
    assert "migrate.rules" in GRAPH["migrate.registry"]
    assert "migrate.fix.rewrites.declare_and_read" in GRAPH["migrate.strategies.declare_and_read"]
    assert "migrate.shim.answers" in GRAPH["migrate.strategies.model"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_there_is_no_import_cycle_in_the_package() -> None:
    assert cycles(GRAPH) == []


def test_report_reads_only_the_contracts_of_fix_and_the_shim() -> None:
    report = {name for name in MODULES if name.startswith("migrate.report")}
    crossing = {
        (name, target)
        for name in report
        for target in GRAPH[name]
        if target.startswith(("migrate.fix", "migrate.shim"))
    }
    assert crossing == set()


def test_the_scan_never_imports_libcst() -> None:
    program = "import sys, runpy; sys.argv = ['llama-stack-migrate', 'scan', 'examples/legacy-app', '--no-progress']\n"
    program += "try:\n    runpy.run_module('migrate', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    program += "print(sorted(name for name in sys.modules if name.split('.')[0] == 'libcst'))"
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
    assert "LSM101" in result.stdout  # it did scan, and found the example app's registrations


def test_a_scan_of_one_file_with_cached_rules_never_imports_pydantic(tmp_path: Path) -> None:
    """Pydantic validates what comes from outside (rule files, settings, JSON); the scan's own types are dataclasses.

    Importing pydantic and building its models was most of a commit hook's scan of one file (issue 10).
    The first scan fills a fresh rule cache (and validates with pydantic); the second must not import it.
    """
    program = "import sys, runpy; sys.argv = ['llama-stack-migrate', 'scan', sys.argv[1], '--no-progress']\n"
    program += "try:\n    runpy.run_module('migrate', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    program += "print(sorted(name for name in sys.modules if name.split('.')[0] in ('pydantic', 'pydantic_core')))"
    target = REPO / "examples" / "legacy-app" / "supportbot" / "resources.py"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("LLAMA_STACK_MIGRATE_NO_CACHE", None)
    command = [sys.executable, "-c", program, str(target)]
    cold, warm = [
        subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120)
        for _ in range(2)
    ]
    assert cold.stdout.strip().splitlines()[-1] != "[]", cold.stderr  # the cache was empty: rules validated
    assert warm.stdout.strip().splitlines()[-1] == "[]", warm.stderr
    assert "LSM101" in warm.stdout  # it did scan, and found the module's registration


def occurrences(needle: str) -> list[str]:
    """`file:line` of every line of migrate/ that holds `needle` (comments and docstrings included)."""
    found = []
    for name, path in sorted(MODULES.items()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                found.append(f"{name}:{number}")
    return found


def test_each_fact_about_the_rules_has_one_home_in_the_code() -> None:
    # The identifier-template parser (its placeholder pattern), the path-parameter pattern, the built-in tool
    # group prefix (rule data: at most a mention in a docstring) and the exit code of an error.
    assert len(occurrences("(?:\\|[a-z_]+)*")) == 1
    assert len(occurrences("(?::(?P<kind>path))?")) == 1
    assert len(occurrences("builtin::")) <= 1
    assert [place.split(":")[0] for place in occurrences("EXIT_ERROR = ")] == ["migrate.exit_codes"]
    # A MigrateError becomes exit code 2 in one place, for every command (cli.py also exits 2 on failed files).
    mapped = [place.split(":")[0] for place in occurrences("sys.exit(EXIT_ERROR)")]
    assert [name for name in mapped if name != "migrate.cli"] == ["migrate.exit_codes"]
