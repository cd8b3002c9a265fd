"""Split a scan's findings into safe auto-fixes, unsafe auto-fixes and manual ones, for the report's target.

A scan records what `fix --target` does with each finding (`Finding.fix`, judged from the scan alone), so
a scan made for the report's target is read as it is. The sources are scanned again, when they are still
on disk, for a scan made for another target or written before findings carried it; a finding whose file is
gone, or whose line changed since, stays `auto` (fixable, split unknown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from migrate.engine import Prefilter, scan_file
from migrate.findings import Finding
from migrate.registry import RuleSet
from migrate.report.model import FixClass
from migrate.targets import TargetName


@dataclass(frozen=True)
class FixJudgement:
    """What `fix` does with one finding, and why when a human is needed."""

    fix: FixClass
    note: str | None = None


def judge_fixes(
    findings: Iterable[Finding], scanned_for: TargetName, root: Path, ruleset: RuleSet, target: TargetName
) -> dict[str, FixJudgement]:
    """Fingerprint -> judgement for every finding (paths are resolved against `root`)."""
    judgements: dict[str, FixJudgement] = {}
    stale: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fix is not None and scanned_for == target:
            judgements[finding.fingerprint] = _judgement(finding)
            continue
        judgements[finding.fingerprint] = FixJudgement(
            "auto" if finding.fixable and scanned_for == target else "manual"
        )
        stale[finding.path].append(finding)
    prefilter = Prefilter(ruleset)
    for display, group in stale.items():
        path = root / display
        if not path.is_file():
            continue
        result = scan_file(path, display, group[0].language, ruleset, target, prefilter)
        wanted = {finding.fingerprint for finding in group}
        for finding in result.findings:
            if finding.fingerprint in wanted:
                judgements[finding.fingerprint] = _judgement(finding)
    return judgements


def _judgement(finding: Finding) -> FixJudgement:
    assert finding.fix is not None  # judged by this version's scan
    applicability = finding.fix.applicability
    return FixJudgement(applicability, None if applicability == "safe" else finding.fix.note)
