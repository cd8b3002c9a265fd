"""`remove-statement`: an unregister call goes; the resource is removed from the run config instead.

The shim looks the resource up on the target and acknowledges the call (or rejects it, with
`--on-unregister reject`): nothing changes upstream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.common import call_blocker
from migrate.strategies.model import Case, RewriteCall, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    return call_blocker(case.hit, standalone=True)


def _rewrite() -> RewriteCall:
    from migrate.fix.rewrites.remove_statement import rewrite

    return rewrite


def _answer() -> Handler:
    from migrate.shim.answers.remove_statement import answer

    return answer


STRATEGY = Strategy(
    name="remove-statement",
    summary="An unregister call goes: the resource is removed from the run config instead.",
    rewrites=(
        "the statement goes, with a one-line comment saying where the resource is declared; `pass` where a "
        "block would be empty; a `try` whose body empties goes too (its `else` and `finally` bodies stay). "
        'A raw-HTTP DELETE (`ok(requests.delete(f"{BASE}/v1/models/{MODEL}"))`) goes with the calls around it '
        "that only check its answer (`.raise_for_status()`, a function of the module that only reads the answer it "
        "is given), its URL written in the call"
    ),
    safe_when="always: the call's result is not used (or only checked)",
    statuses=frozenset({"removed"}),
    operations=frozenset({"unregister"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=_rewrite,
    answer=_answer,
)
