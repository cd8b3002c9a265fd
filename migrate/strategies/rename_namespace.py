"""`rename-namespace`: only the SDK namespace or the HTTP path moved (`datasets` -> `beta.datasets`).

A safe rewrite: the same operation under its new name. The shim forwards the call, at the new path
when the call used the old one. Path renames are plain text edits, made in Python string literals
and in scripts, docs and CI files alike (`renames.rename_path_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe
from migrate.strategies.renames import old_path, sdk_rename

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


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.rename_namespace import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.forward import answer

    return answer


STRATEGY = Strategy(
    name="rename-namespace",
    summary="Only the SDK namespace or the HTTP path moved: the call is renamed, in code, scripts and docs.",
    rewrites=(
        "`client.datasets.register(...)` -> `client.beta.datasets.register(...)`, `client.benchmarks.*` -> "
        "`client.alpha.benchmarks.*`; `/v1/datasets` -> `/v1beta/datasets`, `/v1/eval/benchmarks` -> "
        "`/v1alpha/eval/benchmarks` in Python string literals, curl lines, Markdown fences and CI files"
    ),
    safe_when="always: the same operation under its new name",
    statuses=frozenset({"deprecated", "served"}),
    operations=frozenset({"register", "unregister", "read", "call"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
)
