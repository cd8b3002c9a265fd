"""How a deprecated call is answered: one module per answer, named for the strategies it serves.

Each strategy (`migrate.strategies`) loads its answer:

* `keep`, `rename-namespace` (the target still serves the route): `forward`, legacy paths renamed;
* `declare-and-read`, `declare-connector` (declared in the run config instead): `declare`;
* `remove-statement` (an unregister whose replacement is editing the run config): `remove_statement`;
* `translate-read` (a read whose legacy answer is gone, for a legacy client): `translate`;
* `manual` (removed with no replacement): `manual` (410).

A handler gets the `Call` and returns an `Answer` (a complete response the shim sends) or a
`Forward` (the upstream answers; the shim adds the deprecation headers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from migrate.event_schema import Outcome
from migrate.rules import Naming, Rule, TargetPlan
from migrate.shim.matching import Match
from migrate.shim.problems import Problem
from migrate.shim.resolve import ModelNames
from migrate.shim.upstream import Upstream
from migrate.targets import TargetName

OnUnregister = Literal["acknowledge", "reject"]


@dataclass(frozen=True)
class Call:
    """A deprecated call as the shim received it, with everything a handler may need."""

    match: Match
    plan: TargetPlan
    target: TargetName
    path: str
    query: bytes
    body: bytes
    authorization: bytes | None
    upstream: Upstream
    naming: Naming | None
    on_unregister: OnUnregister
    #: Legacy model names and the target's identifiers (`resolve`): learnt from registers, used by lookups.
    models: ModelNames

    @property
    def rule(self) -> Rule:
        """The rule of the matched operation."""
        return self.match.rule


@dataclass(frozen=True)
class Answer:
    """A complete response made by the shim.

    `entry` is the run-config entry an unsatisfied register should declare (credential-free): the
    event records it, so that `report` can write the pending declarations exactly.
    """

    status: int
    body: bytes
    outcome: Outcome
    content_type: bytes = b"application/json"
    upstream_status: int | None = None
    resource_id: str | None = None
    successor: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    entry: dict[str, Any] | None = field(default=None, hash=False)

    @classmethod
    def problem(
        cls,
        problem: Problem,
        outcome: Outcome,
        *,
        upstream_status: int | None = None,
        resource_id: str | None = None,
        successor: str | None = None,
        entry: dict[str, Any] | None = None,
    ) -> Answer:
        """An answer whose body is `problem` (`application/problem+json`, its status and headers)."""
        return cls(
            status=problem.status,
            body=problem.body(),
            outcome=outcome,
            content_type=b"application/problem+json",
            upstream_status=upstream_status,
            resource_id=resource_id,
            successor=successor,
            headers=problem.headers,
            entry=entry,
        )


@dataclass(frozen=True)
class Forward:
    """Let the upstream answer, at `raw_path` (renamed from a legacy path when the target moved it)."""

    raw_path: str
    successor: str | None = None
    resource_id: str | None = field(default=None)


Handler = Callable[[Call], Awaitable["Answer | Forward"]]
