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

from migrate.strategies.common import GUARDED, raw_keys, sdk_call_blocker
from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _raw_blocker(case: Case) -> str | None:
    """A raw-HTTP listing (`requests.get(f"{BASE}/v1/models").json()["data"]`) iterated in place: its items'
    legacy keys are rewritten to the target's; anything else is left for a human."""
    call = case.hit.call
    if call is None or call.iterated_by is None:
        return (
            'raw HTTP: the listing is not iterated in place (`for m in <call>.json()["data"]`): read its items by hand'
        )
    if case.hit.confidence == "low":
        return "raw HTTP: the URL names no server, and OpenAI-compatible ones serve this route too"
    if "*" in call.item_reads:
        return 'raw HTTP: the listed items are used otherwise than by a literal key (`m["identifier"]`)'
    keys = raw_keys(case.plan)
    lost = sorted(key for key in call.item_reads if key in keys and keys[key] is None)
    if lost:
        return f"raw HTTP: no one field of the target's listing holds {', '.join(lost)}"
    return None


def _blocker(case: Case) -> str | None:
    if case.hit.surface == "http":
        return _raw_blocker(case)
    reason = sdk_call_blocker(case.hit, standalone=False)
    if reason is None and case.hit.call is not None and case.hit.call.iterated_by is None:
        guarded = ", ".join(f"`item.{name} or {empty}`" for name, empty in GUARDED.items())
        return f"the listing is not iterated in place: read its items' fields by hand ({guarded})"
    return reason


def _settled(case: Case) -> bool:
    """Iterated in place, and no guarded field is read where a None would break (after `fix`, for one); of a
    raw-HTTP listing, no legacy key is read (only the target's own: `m["id"]`)."""
    call = case.hit.call
    if call is None or call.iterated_by is None:
        return False
    if case.hit.surface == "http":
        return "*" not in call.item_reads and not (call.item_reads & raw_keys(case.plan).keys())
    return not (call.item_reads & GUARDED.keys())


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
        'compatibility properties); over a raw-HTTP listing (`requests.get(f"{BASE}/v1/models").json()'
        '["data"]`), each legacy key read on an item becomes the target\'s (`m["identifier"]` -> `m["id"]`, '
        '`m["provider_id"]` -> `m["custom_metadata"]["provider_id"]`); a listing not iterated in place is '
        "left for a human"
    ),
    safe_when="the listing is iterated in place (a for loop or a comprehension over the call), and a raw listing's "
    "items are read only by literal keys that one field of the target's listing holds",
    statuses=frozenset({"removed"}),
    operations=frozenset({"read"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
    settled=_settled,
)
