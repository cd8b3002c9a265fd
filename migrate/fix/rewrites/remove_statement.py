"""`remove-statement` in Python: the unregister statement goes, with a comment saying where the resource lives."""

from __future__ import annotations

from migrate.fix.callargs import identifier_argument, named
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    identifier = identifier_argument(site)
    if identifier is None:
        return Manual("the call names no identifier")
    section = site.plan.config_section or "the run config"
    resource = site.rule.resource.replace("_", " ")
    comment = f"# llama-stack-migrate: {named(resource, identifier)} stays declared in {section} ({site.rule.id})"
    return Rewrite(
        None, True, comment, (), True, f"removed; remove {named(resource, identifier)} from {section} instead"
    )
