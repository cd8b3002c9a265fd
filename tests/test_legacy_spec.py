"""The rules agree with the legacy OpenAPI document the package ships."""

from __future__ import annotations

import re

from migrate.legacy_spec import SPEC_FILE, legacy_spec
from migrate.registry import load_rules
from tests.conftest import REPO

SHARED_SPEC = REPO.parent / "shared" / "spec" / SPEC_FILE


def test_shipped_copy_is_the_shared_specification() -> None:
    shipped = (REPO / "migrate" / "legacy_spec" / SPEC_FILE).read_bytes()
    assert shipped == SHARED_SPEC.read_bytes()


def test_every_rule_route_and_schema_is_in_the_spec() -> None:
    spec = legacy_spec()
    schemas = spec["components"]["schemas"]
    operations = 0
    for rule in load_rules().rules:
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
