"""Judge a matcher's hit for a target: severity, message, and what `fix` can do with it.

The verdict comes from the rule's plan for the target and its strategy's `blocker` and
`applicability`, read from what the scan saw (`Hit`, `CallShape`); nothing is parsed again, and the
rewrites themselves (libcst) are never imported here. The surface a hit was found in limits what
`fix` can rewrite there (`Source.fixes`).
"""

from __future__ import annotations

from migrate.findings import Finding, FixInfo, Hit
from migrate.registry import RuleSet
from migrate.rules import Language
from migrate.sources import FixKind, source_of
from migrate.strategies import STRATEGIES
from migrate.strategies.model import Case
from migrate.strategies.renames import renamed_away
from migrate.targets import TargetName

_SCRIPTS = "documentation and scripts are only rewritten for path renames; the replacement is shown"


def breaks(hit: Hit, target: TargetName, ruleset: RuleSet) -> bool:
    """Whether the hit is a finding on `target`: every deprecated operation is; a read only where it breaks; a
    run-config entry only where the target ignores its block.

    A read the target serves (`served`) breaks only where it is spelled the way the target renamed
    (`client.datasets.list()` on 0.7, which has `client.beta.datasets`); one whose strategy says the code
    already reads what the target's SDK gives (`Strategy.settled`) does not break.
    """
    plan = hit.rule.targets[target]
    settled = STRATEGIES[plan.strategy].settled
    if settled is not None and settled(Case(hit, plan, ruleset.naming(hit.rule, target))):
        return False  # it already reads what the target's SDK gives
    if hit.rule.operation == "config":
        return plan.status == "removed"  # an entry of a block the target no longer reads
    return hit.rule.operation != "read" or plan.status == "removed" or renamed_away(hit, plan)


def judge(hit: Hit, ruleset: RuleSet, target: TargetName, path: str, language: Language, source_line: str) -> Finding:
    """Turn a matcher's hit into a finding for `target` (severity, fix applicability, message).

    The message is one short line, the rule's title and its verdict on the target, as ruff's are: what
    to do is the rule's guidance for the target, shown by `--format full`, `rule ID` and SARIF's help,
    not repeated in every finding.
    """
    rule = hit.rule
    plan = rule.targets[target]
    # An SDK namespace or path that the target renamed breaks there, even if the route lives on.
    renamed = renamed_away(hit, plan)
    verdict = "removed" if plan.status == "removed" else "renamed" if renamed else "deprecated"
    if rule.operation == "pin":
        verdict = "outdated"  # the project pins an SDK older than the one the fixed code needs
    message = f"{rule.summary} {verdict} on {target}"
    if rule.operation == "config":  # not a call: the target's server does not read the entry
        message = f"{rule.summary} ignored by {target}"
    if rule.providers is not None:  # a setting the target's server names differently, or has no more
        message = f"{rule.summary} {rule.providers.change} on {target}"
    fix = fix_info(Case(hit, plan, ruleset.naming(rule, target)), source_of(language).fixes)
    return Finding(
        path=path,
        line=hit.line,
        column=hit.column + 1,
        end_line=hit.end_line,
        end_column=hit.end_column + 1,
        cell=hit.cell,
        rule=rule.id,
        resource=rule.resource,
        operation=rule.operation,
        surface=hit.surface,
        language=language,
        confidence=hit.confidence,
        severity="error" if plan.status == "removed" or renamed else "warning",
        fixable=fix.applicability != "manual",
        fix=fix,
        message=message,
        detail=hit.detail,
        source=source_line,
        fingerprint="",
    )


def fix_info(case: Case, fixes: FixKind) -> FixInfo:
    """What `fix` does with the case in a file whose surface it rewrites as `fixes`."""
    strategy = STRATEGIES[case.plan.strategy]
    hit = case.hit
    reason: str | None
    if hit.surface == "config" and strategy.migrates_config is not None:  # a run config's own settings
        if fixes != "run-config":
            reason = "the target has no such block"
        else:
            reason = strategy.entry_blocker(case) if strategy.entry_blocker is not None else None
    elif strategy.rewrite is None:
        reason = strategy.blocker(case)  # a strategy that rewrites nothing says why
    elif hit.surface == "config":
        reason = "the target has no such block"
    elif fixes in ("text", "run-config") and (case.plan.strategy != "rename-namespace" or hit.http_path is None):
        reason = _SCRIPTS
    else:
        reason = strategy.blocker(case)
    if reason is not None:
        return FixInfo(applicability="manual", note=reason)
    if hit.surface == "config" and strategy.migrates_config is not None:
        done = strategy.config_done(case) if strategy.config_done is not None else None
        return FixInfo(applicability="safe", note=done or strategy.migrates_config)
    return FixInfo(applicability=strategy.applicability(case), note=strategy.summary)
