"""The default output: findings grouped by file, then summary counts (colour on a terminal)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import groupby
from typing import Any

import click

from migrate.registry import RuleSet
from migrate.scan_report import ScanReport

_SEVERITY_COLOUR = {"error": "red", "warning": "yellow"}

Style = Callable[..., str]


def render_text(report: ScanReport, ruleset: RuleSet, *, colour: bool) -> str:
    def style(text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if colour else text

    out: list[str] = []
    for path, group in groupby(report.findings, key=lambda finding: finding.path):
        out.append(style(path, bold=True, underline=True))
        for finding in group:
            where = f"{finding.line}:{finding.column}"
            if finding.cell is not None:
                where = f"cell {finding.cell}, {where}"
            severity = style(f"{finding.severity:<7}", fg=_SEVERITY_COLOUR[finding.severity])
            fix = style(" [fixable]", fg="green") if finding.fixable else ""
            confidence = "" if finding.confidence == "high" else style(f" ({finding.confidence} confidence)", dim=True)
            out.append(
                f"  {where:>10}  {severity} {style(finding.rule, bold=True)}  {finding.message}{fix}{confidence}"
            )
            out.append(style(f"{'':>12}| {finding.source.strip()}", dim=True))
        out.append("")
    out.extend(_summary(report, ruleset, style))
    return "\n".join(out) + "\n"


def _summary(report: ScanReport, ruleset: RuleSet, paint: Style) -> list[str]:
    s = report.summary
    lines: list[str] = []
    files = len({finding.path for finding in report.findings})
    if s.findings:
        head = (
            f"Found {s.findings} deprecated use{'s' * (s.findings != 1)} in {files} file{'s' * (files != 1)} "
            f"for target {report.target}: {s.errors} error{'s' * (s.errors != 1)}, "
            f"{s.warnings} warning{'s' * (s.warnings != 1)}, {s.fixable} fixable by `llama-stack-migrate fix`."
        )
        lines.append(paint(head, bold=True))
        for rule_id, count in s.by_rule.items():
            rule = ruleset.by_id[rule_id]
            lines.append(f"  {rule_id}  {rule.resource + ' ' + rule.operation:<28} {count:>5}")
        by_confidence = Counter(finding.confidence for finding in report.findings)
        if by_confidence["high"] != s.findings:
            parts = ", ".join(f"{by_confidence[level]} {level}" for level in ("high", "medium", "low"))
            lines.append(f"  confidence: {parts}")
    else:
        lines.append(paint(f"No deprecated uses found for target {report.target}.", bold=True))
    lines.append(
        f"Scanned {s.files_scanned} file{'s' * (s.files_scanned != 1)} "
        f"({s.files_skipped} ruled out without parsing)"
        + (f", {s.suppressed} suppressed by comment" if s.suppressed else "")
        + "."
    )
    if report.failures:
        lines.append(paint(f"{len(report.failures)} file(s) could not be scanned:", fg="red", bold=True))
        lines.extend(f"  {failure.path}: {failure.error}" for failure in report.failures)
    return lines
