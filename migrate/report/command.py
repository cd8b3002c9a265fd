"""`llama-stack-migrate report`: the click command (registered in the CLI group by `migrate.cli`).

Exit codes as for the other commands (`exit_codes`): 0 the report was written; 2 a usage error, an
input that cannot be read or validated, or a report that could not be written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migrate.errors import MigrateError
from migrate.exit_codes import errors_to_exit_codes
from migrate.targets import TARGETS, TargetName

if TYPE_CHECKING:
    from migrate.report.model import Report

FORMATS = ("markdown", "json", "html")


def parse_moment(text: str, *, end: bool) -> dt.datetime:
    """An ISO date or date-time as a UTC instant; a date ends the window after that day when `end`."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        return start + dt.timedelta(days=1) if end else start
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MigrateError(f"{text!r} is not an ISO date (2025-03-01) or date-time (2025-03-01T12:00:00Z)") from exc
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


def _roots(values: tuple[str, ...]) -> tuple[Path, dict[str, Path]]:
    """`--root DIR` (every repository) and `--root NAME=DIR` (one repository)."""
    default = Path(".")
    named: dict[str, Path] = {}
    for value in values:
        name, separator, location = value.partition("=")
        if separator and name and not Path(value).is_dir():
            named[name] = Path(location)
        else:
            default = Path(value)
    for directory in [default, *named.values()]:
        if not directory.is_dir():
            raise MigrateError(f"--root {directory}: not a directory")
    return default, named


@click.command("report")
@click.argument("repo_dirs", nargs=-1, metavar="[REPO_DIR | NAME=DIR]...")
@click.option(
    "--scan",
    "scan_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A `scan --format json` result (repeatable; one per repository).",
)
@click.option(
    "--repo", "named_scans", multiple=True, metavar="NAME=FILE", help="A scan result and its repository's name."
)
@click.option(
    "--events", metavar="PATH|URL", help="The shim's events: its SQLite file, or a fleet's postgresql:// URL."
)
@click.option("--since", metavar="DATE", help="Only events from this ISO date or date-time on.")
@click.option("--until", metavar="DATE", help="Only events up to this ISO date (inclusive) or date-time.")
@click.option(
    "--target", type=click.Choice(TARGETS), help="Judge every repository for this target [default: the scan's]."
)
@click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="[NAME=]DIR",
    help="Repository root: CODEOWNERS and a scan file's sources are looked for there (default: .; a REPO_DIR is "
    "its own root); NAME=DIR for one repository.",
)
@click.option(
    "--codeowners", type=click.Path(dir_okay=False, path_type=Path), help="CODEOWNERS file [default: GitHub's]."
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Extra rule directory.",
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="markdown", show_default=True)
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    metavar="N",
    help="Markdown: leave out detail rows to fit N characters; 0 for no cap [default: 65536, a GitHub comment].",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes for REPO_DIRs and the split [default: all cores].",
)
def report(
    repo_dirs: tuple[str, ...],
    scan_files: tuple[Path, ...],
    named_scans: tuple[str, ...],
    events: str | None,
    since: str | None,
    until: str | None,
    target: TargetName | None,
    roots: tuple[str, ...],
    codeowners: Path | None,
    rule_dirs: tuple[Path, ...],
    output_format: str,
    max_chars: int | None,
    output: Path | None,
    jobs: int | None,
) -> None:
    """Readiness per repository and target, and run-time use from the shim's events.

    Each REPO_DIR is scanned as `scan` run inside it would (its own settings and pins), in parallel;
    `--scan`/`--repo` read scan results made elsewhere (CI artefacts).
    """
    from migrate.atomic import write_text_atomic
    from migrate.report.build import ReportRequest, build_report
    from migrate.report.directories import repository_dirs
    from migrate.report.eventstore import Window
    from migrate.report.sources import scan_inputs
    from migrate.rule_loader import load_rules
    from migrate.scan import default_jobs

    with errors_to_exit_codes():
        if not repo_dirs and not scan_files and not named_scans and events is None:
            raise MigrateError("nothing to report on: give REPO_DIR, --scan FILE, --repo NAME=FILE or --events PATH")
        if max_chars is not None and output_format != "markdown":
            raise MigrateError(f"--max-chars applies to --format markdown, not {output_format}")
        window = Window(
            parse_moment(since, end=False) if since else None, parse_moment(until, end=True) if until else None
        )
        if window.since and window.until and window.since >= window.until:
            raise MigrateError(f"--since {since} is not before --until {until}")
        root, named_roots = _roots(roots)
        request = ReportRequest(
            scans=scan_inputs(scan_files, named_scans),
            directories=repository_dirs(repo_dirs),
            ruleset=load_rules(list(rule_dirs)),
            rule_dirs=rule_dirs,
            base=Path("."),
            root=root,
            roots=named_roots,
            target=target,
            codeowners=codeowners,
            events=events,
            window=window,
            jobs=jobs or default_jobs(),
        )
        text = _render(build_report(request), output_format, max_chars)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text_atomic(output, text)


def _render(document: Report, output_format: str, max_chars: int | None) -> str:
    if output_format == "json":
        from migrate.report.render_json import render_json

        return render_json(document)
    if output_format == "html":
        from migrate.report.render_html import render_html

        return render_html(document)
    from migrate.report.fit import GITHUB_COMMENT_LIMIT
    from migrate.report.render_markdown import render_markdown

    cap = GITHUB_COMMENT_LIMIT if max_chars is None else max_chars
    return render_markdown(document, cap or None)
