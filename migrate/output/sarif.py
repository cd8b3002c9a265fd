"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards, with stable partial fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from migrate.registry import RuleSet
from migrate.scan_report import ScanReport
from migrate.targets import TargetName

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "llamaStackMigrate/v1"


def render_sarif(report: ScanReport, ruleset: RuleSet, root: Path) -> str:
    rule_index = {rule.id: index for index, rule in enumerate(ruleset.rules)}
    target: TargetName = report.target
    rules = [
        {
            "id": rule.id,
            "name": "".join(word.capitalize() for word in f"{rule.resource}_{rule.operation}".split("_")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.rationale.split())},
            "helpUri": rule.docs,
            "help": {"text": rule.targets[target].guidance},
            "defaultConfiguration": {"level": "error" if rule.targets[target].status == "removed" else "warning"},
            "properties": {"tags": ["llama-stack", "deprecation", rule.resource]},
        }
        for rule in ruleset.rules
    ]
    results = []
    for finding in report.findings:
        region: dict[str, object] = {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
            "snippet": {"text": finding.source},
        }
        message = finding.message if finding.cell is None else f"cell {finding.cell}: {finding.message}"
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
                    "surface": finding.surface,
                    **({"cell": finding.cell} if finding.cell is not None else {}),
                },
            }
        )
    notifications = [
        {
            "level": "error",
            "message": {"text": failure.error},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": quote(failure.path), "uriBaseId": "%SRCROOT%"}}}
            ],
        }
        for failure in report.failures
    ]
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
                "properties": {"target": report.target},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
