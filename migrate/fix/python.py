"""Apply strategies to the Python calls a scan found: one libcst parse and one transform per module.

Calls are located by the position the scan reported. Only the rewritten spans change: libcst keeps
every other byte (comments, formatting, encoding, BOM, line endings) as it was.
"""

from __future__ import annotations

import ast
import warnings
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate.config.entries import ConfigEntry
from migrate.errors import SourceError
from migrate.findings import Finding, Hit, source_lines
from migrate.fix.callargs import module_constants
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.pairing import Key, key
from migrate.registry import RuleSet
from migrate.sources.python import syntax_depth
from migrate.strategies import STRATEGIES
from migrate.strategies.renames import rename_path_text
from migrate.targets import TargetName

CSTNodeT = TypeVar("CSTNodeT", bound=cst.CSTNode)
MAX_DEPTH = 1000  # the deepest syntax handed to libcst (its printer gives up at about 500 levels)


@dataclass
class Outcome:
    """What happened to the findings of one module (or notebook cell)."""

    applied: list[tuple[Finding, Rewrite]] = field(default_factory=list)
    unsafe: list[tuple[Finding, Rewrite]] = field(default_factory=list)
    manual: list[tuple[Finding, str]] = field(default_factory=list)
    #: Entries declared for calls left for a human (raw-HTTP registrations, `Strategy.declare`).
    declared: list[ConfigEntry] = field(default_factory=list)

    @property
    def entries(self) -> list[ConfigEntry]:
        return [entry for _, rewrite in self.applied for entry in rewrite.entries] + self.declared

    def extend(self, other: Outcome) -> None:
        self.applied.extend(other.applied)
        self.unsafe.extend(other.unsafe)
        self.manual.extend(other.manual)
        self.declared.extend(other.declared)


def fix_python(
    code: str,
    pairs: Sequence[tuple[Hit, Finding]],
    ruleset: RuleSet,
    target: TargetName,
    *,
    unsafe: bool,
    origin: str,
    depth: int | None = None,
    held: Mapping[Key, str] | None = None,
    constants: dict[str, Any] | None = None,
) -> tuple[str, Outcome]:
    """Rewrite the fixable findings in `code`; returns the new code and what was done.

    `depth` is how deep the code's syntax nests (`syntax_depth`; measured here when not given).
    `held` are findings left for a human whatever their rewrite (`migrate.pairing.broken`), with why.
    `constants` are the names known statically (a notebook's, over all its cells); else the module's own.
    """
    depth = syntax_depth(code) if depth is None else depth
    if depth > MAX_DEPTH:
        # libcst's parser takes minutes on a few thousand chained operators and crashes the process on
        # more (a segmentation fault no `except` catches); its printer fails far below that anyway.
        limit = f"{depth} levels; libcst is given at most {MAX_DEPTH}"
        raise SourceError(f"nested too deeply to rewrite ({limit}); the file was left alone")
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        raise SourceError(f"libcst cannot parse the file: {exc.message} (line {exc.raw_line})") from exc
    printed = module.code
    if printed != code:  # libcst loses a few spellings (`except X :`, a final lone CR): never write its output
        raise SourceError(_not_reproduced(code, printed))
    calls = _CallLocator(module)
    constants = module_constants(module) if constants is None else constants
    outcome = Outcome()
    replacements: dict[int, cst.BaseExpression] = {}
    removals: dict[int, str | None] = {}
    edits: dict[int, cst.CSTNode] = {}
    imports: set[tuple[str, str]] = set()
    text_renames: list[tuple[Hit, Finding]] = []
    chosen: list[tuple[Hit, Finding, Rewrite, cst.Call]] = []
    for hit, finding in pairs:
        if not finding.fixable:
            _declare(hit, finding, calls, ruleset, target, module, origin, constants, outcome, unsafe=unsafe)
            continue
        if held and key(finding) in held:
            outcome.manual.append((finding, held[key(finding)]))
            continue
        plan = hit.rule.targets[target]
        call = calls.locate(hit)
        if call is None:
            if hit.http_path is not None and plan.strategy == "rename-namespace":
                text_renames.append((hit, finding))  # a `!curl` line of a notebook cell
            else:
                outcome.manual.append((finding, "the call could not be located for rewriting"))
            continue
        rewrite = STRATEGIES[plan.strategy].rewrite
        assert rewrite is not None  # the finding is fixable
        naming = ruleset.naming(hit.rule, target)
        site = PythonSite(hit, hit.rule, plan, naming, target, call, module, f"{origin}:{hit.line}", constants)
        decision: Rewrite | Manual = rewrite()(site)
        if isinstance(decision, Manual):
            outcome.manual.append((finding, decision.reason))
            continue
        # The scan may judge a rewrite unsafe that is safe on its own: an unregister whose register is unsafe.
        judged_unsafe = finding.fix is not None and finding.fix.applicability == "unsafe"
        if (judged_unsafe or not decision.safe) and not unsafe:
            outcome.unsafe.append((finding, decision))
            continue
        chosen.append((hit, finding, decision, call))
    for hit, finding, decision, call in chosen:
        if _rebuilds_around(hit, decision, call, chosen):
            outcome.manual.append((finding, "a deprecated call inside it is rewritten first; run fix again"))
            continue
        outcome.applied.append((finding, decision))
        edits.update((id(original), replacement) for original, replacement in decision.edits)
        imports.update(decision.imports)
        if decision.remove_statement:
            removals[id(call)] = decision.comment
        elif decision.replacement is not None:
            replacements[id(call)] = decision.replacement
    if replacements or removals or edits:
        # Edits reach beyond the statements of the located calls: then every statement is visited.
        skipped = set() if edits else {id(statement) for statement in module.body} - calls.searched
        rewritten = module.visit(_Rewriter(replacements, removals, skipped, edits))
        code = _with_imports(rewritten, sorted(imports)).code
    for hit, finding in text_renames:
        lines = source_lines(code, keepends=True)  # numbered as the notebook matcher numbers a cell's lines
        for index in range(hit.line - 1, min(hit.end_line, len(lines))):
            lines[index] = rename_path_text(lines[index], hit, hit.rule.targets[target])
        code = "".join(lines)
        outcome.applied.append((finding, Rewrite(None, False, None, (), True, "path renamed")))
    return code, outcome


def _with_imports(module: cst.Module, imports: Sequence[tuple[str, str]]) -> cst.Module:
    """The module with `from M import N` for each import a rewrite needs, beside its own imports (libcst's
    `AddImportsVisitor` adds only those not there already, after the docstring and `__future__` imports)."""
    if not imports:
        return module
    items = [ImportItem(name, obj_name) for name, obj_name in imports]
    return AddImportsVisitor(CodemodContext(), items).transform_module(module)


def declares(hit: Hit, target: TargetName) -> bool:
    """Whether a finding left for a human still declares its resource: a raw-HTTP register (`Strategy.declare`)."""
    return hit.surface == "http" and STRATEGIES[hit.rule.targets[target].strategy].declare is not None


def _declare(
    hit: Hit,
    finding: Finding,
    calls: _CallLocator,
    ruleset: RuleSet,
    target: TargetName,
    module: cst.Module,
    origin: str,
    constants: dict[str, Any],
    outcome: Outcome,
    *,
    unsafe: bool,
) -> None:
    """A raw-HTTP register that the scan left for a human (`RawHttp.unfit`, an identifier only known at run time)
    stays; what its JSON body declares goes into the run config all the same."""
    loader = STRATEGIES[hit.rule.targets[target].strategy].declare if hit.surface == "http" else None
    call = calls.locate(hit) if loader is not None else None
    if loader is None or call is None:
        return
    plan, naming = hit.rule.targets[target], ruleset.naming(hit.rule, target)
    site = PythonSite(hit, hit.rule, plan, naming, target, call, module, f"{origin}:{hit.line}", constants)
    decision = loader()(site)
    reason = decision.reason
    if finding.fix is not None:  # why the scan left the call as it is
        reason += f" (not rewritten: {finding.fix.note.removeprefix('raw HTTP: ')})"
    unknown = any(entry.unknown_fields for entry in decision.entries)
    if unknown and not unsafe:
        outcome.manual.append((finding, f"{reason} (with values a human sets: rerun with --unsafe-fixes)"))
        return
    outcome.manual.append((finding, reason))
    outcome.declared.extend(decision.entries)


def _rebuilds_around(
    hit: Hit, decision: Rewrite, call: cst.Call, chosen: Sequence[tuple[Hit, Finding, Rewrite, cst.Call]]
) -> bool:
    """Whether the rewrite replaces the call's arguments (or removes it) while another rewrite lies inside
    them: built from the original arguments, it would drop the inner rewrite."""
    if isinstance(decision.replacement, cst.Call) and decision.replacement.args is call.args:
        return False  # a rename: the inner rewrites are kept (see _Rewriter.leave_Call)
    outer = (hit.line, hit.column), (hit.end_line, hit.end_column)
    return any(
        other is not hit and outer[0] <= (other.line, other.column) and (other.end_line, other.end_column) <= outer[1]
        for other, _, _, _ in chosen
    )


def _not_reproduced(code: str, printed: str) -> str:
    """Why libcst's output is not the file: the first line that differs, and a form feed it dropped."""
    index = next((i for i, (a, b) in enumerate(zip(code, printed, strict=False)) if a != b), len(printed))
    line = len(source_lines(code[: index + 1]))
    dropped = " (it drops the form feed before a statement)" if code[index : index + 1] == "\f" else ""
    return f"libcst cannot reproduce the file byte for byte (line {line}{dropped}); it was left alone"


def verify_python(code: str) -> None:
    """A rewritten module must still parse, with both parsers, or it is not written."""
    try:
        with warnings.catch_warnings():  # the user's invalid escape sequences are not ours to report
            warnings.simplefilter("ignore")
            ast.parse(code)
        cst.parse_module(code)
    except (SyntaxError, ValueError, cst.ParserSyntaxError) as exc:
        raise SourceError(f"the rewritten code does not parse ({exc}); the file was left alone") from exc


Span = tuple[int, int, int, int]  # start line, start column, end line, end column (columns in characters)


class _CallLocator:
    """Finds a call by the span the scan reported for it, computing positions only where calls are sought.

    libcst computes positions by printing the code it covers, which on a large module costs more than
    parsing it: so positions are resolved per top-level statement, for the statements that hold a
    sought call (a statement's positions are those of a module made of it alone, shifted by the line
    it starts on). A call is keyed by its whole span: `get_client().models.register(...)` and the
    `get_client()` in it start at the same place. Where libcst reproduces a file, it counts lines and
    columns as the scan does.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        line = 1 + sum(_line_breaks(module.code_for_node(empty)) for empty in module.header)
        self.starts: list[int] = []  # the line each top-level statement starts on (its leading lines included)
        for statement in module.body:
            self.starts.append(line)
            line += _line_breaks(module.code_for_node(statement))
        self.calls: dict[int, dict[Span, cst.Call]] = {}  # statement index -> its calls by span
        self.searched: set[int] = set()  # ids of the top-level statements whose calls were resolved

    def locate(self, hit: Hit) -> cst.Call | None:
        index = bisect_right(self.starts, hit.line) - 1
        if index < 0:
            return None
        if index not in self.calls:
            self.calls[index] = self._resolve(index)
        return self.calls[index].get((hit.line, hit.column, hit.end_line, hit.end_column))

    def _resolve(self, index: int) -> dict[Span, cst.Call]:
        statement = self.module.body[index]
        self.searched.add(id(statement))
        alone = self.module.with_changes(body=[statement], header=[], footer=[], has_trailing_newline=True)
        shift = self.starts[index] - 1
        found: dict[Span, cst.Call] = {}
        for node, where in MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider).items():
            if isinstance(node, cst.Call):
                found[(where.start.line + shift, where.start.column, where.end.line + shift, where.end.column)] = node
        return found


def _line_breaks(text: str) -> int:
    """How many lines `text` ends (LF, CR LF or CR)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _statement_calls(value: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """A statement's expression, then the calls that checks of their answer pass on (`ok(<call>)`,
    `<call>.raise_for_status()`, awaited or not): the forms of the scan's `python_http.wrapped_call`, which
    also made sure that `ok` only checks (a call is removed only where the scan said so)."""
    node: cst.BaseExpression | None = value
    while node is not None:
        node = node.expression if isinstance(node, cst.Await) else node
        yield node
        if not isinstance(node, cst.Call):
            return
        args = node.args
        if len(args) == 1 and isinstance(node.func, cst.Name) and args[0].keyword is None and args[0].star == "":
            node = args[0].value
        elif not args and isinstance(node.func, cst.Attribute) and node.func.attr.value == "raise_for_status":
            node = node.func.value
        else:
            node = None


def _prepend_lines(statement: cst.BaseStatement, lines: list[cst.EmptyLine]) -> cst.BaseStatement:
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return statement.with_changes(leading_lines=[*lines, *statement.leading_lines])
    return statement


def _comment_line(text: str | None) -> list[cst.EmptyLine]:
    return [cst.EmptyLine(comment=cst.Comment(_one_line(text)))] if text else []


def _one_line(comment: str) -> str:
    """A comment on one line: an identifier quoted from code written over several lines is folded."""
    return " ".join(comment.split())


class _Rewriter(cst.CSTTransformer):
    """Replace calls, and remove the statements of removed calls, keeping blocks valid."""

    def __init__(
        self,
        replacements: dict[int, cst.BaseExpression],
        removals: dict[int, str | None],
        skipped: set[int],
        edits: dict[int, cst.CSTNode],
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.removals = removals
        self.skipped = skipped  # ids of the top-level statements that hold no rewritten call
        self.edits = edits  # id(original node) -> its replacement (`Rewrite.edits`)
        self.gone: dict[int, list[cst.EmptyLine]] = {}  # id(updated statement) -> lines to carry on
        self.placeholders: dict[int, list[cst.EmptyLine]] = {}  # id(`pass` put in an emptied block)

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Skip the top-level statements that hold no rewritten call (most of a large module)."""
        if id(node) in self.skipped:
            return False
        return super().on_visit(node)

    def on_leave(
        self, original_node: CSTNodeT, updated_node: CSTNodeT
    ) -> CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[CSTNodeT]:
        edited = self.edits.get(id(original_node))
        if edited is not None:
            return cast(CSTNodeT, edited)  # an expression for an expression (`Rewrite.edits`)
        return super().on_leave(original_node, updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        replacement = self.replacements.get(id(original_node))
        if replacement is None:
            return updated_node
        if isinstance(replacement, cst.Call) and replacement.args is original_node.args:
            # A rename keeps the arguments: take them from the updated node, where the rewrites of calls
            # nested in them (a dataset registered inline as a benchmark's dataset) already are.
            return updated_node.with_changes(func=replacement.func)
        return replacement

    def _removed_comment(self, statement: cst.BaseSmallStatement) -> tuple[bool, str | None]:
        if not isinstance(statement, cst.Expr):
            return False, None
        for value in _statement_calls(statement.value):
            if id(value) in self.removals:
                return True, self.removals[id(value)]
        return False, None

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        kept: list[cst.BaseSmallStatement] = []
        comments: list[cst.EmptyLine] = []
        for original, updated in zip(original_node.body, updated_node.body, strict=True):
            removed, comment = self._removed_comment(original)
            if removed:
                comments += _comment_line(comment)
            else:
                kept.append(updated)
        if not comments and len(kept) == len(updated_node.body):
            return updated_node
        if kept:
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(body=kept, leading_lines=[*updated_node.leading_lines, *comments])
        # The user's own trailing comment stays, on a line of its own.
        trailing = updated_node.trailing_whitespace.comment
        theirs = _comment_line(trailing.value) if trailing is not None else []
        self.gone[id(updated_node)] = [*updated_node.leading_lines, *comments, *theirs]
        return updated_node

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        kept = [
            u for o, u in zip(original_node.body, updated_node.body, strict=True) if not self._removed_comment(o)[0]
        ]
        if len(kept) == len(updated_node.body):
            return updated_node
        comment = next((c for o in original_node.body if (c := self._removed_comment(o)[1])), None)
        trailing = updated_node.trailing_whitespace
        if comment:
            theirs = f"  {trailing.comment.value}" if trailing.comment else ""
            trailing = trailing.with_changes(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(_one_line(comment) + theirs)
            )
        if kept:
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=kept or [cst.Pass()], trailing_whitespace=trailing)

    def leave_Try(
        self, original_node: cst.Try, updated_node: cst.Try
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        body = updated_node.body
        if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1 or id(body.body[0]) not in self.placeholders:
            return updated_node
        # The body is gone: what ran after it on success (`else`) and always (`finally`) stays, dedented,
        # with every comment of those clauses (before them, on their header line, after their last line).
        pending = [*updated_node.leading_lines, *self.placeholders.pop(id(body.body[0]))]
        kept: list[cst.BaseStatement] = []
        for clause in (updated_node.orelse, updated_node.finalbody):
            if clause is None:
                continue
            pending += clause.leading_lines
            statements: list[cst.BaseStatement]
            if isinstance(clause.body, cst.IndentedBlock):
                header = clause.body.header.comment
                pending += _comment_line(header.value) if header is not None else []
                statements, footer = list(clause.body.body), list(clause.body.footer)
            else:  # a one-line suite (`finally: client.close()`) becomes a line of its own
                suite = cst.ensure_type(clause.body, cst.SimpleStatementSuite)
                statements = [cst.SimpleStatementLine(suite.body, trailing_whitespace=suite.trailing_whitespace)]
                footer = []
            statements[0] = _prepend_lines(statements[0], pending)
            pending = footer
            kept += statements
        if not kept:
            self.gone[id(updated_node)] = pending
            return updated_node
        if pending:  # comments after the last kept statement: carried on by the enclosing block
            marker = cst.SimpleStatementLine([cst.Pass()])
            self.gone[id(marker)] = pending
            kept.append(marker)
        return cst.FlattenSentinel(kept)

    def _rebuild(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        kept: list[cst.BaseStatement] = []
        carry: list[cst.EmptyLine] = []
        for statement in body:
            if id(statement) in self.gone:
                carry += self.gone.pop(id(statement))
                continue
            if carry:
                statement = _prepend_lines(statement, carry)
                carry = []
            kept.append(statement)
        return kept, carry

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        kept, carry = self._rebuild(updated_node.body)
        if len(kept) == len(updated_node.body) and not carry:
            return updated_node
        if not kept:
            placeholder = cst.SimpleStatementLine([cst.Pass()], leading_lines=carry)
            self.placeholders[id(placeholder)] = carry
            return updated_node.with_changes(body=[placeholder])
        return updated_node.with_changes(body=kept, footer=[*carry, *updated_node.footer])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        kept, carry = self._rebuild(updated_node.body)
        if len(kept) == len(updated_node.body) and not carry:
            return updated_node
        return updated_node.with_changes(body=kept, footer=[*carry, *updated_node.footer])
