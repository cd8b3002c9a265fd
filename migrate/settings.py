"""Settings from the scanned project's `pyproject.toml`, table `[tool.llama-stack-migrate]`.

The closest `pyproject.toml` with that table, looking up from the first PATH (as ruff does), wins.
Command-line options override it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from migrate import toml
from migrate.errors import SettingsError
from migrate.targets import TargetName

TABLE = "llama-stack-migrate"


class Settings(BaseModel):
    """The keys of `[tool.llama-stack-migrate]` (kebab-case in TOML)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    target: TargetName | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = Field(default=True, alias="respect-gitignore")
    rules: tuple[Path, ...] = Field(default=(), description="Extra rule directories, relative to pyproject.toml.")
    source: Path | None = Field(default=None, exclude=True)


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
    return Settings.model_construct()  # the defaults: nothing to validate


def load_settings(pyproject: Path) -> Settings | None:
    """The table in `pyproject`, or None when it has none. Invalid content raises SettingsError."""
    try:
        data = toml.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, toml.TOMLDecodeError) as exc:
        raise SettingsError(f"{pyproject}: cannot read: {exc}") from exc
    table = data.get("tool", {}).get(TABLE)
    if table is None:
        return None
    try:
        settings = Settings.model_validate(table)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise SettingsError(f"{pyproject}: [tool.{TABLE}]: " + "; ".join(problems)) from exc
    base = pyproject.parent
    return settings.model_copy(update={"rules": tuple(base / path for path in settings.rules), "source": pyproject})
