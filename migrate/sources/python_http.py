"""The form of a raw-HTTP register or unregister call that `fix` can rewrite, read from the `ast`.

`fix` turns `requests.post(f"{BASE}/v1/models", json={...}, timeout=T)` into the read of the declared model
(`requests.get(f"{BASE}/v1/models/<id>", timeout=T)`) and drops `requests.delete(f"{BASE}/v1/models/{MODEL}")`.
It edits the URL where the call writes it, so the call must spell it out: a literal, an f-string or a `+`
concatenation whose last literal part holds the route's path (`BASE + "/v1/models"`). A URL built elsewhere, a
body that is not `json=`, a generic `request("POST", ...)` are left for a human: the scan says why here, once,
and `fix` (`migrate.fix.rewrites.raw_http`) reads the same parts with libcst.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrate.routes import Route

#: The method of an HTTP client that sends each rewritten verb (requests, httpx, aiohttp: module, Session, Client).
_VERB_METHODS = {"POST": "post", "DELETE": "delete"}
#: A call that only checks the response it is given: `resp.raise_for_status()` (requests, httpx).
_CHECKS = frozenset({"raise_for_status"})


@dataclass(frozen=True)
class RawForm:
    """Why a raw-HTTP call cannot be rewritten (`unfit`), or the parts `fix` needs from it.

    `body` is a register's `json=` argument; an unregister names its resource in the URL, either as an
    expression after the route's prefix (`id_node`: `f"{BASE}/v1/models/{MODEL}"`) or as literal text (`id_text`).
    """

    unfit: str | None
    body: ast.expr | None = None
    id_node: ast.expr | None = None
    id_text: str | None = None


def raw_form(call: ast.Call, method: str, route: Route) -> RawForm:
    """What `fix` can take from a raw-HTTP call that the matcher found on `route` (a register or unregister)."""
    verb = _VERB_METHODS.get(method)
    if verb is None or not isinstance(call.func, ast.Attribute) or call.func.attr != verb:
        verbs = " and ".join(f"`.{name}(...)`" for name in _VERB_METHODS.values())
        return RawForm(f"only the {verbs} of an HTTP client (requests, httpx: module, Session or Client) is rewritten")
    if route.legacy:
        return RawForm(f"a 0.2-era path ({route.template}): rewrite it by hand")
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
        return RawForm("arguments unpacked with * or ** are only known at run time")
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
    if len(call.args) == 1 and "url" not in keywords:
        url = call.args[0]
    elif not call.args and "url" in keywords:
        url = keywords["url"]
    else:
        return RawForm("the call passes more than its URL positionally")
    prefix = route.template.split("{", 1)[0]
    literal, after = last_literal(url)
    written = (
        "the URL is not written in the call as a string, an f-string or a `+` concatenation whose last part is "
        f"{prefix}{'…' if prefix != route.template else ''}"
    )
    if prefix == route.template:  # a register: the URL ends with the route
        if literal is None or after is not None or not literal.endswith(route.template):
            return RawForm(written)
        if "json" not in keywords:
            return RawForm("the body is not passed as `json=`")
        return RawForm(None, body=keywords["json"])
    if literal is None:
        return RawForm(written)
    if after is not None:
        return RawForm(None, id_node=after) if literal.endswith(prefix) else RawForm(written)
    start = literal.find(prefix)
    identifier = literal[start + len(prefix) :] if start >= 0 else ""
    one_segment = ":path}" not in route.template
    if not identifier or any(c in identifier for c in "?#") or (one_segment and "/" in identifier):
        return RawForm(written)
    return RawForm(None, id_text=identifier)


def last_literal(url: ast.expr) -> tuple[str | None, ast.expr | None]:
    """The last literal text of a URL expression and the one expression after it (None: none follows).

    `f"{BASE}/v1/models"` -> ("/v1/models", None); `f"{BASE}/v1/models/{m}"` and `BASE + "/v1/models/" + m`
    -> ("/v1/models/", m); (None, None) for a URL that does not end in literal text or one plain expression.
    """
    if isinstance(url, ast.Constant):
        return (url.value, None) if isinstance(url.value, str) else (None, None)
    if isinstance(url, ast.JoinedStr):
        values = url.values
        if values and isinstance(values[-1], ast.Constant) and isinstance(values[-1].value, str):
            return values[-1].value, None
        if (
            len(values) > 1
            and isinstance(values[-1], ast.FormattedValue)
            and values[-1].conversion == -1
            and values[-1].format_spec is None
            and isinstance(values[-2], ast.Constant)
            and isinstance(values[-2].value, str)
        ):
            return values[-2].value, values[-1].value
        return None, None
    if isinstance(url, ast.BinOp) and isinstance(url.op, ast.Add):
        if isinstance(url.right, (ast.Constant, ast.JoinedStr)):
            return last_literal(url.right)
        literal, after = last_literal(url.left)  # `BASE + "/v1/models/" + model_id`
        return (literal, url.right) if literal is not None and after is None else (None, None)
    return None, None


def wrapped_call(node: ast.expr, candidates: Collection[str]) -> tuple[ast.Call, str | None] | None:
    """The call that a check of its answer alone is made of, and the function that checks it: `ok(<call>)` where
    `ok` is one of the module's `candidates` (`checker_candidates`; whether it only checks is `only_checks`),
    `<call>.raise_for_status()` (None: no function); awaited or not.

    A statement made of such checks around a raw-HTTP call does nothing but that call: when the call goes, the
    statement goes. Any other wrapper may keep the answer (`items.append(<call>)`, `print(<call>)`): the call stays.
    `migrate.fix.python` unwraps the same forms with libcst.
    """
    node = node.value if isinstance(node, ast.Await) else node
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    checker: str | None = None
    if len(node.args) == 1 and isinstance(node.func, ast.Name) and node.func.id in candidates:
        inner, checker = node.args[0], node.func.id
    elif not node.args and isinstance(node.func, ast.Attribute) and node.func.attr in _CHECKS:
        inner = node.func.value
    else:
        return None
    inner = inner.value if isinstance(inner, ast.Await) else inner
    return (inner, checker) if isinstance(inner, ast.Call) else None


Function = ast.FunctionDef | ast.AsyncFunctionDef


def checker_candidates(module: ast.Module) -> dict[str, Function]:
    """The module's functions that may only check the answer they are given, by their signature alone: defined
    once at module level, undecorated, with one positional parameter (their bodies are read only for the calls
    that need it: `only_checks`)."""
    defined: dict[str, list[Function]] = {}
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.setdefault(node.name, []).append(node)
    candidates: dict[str, Function] = {}
    for name, nodes in defined.items():
        arguments = nodes[0].args
        plain = not (arguments.vararg or arguments.kwarg or arguments.kwonlyargs or nodes[0].decorator_list)
        if len(nodes) == 1 and plain and len(arguments.posonlyargs) + len(arguments.args) == 1:
            candidates[name] = nodes[0]
    return candidates


def only_checks(function: Function) -> bool:
    """Whether a candidate only checks the answer it is given and returns what it reads of it.

    `def ok(response): response.raise_for_status(); return response.json()`: its parameter is read only through
    its attributes (`response.status_code`, `response.json()`), and it calls nothing but the parameter's methods
    (a `raise` statement may build its exception).
    """
    name = [*function.args.posonlyargs, *function.args.args][0].arg
    read = {id(node.value) for node in ast.walk(function) if isinstance(node, ast.Attribute)}
    methods = {
        id(node)
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
    }
    raised = {
        id(node) for statement in ast.walk(function) if isinstance(statement, ast.Raise) for node in ast.walk(statement)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == name and id(node) not in read:
            return False  # the answer itself is passed on, stored or rebound
        if isinstance(node, ast.Call) and id(node) not in methods and id(node) not in raised:
            return False
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom)):
            return False
    return True
