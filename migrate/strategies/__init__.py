"""The rewrite strategies: a small closed set (`rules.Strategy`), one module and one typed object each.

A rule's plan for a target names a strategy; the `Strategy` object is everything the tool knows about
it, for every part that reads the rules (in the spirit of django-upgrade's `Fixer`):

* `statuses` and `operations`: what it can replace (a rule asking for anything else fails to load);
* `blocker` and `applicability`: from what the scan saw, why `fix` cannot rewrite a finding, and
  whether its rewrite is safe: `scan` reports both, without parsing anything again;
* `rewrite`: loads the libcst rewrite of one Python call (`migrate.fix.rewrites`); `fix` alone
  imports it, so a scan never imports libcst;
* `answer`: loads the shim's answer to a deprecated call (`migrate.shim.answers`);
* `summary` and `safe_when`: the documentation (docs/fix.md's table is generated from them).

The loaders import lazily and return typed callables: the registry knows every implementation
without the scan importing the fix or shim packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import get_args

from migrate.rules import Strategy as StrategyName
from migrate.strategies import (
    declare_and_read,
    declare_connector,
    edit_providers,
    extra_body,
    guard_listed_fields,
    keep,
    manual,
    read_through_client,
    remove_statement,
    rename_namespace,
    translate_read,
    update_pin,
)
from migrate.strategies.model import Strategy


def _registry(*found: Strategy) -> Mapping[StrategyName, Strategy]:
    table = {strategy.name: strategy for strategy in found}
    missing = set(get_args(StrategyName)) - set(table)
    if missing or len(table) != len(found):
        raise RuntimeError(f"the strategy registry must serve each strategy once; missing {sorted(missing)}")
    return MappingProxyType(table)


#: Every strategy, by name; complete over `rules.Strategy` (checked when this module loads).
STRATEGIES: Mapping[StrategyName, Strategy] = _registry(
    keep.STRATEGY,
    rename_namespace.STRATEGY,
    declare_and_read.STRATEGY,
    declare_connector.STRATEGY,
    remove_statement.STRATEGY,
    translate_read.STRATEGY,
    manual.STRATEGY,
    extra_body.STRATEGY,
    update_pin.STRATEGY,
    guard_listed_fields.STRATEGY,
    read_through_client.STRATEGY,
    edit_providers.STRATEGY,
)
