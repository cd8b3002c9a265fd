"""Raw-HTTP calls in Python, read and rewritten as their SDK twins are: the JSON body is the register's arguments,
the id in the URL the unregister's, and a register becomes the GET of the declared resource.

`requests.post(f"{BASE}/v1/models", json={...}, timeout=T)` -> `requests.get(f"{BASE}/v1/models/<id>", timeout=T)`:
the same client, base expression and keyword arguments, without the body, so code that reads the returned JSON
(`body["identifier"]`) keeps working. The scan decided that the call has a form edited here
(`migrate.sources.python_http`): a `.post` whose URL, written in the call, ends with the route's path.
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.callargs import Value, join_strings, json_nodes, string_literal, value_of
from migrate.fix.model import PythonSite


def json_arguments(site: PythonSite) -> dict[str, Value] | None:
    """The items of the call's JSON body, as the keyword arguments of the SDK call it stands for (None: unknown)."""
    nodes = json_nodes(site)
    return None if nodes is None else {name: value_of(site, node) for name, node in nodes.items()}


def read_call(site: PythonSite, identifier: Value, read_path: str) -> cst.Call | str:
    """The GET of `read_path` (`/v1/models/{identifier}`) that replaces the register call, or why there is none."""
    func = site.call.func
    route = site.hit.http_path
    if not isinstance(func, cst.Attribute) or route is None or not read_path.startswith(route):
        return "the call is not a method of an HTTP client posting to the register's path"
    tail = read_path[len(route) :].split("{identifier}", 1)[0]  # "/"
    args: list[cst.Arg] = []
    for index, arg in enumerate(site.call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword == "json":
            continue
        if (keyword is None and index == 0) or keyword == "url":
            url = _extended(site, arg.value, [Value(string_literal(tail), True, tail, literal=True), identifier])
            if isinstance(url, str):
                return url
            arg = arg.with_changes(value=url)
        args.append(arg)
    if args and args[-1] is not site.call.args[-1]:
        args[-1] = args[-1].with_changes(comma=site.call.args[-1].comma)  # the call's own trailing comma
    return site.call.with_changes(func=func.with_changes(attr=cst.Name("get")), args=args)


def _extended(site: PythonSite, url: cst.BaseExpression, pieces: list[Value]) -> cst.BaseExpression | str:
    """The URL expression with `pieces` appended to its last literal part (`BASE + "/v1/models"` ->
    `BASE + "/v1/models/vllm/x"`, `f"{BASE}/v1/models"` -> `f"{BASE}/v1/models/{MODEL}"`)."""
    if isinstance(url, cst.BinaryOperation) and isinstance(url.operator, cst.Add):
        right = _extended(site, url.right, pieces)
        return right if isinstance(right, str) else url.with_changes(right=right)
    joined = join_strings([value_of(site, url), *pieces])
    return joined if isinstance(joined, str) else cst.parse_expression(joined.code)


def url_id(site: PythonSite) -> Value | None:
    """The id an unregister's URL names, as the scan read it (`CallShape.id_code`, `known`); None: it names none."""
    call, id_param = site.hit.call, site.rule.sdk.id_param
    if call is None or call.id_code is None or id_param is None:
        return None
    if id_param not in call.known:
        return Value(call.id_code, False)
    value = call.known[id_param]
    if isinstance(value, str) and call.id_code == repr(value):  # written in the URL
        return Value(string_literal(value), True, value, literal=True)
    return Value(call.id_code, True, value)
