"""Find deprecated uses in Python source: SDK calls and raw HTTP calls.

The scan parses with the standard library's `ast` (about ten times faster than a libcst parse with
positions, which matters on large trees); `fix` re-parses the few files it rewrites with libcst and
edits the spans reported here. Only calls are inspected, so comments, docstrings and prose never
produce findings.

Raw HTTP is not a use where it cannot reach a Llama Stack server's API: inside the generated SDK's
own resource classes (`self._post("/v1/models", ...)` in a `SyncAPIResource` subclass is how the SDK
implements `models.register`, vendored copies included), in a server-side provider module (it talks
to its backend, whose routes may share a name), and in mock registrations (`responses.post(url)`).
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
from migrate.findings import CallShape, Confidence, Document, Hit, RawHttp, Scanned, Surface, source_lines
from migrate.rules import SDK_REQUEST_OPTIONS, SDK_WRAPPERS, Rule
from migrate.sources.python_http import Function, checker_candidates, only_checks, raw_form, wrapped_call
from migrate.sources.urls import HOLE, LLAMA_CONTEXT, LLAMA_STACK_NAMED, has_literal_path, match_route, server_named

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.routes import Route
    from migrate.targets import TargetName

LLAMA_MODULES = frozenset({"llama_stack_client", "llama_stack", "ogx", "ogx_client"})
# A module importing these is a provider running inside the server: its HTTP goes to a backend.
_PROVIDER_PACKAGES = ("llama_stack.providers", "ogx.providers")
# The base classes of the generated (Stainless) SDK's resources, whose methods implement the routes.
_SDK_RESOURCE_BASES = frozenset({"SyncAPIResource", "AsyncAPIResource"})
# HTTP mocking libraries whose `post` / `delete` register a fake response instead of sending one.
_HTTP_MOCK_MODULES = frozenset({"responses", "respx", "requests_mock"})
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
#: SDK namespaces that group others by API stability (`client.beta.datasets`, `client.alpha.eval`).
_STABILITY_NAMESPACES = frozenset({"alpha", "beta"})
#: A name in a call's receiver that says the client is Llama Stack's or OGX's (`llama_stack_client`, `ogx_client`).
_HINTS = re.compile(r"llama|ogx", re.IGNORECASE)
#: A pytest fixture's name that says nothing of whose client it is (`client`): another's says so (`anthropic_client`).
_GENERIC_CLIENT = re.compile(r"(?:async_|sync_|api_)?client")
#: Constructors of other servers' SDK clients: a read or call on a name bound to one is not Llama Stack's.
_OTHER_CLIENTS = re.compile(r"(?:Async)?(?:Azure)?(?:OpenAI|Anthropic)")


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
    provider_module: bool = False
    imported: set[str] = field(default_factory=set)  # top-level names bound by imports
    resource_classes: list[tuple[int, int]] = field(default_factory=list)  # line spans
    calls: list[ast.Call] = field(default_factory=list)
    assignments: dict[str, list[ast.expr]] = field(default_factory=dict)
    standalone: set[int] = field(default_factory=set)
    # id(call) -> the module's functions its statement passes its answer through (`python_http.wrapped_call`)
    wrapped: dict[int, tuple[str, ...]] = field(default_factory=dict)
    candidates: dict[str, Function] = field(default_factory=dict)  # functions that may only check an answer
    bound: dict[int, str] = field(default_factory=dict)  # id(call) -> the one name its result is assigned to
    loops: dict[int, tuple[str, ast.AST]] = field(default_factory=dict)  # id(call) -> (item name, loop) it feeds
    scopes: dict[int, str] = field(default_factory=dict)  # id(call) -> its enclosing functions and classes
    handled: set[int] = field(default_factory=set)  # ids of the calls inside an `except` handler
    parameters: dict[str, frozenset[str]] = field(default_factory=dict)  # a function's scope -> its parameter names
    depth: int = 0  # the deepest node, counted as libcst nests (see `syntax_depth`)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imported.add(alias.asname or alias.name.split(".")[0])
            self._imports_module(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module:
            self._imports_module(node.module)

    def _imports_module(self, module: str) -> None:
        if module.split(".")[0] in LLAMA_MODULES:
            self.llama_import = True
        if module.startswith(_PROVIDER_PACKAGES):
            self.provider_module = True

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        names = {base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "") for base in node.bases}
        if names & _SDK_RESOURCE_BASES:
            self.resource_classes.append((node.lineno, node.end_lineno or node.lineno))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assignments.setdefault(target.id, []).append(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._bind(node.targets[0].id, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.assignments.setdefault(node.target.id, []).append(node.value)
            self._bind(node.target.id, node.value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._loop(node.target, node.iter, node)

    def visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        self._loop(node.generators[0].target, node.generators[0].iter, node)

    def _loop(self, target: ast.expr, iterable: ast.expr, loop: ast.AST) -> None:
        iterable = iterable.value if isinstance(iterable, ast.Await) else iterable
        if not isinstance(target, ast.Name):
            return
        if isinstance(iterable, ast.Attribute) and iterable.attr == "data":
            # `client.models.list().data`: the items of the OpenAI-shaped page the newer SDKs answer a listing with
            page = iterable.value.value if isinstance(iterable.value, ast.Await) else iterable.value
            iterable = page if isinstance(page, ast.Call) else iterable
        if isinstance(iterable, ast.Call):
            self.loops[id(iterable)] = (target.id, loop)
        elif (listed := raw_listing_call(iterable)) is not None:
            self.loops[id(listed)] = (target.id, loop)

    def _bind(self, name: str, value: ast.expr) -> None:
        value = value.value if isinstance(value, ast.Await) else value
        if isinstance(value, ast.Call):
            self.bound[id(value)] = name

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call):
            self.standalone.add(id(value))
        checkers: tuple[str, ...] = ()
        found = wrapped_call(node.value, self.candidates)
        while found is not None:
            inner, checker = found
            checkers += (checker,) if checker is not None else ()
            self.wrapped[id(inner)] = checkers
            found = wrapped_call(inner, self.candidates)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)

    def collect(self, tree: ast.AST) -> None:
        """Visit every node once, a parent before its children (the order of `ast.NodeVisitor`)."""
        if isinstance(tree, ast.Module):
            self.candidates = checker_candidates(tree)
        visitors: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.Import: self.visit_Import,
            ast.ImportFrom: self.visit_ImportFrom,
            ast.ClassDef: self.visit_ClassDef,
            ast.Assign: self.visit_Assign,
            ast.AnnAssign: self.visit_AnnAssign,
            ast.Expr: self.visit_Expr,
            ast.Call: self.visit_Call,
            ast.For: self.visit_For,
            ast.AsyncFor: self.visit_For,
            ast.ListComp: self.visit_comprehension,
            ast.SetComp: self.visit_comprehension,
            ast.GeneratorExp: self.visit_comprehension,
            ast.DictComp: self.visit_comprehension,
        }
        deepest = 0
        stack: list[tuple[ast.AST, int, str | None, bool]] = [(tree, 0, None, False)]
        while stack:
            node, depth, scope, handled = stack.pop()
            deepest = max(deepest, depth)
            visit = visitors.get(type(node))
            if visit is not None:
                visit(node)
                if isinstance(node, ast.Call) and scope is not None:
                    self.scopes[id(node)] = scope
                if isinstance(node, ast.Call) and handled:
                    self.handled.add(id(node))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope, handled = (node.name if scope is None else f"{scope}.{node.name}"), False
                if not isinstance(node, ast.ClassDef):
                    arguments = node.args
                    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
                    self.parameters[scope] = frozenset(argument.arg for argument in every)
            handled = handled or isinstance(node, ast.ExceptHandler)
            inner = depth + (len(node.values) - 1 if isinstance(node, ast.BoolOp) else 1)
            children: list[tuple[ast.AST, int, str | None, bool]] = []
            for name in node._fields:  # ast.iter_child_nodes, without a generator per node
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    children.append((value, inner, scope, handled))
                elif isinstance(value, list):
                    children += [(item, inner, scope, handled) for item in value if isinstance(item, ast.AST)]
            children.reverse()
            stack += children
        self.depth = deepest


class _Module:
    """Matching state for one module: its text, imports and name bindings."""

    def __init__(self, text: str, ruleset: RuleSet, collector: _Collector, cell: int | None, tree: ast.Module) -> None:
        self.text = text
        self.lines = source_lines(text)
        self.ruleset = ruleset
        self.collector = collector
        self.cell = cell
        self.tree = tree
        self.llama_context = collector.llama_import or bool(LLAMA_CONTEXT.search(text))
        self.checked: dict[str, bool] = {}  # function name -> whether it only checks an answer (`only_checks`)

    @cached_property
    def names_llama_stack(self) -> bool:
        """Whether the module's text names the server (`Llama Stack`, `ogx`, `:8321`), searched once per module."""
        return bool(LLAMA_STACK_NAMED.search(self.text))

    @cached_property
    def constants(self) -> dict[str, object]:
        return constants_of(self.tree)

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
        for length in (4, 3, 2):
            method = tuple(path[-length:])
            rule = self.ruleset.rule_for(method, (kw.arg for kw in call.keywords if kw.arg is not None))
            # `datasets.list` is the 0.3 spelling; below `beta` it is the current one, which a rule names in full.
            if rule is not None and len(path) > length and path[-length - 1] not in _STABILITY_NAMESPACES:
                return self._judge_sdk(call, rule, method, chain, aliased)
        if path[:-1] == ["()"]:
            return self._match_unresolved(call, path[-1])
        return None

    def _another_servers_client(self, chain: list[str]) -> bool:
        """Whether the receiver's name (`openai_client`, `self.vllm_client`) or the one constructor its name is
        bound to (`client = OpenAI(...)`) says it is another server's client."""
        owner = chain[1] if chain[0] == "self" and len(chain) > 2 else chain[0]
        if server_named(owner) == "other":
            return True
        bound = self._single_binding(chain[0])
        if not isinstance(bound, ast.Call):
            return False
        callee = bound.func.attr if isinstance(bound.func, ast.Attribute) else getattr(bound.func, "id", "")
        return _OTHER_CLIENTS.fullmatch(callee) is not None

    def _match_unresolved(self, call: ast.Call, verb: str) -> Hit | None:
        """`helper(client).register(...)`: a namespace returned by a call, told by its keywords alone.

        Only a register call whose keywords are all the real method's, include all its required ones
        and are at least two, matching exactly one rule, counts (low confidence: the receiver is not
        known).
        """
        names = {kw.arg for kw in call.keywords if kw.arg is not None}
        if call.args or len(names) < 2 or len(names) < len(call.keywords):
            return None
        fitting = {
            rule.id: rule
            for path, rules in self.ruleset.sdk_methods.items()
            for rule in rules
            if path[-1] == verb == "register" and set(rule.sdk.required) <= names <= rule.keywords | SDK_REQUEST_OPTIONS
        }
        if len(fitting) != 1:
            return None
        (rule,) = fitting.values()
        detail = f"SDK call …().{verb}() whose receiver is not known; its keywords are those of {rule.sdk.methods[0]}"
        shape = CallShape(
            keywords=frozenset(names),
            positional=0,
            starred=False,
            standalone=id(call) in self.collector.standalone,
            aliased=True,
            known=self._known_keywords(call),
        )
        return self._hit(call, rule, "sdk", "low", False, detail, sdk_path=(verb,), shape=shape)

    def _judge_sdk(
        self, call: ast.Call, rule: Rule, method: tuple[str, ...], chain: list[str], aliased: bool
    ) -> Hit | None:
        valid, starred = _signature_fits(call, rule)
        hinted = (
            self.collector.llama_import
            or any(_HINTS.search(name) for name in chain[:-1])
            or self._pytest_fixture(call, chain[0])
        )
        if rule.operation not in ("register", "unregister"):
            # Reads and calls are everyday methods (`list`, `retrieve`): only a Llama Stack module's, not a
            # server-side provider's (its clients talk to its backend, as its raw HTTP does), not on another
            # server's client (`openai_client.models.list()` in a module that also imports llama_stack_client),
            # and only with the keywords whose use is what breaks (`run_shield(params=...)`).
            given = {kw.arg for kw in call.keywords if kw.arg is not None}
            if not valid or not hinted or self.collector.provider_module or self._another_servers_client(chain):
                return None
            if not set(rule.sdk.required) <= given:
                return None
        confidence: Confidence
        if valid:
            confidence = "high" if hinted else "medium"
        elif self.collector.llama_import or _shares_identifier(call, rule):
            confidence = "low"
        else:
            return None
        shown = ".".join("…" if name == "()" else name for name in chain)
        detail = f"SDK call {shown}()"
        if not valid:
            detail += " with arguments the real SDK method does not take"
        named = _naming_argument(call, rule)
        item, loop = self.collector.loops.get(id(call), (None, None))
        known = self._known_keywords(call)
        if named is not None and rule.sdk.id_param is not None and rule.sdk.id_param not in known:
            value = static_value(named, self.constants)  # the positional id of an unregister
            if value is not UNKNOWN:
                known[rule.sdk.id_param] = value
        shape = CallShape(
            keywords=frozenset(kw.arg for kw in call.keywords if kw.arg is not None),
            positional=len(call.args),
            starred=starred,
            standalone=id(call) in self.collector.standalone,
            aliased=aliased,
            known=known,
            id_code=ast.unparse(named) if named is not None else None,
            bound_to=self.collector.bound.get(id(call)),
            scope=self.collector.scopes.get(id(call)),
            handled=id(call) in self.collector.handled,
            iterated_by=item,
            item_reads=_attributes_read(item, loop, call) if item is not None and loop is not None else frozenset(),
        )
        return self._hit(call, rule, "sdk", confidence, valid and not starred, detail, sdk_path=method, shape=shape)

    def _pytest_fixture(self, call: ast.Call, root: str) -> bool:
        """Whether the call's receiver is a fixture of a pytest test, named as a client of no one in particular, in a
        module that names Llama Stack: the client comes from a conftest.py (`def test_tools(client):
        client.tools.list(...)`), whose import this file lacks."""
        scope = self.collector.scopes.get(id(call))
        if scope is None or not scope.rsplit(".", 1)[-1].startswith("test") or not _GENERIC_CLIENT.fullmatch(root):
            return False
        return root in self.collector.parameters.get(scope, ()) and self.names_llama_stack

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
        if not self.llama_context or self.collector.provider_module:
            return None
        if chain[0] in _HTTP_MOCK_MODULES and chain[0] in self.collector.imported:
            return None
        if chain[0] == "self" and any(first <= call.lineno <= last for first, last in self.collector.resource_classes):
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
        if route.rule.http.openai_compatible:
            server = server_named(self._url_text(url_node))
            if server == "other":
                return None
            if server == "unknown":
                confidence = "low"
                detail += " (OpenAI-compatible servers serve this route too: check that the URL is Llama Stack's)"
        if route.legacy:
            detail += f" (0.2-era path {route.template})"
        if route.rule.operation in ("register", "unregister"):
            shape = self._raw_shape(call, method, route)
        else:
            item, loop = self.collector.loops.get(id(call), (None, None))
            query = self._query(call)
            shape = CallShape(
                keywords=query[0] if query is not None else frozenset(),
                positional=0,
                starred=query is None,
                standalone=id(call) in self.collector.standalone,
                aliased=False,
                known=query[1] if query is not None else {},
                iterated_by=item,
                item_reads=_keys_read(item, loop) if item is not None and loop is not None else frozenset(),
            )
        return self._hit(
            call,
            route.rule,
            "http",
            confidence,
            has_literal_path(url, route),
            detail,
            http_path=route.template,
            shape=shape,
        )

    def _url_text(self, node: ast.expr) -> str:
        """The source of a URL expression, with what each name in it is bound to (`BASE = os.environ[...]`)."""
        texts = [ast.unparse(node)]
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and (bound := self._single_binding(name.id)) is not None:
                texts.append(ast.unparse(bound))
        return "\n".join(texts)

    def _raw_shape(self, call: ast.Call, method: str, route: Route) -> CallShape:
        """A raw-HTTP register's JSON body as the keywords of its SDK call, an unregister's id from its URL."""
        form = raw_form(call, method, route)
        rule = route.rule
        unfit, keywords, known, id_code = form.unfit, frozenset[str](), dict[str, object](), None
        if form.body is not None:
            body = self._json_body(form.body)
            if body is None:
                unfit = "the JSON body is not a dict literal (or a module constant): it is only known at run time"
            else:
                keywords, known, named = body
                required = rule.sdk.required[0] if rule.sdk.required else None
                id_code = ast.unparse(named[required]) if required in named else None
                foreign = sorted(keywords - rule.keywords)
                if foreign:
                    unfit = f"the JSON body has fields the register does not take: {', '.join(foreign)}"
        elif form.id_node is not None or form.id_text is not None:
            value = form.id_text if form.id_node is None else static_value(form.id_node, self.constants)
            if rule.sdk.id_param is not None and value is not UNKNOWN:
                known[rule.sdk.id_param] = value
            id_code = repr(form.id_text) if form.id_node is None else ast.unparse(form.id_node)
        return CallShape(
            keywords=keywords,
            positional=0,
            starred=False,
            standalone=id(call) in self.collector.standalone,
            aliased=False,
            known=known,
            id_code=id_code,
            bound_to=self.collector.bound.get(id(call)),
            scope=self.collector.scopes.get(id(call)),
            handled=id(call) in self.collector.handled,
            raw=RawHttp(unfit, wrapped=self._only_checked(call)),
        )

    def _only_checked(self, call: ast.Call) -> bool:
        """Whether the call's statement only checks its answer (the functions it goes through read, once each)."""
        checkers = self.collector.wrapped.get(id(call))
        if checkers is None:
            return False
        for name in checkers:
            if name not in self.checked:
                self.checked[name] = only_checks(self.collector.candidates[name])
        return all(self.checked[name] for name in checkers)

    def _json_body(self, node: ast.expr) -> tuple[frozenset[str], dict[str, object], dict[str, ast.expr]] | None:
        """A JSON body's keys, the values known statically, and the item nodes of a dict literal; None when its
        keys are only known at run time."""
        if isinstance(node, ast.Dict):
            named: dict[str, ast.expr] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    return None  # `**other` or a computed key
                named[key.value] = value
            values = {name: static_value(item, self.constants) for name, item in named.items()}
            return frozenset(named), {name: v for name, v in values.items() if v is not UNKNOWN}, named
        constant = static_value(node, self.constants)
        if isinstance(constant, dict) and all(isinstance(key, str) for key in constant):
            return frozenset(constant), dict(constant), {}
        return None

    def _query(self, call: ast.Call) -> tuple[frozenset[str], dict[str, object]] | None:
        """A raw read's query parameters: their names, and the values known before the program runs, of
        `params={...}` (requests, httpx) or the Llama Stack client's own `options={"params": {...}}`; None when
        the names are only known at run time."""
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        params = keywords.get("params")
        options = keywords.get("options")
        if params is None and isinstance(options, ast.Dict):
            params = next(
                (value for key, value in zip(options.keys, options.values, strict=True)
                 if isinstance(key, ast.Constant) and key.value == "params"),
                None,
            )  # fmt: skip
        if params is None:
            return frozenset(), {}
        body = self._json_body(params)
        return (body[0], body[1]) if body is not None else None

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


def constants_of(tree: ast.Module) -> dict[str, object]:
    """Module-level names assigned exactly once, to a value known statically (`ID = "mcp::x"`).

    The same names `fix` reads as constants (`fix.callargs.module_constants`): top-level statements
    only, a single plain target, evaluated in order. A notebook's are those of its code cells joined
    (`notebook.joined_python`): a constant of a set-up cell counts in the cells after it.
    """
    assigned: dict[str, list[ast.expr]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, []).append(statement.value)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            assigned.setdefault(statement.target.id, []).append(statement.value)
    constants: dict[str, object] = {}
    for name, values in assigned.items():
        if len(values) == 1:
            value = static_value(values[0], constants)
            if value is not UNKNOWN:
                constants[name] = value
    return constants


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


def raw_listing_call(iterable: ast.expr) -> ast.Call | None:
    """The HTTP call whose JSON listing a loop iterates: `<call>["data"]`, `<call>.json()["data"]`, or the call
    passed through one function of the module first (`ok(requests.get(url))["data"]`); None otherwise."""
    if not (
        isinstance(iterable, ast.Subscript)
        and isinstance(iterable.slice, ast.Constant)
        and iterable.slice.value == "data"
        and isinstance(iterable.value, ast.Call)
    ):
        return None
    call = iterable.value
    if isinstance(call.func, ast.Attribute) and call.func.attr == "json" and not call.args and not call.keywords:
        call = call.func.value if isinstance(call.func.value, ast.Call) else call
    if isinstance(call.func, ast.Name) and len(call.args) == 1 and isinstance(call.args[0], ast.Call):
        call = call.args[0]
    return call


def _keys_read(name: str, loop: ast.AST) -> frozenset[str]:
    """The keys read on the JSON item `name` in a loop (`m["identifier"]`); `*` when the item is used any other
    way (`m.get(...)`, `m[key]`, passed on), which a rewrite of the keys cannot follow."""
    subscripted = {
        id(node.value): node.slice.value
        for node in ast.walk(loop)
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and isinstance(node.ctx, ast.Load)
    }
    targets = {
        id(target)
        for node in ast.walk(loop)
        if isinstance(node, ast.comprehension | ast.For | ast.AsyncFor)
        for target in ast.walk(node.target)
    }
    keys: set[str] = set()
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and node.id == name and id(node) not in targets:
            keys.add(subscripted.get(id(node), "*"))
    return frozenset(keys)


def _attributes_read(name: str, loop: ast.AST, iterable: ast.Call) -> frozenset[str]:
    """The attributes read on `name` in a loop or comprehension (outside the iterable itself) where a None
    would break: not in truth tests (`if m.metadata`, `m.metadata or {}`, `not m.metadata`) and not as an
    assignment target, as `fix.rewrites.guard_listed_fields` counts them."""
    skipped = {id(node) for node in ast.walk(iterable)}
    for node in ast.walk(loop):
        tests: list[ast.AST] = []
        if isinstance(node, ast.BoolOp):
            tests = list(node.values)
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            tests = [node.test]
        elif isinstance(node, ast.comprehension):
            tests = list(node.ifs)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            tests = [node.operand]
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            tests = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        skipped.update(id(test) for test in tests)
    return frozenset(
        node.attr
        for node in ast.walk(loop)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        and id(node) not in skipped
    )


def _naming_argument(call: ast.Call, rule: Rule) -> ast.expr | None:
    """The argument that names the resource: an unregister's id (positional or by keyword), else the
    first required keyword (`model_id`, `toolgroup_id`); None when the call does not pass it plainly."""
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
    if rule.sdk.id_param is not None:
        plain = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
        return plain[0] if plain and len(plain) == len(call.args) else keywords.get(rule.sdk.id_param)
    return keywords.get(rule.sdk.required[0]) if rule.sdk.required else None


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _signature_fits(call: ast.Call, rule: Rule) -> tuple[bool, bool]:
    """(does the call fit the real SDK method's signature, are some arguments only known at run time).

    Arguments unpacked with `*` / `**` may hold anything; so may the `...` of a schematic call in
    documentation (`register(..., metadata={...})`), which stands for the arguments left out.
    """
    unknown = [arg for arg in call.args if isinstance(arg, ast.Starred) or _is_ellipsis(arg)]
    starred = bool(unknown) or any(kw.arg is None for kw in call.keywords)
    if rule.operation == "read":
        return True, starred  # read methods take ids, filters and options: any call of one fits
    names = {kw.arg for kw in call.keywords if kw.arg is not None}
    accepted = rule.keywords | SDK_REQUEST_OPTIONS
    if rule.operation == "register":
        if len(unknown) < len(call.args):
            return False, starred
        if not names <= accepted:
            return False, starred
        return (set(rule.sdk.required) <= names or starred), starred
    id_param = rule.sdk.id_param
    accepted = accepted | {id_param} if id_param else accepted
    if not names <= accepted:
        return False, starred
    plain = len(call.args) - len(unknown)
    if rule.operation != "unregister":  # a call: keywords, and at most the id positionally
        return plain <= (1 if id_param else 0), starred
    given = plain + (1 if id_param in names else 0)
    return (given == 1 or (given == 0 and starred)), starred


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _shares_identifier(call: ast.Call, rule: Rule) -> bool:
    """Whether the call passes one of the real method's identifier keywords (`*_id`), spelled with or
    without underscores: stale code and docs call the method with some wrong keywords, but a
    `toolgroup_id=` (or `tool_group_id=`) still says whose method it is."""
    identifiers = {name.replace("_", "") for name in rule.keywords | {rule.sdk.id_param or ""} if name.endswith("_id")}
    return any(kw.arg is not None and kw.arg.replace("_", "") in identifiers for kw in call.keywords)
