"""Reading a libcst call's arguments: literal values where they are literals, source text otherwise."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from typing import Any

import libcst as cst

from migrate.config.entries import Unknown
from migrate.fix.model import PythonSite
from migrate.identifiers import IdentifierTemplate
from migrate.rules import SDK_WRAPPERS


@dataclass(frozen=True)
class Value:
    """An argument: its value when it is known statically, and always its source text.

    `literal` says the value is written in place (a literal); a module constant is `known` but not
    literal, so a rewrite keeps referring to the constant by name.
    """

    code: str
    known: bool
    value: Any = None
    literal: bool = False

    def for_config(self) -> Any:
        return self.value if self.known else Unknown(self.code)


def named(noun: str, value: Value) -> str:
    """`noun` and the id `value` holds, for a comment `fix` writes: `model "vllm/x"`.

    A literal reads as written; a module constant by the id it resolves to; an expression known only
    at run time is quoted as code, so it never reads as if it were the id (`the model named by `name``).
    """
    if value.literal:
        return f"{noun} {value.code}"
    if value.known:
        return f"{noun} {string_literal(value.value) if isinstance(value.value, str) else repr(value.value)}"
    return f"the {noun} named by `{value.code}`"


_UNKNOWN = object()


def module_constants(module: cst.Module) -> dict[str, Any]:
    """Module-level names assigned exactly once, to a value known statically (`ID = "mcp::x"`)."""
    assigned: dict[str, list[cst.BaseExpression]] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    assigned.setdefault(target.value, []).append(small.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                assigned.setdefault(small.target.value, []).append(small.value)
    constants: dict[str, Any] = {}
    for name, values in assigned.items():
        if len(values) == 1:
            value = static_value(values[0], constants)
            if value is not _UNKNOWN:
                constants[name] = value
    return constants


def static_value(node: cst.BaseExpression, constants: dict[str, Any]) -> Any:
    """The value of a literal, a known constant, or a container of those; `_UNKNOWN` otherwise."""
    if isinstance(node, cst.Name):
        builtins = {"True": True, "False": False, "None": None}
        return builtins.get(node.value, constants.get(node.value, _UNKNOWN))
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.UnaryOperation)):
        # In parentheses: implicitly concatenated strings may be written over several lines.
        try:
            with warnings.catch_warnings():  # invalid escape sequences are the user's business
                warnings.simplefilter("ignore")
                return ast.literal_eval("(" + cst.Module([]).code_for_node(node) + ")")
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return _UNKNOWN
    if isinstance(node, (cst.List, cst.Tuple)):
        items = [static_value(e.value, constants) if isinstance(e, cst.Element) else _UNKNOWN for e in node.elements]
        if any(item is _UNKNOWN for item in items):
            return _UNKNOWN
        return items if isinstance(node, cst.List) else tuple(items)
    if isinstance(node, cst.Dict):
        result: dict[Any, Any] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return _UNKNOWN
            key, value = static_value(element.key, constants), static_value(element.value, constants)
            if key is _UNKNOWN or value is _UNKNOWN:
                return _UNKNOWN
            result[key] = value
        return result
    return _UNKNOWN


def dict_item(site: PythonSite, node: cst.BaseExpression, key: str) -> Value | None:
    """`{"uri": settings.url}` and key "uri" -> the Value of `settings.url` (None: no such key)."""
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and static_value(element.key, site.constants) == key:
                return _value(site, element.value)
        return None
    known = static_value(node, site.constants)
    if isinstance(known, dict):
        return Value(f"{site.code(node)}[{key!r}]", True, known[key]) if key in known else None
    return Value(f"{site.code(node)}[{key!r}]", False)


#: The keywords that carry a raw-HTTP call's JSON body (`requests.post(url, json=...)`, `client.post(path, body=...)`).
_BODY_KEYWORDS = ("json", "body")


def json_nodes(site: PythonSite) -> dict[str, cst.BaseExpression] | None:
    """The items of a raw-HTTP call's JSON body by key, when it is a dict literal or a constant; else None."""
    node = keyword_nodes(site).get(next((k for k in _BODY_KEYWORDS if k in keyword_nodes(site)), ""))
    if isinstance(node, cst.Dict):
        items: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return None  # `**other`: the body is only known at run time
            key = static_value(element.key, site.constants)
            if not isinstance(key, str):
                return None
            items[key] = element.value
        return items
    known = static_value(node, site.constants) if node is not None else _UNKNOWN
    if isinstance(known, dict) and all(isinstance(key, str) for key in known):
        return {key: cst.parse_expression(repr(value)) for key, value in known.items()}
    return None


def attribute_path(func: cst.BaseExpression) -> tuple[str, ...]:
    """`client.with_raw_response.models.retrieve` -> ('models', 'retrieve'): the attribute names of a callee
    (its root name left out), the SDK's response wrappers too."""
    names: list[str] = []
    while isinstance(func, cst.Attribute):
        if func.attr.value not in SDK_WRAPPERS:
            names.append(func.attr.value)
        func = func.value
    return tuple(reversed(names))


def value_of(site: PythonSite, node: cst.BaseExpression) -> Value:
    """An expression's Value: known when it is a literal or a constant (or a container of those)."""
    return _value(site, node)


def keyword_arguments(site: PythonSite) -> dict[str, Value]:
    return {
        arg.keyword.value: _value(site, arg.value)
        for arg in site.call.args
        if arg.keyword is not None and arg.star == ""
    }


def keyword_nodes(site: PythonSite) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in site.call.args if arg.keyword is not None and arg.star == ""}


def positional_arguments(site: PythonSite) -> list[Value]:
    return [_value(site, arg.value) for arg in site.call.args if arg.keyword is None and arg.star == ""]


def identifier_argument(site: PythonSite) -> Value | None:
    """The one identifier an unregister call takes, positionally or by its keyword."""
    positional = positional_arguments(site)
    if positional:
        return positional[0]
    id_param = site.rule.sdk.id_param
    return keyword_arguments(site).get(id_param) if id_param else None


def _value(site: PythonSite, node: cst.BaseExpression) -> Value:
    code = site.code(node)
    value = static_value(node, site.constants)
    if value is _UNKNOWN:
        return Value(code, False)
    return Value(code, True, value, literal=static_value(node, {}) is not _UNKNOWN)


def build_identifier(template: IdentifierTemplate, arguments: dict[str, Value]) -> Value | str:
    """The identifier expression for `template` (e.g. `{provider_id}/{provider_model_id|model_id}`).

    Literal arguments are written in place; constants and run-time values become f-string fields.
    The Value is `known` when every part is known statically. Returns the reason as a string when
    a field is missing from the call. A `prefix_once` template whose last value is known only at run
    time becomes a conditional expression (`m if m.startswith("vllm/") else f"vllm/{m}"`).
    """
    pieces: list[Value] = []  # the literal text and the chosen argument of each part, in order
    for part in template.parts:
        if isinstance(part, str):
            pieces.append(Value(string_literal(part), True, part, literal=True))
            continue
        name = part.choose(arguments)
        if name is None:
            names = " or ".join(f"`{n}`" for n in part.names)
            return f"the call does not give {names}, which the identifier is made of"
        choice = arguments[name]
        if choice.known and not isinstance(choice.value, str):
            return f"{choice.code} is not a string"
        pieces.append(choice)
    if not template.prefix_once:
        return join_strings(pieces)
    prefix, last = pieces[:-1], pieces[-1]
    if last.known and all(piece.known for piece in prefix):
        text = "".join(str(piece.value) for piece in prefix)
        return join_strings([last] if str(last.value).startswith(text) else pieces)
    if last.known and template.prefix_literal not in str(last.value):
        return join_strings(pieces)  # it cannot already hold the prefix
    whole, start = join_strings(pieces), join_strings(prefix)
    if isinstance(whole, str) or isinstance(start, str):
        return whole if isinstance(whole, str) else str(start)
    return Value(f"{last.code} if {last.code}.startswith({start.code}) else {whole.code}", False)


def join_strings(pieces: list[Value]) -> Value | str:
    """One string expression of the pieces: a literal when all are literal, a constant naming a string
    on its own, else an f-string (an f-string piece's fields join it); or why none can be written."""
    if len(pieces) == 1 and pieces[0].known and isinstance(pieces[0].value, str) and not pieces[0].literal:
        return pieces[0]
    code_parts: list[tuple[bool, str]] = []  # (is code, text)
    for piece in pieces:
        inner = _fstring_body(piece.code)
        if inner is not None:  # an f-string argument: its fields join the identifier's f-string
            code_parts.append((True, inner))
        elif piece.literal:
            code_parts.append((False, str(piece.value)))
        else:
            code_parts.append((True, "{" + piece.code + "}"))
    known = all(piece.known for piece in pieces)
    value = "".join(str(piece.value) for piece in pieces) if known else None
    if not any(is_code for is_code, _ in code_parts):
        text = "".join(text for _, text in code_parts)
        return Value(string_literal(text), True, text, literal=True)
    quote = next((q for q in ('"', "'") if not any(q in text for is_code, text in code_parts if is_code)), None)
    if quote is None:
        return "the identifier's parts use both quote characters; write the f-string by hand"
    body = "".join(
        text if is_code else text.replace("{", "{{").replace("}", "}}").replace(quote, "\\" + quote)
        for is_code, text in code_parts
    )
    return Value(f"f{quote}{body}{quote}", value is not None, value)


def _fstring_body(code: str) -> str | None:
    """The inside of a plain one-line f-string literal (`f"{name}-x"` -> `{name}-x`), else None."""
    stripped = code.strip()
    if len(stripped) < 3 or stripped[0] not in "fF" or stripped[1] not in "\"'" or stripped[-1] != stripped[1]:
        return None
    body = stripped[2:-1]
    if stripped[1:4] in ('"""', "'''") or "\n" in body:
        return None
    try:
        node = cst.parse_expression(stripped)
    except cst.ParserSyntaxError:
        return None
    return body if isinstance(node, cst.FormattedString) else None


def string_literal(text: str) -> str:
    """`text` as a double-quoted Python string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
