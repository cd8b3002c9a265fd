"""How a plan's `rename` table applies to a hit: the old and new SDK namespace or path prefix.

Shared by the `rename-namespace` strategy (scan), its libcst rewrite and fix's text edits (scripts,
docs), and the judgement that a renamed spelling breaks on the target.
"""

from __future__ import annotations

from migrate.findings import Hit
from migrate.rules import TargetPlan


def sdk_rename(hit: Hit, plan: TargetPlan) -> tuple[str, str] | None:
    """(old, new) dotted namespaces for an SDK hit that uses the old spelling."""
    namespace = ".".join(hit.sdk_path[:-1])
    new = plan.rename.get(namespace)
    return (namespace, new) if new is not None else None


def old_path(hit: Hit, plan: TargetPlan) -> tuple[str, str] | None:
    """(old, new) path prefixes for an HTTP hit that uses the old path."""
    for old, new in plan.rename.items():
        if old.startswith("/") and hit.http_path is not None and hit.http_path.startswith(old):
            return old, new
    return None


def renamed_away(hit: Hit, plan: TargetPlan) -> bool:
    """Whether the hit spells the operation the way the plan renamed (it breaks there, route or not)."""
    if plan.strategy != "rename-namespace":
        return False
    if hit.http_path is not None:
        return old_path(hit, plan) is not None
    dotted = ".".join(hit.sdk_path)
    return any(dotted == old or dotted.startswith(old + ".") for old in plan.rename if not old.startswith("/"))


def rename_path_text(text: str, hit: Hit, plan: TargetPlan) -> str:
    """`text` with the hit's old path prefix replaced (only where a path segment boundary follows)."""
    pair = old_path(hit, plan)
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
