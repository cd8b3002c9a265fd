"""What `fix` prints: coloured unified diffs on stdout, a summary with the work left on stderr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from migrate.config.entries import Unknown
from migrate.findings import Finding
from migrate.fix.run import FixRun, unified_diff
from migrate.registry import RuleSet
from migrate.targets import TargetName


def render_fix(
    run: FixRun, ruleset: RuleSet, target: TargetName, *, colour: bool, show_diff: bool, show_block: bool
) -> tuple[str, str]:
    def style(text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if colour else text

    out: list[str] = []
    if show_diff:
        for fix in run.files:
            if fix.status == "changed":
                out.append(_colour_diff(unified_diff(fix.source.display, _text(fix.before), _text(fix.after)), style))
        config = run.config
        if config is not None and config.path is not None and config.before != config.after and not _scanned(run):
            out.append(_colour_diff(unified_diff(str(config.path), config.before, config.after), style))
    if show_block and run.config is not None and run.config.path is None:
        out.append(style("# Declare these resources in the server's run config:", bold=True) + "\n")
        out.append(run.config.after)
    return "".join(out), _summary(run, ruleset, target, style)


def _summary(run: FixRun, ruleset: RuleSet, target: TargetName, style: Callable[..., str]) -> str:
    applied = [item for fix in run.files for item in fix.outcome.applied]
    unsafe = [item for fix in run.files for item in fix.outcome.unsafe]
    manual = [item for fix in run.files for item in fix.outcome.manual]
    changed = sum(1 for fix in run.files if fix.status == "changed")
    reported = {id(finding) for finding, _ in manual}
    left = [f for fix in run.files for f in fix.findings if not f.fixable and id(f) not in reported]
    lines = [
        style(
            f"{len(applied)} fix{'es' * (len(applied) != 1)} for target {target} in {changed} "
            f"file{'s' * (changed != 1)}.",
            bold=True,
        )
    ]
    if unsafe:
        lines.append(f"{len(unsafe)} unsafe fix(es) not applied; review them and rerun with --unsafe-fixes:")
        lines += [f"  {f.path}:{f.line}:{f.column} {f.rule} {rewrite.note}" for f, rewrite in unsafe]
    needs_human = [(f, reason) for f, reason in manual] + [
        (f, _why_left(f, ruleset.by_id[f.rule].targets[target].guidance)) for f in left if f.severity == "error"
    ]
    if needs_human:
        lines.append(style(f"{len(needs_human)} use(s) need a human:", fg="yellow", bold=True))
        for finding, reason in needs_human:
            where = f"{finding.path}:{finding.line}:{finding.column}" + (
                f" (cell {finding.cell})" if finding.cell else ""
            )
            lines.append(f"  {where} {finding.rule}: {reason}")
    unknown = [entry for entry in run.entries if entry.unknown_fields]
    if unknown:
        lines.append(style("Config entries with values only known at run time (set them by hand):", fg="yellow"))
        for entry in unknown:
            identifier = entry.identifier
            named = f"named by `{identifier.expression}`" if isinstance(identifier, Unknown) else repr(identifier)
            lines.append(f"  {entry.section} {named} from {entry.origin}: {', '.join(entry.unknown_fields)}")
    if run.config is not None:
        config = run.config
        where = str(config.path) if config.path else "the block above"
        lines.append(
            f"Run config ({where}): {len(config.added)} entr{'ies' if len(config.added) != 1 else 'y'} added"
            + (f", {len(config.present)} already present" if config.present else "")
            + "."
        )
        lines += [style(f"  conflict: {message}; not overwritten", fg="red") for message in config.conflicts]
        done = [change for change in config.migrated if not change.manual]
        if done:
            lines.append(f"Run config ({where}): {len(done)} setting(s) migrated for {target}.")
        kept = [change for change in config.migrated if change.manual]
        if kept:
            lines.append(style(f"Run config ({where}): {len(kept)} setting(s) need a human:", fg="yellow"))
            lines += [f"  {where}:{change.line} {change.rule}: {change.description}" for change in kept]
    failed = [fix for fix in run.files if fix.status == "failed"]
    if failed:
        lines.append(style(f"{len(failed)} file(s) could not be fixed:", fg="red", bold=True))
        lines += [f"  {fix.source.display}: {fix.error}" for fix in failed]
    return "\n".join(lines) + "\n"


def _why_left(finding: Finding, guidance: str) -> str:
    """Why the scan left a finding for a human (a test of the register lifecycle, an unregister held with
    its register, raw HTTP), then what to do."""
    return f"{finding.fix.note}; {guidance}" if finding.fix is not None else guidance


def _scanned(run: FixRun) -> bool:
    """Whether the run config is also one of the fixed files (its diff is shown there)."""
    assert run.config is not None and run.config.path is not None
    target = run.config.path.resolve()
    return any(fix.status == "changed" and fix.source.path.resolve() == target for fix in run.files)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _colour_diff(diff: str, style: Callable[..., str]) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            out.append(style(line, bold=True))
        elif line.startswith("+"):
            out.append(style(line, fg="green"))
        elif line.startswith("-"):
            out.append(style(line, fg="red"))
        elif line.startswith("@@"):
            out.append(style(line, fg="cyan"))
        else:
            out.append(line)
    return "".join(out)
