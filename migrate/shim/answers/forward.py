"""The target still serves the operation: forward it, at the renamed path when the target moved it."""

from __future__ import annotations

from migrate.shim.answers import Call, Forward


async def answer(call: Call) -> Forward:
    """Forward as sent, a legacy path renamed by the plan's path entries (`/v1/datasets` -> `/v1beta/datasets`)."""
    raw_path = call.path
    if call.match.route.legacy:
        for old, new in call.plan.rename.items():
            if old.startswith("/") and (raw_path == old or raw_path.startswith(old + "/")):
                raw_path = new + raw_path[len(old) :]
                break
    resource_id = next(iter(call.match.params.values()), None)
    return Forward(raw_path=raw_path, successor=raw_path if raw_path != call.path else None, resource_id=resource_id)
