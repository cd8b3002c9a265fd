"""What a strategy decides for one call site: a rewrite, or why a human has to do it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migrate.config.entries import ConfigEntry
from migrate.findings import Hit
from migrate.rules import Naming, Rule, TargetPlan
from migrate.targets import TargetName

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class Manual:
    """No automatic rewrite: the reason, shown to the user with the rule's guidance, and what the call
    declares all the same (a raw-HTTP registration whose JSON body is known: `Strategy.declare`)."""

    reason: str
    entries: tuple[ConfigEntry, ...] = ()


@dataclass(frozen=True)
class Rewrite:
    """A rewrite of one call: replace the call expression, or remove its statement.

    `safe` follows ruff's model: a safe rewrite keeps the program's meaning once the config entries
    are deployed; an unsafe one needs a human to check it (values known only at run time) and is
    applied only with `--unsafe-fixes`.
    """

    replacement: cst.BaseExpression | None
    remove_statement: bool
    comment: str | None
    entries: tuple[ConfigEntry, ...]
    safe: bool
    note: str
    #: Other nodes of the module that change with the call: (original node, its replacement). What is read
    #: from the call's result in the loop over it, later uses of the id it registered.
    edits: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ()
    #: Names the rewritten code needs imported in the module: (module, name), `("types", "SimpleNamespace")`.
    imports: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PythonSite:
    """One Python call that a strategy rewrites, with what it needs to read the call."""

    hit: Hit
    rule: Rule
    plan: TargetPlan
    naming: Naming | None
    target: TargetName
    call: cst.Call
    module: cst.Module
    origin: str
    constants: dict[str, Any]

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
