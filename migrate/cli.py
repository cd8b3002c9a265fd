"""The command line: a thin click layer.

Errors become exit codes in `migrate.exit_codes` (0 success; 1 `--check` found something; 2 usage,
rule, settings or I/O errors), the one mapping that `shim` and `report` share.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import click

from migrate import __version__
from migrate.exit_codes import EXIT_ERROR, EXIT_FOUND, errors_to_exit_codes
from migrate.targets import DEFAULT_TARGET, TARGETS, TargetName

if TYPE_CHECKING:
    from migrate.prepare import PreparedRun

FORMATS = ("concise", "full", "json", "sarif", "github")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class _LazyGroup(click.Group):
    """Subcommands with heavy imports (the shim's ASGI server) load only when they are run."""

    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "shim": ("migrate.shim.command", "shim"),
        "report": ("migrate.report.command", "report"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, name = self.lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), name)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="llama-stack-migrate")
def main() -> None:
    """Move applications off the deprecated Llama Stack resource APIs."""


def _selection_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `scan` and `fix` share: what to read, which rules, which target."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--target", type=click.Choice(TARGETS), help=f"Server generation to migrate to [default: {DEFAULT_TARGET}]."
        ),
        click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated)."),
        click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated)."),
        click.option("--exclude", multiple=True, help="Gitignore-style patterns to leave out (repeatable)."),
        click.option("--no-gitignore", is_flag=True, help="Also read files that .gitignore excludes."),
        click.option(
            "--rules",
            "rule_dirs",
            multiple=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Extra rule directory; a rule with a bundled id overrides it.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _prepare(
    paths: tuple[Path, ...],
    target: TargetName | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    no_gitignore: bool,
    rule_dirs: tuple[Path, ...],
) -> PreparedRun:
    """The run `scan` and `fix` share (`migrate.prepare`); say what could not be read and where the target came from."""
    from migrate.prepare import prepare_run

    prepared = prepare_run(
        paths,
        target=target,
        select=_split(select),
        ignore=_split(ignore),
        exclude=exclude,
        respect_gitignore=not no_gitignore,
        rule_dirs=rule_dirs,
    )
    for path, message in prepared.discovery.errors:
        click.secho(f"error: {path}: {message}", fg="red", err=True)
    if prepared.inferred is not None:
        inferred = prepared.inferred
        click.echo(f"target {inferred.target}, inferred from `{inferred.requirement}` in {inferred.source}", err=True)
    return prepared


@main.command()
@_selection_options
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(FORMATS),
    default="concise",
    show_default=True,
    help="concise: one line per finding; full: with the source, what to do and what `fix` does.",
)
@click.option("--statistics", is_flag=True, help="A count per rule, split by fix, instead of the findings.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--check", is_flag=True, help="Exit 1 when anything is found (with --baseline: anything new).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A previous `scan --format json` result: --check fails only on findings not in it.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [default: all cores].")
@click.option("--color/--no-color", default=None, help="Colour the text output [default: when a terminal].")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr [default: when a terminal].")
def scan(
    paths: tuple[Path, ...],
    target: TargetName | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    no_gitignore: bool,
    rule_dirs: tuple[Path, ...],
    output_format: str,
    statistics: bool,
    output: Path | None,
    check: bool,
    baseline: Path | None,
    jobs: int | None,
    color: bool | None,
    progress: bool | None,
) -> None:
    """Find every use of the deprecated register/unregister APIs under PATHS (default: .)."""
    from migrate.scan import run_scan

    if statistics and output_format not in ("concise", "full"):
        raise click.UsageError(f"--statistics is a text output; it does not go with --format {output_format}")
    with errors_to_exit_codes():
        prepared = _prepare(paths, target, select, ignore, exclude, no_gitignore, rule_dirs)
        files, ruleset = prepared.discovery.files, prepared.ruleset
        show_progress = sys.stderr.isatty() if progress is None else progress
        if show_progress and files:
            with click.progressbar(length=len(files), label="Scanning", file=sys.stderr) as bar:
                report = run_scan(files, ruleset, prepared.target, jobs=jobs, progress=bar.update)
        else:
            report = run_scan(files, ruleset, prepared.target, jobs=jobs)

        if output_format == "json":
            from migrate.output.json_format import render_json

            text = render_json(report)
        elif output_format == "sarif":
            from migrate.output.sarif import render_sarif

            text = render_sarif(report, ruleset, Path.cwd())
        elif output_format == "github":
            from migrate.output.github import render_github

            text = render_github(report)
        else:
            from migrate.output.text import TextForm, render_text

            use_colour = (output is None and sys.stdout.isatty()) if color is None else color
            form: TextForm = "statistics" if statistics else "full" if output_format == "full" else "concise"
            command = "llama-stack-migrate fix --write" + (f" --target {target}" if target else "")
            text = render_text(report, ruleset, colour=use_colour, form=form, fix_command=command)
        _write(text, output)
        gating = report.findings
        if baseline is not None:
            from migrate.report.baseline import load_baseline, new_findings

            gating = new_findings(report, load_baseline(baseline))
            click.echo(f"{len(gating)} finding(s) not in the baseline {baseline}.", err=True)

    if prepared.discovery.errors or report.failures:
        sys.exit(EXIT_ERROR)
    if check and gating:
        sys.exit(EXIT_FOUND)


@main.command()
@_selection_options
@click.option("--write", is_flag=True, help="Apply the changes (default: print a diff, change nothing).")
@click.option("--check", is_flag=True, help="Exit 1 when anything would change.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply rewrites that need a human's check.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Run config to merge the resource entries into (comments and formatting kept).",
)
@click.option(
    "--config-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Without --config: write the entries to this file instead of printing them.",
)
@click.option("--color/--no-color", default=None, help="Colour the diff [default: when a terminal].")
def fix(
    paths: tuple[Path, ...],
    target: TargetName | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    no_gitignore: bool,
    rule_dirs: tuple[Path, ...],
    write: bool,
    check: bool,
    unsafe_fixes: bool,
    config_path: Path | None,
    config_out: Path | None,
    color: bool | None,
) -> None:
    """Rewrite deprecated calls under PATHS for --target and declare the resources in the run config."""
    from migrate.fix.report import render_fix
    from migrate.fix.run import run_fix, write_run

    with errors_to_exit_codes():
        prepared = _prepare(paths, target, select, ignore, exclude, no_gitignore, rule_dirs)
        run = run_fix(
            prepared.discovery.files,
            prepared.ruleset,
            prepared.target,
            unsafe=unsafe_fixes,
            config_path=config_path,
            root=prepared.root,
        )
        use_colour = sys.stdout.isatty() if color is None else color
        diff, summary = render_fix(
            run,
            prepared.ruleset,
            prepared.target,
            colour=use_colour,
            show_diff=not write,
            show_block=config_out is None,
        )
        click.echo(diff, nl=False)
        errors: list[str] = []
        if write:
            errors = write_run(run)
        if config_out is not None and not check and run.config is not None and run.config.path is None:
            _write(run.config.after, config_out)
        click.echo(summary, nl=False, err=True)
        for message in errors:
            click.secho(f"error: {message}", fg="red", err=True)

    unreadable = any(f.unreadable for f in run.files)
    if prepared.discovery.errors or unreadable or errors:
        sys.exit(EXIT_ERROR)
    not_fixed = any(f.status == "failed" for f in run.files)  # content fix cannot handle: work left
    if not_fixed or (check and run.would_change):
        sys.exit(EXIT_FOUND)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(("text", "markdown")), default="text", show_default=True)
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path))
def rules_command(output_format: str, rule_dirs: tuple[Path, ...]) -> None:
    """List the rules (markdown: the reference page docs/rules.md)."""
    from migrate.docgen import rules_markdown
    from migrate.rule_loader import load_rules

    with errors_to_exit_codes():
        ruleset = load_rules(list(rule_dirs))
        if output_format == "markdown":
            click.echo(rules_markdown(ruleset), nl=False)
            return
        for rule in ruleset.rules:
            plans = ", ".join(f"{name}: {plan.status}/{plan.strategy}" for name, plan in rule.targets.items())
            click.echo(f"{rule.id}  {rule.resource:<16} {rule.operation:<10} {rule.summary}  [{plans}]")


@main.command("rule")
@click.argument("rule_ids", nargs=-1, metavar="[RULE_ID]...")
@click.option("--all", "show_all", is_flag=True, help="Explain every rule.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path))
def rule_command(rule_ids: tuple[str, ...], show_all: bool, rule_dirs: tuple[Path, ...]) -> None:
    """Explain a rule: what it finds and why, what to do on each target, its examples (Markdown)."""
    from migrate.docgen import rule_markdown
    from migrate.rule_loader import load_rules

    if show_all == bool(rule_ids):
        raise click.UsageError("give rule ids (LSM101) or --all")
    with errors_to_exit_codes():
        ruleset = load_rules(list(rule_dirs))
    unknown = [rule_id for rule_id in rule_ids if rule_id.upper() not in ruleset.by_id]
    if unknown:
        raise click.UsageError(f"no rule {', '.join(unknown)}: `llama-stack-migrate rules` lists them")
    chosen = ruleset.rules if show_all else tuple(ruleset.by_id[rule_id.upper()] for rule_id in rule_ids)
    click.echo(
        "\n".join(line for rule in chosen for line in rule_markdown(rule, level=1)).rstrip("\n") + "\n", nl=False
    )


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from migrate.atomic import write_text_atomic

    write_text_atomic(output, text)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of `scan --format json` (docs/scan-output.schema.json)."""
    from migrate.output.json_format import json_schema

    click.echo(json_schema(), nl=False)
