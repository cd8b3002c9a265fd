"""Assemble a `Report` from its inputs: scan results or repository directories, and the shim's events.

Each repository is judged on its own (a directory is scanned first), in worker processes when there
are several and `jobs` allows: a report over twelve repositories costs about the slowest one per
core, not their sum. One repository alone is judged here, and a directory's scan then uses the
process pool of `run_scan` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from migrate.errors import MigrateError
from migrate.registry import RuleSet
from migrate.report.codeowners import CodeOwners, find_codeowners, load_codeowners
from migrate.report.directories import RepositoryDir, scan_repository
from migrate.report.eventstore import Window, open_events
from migrate.report.model import Report, Repository
from migrate.report.repository import Layout, build_repository
from migrate.report.runtime import build_runtime
from migrate.report.sources import ScanInput, locate_sources
from migrate.targets import TargetName


@dataclass(frozen=True)
class ReportRequest:
    """What to report on.

    `scans` are the scan files read, `directories` the repositories to scan. `base` is the folder
    the report runs in; `root` the repository root (`--root DIR`) of every scan file, and `roots`
    a repository's own (`--root NAME=DIR`); a directory is its own root unless `roots` names it.
    CODEOWNERS is read under the root, unless `codeowners` overrides it. `rule_dirs` are extra rule
    directories (`ruleset` holds the bundled rules and them, for scan files).
    """

    scans: Sequence[ScanInput]
    ruleset: RuleSet
    base: Path
    root: Path
    directories: Sequence[RepositoryDir] = ()
    rule_dirs: Sequence[Path] = ()
    roots: Mapping[str, Path] = field(default_factory=dict)
    target: TargetName | None = None
    codeowners: Path | None = None
    events: str | None = None
    window: Window = field(default_factory=Window)
    jobs: int = 1


@dataclass(frozen=True)
class _Work:
    """One repository to judge, with everything a worker process needs (all of it picklable)."""

    name: str
    root: Path
    codeowners: CodeOwners | None
    scan: ScanInput | None = None
    candidates: tuple[Path, ...] = ()
    ruleset: RuleSet | None = None
    directory: RepositoryDir | None = None
    target: TargetName | None = None
    rule_dirs: tuple[Path, ...] = ()
    scan_jobs: int = 1


def build_report(request: ReportRequest) -> Report:
    """Judge every repository for its target and aggregate the events of the window."""
    _check_names(request)
    override = load_codeowners(request.codeowners) if request.codeowners else None
    works: list[_Work] = []
    for item in request.scans:
        if request.target and request.target != item.scan.target:
            raise MigrateError(
                f"{item.path} was scanned for {item.scan.target}, not {request.target}: scan again with --target "
                f"{request.target}, or leave --target out to judge each repository for the target it was scanned for"
            )
        root = request.roots.get(item.name, request.root)
        candidates = tuple(dict.fromkeys([root, request.base]))
        works.append(_Work(item.name, root, override or _codeowners(root), item, candidates, request.ruleset))
    single = len(request.scans) + len(request.directories) == 1
    for directory in request.directories:
        root = request.roots.get(directory.name, directory.path)
        works.append(
            _Work(
                directory.name,
                root,
                override or _codeowners(root),
                directory=directory,
                target=request.target,
                rule_dirs=tuple(request.rule_dirs),
                scan_jobs=request.jobs if single else 1,
            )
        )
    repositories = _judge_all(works, request.jobs)
    runtime = None
    if request.events is not None:
        reader = open_events(request.events)
        runtime = build_runtime(reader.source, reader.read(request.window), request.window, request.ruleset)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return Report(generated_at=now, repositories=repositories, runtime=runtime)


def _check_names(request: ReportRequest) -> None:
    """Every repository has its own name, and every `--root NAME=DIR` names one of them."""
    seen: dict[str, Path] = {}
    named = [*((item.name, item.path) for item in request.scans), *((d.name, d.path) for d in request.directories)]
    for name, path in named:
        if name in seen:
            raise MigrateError(
                f"{seen[name]} and {path} are both named repository {name!r}: name them with --repo NAME=FILE "
                "(a scan result) or NAME=DIR (a directory)"
            )
        seen[name] = path
    unknown = set(request.roots) - set(seen)
    if unknown:
        raise MigrateError(f"--root names no repository of this report: {', '.join(sorted(unknown))}")


def _judge_all(works: Sequence[_Work], jobs: int) -> list[Repository]:
    """The repositories in input order; in a process pool when there are several and `jobs` > 1."""
    if jobs <= 1 or len(works) <= 1:
        return [_judge(work) for work in works]
    with ProcessPoolExecutor(max_workers=min(jobs, len(works))) as pool:
        return list(pool.map(_judge, works))


def _judge(work: _Work) -> Repository:
    """Scan the repository when it is a directory, then judge its findings (split, owners, verdict)."""
    if work.directory is not None:
        try:
            item = scan_repository(work.directory, work.target, work.rule_dirs, work.scan_jobs)
        except MigrateError as exc:
            raise MigrateError(f"repository {work.name} ({work.directory.path}): {exc}") from exc
        where = Layout(work.directory.path, work.root)
    else:
        assert work.scan is not None, "a scan file or a directory"
        item = work.scan
        located = locate_sources(item.scan, work.candidates)
        where = Layout(located or work.candidates[-1], work.root, found=located is not None)
    ruleset = item.ruleset or work.ruleset
    assert ruleset is not None, "a directory's own rules, or the report's"
    return build_repository(item, item.scan.target, where, work.codeowners, ruleset)


def _codeowners(root: Path) -> CodeOwners | None:
    found = find_codeowners(root)
    return load_codeowners(found) if found else None
