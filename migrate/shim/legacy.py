"""The legacy request and response shapes, from the shipped OpenAPI document (`legacy_spec()`).

Request bodies of answered calls are validated against the operation's request schema; answers in
the legacy shape are the upstream's resource reduced to the legacy schema's properties and
validated against it, so an old SDK parses exactly what an old server would have sent.

A valid instance is recognised by the schema's compiled check (`schema_check`); jsonschema lists
the errors of one that is not.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from migrate.errors import MigrateError
from migrate.legacy_spec import legacy_spec
from migrate.shim.schema_check import Check, Unsupported, compile_schema

_SPEC_URI = "urn:llama-stack-migrate:legacy-spec"


class LegacyShapeError(MigrateError):
    """An upstream resource cannot be expressed in the legacy response schema."""


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    spec = legacy_spec()
    if schema_name not in spec["components"]["schemas"]:
        raise MigrateError(f"the legacy spec has no schema {schema_name!r}")
    registry: Registry[Any] = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{_SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry)


@cache
def _check(schema_name: str) -> Check | None:
    """The compiled check of the named schema; None when it uses a keyword the compiler leaves to jsonschema."""
    spec = legacy_spec()
    try:
        return compile_schema(spec["components"]["schemas"][schema_name], spec)
    except (Unsupported, KeyError):
        return None


def schema_errors(schema_name: str, instance: Any) -> list[dict[str, str]]:
    """Every violation of the named schema: `[{"pointer": "/model_type", "message": ...}]` (empty: valid)."""
    check = _check(schema_name)
    if check is not None and check(instance):
        return []
    errors = sorted(_validator(schema_name).iter_errors(instance), key=lambda error: list(error.absolute_path))
    return [
        {"pointer": "".join(f"/{part}" for part in error.absolute_path), "message": error.message} for error in errors
    ]


def legacy_resource(schema_name: str, resource: Any) -> dict[str, Any]:
    """`resource` (the upstream's JSON) with only the legacy schema's properties; must then be valid."""
    if not isinstance(resource, dict):
        raise LegacyShapeError(f"the upstream answered {type(resource).__name__}, not a {schema_name} object")
    properties = legacy_spec()["components"]["schemas"][schema_name].get("properties", {})
    shaped = {name: value for name, value in resource.items() if name in properties and value is not None}
    errors = schema_errors(schema_name, shaped)
    if errors:
        first = errors[0]
        raise LegacyShapeError(
            f"the upstream's resource does not fit the legacy {schema_name} schema: {first['pointer'] or '/'} "
            f"{first['message']}"
        )
    return shaped
