"""The outputs for people, after ruff's: one line per finding, the long form, per-rule statistics, a summary.

`concise` (the default) prints `path:line:col: RULE [*] Title removed on TARGET`, one line a finding,
with `[*]` where `fix --write` rewrites it and `[~]` where only `--unsafe-fixes` does (a value known
only at run time went into the rewrite); no mark: a human does it. `full` adds the source line, what was
found, what to do on the target (the rule's guidance) and what `fix` does. `statistics` prints a count
per rule with the fix split instead of the findings. Every form ends with the summary: how many, how
many `fix` rewrites, what was scanned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Literal

import click

from migrate.findings import Applicability, Finding
from migrate.registry import RuleSet
from migrate.scan_report import ScanReport

#: The mark of a finding's fix, after ruff's `[*]`, and its colour: applied by `fix --write`, or with
#: `--unsafe-fixes`; a finding a human must fix has none.
_MARKS: dict[Applicability, tuple[str, str]] = {"safe": ("[*]", "green"), "unsafe": ("[~]", "yellow")}
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow"}

Style = Callable[..., str]
TextForm = Literal["concise", "full", "statistics"]


def render_text(
    report: ScanReport,
    ruleset: RuleSet,
    *,
    colour: bool,
    form: TextForm = "concise",
    fix_command: str = "llama-stack-migrate fix --write",
) -> str:
    """The report as `form` (`concise`, `full` or `statistics`); `fix_command` is the command the summary names."""

    def style(text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if colour else text

    if form == "statistics":
        out = _statistics(report, ruleset, style)
    elif form == "full":  # a blank line after each finding, as ruff's
        out = [line for finding in report.findings for line in [*_full(finding, report, ruleset, style), ""]][:-1]
    else:
        out = [_concise(finding, style) for finding in report.findings]
    if out:
        out.append("")
    out.extend(_summary(report, style, fix_command, hint=form == "concise"))
    return "\n".join(out) + "\n"


def _location(finding: Finding) -> str:
    """`path:line:col`, or `path:cell N:line:col` in a notebook (as ruff writes it)."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.line}:{finding.column}"


def _mark(finding: Finding, style: Style) -> str:
    """The finding's fix mark and a space, or nothing."""
    if finding.fix is None or finding.fix.applicability not in _MARKS:
        return ""
    mark, colour = _MARKS[finding.fix.applicability]
    return style(mark, fg=colour) + " "


def _concise(finding: Finding, style: Style) -> str:
    rule = style(finding.rule, fg=_SEVERITY_COLOUR[finding.severity], bold=True)
    return f"{style(_location(finding), bold=True)}: {rule} {_mark(finding, style)}{finding.message}"


def _full(finding: Finding, report: ScanReport, ruleset: RuleSet, style: Style) -> list[str]:
    """ruff's full form: the message, where, the source line with the finding underlined, then the help."""
    rule = ruleset.by_id[finding.rule]
    plan = rule.targets[report.target]
    head = f"{style(finding.rule, fg=_SEVERITY_COLOUR[finding.severity], bold=True)} "
    head += f"{_mark(finding, style)}{style(finding.message, bold=True)}"
    number = str(finding.line)
    gutter = " " * len(number)
    source = finding.source.rstrip()
    start = finding.column - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(source)
    underline = "".join("\t" if char == "\t" else " " for char in source[:start]) + "^" * max(1, end - start)
    lines = [
        head,
        f"{gutter}{style('-->', fg='blue')} {_location(finding)}",
        f"{gutter} {style('|', fg='blue')}",
        f"{style(number, fg='blue')} {style('|', fg='blue')} {source}",
        f"{gutter} {style('|', fg='blue')} {style(underline, fg=_SEVERITY_COLOUR[finding.severity])}",
        f"{gutter} {style('|', fg='blue')}",
    ]
    found = finding.detail or f"{finding.resource} {finding.operation}"
    confidence = "" if finding.confidence == "high" else f" ({finding.confidence} confidence)"
    lines.append(f"{gutter} = found: {found}{confidence}")
    change = rule.providers.change if rule.providers is not None else "removed"  # a provider setting may be renamed
    removed = f" ({change} in {plan.removed_in})" if plan.removed_in else ""
    lines.append(f"{style('help', bold=True)}: {plan.guidance}{removed}")
    if finding.fix is not None:
        lines.append(f"{style('fix', bold=True)}: {_fix_sentence(finding.fix.applicability, finding.fix.note)}")
    return lines


def _fix_sentence(applicability: Applicability, note: str) -> str:
    if applicability == "safe":
        return f"[*] safe, applied by `fix --write`: {note}"
    if applicability == "unsafe":
        return f"[~] unsafe, applied by `fix --write --unsafe-fixes` once you have checked it: {note}"
    return f"none, a human decides: {note}"


def _statistics(report: ScanReport, ruleset: RuleSet, style: Style) -> list[str]:
    """A count per rule, most found first, split by what `fix` does (ruff's `--statistics`)."""
    by_rule: dict[str, Counter[str]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, Counter())[finding.fix.applicability if finding.fix else "manual"] += 1
    if not by_rule:
        return []
    lines = [style(f"{'count':>5}  {'rule':<6}  {'[*] safe':>8}  {'[~] unsafe':>10}  {'manual':>6}  title", bold=True)]
    for rule_id, counts in sorted(by_rule.items(), key=lambda item: (-item[1].total(), item[0])):
        lines.append(
            f"{counts.total():>5}  {rule_id:<6}  {counts['safe']:>8}  {counts['unsafe']:>10}  {counts['manual']:>6}  "
            f"{ruleset.by_id[rule_id].summary}"
        )
    return lines


def _summary(report: ScanReport, paint: Style, fix_command: str, *, hint: bool) -> list[str]:
    s = report.summary
    files = len({finding.path for finding in report.findings})
    if not s.findings:
        lines = [paint(f"No deprecated uses found for target {report.target}.", bold=True)]
    else:
        lines = [
            paint(
                f"Found {s.findings} deprecated use{'s' * (s.findings != 1)} in {files} file{'s' * (files != 1)} "
                f"for target {report.target} ({s.errors} error{'s' * (s.errors != 1)}, "
                f"{s.warnings} warning{'s' * (s.warnings != 1)}).",
                bold=True,
            )
        ]
        safe, unsafe = s.by_fix.get("safe", 0), s.by_fix.get("unsafe", 0)
        if safe:
            more = f" ([~] {unsafe} more with `--unsafe-fixes`)" if unsafe else ""
            lines.append(f"[*] {safe} fixable with `{fix_command}`{more}.")
        elif unsafe:
            lines.append(f"[~] {unsafe} fixable with `{fix_command} --unsafe-fixes` (no safe fixes).")
        unsure = sum(1 for finding in report.findings if finding.confidence != "high")
        if unsure:
            lines.append(f"{unsure} of lower confidence (`--format full` says which): check them.")
    lines.append(
        f"Scanned {s.files_scanned} file{'s' * (s.files_scanned != 1)} "
        f"({s.files_skipped} ruled out without parsing)"
        + (f", {s.suppressed} suppressed by comment" if s.suppressed else "")
        + "."
    )
    if hint and s.findings:
        lines.append("What to do: `--format full` at each finding, `llama-stack-migrate rule ID` for a rule.")
    if report.failures:
        lines.append(paint(f"{len(report.failures)} file(s) could not be scanned:", fg="red", bold=True))
        lines.extend(f"  {failure.path}: {failure.error}" for failure in report.failures)
    return lines
