"""`report REPO_DIR...`: scan each repository directory itself, as `scan` run inside it would.

Each directory is scanned on its own terms, prepared as `scan` prepares a run (`migrate.prepare`): its
`[tool.llama-stack-migrate]` settings (target, select, ignore, exclude, extra rules) and its client pin
apply, and the findings' paths are relative to it, so the report finds the sources (for the safe/unsafe
split) and CODEOWNERS in the same place. A `--target` given to `report` overrides the repository's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from migrate.errors import MigrateError
from migrate.prepare import prepare_run
from migrate.report.sources import ScanInput
from migrate.scan import run_scan
from migrate.scan_report import Failure
from migrate.targets import TargetName


@dataclass(frozen=True)
class RepositoryDir:
    """A repository the report scans: its name in the report and its directory."""

    name: str
    path: Path


def repository_dirs(values: Sequence[str]) -> list[RepositoryDir]:
    """`REPO_DIR` (named after the directory) or `NAME=DIR`; `MigrateError` for anything else."""
    repositories: list[RepositoryDir] = []
    for value in values:
        name, separator, location = value.partition("=")
        if Path(value).is_dir() or not separator:
            name, location = Path(value).resolve().name, value
        if not name or not Path(location).is_dir():
            raise MigrateError(f"{value}: not a repository directory (give DIR or NAME=DIR)")
        repositories.append(RepositoryDir(name, Path(location)))
    return repositories


def scan_repository(
    repository: RepositoryDir, target: TargetName | None, rule_dirs: Sequence[Path], jobs: int
) -> ScanInput:
    """Scan the repository's directory with its own settings; files that cannot be read are failures."""
    root = repository.path.resolve()
    run = prepare_run([root], target=target, rule_dirs=rule_dirs, cwd=root)
    scan = run_scan(run.discovery.files, run.ruleset, run.target, jobs=jobs)
    if run.discovery.errors:
        failures = [*scan.failures, *(Failure(path=path, error=error) for path, error in run.discovery.errors)]
        failed = scan.summary.files_failed + len(run.discovery.errors)
        summary = replace(scan.summary, files_failed=failed)
        scan = replace(scan, failures=failures, summary=summary)
    return ScanInput(repository.name, repository.path, scan, directory=True, ruleset=run.ruleset)
