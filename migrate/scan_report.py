"""The result of a scan as one document: the type behind `--format json` (versioned schema).

Frozen stdlib dataclasses like `migrate.findings`, and for the same reason: `migrate.output.json_format`
has pydantic write, describe and read them back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, get_args

from migrate import __version__
from migrate.findings import Applicability, FileResult, Finding
from migrate.targets import TargetName
from migrate.validation import Strict


@dataclass(frozen=True, kw_only=True)
class Tool(Strict):
    name: Literal["llama-stack-migrate"] = "llama-stack-migrate"
    version: str = __version__


@dataclass(frozen=True, kw_only=True)
class Failure(Strict):
    """A file (or part of one) that could not be read, decoded or parsed."""

    path: str
    error: str


@dataclass(frozen=True, kw_only=True)
class Summary(Strict):
    files_scanned: int = field(metadata={"description": "Files parsed because the prefilter said they may hold a use."})
    files_skipped: int = field(metadata={"description": "Files the prefilter ruled out without parsing."})
    files_failed: int
    findings: int
    errors: int = field(metadata={"description": "Findings whose operation the target removed."})
    warnings: int = field(metadata={"description": "Findings whose operation is only deprecated on the target."})
    fixable: int
    by_fix: dict[Applicability, int] = field(
        default_factory=dict,
        metadata={
            "description": "Findings by what `fix` does with them: safe (`fix --write`), unsafe (`--unsafe-fixes`), "
            "manual."
        },
    )
    suppressed: int = field(metadata={"description": "Uses silenced by a `llama-stack-migrate: ignore` comment."})
    by_rule: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class ScanReport(Strict):
    """Everything `scan` found. `schema_version` changes when a field is removed or changes meaning."""

    schema_version: Literal[1] = 1
    tool: Tool = field(default_factory=Tool)
    target: TargetName
    rules: list[str] = field(metadata={"description": "Ids of the rules that ran."})
    summary: Summary
    findings: list[Finding]
    failures: list[Failure]

    @classmethod
    def build(cls, target: TargetName, rules: list[str], results: list[FileResult], skipped: int) -> ScanReport:
        results = sorted(results, key=lambda result: result.path)
        findings = [finding for result in results for finding in result.findings]
        failures = [Failure(path=r.path, error=r.error) for r in results if r.error is not None]
        by_rule = Counter(finding.rule for finding in findings)
        by_fix = Counter(finding.fix.applicability for finding in findings if finding.fix is not None)
        summary = Summary(
            files_scanned=sum(1 for result in results if result.status != "skipped"),
            files_skipped=skipped + sum(1 for result in results if result.status == "skipped"),
            files_failed=sum(1 for result in results if result.status == "failed"),
            findings=len(findings),
            errors=sum(1 for finding in findings if finding.severity == "error"),
            warnings=sum(1 for finding in findings if finding.severity == "warning"),
            fixable=sum(1 for finding in findings if finding.fixable),
            by_fix={applicability: by_fix[applicability] for applicability in get_args(Applicability)},
            suppressed=sum(result.suppressed for result in results),
            by_rule=dict(sorted(by_rule.items())),
        )
        return cls(target=target, rules=rules, summary=summary, findings=findings, failures=failures)
