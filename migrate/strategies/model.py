"""What a strategy is: the `Strategy` object each strategy module exports, and the `Case` it judges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from migrate.findings import Hit
from migrate.rules import Naming, Operation, PlanStatus, Rule, TargetPlan
from migrate.rules import Strategy as StrategyName

if TYPE_CHECKING:
    from migrate.fix.model import Manual, PythonSite, Rewrite
    from migrate.shim.answers import Handler

RewriteCall = Callable[["PythonSite"], "Rewrite | Manual"]
#: What a raw-HTTP call left for a human still declares: `Manual` with the run-config entries of its JSON body.
DeclareCall = Callable[["PythonSite"], "Manual"]


@dataclass(frozen=True)
class Case:
    """A hit judged for one target: the hit, its rule's plan there, how the target names the resource."""

    hit: Hit
    plan: TargetPlan
    naming: Naming | None

    @property
    def rule(self) -> Rule:
        return self.hit.rule


@dataclass(frozen=True)
class Strategy:
    """One way of replacing a deprecated operation on a target (see the module docstring)."""

    name: StrategyName
    #: One line, for findings (`FixInfo.note`) and the docs.
    summary: str
    #: What the rewrite does, with examples (docs/fix.md).
    rewrites: str
    #: When the rewrite is safe, applied without `--unsafe-fixes` (docs/fix.md).
    safe_when: str
    #: The plan statuses it serves (`deprecated`, `removed`, `served`: see `rules.PlanStatus`).
    statuses: frozenset[PlanStatus]
    operations: frozenset[Operation]
    blocker: Callable[[Case], str | None]
    applicability: Callable[[Case], Literal["safe", "unsafe"]]
    rewrite: Callable[[], RewriteCall] | None
    answer: Callable[[], Handler]
    #: What migrating a run config's own entries does, which the target ignores (a `config` rule's findings
    #: carry it as their fix note); None: the strategy migrates no run config.
    migrates_config: str | None = None
    #: Why `fix` leaves a run-config entry of such a block for a human (judged from `Hit.entry`); None: it never does.
    entry_blocker: Callable[[Case], str | None] | None = None
    #: What `fix` does with one run-config setting, for its finding's note (`renamed apis entry 'agents' to
    #: 'responses'`); None, or a None answer: `migrates_config` says it for all of them.
    config_done: Callable[[Case], str | None] | None = None
    #: Whether a hit already reads what the target gives, so that it is no finding there (a listing whose
    #: items' fields are read as llama-stack-client 0.7 or the target's JSON gives them: `guard-listed-fields`).
    settled: Callable[[Case], bool] | None = None
    #: Loads what declares the resource of a raw-HTTP call (`requests.post(url, json={...})`) whose call site
    #: only a human can change: its JSON body becomes the run-config entry all the same.
    declare: Callable[[], DeclareCall] | None = None

    def unfit(self, rule: Rule, plan: TargetPlan) -> str | None:
        """Why this strategy cannot serve `rule`'s plan (None: it can)."""
        if rule.operation not in self.operations:
            return f"strategy {self.name!r} replaces {' and '.join(sorted(self.operations))} operations only"
        if plan.status not in self.statuses:
            return f"strategy {self.name!r} is for what the target has {' or '.join(sorted(self.statuses))}"
        return None


def always_safe(case: Case) -> Literal["safe"]:
    """The applicability of a rewrite that takes nothing from the call's run-time values."""
    return "safe"
