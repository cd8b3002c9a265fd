"""The validated rules, indexed for the matchers, the router and every part that looks a rule up.

`RuleSet` is what `rule_loader.load_rules` returns; it knows nothing of files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from migrate.routes import Route
from migrate.rules import Naming, Rule
from migrate.targets import TargetName


@dataclass(frozen=True)
class RuleSet:
    """The validated rules, with the lookup tables every surface matcher uses.

    `catalog` is every rule loaded, selected or not: an unregister rule names its resource the way
    its register rule does (`naming`), even when `--select` left the register rule out.
    """

    rules: tuple[Rule, ...]
    catalog: tuple[Rule, ...] = ()
    by_id: dict[str, Rule] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})
        if not self.catalog:
            object.__setattr__(self, "catalog", self.rules)

    def select(self, select: Iterable[str] | None, ignore: Iterable[str] | None) -> RuleSet:
        """The rules whose id starts with a `select` prefix (all when None) and no `ignore` prefix."""
        chosen = tuple(select or ())
        dropped = tuple(ignore or ())
        return RuleSet(
            tuple(
                rule
                for rule in self.rules
                if (not chosen or rule.id.startswith(chosen)) and not (dropped and rule.id.startswith(dropped))
            ),
            self.catalog,
        )

    def naming(self, rule: Rule, target: TargetName) -> Naming | None:
        """How `target` names `rule`'s resource when it is declared: the register rule's naming."""
        if rule.operation == "register":
            return rule.naming(target)
        register = next((r for r in self.catalog if r.resource == rule.resource and r.operation == "register"), None)
        return register.naming(target) if register is not None else None

    @cached_property
    def sdk_methods(self) -> dict[tuple[str, ...], tuple[Rule, ...]]:
        """`("models", "register")` -> its rules, for every SDK method path.

        A path has one rule, or several that tell calls apart by the keywords they require
        (`safety.run_shield`: with `params`, a call the 0.7 SDK refuses; without, a use of the Safety API):
        the most specific first (`rule_for`).
        """
        table: dict[tuple[str, ...], list[Rule]] = {}
        for rule in self.rules:
            for method in rule.sdk.methods:
                table.setdefault(tuple(method.split(".")), []).append(rule)
        return {
            path: tuple(sorted(rules, key=lambda rule: (-len(rule.sdk.required), rule.id)))
            for path, rules in table.items()
        }

    def rule_for(self, method: tuple[str, ...], keywords: Iterable[str]) -> Rule | None:
        """The rule of an SDK call of `method` that passes `keywords`: the first whose required keywords it passes,
        else the least specific (a call that lacks a required keyword is a finding that does not fit)."""
        rules = self.sdk_methods.get(method)
        if not rules:
            return None
        given = set(keywords)
        return next((rule for rule in rules if set(rule.sdk.required) <= given), rules[-1])

    @cached_property
    def sdk_verbs(self) -> frozenset[str]:
        return frozenset(path[-1] for path in self.sdk_methods)

    @cached_property
    def routes(self) -> tuple[Route, ...]:
        routes: list[Route] = []
        for rule in self.rules:
            method = rule.http.method
            if method is None:
                continue
            for template in rule.http.all_paths:
                legacy = template in rule.http.legacy_paths
                routes.append(Route(rule, method, template, legacy))
        return tuple(routes)

    @cached_property
    def pins(self) -> dict[str, Rule]:
        """Normalised distribution name (`llama-stack-client`) -> the `pin` rule that looks for it."""
        return {normalise_package(p): rule for rule in self.rules if rule.pin for p in rule.pin.packages}

    @cached_property
    def cli_commands(self) -> dict[tuple[str, str], Rule]:
        """`("models", "register")` -> rule, for `llama-stack-client <noun> <verb>`."""
        table: dict[tuple[str, str], Rule] = {}
        for rule in self.rules:
            for command in rule.cli.commands if rule.cli else ():
                noun, verb = command.split()
                table[(noun, verb)] = rule
        return table

    @cached_property
    def config_keys(self) -> dict[str, Rule]:
        """`registered_resources` key -> the `config` rule of its entries (`shields` -> LSM211)."""
        return {rule.config.key: rule for rule in self.rules if rule.config is not None}

    @cached_property
    def provider_rules(self) -> tuple[Rule, ...]:
        """The `config` rules of a run config's provider settings (`apis`, `providers`): LSM26x."""
        return tuple(rule for rule in self.rules if rule.providers is not None)

    @cached_property
    def resource_tokens(self) -> tuple[str, ...]:
        """Words one of which every deprecated use must contain: SDK namespaces and path segments."""
        tokens: set[str] = set()
        for path in self.sdk_methods:
            tokens.update(path[:-1])
        for route in self.routes:
            tokens.update(seg for seg in route.template.split("/") if seg and "{" not in seg)
        tokens.update(noun for noun, _ in self.cli_commands)
        tokens.update(self.config_keys)
        tokens -= {"v1", "v1beta", "v1alpha", "beta", "alpha", "eval"}
        return tuple(sorted(tokens))


def normalise_package(name: str) -> str:
    """A distribution name as PEP 503 compares them (`Llama_Stack.Client` -> `llama-stack-client`)."""
    return re.sub(r"[-_.]+", "-", name).lower()
