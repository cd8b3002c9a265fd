"""A register and the unregister of the same resource move together, or neither moves.

`fix` replaces a register by a run-config declaration and drops the matching unregister. Judged one
call at a time, a register left for a human (its arguments only known at run time, `**kwargs`)
would lose its unregister all the same: the resource stays registered by the code but is never
removed any more. So, per file:

* an unregister is paired with the registers of its resource (outside `except` handlers: fallbacks) that
  name the same resource: the same
  statically known id (the id passed to the register, or what a target names it: `vllm/acme/x`),
  the same argument source (`TOOLGROUP`), or the register's result (`model.identifier` after
  `model = client.models.register(...)`). An unregister that names no register of the file is
  paired with every register of its resource there (it may belong to any of them). Raw-HTTP calls in
  Python pair as SDK calls do (`requests.post(f"{BASE}/v1/models", json={...})`,
  `requests.delete(f"{BASE}/v1/models/{MODEL}")`): the JSON body's items and the id in the URL are their
  arguments (`CallShape.raw`);
* an unregister is never more applicable than its registers: it is left for a human when one of
  them is, and needs `--unsafe-fixes` when one of them does;
* a test function (`test*`) that registers and unregisters the same resource tests that lifecycle,
  which the run config replaces: both calls, and the test's reads of that resource, are left for a
  human, naming the test, never half rewritten.

The scan judges this from the hits alone (`settle`), so `scan` says what `fix` does; `fix` checks the
outcome again (`broken`) for the rare register that a rewrite leaves after all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from migrate.findings import Applicability, Finding, FixInfo, Hit
from migrate.registry import RuleSet
from migrate.targets import TARGETS, TargetName

_RANK: dict[Applicability, int] = {"safe": 0, "unsafe": 1, "manual": 2}
#: What identifies a finding within its file.
Key = tuple[int, int, int | None, str]


def key(finding: Finding) -> Key:
    return (finding.line, finding.column, finding.cell, finding.rule)


@dataclass(frozen=True)
class Pairing:
    """Per unregister (its index in the file's hits): the registers it moves with; per call of a
    lifecycle test (its register, unregister and reads of the resource): the test's name."""

    registers: dict[int, tuple[int, ...]]
    lifecycle: dict[int, str]


def pair(hits: Sequence[Hit], ruleset: RuleSet, target: TargetName) -> Pairing:
    """Pair the unregister calls of one file (every cell of a notebook) with its register calls, for the
    resources `target` declares in the run config (elsewhere both calls stay calls, renamed or not)."""
    # A register in an `except` handler is a fallback, not what a teardown undoes (and fix deletes the handlers
    # of a try whose body it removes): it pairs with nothing.
    registers = [
        index
        for index, hit in enumerate(hits)
        if _python_call(hit) and hit.rule.operation == "register" and hit.call is not None and not hit.call.handled
    ]
    paired: dict[int, tuple[int, ...]] = {}
    lifecycle: dict[int, str] = {}
    for index, hit in enumerate(hits):
        if not _python_call(hit) or hit.rule.operation != "unregister" or ruleset.naming(hit.rule, target) is None:
            continue
        same_kind = [r for r in registers if hits[r].rule.resource == hit.rule.resource]
        named = tuple(r for r in same_kind if _names_same(hits[r], hit, ruleset))
        paired[index] = named or tuple(same_kind)
        for register in named:
            test = _test_of(_scope(hits[register]))
            if test is not None and test == _test_of(_scope(hit)):
                lifecycle[index] = lifecycle[register] = test
    # The test is left whole: its reads of the resource too (`assert G in [g.identifier for g in ...list()]`).
    tested = {(test, hits[index].rule.resource) for index, test in lifecycle.items()}
    for index, hit in enumerate(hits):
        test = _test_of(_scope(hit))
        if index not in lifecycle and _python_call(hit) and test is not None and (test, hit.rule.resource) in tested:
            lifecycle[index] = test
    return Pairing({u: rs for u, rs in paired.items() if rs}, lifecycle)


def settle(pairs: Sequence[tuple[Hit, Finding]], pairing: Pairing) -> list[tuple[Hit, Finding]]:
    """The findings of a file with their fix applicability made consistent across pairs."""
    settled = list(pairs)
    for index, test in pairing.lifecycle.items():
        hit, finding = settled[index]
        resource = hit.rule.resource.replace("_", " ")
        note = (
            f"the test {test} registers and unregisters the {resource}: a test of that lifecycle, which the run "
            "config replaces, is left whole for a human (rewrite or drop the test)"
        )
        settled[index] = (hit, _with(finding, "manual", note))
    for index, registers in pairing.registers.items():
        hit, finding = settled[index]
        if index in pairing.lifecycle or finding.fix is None:
            continue
        worst = max(registers, key=lambda r: _RANK[_applicability(settled[r][1])])
        register = settled[worst][1]
        if _RANK[_applicability(register)] <= _RANK[finding.fix.applicability]:
            continue
        where = _where(register)
        if _applicability(register) == "manual":
            note = f"its register ({where}) is left for a human, and the two move together"
            settled[index] = (hit, _with(finding, "manual", note))
        else:
            note = f"{finding.fix.note} With its register ({where}), which needs --unsafe-fixes."
            settled[index] = (hit, _with(finding, "unsafe", note))
    return settled


def broken(findings: Sequence[Finding], pairing: Pairing, applied: Collection[Key]) -> dict[Key, str]:
    """Unregisters that a `fix` outcome applied while one of their registers was not: why each must stay."""
    held: dict[Key, str] = {}
    for index, registers in pairing.registers.items():
        if key(findings[index]) not in applied:
            continue
        left = [findings[r] for r in registers if key(findings[r]) not in applied]
        if left:
            held[key(findings[index])] = f"its register ({_where(left[0])}) is left as it is, and the two move together"
    return held


def _python_call(hit: Hit) -> bool:
    """An SDK call, or a raw-HTTP one in Python that names its resource as the SDK call would (`CallShape.raw`)."""
    return hit.surface in ("sdk", "http") and hit.call is not None


def _scope(hit: Hit) -> str | None:
    return hit.call.scope if hit.call is not None else None


def _names_same(register: Hit, unregister: Hit, ruleset: RuleSet) -> bool:
    """Whether the unregister names the resource the register creates."""
    r, u = register.call, unregister.call
    assert r is not None and u is not None and unregister.rule.sdk.id_param is not None
    if u.id_code is not None and (u.id_code == r.id_code or (r.bound_to and u.id_code.startswith(r.bound_to + "."))):
        return True
    value = u.known.get(unregister.rule.sdk.id_param)
    return isinstance(value, str) and value in _names(register, ruleset)


def _names(register: Hit, ruleset: RuleSet) -> set[str]:
    """Every name the resource goes by: the id passed, and what each target calls it."""
    call = register.call
    assert call is not None
    names = {call.known[register.rule.sdk.required[0]]} if register.rule.sdk.required[0] in call.known else set()
    for target in TARGETS:
        naming = ruleset.naming(register.rule, target)
        if naming is not None:
            rendered = naming.template.render(call.known.get).value
            if rendered is not None:
                names.add(rendered)
    return {name for name in names if isinstance(name, str)}


def _test_of(scope: str | None) -> str | None:
    """The test function a scope lies in (`TestX.test_y.helper` -> `TestX.test_y`), or None."""
    parts = (scope or "").split(".")
    for end, part in enumerate(parts, start=1):
        if part.startswith("test"):
            return ".".join(parts[:end])
    return None


def _applicability(finding: Finding) -> Applicability:
    return finding.fix.applicability if finding.fix is not None else "manual"


def _with(finding: Finding, applicability: Applicability, note: str) -> Finding:
    fix = FixInfo(applicability=applicability, note=note)
    return replace(finding, fix=fix, fixable=applicability != "manual")


def _where(finding: Finding) -> str:
    return f"cell {finding.cell}, line {finding.line}" if finding.cell else f"line {finding.line}"
