"""Find pins of the SDK that the fixed code cannot run with, in requirements files, pyproject.toml and setup.cfg.

A `pin` rule names the distributions it looks for (`llama-stack-client`) and, per target, the `requirement`
of the SDK the fixed code is written for (`>=0.7.3,<0.8`). A line pins a distribution with a PEP 508
specifier (`llama-stack-client==0.3.5`, also quoted in PEP 621 `dependencies` and in setup.cfg) or a Poetry
constraint (`llama-stack-client = "^0.3.5"`, `{ version = "~0.3" }`). It is a hit when the specifier does
not admit the requirement's lower bound, with the span of the specifier, which is what `fix` replaces; a
specifier this module cannot read is a hit left for a human. A name without a specifier, a URL reference,
a comment line and an entry point named like the distribution (`llama-stack-client = "pkg.cli:main"` under
`[project.scripts]`: a constraint never holds a `:`) pin nothing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from migrate.findings import Document, Hit, Scanned, source_lines

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.rules import Rule
    from migrate.targets import TargetName

_OPERATOR = r"(?:===|==|!=|~=|>=|<=|>|<)"
_PEP508 = rf"(?:\s*\[[^\]]*\])?\s*(?P<spec>{_OPERATOR}\s*[^;#\"',\s\]]+(?:\s*,\s*{_OPERATOR}\s*[^;#\"',\s\]]+)*)"
_POETRY = r"\s*=\s*(?:\"(?P<quoted>[^\":]*)\"|'(?P<single>[^':]*)'|\{[^}]*?\bversion\s*=\s*\"(?P<table>[^\"]*)\")"
_CLAUSE = re.compile(r"\s*(?P<op>===|==|!=|~=|>=|<=|>|<|\^|~)?\s*(?P<version>[0-9][0-9A-Za-z.*+!-]*)\s*")
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def scan_dependencies(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `dependencies` language matcher: one document, a hit per pin that excludes the target's SDK."""
    lines = source_lines(text)
    hits: list[Hit] = []
    if not ruleset.pins:  # no pin rule selected (`--select LSM26`): no name to look for, and no pattern of none
        return Scanned([Document(lines, hits)], [])
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        for match in _pattern(tuple(ruleset.pins)).finditer(line):
            rule = ruleset.pins[re.sub(r"[-_.]+", "-", match.group("name")).lower()]
            hit = _judge(rule, target, match, number)
            if hit is not None:
                hits.append(hit)
    return Scanned([Document(lines, hits)], [])


def _judge(rule: Rule, target: TargetName, match: re.Match[str], line: int) -> Hit | None:
    group = next(name for name in ("spec", "quoted", "single", "table") if match.group(name) is not None)
    spec = match.group(group)
    requirement = rule.targets[target].requirement
    needed = _lower_bound(requirement) if requirement else None
    if needed is None or spec.strip() in ("*", ""):
        return None
    verdict = admits(spec, needed)
    if verdict is True:
        return None
    wanted = ".".join(map(str, needed))
    detail = f"pin {match.group('name')} {spec.strip()}" + (
        f", which excludes {wanted}" if verdict is False else ", not a specifier this tool reads"
    )
    start, end = match.span(group)
    return Hit(rule, "pin", line, start, line, end, "high", verdict is False, detail)


@cache
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    spelled = "|".join(re.escape(name).replace(r"\-", "[-_.]") for name in names)
    return re.compile(rf"(?<![\w.-])(?P<name>{spelled})(?![\w.-])(?:{_PEP508}|{_POETRY})", re.IGNORECASE)


def _lower_bound(requirement: str) -> tuple[int, ...] | None:
    """The version a requirement starts at (`>=0.7.3,<0.8` -> (0, 7, 3))."""
    for clause in requirement.split(","):
        match = _CLAUSE.fullmatch(clause)
        if match and match.group("op") in (">=", "==", "~=", "^", "~", None):
            return _release(match.group("version"))
    return None


def admits(spec: str, version: tuple[int, ...]) -> bool | None:
    """Whether a PEP 440 specifier or a Poetry constraint admits `version`; None when it cannot be read."""
    verdict = True
    for clause in spec.split(","):
        match = _CLAUSE.fullmatch(clause)
        bound = _release(match.group("version").removesuffix(".*")) if match else None
        if match is None or bound is None:
            return None
        verdict &= _clause_admits(match.group("op") or "==", bound, match.group("version").endswith(".*"), version)
    return verdict


def _clause_admits(op: str, bound: tuple[int, ...], wildcard: bool, version: tuple[int, ...]) -> bool:
    width = max(len(bound), len(version))
    have, want = _pad(version, width), _pad(bound, width)
    if op in ("==", "===", "!="):
        equal = version[: len(bound)] == bound if wildcard else have == want
        return equal if op != "!=" else not equal
    if op == "~=":
        return have >= want and version[: len(bound) - 1] == bound[:-1]
    if op in ("^", "~"):  # Poetry: ^0.7.2 is >=0.7.2,<0.8.0; ~1.2 is >=1.2,<1.3
        return have >= want and have < _pad(_next(bound, caret=op == "^"), width)
    return {">=": have >= want, "<=": have <= want, ">": have > want, "<": have < want}[op]


def _next(bound: tuple[int, ...], *, caret: bool) -> tuple[int, ...]:
    """The first version a Poetry caret or tilde constraint excludes."""
    if caret:
        index = next((i for i, part in enumerate(bound) if part != 0), len(bound) - 1)
    else:
        index = min(1, len(bound) - 1) if len(bound) > 1 else 0
    return (*bound[:index], bound[index] + 1)


def _release(text: str) -> tuple[int, ...] | None:
    match = _RELEASE.match(text)
    return tuple(int(part) for part in match.group(0).split(".")) if match else None


def _pad(release: tuple[int, ...], width: int) -> tuple[int, ...]:
    return release + (0,) * (width - len(release))
