"""`rename-namespace` in Python: the namespace attributes of the call, or the path in its string literals."""

from __future__ import annotations

import libcst as cst

from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.rules import SDK_WRAPPERS
from migrate.strategies.renames import rename_path_text, sdk_rename


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
