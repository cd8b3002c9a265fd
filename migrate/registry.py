"""Load and validate rule files, and index them for the matchers.

`load_rules` reads the bundled rules and any `--rules DIR` on top (a rule with the same id replaces
the bundled one), validates every file, and reports every problem at once as one `RuleError`. Besides
the rule model's own checks, a rule must name strategies that can serve it (`migrate.strategies`) and
example languages that are surfaces (`migrate.sources`): a rule the tool cannot serve never loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from migrate import sources, toml
from migrate.errors import RuleError
from migrate.routes import Route, compile_route
from migrate.rules import Naming, Rule
from migrate.strategies import STRATEGIES
from migrate.targets import TargetName


def bundled_rules_dir() -> Path:
    """The rules shipped with the package (the wheel), or `rules/` of a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


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
    def sdk_methods(self) -> dict[tuple[str, ...], Rule]:
        """`("models", "register")` -> rule, for every SDK method path."""
        return {tuple(method.split(".")): rule for rule in self.rules for method in rule.sdk.methods}

    @cached_property
    def sdk_verbs(self) -> frozenset[str]:
        return frozenset(path[-1] for path in self.sdk_methods)

    @cached_property
    def routes(self) -> tuple[Route, ...]:
        routes: list[Route] = []
        for rule in self.rules:
            for template in rule.http.all_paths:
                legacy = template in rule.http.legacy_paths
                routes.append(Route(rule, rule.http.method, template, legacy, compile_route(template)))
        return tuple(routes)

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
        """`registered_resources` key -> the register rule it replaces."""
        return {rule.run_config_key: rule for rule in self.rules if rule.run_config_key}

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


def load_rules(extra_dirs: Sequence[Path] = ()) -> RuleSet:
    """Load the bundled rules, then each of `extra_dirs` (same id: the later file wins)."""
    problems: list[str] = []
    rules: dict[str, Rule] = {}
    for directory in (bundled_rules_dir(), *extra_dirs):
        if not directory.is_dir():
            problems.append(f"{directory}: not a directory of rule files")
            continue
        seen_here: dict[str, Path] = {}
        for path in sorted(directory.glob("*.toml")):
            rule = _load_rule_file(path, problems)
            if rule is None:
                continue
            if rule.id in seen_here:
                problems.append(f"{path}: id: {rule.id} is also the id of {seen_here[rule.id].name}")
                continue
            seen_here[rule.id] = path
            rules[rule.id] = rule
    problems += _unknown_builtins(list(rules.values()))
    if problems:
        raise RuleError("invalid rules:\n  " + "\n  ".join(problems))
    if not rules:
        raise RuleError("no rules loaded")
    return RuleSet(tuple(sorted(rules.values(), key=lambda rule: rule.id)))


def _load_rule_file(path: Path, problems: list[str]) -> Rule | None:
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None
    except toml.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
        return None
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            problems.append(f"{path}: {key}: {error['msg']}")
        return None
    served = _unserved(rule)
    problems.extend(f"{path}: {problem}" for problem in served)
    return None if served else rule


def _unknown_builtins(rules: Sequence[Rule]) -> list[str]:
    """Translations that read built-in identifiers of a resource whose register rule describes none."""
    described = {rule.resource for rule in rules if rule.builtin is not None}
    return [
        f"{rule.id}: targets.{target}.translate: the {rule.resource} register rule has no 'builtin' table"
        for rule in rules
        for target, plan in rule.targets.items()
        if plan.translate is not None
        and rule.resource not in described
        and (plan.translate.builtin is not None or any(source.path is None for source in plan.translate.sources))
    ]


def _unserved(rule: Rule) -> list[str]:
    """What the rule asks for that no strategy or surface of this tool serves."""
    problems = [
        f"targets.{target}.strategy: {reason}"
        for target, plan in rule.targets.items()
        if (reason := STRATEGIES[plan.strategy].unfit(rule, plan)) is not None
    ]
    languages = {record.language for record in sources.SOURCES}
    problems += [
        f"examples.{index}.language: {example.language!r} is not a surface ({', '.join(sorted(languages))})"
        for index, example in enumerate(rule.examples)
        if example.language not in languages
    ]
    return problems
