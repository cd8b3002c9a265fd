"""`remove-statement`: an unregister call goes; the resource stays declared in the run config."""

from __future__ import annotations

from migrate.findings import Hit
from migrate.fix.callargs import identifier_argument
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.fix.strategies.common import sdk_call_blocker
from migrate.rules import Rule, TargetPlan


def blocker(hit: Hit, rule: Rule, plan: TargetPlan) -> str | None:
    return sdk_call_blocker(hit, standalone=True)


def rewrite(site: PythonSite) -> Rewrite | Manual:
    identifier = identifier_argument(site)
    if identifier is None:
        return Manual("the call names no identifier")
    section = site.plan.config_section or "the run config"
    resource = site.rule.resource.replace("_", " ")
    comment = f"# llama-stack-migrate: {resource} {identifier.code} stays declared in {section} ({site.rule.id})"
    return Rewrite(None, True, comment, (), True, f"removed; remove {identifier.code} from {section} instead")
