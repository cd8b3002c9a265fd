"""Prepare a run over PATHS: settings, rules, files, target and repository root, decided in one place.

`scan`, `fix` and `report REPO_DIR` all start the same way, and must agree: the closest
`[tool.llama-stack-migrate]` settings (looking up from the first PATH) give the defaults that options
override; the rules are the bundled ones plus extra rule directories, narrowed by select/ignore; the
files are discovered; the target is the option, else the settings', else the one the project's client
pin implies (`migrate.pins`), else the default. Nothing is printed here: the caller says what it wants
to say (the CLI names an inferred target, `report` turns unreadable paths into failures).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migrate.discovery import Discovery, discover
from migrate.pins import Inferred, find_project, infer_target
from migrate.registry import RuleSet
from migrate.rule_loader import load_rules
from migrate.settings import find_settings
from migrate.targets import DEFAULT_TARGET, TargetName


@dataclass(frozen=True)
class PreparedRun:
    """What a run reads and judges against.

    `inferred` is the client pin that chose the target (None when an option, the settings or the
    default did). `root` is the repository the PATHS belong to (see `repository_root`).
    """

    target: TargetName
    inferred: Inferred | None
    ruleset: RuleSet
    discovery: Discovery
    root: Path


def prepare_run(
    paths: Sequence[Path],
    *,
    target: TargetName | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    rule_dirs: Sequence[Path] = (),
    cwd: Path | None = None,
) -> PreparedRun:
    """Settings, rules, files and target for PATHS (default: `.`); options given here win over the settings.

    `select`/`ignore` replace the settings' lists when given; `exclude` patterns add to theirs;
    `respect_gitignore=False` reads ignored files even where the settings respect `.gitignore`.
    `cwd` anchors the files' display paths (default: the working directory). Raises `MigrateError`
    (via the settings, the rules or an invalid exclude pattern).
    """
    roots = tuple(paths) or (Path("."),)
    settings = find_settings(roots[0])
    ruleset = load_rules([*settings.rules, *rule_dirs]).select(select or settings.select, ignore or settings.ignore)
    discovery = discover(
        roots,
        exclude=[*settings.exclude, *exclude],
        respect_gitignore=settings.respect_gitignore and respect_gitignore,
        cwd=cwd,
    )
    inferred = None
    chosen = target or settings.target
    if chosen is None:
        project = find_project(roots[0])
        inferred = infer_target(project) if project is not None else None
        chosen = inferred.target if inferred is not None else DEFAULT_TARGET
    return PreparedRun(chosen, inferred, ruleset, discovery, repository_root(roots))


def repository_root(paths: Sequence[Path]) -> Path:
    """The git work tree the PATHS are in (a `.git` at or above their common folder), else that folder.

    What `fix` names files by in what it writes for review (the run config's comments): a path
    relative to this root reads the same on every machine, where the path as given may be absolute.
    """
    folders = [path.resolve() if path.is_dir() else path.resolve().parent for path in paths or (Path("."),)]
    common = Path(os.path.commonpath(folders))
    return next((folder for folder in (common, *common.parents) if (folder / ".git").exists()), common)
