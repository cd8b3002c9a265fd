"""The rules agree with the legacy OpenAPI document the package ships."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

from migrate.legacy_spec import SPEC_FILE, SPEC_SHA256, legacy_spec
from migrate.rule_loader import load_rules
from migrate.shim.legacy import schema_errors


def test_shipped_copy_is_the_upstream_specification() -> None:
    shipped = resources.files("migrate.legacy_spec").joinpath(SPEC_FILE).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == SPEC_SHA256


def test_every_rule_route_and_schema_is_in_the_spec() -> None:
    spec = legacy_spec()
    schemas = spec["components"]["schemas"]
    operations = 0
    for rule in load_rules().rules:
        if rule.operation not in ("register", "unregister"):  # reads, calls and pins: no deprecated route
            continue
        (path,) = rule.http.paths
        spec_path = re.sub(r"\{(\w+):path\}", r"{\1}", path)
        operation = spec["paths"][spec_path][rule.http.method.lower()]
        assert operation["deprecated"] is True, rule.id
        operations += 1
        if rule.http.request_schema:
            assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/" + rule.http.request_schema
            ), rule.id
            assert rule.http.request_schema in schemas
        if rule.http.response_schema:
            assert rule.http.response_schema in schemas
    assert operations == 12
    deprecated = [op for ops in spec["paths"].values() for op in ops.values() if op.get("deprecated")]
    assert len(deprecated) == 12


def test_every_translated_read_has_its_legacy_shape_and_the_sdk_parses_it() -> None:
    """The shapes the shim translates reads into exist, and accept what llama-stack 0.3.5 itself answered."""
    schemas = legacy_spec()["components"]["schemas"]
    shapes = {plan.translate.shape for rule in load_rules().rules for plan in rule.targets.values() if plan.translate}
    assert shapes == {"Model", "ToolGroup", "ToolDef"}
    assert shapes <= set(schemas)
    # answers of llama-stack 0.3.5 (workflow facts, 3.3): a registered MCP group and one of its tools
    group = {
        "identifier": "mcp::probe",
        "provider_resource_id": "mcp::probe",
        "provider_id": "model-context-protocol",
        "type": "tool_group",
        "mcp_endpoint": {"uri": "http://127.0.0.1:9/mcp"},
        "args": None,
    }
    tool = {"toolgroup_id": "builtin::websearch", "name": "web_search", "description": "Search", "metadata": None}
    assert schema_errors("ToolGroup", group) == []
    assert schema_errors("ToolDef", tool) == []
    assert schema_errors("ToolGroup", {**group, "mcp_endpoint": {"url": "x"}}) != []
