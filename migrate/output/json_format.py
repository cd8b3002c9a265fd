"""`--format json`: the `ScanReport` model, schema in docs/scan-output.schema.json."""

from __future__ import annotations

import json
from typing import Any

from migrate import sources
from migrate.scan_report import ScanReport


def render_json(report: ScanReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def json_schema() -> str:
    """The JSON Schema of `--format json`, as committed in docs/ (a test keeps them in step)."""
    schema = with_languages(ScanReport.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "tag:llama-stack-migrate,2026:schema/scan-output-v1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def with_languages(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a finding's `language` listing the surfaces (`migrate.sources`), which the model leaves open."""
    language = schema["$defs"]["Finding"]["properties"]["language"]
    language["enum"] = [record.language for record in sources.SOURCES]
    return schema
