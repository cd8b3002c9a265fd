"""`remove-statement` in Python: the unregister statement goes, with a comment saying where the resource lives.

A raw-HTTP unregister (`ok(requests.delete(f"{BASE}/v1/models/{MODEL}"))`) goes the same way, with the calls
that only check its response; the id is the one its URL names.

A built-in tool group (the rule's `builtin` prefix) is in no section of the run config: it follows the configured
tool_runtime providers, and the comment says so.
"""

from __future__ import annotations

from migrate.fix.callargs import identifier_argument, named
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.fix.rewrites.raw_http import url_id


def rewrite(site: PythonSite) -> Rewrite | Manual:
    identifier = url_id(site) if site.hit.surface == "http" else identifier_argument(site)
    if identifier is None:
        return Manual("the call names no identifier")
    if identifier.known and site.naming is not None and site.naming.is_builtin(identifier.value):
        comment = (
            f"# llama-stack-migrate: {named('tool group', identifier)} is built in: it follows the tool_runtime "
            f"providers ({site.rule.id})"
        )
        return Rewrite(None, True, comment, (), True, "removed; built-in groups follow the tool_runtime providers")
    section = site.plan.config_section or "the run config"
    resource = site.rule.resource.replace("_", " ")
    comment = f"# llama-stack-migrate: {named(resource, identifier)} stays declared in {section} ({site.rule.id})"
    return Rewrite(
        None, True, comment, (), True, f"removed; remove {named(resource, identifier)} from {section} instead"
    )
