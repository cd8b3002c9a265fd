"""`declare-and-read` in Python: the register call becomes the read of the declared resource, and its entry.

A raw-HTTP register (`requests.post(f"{base}/v1/models", json={...})`) becomes the GET of the declared resource
by its identifier (`raw_http.read_call`) where the scan found its form fit; else it is left for a human, who
changes the call site, and its JSON body is declared all the same (`declare`), so the server serves what the code
expects.
"""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from migrate.config.entries import ConfigEntry, Identity, Unknown
from migrate.fix.callargs import (
    Value,
    attribute_path,
    build_identifier,
    keyword_arguments,
    static_value,
    string_literal,
)
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.fix.rewrites.raw_http import json_arguments, read_call


def rewrite(site: PythonSite) -> Rewrite | Manual:
    if site.hit.surface == "http":
        return _rewrite_raw(site)
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
    edits = _renamed_uses(site, keyword_arguments(site), identifier)
    if edits:
        note += f"; {len(edits)} later use(s) of its old id renamed"
    return Rewrite(call, False, None, (entry,), safe, note, edits)


def _rewrite_raw(site: PythonSite) -> Rewrite | Manual:
    """`requests.post(URL, json={...})` -> `requests.get(URL + "/<identifier>")`: the identifier known statically."""
    naming = site.naming
    assert naming is not None
    declared = _raw_declared(site)
    if isinstance(declared, Manual):
        return declared
    arguments, entry, identifier = declared
    if not identifier.known:
        return Manual("raw HTTP whose identifier is only known at run time")
    call = read_call(site, identifier, naming.read.path)
    if isinstance(call, str):
        return Manual(f"raw HTTP: {call}")
    note = f"reads {naming.read.http.replace('{identifier}', str(identifier.value))}; declared in {naming.section}"
    edits = _renamed_uses(site, arguments, identifier)
    if edits:
        note += f"; {len(edits)} later use(s) of its old id renamed"
    return Rewrite(call, False, None, (entry,), not entry.unknown_fields, note, edits)


def _renamed_uses(
    site: PythonSite, arguments: dict[str, Value], identifier: Value
) -> tuple[tuple[cst.CSTNode, cst.CSTNode], ...]:
    """Later uses of the id the code registered, where the target names the resource differently.

    The code knew the resource by the id it passed (`model_id`, the 0.2-era identifier) or by the 0.3-0.7
    identifier (`provider_id/provider_model_id`); in the calls the rule lists as uses (`chat.completions.create`
    `model=`), an argument whose value is one of those and not the target's identifier becomes the target's.
    """
    if not identifier.known or not site.rule.sdk.uses:
        return ()
    known = {name: value.value for name, value in arguments.items() if value.known}
    names = {known.get(site.rule.sdk.required[0]), _legacy_identifier(known)}
    old = {name for name in names if isinstance(name, str) and name != identifier.value}
    if not old:
        return ()
    new = cst.SimpleString(string_literal(str(identifier.value)))
    inside = _Calls()
    site.call.visit(inside)  # the register's own arguments are no later use
    return tuple(
        (argument, new)
        for call, argument in _use_arguments(site.module, site.rule.sdk.uses)
        if id(call) not in inside.ids and static_value(argument, site.constants) in old
    )


def _legacy_identifier(known: dict[str, object]) -> object:
    """What llama-stack 0.3 to 0.7 named the model: `provider_id/provider_model_id` (or `model_id`)."""
    model = known.get("provider_model_id", known.get("model_id"))
    provider = known.get("provider_id")
    return f"{provider}/{model}" if isinstance(provider, str) and isinstance(model, str) else None


@lru_cache(maxsize=4)  # libcst nodes hash by identity: the module being fixed (per rule's uses), until the next
def _use_arguments(module: cst.Module, uses: tuple[str, ...]) -> tuple[tuple[cst.Call, cst.BaseExpression], ...]:
    """Every argument of the module's use sites (`chat.completions.create` `model=`, or the first positional) with
    its call, gathered in one walk for every register of the module (a walk per register made `fix` quadratic)."""
    finder = _Uses(uses)
    module.visit(finder)
    return tuple(finder.found)


class _Uses(cst.CSTVisitor):
    def __init__(self, uses: tuple[str, ...]) -> None:
        self.sites = [(tuple(use.split(":")[0].split(".")), use.split(":")[1]) for use in uses]
        self.found: list[tuple[cst.Call, cst.BaseExpression]] = []

    def visit_Call(self, node: cst.Call) -> None:
        path = attribute_path(node.func)
        for method, keyword in self.sites:
            if path[-len(method) :] != method:
                continue
            for index, arg in enumerate(node.args):
                named = arg.keyword.value if arg.keyword is not None else None
                if named == keyword or (named is None and index == 0 and arg.star == ""):
                    self.found.append((node, arg.value))


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.ids: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self.ids.add(id(node))


def declare(site: PythonSite) -> Manual:
    """A raw-HTTP register: its JSON body declared, the call site left for a human."""
    naming = site.naming
    assert naming is not None
    declared = _raw_declared(site)
    if isinstance(declared, Manual):
        return declared
    _, entry, identifier = declared
    served = identifier.value if identifier.known else f"the identifier {identifier.code}"
    read = naming.read.http.replace("{identifier}", str(served))
    return Manual(
        f"raw HTTP: declared in {naming.section} (served as {served}); change the call by hand: "
        f"the resource is read with {read}",
        (entry,),
    )


def _raw_declared(site: PythonSite) -> tuple[dict[str, Value], ConfigEntry, Value] | Manual:
    """A raw-HTTP register's JSON body, the entry it declares and its identifier; or why it is left for a human."""
    arguments = json_arguments(site)
    if arguments is None:
        return Manual("raw HTTP whose JSON body is only known at run time: declare the resource and change the call")
    declared = _declared(site, arguments)
    return Manual(f"raw HTTP: {declared}") if isinstance(declared, str) else (arguments, *declared)


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
