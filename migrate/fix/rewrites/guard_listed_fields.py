"""`guard-listed-fields` in Python: in the loop over a listing, `m.metadata` becomes `(m.metadata or {})`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.strategies.common import GUARDED, raw_keys

_LOOPS = (cst.For, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


def rewrite(site: PythonSite) -> Rewrite | Manual:
    call = site.hit.call
    assert call is not None and call.iterated_by is not None  # the blocker let only loops over the call through
    if site.hit.surface == "http":
        return _rewrite_raw(site, call.iterated_by)
    loop = _loops(site.module).over.get(id(site.call))
    if loop is None:
        return Manual("the loop over the listing could not be located for rewriting")
    reads = _Reads(call.iterated_by, site.call)
    loop.visit(reads)
    edits = tuple(
        (node, cst.parse_expression(f"({site.code(node)} or {GUARDED[node.attr.value]})")) for node in reads.found
    )
    fields = sorted({node.attr.value for node, _ in edits})
    note = f"guards {', '.join(fields)} of the listed items" if fields else "the listed items' fields read are served"
    return Rewrite(None, False, None, (), True, note, edits)


@dataclass(frozen=True)
class _Loops:
    """The module's loops and comprehensions by the calls they iterate, gathered in one walk for every listing the
    module's rewrites ask about (a walk per call made `fix` quadratic in the listings of a module)."""

    #: id(call) -> the first loop (in source order) whose (first) iterable is the call, possibly awaited.
    over: dict[int, cst.CSTNode]
    #: id(call) -> the first loop whose iterable holds the call (`for m in ok(requests.get(url))["data"]`).
    holding: dict[int, cst.CSTNode]


@lru_cache(maxsize=1)  # libcst nodes hash by identity: the module being fixed, held until the next one
def _loops(module: cst.Module) -> _Loops:
    finder = _LoopFinder()
    module.visit(finder)
    return _Loops(finder.over, finder.holding)


class _LoopFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.over: dict[int, cst.CSTNode] = {}
        self.holding: dict[int, cst.CSTNode] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _LOOPS):
            iterable = node.iter if isinstance(node, cst.For) else node.for_in.iter
            direct = iterable.expression if isinstance(iterable, cst.Await) else iterable
            self.over.setdefault(id(direct), node)
            calls = _Calls()
            iterable.visit(calls)
            for call in calls.found:
                self.holding.setdefault(id(call), node)
        return True


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append(node)


class _Reads(cst.CSTVisitor):
    """`item.<guarded>` reads in the loop, outside the iterable, other than truth tests and assignment targets."""

    def __init__(self, item: str, iterable: cst.Call) -> None:
        self.item = item
        self.iterable = iterable
        self.found: list[cst.Attribute] = []
        self._guarded: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.iterable:
            return False
        # Truth tests read None as an empty value already (`if m.metadata`, `m.metadata or {}`), and an
        # assignment target is no read.
        if isinstance(node, cst.BooleanOperation):
            self._guarded.update((id(node.left), id(node.right)))
        elif isinstance(node, (cst.If, cst.While, cst.IfExp, cst.CompIf)):
            self._guarded.add(id(node.test))
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            self._guarded.add(id(node.expression))
        elif isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            self._guarded.add(id(node.target))
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == self.item
            and node.attr.value in GUARDED
            and id(node) not in self._guarded
        ):
            self.found.append(node)
        return True


def _rewrite_raw(site: PythonSite, item: str) -> Rewrite | Manual:
    """Over a raw-HTTP listing, `item["identifier"]` -> `item["id"]`, `item["provider_id"]` ->
    `item["custom_metadata"]["provider_id"]`: the target's keys for the legacy ones (`raw_keys`)."""
    loop = _loops(site.module).holding.get(id(site.call))
    if loop is None:
        return Manual("the loop over the listing could not be located for rewriting")
    keys = raw_keys(site.plan)
    reads = _KeyReads(item, {key for key, path in keys.items() if path is not None})
    loop.visit(reads)
    edits: list[tuple[cst.CSTNode, cst.CSTNode]] = []
    for node, key, quote in reads.found:
        path = keys[key]
        assert path is not None
        subscripts = "".join(f"[{quote}{part}{quote}]" for part in path.split("."))
        edits.append((node, cst.parse_expression(f"{item}{subscripts}")))
    renamed = sorted({f"{key} -> {keys[key]}" for _, key, _ in reads.found})
    note = f"reads the target's keys of the listed items ({', '.join(renamed)})" if renamed else "nothing to rename"
    return Rewrite(None, False, None, (), True, note, tuple(edits))


class _KeyReads(cst.CSTVisitor):
    """`item["key"]` reads (loads, not stores) of the keys to rename: (node, key, its quote)."""

    def __init__(self, item: str, keys: set[str]) -> None:
        self.item = item
        self.keys = keys
        self.found: list[tuple[cst.Subscript, str, str]] = []

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not (isinstance(node.value, cst.Name) and node.value.value == self.item and len(node.slice) == 1):
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            if isinstance(key, str) and key in self.keys:
                self.found.append((node, key, index.value.quote[-1]))
