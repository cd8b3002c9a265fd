"""Checks shared by the strategies that rewrite SDK calls."""

from __future__ import annotations

from migrate.findings import Hit


def sdk_call_blocker(hit: Hit, *, standalone: bool) -> str | None:
    """Why an SDK call cannot be rewritten: not an SDK call, `**kwargs`, result used, and so on."""
    if hit.surface != "sdk" or hit.call is None:
        return "only SDK calls in Python are rewritten; the replacement is shown for a human"
    if hit.call.starred:
        return "arguments unpacked with * or ** are only known at run time"
    if hit.confidence == "low":
        return "the arguments do not fit the SDK method"
    if standalone and not hit.call.standalone:
        return "the call's result is used, so the statement cannot simply go"
    return None
