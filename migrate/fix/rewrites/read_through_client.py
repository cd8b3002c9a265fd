"""`read-through-client` in Python: a read the fixed code's SDK has no method for becomes the client's `get` of the
target's route, its items made objects again: `client.tools.list(toolgroup_id=G)` -> `[SimpleNamespace(**item) for
item in client.get(f"/v1beta/connectors/{G}/tools", cast_to=object)["data"]]`; `client.toolgroups.list()` -> each
connector made the legacy `ToolGroup` (`SimpleNamespace(identifier=item["connector_id"], ...)`) as the rule's
translation maps its fields."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import libcst as cst

from migrate.fix.callargs import Value, join_strings, string_literal, value_of
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.legacy_spec import legacy_spec
from migrate.rules import ItemSource, Translation
from migrate.strategies.common import UNKNOWN, group_argument, known_value, mapped_source

#: What the rewrite imports: the objects the items become again.
NAMESPACE = ("types", "SimpleNamespace")


def rewrite(site: PythonSite) -> Rewrite | Manual:
    translate = site.plan.translate
    assert translate is not None and site.hit.call is not None  # the rule loader and the blocker see to it
    if site.hit.surface == "http":
        return _rewrite_raw(site, translate)
    receiver = _receiver(site.call, site.hit.sdk_path)
    if receiver is None:
        return Manual("the SDK method is not written in the call (a wrapper such as with_raw_response?)")
    facts = _facts(site.module)
    if facts.binds_namespace_otherwise:
        return Manual(f"`{NAMESPACE[1]}` names something else in this module")
    awaited = facts.awaits.get(id(site.call))
    reading = _tool_listing(site, translate) if translate.query else _resource_read(site, translate)
    if isinstance(reading, Manual):
        return reading
    route, build, note, safe = reading
    got = f"{site.code(receiver)}.get({route}, cast_to=object)"
    expression = cst.parse_expression(build.format(got=f"(await {got})" if awaited is not None else got))
    if awaited is not None:  # the awaited call's parentheses stay: `(await c.toolgroups.get(g)).x`
        expression = expression.with_changes(lpar=awaited.lpar, rpar=awaited.rpar)
    edits: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ((awaited, expression),) if awaited is not None else ()
    replacement = None if awaited is not None else expression
    return Rewrite(replacement, False, None, (), safe, note, edits, imports=(NAMESPACE,))


#: What a read becomes: the route's Python source, the expression around `{got}` (the client's `get` of it),
#: the note, and whether the rewrite is safe.
Reading = tuple[str, str, str, bool]


def _tool_listing(site: PythonSite, translate: Translation) -> Reading | Manual:
    """`tools.list(toolgroup_id=G)`: the group's listing at the connector route, or a built-in group's at the
    legacy route the target still serves; each item made an object with its own keys."""
    call = site.hit.call
    keyword = group_argument(site.hit, translate)
    assert call is not None and keyword is not None and len(site.call.args) == 1  # the blocker: the group alone
    group_node = site.call.args[0].value
    group = known_value(call, keyword)
    parameter = translate.query[keyword]
    if site.naming is not None and site.naming.is_builtin(group):
        route = f'"{site.rule.http.paths[0]}", options={{"params": {{"{parameter}": {site.code(group_node)}}}}}'
        where = f"GET {site.rule.http.paths[0]}?{parameter}="
    else:
        read = _source(translate, parameter)
        path = _path(site, read.split(" ", 1)[1], parameter, group_node)
        if path is None:
            return Manual("the group's expression cannot be written into the route: build the route by hand")
        route, where = path, read
    note = f"reads {where} through the client; the listed items keep the legacy fields"
    if group is UNKNOWN:
        note += " (the group, known only at run time, is taken for an MCP server's connector)"
    return route, f'[{NAMESPACE[1]}(**item) for item in {{got}}["data"]]', note, group is not UNKNOWN


def _resource_read(site: PythonSite, translate: Translation) -> Reading | Manual:
    """`toolgroups.list()` / `toolgroups.get(G)`: the connectors listing or one connector, each made the legacy
    object as the translation's first mapped source says (`identifier` from `connector_id`, constants)."""
    source = mapped_source(translate)
    assert source is not None and source.path is not None  # the blocker saw to it
    made = _namespace(_legacy_fields(source, translate.shape))
    unlisted = ", ".join(other.read for other in translate.sources if other is not source)
    if not site.call.args:
        note = f"reads {source.read} through the client, each item made the legacy {translate.shape}"
        if unlisted:
            note += f" (what the target serves as {unlisted} is not in it: check the code needs none of it)"
        return f'"{source.path}"', f'[{made} for item in {{got}}["data"]]', note, not unlisted
    call, id_param = site.hit.call, site.rule.sdk.id_param
    assert call is not None and id_param is not None and source.item is not None and len(site.call.args) == 1
    node = site.call.args[0].value
    path = _path(site, source.item.split(" ", 1)[1], id_param, node)
    if path is None:
        return Manual("the id's expression cannot be written into the route: build the route by hand")
    note = f"reads {source.item} through the client, made the legacy {translate.shape}"
    known = id_param in call.known
    if not known:
        note += f" (the id, known only at run time, is taken for one that {source.read} lists: a built-in one is not)"
    return path, f"next({made} for item in [{{got}}])", note, known


def _legacy_fields(source: ItemSource, shape: str) -> dict[str, object]:
    """The legacy object's fields as a tree of Python source: `{"identifier": 'item["connector_id"]',
    "mcp_endpoint": {"uri": 'item["url"]'}, "type": '"tool_group"', "args": "None"}`, in the order of the legacy
    schema's properties; a property the source does not fill is None, as the legacy SDK gives an absent one."""
    properties = list(legacy_spec()["components"]["schemas"][shape]["properties"])
    tree: dict[str, object] = {name: "None" for name in properties}
    written = [(legacy, "item" + "".join(f'["{part}"]' for part in upstream.split("."))) for legacy, upstream in
               source.fields.items()]  # fmt: skip
    written += [(legacy, string_literal(value) if isinstance(value, str) else repr(value)) for legacy, value in
                source.constants.items()]  # fmt: skip
    for legacy, code in written:
        *parents, name = legacy.split(".")
        node = tree
        for parent in parents:
            child = node.get(parent)
            node[parent] = node = child if isinstance(child, dict) else {}
        node[name] = code
    return tree


def _namespace(tree: dict[str, object]) -> str:
    fields = ", ".join(
        f"{name}={_namespace(value) if isinstance(value, dict) else value}" for name, value in tree.items()
    )
    return f"{NAMESPACE[1]}({fields})"


def _receiver(call: cst.Call, sdk_path: tuple[str, ...]) -> cst.BaseExpression | None:
    """The client of `<client>.tools.list(...)`: the call's function without the SDK method path."""
    node: cst.BaseExpression = call.func
    for name in reversed(sdk_path):
        if not (isinstance(node, cst.Attribute) and node.attr.value == name):
            return None
        node = node.value
    return node


def _source(translate: Translation, parameter: str) -> str:
    """The translation's read that lists one group's items (`GET /v1beta/connectors/{toolgroup_id}/tools`)."""
    return next(source.read for source in translate.sources if parameter in source.placeholders)


def _path(site: PythonSite, template: str, parameter: str, node: cst.BaseExpression) -> str | None:
    """`template` with `{parameter}` filled by the call's argument, as Python source (`join_strings`: a literal
    where the call wrote one, percent-encoded as the shim does; else an f-string that keeps a constant's name);
    None where no string expression can hold it."""
    before, after = template.split("{" + parameter + "}")
    value = value_of(site, node)
    if value.literal and isinstance(value.value, str):
        value = _literal(quote(value.value, safe=":@"))
    joined = join_strings([_literal(before), value, _literal(after)])
    return None if isinstance(joined, str) else joined.code


def _literal(text: str) -> Value:
    return Value(string_literal(text), True, text, literal=True)


@dataclass(frozen=True)
class _ModuleFacts:
    """What every read rewritten in one module asks of it, gathered in one walk (not one per call)."""

    #: id(awaited expression) -> its `await`.
    awaits: dict[int, cst.Await]
    #: The name the items are made with means something else here than `types.SimpleNamespace`.
    binds_namespace_otherwise: bool


@lru_cache(maxsize=1)  # libcst nodes hash by identity: the module being fixed, held until the next one
def _facts(module: cst.Module) -> _ModuleFacts:
    finder = _FactFinder()
    module.visit(finder)
    return _ModuleFacts(finder.awaits, finder.used and not finder.imported)


class _FactFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.awaits: dict[int, cst.Await] = {}
        self.used = False
        self.imported = False

    def visit_Await(self, node: cst.Await) -> None:
        self.awaits[id(node.expression)] = node

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = node.module
        if isinstance(module, cst.Name) and module.value == NAMESPACE[0] and not isinstance(node.names, cst.ImportStar):
            self.imported |= any(alias.evaluated_name == NAMESPACE[1] and alias.asname is None for alias in node.names)

    def visit_Name(self, node: cst.Name) -> None:
        self.used |= node.value == NAMESPACE[1]


def _rewrite_raw(site: PythonSite, translate: Translation) -> Rewrite | Manual:
    """`requests.get(f"{BASE}/v1/tools", params={"toolgroup_id": G})` ->
    `requests.get(f"{BASE}/v1beta/connectors/{G}/tools")`: the same client, base and other keywords, the group
    in the path instead of the query; the listed items keep their keys."""
    call, route = site.hit.call, site.hit.http_path
    assert call is not None and route is not None
    keyword = next(name for name in translate.query if name in call.keywords)  # the blocker: the only parameter
    source = _source(translate, translate.query[keyword])
    before, after = source.split(" ", 1)[1].split("{" + translate.query[keyword] + "}")
    params = next((arg for arg in site.call.args if arg.keyword is not None and arg.keyword.value == "params"), None)
    url = next(
        (arg for index, arg in enumerate(site.call.args)
         if (arg.keyword is None and index == 0) or (arg.keyword is not None and arg.keyword.value == "url")),
        None,
    )  # fmt: skip
    group = _item(params.value, keyword) if params is not None and isinstance(params.value, cst.Dict) else None
    if url is None or group is None:
        return Manual("the URL and the group's query parameter (`params={...}`) are not written in the call")
    rebuilt = _with_group(url.value, route, (before, after), group, site.code(group))
    if isinstance(rebuilt, str):
        return Manual(rebuilt)
    args = [arg.with_changes(value=rebuilt) if arg is url else arg for arg in site.call.args if arg is not params]
    if args[-1] is not site.call.args[-1]:
        args[-1] = args[-1].with_changes(comma=site.call.args[-1].comma)  # the call's own trailing comma
    return Rewrite(site.call.with_changes(args=args), False, None, (), True, f"reads {source} instead")


def _item(params: cst.Dict, key: str) -> cst.BaseExpression | None:
    for element in params.elements:
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            continue
        if element.key.evaluated_value == key:
            return element.value
    return None


def _with_group(
    url: cst.BaseExpression, route: str, path: tuple[str, str], group: cst.BaseExpression, code: str
) -> cst.BaseExpression | str:
    """The URL with the route at its end replaced by `path` around the group (`/v1beta/connectors/` G `/tools`), or
    why it cannot be written: a literal group joins the text, another one becomes an f-string field."""
    if isinstance(url, cst.BinaryOperation) and isinstance(url.operator, cst.Add):
        right = _with_group(url.right, route, path, group, code)
        return right if isinstance(right, str) else url.with_changes(right=right)
    literal = group.evaluated_value if isinstance(group, cst.SimpleString) else None
    middle = quote(literal, safe=":@") if isinstance(literal, str) else None
    if isinstance(url, cst.SimpleString) and url.prefix == "" and isinstance(text := url.evaluated_value, str):
        if not text.endswith(route) or "{" in text or "}" in text or url.quote[0] in text or "\\" in url.value:
            return "the URL does not end with the route's path"
        head = text[: -len(route)] + path[0]
        if middle is not None:
            return url.with_changes(value=f"{url.quote}{head}{middle}{path[1]}{url.quote}")
        if any(character in code for character in f"{url.quote[0]}\\\n{{}}"):
            return "the group's expression cannot be written into an f-string: build the URL by hand"
        return cst.parse_expression(f"f{url.quote}{head}{{{code}}}{path[1]}{url.quote}")
    if (
        isinstance(url, cst.FormattedString)
        and url.parts
        and isinstance(last := url.parts[-1], cst.FormattedStringText)
    ):
        if not last.value.endswith(route):
            return "the URL does not end with the route's path"
        head = last.value[: -len(route)] + path[0]
        if middle is not None:
            tail: list[cst.BaseFormattedStringContent] = [cst.FormattedStringText(head + middle + path[1])]
        elif any(character in code for character in f"{url.quote[-1]}\\\n{{}}"):
            return "the group's expression cannot be written into an f-string: build the URL by hand"
        else:
            field = cst.FormattedStringExpression(expression=group)
            tail = [cst.FormattedStringText(head), field, cst.FormattedStringText(path[1])]
        return url.with_changes(parts=[*url.parts[:-1], *tail])
    return "the URL is not a string literal, an f-string or a `+` of them"
