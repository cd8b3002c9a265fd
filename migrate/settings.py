"""Settings from the scanned project's `pyproject.toml`, table `[tool.llama-stack-migrate]`.

The closest `pyproject.toml` with that table, looking up from the first PATH (as ruff does), wins.
Command-line options override it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from migrate import toml
from migrate.errors import SettingsError
from migrate.targets import TargetName
from migrate.validation import Strict, problems

TABLE = "llama-stack-migrate"


@dataclass(frozen=True, kw_only=True)
class Settings(Strict):
    """The keys of `[tool.llama-stack-migrate]` (kebab-case in TOML).

    A frozen dataclass, so that a scan of a project without the table never imports pydantic; pydantic
    validates the table where there is one (`load_settings`). The TOML key of `respect_gitignore` is its alias.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid", "populate_by_name": True}

    target: TargetName | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = field(default=True, metadata={"alias": "respect-gitignore"})
    rules: tuple[Path, ...] = field(
        default=(), metadata={"description": "Extra rule directories, relative to pyproject.toml."}
    )
    source: Path | None = field(default=None, metadata={"exclude": True})


def find_settings(start: Path) -> Settings:
    """The settings that apply to `start` (a file or directory), or defaults when there are none."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            settings = load_settings(candidate)
            if settings is not None:
                return settings
    return Settings()  # the defaults: nothing to validate


def load_settings(pyproject: Path) -> Settings | None:
    """The table in `pyproject`, or None when it has none. Invalid content raises SettingsError."""
    try:
        data = toml.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, toml.TOMLDecodeError) as exc:
        raise SettingsError(f"{pyproject}: cannot read: {exc}") from exc
    table = data.get("tool", {}).get(TABLE)
    if table is None:
        return None
    from pydantic import TypeAdapter, ValidationError  # only for a project with the table

    try:
        settings = TypeAdapter(Settings).validate_python(table)
    except ValidationError as exc:
        raise SettingsError(f"{pyproject}: [tool.{TABLE}]: " + "; ".join(problems(exc))) from exc
    base = pyproject.parent
    return replace(settings, rules=tuple(base / path for path in settings.rules), source=pyproject)
