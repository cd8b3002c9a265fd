"""Split a scan's fixable findings into safe and unsafe auto-fixes by asking the fix engine.

A finding's `fixable` says `fix` can rewrite it; whether the rewrite is safe (applied by `fix
--write`) or unsafe (only with `--unsafe-fixes`) is decided when `fix` builds it. For each file with
fixable findings that is still on disk, `fix_file(..., unsafe=False)` runs in memory (nothing is
written) and its findings are matched to the scan's by fingerprint. Findings whose file is gone, or
whose line changed since the scan, stay `auto` (fixable, split unknown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from migrate.discovery import SourceFile
from migrate.engine import Prefilter
from migrate.findings import Finding, fingerprint
from migrate.fix.engine import fix_file
from migrate.registry import RuleSet
from migrate.report.model import FixClass
from migrate.targets import TargetName

Position = tuple[str, int, int, int | None]


@dataclass(frozen=True)
class FixJudgement:
    """What `fix` does with one finding, and why when a human is needed."""

    fix: FixClass
    note: str | None = None


def judge_fixes(
    findings: Iterable[Finding], root: Path, ruleset: RuleSet, target: TargetName
) -> dict[str, FixJudgement]:
    """Fingerprint -> judgement for every finding (paths are resolved against `root`)."""
    judgements: dict[str, FixJudgement] = {}
    fixable_by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fixable:
            judgements[finding.fingerprint] = FixJudgement("auto")
            fixable_by_path[finding.path].append(finding)
        else:
            judgements[finding.fingerprint] = FixJudgement("manual")
    prefilter = Prefilter(ruleset)
    for display, group in fixable_by_path.items():
        path = root / display
        if not path.is_file():
            continue
        source = SourceFile(path, display, group[0].language)
        result = fix_file(source, ruleset, target, prefilter, unsafe=False)
        stamped = fingerprint(result.findings)
        by_position = {_position(f): s.fingerprint for f, s in zip(result.findings, stamped, strict=True)}
        decided: list[tuple[Finding, FixJudgement]] = [
            *((finding, FixJudgement("safe")) for finding, _ in result.outcome.applied),
            *((finding, FixJudgement("unsafe", rewrite.note)) for finding, rewrite in result.outcome.unsafe),
            *((finding, FixJudgement("manual", reason)) for finding, reason in result.outcome.manual),
        ]
        wanted = {finding.fingerprint for finding in group}
        for finding, judgement in decided:
            stamp = by_position.get(_position(finding))
            if stamp in wanted:
                judgements[stamp] = judgement
    return judgements


def _position(finding: Finding) -> Position:
    return (finding.rule, finding.line, finding.column, finding.cell)
