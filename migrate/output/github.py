"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

An annotation is titled with the rule and the short message (`LSM101 Model registration removed on
ogx-1`); its text says what was found and what `fix` does with it, and points at `llama-stack-migrate
rule ID` for what to do: a pull request with many findings gets many short notes, not the rule's
guidance over and over (SARIF carries that once per rule, as the rule's help).
"""

from __future__ import annotations

from migrate.findings import Finding
from migrate.scan_report import ScanReport
from migrate.targets import TargetName


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ScanReport) -> str:
    lines: list[str] = []
    for finding in report.findings:
        properties = ",".join(
            [
                f"file={_property(finding.path)}",
                f"line={finding.line}",
                f"col={finding.column}",
                f"endLine={finding.end_line}",
                f"endColumn={finding.end_column}",
                f"title={_property(finding.rule + ' ' + finding.message)}",
            ]
        )
        lines.append(f"::{finding.severity} {properties}::{_data(_annotation(finding, report.target))}")
    for failure in report.failures:
        lines.append(f"::error file={_property(failure.path)},title=llama-stack-migrate::{_data(failure.error)}")
    return "".join(line + "\n" for line in lines)


def _annotation(finding: Finding, target: TargetName) -> str:
    """What was found, what `fix` does with it, where to read what to do."""
    where = f"cell {finding.cell}: " if finding.cell is not None else ""
    found = finding.detail or f"{finding.resource} {finding.operation}"
    applicability = finding.fix.applicability if finding.fix is not None else "manual"
    command = f"llama-stack-migrate fix --write --target {target}"
    fix = {
        "safe": f"[*] `{command}` rewrites it",
        "unsafe": f"[~] `{command} --unsafe-fixes` rewrites it; check the result",
        "manual": "no automatic fix",
    }[applicability]
    return f"{where}{found}: {fix}. `llama-stack-migrate rule {finding.rule}` says what to do."
