"""The scan inputs of a report: `scan --format json` files, each named as a repository.

A file given as `--repo NAME=FILE` is named NAME. A plain `--scan FILE` is named after the folder its
findings share (`examples/legacy-app/...` gives `legacy-app`), or after the file's stem when they
share none (the scan ran at the repository root). `locate_sources` finds the folder a scan's
relative paths lead from, so that the report can read the sources again.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from migrate.errors import MigrateError
from migrate.output.json_format import read_json
from migrate.registry import RuleSet
from migrate.scan_report import ScanReport
from migrate.validation import problems


@dataclass(frozen=True)
class ScanInput:
    """One repository's scan result and where it came from.

    `path` is the scan file read, or for a repository the report scanned itself (`directory`
    true) the repository's directory, which its paths are relative to. `ruleset` is the rules
    that scan ran with (the repository's own selection); None for a scan file (the report's rules).
    """

    name: str
    path: Path
    scan: ScanReport
    directory: bool = False
    ruleset: RuleSet | None = None


def load_scan(path: Path, *, what: str = "scan result") -> ScanReport:
    """Read a `scan --format json` file; `MigrateError` naming the file and the first problems."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MigrateError(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc
    try:
        return read_json(data)
    except ValidationError as exc:
        first = problems(exc)[:5]
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise MigrateError(
            f"{path} is not a `scan --format json` result (schema version 1): {'; '.join(first)}{more}"
        ) from exc


def scan_inputs(plain: tuple[Path, ...], named: tuple[str, ...]) -> list[ScanInput]:
    """Load every `--repo NAME=FILE` and `--scan FILE` (the report checks that names are unique)."""
    inputs: list[ScanInput] = []
    for spec in named:
        name, separator, file = spec.partition("=")
        if not separator or not name or not file:
            raise MigrateError(f"--repo {spec!r}: expected NAME=FILE")
        inputs.append(ScanInput(name, Path(file), load_scan(Path(file))))
    for path in plain:
        scan = load_scan(path)
        inputs.append(ScanInput(repository_name(scan, path), path, scan))
    return inputs


def repository_name(scan: ScanReport, path: Path) -> str:
    """The last folder the scan's paths share, else the stem of the scan file."""
    paths = [finding.path for finding in scan.findings] + [failure.path for failure in scan.failures]
    folders = [posixpath.dirname(item) for item in paths]
    if folders:
        common = posixpath.commonpath(folders) if len({f.startswith("/") for f in folders}) == 1 else ""
        name = posixpath.basename(common)
        if name not in ("", ".", ".."):
            return name
    return path.stem


def locate_sources(scan: ScanReport, candidates: Sequence[Path]) -> Path | None:
    """The candidate folder under which most of the scan's files with findings exist (the first on a tie).

    A scan's paths are relative to the folder it ran in, which the scan file does not record: the
    repository's `--root`, or the folder the report runs in (the same CI job). None when no file
    is found under any.
    """
    paths = {finding.path for finding in scan.findings}
    best, found_best = None, 0
    for candidate in candidates:
        found = sum(1 for path in paths if (candidate / path).is_file())
        if found > found_best:
            best, found_best = candidate, found
    return best
