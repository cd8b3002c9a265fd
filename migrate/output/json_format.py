"""`--format json`: the `ScanReport`, written, described (docs/scan-output.schema.json) and read back by pydantic.

The one home of the scan's JSON: the report's own types are plain dataclasses (a scan with text output
never imports pydantic), and pydantic builds their serializer, schema and validator here, from the
types' fields, metadata and docstrings.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from migrate import sources
from migrate.scan_report import ScanReport

SCAN_REPORT = TypeAdapter(ScanReport)


def render_json(report: ScanReport) -> str:
    return SCAN_REPORT.dump_json(report, indent=2).decode() + "\n"


def read_json(data: bytes | str) -> ScanReport:
    """A `--format json` document read back; pydantic's `ValidationError` when it is not one."""
    return SCAN_REPORT.validate_json(data)


def json_schema() -> str:
    """The JSON Schema of `--format json`, as committed in docs/ (a test keeps them in step)."""
    schema = with_languages(SCAN_REPORT.json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "tag:llama-stack-migrate,2026:schema/scan-output-v1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def with_languages(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a finding's `language` listing the surfaces (`migrate.sources`), which the model leaves open."""
    language = schema["$defs"]["Finding"]["properties"]["language"]
    language["enum"] = [record.language for record in sources.SOURCES]
    return schema
