"""Assemble a `Report` from its inputs: scan results (one per repository) and the shim's events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migrate.errors import MigrateError
from migrate.registry import RuleSet
from migrate.report.codeowners import CodeOwners, find_codeowners, load_codeowners
from migrate.report.eventstore import Window, open_events
from migrate.report.model import Report
from migrate.report.repository import Layout, build_repository
from migrate.report.runtime import build_runtime
from migrate.report.sources import ScanInput
from migrate.targets import TargetName


@dataclass(frozen=True)
class ReportRequest:
    """What to report on.

    `base` is the folder the scans ran in (their relative paths start there); `root` is the
    repository root for CODEOWNERS, per repository name in `roots`. `codeowners` overrides the
    CODEOWNERS file GitHub would use under each root.
    """

    scans: Sequence[ScanInput]
    ruleset: RuleSet
    base: Path
    root: Path
    roots: Mapping[str, Path] = field(default_factory=dict)
    target: TargetName | None = None
    codeowners: Path | None = None
    events: str | None = None
    window: Window = field(default_factory=Window)


def build_report(request: ReportRequest) -> Report:
    """Judge every scan for its target and aggregate the events of the window."""
    unknown = set(request.roots) - {item.name for item in request.scans}
    if unknown:
        raise MigrateError(f"--root names no repository of this report: {', '.join(sorted(unknown))}")
    override = load_codeowners(request.codeowners) if request.codeowners else None
    repositories = []
    for item in request.scans:
        target = request.target or item.scan.target
        if target != item.scan.target:
            raise MigrateError(
                f"{item.path} was scanned for {item.scan.target}, not {target}: scan again with --target {target}, "
                "or leave --target out to judge each repository for the target it was scanned for"
            )
        root = request.roots.get(item.name, request.root)
        repositories.append(
            build_repository(item, target, Layout(request.base, root), override or _codeowners(root), request.ruleset)
        )
    runtime = None
    if request.events is not None:
        reader = open_events(request.events)
        runtime = build_runtime(reader.source, reader.read(request.window), request.window, request.ruleset)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return Report(generated_at=now, repositories=repositories, runtime=runtime)


def _codeowners(root: Path) -> CodeOwners | None:
    found = find_codeowners(root)
    return load_codeowners(found) if found else None
