"""`extra-body`: a keyword that the SDK of the fixed code dropped is sent in `extra_body`: the same request.

`client.safety.run_shield(shield_id=s, messages=m, params={"x": 1})` fails with llama-stack-client 0.7
(`unexpected keyword argument 'params'`) although the 0.7 server still reads `params` from the body: it
becomes `extra_body={"params": {"x": 1}}`, which the SDK merges into the JSON body it sends. An empty
literal (`params={}`) is dropped. The dropped keywords are the rule's `sdk.required`: the ones whose use
makes the finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.common import sdk_call_blocker
from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    reason = sdk_call_blocker(case.hit, standalone=False)
    if reason is None and case.hit.call is not None and "extra_body" in case.hit.call.keywords:
        return "the call already passes extra_body: move the keyword into it by hand"
    return reason


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.extra_body import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.forward import answer

    return answer


STRATEGY = Strategy(
    name="extra-body",
    summary="A keyword the SDK of the fixed code dropped is sent in extra_body: the request body stays the same.",
    rewrites=(
        '`client.safety.run_shield(..., params={"k": 1})` -> `client.safety.run_shield(..., extra_body={"params": '
        '{"k": 1}})` (llama-stack-client 0.7 dropped `params`; the server still reads it); `params={}` is dropped'
    ),
    safe_when="always: the SDK sends the same JSON body",
    statuses=frozenset({"removed"}),
    operations=frozenset({"call"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
)
