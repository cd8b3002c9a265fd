"""`declare-and-read` in Python: the register call becomes the read of the declared resource, and its entry."""

from __future__ import annotations

import libcst as cst

from migrate.config.entries import ConfigEntry, Identity, Unknown
from migrate.fix.callargs import build_identifier, keyword_arguments
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    plan, naming = site.plan, site.naming
    assert naming is not None and naming.read.sdk is not None  # the rule's plan was validated for the strategy
    arguments = keyword_arguments(site)
    identifier = build_identifier(naming.template, arguments)
    if isinstance(identifier, str):
        return Manual(identifier)
    fields = {target: arguments[source].for_config() for source, target in plan.fields.items() if source in arguments}
    if "provider_id" not in fields:
        fields["provider_id"] = Unknown("not given in the call (the server ignores entries without one)")
    identity = Identity(naming.template, dict(plan.fields))
    entry = ConfigEntry(naming.section, naming.id_field, fields, site.rule.id, site.origin, identity=identity)
    verb = naming.read.sdk.rsplit(".", 1)[-1]
    func = site.call.func
    assert isinstance(func, cst.Attribute)
    call = site.call.with_changes(
        func=func.with_changes(attr=cst.Name(verb)),
        args=[cst.Arg(value=cst.parse_expression(identifier.code))],
        whitespace_before_args=cst.SimpleWhitespace(""),
    )
    safe = identifier.known and not entry.unknown_fields
    note = f"reads {identifier.code} back; declared in {naming.section}"
    return Rewrite(call, False, None, (entry,), safe, note)
