"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards, with stable partial fingerprints.

A result's message is the finding's short message (code scanning titles the alert with it) and what was
found; what to do is the rule's `help` (text and Markdown: code scanning shows it beside the alert),
given once per rule, with the rule's rationale as `fullDescription`. Each result says what `fix` does
with it in its property bag: `properties.fix = {"applicability": "safe" | "unsafe" | "manual", "note"}`
(SARIF's own `fixes` need the edits themselves, which only `fix` computes).

The file stays within GitHub code scanning's documented upload limits ("SARIF support for code
scanning" and "SARIF results exceed limits" in GitHub's docs), so that an upload is never rejected:
one run per file (limit 20), one location per result (1,000), three tags per rule (20), at most
1,000 rules (ids are LSM000-LSM999; limit 25,000), at most 25,000 results per run, and at most
10 MB gzip-compressed. Past either of the last two, the most severe results are kept (errors
first, then by path) and the run says how many were left out, in a tool execution notification
and in `properties.resultsLeftOut`. GitHub shows only 5,000 results of a run; a notification says
so when there are more.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from migrate.docgen import rule_markdown
from migrate.registry import RuleSet
from migrate.rules import Rule
from migrate.scan_report import ScanReport
from migrate.targets import TargetName

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "llamaStackMigrate/v1"
#: GitHub rejects a run with more results than this.
GITHUB_MAX_RESULTS = 25_000
#: GitHub rejects a file larger than this once gzip-compressed.
GITHUB_MAX_GZIP_BYTES = 10 * 1024 * 1024
#: GitHub keeps only this many results of a run.
GITHUB_SHOWN_RESULTS = 5_000


def render_sarif(report: ScanReport, ruleset: RuleSet, root: Path) -> str:
    """The SARIF log of `report`, cut to GitHub's limits when it exceeds them (see the module docstring)."""
    rule_index = {rule.id: index for index, rule in enumerate(ruleset.rules)}
    target: TargetName = report.target
    rules = [
        {
            "id": rule.id,
            "name": _name(rule),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.rationale.split())},
            "helpUri": rule.docs,
            "help": _help(rule, target),
            "defaultConfiguration": {"level": "error" if rule.targets[target].status == "removed" else "warning"},
            "properties": {"tags": ["llama-stack", _kind(rule), rule.resource]},
        }
        for rule in ruleset.rules
    ]
    results = []
    for finding in sorted(report.findings, key=lambda finding: finding.severity != "error"):
        region: dict[str, object] = {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
            "snippet": {"text": finding.source},
        }
        message = finding.message + (f". Found: {finding.detail}." if finding.detail else "")
        if finding.cell is not None:
            message = f"cell {finding.cell}: {message}"
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule],
                "level": finding.severity,
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": quote(finding.path), "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
                "properties": {
                    "confidence": finding.confidence,
                    "fixable": finding.fixable,
                    **({"fix": asdict(finding.fix)} if finding.fix is not None else {}),
                    "surface": finding.surface,
                    **({"cell": finding.cell} if finding.cell is not None else {}),
                },
            }
        )
    kept = results[:GITHUB_MAX_RESULTS]
    while True:
        text = _document(report, root, rules, kept, len(results))
        size = len(gzip.compress(text.encode("utf-8"), compresslevel=6))
        if size <= GITHUB_MAX_GZIP_BYTES or not kept:
            return text
        kept = kept[: int(len(kept) * GITHUB_MAX_GZIP_BYTES / size * 0.95)]


def _name(rule: Rule) -> str:
    """`ModelRegister`, `ShieldRunConfigEntry`: a run-config rule is named for what it finds, an entry, not a call."""
    if rule.providers is not None:  # a kind of provider setting and what the target did to it: RunConfigApiRenamed
        return "".join(
            word.capitalize() for word in re.findall(r"[a-z]+", f"{rule.summary} {rule.providers.change}".lower())
        )
    operation = "run_config_entry" if rule.operation == "config" else rule.operation
    return "".join(word.capitalize() for word in f"{rule.resource}_{operation}".split("_"))


def _kind(rule: Rule) -> str:
    """The tag that tells a viewer "the server config declares what the target ignores" from "the code calls"."""
    return "run-config" if rule.operation == "config" else "deprecation"


def _help(rule: Rule, target: TargetName) -> dict[str, str]:
    """The rule's documentation, which code scanning shows beside each of its alerts (Markdown where it can).

    What to do on the scan's target first; then the rule as `llama-stack-migrate rule ID` explains it.
    """
    plan = rule.targets[target]
    first = f"What to do on {target}: {plan.guidance}."
    return {
        "text": f"{first}\n\n{' '.join(rule.rationale.split())}\n\nMore: `llama-stack-migrate rule {rule.id}`.",
        "markdown": f"**What to do on {target}:** {plan.guidance}.\n\n" + "\n".join(rule_markdown(rule, level=2)),
    }


def _document(
    report: ScanReport, root: Path, rules: list[dict[str, Any]], results: list[dict[str, Any]], found: int
) -> str:
    """The SARIF log of one run holding `results`, the first of `found` (the rest are counted as left out)."""
    notifications: list[dict[str, Any]] = [
        {
            "level": "error",
            "message": {"text": failure.error},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(failure.path), "uriBaseId": "%SRCROOT%"}}}
            ],
        }
        for failure in report.failures
    ]
    left_out = found - len(results)
    if left_out:
        notifications.append(
            {
                "level": "warning",
                "descriptor": {"id": "results-left-out"},
                "message": {
                    "text": f"{left_out} of {found} results left out: GitHub code scanning rejects a run of more than "
                    f"{GITHUB_MAX_RESULTS:,} results or a file of more than {GITHUB_MAX_GZIP_BYTES // 2**20} MB "
                    "gzip-compressed. The most severe are kept (errors first); `scan --format json` has them all."
                },
            }
        )
    if len(results) > GITHUB_SHOWN_RESULTS:
        notifications.append(
            {
                "level": "note",
                "descriptor": {"id": "results-not-shown"},
                "message": {
                    "text": f"GitHub code scanning shows {GITHUB_SHOWN_RESULTS:,} of a run's {len(results)} results "
                    "(errors first): narrow the scan with --select, or read `report` for every finding."
                },
            }
        )
    properties: dict[str, Any] = {"target": report.target}
    if left_out:
        properties["resultsLeftOut"] = left_out
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": report.tool.name,
                        "version": report.tool.version,
                        "informationUri": "https://pypi.org/project/llama-stack-migrate/",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "invocations": [
                    {"executionSuccessful": not report.failures, "toolExecutionNotifications": notifications}
                ],
                "properties": properties,
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
