"""A fast yes/no check against a legacy schema, compiled once per schema into nested closures.

jsonschema walks a schema anew for every instance (resolving each `$ref` through its registry),
which cost about 35 us for a model register body and 45 us for a `Model` answer: most of the
CPU the shim spent on a deprecated call. The legacy spec uses a small part of JSON Schema 2020-12,
so each schema is compiled once into a predicate that only says valid or not. When it says not
valid, `legacy.schema_errors` asks jsonschema for the errors, so error lists and messages stay
jsonschema's; a valid instance never reaches jsonschema.

Compiled keywords, with jsonschema's meaning: `type`, `enum`, `const`, `properties`, `required`,
`additionalProperties`, `items` (one schema), `oneOf`, `anyOf`, `allOf`, `not` and local `$ref`
(`#/...`, its sibling keywords applying too, as in 2020-12). Annotations (`title`, `description`,
`default`, `format`, OpenAPI's `discriminator`, ...) assert nothing. A schema with any other
keyword is not compiled (`Unsupported`) and jsonschema checks it alone. `tests/shim/test_shim_answers.py`
checks the predicates against jsonschema on every schema the rules name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]

#: Keywords that assert nothing (2020-12 annotations, OpenAPI's additions).
ANNOTATIONS = frozenset(
    {
        "$comment",
        "$schema",
        "default",
        "deprecated",
        "description",
        "discriminator",
        "example",
        "examples",
        "externalDocs",
        "format",
        "readOnly",
        "title",
        "writeOnly",
        "xml",
    }
)
_TYPES: dict[str, Check] = {
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    ),
    "null": lambda value: value is None,
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "string": lambda value: isinstance(value, str),
}


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not know: leave it to jsonschema."""


def compile_schema(schema: Any, document: Mapping[str, Any]) -> Check:
    """The predicate of `schema`, whose local `$ref`s point into `document`; `Unsupported` if it cannot be."""
    return _Compiler(document).compile(schema)


class _Compiler:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema must be an object or a boolean, not {type(schema).__name__}")
        checks = [self._keyword(name, value, schema) for name, value in schema.items() if name not in ANNOTATIONS]
        found = [check for check in checks if check is not None]
        if not found:
            return _always
        if len(found) == 1:
            return found[0]
        return lambda value: all(check(value) for check in found)

    def _keyword(self, name: str, value: Any, schema: dict[str, Any]) -> Check | None:
        if name == "type":
            return _type(value)
        if name == "enum":
            options = list(value)
            return lambda instance: any(equal(instance, option) for option in options)
        if name == "const":
            return lambda instance: equal(instance, value)
        if name == "properties":
            return self._properties(value)
        if name == "required":
            required = list(value)
            return lambda instance: not isinstance(instance, dict) or all(key in instance for key in required)
        if name == "additionalProperties":
            return self._additional(value, schema.get("properties", {}))
        if name == "items":
            if not isinstance(value, (dict, bool)):
                raise Unsupported("items must be one schema")
            item = self.compile(value)
            return lambda instance: not isinstance(instance, list) or all(item(each) for each in instance)
        if name in ("oneOf", "anyOf", "allOf"):
            branches = [self.compile(each) for each in value]
            if name == "oneOf":
                return lambda instance: sum(1 for branch in branches if branch(instance)) == 1
            if name == "anyOf":
                return lambda instance: any(branch(instance) for branch in branches)
            return lambda instance: all(branch(instance) for branch in branches)
        if name == "not":
            negated = self.compile(value)
            return lambda instance: not negated(instance)
        if name == "$ref":
            return self._ref(value)
        raise Unsupported(f"keyword {name!r}")

    def _properties(self, properties: dict[str, Any]) -> Check:
        compiled = {key: self.compile(each) for key, each in properties.items()}

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for key, value in instance.items():
                property_check = compiled.get(key)
                if property_check is not None and not property_check(value):
                    return False
            return True

        return check

    def _additional(self, value: Any, properties: dict[str, Any]) -> Check:
        known = frozenset(properties)
        if value is False:
            return lambda instance: not isinstance(instance, dict) or known.issuperset(instance)
        extra = self.compile(value)
        return lambda instance: (
            not isinstance(instance, dict) or all(extra(item) for key, item in instance.items() if key not in known)
        )

    def _ref(self, reference: Any) -> Check:
        if not isinstance(reference, str) or not reference.startswith("#/"):
            raise Unsupported(f"$ref {reference!r} is not local")
        if reference not in self.refs:
            target: Check | None = None
            self.refs[reference] = lambda instance: target is not None and target(instance)  # a cycle resolves late
            target = self.compile(_pointer(self.document, reference[1:]))
            self.refs[reference] = target
        return self.refs[reference]


def _type(value: Any) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(name not in _TYPES for name in names):
        raise Unsupported(f"type {value!r}")
    checks = [_TYPES[name] for name in names]
    return checks[0] if len(checks) == 1 else lambda instance: any(check(instance) for check in checks)


def _pointer(document: Mapping[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, Sequence) and not isinstance(node, str) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise Unsupported(f"$ref #{pointer} points nowhere")
    return node


def equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema has it (`enum`, `const`): 1 == 1.0, but True is not 1 and False is not 0."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[key], two[key]) for key in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return bool(one == two)


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False
