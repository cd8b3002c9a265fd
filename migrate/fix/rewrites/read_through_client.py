"""`read-through-client` in Python: `client.tools.list(toolgroup_id=G)` becomes the client's `get` of the target's
route, its items made objects with the same fields again (`SimpleNamespace(**item)`)."""

from __future__ import annotations

from urllib.parse import quote

import libcst as cst

from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.rules import Translation
from migrate.strategies.common import UNKNOWN, known_value
from migrate.strategies.read_through_client import group_argument

#: What the rewrite imports: the objects the items become again.
NAMESPACE = ("types", "SimpleNamespace")


def rewrite(site: PythonSite) -> Rewrite | Manual:
    translate = site.plan.translate
    call = site.hit.call
    assert translate is not None and call is not None  # the rule loader and the blocker see to it
    keyword = group_argument(site.hit, translate)
    assert keyword is not None and len(site.call.args) == 1  # the blocker let only the group's keyword through
    receiver = _receiver(site.call, site.hit.sdk_path)
    if receiver is None:
        return Manual("the SDK method is not written in the call (a wrapper such as with_raw_response?)")
    if _binds_namespace_otherwise(site.module):
        return Manual(f"`{NAMESPACE[1]}` names something else in this module")
    group_node = site.call.args[0].value
    group = known_value(call, keyword)
    parameter = translate.query[keyword]
    builtin = site.naming is not None and site.naming.is_builtin(group)
    if builtin:
        route = f'"{site.rule.http.paths[0]}", options={{"params": {{"{parameter}": {site.code(group_node)}}}}}'
    else:
        path = _connector_path(translate, parameter, group_node, site.code(group_node))
        if path is None:
            return Manual("the group's expression cannot be written into an f-string: build the route by hand")
        route = path
    client = site.code(receiver)
    awaited = _awaited(site.module, site.call)
    got = f"{client}.get({route}, cast_to=object)"
    got = f"(await {got})" if awaited is not None else got
    expression = cst.parse_expression(f'[{NAMESPACE[1]}(**item) for item in {got}["data"]]')
    where = f"GET {site.rule.http.paths[0]}?{parameter}=" if builtin else _source(translate, parameter)
    note = f"reads {where} through the client; the listed items keep the legacy fields"
    safe = group is not UNKNOWN
    if not safe:
        note += " (the group, known only at run time, is taken for an MCP server's connector)"
    edits: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ((awaited, expression),) if awaited is not None else ()
    replacement = None if awaited is not None else expression
    return Rewrite(replacement, False, None, (), safe, note, edits, imports=(NAMESPACE,))


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


def _connector_path(translate: Translation, parameter: str, group: cst.BaseExpression, code: str) -> str | None:
    """The source's route with the group in it, as Python source: a literal where the call wrote one, else an
    f-string with the call's expression (a constant's name stays)."""
    template = _source(translate, parameter).split(" ", 1)[1]
    if isinstance(group, cst.SimpleString) and isinstance(value := group.evaluated_value, str):
        return '"' + template.replace("{" + parameter + "}", quote(value, safe=":@")) + '"'
    if any(character in code for character in '"\\\n{}'):
        return None
    return 'f"' + template.replace("{" + parameter + "}", "{" + code + "}") + '"'


def _awaited(module: cst.Module, call: cst.Call) -> cst.Await | None:
    finder = _AwaitFinder(call)
    module.visit(finder)
    return finder.found


class _AwaitFinder(cst.CSTVisitor):
    def __init__(self, call: cst.Call) -> None:
        self.call = call
        self.found: cst.Await | None = None

    def visit_Await(self, node: cst.Await) -> bool:
        if node.expression is self.call:
            self.found = node
        return self.found is None


def _binds_namespace_otherwise(module: cst.Module) -> bool:
    """Whether the name the items are made with means something else here than `types.SimpleNamespace`."""
    finder = _NameFinder()
    module.visit(finder)
    return finder.used and not finder.imported


class _NameFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.used = False
        self.imported = False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = node.module
        if isinstance(module, cst.Name) and module.value == NAMESPACE[0] and not isinstance(node.names, cst.ImportStar):
            self.imported |= any(alias.evaluated_name == NAMESPACE[1] and alias.asname is None for alias in node.names)
        return True

    def visit_Name(self, node: cst.Name) -> None:
        self.used |= node.value == NAMESPACE[1]
