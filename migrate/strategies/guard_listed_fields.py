"""`guard-listed-fields`: reads of a listing's items keep working with the SDK the fixed code is for.

llama-stack-client 0.7 turns the OpenAI-shaped items of `client.models.list()` back into the legacy
fields (`identifier`, `provider_id`, `provider_resource_id`, `model_type`) through compatibility
properties, except one: `metadata` is `None`, not `{}`, when a model has none, so `m.metadata.get(...)`
and `m.metadata["k"]` fail. In the loop or comprehension that iterates the listing in place
(`for m in client.models.list():`), every read of a guarded field of the item becomes `(m.metadata or {})`.
A listing that is not iterated in place is left for a human.

This strategy serves `read` rules (the listing read of a resource): such a rule names it on the targets
whose SDK needs it, and the matcher reports, per call, the loop variable and the attributes read on it.
The shim answers the read as `translate-read` does: legacy clients get the legacy listing, built from
the target's as the rule's `translate` table says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.findings import Hit
from migrate.strategies.common import GUARDED, sdk_call_blocker
from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    reason = sdk_call_blocker(case.hit, standalone=False)
    if reason is None and case.hit.call is not None and case.hit.call.iterated_by is None:
        guarded = ", ".join(f"`item.{name} or {empty}`" for name, empty in GUARDED.items())
        return f"the listing is not iterated in place: read its items' fields by hand ({guarded})"
    return reason


def _settled(hit: Hit) -> bool:
    """Iterated in place, and no guarded field is read where a None would break (after `fix`, for one)."""
    call = hit.call
    return call is not None and call.iterated_by is not None and not (call.item_reads & GUARDED.keys())


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.guard_listed_fields import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.translate import answer

    return answer


STRATEGY = Strategy(
    name="guard-listed-fields",
    summary="Items of the listing are read as the SDK of the fixed code gives them: fields it gives as None are "
    "guarded.",
    rewrites=(
        "in the loop or comprehension over `client.models.list()`, `m.metadata` -> `(m.metadata or {})` "
        "(llama-stack-client 0.7 gives None for a model without metadata; its other legacy fields are "
        "compatibility properties); a listing not iterated in place is left for a human"
    ),
    safe_when="the listing is iterated in place (a for loop or a comprehension over the call)",
    statuses=frozenset({"removed"}),
    operations=frozenset({"read"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
    settled=_settled,
)
