"""`scan --baseline FILE`: only findings that are not in a previous `scan --format json` result are new.

Findings are matched by fingerprint (rule, path, whitespace-folded source line and the occurrence
index of that triple; no line number), as a multiset: a finding moved by lines added above it keeps
its fingerprint and is not new; a second identical line gets the next occurrence index and is new;
a finding that is gone is simply not reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from migrate.findings import Finding
from migrate.report.sources import load_scan
from migrate.scan_report import ScanReport


def load_baseline(path: Path) -> ScanReport:
    """Read and validate a baseline file; `MigrateError` when it is missing or not a scan JSON result."""
    return load_scan(path, what="baseline")


def new_findings(current: ScanReport, baseline: ScanReport) -> list[Finding]:
    """The findings of `current` that `baseline` does not hold, in `current`'s order."""
    remaining = Counter(finding.fingerprint for finding in baseline.findings)
    new: list[Finding] = []
    for finding in current.findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
        else:
            new.append(finding)
    return new
