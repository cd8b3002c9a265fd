"""`read-through-client`: a read the target still serves at another route, which the fixed code's SDK has no method for.

llama-stack-client 0.7 has no `tools` or `tool_runtime` namespace, while the target lists an MCP server's tools
as its connector's (`GET /v1beta/connectors/{connector_id}/tools` on 0.7, `/v1alpha/admin/connectors/...` on OGX)
and llama-stack 0.7 a built-in group's at `GET /v1/tools` still. The items are the legacy `ToolDef`'s fields
under the same names, so the call becomes the client's own `get` of that route, whose items are made objects
again: `client.tools.list(toolgroup_id=G)` ->
`[SimpleNamespace(**item) for item in client.get(f"/v1beta/connectors/{G}/tools", cast_to=object)["data"]]`
(the llama-stack-client documents `client.get(path, cast_to=...)` for routes it has no method for). The route
is the rule's `translate` source, the one the shim reads for a legacy client: one home for it.

Where the group is named by a value known only at run time, the rewrite assumes an MCP server (a built-in
group's tools are listed elsewhere), which makes it unsafe. A built-in group on a target that lists none of
its tools (`translate.builtin = "unlisted"`, OGX 1.5.0) is left for a human, as are calls through an alias
of the namespace and request options. A raw read (`requests.get(f"{BASE}/v1/tools", params={"toolgroup_id": G})`)
gets the group in the connector route instead of its query, where G is known and the query's only parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from migrate.rules import Translation
from migrate.strategies.common import UNKNOWN, group_argument, known_value, mapped_source, sdk_call_blocker
from migrate.strategies.model import Case, RewriteCall, Strategy

if TYPE_CHECKING:
    from migrate.rules import TargetPlan
    from migrate.shim.answers import Handler


def _translation(plan: TargetPlan) -> Translation:
    assert plan.translate is not None  # the rule loader pairs this strategy with a translate table
    return plan.translate


def _blocker(case: Case) -> str | None:
    translate = _translation(case.plan)
    if case.hit.surface != "sdk":
        return _raw_blocker(case, translate)
    reason = sdk_call_blocker(case.hit, standalone=False)
    if reason is not None:
        return reason
    assert case.hit.call is not None
    if case.hit.call.aliased:
        return "the namespace is reached through an alias; read the target's route where the alias is used"
    if not translate.query:
        return _resource_blocker(case, translate)
    keyword = group_argument(case.hit, translate)
    if keyword is None:
        return "no group is named: the target lists tools per connector only"
    options = sorted(case.hit.call.keywords - {keyword})
    if options or case.hit.call.positional:
        return f"request options ({', '.join(options) or 'positional arguments'}): pass them to the route by hand"
    group = known_value(case.hit.call, keyword)
    if case.naming is not None and case.naming.is_builtin(group) and translate.builtin != "forward":
        return _unlisted(group)
    return None


def _unlisted(group: object) -> str:
    return f"the target lists no built-in group's tools ({group}): a Responses call that uses it lists them itself"


def _resource_blocker(case: Case, translate: Translation) -> str | None:
    """`toolgroups.list()` and `toolgroups.get(G)`: made from the translation's mapped source, G an MCP server's."""
    call = case.hit.call
    source = mapped_source(translate)
    assert call is not None
    if source is None:
        return f"the target's answer is not mapped field by field to the legacy {translate.shape}"
    id_param = case.rule.sdk.id_param
    if call.positional + len(call.keywords) == 0:
        return None
    options = sorted(call.keywords - {id_param})
    if options or call.positional + len(call.keywords) > 1:
        return f"request options ({', '.join(options) or 'more arguments'}): pass them to the route by hand"
    if source.item is None or id_param is None:
        return f"the target reads no single item at {source.read}: find it in the listing by hand"
    value = call.known.get(id_param)
    if case.naming is not None and case.naming.is_builtin(value):
        return f"a built-in group ({value}) is no connector: it follows the tool_runtime providers (GET /v1/providers)"
    return None


def _raw_blocker(case: Case, translate: Translation) -> str | None:
    """A raw read (`requests.get(f"{BASE}/v1/tools", params={"toolgroup_id": G})`) is rewritten where the URL is
    written in the call and its only query parameter names the group, known before the program runs."""
    call = case.hit.call
    where = ", ".join(source.read for source in translate.sources)
    instead = f"raw HTTP: read {where} instead (the shim translates the legacy answer for legacy clients meanwhile)"
    if call is None or not translate.query or not case.hit.rewritable or call.starred:
        return instead
    names = [name for name in translate.query if name in call.keywords]
    if len(names) != 1 or call.keywords != {names[0]}:
        return f"{instead}: the group is not the query's only parameter (`params={{...}}`)"
    group = call.known.get(names[0], UNKNOWN)
    if group is UNKNOWN:
        return f"{instead}: the group is only known at run time"
    if case.naming is not None and case.naming.is_builtin(group):
        return _unlisted(group)
    return None


def _settled(case: Case) -> bool:
    """A built-in group's tools read at the legacy route the target still serves (`translate.builtin = "forward"`,
    llama-stack 0.7's `GET /v1/tools?toolgroup_id=<the group>`), by raw HTTP or the client's own `get`."""
    translate = _translation(case.plan)
    call = case.hit.call
    if case.hit.surface != "http" or call is None or translate.builtin != "forward" or case.naming is None:
        return False
    return any(case.naming.is_builtin(call.known.get(name)) for name in translate.query)


def _applicability(case: Case) -> Literal["safe", "unsafe"]:
    """Safe when the group's name is known before the program runs (an MCP server or a built-in group)."""
    call = case.hit.call
    translate = _translation(case.plan)
    if case.hit.surface == "http":
        return "safe"  # the group is known (the blocker)
    if call is not None and not translate.query:
        if call.positional + len(call.keywords) == 0:  # a listing: only what the mapped source serves
            return "unsafe" if len(translate.sources) > 1 else "safe"
        return "safe" if case.rule.sdk.id_param in call.known else "unsafe"
    keyword = group_argument(case.hit, translate) if call is not None else None
    if call is None or keyword is None or known_value(call, keyword) is UNKNOWN:
        return "unsafe"
    return "safe"


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.read_through_client import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.translate import answer

    return answer


STRATEGY = Strategy(
    name="read-through-client",
    summary="The fixed code's SDK has no method for the read: the client's own get() reads the target's route.",
    rewrites=(
        "`client.tools.list(toolgroup_id=G)` -> `[SimpleNamespace(**item) for item in client.get("
        'f"/v1beta/connectors/{G}/tools", cast_to=object)["data"]]` (the connector route of the target; a built-in '
        'group\'s on llama-stack 0.7: `client.get("/v1/tools", options={"params": {"toolgroup_id": G}}, '
        "cast_to=object)`), awaited as the call was, with `from types import SimpleNamespace` added; the items keep "
        'the legacy fields\' names. Raw HTTP: `requests.get(f"{BASE}/v1/tools", params={"toolgroup_id": G})` -> '
        '`requests.get(f"{BASE}/v1beta/connectors/{G}/tools")`'
    ),
    safe_when="the group is named by a value known before the program runs; a name known only at run time is "
    "assumed to be an MCP server's (unsafe)",
    statuses=frozenset({"removed"}),
    operations=frozenset({"read"}),
    blocker=_blocker,
    applicability=_applicability,
    rewrite=_rewrite,
    answer=_answer,
    settled=_settled,
)
