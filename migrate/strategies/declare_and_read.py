"""`declare-and-read`: the resource becomes a run-config entry; the call reads it back.

`client.models.register(model_id="m", provider_id="vllm")` becomes `client.models.retrieve("vllm/m")`
(the target's identifier template), so code that used the returned object keeps working and fails fast
when the config lacks the entry. A raw-HTTP register becomes the GET of the same identifier's path
(`GET /v1/models/vllm/m`, the plan's `read.http`), with the same HTTP client, base and options. The shim
answers a register the same way: it reads the resource on the target and answers in the legacy shape, or
says exactly which entry to declare.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from migrate.strategies.common import UNKNOWN, call_blocker, given, known_value
from migrate.strategies.model import Case, DeclareCall, RewriteCall, Strategy

if TYPE_CHECKING:
    from migrate.shim.answers import Handler

#: What an identifier may hold to go into a URL path as it is (RFC 3986 pchar, `/` included, no `%`).
_PATH_SAFE = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]+")


def _blocker(case: Case) -> str | None:
    reason = call_blocker(case.hit, standalone=False)
    if reason is not None or case.hit.call is None or case.naming is None:
        return reason
    for placeholder in case.naming.template.placeholders:
        if placeholder.choose(case.hit.call.keywords) is None:
            return f"the call does not give `{placeholder.names[0]}`, which the identifier is made of"
    return _raw_blocker(case) if case.hit.call.raw is not None else None


def _raw_blocker(case: Case) -> str | None:
    """A raw-HTTP register becomes a GET of the identifier's path: the identifier must be known, and fit a path."""
    call, naming = case.hit.call, case.naming
    assert call is not None and naming is not None and case.hit.http_path is not None
    if not naming.read.path.startswith(case.hit.http_path + "/{identifier}"):
        return f"raw HTTP: the target reads the resource with {naming.read.http}, not by its register's path"
    identifier = naming.template.render(call.known.get).value
    if identifier is None:
        return "raw HTTP whose identifier is only known at run time"
    if not _PATH_SAFE.fullmatch(identifier):
        return f"raw HTTP: the identifier {identifier!r} needs percent-encoding in a URL"
    return None


def _applicability(case: Case) -> Literal["safe", "unsafe"]:
    call = case.hit.call
    assert call is not None and case.naming is not None  # the blocker let only SDK calls through
    chosen = {placeholder.choose(call.keywords) for placeholder in case.naming.template.placeholders}
    entry_fields = [source for source in case.plan.fields if given(call, source)]
    if "provider_id" not in {case.plan.fields[source] for source in entry_fields}:
        return "unsafe"  # the server skips an entry without a provider_id: a human must add one
    needed = {name for name in chosen if name is not None} | set(entry_fields)
    return "unsafe" if any(known_value(call, name) is UNKNOWN for name in needed) else "safe"


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.declare_and_read import rewrite

    return rewrite


def _declare() -> DeclareCall:
    from migrate.fix.rewrites.declare_and_read import declare

    return declare


def _answer() -> Handler:
    from migrate.shim.answers.declare import answer

    return answer


STRATEGY = Strategy(
    name="declare-and-read",
    summary="The resource is declared in the run config; the call reads it back by its identifier on the target.",
    rewrites=(
        "an entry under `registered_resources.models`; the call becomes "
        '`client.models.retrieve("<identifier>")`, so code that used the returned `Model` keeps working and '
        "fails fast when the config lacks the entry. Identifier: `provider_id/provider_model_id` (or "
        "`model_id`) on 0.7, `provider_id/model_id` on OGX. A raw-HTTP register "
        '`requests.post(f"{BASE}/v1/models", json={...}, timeout=T)` becomes '
        '`requests.get(f"{BASE}/v1/models/<identifier>", timeout=T)`: the same client, base and options, '
        "where the URL is written in the call ending with the route, the body is `json=` and the identifier "
        "is known and needs no encoding (else it is reported, its body declared all the same)"
    ),
    safe_when="every argument that goes into the identifier and the entry is known before the program runs "
    "(literals, module constants), and the call (or the raw-HTTP body) names a provider_id",
    statuses=frozenset({"removed"}),
    operations=frozenset({"register"}),
    blocker=_blocker,
    applicability=_applicability,
    rewrite=_rewrite,
    answer=_answer,
    declare=_declare,
)
