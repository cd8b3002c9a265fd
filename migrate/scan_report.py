"""The result of a scan as one document: the model behind `--format json` (versioned schema)."""

from __future__ import annotations

from collections import Counter
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from migrate import __version__
from migrate.findings import Applicability, FileResult, Finding
from migrate.targets import TargetName


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Tool(_Strict):
    name: Literal["llama-stack-migrate"] = "llama-stack-migrate"
    version: str = __version__


class Failure(_Strict):
    """A file (or part of one) that could not be read, decoded or parsed."""

    path: str
    error: str


class Summary(_Strict):
    files_scanned: int = Field(description="Files parsed because the prefilter said they may hold a use.")
    files_skipped: int = Field(description="Files the prefilter ruled out without parsing.")
    files_failed: int
    findings: int
    errors: int = Field(description="Findings whose operation the target removed.")
    warnings: int = Field(description="Findings whose operation is only deprecated on the target.")
    fixable: int
    by_fix: dict[Applicability, int] = Field(
        default_factory=dict,
        description="Findings by what `fix` does with them: safe (`fix --write`), unsafe (`--unsafe-fixes`), manual.",
    )
    suppressed: int = Field(description="Uses silenced by a `llama-stack-migrate: ignore` comment.")
    by_rule: dict[str, int]


class ScanReport(_Strict):
    """Everything `scan` found. `schema_version` changes when a field is removed or changes meaning."""

    schema_version: Literal[1] = 1
    tool: Tool = Field(default_factory=Tool.model_construct)
    target: TargetName
    rules: list[str] = Field(description="Ids of the rules that ran.")
    summary: Summary
    findings: list[Finding]
    failures: list[Failure]

    @classmethod
    def build(cls, target: TargetName, rules: list[str], results: list[FileResult], skipped: int) -> ScanReport:
        results = sorted(results, key=lambda result: result.path)
        findings = [finding for result in results for finding in result.findings]
        failures = [Failure.model_construct(path=r.path, error=r.error) for r in results if r.error is not None]
        by_rule = Counter(finding.rule for finding in findings)
        by_fix = Counter(finding.fix.applicability for finding in findings if finding.fix is not None)
        summary = Summary.model_construct(
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
        return cls.model_construct(target=target, rules=rules, summary=summary, findings=findings, failures=failures)
