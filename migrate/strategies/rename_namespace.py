"""`rename-namespace`: only the SDK namespace or the HTTP path moved (`datasets` -> `beta.datasets`).

A safe rewrite: the same operation under its new name. The shim forwards the call, at the new path
when the call used the old one. Path renames are plain text edits, made in Python string literals
and in scripts, docs and CI files alike (`rename_path_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.findings import Hit
from migrate.rules import TargetPlan
from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    hit = case.hit
    if hit.http_path is not None:
        if old_path(hit, case.plan) is None:
            return "the path already has its new name"
        return None if hit.rewritable else "the path is not written literally"
    if sdk_rename(hit, case.plan) is None:
        return "the namespace already has its new name"
    if hit.call is not None and hit.call.aliased:
        return "the namespace is reached through an alias; rename it where the alias is assigned"
    return None


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


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.rename_namespace import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.forward import answer

    return answer


STRATEGY = Strategy(
    name="rename-namespace",
    summary="Only the SDK namespace or the HTTP path moved: the call is renamed, in code, scripts and docs.",
    safe_when="always: the same operation under its new name",
    status="deprecated",
    operations=frozenset({"register", "unregister"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
)
