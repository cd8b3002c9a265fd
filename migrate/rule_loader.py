"""Load and validate rule files into a `RuleSet`.

`load_rules` reads the bundled rules and any `--rules DIR` on top (a rule with the same id replaces
the bundled one), validates every file, and reports every problem at once as one `RuleError`. Besides
the rule model's own checks, a rule must name strategies that can serve it (`migrate.strategies`) and
example languages that are surfaces (`migrate.sources`): a rule the tool cannot serve never loads.
This module sits above both registries; `registry.RuleSet`, which the matchers and strategies use,
sits below them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migrate import sources, toml
from migrate.errors import RuleError
from migrate.registry import RuleSet, normalise_package
from migrate.rulecache import cached
from migrate.rules import Rule
from migrate.strategies import STRATEGIES
from migrate.validation import problems as validation_problems

if TYPE_CHECKING:
    from pydantic import TypeAdapter


def bundled_rules_dir() -> Path:
    """The rules shipped with the package (the wheel), or `rules/` of a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


def load_rules(extra_dirs: Sequence[Path] = ()) -> RuleSet:
    """Load the bundled rules, then each of `extra_dirs` (same id: the later file wins).

    The bundled rules alone come from a cache when their files and this code have not changed
    (`rulecache`): validating them is most of a small scan's start-up.
    """
    if not extra_dirs:
        return cached(bundled_rules_dir(), lambda: _load(()), RuleSet)
    return _load(extra_dirs)


def _load(extra_dirs: Sequence[Path]) -> RuleSet:
    # pydantic validates the rule files, and only here: a scan whose rules come from the cache never imports it
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Rule)
    problems: list[str] = []
    rules: dict[str, Rule] = {}
    for directory in (bundled_rules_dir(), *extra_dirs):
        if not directory.is_dir():
            problems.append(f"{directory}: not a directory of rule files")
            continue
        seen_here: dict[str, Path] = {}
        for path in sorted(directory.glob("*.toml")):
            rule = _load_rule_file(path, adapter, problems)
            if rule is None:
                continue
            if rule.id in seen_here:
                problems.append(f"{path}: id: {rule.id} is also the id of {seen_here[rule.id].name}")
                continue
            seen_here[rule.id] = path
            rules[rule.id] = rule
    problems += _shared_methods(rules.values())
    problems += _unknown_builtins(list(rules.values()))
    problems += _config_blocks(list(rules.values()))
    if problems:
        raise RuleError("invalid rules:\n  " + "\n  ".join(problems))
    if not rules:
        raise RuleError("no rules loaded")
    return RuleSet(tuple(sorted(rules.values(), key=lambda rule: rule.id)))


def _shared_methods(rules: Iterable[Rule]) -> list[str]:
    """An SDK method path, or a pinned distribution, that two rules claim alike: the matcher could not tell
    which a call is. Rules may share a method path when they require different keywords (`rule_for`)."""
    owners: dict[tuple[str, frozenset[str]], str] = {}
    problems: list[str] = []
    for rule in sorted(rules, key=lambda rule: rule.id):
        pins = [f"pin {normalise_package(p)}" for p in (rule.pin.packages if rule.pin else ())]
        for claim in (*rule.sdk.methods, *pins):
            key = (claim, frozenset(rule.sdk.required) if claim in rule.sdk.methods else frozenset())
            if key in owners:
                problems.append(f"{rule.id}: {claim} is also claimed by {owners[key]}: one rule per method path")
            owners.setdefault(key, rule.id)
    return problems


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


def _config_blocks(rules: Sequence[Rule]) -> list[str]:
    """Run-config blocks claimed by two config rules, and config rules whose fix moves entries to a section that
    the register rule of their resource does not declare there (the fix names entries as that rule does)."""
    owners: dict[str, str] = {}
    problems: list[str] = []
    ruleset = RuleSet(tuple(sorted(rules, key=lambda rule: rule.id)))
    for rule in ruleset.rules:
        if rule.config is None:
            continue
        if rule.config.key in owners:
            problems.append(
                f"{rule.id}: registered_resources.{rule.config.key} is also claimed by {owners[rule.config.key]}"
            )
        owners.setdefault(rule.config.key, rule.id)
        for target, plan in rule.targets.items():
            if STRATEGIES[plan.strategy].migrates_config is None:
                continue
            naming = ruleset.naming(rule, target)
            if naming is None or naming.section != plan.config_section or naming.id_field not in plan.fields.values():
                problems.append(
                    f"{rule.id}: targets.{target}: the {rule.resource} register rule declares no "
                    f"{plan.config_section} entry named by {', '.join(plan.fields.values()) or 'these fields'} there"
                )
    return problems


def _load_rule_file(path: Path, adapter: TypeAdapter[Rule], problems: list[str]) -> Rule | None:
    from pydantic import ValidationError  # imported by `_load` already

    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None
    except toml.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML: {exc}")
        return None
    try:
        rule = adapter.validate_python(data)
    except ValidationError as exc:
        problems.extend(f"{path}: {problem}" for problem in validation_problems(exc))
        return None
    served = _unserved(rule)
    problems.extend(f"{path}: {problem}" for problem in served)
    return None if served else rule


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
