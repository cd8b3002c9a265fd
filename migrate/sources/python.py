"""Find deprecated uses in Python source: SDK calls and raw HTTP calls.

The scan parses with the standard library's `ast` (about ten times faster than a libcst parse with
positions, which matters on large trees); `fix` re-parses the few files it rewrites with libcst and
edits the spans reported here. Only calls are inspected, so comments, docstrings and prose never
produce findings.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from migrate.errors import SourceError
from migrate.findings import CallShape, Confidence, Document, Hit, Scanned, Surface, source_lines
from migrate.rules import SDK_REQUEST_OPTIONS, SDK_WRAPPERS, Rule
from migrate.sources.urls import HOLE, LLAMA_CONTEXT, has_literal_path, match_route

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

LLAMA_MODULES = frozenset({"llama_stack_client", "llama_stack", "ogx", "ogx_client"})
_HTTP_VERB_METHODS = {
    "get": "GET",
    "_get": "GET",
    "post": "POST",
    "_post": "POST",
    "delete": "DELETE",
    "_delete": "DELETE",
}
_HTTP_GENERIC_METHODS = frozenset({"request", "_request", "arequest"})
_MAX_ALIAS_DEPTH = 4
_MAX_STRING_DEPTH = 6
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


def scan_python_file(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `python` language matcher: the whole file is one document."""
    hits, depth = scan_python_module(text, ruleset)
    return Scanned([Document(source_lines(text), hits, depth=depth)], [])


def parse_python(text: str) -> ast.Module:
    """`ast.parse`, without the warnings the parser gives about the user's code. Raises SourceError.

    Invalid escape sequences (`"\\d"`) are a DeprecationWarning or SyntaxWarning at parse time: they
    are the user's business, and under `-W error` they would turn a good file into a parse failure.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise SourceError(f"cannot parse Python{where}: {getattr(exc, 'msg', exc)}") from exc
    except (RecursionError, MemoryError) as exc:
        raise SourceError(f"cannot parse Python: nested too deeply for the parser ({type(exc).__name__})") from exc


def scan_python(text: str, ruleset: RuleSet, *, cell: int | None = None) -> list[Hit]:
    """Every deprecated use in one Python module (or notebook cell)."""
    hits, _ = scan_python_module(text, ruleset, cell=cell)
    return hits


def scan_python_module(text: str, ruleset: RuleSet, *, cell: int | None = None) -> tuple[list[Hit], int]:
    """Every deprecated use in one Python module, and how deep its syntax nests (see `syntax_depth`)."""
    tree = parse_python(text)
    collector = _Collector()
    collector.collect(tree)
    module = _Module(text, ruleset, collector, cell, tree)
    return [hit for call in collector.calls if (hit := module.match(call)) is not None], collector.depth


def syntax_depth(text: str) -> int:
    """How deep the module's syntax nests, counted as libcst nests it. Raises SourceError.

    The syntax tree's depth, where a chain of `and` / `or` (one node for `ast`) counts a level per
    operand: libcst nests it pairwise, and its parser crashes the process on a few thousand.
    """
    collector = _Collector()
    collector.collect(parse_python(text))
    return collector.depth


@dataclass
class _Collector:
    """One walk over the tree: imports, simple assignments and every call.

    The walk keeps its own stack, so expressions nested deeper than Python's recursion limit (a long
    `+` chain, thousands of implicitly concatenated strings) are scanned like any other.
    """

    llama_import: bool = False
    calls: list[ast.Call] = field(default_factory=list)
    assignments: dict[str, list[ast.expr]] = field(default_factory=dict)
    standalone: set[int] = field(default_factory=set)
    depth: int = 0  # the deepest node, counted as libcst nests (see `syntax_depth`)

    def visit_Import(self, node: ast.Import) -> None:
        if any(alias.name.split(".")[0] in LLAMA_MODULES for alias in node.names):
            self.llama_import = True

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.split(".")[0] in LLAMA_MODULES:
            self.llama_import = True

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assignments.setdefault(target.id, []).append(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.assignments.setdefault(node.target.id, []).append(node.value)

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call):
            self.standalone.add(id(value))

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)

    def collect(self, tree: ast.AST) -> None:
        """Visit every node once, a parent before its children (the order of `ast.NodeVisitor`)."""
        visitors: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Import: self.visit_Import,
            ast.ImportFrom: self.visit_ImportFrom,
            ast.Assign: self.visit_Assign,
            ast.AnnAssign: self.visit_AnnAssign,
            ast.Expr: self.visit_Expr,
            ast.Call: self.visit_Call,
        }
        deepest = 0
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            deepest = max(deepest, depth)
            visit = visitors.get(type(node))
            if visit is not None:
                visit(node)
            inner = depth + (len(node.values) - 1 if isinstance(node, ast.BoolOp) else 1)
            children: list[tuple[ast.AST, int]] = []
            for name in node._fields:  # ast.iter_child_nodes, without a generator per node
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    children.append((value, inner))
                elif isinstance(value, list):
                    children += [(item, inner) for item in value if isinstance(item, ast.AST)]
            children.reverse()
            stack += children
        self.depth = deepest


class _Module:
    """Matching state for one module: its text, imports and name bindings."""

    def __init__(self, text: str, ruleset: RuleSet, collector: _Collector, cell: int | None, tree: ast.Module) -> None:
        self.lines = source_lines(text)
        self.ruleset = ruleset
        self.collector = collector
        self.cell = cell
        self.tree = tree
        self.llama_context = collector.llama_import or bool(LLAMA_CONTEXT.search(text))

    @cached_property
    def constants(self) -> dict[str, object]:
        """Module-level names assigned exactly once, to a value known statically (`ID = "mcp::x"`).

        The same names `fix` reads as constants (`fix.callargs.module_constants`): top-level statements
        only, a single plain target, evaluated in order.
        """
        assigned: dict[str, list[ast.expr]] = {}
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(statement.value)
            elif (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value is not None
            ):
                assigned.setdefault(statement.target.id, []).append(statement.value)
        constants: dict[str, object] = {}
        for name, values in assigned.items():
            if len(values) == 1:
                value = static_value(values[0], constants)
                if value is not UNKNOWN:
                    constants[name] = value
        return constants

    # -- entry point -------------------------------------------------------------------------

    def match(self, call: ast.Call) -> Hit | None:
        chain, aliased = self._chain(call.func)
        return self._match_sdk(call, chain, aliased) or self._match_http(call, chain)

    # -- attribute chains and aliases --------------------------------------------------------

    def _chain(self, node: ast.expr, depth: int = 0) -> tuple[list[str], bool]:
        """`self.client.models.register` -> ['self', 'client', 'models', 'register'], aliases expanded.

        A root that is not a name (a call, a subscript) becomes '()'. A local name bound once to
        an attribute chain (`m = client.models`) is replaced by that chain; the flag says so.
        """
        names: list[str] = []
        while isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        aliased = False
        if isinstance(node, ast.Name):
            bound = self._single_binding(node.id)
            if depth < _MAX_ALIAS_DEPTH and isinstance(bound, ast.Attribute):
                root, _ = self._chain(bound, depth + 1)
                aliased = True
            else:
                root = [node.id]
        else:
            root = ["()"]
        return root + names[::-1], aliased

    def _single_binding(self, name: str) -> ast.expr | None:
        values = self.collector.assignments.get(name, [])
        return values[0] if len(values) == 1 else None

    # -- SDK calls ---------------------------------------------------------------------------

    def _match_sdk(self, call: ast.Call, chain: list[str], aliased: bool) -> Hit | None:
        if chain[-1] not in self.ruleset.sdk_verbs:
            return None
        path = [name for name in chain if name not in SDK_WRAPPERS]
        for length in (3, 2):
            method = tuple(path[-length:])
            rule = self.ruleset.sdk_methods.get(method)
            if rule is not None and len(path) > length:
                return self._judge_sdk(call, rule, method, chain, aliased)
        return None

    def _judge_sdk(
        self, call: ast.Call, rule: Rule, method: tuple[str, ...], chain: list[str], aliased: bool
    ) -> Hit | None:
        valid, starred = _signature_fits(call, rule)
        hinted = self.collector.llama_import or any("llama" in name.lower() for name in chain[:-1])
        if rule.operation == "read" and not hinted:
            return None  # `models.list()`, `tools.list()`: everywhere; a read needs the Llama Stack context
        confidence: Confidence
        if valid:
            confidence = "high" if hinted else "medium"
        elif self.collector.llama_import:
            confidence = "low"
        else:
            return None
        shown = ".".join("…" if name == "()" else name for name in chain)
        detail = f"SDK call {shown}()"
        if not valid:
            detail += " with arguments the real SDK method does not take"
        shape = CallShape(
            keywords=frozenset(kw.arg for kw in call.keywords if kw.arg is not None),
            positional=len(call.args),
            starred=starred,
            standalone=id(call) in self.collector.standalone,
            aliased=aliased,
            known=self._known_keywords(call),
        )
        return self._hit(call, rule, "sdk", confidence, valid and not starred, detail, sdk_path=method, shape=shape)

    def _known_keywords(self, call: ast.Call) -> dict[str, object]:
        values: dict[str, object] = {}
        for keyword in call.keywords:
            if keyword.arg is not None:
                value = static_value(keyword.value, self.constants)
                if value is not UNKNOWN:
                    values[keyword.arg] = value
        return values

    # -- raw HTTP calls ----------------------------------------------------------------------

    def _match_http(self, call: ast.Call, chain: list[str]) -> Hit | None:
        if not self.llama_context:
            return None
        found = self._http_method_and_url(call, chain)
        if found is None:
            return None
        method, url_node = found
        url = self._string(url_node)
        if url is None:
            return None
        route = match_route(self.ruleset, method, url)
        if route is None:
            return None
        confidence: Confidence = "high" if self.collector.llama_import else "medium"
        shown = url.replace(HOLE, "{…}")
        detail = f"HTTP {method} {shown}"
        if route.legacy:
            detail += f" (0.2-era path {route.template})"
        return self._hit(
            call,
            route.rule,
            "http",
            confidence,
            has_literal_path(url, route),
            detail,
            http_path=route.template,
        )

    def _http_method_and_url(self, call: ast.Call, chain: list[str]) -> tuple[str, ast.expr] | None:
        name = chain[-1]
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        if name in _HTTP_VERB_METHODS:
            url = call.args[0] if call.args else keywords.get("url") or keywords.get("path")
            return (_HTTP_VERB_METHODS[name], url) if url is not None else None
        if name in _HTTP_GENERIC_METHODS:
            method_node = call.args[0] if call.args else keywords.get("method")
            url = call.args[1] if len(call.args) > 1 else keywords.get("url") or keywords.get("path")
        elif name == "Request":  # urllib.request.Request(url, data=None, headers={}, ..., method=None)
            url = call.args[0] if call.args else keywords.get("url")
            method_node = keywords.get("method")
            if method_node is None:
                has_data = len(call.args) > 1 or "data" in keywords
                return ("POST", url) if has_data and url is not None else None
        elif name == "construct":  # FinalRequestOptions.construct(method="post", url="/v1/models")
            method_node, url = keywords.get("method"), keywords.get("url")
        else:
            return None
        method = self._string(method_node) if method_node is not None else None
        if method is None or HOLE in method or url is None:
            return None
        return method.upper(), url

    def _string(self, node: ast.expr | None, depth: int = 0) -> str | None:
        """The static text of a string expression, `HOLE` for unknown parts; None if no text at all."""
        parts = list(self._string_parts(node, depth))
        text = "".join(parts)
        return None if not text.replace(HOLE, "") else text

    def _string_parts(self, node: ast.expr | None, depth: int) -> Iterator[str]:
        if node is None or depth > _MAX_STRING_DEPTH:
            yield HOLE
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    yield from self._string_parts(value.value, depth + 1)
                else:
                    yield from self._string_parts(value, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            yield from self._string_parts(node.left, depth + 1)
            yield from self._string_parts(node.right, depth + 1)
        elif isinstance(node, ast.Name):
            bound = self._single_binding(node.id)
            yield from self._string_parts(bound, depth + 1) if bound is not None else (HOLE,)
        elif isinstance(node, ast.Call) and _call_name(node) in ("urljoin", "join") and node.args:
            yield HOLE
            yield from self._string_parts(node.args[-1], depth + 1)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
        ):
            yield _FORMAT_FIELD.sub(HOLE, node.func.value.value)
        else:
            yield HOLE

    # -- positions ---------------------------------------------------------------------------

    def _hit(
        self,
        call: ast.Call,
        rule: Rule,
        surface: Surface,
        confidence: Confidence,
        rewritable: bool,
        detail: str,
        *,
        sdk_path: tuple[str, ...] = (),
        http_path: str | None = None,
        shape: CallShape | None = None,
    ) -> Hit:
        end_line = call.end_lineno or call.lineno
        end_col = call.end_col_offset if call.end_col_offset is not None else call.col_offset
        return Hit(
            rule=rule,
            surface=surface,
            line=call.lineno,
            column=self._char_column(call.lineno, call.col_offset),
            end_line=end_line,
            end_column=self._char_column(end_line, end_col),
            confidence=confidence,
            rewritable=rewritable,
            detail=detail,
            cell=self.cell,
            sdk_path=sdk_path,
            http_path=http_path,
            call=shape,
        )

    def _char_column(self, line: int, byte_offset: int) -> int:
        """ast columns count UTF-8 bytes; findings count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


UNKNOWN: Any = object()


def static_value(node: ast.expr, constants: dict[str, object]) -> object:
    """The value of a literal, a known constant, or a container of those; `UNKNOWN` otherwise."""
    if isinstance(node, ast.Name):
        return {"True": True, "False": False, "None": None}.get(node.id, constants.get(node.id, UNKNOWN))
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [static_value(item, constants) for item in node.elts]
        if any(item is UNKNOWN for item in items):
            return UNKNOWN
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        result: dict[object, object] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # `**other`
                return UNKNOWN
            key, value = static_value(key_node, constants), static_value(value_node, constants)
            if key is UNKNOWN or value is UNKNOWN:
                return UNKNOWN
            try:
                result[key] = value
            except TypeError:  # an unhashable key
                return UNKNOWN
        return result
    if not isinstance(node, (ast.Constant, ast.UnaryOp)):
        return UNKNOWN
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _signature_fits(call: ast.Call, rule: Rule) -> tuple[bool, bool]:
    """(does the call fit the real SDK method's signature, does it unpack `*`/`**` arguments)."""
    starred = any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords)
    if rule.operation == "read":
        return True, starred  # read methods take ids, filters and options: any call of one fits
    names = {kw.arg for kw in call.keywords if kw.arg is not None}
    accepted = rule.keywords | SDK_REQUEST_OPTIONS
    if rule.operation == "register":
        if call.args and not all(isinstance(arg, ast.Starred) for arg in call.args):
            return False, starred
        if not names <= accepted:
            return False, starred
        return (set(rule.sdk.required) <= names or starred), starred
    id_param = rule.sdk.id_param
    accepted = accepted | {id_param} if id_param else accepted
    if not names <= accepted:
        return False, starred
    plain_args = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
    given = len(plain_args) + (1 if id_param in names else 0)
    return (given == 1 or (given == 0 and starred)), starred
