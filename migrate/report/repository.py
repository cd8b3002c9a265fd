"""The scan half of the report: one repository's findings judged, counted, attributed and given a verdict."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from migrate.registry import RuleSet
from migrate.report.autofix import judge_fixes
from migrate.report.codeowners import CodeOwners
from migrate.report.model import (
    FileCount,
    FixClass,
    OwnerCount,
    Readiness,
    ReportFinding,
    Repository,
    RuleCount,
    Totals,
    Verdict,
)
from migrate.report.sources import ScanInput
from migrate.scan_report import ScanReport
from migrate.targets import TargetName

#: How urgent a finding is in the attention list: a human must write it, or check what `fix` wrote.
_ATTENTION_RANK: dict[FixClass, int] = {"manual": 0, "unsafe": 1}


def build_repository(
    item: ScanInput, target: TargetName, where: Layout, codeowners: CodeOwners | None, ruleset: RuleSet
) -> Repository:
    """Judge `item`'s findings for `target`: fix split (`judge_fixes`), owners, counts and verdict."""
    scan = item.scan
    judgements = judge_fixes(scan.findings, scan.target, where.base, ruleset, target)
    findings = [
        ReportFinding(
            finding=finding,
            fix=judgements[finding.fingerprint].fix,
            note=judgements[finding.fingerprint].note,
            owners=list(codeowners.owners(where.in_repository(finding.path))) if codeowners else [],
        )
        for finding in scan.findings
    ]
    attention = sorted(
        (item for item in findings if item.finding.severity == "error" and item.fix in _ATTENTION_RANK),
        key=lambda item: (_ATTENTION_RANK[item.fix], item.finding.path, item.finding.line),
    )
    totals = Totals(
        **_counts(findings),
        errors=sum(1 for item in findings if item.finding.severity == "error"),
        warnings=sum(1 for item in findings if item.finding.severity == "warning"),
        files=len({item.finding.path for item in findings}),
        files_failed=len(scan.failures),
    )
    return Repository(
        name=item.name,
        scan_file=None if item.directory else str(item.path),
        directory=str(item.path) if item.directory else None,
        sources=str(where.base) if where.found else None,
        target=target,
        verdict=verdict(item.name, target, findings, totals),
        split_known=totals.auto == 0,
        totals=totals,
        readiness=readiness(findings, scan),
        attention=attention,
        findings=findings,
        failures=scan.failures,
        by_rule=_by_rule(findings, ruleset, target),
        by_file=_by_file(findings),
        by_owner=_by_owner(findings) if codeowners else None,
        codeowners=str(codeowners.source) if codeowners else None,
    )


@dataclass(frozen=True)
class Layout:
    """Where a scan's paths lead: `base` is the folder scan ran in, `root` the repository's root.

    `found` is false when none of the scan's files is under `base` (the report runs elsewhere).
    """

    base: Path
    root: Path
    found: bool = True

    def in_repository(self, path: str) -> str:
        """A finding's path relative to the repository root (as CODEOWNERS patterns see it)."""
        try:
            return (self.base / path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:  # outside the root: matched as written
            return path


def verdict(name: str, target: TargetName, findings: list[ReportFinding], totals: Totals) -> Verdict:
    """One line: is the repository ready for `target`, and if not, how much is automatic."""
    blocking = [item for item in findings if item.finding.severity == "error"]
    human = [item for item in blocking if item.fix in _ATTENTION_RANK]
    split = f"{totals.safe} safe auto-fix, {totals.unsafe} unsafe auto-fix, {totals.manual} manual"
    if totals.auto:
        split = f"{totals.auto} auto-fix (safe/unsafe split unknown: sources not found), {totals.manual} manual"
    counts = f"{totals.findings} finding{'s' * (totals.findings != 1)} ({totals.errors} blocking): {split}"
    failed = f"; {totals.files_failed} file{'s' * (totals.files_failed != 1)} could not be scanned"
    failed = failed if totals.files_failed else ""
    if human:
        return Verdict(
            status="not-ready",
            line=f"{name}: not ready for {target}: {len(human)} of {len(blocking)} blocking uses need a human; "
            f"{counts}{failed}",
        )
    if totals.files_failed:
        return Verdict(status="incomplete", line=f"{name}: incomplete for {target}{failed}; {counts}")
    if blocking:
        return Verdict(status="fix-ready", line=f"{name}: ready for {target} after `{fix_command(target)}`; {counts}")
    if findings:
        return Verdict(
            status="ready-with-warnings",
            line=f"{name}: ready for {target}; {totals.warnings} use{'s' * (totals.warnings != 1)} "
            f"{target} still serves (deprecated)",
        )
    return Verdict(status="ready", line=f"{name}: ready for {target}: no deprecated uses left")


#: The file's class in the overview: its worst blocking finding (a file that failed is `failed`).
_FILE_RANK: dict[FixClass, int] = {"safe": 0, "auto": 1, "unsafe": 2, "manual": 3}


def readiness(findings: list[ReportFinding], scan: ScanReport) -> Readiness:
    """Every file the scan looked at, once: failed, else by its worst blocking finding, else ready."""
    failed = {failure.path for failure in scan.failures}
    worst: dict[str, FixClass] = {}
    for item in findings:
        path = item.finding.path
        if item.finding.severity != "error" or path in failed:
            continue
        if path not in worst or _FILE_RANK[item.fix] > _FILE_RANK[worst[path]]:
            worst[path] = item.fix
    classes = Counter(worst.values())
    files = scan.summary.files_scanned + scan.summary.files_skipped
    return Readiness(
        files=files,
        ready=max(0, files - len(worst) - len(failed)),
        safe=classes["safe"],
        unsafe=classes["unsafe"],
        auto=classes["auto"],
        manual=classes["manual"],
        failed=len(failed),
    )


def fix_command(target: TargetName) -> str:
    """The command a `fix-ready` verdict names (quoted in backticks in the verdict line)."""
    return f"llama-stack-migrate fix --target {target} --write"


def _counts(items: Iterable[ReportFinding]) -> dict[str, int]:
    """The `FixCounts` fields for `items`."""
    counts = {"findings": 0, "safe": 0, "unsafe": 0, "auto": 0, "manual": 0}
    for item in items:
        counts["findings"] += 1
        counts[item.fix] += 1
    return counts


def _grouped(
    items: Iterable[ReportFinding], keys: Callable[[ReportFinding], Iterable[str | None]]
) -> dict[str | None, list[ReportFinding]]:
    """Findings by each of their keys (a finding with several owners is in several groups)."""
    groups: dict[str | None, list[ReportFinding]] = defaultdict(list)
    for item in items:
        for key in keys(item):
            groups[key].append(item)
    return groups


def _by_rule(findings: list[ReportFinding], ruleset: RuleSet, target: TargetName) -> list[RuleCount]:
    rows: list[RuleCount] = []
    for rule_id, items in _grouped(findings, lambda item: [item.finding.rule]).items():
        rule = ruleset.by_id.get(rule_id or "")
        rows.append(
            RuleCount(
                rule=rule_id or "",
                summary=rule.summary if rule else None,
                guidance=rule.targets[target].guidance if rule else None,
                **_counts(items),
            )
        )
    return sorted(rows, key=lambda row: (-row.findings, row.rule))


def _by_file(findings: list[ReportFinding]) -> list[FileCount]:
    rows = [
        FileCount(
            path=path or "",
            errors=sum(1 for item in items if item.finding.severity == "error"),
            owners=items[0].owners,
            **_counts(items),
        )
        for path, items in _grouped(findings, lambda item: [item.finding.path]).items()
    ]
    return sorted(rows, key=lambda row: (-row.findings, row.path))


def _by_owner(findings: list[ReportFinding]) -> list[OwnerCount]:
    rows = [
        OwnerCount(owner=owner, files=len({item.finding.path for item in items}), **_counts(items))
        for owner, items in _grouped(findings, lambda item: item.owners or [None]).items()
    ]
    return sorted(rows, key=lambda row: (-row.findings, row.owner is None, row.owner or ""))
