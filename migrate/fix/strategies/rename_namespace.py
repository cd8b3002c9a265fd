"""`rename-namespace`: the SDK namespace or the HTTP path moved (`datasets` -> `beta.datasets`).

A safe rewrite: the same operation under its new name.
"""

from __future__ import annotations

import libcst as cst

from migrate.findings import Hit
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.registry import SDK_WRAPPERS
from migrate.rules import Rule, TargetPlan


def blocker(hit: Hit, rule: Rule, plan: TargetPlan) -> str | None:
    if hit.http_path is not None:
        old = _old_path(hit, plan)
        if old is None:
            return "the path already has its new name"
        return None if hit.rewritable else "the path is not written literally"
    if sdk_rename(hit, plan) is None:
        return "the namespace already has its new name"
    if hit.call is not None and hit.call.aliased:
        return "the namespace is reached through an alias; rename it where the alias is assigned"
    return None


def sdk_rename(hit: Hit, plan: TargetPlan) -> tuple[str, str] | None:
    """(old, new) dotted namespaces for an SDK hit that uses the old spelling."""
    namespace = ".".join(hit.sdk_path[:-1])
    new = plan.rename.get(namespace)
    return (namespace, new) if new is not None else None


def _old_path(hit: Hit, plan: TargetPlan) -> tuple[str, str] | None:
    for old, new in plan.rename.items():
        if old.startswith("/") and hit.http_path is not None and hit.http_path.startswith(old):
            return old, new
    return None


def rename_path_text(text: str, hit: Hit, plan: TargetPlan) -> str:
    """`text` with the hit's old path prefix replaced (only where a path segment boundary follows)."""
    pair = _old_path(hit, plan)
    if pair is None:
        return text
    old, new = pair
    out: list[str] = []
    index = 0
    while (found := text.find(old, index)) >= 0:
        end = found + len(old)
        boundary = end == len(text) or not (text[end].isalnum() or text[end] in "-_")
        out.append(text[index:found] + (new if boundary else old))
        index = end
    out.append(text[index:])
    return "".join(out)


def rewrite(site: PythonSite) -> Rewrite | Manual:
    if site.hit.http_path is not None:
        renamed = site.call.visit(_StringRenamer(site))
        assert isinstance(renamed, cst.Call)
        if renamed.deep_equals(site.call):
            return Manual("the old path is not in a string literal of the call")
        return Rewrite(renamed, False, None, (), True, "path renamed")
    pair = sdk_rename(site.hit, site.plan)
    assert pair is not None
    old, new = pair
    replaced = _rename_chain(site.call.func, old.split("."), new.split("."))
    if replaced is None:
        return Manual("the namespace is not written in the call")
    return Rewrite(site.call.with_changes(func=replaced), False, None, (), True, f"{old} -> {new}")


def _rename_chain(func: cst.BaseExpression, old: list[str], new: list[str]) -> cst.BaseExpression | None:
    """Replace the namespace attributes just before the verb (wrappers skipped)."""
    names: list[cst.Attribute] = []
    node = func
    while isinstance(node, cst.Attribute):
        names.append(node)
        node = node.value
    # names[0] is the verb; skip wrappers; then the namespace, innermost last
    index = 1
    while index < len(names) and names[index].attr.value in SDK_WRAPPERS:
        index += 1
    tail = [attribute.attr.value for attribute in names[index : index + len(old)]][::-1]
    if tail != old:
        return None
    base = names[index + len(old) - 1].value
    for name in new:
        base = cst.Attribute(value=base, attr=cst.Name(name))
    rebuilt: cst.BaseExpression = base
    for attribute in reversed(names[:index]):
        rebuilt = attribute.with_changes(value=rebuilt)
    return rebuilt


class _StringRenamer(cst.CSTTransformer):
    def __init__(self, site: PythonSite) -> None:
        self.site = site

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        return updated.with_changes(value=rename_path_text(updated.value, self.site.hit, self.site.plan))

    def leave_FormattedStringText(
        self, original: cst.FormattedStringText, updated: cst.FormattedStringText
    ) -> cst.FormattedStringText:
        return updated.with_changes(value=rename_path_text(updated.value, self.site.hit, self.site.plan))
