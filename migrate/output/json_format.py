"""`--format json`: the `ScanReport` model, schema in docs/scan-output.schema.json."""

from __future__ import annotations

import json

from migrate.scan_report import ScanReport


def render_json(report: ScanReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def json_schema() -> str:
    """The JSON Schema of `--format json`, as committed in docs/ (a test keeps them in step)."""
    schema = ScanReport.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://llama-stack-migrate.dev/schemas/scan-output-v1.json"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
