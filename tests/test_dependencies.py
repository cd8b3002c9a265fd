"""Every runtime dependency in pyproject.toml is used by `migrate/`: a declared dependency nobody imports is a cost
every user pays (install time, size, supply chain) for nothing.

A distribution's import names come from the files it installed (its RECORD), so `ruamel.yaml` is the
`ruamel.yaml` package and `prometheus-client` is `prometheus_client`. A dependency with an environment
marker (`tomli; python_version < '3.11'`) is missing where the marker is false, so `migrate/` may
import it only behind a guard (`if sys.version_info ...`, `if sys.platform ...`, or `try: ...
except ImportError`).
"""

from __future__ import annotations

import ast
import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from migrate.shim.server import server_config
from migrate.toml import loads
from tests.conftest import REPO
from tests.shim.upstream import serve

#: Dependencies that `migrate/` uses without importing them, and the test below that proves the use.
LOADED_FOR_MIGRATE = {
    "uvloop": "test_the_shim_runs_on_uvloop: uvicorn loads it for the shim's loop='auto' (shim/server.py)",
}


@dataclass(frozen=True)
class Import:
    """One imported module name, where it is, and whether a guard keeps it from running everywhere."""

    module: str
    path: Path
    line: int
    guarded: bool


def runtime_requirements(pyproject: Path) -> list[Requirement]:
    return [Requirement(text) for text in loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]]


def import_names(requirement: Requirement) -> set[str]:
    """The modules the distribution installs, from its RECORD; its name as a module when it is not installed here."""
    try:
        files = metadata.distribution(requirement.name).files
    except metadata.PackageNotFoundError:
        if requirement.marker is None or requirement.marker.evaluate():
            raise AssertionError(f"{requirement.name} applies to this environment but is not installed") from None
        return {canonicalize_name(requirement.name).replace("-", "_")}
    if files is None:
        raise AssertionError(f"{requirement.name} has no RECORD: cannot tell what it installs")
    modules = set()
    for file in files:
        parts = file.parts
        if not parts or parts[0].endswith((".dist-info", ".data")) or parts[0] == "..":
            continue
        if file.suffix == ".py":
            names = [*parts[:-1], file.stem]
        elif file.suffix in (".so", ".pyd"):
            names = [*parts[:-1], file.name.split(".", 1)[0]]
        else:
            continue
        modules.add(".".join(names[:-1] if names[-1] == "__init__" else names))
    return modules


def imports_in(package: Path) -> Iterator[Import]:
    """Every absolute import in the package's modules (at any depth, so lazy imports inside functions count)."""
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        yield from _walk(tree, path, guarded=False)


def _walk(node: ast.AST, path: Path, *, guarded: bool) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield Import(alias.name, path, child.lineno, guarded)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield Import(child.module, path, child.lineno, guarded)
            for alias in child.names:
                yield Import(f"{child.module}.{alias.name}", path, child.lineno, guarded)
        yield from _walk(child, path, guarded=guarded or _is_guard(child))


def _is_guard(node: ast.AST) -> bool:
    if isinstance(node, ast.If):
        return any(
            isinstance(part, ast.Attribute)
            and isinstance(part.value, ast.Name)
            and part.value.id == "sys"
            and part.attr in ("version_info", "platform")
            for part in ast.walk(node.test)
        )
    if isinstance(node, ast.Try):
        caught = {
            name.id
            for handler in node.handlers
            if handler.type is not None
            for name in ast.walk(handler.type)
            if isinstance(name, ast.Name)
        }
        return bool(caught & {"ImportError", "ModuleNotFoundError"})
    return False


def problems(requirements: list[Requirement], package: Path) -> list[str]:
    """What is wrong: a dependency nothing imports, or a marked one imported where it may be missing."""
    found = list(imports_in(package))
    wrong = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        modules = import_names(requirement)
        uses = [use for use in found if use.module in modules]
        if name in LOADED_FOR_MIGRATE:
            if uses:
                wrong.append(f"{name} is imported now: take it out of LOADED_FOR_MIGRATE")
            continue
        if not uses:
            wrong.append(f"{name} is declared in [project].dependencies but nothing in {package.name}/ imports it")
        if requirement.marker is not None:
            wrong += [
                f"{use.path.relative_to(package.parent)}:{use.line}: {use.module} is imported without a guard, "
                f"but {name} is only installed where `{requirement.marker}`"
                for use in uses
                if not use.guarded
            ]
    return wrong


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    requirements = runtime_requirements(REPO / "pyproject.toml")
    assert {canonicalize_name(r.name) for r in requirements} >= {"ruamel-yaml", "prometheus-client", "tomli", "uvloop"}
    assert problems(requirements, REPO / "migrate") == []


def test_distribution_names_map_to_their_import_names() -> None:
    assert "ruamel.yaml" in import_names(Requirement("ruamel.yaml>=0.18"))
    assert "prometheus_client" in import_names(Requirement("prometheus-client>=0.20"))
    assert "yaml" not in import_names(Requirement("ruamel.yaml"))
    assert import_names(Requirement("not-installed-here; sys_platform == 'no-such-platform'")) == {"not_installed_here"}


def test_the_check_reports_an_unused_dependency_and_an_unguarded_marked_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "reader.py").write_text(
        "import sys\nimport tomli\n"
        "if sys.version_info < (3, 11):\n    import tomli as compat\n"
        "try:\n    import httptools\nexcept ImportError:\n    httptools = None\n"
    )
    requirements = [Requirement("tomli>=2; python_version < '3.11'"), Requirement("httptools"), Requirement("yarl")]
    assert problems(requirements, package) == [
        "pkg/reader.py:2: tomli is imported without a guard, but tomli is only installed where "
        '`python_version < "3.11"`',
        "yarl is declared in [project].dependencies but nothing in pkg/ imports it",
    ]


def test_the_shim_runs_on_uvloop() -> None:
    """uvloop is a dependency (except on Windows) because the shim's server runs on it: measured 4-22% less CPU."""
    assert sys.platform != "win32"
    loops: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        loops.append(type(asyncio.get_running_loop()).__module__)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with serve(app, config=server_config(app, host="127.0.0.1", port=0, log_level="warning")) as url:
        assert httpx.get(url).status_code == 204
    assert loops == ["uvloop"]
