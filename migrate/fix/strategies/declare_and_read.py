"""`declare-and-read`: the resource becomes a run-config entry; the call reads it back.

`client.models.register(model_id="m", provider_id="vllm")` becomes
`client.models.retrieve("vllm/m")` (the identifier rule of the target), so code that used the
returned object keeps working and fails fast when the config lacks the entry.
"""

from __future__ import annotations

import re

import libcst as cst

from migrate.config.entries import ConfigEntry, Unknown
from migrate.findings import Hit
from migrate.fix.callargs import build_identifier, keyword_arguments
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.fix.strategies.common import sdk_call_blocker
from migrate.rules import Rule, TargetPlan

_FIELD = re.compile(r"\{([a-z_|]+)\}")


def blocker(hit: Hit, rule: Rule, plan: TargetPlan) -> str | None:
    reason = sdk_call_blocker(hit, standalone=False)
    if reason is not None or hit.call is None:
        return reason
    assert plan.identifier is not None
    for group in _FIELD.findall(plan.identifier):
        if not any(name in hit.call.keywords for name in group.split("|")):
            return f"the call does not give `{group.split('|')[0]}`, which the identifier is made of"
    return None


def rewrite(site: PythonSite) -> Rewrite | Manual:
    plan = site.plan
    assert plan.identifier is not None and plan.read is not None and plan.config_section is not None
    arguments = keyword_arguments(site)
    identifier = build_identifier(plan.identifier, arguments)
    if isinstance(identifier, str):
        return Manual(identifier)
    fields = {target: arguments[source].for_config() for source, target in plan.fields.items() if source in arguments}
    if "provider_id" not in fields:
        fields["provider_id"] = Unknown("not given in the call (the server ignores entries without one)")
    entry = ConfigEntry(
        section=plan.config_section,
        id_field=plan.fields.get(site.rule.sdk.required[0], site.rule.sdk.required[0]),
        fields=fields,
        rule=site.rule.id,
        origin=site.origin,
    )
    verb = plan.read.sdk.rsplit(".", 1)[-1]
    func = site.call.func
    assert isinstance(func, cst.Attribute)
    call = site.call.with_changes(
        func=func.with_changes(attr=cst.Name(verb)),
        args=[cst.Arg(value=cst.parse_expression(identifier.code))],
        whitespace_before_args=cst.SimpleWhitespace(""),
    )
    safe = identifier.known and not entry.unknown_fields
    note = f"reads {identifier.code} back; declared in {plan.config_section}"
    return Rewrite(call, False, None, (entry,), safe, note)
