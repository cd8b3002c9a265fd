"""`declare-connector`: an MCP tool group becomes a top-level `connectors` entry; built-in groups go.

Both registrations return nothing, so the statement is removed (with a comment saying where the
group lives now). A group that is neither clearly built-in nor MCP is left for a human. A run config's
own `tool_groups` entries, which the target ignores (a `config` rule), are migrated the same way
(`migrate.config.runconfig_fix`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from migrate.rules import Naming, TargetPlan
from migrate.strategies.common import UNKNOWN, call_blocker, given, known_value
from migrate.strategies.model import Case, DeclareCall, RewriteCall, Strategy

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    reason = call_blocker(case.hit, standalone=True)
    if reason is not None or case.hit.call is None:
        return reason
    if _builtin(case) or "mcp_endpoint" in case.hit.call.keywords:
        return None
    return neither(case.naming)


def neither(naming: Naming | None) -> str:
    """Why a tool group is left for a human: it is not recognisably built-in or MCP."""
    builtin = f"a built-in group ({naming.builtin.prefix}...) nor " if naming and naming.builtin else ""
    return f"neither {builtin}an MCP group (mcp_endpoint)"


def entry_kind(
    entry: Mapping[str, Any] | None, plan: TargetPlan, naming: Naming | None
) -> Literal["builtin", "mcp"] | None:
    """What a run config's tool group entry is: built in (the tool_runtime provider registers it), MCP (it gives
    every field the plan maps to a connector: `mcp_endpoint.uri`), or neither (None: a human decides)."""
    if entry is None or naming is None:
        return None
    id_sources = [source for source, name in plan.fields.items() if name == naming.id_field]
    if id_sources and naming.is_builtin(_lookup(entry, id_sources[0])):
        return "builtin"
    if id_sources and all(_lookup(entry, source) is not None for source in plan.fields):
        return "mcp"
    return None


def _lookup(item: Any, dotted: str) -> Any:
    """`item["a"]["b"]` for `"a.b"`; None when any step is missing."""
    for name in dotted.split("."):
        item = item.get(name) if isinstance(item, Mapping) else None
    return item


def _entry_blocker(case: Case) -> str | None:
    """Why a run-config entry stays for a human: `fix` moves MCP groups and deletes built-in ones only."""
    if entry_kind(case.hit.entry, case.plan, case.naming) is not None:
        return None
    fields = ", ".join(case.plan.fields)
    builtin = f"a built-in group ({case.naming.builtin.prefix}...) nor " if case.naming and case.naming.builtin else ""
    return f"neither {builtin}an MCP group ({fields})"


def _builtin(case: Case) -> bool:
    call = case.hit.call
    return call is not None and case.naming is not None and case.naming.is_builtin(known_value(call, "toolgroup_id"))


def _applicability(case: Case) -> Literal["safe", "unsafe"]:
    call = case.hit.call
    assert call is not None  # the blocker let only SDK calls through
    if _builtin(case):
        return "safe"
    needed = [source for source in case.plan.fields if given(call, source)]
    return "unsafe" if any(known_value(call, source) is UNKNOWN for source in needed) else "safe"


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.declare_connector import rewrite

    return rewrite


def _declare() -> DeclareCall:
    from migrate.fix.rewrites.declare_connector import declare

    return declare


def _answer() -> Handler:
    from migrate.shim.answers.declare import answer

    return answer


STRATEGY = Strategy(
    name="declare-connector",
    summary="An MCP tool group becomes a top-level connectors entry and the call goes; a built-in group's call goes.",
    rewrites=(
        "an MCP group (with `mcp_endpoint`) becomes a top-level `connectors` entry `{connector_id, url}`; a "
        "built-in group is registered by the server's tool_runtime provider: the call goes. A raw-HTTP register "
        '(`ok(requests.post(f"{BASE}/v1/toolgroups", json={...}))`) goes the same way where its answer is '
        "only checked (the target has no read of one group to answer it with). A run config's own "
        "`registered_resources.tool_groups` block is migrated the same way"
    ),
    safe_when="the group is built in, or its id and MCP endpoint URL are known before the program runs",
    statuses=frozenset({"removed"}),
    operations=frozenset({"register", "config"}),
    blocker=_blocker,
    applicability=_applicability,
    rewrite=_rewrite,
    answer=_answer,
    declare=_declare,
    migrates_config=(
        "An MCP group's entry moves to a top-level connectors entry; a built-in group's entry is deleted."
    ),
    entry_blocker=_entry_blocker,
)
