"""`guard-listed-fields` in Python: in the loop over a listing, `m.metadata` becomes `(m.metadata or {})`."""

from __future__ import annotations

import libcst as cst

from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.strategies.common import GUARDED

_LOOPS = (cst.For, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


def rewrite(site: PythonSite) -> Rewrite | Manual:
    call = site.hit.call
    assert call is not None and call.iterated_by is not None  # the blocker let only loops over the call through
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
