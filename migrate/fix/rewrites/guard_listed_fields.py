"""`guard-listed-fields` in Python: in the loop over a listing, `m.metadata` becomes `(m.metadata or {})`."""

from __future__ import annotations

import libcst as cst

from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.strategies.common import GUARDED, raw_keys

_LOOPS = (cst.For, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


def rewrite(site: PythonSite) -> Rewrite | Manual:
    call = site.hit.call
    assert call is not None and call.iterated_by is not None  # the blocker let only loops over the call through
    if site.hit.surface == "http":
        return _rewrite_raw(site, call.iterated_by)
    loop = _loop_over(site.module, site.call)
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


def _loop_over(module: cst.Module, call: cst.Call) -> cst.CSTNode | None:
    """The for loop or comprehension whose (first) iterable is `call`, possibly awaited."""
    finder = _LoopFinder(call)
    module.visit(finder)
    return finder.found


class _LoopFinder(cst.CSTVisitor):
    def __init__(self, call: cst.Call) -> None:
        self.call = call
        self.found: cst.CSTNode | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.found is not None:
            return False
        if isinstance(node, _LOOPS):
            iterable = node.iter if isinstance(node, cst.For) else node.for_in.iter
            iterable = iterable.expression if isinstance(iterable, cst.Await) else iterable
            if iterable is self.call:
                self.found = node
                return False
        return True


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
    finder = _RawLoopFinder(site.call)
    site.module.visit(finder)
    if finder.found is None:
        return Manual("the loop over the listing could not be located for rewriting")
    keys = raw_keys(site.plan)
    reads = _KeyReads(item, {key for key, path in keys.items() if path is not None})
    finder.found.visit(reads)
    edits: list[tuple[cst.CSTNode, cst.CSTNode]] = []
    for node, key, quote in reads.found:
        path = keys[key]
        assert path is not None
        subscripts = "".join(f"[{quote}{part}{quote}]" for part in path.split("."))
        edits.append((node, cst.parse_expression(f"{item}{subscripts}")))
    renamed = sorted({f"{key} -> {keys[key]}" for _, key, _ in reads.found})
    note = f"reads the target's keys of the listed items ({', '.join(renamed)})" if renamed else "nothing to rename"
    return Rewrite(None, False, None, (), True, note, tuple(edits))


class _RawLoopFinder(cst.CSTVisitor):
    """The for loop or comprehension whose iterable holds `call` (`for m in ok(requests.get(url))["data"]`)."""

    def __init__(self, call: cst.Call) -> None:
        self.call = call
        self.found: cst.CSTNode | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.found is None and isinstance(node, _LOOPS):
            iterable = node.iter if isinstance(node, cst.For) else node.for_in.iter
            holder = _Holds(self.call)
            iterable.visit(holder)
            if holder.held:
                self.found = node
        return self.found is None


class _Holds(cst.CSTVisitor):
    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node
        self.held = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.held = self.held or node is self.node
        return not self.held


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
