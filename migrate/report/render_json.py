"""`report --format json`: the `Report` model; its schema is docs/report-output.schema.json."""

from __future__ import annotations

import json

from migrate.output.json_format import with_languages
from migrate.report.model import Report


def render_json(report: Report) -> str:
    """The report as indented JSON (schema version 1)."""
    return report.model_dump_json(indent=2) + "\n"


def json_schema() -> str:
    """The JSON Schema of `report --format json`, as committed in docs/ (a test keeps them in step)."""
    schema = with_languages(Report.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "tag:llama-stack-migrate,2026:schema/report-output-v1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
