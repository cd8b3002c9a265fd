"""The run-time half of the report: burn-down, clients, outcomes and pending declarations."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, get_args

from migrate.event_schema import Outcome
from migrate.registry import RuleSet
from migrate.report.eventstore import EventGroup, StoredEvents, Window
from migrate.report.model import CredentialClient, Direction, OutcomeCount, RuleSeries, Runtime, SdkClient, Trend
from migrate.report.pending import pending_declarations
from migrate.targets import TargetName

K = TypeVar("K", bound=Hashable)

#: A trend is falling (rising) when the fitted line drops (climbs) by this share of the mean over the window.
TREND_THRESHOLD = 0.1
#: Outcomes in the order the shim's `Outcome` lists them.
_OUTCOME_ORDER: dict[str, int] = {outcome: index for index, outcome in enumerate(get_args(Outcome))}


_END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
_START_OF_TIME = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


@dataclass
class _Client:
    """Calls, rules, SDKs and first/last time of one group of callers."""

    calls: int = 0
    rules: set[str] = field(default_factory=set)
    sdks: set[str] = field(default_factory=set)
    first: dt.datetime = _END_OF_TIME
    last: dt.datetime = _START_OF_TIME

    def add(self, group: EventGroup) -> None:
        self.calls += group.calls
        self.rules.add(group.rule_id)
        self.sdks.add(f"{group.sdk_name or 'unknown'}/{group.sdk_version or '?'}")
        self.first = min(self.first, group.first)
        self.last = max(self.last, group.last)


def build_runtime(source: str, stored: StoredEvents, window: Window, ruleset: RuleSet) -> Runtime:
    """Aggregate the grouped events of the window into the report's run-time section."""
    groups = stored.groups
    days = day_range(groups, window)
    index = {day: position for position, day in enumerate(days)}
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for group in groups:
        per_rule[group.rule_id][index[group.day]] += group.calls
    totals = [sum(counts[i] for counts in per_rule.values()) for i in range(len(days))]
    burndown = [
        RuleSeries(rule=rule, total=sum(counts), counts=counts, trend=trend(counts))
        for rule, counts in sorted(per_rule.items())
    ]
    outcomes: Counter[tuple[str, Outcome]] = Counter()
    for group in groups:
        outcomes[(group.rule_id, group.outcome)] += group.calls
    pending = pending_declarations(groups, ruleset, stored.entries)
    targets: set[TargetName] = {group.target for group in groups}
    return Runtime(
        source=source,
        since=window.since,
        until=window.until,
        calls=sum(totals),
        first_event=min((group.first for group in groups), default=None),
        last_event=max((group.last for group in groups), default=None),
        targets=sorted(targets),
        days=days,
        daily_totals=totals,
        trend=trend(totals),
        burndown=burndown,
        outcomes=[
            OutcomeCount(rule=rule, outcome=outcome, calls=calls)
            for (rule, outcome), calls in sorted(
                outcomes.items(), key=lambda item: (item[0][0], _OUTCOME_ORDER[item[0][1]])
            )
        ],
        clients_by_sdk=[
            SdkClient(
                sdk_name=name,
                sdk_version=version,
                calls=c.calls,
                rules=sorted(c.rules),
                first_seen=c.first,
                last_seen=c.last,
            )
            for (name, version), c in _clients(groups, lambda g: (g.sdk_name, g.sdk_version))
        ],
        clients_by_credential=[
            CredentialClient(
                fingerprint=fingerprint,
                calls=c.calls,
                sdks=sorted(c.sdks),
                rules=sorted(c.rules),
                first_seen=c.first,
                last_seen=c.last,
            )
            for fingerprint, c in _clients(groups, lambda g: g.fingerprint)
        ],
        pending=pending.patches,
        unnamed_registrations=pending.unnamed,
        unservable=pending.unservable,
    )


def day_range(groups: Sequence[EventGroup], window: Window) -> list[dt.date]:
    """Every UTC day from the window's start (or the first event) to its end (or the last event)."""
    first = window.since.astimezone(dt.timezone.utc).date() if window.since else None
    last = (window.until.astimezone(dt.timezone.utc) - dt.timedelta(microseconds=1)).date() if window.until else None
    if groups:
        first = first or min(group.day for group in groups)
        last = last or max(group.day for group in groups)
    if first is None or last is None or last < first:
        return []
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def trend(counts: Sequence[int]) -> Trend:
    """The least-squares slope of daily counts, and whether it falls or rises by more than the threshold."""
    if len(counts) < 2:
        only = counts[0] if counts else 0
        return Trend(direction="too-little-data", first=only, last=only, change_per_day=0.0)
    n = len(counts)
    mean_x = (n - 1) / 2
    mean_y = sum(counts) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(counts)) / sum((x - mean_x) ** 2 for x in range(n))
    change = slope * (n - 1) / mean_y if mean_y else 0.0
    direction: Direction = (
        "falling" if change <= -TREND_THRESHOLD else "rising" if change >= TREND_THRESHOLD else "flat"
    )
    return Trend(direction=direction, first=counts[0], last=counts[-1], change_per_day=round(slope, 3))


def _clients(groups: Sequence[EventGroup], key: Callable[[EventGroup], K]) -> list[tuple[K, _Client]]:
    """Callers grouped by `key`, most calls first."""
    clients: dict[K, _Client] = defaultdict(_Client)
    for group in groups:
        clients[key(group)].add(group)
    return sorted(clients.items(), key=lambda item: (-item[1].calls, str(item[0])))
