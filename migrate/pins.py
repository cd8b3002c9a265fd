"""Infer the target from the project's own pins of `llama-stack-client` / `ogx-client`.

Looked for in `pyproject.toml` (PEP 621 dependencies, optional dependencies, Poetry) and
`requirements*.txt` beside it. A pin of `ogx-client` means OGX; a `llama-stack-client` pin at 0.7+
means llama-stack 0.7, at 0.4-0.6 llama-stack 0.4. A 0.3 pin says where the code comes from, not
where it goes, so it infers nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from migrate import toml
from migrate.targets import TargetName

_REQUIREMENT = re.compile(
    r"^\s*(?P<name>llama[-_.]stack[-_.]client|ogx[-_.]client)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<spec>(?:[<>=!~]=?|===)\s*[0-9][^;#]*)?",
    re.IGNORECASE,
)
_VERSION = re.compile(r"(==|===|>=|~=|>)\s*([0-9]+)\.([0-9]+)")


@dataclass(frozen=True)
class Inferred:
    target: TargetName
    requirement: str
    source: Path


def infer_target(project: Path) -> Inferred | None:
    """The target the project's pins point at, or None when they say nothing."""
    for path, requirement in _requirements(project):
        target = target_for(requirement)
        if target is not None:
            return Inferred(target, requirement.strip(), path)
    return None


def target_for(requirement: str) -> TargetName | None:
    match = _REQUIREMENT.match(requirement)
    if match is None:
        return None
    if match.group("name").lower().startswith("ogx"):
        return "ogx-1"
    versions = [(int(major), int(minor)) for _, major, minor in _VERSION.findall(match.group("spec") or "")]
    if not versions:
        return None
    version = max(versions)
    if version >= (0, 7):
        return "llama-stack-0.7"
    if version >= (0, 4):
        return "llama-stack-0.4"
    return None


def _poetry_spec(spec: object) -> str:
    """Poetry's `^0.7.2` / `~0.7` / `{version = "..."}` as a PEP 440 lower bound."""
    if isinstance(spec, dict):
        spec = spec.get("version", "")
    if not isinstance(spec, str):
        return ""
    return ">=" + spec[1:] if spec[:1] in "^~" and spec[1:2] != "=" else spec


def find_project(start: Path) -> Path | None:
    """The closest directory at or above `start` with a pyproject.toml or requirements file."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        if (directory / "pyproject.toml").is_file() or any(directory.glob("requirements*.txt")):
            return directory
    return None


def _requirements(project: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = toml.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, toml.TOMLDecodeError):
            data = {}
        project_table = data.get("project", {})
        lines = list(project_table.get("dependencies", []))
        for extra in project_table.get("optional-dependencies", {}).values():
            lines += list(extra)
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        lines += [f"{name}{_poetry_spec(spec)}" for name, spec in poetry.items()]
        found += [(pyproject, line) for line in lines if isinstance(line, str)]
    for path in sorted(project.glob("requirements*.txt")):
        try:
            found += [(path, line) for line in path.read_text(encoding="utf-8").splitlines()]
        except (OSError, UnicodeDecodeError):
            continue
    return found
