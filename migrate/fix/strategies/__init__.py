"""Rewrite strategies: a small closed set, one module each, chosen by the rule's per-target data.

Every strategy answers two questions. `blocker(hit, rule, plan)` says, from what the scan saw, why
`fix` cannot rewrite a finding (None: it can); `scan` reports that as the finding's `fixable`.
`rewrite(site)` builds the rewrite of one Python call from its libcst node.
"""

from __future__ import annotations

from types import ModuleType

from migrate.findings import Hit
from migrate.rules import Language, Rule, TargetPlan


def _modules() -> dict[str, ModuleType]:
    from migrate.fix.strategies import declare_and_read, declare_connector, remove_statement, rename_namespace

    return {
        "rename-namespace": rename_namespace,
        "declare-and-read": declare_and_read,
        "declare-connector": declare_connector,
        "remove-statement": remove_statement,
    }


def strategy_module(plan: TargetPlan) -> ModuleType | None:
    """The module implementing the plan's strategy; None for `keep` and `manual`."""
    return _modules().get(plan.strategy)


def blocker(hit: Hit, rule: Rule, plan: TargetPlan, language: Language) -> str | None:
    """Why `fix` cannot rewrite this hit on the plan's target, or None when it can."""
    if plan.strategy == "keep":
        return "the target still serves this operation"
    module = strategy_module(plan)
    if module is None:
        return "no replacement on this target"
    if hit.surface == "config":  # run-config blocks: tool_groups become connectors
        return None if plan.strategy == "declare-connector" else "the target has no such block"
    if language in ("markdown", "shell", "yaml") and (plan.strategy != "rename-namespace" or hit.http_path is None):
        return "documentation and scripts are only rewritten for path renames; the replacement is shown"
    reason: str | None = module.blocker(hit, rule, plan)
    return reason
