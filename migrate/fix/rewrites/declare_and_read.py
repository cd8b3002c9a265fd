"""`declare-and-read` in Python: the register call becomes the read of the declared resource, and its entry.

A raw-HTTP register (`requests.post(f"{base}/v1/models", json={...})`) is left for a human, who changes the call
site; its JSON body is declared all the same (`declare`), so the server serves what the code expects.
"""

from __future__ import annotations

import libcst as cst

from migrate.config.entries import ConfigEntry, Identity, Unknown
from migrate.fix.callargs import Value, build_identifier, json_nodes, keyword_arguments, value_of
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    naming = site.naming
    assert naming is not None and naming.read.sdk is not None  # the rule's plan was validated for the strategy
    declared = _declared(site, keyword_arguments(site))
    if isinstance(declared, str):
        return Manual(declared)
    entry, identifier = declared
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


def declare(site: PythonSite) -> Manual:
    """A raw-HTTP register: its JSON body declared, the call site left for a human."""
    naming = site.naming
    assert naming is not None
    nodes = json_nodes(site)
    if nodes is None:
        return Manual("raw HTTP whose JSON body is only known at run time: declare the resource and change the call")
    declared = _declared(site, {name: value_of(site, node) for name, node in nodes.items()})
    if isinstance(declared, str):
        return Manual(f"raw HTTP: {declared}")
    entry, identifier = declared
    served = identifier.value if identifier.known else f"the identifier {identifier.code}"
    read = naming.read.http.replace("{identifier}", str(served))
    return Manual(
        f"raw HTTP: declared in {naming.section} (served as {served}); change the call by hand: "
        f"the resource is read with {read}",
        (entry,),
    )


def _declared(site: PythonSite, arguments: dict[str, Value]) -> tuple[ConfigEntry, Value] | str:
    """The run-config entry and the identifier expression a register's arguments make, or why there is none."""
    plan, naming = site.plan, site.naming
    assert naming is not None
    identifier = build_identifier(naming.template, arguments)
    if isinstance(identifier, str):
        return identifier
    fields = {target: arguments[source].for_config() for source, target in plan.fields.items() if source in arguments}
    if "provider_id" not in fields:
        fields["provider_id"] = Unknown("not given in the call (the server ignores entries without one)")
    identity = Identity(naming.template, dict(plan.fields))
    entry = ConfigEntry(naming.section, naming.id_field, fields, site.rule.id, site.origin, identity=identity)
    return entry, identifier
