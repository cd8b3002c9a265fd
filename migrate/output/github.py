"""`--format github`: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from migrate.scan_report import ScanReport


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ScanReport) -> str:
    lines: list[str] = []
    for finding in report.findings:
        where = f"cell {finding.cell}: " if finding.cell is not None else ""
        properties = ",".join(
            [
                f"file={_property(finding.path)}",
                f"line={finding.line}",
                f"col={finding.column}",
                f"endLine={finding.end_line}",
                f"endColumn={finding.end_column}",
                f"title={_property(finding.rule + ' ' + finding.resource + ' ' + finding.operation)}",
            ]
        )
        lines.append(f"::{finding.severity} {properties}::{_data(where + finding.message)}")
    for failure in report.failures:
        lines.append(f"::error file={_property(failure.path)},title=llama-stack-migrate::{_data(failure.error)}")
    return "".join(line + "\n" for line in lines)
