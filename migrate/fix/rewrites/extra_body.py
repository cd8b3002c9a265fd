"""`extra-body` in Python: the dropped keywords move into `extra_body` (an empty literal `{}` just goes)."""

from __future__ import annotations

import libcst as cst

from migrate.fix.callargs import static_value
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    dropped = set(site.rule.sdk.required)
    moved: list[cst.DictElement] = []
    args: list[cst.Arg] = []
    slot: int | None = None  # where the first moved keyword was: extra_body takes its place
    for arg in site.call.args:
        if arg.keyword is None or arg.keyword.value not in dropped:
            args.append(arg)
            continue
        if static_value(arg.value, site.constants) == {}:
            continue  # the server's default
        slot = len(args) if slot is None else slot
        moved.append(cst.DictElement(cst.SimpleString(f'"{arg.keyword.value}"'), arg.value))
        if slot == len(args):
            args.append(arg)  # replaced below, keeping its comma and the whitespace around it
    if slot is not None:
        extra = cst.Dict(moved)
        args[slot] = args[slot].with_changes(keyword=cst.Name("extra_body"), value=extra)
    if args and site.call.args and args[-1] is not site.call.args[-1]:
        args[-1] = args[-1].with_changes(comma=site.call.args[-1].comma)  # the call's own trailing comma
    names = ", ".join(sorted(dropped))
    note = f"{names} sent in extra_body" if moved else f"empty {names} dropped"
    return Rewrite(site.call.with_changes(args=args), False, None, (), True, note)
