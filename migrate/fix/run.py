"""Run `fix` over many files, merge the config entries, and write everything atomically."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from migrate.atomic import write_bytes_atomic
from migrate.config.entries import ConfigEntry
from migrate.discovery import SourceFile
from migrate.engine import Prefilter
from migrate.errors import MigrateError
from migrate.fix.engine import FileFix, fix_file
from migrate.registry import RuleSet
from migrate.targets import TargetName

if TYPE_CHECKING:
    from migrate.config.merge import Conflict
    from migrate.config.runconfig_fix import RunConfigChange

_BOM = b"\xef\xbb\xbf"


@dataclass
class ConfigChange:
    """The run config after merging the entries (`path` None: a block to paste, in `after`)."""

    path: Path | None
    before: str
    after: str
    added: list[ConfigEntry] = field(default_factory=list)
    present: list[ConfigEntry] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    bom: bytes = b""  # the file's UTF-8 byte order mark, kept when it is written
    #: What migrating the config's own settings and blocks for the target did, when fix did not scan it.
    migrated: list[RunConfigChange] = field(default_factory=list)

    def encoded(self, text: str) -> bytes:
        """`before` or `after` as the file's bytes."""
        return self.bom + text.encode("utf-8")


@dataclass
class FixRun:
    files: list[FileFix]
    config: ConfigChange | None

    @property
    def entries(self) -> list[ConfigEntry]:
        return [entry for fix in self.files for entry in fix.outcome.entries]

    @property
    def would_change(self) -> bool:
        changed_config = (
            self.config is not None and self.config.path is not None and self.config.before != self.config.after
        )
        return changed_config or any(fix.status == "changed" for fix in self.files)


def run_fix(
    files: Sequence[SourceFile],
    ruleset: RuleSet,
    target: TargetName,
    *,
    unsafe: bool,
    config_path: Path | None,
    root: Path | None = None,
) -> FixRun:
    """Fix every file in memory and merge the entries into the run config (nothing is written here).

    The entries name the file and line they come from (`# from app/x.py:8`), a comment that goes into a
    shared run config: with `root` (the repository, `migrate.prepare.repository_root`) the file is
    named relative to it, never by a path of this machine; without, by its display path.
    """
    prefilter = Prefilter(ruleset)
    fixes = [
        fix_file(source, ruleset, target, prefilter, unsafe=unsafe, origin=_origin(source, root)) for source in files
    ]
    entries = [entry for fix in fixes for entry in fix.outcome.entries]
    config = _config_change(fixes, entries, config_path, ruleset, target)
    return FixRun(fixes, config)


def _origin(source: SourceFile, root: Path | None) -> str:
    """The file as the repository names it: relative to `root` (its name alone if it is not below it)."""
    if root is None:
        return source.display
    path = source.path.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def _config_change(
    fixes: list[FileFix], entries: list[ConfigEntry], config_path: Path | None, ruleset: RuleSet, target: TargetName
) -> ConfigChange | None:
    """The run config with the entries merged. A config given with `--config` that is not one of the fixed files
    is migrated for the target first, as a scanned one is (its provider settings, its ignored blocks)."""
    from migrate.config.merge import merge_entries, render_entries

    if config_path is None:
        if not entries:
            return None
        block = render_entries(entries)
        return ConfigChange(None, "", block.text, block.added, block.already_present, _conflicts(block.conflicts))
    resolved = config_path.resolve()
    same = next((fix for fix in fixes if fix.source.path.resolve() == resolved), None)
    try:
        data = same.before if same else config_path.read_bytes()
        bom = _BOM if data.startswith(_BOM) else b""
        original = data.removeprefix(bom).decode("utf-8")
        base = same.after.removeprefix(bom).decode("utf-8") if same else original
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(f"cannot read the run config {config_path}: {exc}") from exc
    migrated: list[RunConfigChange] = []
    if same is None:
        from migrate.config.runconfig_fix import migrate_run_config

        base, migrated = migrate_run_config(base, ruleset, target)
    result = merge_entries(base, entries)
    if same is not None:  # the config is also a scanned file: one change, one write
        same.after = bom + result.text.encode("utf-8")
        same.status = "changed" if same.after != same.before else same.status
    conflicts = _conflicts(result.conflicts)
    return ConfigChange(
        config_path, original, result.text, result.added, result.already_present, conflicts, bom, migrated
    )


def _conflicts(conflicts: Sequence[Conflict]) -> list[str]:
    """One message per entry that was not declared, naming both sources."""
    messages = []
    for conflict in conflicts:
        entry = conflict.entry
        served = f" (served as {entry.served_as!r})" if entry.served_as is not None else ""
        other = f"the entry from {conflict.existing_origin}" if conflict.existing_origin else "the entry in the config"
        messages.append(f"{entry.section}: {entry.identifier!r}{served} from {entry.origin} differs from {other}")
    return messages


def unified_diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def write_run(run: FixRun) -> list[str]:
    """Write every changed file (never over a change made on disk since it was read)."""
    errors: list[str] = []
    written: set[Path] = set()
    for fix in run.files:
        if fix.status != "changed":
            continue
        try:
            current = fix.source.path.read_bytes()
        except OSError as exc:
            errors.append(f"{fix.source.display}: cannot read before writing: {exc.strerror or exc}")
            continue
        if current != fix.before:
            errors.append(f"{fix.source.display}: changed on disk while fix ran; left alone")
            continue
        try:
            write_bytes_atomic(fix.source.path, fix.after)
            written.add(fix.source.path.resolve())
        except MigrateError as exc:
            errors.append(str(exc))
    config = run.config
    if config is None or config.path is None or config.path.resolve() in written or config.after == config.before:
        return errors
    try:
        if config.path.read_bytes() != config.encoded(config.before):
            errors.append(f"{config.path}: changed on disk while fix ran; left alone")
        else:
            write_bytes_atomic(config.path, config.encoded(config.after))
    except (OSError, MigrateError) as exc:
        errors.append(f"{config.path}: {exc}")
    return errors
