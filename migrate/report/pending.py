"""Pending declarations: resources clients register through the shim that the target does not declare.

A register call the shim answers `unsatisfied` (409 `resource-not-declared`) names a resource the run
config lacks. It stays pending unless a later call for the same resource was `satisfied` (it has been
declared since). Pending resources are de-duplicated by rule, target and identifier and rendered as
one run-config YAML block per target, with `render_entries`, as `fix` renders entries.

Events of schema version 2 record the entry the shim's 409 suggested (`entry`, credential-free): the
latest one recorded for a resource is used as it is. Older events (schema version 1) record only
the target identifier (`resource_id`), so their entry is rebuilt from it: the rule's identifier
template (`{provider_id}/{model_id}`) is read back out of it to recover the fields it is made of. A
field the entry needs that neither tells (a connector's `url`) is unknown: null in the YAML, with a
comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from migrate.config.entries import ConfigEntry, Unknown
from migrate.config.merge import render_entries
from migrate.registry import RuleSet
from migrate.report.eventstore import EntryKey, EventGroup
from migrate.report.model import PendingEntry, PendingPatch, Unservable
from migrate.rules import Naming, Rule, TargetPlan
from migrate.targets import TargetName

_NOT_RECORDED = "not recorded by the shim (its events keep the identifier, not the request)"
_NOT_GIVEN = "not in the register calls the shim recorded"


@dataclass(frozen=True)
class PendingResult:
    """The YAML patches, the calls no entry can name, and the ones no entry can satisfy."""

    patches: list[PendingPatch]
    unnamed: int
    unservable: list[Unservable]


@dataclass
class _Tally:
    """The unsatisfied calls for one resource, and when it was last found declared."""

    calls: int = 0
    clients: set[str] = field(default_factory=set)
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    last_satisfied: dt.datetime | None = None

    def add(self, group: EventGroup) -> None:
        if group.outcome == "satisfied":
            self.last_satisfied = _later(self.last_satisfied, group.last)
            return
        self.calls += group.calls
        if group.fingerprint is not None:
            self.clients.add(group.fingerprint)
        self.first = group.first if self.first is None else min(self.first, group.first)
        self.last = _later(self.last, group.last)

    @property
    def pending(self) -> bool:
        """Unsatisfied, and not found declared after the last unsatisfied call."""
        if self.last is None:
            return False
        return self.last_satisfied is None or self.last_satisfied < self.last


def _later(current: dt.datetime | None, other: dt.datetime) -> dt.datetime:
    return other if current is None else max(current, other)


def pending_declarations(
    groups: Sequence[EventGroup], ruleset: RuleSet, recorded: Mapping[EntryKey, dict[str, Any]] | None = None
) -> PendingResult:
    """Everything clients tried to register that the target does not have, from the grouped events and the
    latest entry recorded per resource (`recorded`; rebuilt from the identifier where none was recorded)."""
    recorded = recorded or {}
    tallies: dict[tuple[str, TargetName, str], _Tally] = {}
    unnamed = 0
    for group in groups:
        rule = ruleset.by_id.get(group.rule_id)
        if rule is None or rule.operation != "register" or rule.naming(group.target) is None:
            continue
        if group.resource_id is None:
            unnamed += group.calls if group.outcome == "unsatisfied" else 0
            continue
        tallies.setdefault((group.rule_id, group.target, group.resource_id), _Tally()).add(group)
    entries: dict[TargetName, list[tuple[ConfigEntry, PendingEntry]]] = {}
    unservable: list[Unservable] = []
    for (rule_id, target, identifier), tally in sorted(tallies.items()):
        if not tally.pending or tally.first is None or tally.last is None:
            continue
        rule = ruleset.by_id[rule_id]
        plan, naming = _declared(rule, target)
        if naming.is_builtin(identifier):
            unservable.append(
                Unservable(
                    rule=rule_id, target=target, identifier=identifier, calls=tally.calls, guidance=plan.guidance
                )
            )
            continue
        origin = f"shim: {tally.calls} call{'s' * (tally.calls != 1)}, last {tally.last:%Y-%m-%d}"
        stored = recorded.get((rule_id, target, identifier))
        entry = (
            recorded_entry(rule, target, stored, origin)
            if stored is not None
            else rebuild_entry(rule, target, identifier, origin)
        )
        pending = PendingEntry(
            rule=rule_id,
            section=entry.section,
            identifier=identifier,
            fields=entry.plain(),
            unknown=entry.unknown_fields,
            calls=tally.calls,
            clients=len(tally.clients),
            first_seen=tally.first,
            last_seen=tally.last,
        )
        entries.setdefault(target, []).append((entry, pending))
    patches = [
        PendingPatch(target=target, yaml=render_entries([e for e, _ in items]).text, entries=[p for _, p in items])
        for target, items in sorted(entries.items())
    ]
    return PendingResult(patches, unnamed, unservable)


def rebuild_entry(rule: Rule, target: TargetName, identifier: str, origin: str) -> ConfigEntry:
    """The run-config entry that makes `target` serve `identifier` (fields it cannot tell: unknown)."""
    plan, naming = _declared(rule, target)
    names, known = naming.template.read(identifier, rule.sdk.required)
    needed = set(plan.fields) if plan.strategy == "declare-connector" else set(names)
    fields: dict[str, Any] = {}
    for source, destination in plan.fields.items():
        if source in known:
            fields[destination] = known[source]
        elif source in needed:
            fields[destination] = Unknown(_NOT_RECORDED)
    return ConfigEntry(naming.section, naming.id_field, fields, rule.id, origin)


def recorded_entry(rule: Rule, target: TargetName, stored: Mapping[str, Any], origin: str) -> ConfigEntry:
    """The entry the shim recorded, its fields in the rule's order; a field the target needs but the calls
    did not give (a connector's `url`) is unknown."""
    plan, naming = _declared(rule, target)
    names, _ = naming.template.read("", rule.sdk.required)
    needed = set(plan.fields) if plan.strategy == "declare-connector" else set(names)
    fields: dict[str, Any] = {}
    for source, destination in plan.fields.items():
        value = stored.get(destination)
        if value is not None:
            fields[destination] = value
        elif source in needed or destination in stored:
            fields[destination] = Unknown(_NOT_GIVEN)
    fields.update({name: value for name, value in stored.items() if name not in fields})
    return ConfigEntry(naming.section, naming.id_field, fields, rule.id, origin)


def _declared(rule: Rule, target: TargetName) -> tuple[TargetPlan, Naming]:
    naming = rule.naming(target)
    assert naming is not None  # only resources the target declares are pending
    return rule.targets[target], naming
