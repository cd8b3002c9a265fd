"""Hypothesis strategies that build whole Python modules mixing deprecated calls with unrelated code.

A module is drawn as a tree of statements: unrelated code (functions, async functions, classes,
decorators, docstrings and strings that spell `client.models.register(`, comments, try/except/else/
finally, with, for/else, while, match, odd spacing, backslash continuations, non-ASCII names and text)
interleaved with deprecated calls in every shape the rules' examples show: keyword calls with literal
values, module constants, run-time values (unsafe), `**kwargs`, awaited calls, `with_raw_response` and
`with_streaming_response` wrappers, unregister statements inside if/for/while/try/with blocks and one-line
suites, as the only statement of a function, joined with semicolons, results used, the 0.3-era
`datasets` / `benchmarks` namespaces and their new spellings, raw HTTP on 0.2-era and current paths, and
namespace aliases. The file itself uses LF, CRLF or mixed line endings, sometimes a BOM, a coding cookie,
a shebang, spaces or tabs for indentation, and sometimes no final newline.

Every drawn module is valid Python for the running interpreter (the tests assert it first).
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, replace

from hypothesis import strategies as st

# ------------------------------------------------------------------------------------------ values

IDENTIFIERS = (
    "llama3.2:3b",
    "vllm/meta-llama/Llama-3.1-8B-Instruct",
    "chat",
    "résumé-模型",
    'say "hi"',
    "it's",
    "x{1}",
    "a\\b",
)
RECEIVERS = (
    "client",
    "self.client",
    "self._client",
    "llama_stack_client",
    "lsc",
    "get_client()",
    "app.state.client",
)
RUNTIME_VALUES = ("name", "spec.name", "settings.model", 'f"{name}-instruct"', "f'{prefix}/{name}'")
CONSTANTS = {
    "MODEL_ID": "llama3.2:3b",
    "PROVIDER": "ollama",
    "GROUP": "mcp::github",
    "BUILTIN": "builtin::websearch",
    "MCP_URL": "http://localhost:8000/sse",
    "DATASET": "simpleqa",
    "BENCHMARK": "meta-reference::mmlu",
}


@dataclass(frozen=True)
class Ctx:
    """Where a statement is drawn: the file's indentation unit, and whether `await` is allowed."""

    unit: str
    is_async: bool = False
    depth: int = 0

    def inner(self, *, is_async: bool | None = None) -> Ctx:
        return replace(self, depth=self.depth + 1, is_async=self.is_async if is_async is None else is_async)


def _literal(draw: st.DrawFn, value: object) -> str:
    """A Python literal for `value`, quoted one way or the other."""
    if isinstance(value, str) and draw(st.booleans()):
        return json.dumps(value, ensure_ascii=draw(st.booleans()))
    return repr(value)


def _id_value(draw: st.DrawFn, constant: str, *, runtime: bool = True) -> str:
    """An identifier argument: a literal, a module constant, or (unsafe) a run-time value."""
    kinds = ["literal", "constant", "runtime"] if runtime else ["literal", "constant"]
    kind = draw(st.sampled_from(kinds))
    if kind == "literal":
        return _literal(draw, draw(st.sampled_from(IDENTIFIERS)))
    if kind == "constant":
        return constant
    return draw(st.sampled_from(RUNTIME_VALUES))


def _call(draw: st.DrawFn, receiver: str, method: str, args: list[str], *, multiline: bool) -> str:
    """`receiver.method(args)`, sometimes through a raw-response wrapper, on one or several lines."""
    *namespace, verb = method.split(".")
    wrapper = draw(st.sampled_from(["", "", "with_raw_response."]))
    head = f"{receiver}.{'.'.join(namespace)}.{wrapper}{verb}("
    if multiline and args and draw(st.booleans()):
        return head + "\n" + "".join(f"    {arg},\n" for arg in args) + ")"
    separator = draw(st.sampled_from([", ", ",", " ,  "]))
    return head + separator.join(args) + ")"


# -------------------------------------------------------------------------------- deprecated calls


@st.composite
def sdk_call(draw: st.DrawFn, *, multiline: bool = True) -> tuple[str, str]:
    """One SDK call expression and its kind: "register" (result may be used) or "unregister"."""
    receiver = draw(st.sampled_from(RECEIVERS))
    shape = draw(
        st.sampled_from(
            [
                "model_register",
                "model_unregister",
                "toolgroup_register",
                "toolgroup_unregister",
                "dataset_register",
                "dataset_unregister",
                "benchmark_register",
                "benchmark_unregister",
                "shield_register",
                "shield_delete",
                "scoring_register",
                "scoring_unregister",
                "starred",
            ]
        )
    )
    if shape == "model_register":
        args = [f"model_id={_id_value(draw, 'MODEL_ID')}"]
        provider = draw(st.sampled_from(["literal", "constant", "runtime", "missing"]))
        if provider != "missing":
            value = {"literal": _literal(draw, "vllm"), "constant": "PROVIDER", "runtime": "settings.provider"}
            args.append(f"provider_id={value[provider]}")
        if draw(st.booleans()):
            args.append(f"provider_model_id={_literal(draw, 'meta-llama/Llama-3.1-8B')}")
        if draw(st.booleans()):
            args.append('model_type="llm"')
        if draw(st.booleans()):
            args.append('metadata={"context_length": 8192}')
        args = draw(st.permutations(args))
        return _call(draw, receiver, "models.register", args, multiline=multiline), "register"
    if shape == "toolgroup_register":
        group = draw(st.sampled_from(["builtin", "mcp", "constant", "runtime"]))
        group_value = {
            "builtin": _literal(draw, "builtin::websearch"),
            "mcp": _literal(draw, "mcp::filesystem"),
            "constant": draw(st.sampled_from(["GROUP", "BUILTIN"])),
            "runtime": "group_id",
        }[group]
        args = [f"toolgroup_id={group_value}", 'provider_id="model-context-protocol"']
        endpoint = draw(st.sampled_from(["literal", "constant", "runtime", "missing"]))
        if endpoint != "missing":
            uri = {"literal": '"http://localhost:8000/sse"', "constant": "MCP_URL", "runtime": "server.url"}[endpoint]
            args.append(f'mcp_endpoint={{"uri": {uri}}}')
        if draw(st.booleans()):
            args.append('args={"read_only": True}')
        return _call(draw, receiver, "toolgroups.register", args, multiline=multiline), "register"
    if shape == "dataset_register":
        namespace = draw(st.sampled_from(["datasets", "beta.datasets"]))
        args = ['purpose="eval/messages-answer"', 'source={"type": "uri", "uri": "huggingface://datasets/x"}']
        if draw(st.booleans()):
            args.append(f"dataset_id={_id_value(draw, 'DATASET')}")
        return _call(draw, receiver, f"{namespace}.register", args, multiline=multiline), "register"
    if shape == "benchmark_register":
        namespace = draw(st.sampled_from(["benchmarks", "alpha.benchmarks"]))
        args = [
            f"benchmark_id={_id_value(draw, 'BENCHMARK')}",
            f"dataset_id={_id_value(draw, 'DATASET')}",
            'scoring_functions=["basic::equality"]',
        ]
        return _call(draw, receiver, f"{namespace}.register", args, multiline=multiline), "register"
    if shape == "shield_register":
        args = ['shield_id="llama-guard"', 'provider_id="llama-guard"']
        return _call(draw, receiver, "shields.register", args, multiline=multiline), "register"
    if shape == "scoring_register":
        args = ['scoring_fn_id="judge"', 'description="d"', 'return_type={"type": "string"}']
        return _call(draw, receiver, "scoring_functions.register", args, multiline=multiline), "register"
    if shape == "starred":
        namespace = draw(st.sampled_from(["models", "toolgroups", "datasets", "benchmarks"]))
        return _call(draw, receiver, f"{namespace}.register", ["**spec.kwargs"], multiline=False), "register"
    method, id_param, constant = {
        "model_unregister": ("models.unregister", "model_id", "MODEL_ID"),
        "toolgroup_unregister": ("toolgroups.unregister", "toolgroup_id", "GROUP"),
        "dataset_unregister": (
            draw(st.sampled_from(["datasets", "beta.datasets"])) + ".unregister",
            "dataset_id",
            "DATASET",
        ),
        "benchmark_unregister": (
            draw(st.sampled_from(["benchmarks", "alpha.benchmarks"])) + ".unregister",
            "benchmark_id",
            "BENCHMARK",
        ),
        "shield_delete": ("shields.delete", "identifier", "MODEL_ID"),
        "scoring_unregister": ("scoring_functions.unregister", "scoring_fn_id", "MODEL_ID"),
    }[shape]
    value = _id_value(draw, constant)
    arg = f"{id_param}={value}" if draw(st.booleans()) else value
    return _call(draw, receiver, method, [arg], multiline=multiline), "unregister"


ALIAS_CALLS = (
    'models_api.register(model_id="m", provider_id="vllm")',
    'datasets_api.unregister("qa")',
    'benchmarks_api.register(benchmark_id="b", dataset_id="d", scoring_functions=[])',
)
HTTP_CALLS = (
    'requests.post(f"{LLAMA_STACK_URL}/v1/datasets", json=payload)',
    'requests.post(LLAMA_STACK_URL + "/v1/eval/benchmarks", json={"benchmark_id": "b"})',
    'httpx.delete("http://localhost:8321/v1/datasets/simpleqa")',
    'http.delete(f"/v1/eval/benchmarks/{benchmark_id}")',
    'requests.post(f"{LLAMA_STACK_URL}/v1/models", json={"model_id": "m", "provider_id": "vllm"})',
    'requests.delete(f"{LLAMA_STACK_URL}/v1/models/{model_id}")',
    'requests.request("DELETE", f"{LLAMA_STACK_URL}/v1/toolgroups/{toolgroup_id}", timeout=10)',
    'requests.post(f"{LLAMA_STACK_URL}/v1beta/datasets", json=payload)',
    'urllib.request.Request(f"{LLAMA_STACK_URL}/v1/toolgroups", data=body)',
    'client.post("/v1/shields", body={"shield_id": "g"}, cast_to=Shield)',
    'requests.get(f"{LLAMA_STACK_URL}/v1/datasets")',
)


@st.composite
def deprecated_expression(draw: st.DrawFn, *, multiline: bool = True) -> tuple[str, str]:
    """An SDK call (most of the time) or a raw HTTP call."""
    roll = draw(st.integers(0, 9))
    if roll < 2:
        return draw(st.sampled_from(HTTP_CALLS)), "http"
    if roll == 2:
        return draw(st.sampled_from(ALIAS_CALLS)), "alias"
    result: tuple[str, str] = draw(sdk_call(multiline=multiline))
    return result


@st.composite
def deprecated_statement(draw: st.DrawFn, ctx: Ctx, *, one_line: bool = False) -> list[str]:
    """A statement holding one deprecated call: standalone, awaited, assigned, used, in a with."""
    expression, kind = draw(deprecated_expression(multiline=not one_line))
    awaited = ctx.is_async and draw(st.booleans())
    call = f"await {expression}" if awaited else expression
    forms = ["standalone", "standalone", "standalone", "assigned", "used", "attribute"]
    if not one_line:
        forms.append("with")
    form = draw(st.sampled_from(forms))
    if form == "standalone":
        text = call
        if not one_line and draw(st.booleans()) and "\n" not in call:
            text += draw(st.sampled_from(["  # the user's own comment", "   ", "\t# tab comment"]))
    elif form == "assigned":
        text = draw(st.sampled_from(["result = ", "result: object = ", "a = b = "])) + call
    elif form == "used":
        text = f"items.append({call})"
    elif form == "attribute":
        text = f"identifier = ({call}).identifier"
    else:
        wrapper = "with_streaming_response." if kind != "http" else ""
        opened = expression.replace("with_raw_response.", "").replace(".register(", f".{wrapper}register(", 1)
        opened = opened.replace(".unregister(", f".{wrapper}unregister(", 1)
        keyword = "async with" if ctx.is_async and draw(st.booleans()) else "with"
        body = draw(st.sampled_from(["response.read()", "assert response.status_code == 200"]))
        return [*f"{keyword} {opened} as response:".split("\n"), ctx.unit + body]
    return text.split("\n")


# ----------------------------------------------------------------------------------- unrelated code

UNRELATED_LINES = (
    "x = 1",
    "value   =  ( 1 ,2 )   ",
    'print(\'client.models.register(model_id="x", provider_id="p")\')',
    "text = \"client.models.unregister('a') POST /v1/models DELETE /v1/datasets/x\"",
    "atexit.register(print)",
    'client.models.register.assert_called_once_with(model_id="m")',
    'routing_table.register_model(model_id="m", provider_id="p")',
    'café = "naïve — ü 😀"',
    "名前 = '値'",
    "message = f\"{café!r:>10} client.models.unregister('x')\"",
    "callback = lambda: client.models.unregister",
    "pass",
    "...",
    "items = [i for i in range(3) if i]",
    "mapping = {**base, 'k': [1, 2, (3,)]}",
    "a = b = c = 0",
    "del value",
    "if (n := len(items)) > 1: print(n)",
    "total = 1 + 2 if x else(3)",
    "models = client.models",
    "payload = {'purpose': 'eval/question-answer'}",
)
MULTILINE_UNRELATED = (
    ['# client.models.unregister("a") used to be called here', "x = 2"],
    ["#comment without a space: client.toolgroups.register(toolgroup_id='mcp::x')", "y = 3"],
    ["total = 1 + \\", "    2"],
    ['"""A docstring-like string that mentions', '    client.models.register(model_id="m", provider_id="p")', '"""'],
    ["data = {", "    'model_id': 'm',  # client.models.register(model_id='m')", "}"],
    ["call(", "    a,", "    b,", ")"],
    ["raw = r'''", "client.datasets.unregister('x')", "'''"],
)


@st.composite
def teardown_calls(draw: st.DrawFn, ctx: Ctx) -> list[str]:
    """One or two standalone unregister statements: the body of a `try` that fix removes entirely."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 2))):
        receiver = draw(st.sampled_from(RECEIVERS))
        method, id_param, constant = draw(
            st.sampled_from(
                [("models.unregister", "model_id", "MODEL_ID"), ("toolgroups.unregister", "toolgroup_id", "GROUP")]
            )
        )
        value = _id_value(draw, constant)
        arg = f"{id_param}={value}" if draw(st.booleans()) else value
        call = _call(draw, receiver, method, [arg], multiline=True)
        if ctx.is_async and draw(st.booleans()):
            call = "await " + call
        if draw(st.integers(0, 3)) == 0:
            lines.append("# a comment above the call")
        lines += call.split("\n")
    return lines


@st.composite
def unrelated_statement(draw: st.DrawFn, ctx: Ctx) -> list[str]:
    if draw(st.integers(0, 4)) == 0:
        return list(draw(st.sampled_from(MULTILINE_UNRELATED)))
    return [draw(st.sampled_from(UNRELATED_LINES))]


@st.composite
def one_line_suite(draw: st.DrawFn, ctx: Ctx) -> list[str]:
    """`if x: client.models.unregister("a")`, `for m in ms: a(); <call>`, `else: <call>`."""
    inner = draw(deprecated_statement(ctx, one_line=True))
    assert len(inner) == 1
    statement = inner[0]
    header = draw(st.sampled_from(["if flag:", "if flag :", "for m in models:", "while pending:", "with lock:"]))
    body = draw(st.sampled_from([statement, f"a(); {statement}", f"{statement}; b()", f"{statement}  # why"]))
    lines = [f"{header} {body}"]
    if header.startswith("if") and draw(st.booleans()):
        other = draw(deprecated_statement(ctx, one_line=True))[0]
        lines.append(f"else: {other}")
    return lines


@st.composite
def semicolon_line(draw: st.DrawFn, ctx: Ctx) -> list[str]:
    first = draw(deprecated_statement(ctx, one_line=True))[0]
    second = draw(st.sampled_from(["x = 1", "print(x)", "pass"]))
    return [draw(st.sampled_from([f"{first}; {second}", f"{second}; {first}", f"{second}; {first}; {second}"]))]


def _indent(lines: list[str], unit: str) -> list[str]:
    return [unit + line if line else line for line in lines]


@st.composite
def block(draw: st.DrawFn, ctx: Ctx, *, min_size: int = 1) -> list[str]:
    """A list of statements for a block body (at least one statement)."""
    size = draw(st.integers(min_size, 3 if ctx.depth < 2 else 2))
    lines: list[str] = []
    for _ in range(size):
        lines += draw(statement(ctx))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment between statements", "    # an indented comment"])))
    return lines


@st.composite
def compound_statement(draw: st.DrawFn, ctx: Ctx, kind: str | None = None) -> list[str]:
    unit = ctx.unit
    kind = kind or draw(
        st.sampled_from(["if", "for", "while", "with", "try", "def", "async_def", "class", "match", "only_call_def"])
    )
    inner = ctx.inner()
    if kind == "if":
        lines = [draw(st.sampled_from(["if flag:", "if flag :", "if (x and\n        y):"]))]
        lines = [part for line in lines for part in line.split("\n")]
        lines += _indent(draw(block(inner)), unit)
        if draw(st.booleans()):
            lines += ["elif other:", *_indent(draw(block(inner)), unit)]
        if draw(st.booleans()):
            lines += [draw(st.sampled_from(["else:", "else :"])), *_indent(draw(block(inner)), unit)]
        return lines
    if kind == "for":
        header = "async for m in stream():" if ctx.is_async and draw(st.booleans()) else "for m in range( 3 ) :"
        lines = [header, *_indent(draw(block(inner)), unit)]
        if draw(st.booleans()):
            lines += ["else:", *_indent(draw(block(inner)), unit)]
        return lines
    if kind == "while":
        return ["while pending:", *_indent(draw(block(inner)), unit)]
    if kind == "with":
        header = draw(st.sampled_from(["with lock:", "with open(path) as handle, lock :", "with (a as b, c):"]))
        if ctx.is_async and draw(st.booleans()):
            header = "async " + header
        return [header, *_indent(draw(block(inner)), unit)]
    if kind in ("try", "teardown_try"):
        body = draw(block(inner)) if kind == "try" else draw(teardown_calls(inner))
        lines = [draw(st.sampled_from(["try:", "try :"])), *_indent(body, unit)]
        handlers = draw(
            st.lists(
                st.sampled_from(["except NotFoundError:", "except (KeyError, ValueError) as exc:", "except:"]),
                max_size=2,
                unique=True,
            )
        )
        for header in sorted(handlers, key=lambda h: h == "except:"):  # a bare except comes last
            lines += [header, *_indent(draw(block(inner)), unit)]
        if handlers and draw(st.booleans()):
            if draw(st.booleans()):
                lines += ["else:", *_indent(draw(block(inner)), unit)]
            else:
                lines += ["else: " + draw(st.sampled_from(["done()", "done(); more()"]))]
        if not handlers or draw(st.booleans()):
            if draw(st.booleans()):
                lines += ["finally:", *_indent(draw(block(inner)), unit)]
            else:
                lines += ["finally: " + draw(st.sampled_from(["client.close()", "client.close()  # always"]))]
        return lines
    if kind in ("def", "async_def", "only_call_def"):
        is_async = kind == "async_def" or (kind == "only_call_def" and draw(st.booleans()))
        decorators = draw(
            st.lists(
                st.sampled_from(["@decorator", "@functools.lru_cache(maxsize=None)", "@ pytest.fixture"]), max_size=2
            )
        )
        signature = draw(
            st.sampled_from(["f(self, name)", "teardown( client , name = None ) -> None", "函数(*args, **kw)"])
        )
        header = f"{'async ' if is_async else ''}def {signature}:"
        body_ctx = ctx.inner(is_async=is_async)
        if kind == "only_call_def":
            body = draw(deprecated_statement(body_ctx))
        else:
            body = []
            if draw(st.booleans()):
                body.append('"""Docstring: client.models.register(model_id="m", provider_id="p")."""')
            body += draw(block(body_ctx))
        return [*decorators, header, *_indent(body, unit)]
    if kind == "class":
        body = ['"""A class; client.shields.register(shield_id="g") in its docstring."""']
        body += draw(block(ctx.inner(is_async=False)))
        return [draw(st.sampled_from(["class Setup:", "class Setup( Base ) :"])), *_indent(body, unit)]
    lines = ["match command:"]
    patterns = draw(st.lists(st.sampled_from(['"drop"', "[first, *rest]", "_"]), min_size=1, max_size=2, unique=True))
    for pattern in sorted(patterns, key=lambda p: p == "_"):  # the wildcard comes last
        lines += _indent([f"case {pattern}:", *_indent(draw(block(inner)), unit)], unit)
    return lines


@st.composite
def statement(draw: st.DrawFn, ctx: Ctx) -> list[str]:
    choices = ["deprecated", "deprecated", "unrelated", "unrelated", "suite", "semicolon"]
    if ctx.depth < 3:
        choices += ["compound", "compound", "teardown_try"]
    kind = draw(st.sampled_from(choices))
    if kind == "deprecated":
        lines: list[str] = draw(deprecated_statement(ctx))
    elif kind == "unrelated":
        lines = draw(unrelated_statement(ctx))
    elif kind == "suite":
        lines = draw(one_line_suite(ctx))
    elif kind == "semicolon":
        lines = draw(semicolon_line(ctx))
    elif kind == "teardown_try":
        lines = draw(compound_statement(ctx, kind="teardown_try"))
    else:
        lines = draw(compound_statement(ctx))
    if draw(st.integers(0, 6)) == 0:
        lines = ["# a comment above the statement", *lines]
    return lines


# ------------------------------------------------------------------------------------------ modules


@dataclass(frozen=True)
class Program:
    """A generated module: its bytes, and how it was laid out (shown when a property fails)."""

    data: bytes
    newline: str
    bom: bool
    unit: str


@st.composite
def header(draw: st.DrawFn) -> list[str]:
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("#!/usr/bin/env python3")
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["# -*- coding: utf-8 -*-", "# coding=utf-8"])))
    if draw(st.booleans()):
        lines.append('"""Module docstring: call client.models.register(model_id="m") no more."""')
    lines += draw(
        st.sampled_from(
            [
                ["from llama_stack_client import LlamaStackClient, NotFoundError"],
                ["import llama_stack_client"],
                ["from ogx_client import OgxClient"],
                [],
            ]
        )
    )
    lines += draw(
        st.sampled_from([["import requests", "import httpx"], ["import requests, httpx, urllib.request"], []])
    )
    if draw(st.booleans()):
        lines.append('LLAMA_STACK_URL = "http://localhost:8321"')
    if draw(st.booleans()):
        lines += ["models_api = client.models", "datasets_api = client.datasets", "benchmarks_api = lsc.benchmarks"]
    constants = draw(st.permutations(sorted(CONSTANTS)))
    for name in constants:
        annotation = ": str" if draw(st.integers(0, 3)) == 0 else ""
        lines.append(f"{name}{annotation} = {_literal(draw, CONSTANTS[name])}")
    return lines


@st.composite
def programs(draw: st.DrawFn) -> Program:
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    ctx = Ctx(unit=unit)
    lines = draw(header())
    for _ in range(draw(st.integers(1, 5))):
        lines += draw(statement(ctx))
        if draw(st.booleans()):
            lines.append("")
    newline_style = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed"]))
    out: list[str] = []
    for line in lines:
        newline = draw(st.sampled_from(["\n", "\r\n"])) if newline_style == "mixed" else newline_style
        out.append(line + newline)
    text = "".join(out)
    if draw(st.integers(0, 4)) == 0:
        text = text.rstrip("\r\n")  # no final newline
    bom = draw(st.integers(0, 3)) == 0
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    return Program(data, newline_style, bom, unit)
