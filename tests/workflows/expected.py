"""What each app's steps are, and what each run column is expected to give for them.

`BASELINE_STEPS` is every step of every app, in order: against the server of the SDK the app was written for
(llama-stack 0.3.5, or 0.4.7 for the `*_04` apps) they all succeed (asserted by `test_workflows_baseline.py`).
`EXPECTED` says what each step of the other columns must give (every column is asserted:
`test_workflows_shim.py`, `test_workflows_fixed.py`) and the harness prints it. A step is expected to
succeed unless `EXPECTED` names it as one of the documented stops (issue 11's decisions D1-D4, docs/shim.md):
where the target has no replacement (datasets, benchmarks, scoring functions and shields on OGX; direct tool
calls and the Agents API from 0.7 on) the shim answers a 410 `operation-removed` problem and `fix` leaves the
call with a manual finding; OGX lists no built-in group's tools; a declared resource stays after its unregister.

Every column's server starts from the run config `fix` wrote (`fix` declares the raw-HTTP registrations of
ops_provision.py too, whose values are literals); the fixed columns add the MANUAL expectations below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

BASELINE_STEPS: dict[str, tuple[str, ...]] = {
    "quickstart_chat": (
        "register the model",
        "chat with the returned identifier",
        "chat with the model id we registered",
        "stream a chat",
        "find the model in the model list",
        "retrieve the model",
        "unregister the model",
    ),
    "semantic_search": (
        "register the embedding model",
        "embed the FAQ with the returned identifier",
        "embed the question with the provider-qualified id",
        "list the embedding models",
        "read the dimension from the model",
        "unregister the embedding model",
    ),
    "content_guard": (
        "register the guard model",
        "register the shield",
        "find the shield in the list",
        "retrieve the shield",
        "a harmless message passes",
        "a harmful message is stopped",
        "moderation flags the same message",
        "delete the shield",
        "unregister the guard model",
    ),
    "helpdesk_agent": (
        "register the assistant model",
        "register the helpdesk MCP server",
        "the tool group is listed",
        "get the tool group",
        "list the helpdesk tools",
        "call a tool directly",
        "ask the agent about a ticket",
        "ask through the Responses API with the MCP server",
        "enable web search",
        "web search offers its tool",
        "disable web search",
        "unregister the helpdesk MCP server",
        "unregister the assistant model",
    ),
    "supportbot_tests": (
        "test_bot_answers",
        "test_bot_answers_under_its_configured_name",
        "test_model_is_registered_with_our_metadata",
        "test_ticket_tools_are_available",
        "test_ticket_lookup",
        "test_toolgroup_register_unregister_roundtrip",
        "teardown",
    ),
    "catalog_service": (
        "provision the models",
        "provision the inventory tools",
        "load the catalog from the model list",
        "describe products concurrently",
        "embed products",
        "look up a model's details",
        "list the inventory tools",
        "shut down",
    ),
    "eval_walkthrough": (
        "Connect to the stack",
        "Register the candidate model",
        "Register the evaluation dataset",
        "Look the dataset up",
        "Add more questions",
        "Read the questions back",
        "Which scoring functions are there?",
        "Define an LLM judge",
        "Check the judge is there",
        "Score some answers",
        "Register the benchmark",
        "Look the benchmark up",
        "Run the benchmark on the candidate",
        "Clean up: the benchmark (the SDK has no call for it)",
        "Clean up: the judge (the SDK has no call for it)",
        "Clean up: the dataset",
        "Clean up: the candidate model",
    ),
    "ops_provision": (
        "POST /v1/models (chat model)",
        "POST /v1/models (guard model)",
        "GET /v1/models",
        "GET /v1/models/{id}",
        "POST /v1/chat/completions",
        "POST /v1/shields",
        "GET /v1/shields",
        "POST /v1/safety/run-shield",
        "POST /v1/toolgroups",
        "GET /v1/tools?toolgroup_id=",
        "POST /v1/tool-runtime/invoke",
        "POST /v1/datasets",
        "GET /v1beta/datasetio/iterrows/{id}",
        "POST /v1/scoring-functions",
        "GET /v1/scoring-functions/{id}",
        "POST /v1/eval/benchmarks",
        "GET /v1alpha/eval/benchmarks/{id}",
        "DELETE /v1/eval/benchmarks/{id}",
        "DELETE /v1/scoring-functions/{id}",
        "DELETE /v1/datasets/{id}",
        "DELETE /v1/toolgroups/{id}",
        "DELETE /v1/shields/{id}",
        "DELETE /v1/models/{id}",
    ),
    # written for llama-stack-client 0.4.7 (harness.SDK_047): their baseline is llama-stack 0.4.7
    "assistant_setup_04": (
        "register the model",
        "chat with the returned identifier",
        "find the model in the model list",
        "retrieve the model",
        "register the tickets MCP server",
        "the tool group is listed",
        "list the tickets tools",
        "unregister the tickets MCP server",
        "unregister the model",
    ),
    "eval_guild_04": (
        "register the candidate model",
        "register the evaluation dataset",
        "look the dataset up",
        "add more questions",
        "read the questions back",
        "define an LLM judge",
        "check the judge is there",
        "score some answers",
        "register the benchmark",
        "look the benchmark up",
        "run the benchmark on the candidate",
        "unregister the benchmark",
        "unregister the judge",
        "unregister the dataset",
        "unregister the candidate model",
    ),
}


class Outcome(str, Enum):
    #: The step succeeds.
    OK = "ok"
    #: The app's deprecated call for a resource kind the target removed without replacement (datasets, benchmarks,
    #: scoring functions and shields on OGX). Through the shim: the 410 `operation-removed` problem. After `fix`: the
    #: call is left in place with a manual finding, and the target answers it with an error.
    REMOVED = "removed"
    #: A read or use of such a resource (list, retrieve, append rows, score, run shield...): it fails, as the API
    #: behind it is gone on the target.
    REMOVED_USE = "removed-use"
    #: `fix` leaves the call for a human with a manual finding (docs/fix.md): what has no route on the target (a
    #: direct tool call, the Agents API, a built-in group's tools on OGX), a test whose subject is the
    #: register/unregister lifecycle; the step fails until the human acts, and so do the steps that needed it.
    MANUAL = "manual"
    #: A documented stop of the shim that is not a removed kind (docs/shim.md): OGX lists no built-in group's tools
    #: (501 `builtin-tools-not-listed`), a test asserting that a declared resource is gone after its unregister.
    STOP = "stop"
    #: The target has no route for what the step does and no document says yet what the shim or `fix` should do:
    #: a decision to take before asserting (listed in the facts, not asserted).
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Expect:
    outcome: Outcome
    why: str
    #: What the failure must show through the shim (the shim columns); REMOVED and REMOVED_USE default to "410".
    shows: str | None = None


def _same(outcome: Outcome, why: str, *steps: str, shows: str | None = None) -> dict[str, Expect]:
    return {step: Expect(outcome, why, shows) for step in steps}


_NO_SHIELDS = "OGX has no shields API (guardrails are the responses provider's moderation_endpoint)"
_NO_EVAL = "OGX has no DatasetIO, Scoring or Eval API"

#: Removed on OGX without replacement: the same steps through the shim and after `fix`.
_OGX_REMOVED: dict[str, dict[str, Expect]] = {
    "content_guard": {
        **_same(Outcome.REMOVED, _NO_SHIELDS, "register the shield", "delete the shield"),
        **_same(
            Outcome.REMOVED_USE,
            _NO_SHIELDS,
            "find the shield in the list",
            "retrieve the shield",
            "a harmless message passes",
            "a harmful message is stopped",
            "moderation flags the same message",
        ),
    },
    "eval_walkthrough": {
        **_same(
            Outcome.REMOVED,
            _NO_EVAL,
            "Register the evaluation dataset",
            "Define an LLM judge",
            "Register the benchmark",
            "Clean up: the benchmark (the SDK has no call for it)",
            "Clean up: the judge (the SDK has no call for it)",
            "Clean up: the dataset",
        ),
        **_same(
            Outcome.REMOVED_USE,
            _NO_EVAL,
            "Look the dataset up",
            "Add more questions",
            "Read the questions back",
            "Which scoring functions are there?",
            "Check the judge is there",
            "Score some answers",
            "Look the benchmark up",
        ),
        # its rows are those of "Read the questions back", which stopped with the 410 before it
        **_same(Outcome.REMOVED_USE, _NO_EVAL, "Run the benchmark on the candidate", shows="NameError"),
    },
    # the same walkthrough written for llama-stack-client 0.4 (`beta.datasets`, `alpha.benchmarks`)
    "eval_guild_04": {
        **_same(
            Outcome.REMOVED,
            _NO_EVAL,
            "register the evaluation dataset",
            "define an LLM judge",
            "register the benchmark",
            "unregister the benchmark",
            "unregister the judge",
            "unregister the dataset",
        ),
        **_same(
            Outcome.REMOVED_USE,
            _NO_EVAL,
            "look the dataset up",
            "add more questions",
            "read the questions back",
            "check the judge is there",
            "score some answers",
            "look the benchmark up",
        ),
        # its rows are those of "read the questions back", which stopped with the 410 before it
        **_same(Outcome.REMOVED_USE, _NO_EVAL, "run the benchmark on the candidate", shows="NameError"),
    },
    "ops_provision": {
        **_same(Outcome.REMOVED, _NO_SHIELDS, "POST /v1/shields", "DELETE /v1/shields/{id}"),
        **_same(Outcome.REMOVED_USE, _NO_SHIELDS, "GET /v1/shields", "POST /v1/safety/run-shield"),
        **_same(
            Outcome.REMOVED,
            _NO_EVAL,
            "POST /v1/datasets",
            "POST /v1/scoring-functions",
            "POST /v1/eval/benchmarks",
            "DELETE /v1/eval/benchmarks/{id}",
            "DELETE /v1/scoring-functions/{id}",
            "DELETE /v1/datasets/{id}",
        ),
        **_same(
            Outcome.REMOVED_USE,
            _NO_EVAL,
            "GET /v1beta/datasetio/iterrows/{id}",
            "GET /v1/scoring-functions/{id}",
            "GET /v1alpha/eval/benchmarks/{id}",
        ),
    },
}

_NO_INVOKE = (
    "no route invokes a tool directly from 0.7 on (POST /v1/tool-runtime/invoke is gone; only Responses calls MCP)"
)
_NO_AGENTS = "the Agents API (/v1alpha/agents) is gone from 0.7 on; Responses with an `mcp` tool is what replaces it"
_NO_BUILTIN_TOOLS = "OGX 1.5.0 lists no built-in group's tools: /v1/tools is 404, /v1/admin/tools answers 500"
_LIFECYCLE = (
    "the test's subject is register/unregister: fix reports it for a human and declares nothing, so the shim answers "
    "409 resource-not-declared; declared, the group would stay listed after the unregister"
)

#: No route on 0.7.3 and OGX for what these steps do (both columns of both targets; D1: the shim's 410, fix's
#: manual finding, both naming the Responses API).
_NO_ROUTE: dict[str, dict[str, Expect]] = {
    "helpdesk_agent": {
        **_same(Outcome.REMOVED_USE, _NO_INVOKE, "call a tool directly"),
        **_same(Outcome.REMOVED_USE, _NO_AGENTS, "ask the agent about a ticket"),
    },
    "supportbot_tests": _same(Outcome.REMOVED_USE, _NO_INVOKE, "test_ticket_lookup"),
    "ops_provision": _same(Outcome.REMOVED_USE, _NO_INVOKE, "POST /v1/tool-runtime/invoke"),
}

_SHIM_ONLY: dict[str, dict[str, Expect]] = {
    # The run config is fix's, and fix declares nothing for a test whose subject is the lifecycle: the shim answers
    # the register 409 with the connectors entry to add (once declared, D3: the group stays listed after the
    # unregister, and the test's last assertion fails instead).
    "supportbot_tests": _same(
        Outcome.STOP, _LIFECYCLE, "test_toolgroup_register_unregister_roundtrip", shows="resource-not-declared"
    ),
}

_FIXED_INVOKE = f"{_NO_INVOKE}: fix reports it for a human, naming the Responses API with an mcp tool (D1)"
_FIXED_AGENTS = f"{_NO_AGENTS}: fix reports it for a human, naming the Responses API with an mcp tool (D1)"

_FIXED_ONLY: dict[str, dict[str, Expect]] = {
    "helpdesk_agent": {
        **_same(Outcome.MANUAL, _FIXED_INVOKE, "call a tool directly"),
        **_same(Outcome.MANUAL, _FIXED_AGENTS, "ask the agent about a ticket"),
    },
    "supportbot_tests": {
        **_same(
            Outcome.MANUAL,
            "issue 11: a test whose subject is the register/unregister lifecycle is reported for a human as a whole",
            "test_toolgroup_register_unregister_roundtrip",
        ),
        **_same(Outcome.MANUAL, _FIXED_INVOKE, "test_ticket_lookup"),
    },
    # The raw-HTTP registers and unregisters are rewritten (docs/fix.md): the model POSTs read the declared models
    # back with GET /v1/models/{id}, the tool group's POST and the DELETEs go.
    "ops_provision": {
        # GET /v1/models succeeds: fix reads the OpenAI list's keys (`m["id"]`) in the loop over it; the group's
        # tools are read at the connector route (`GET /v1beta/connectors/{TOOLS}/tools`)
        **_same(Outcome.MANUAL, _FIXED_INVOKE, "POST /v1/tool-runtime/invoke"),
    },
}

#: OGX lists no built-in group's tools (the shim's 501 `builtin-tools-not-listed`): fix reports the read for a human.
_FIXED_OGX_BUILTIN_TOOLS: dict[str, dict[str, Expect]] = {
    "helpdesk_agent": _same(
        Outcome.MANUAL, f"{_NO_BUILTIN_TOOLS}: fix reports it for a human", "web search offers its tool"
    )
}


def _merge(*layers: dict[str, dict[str, Expect]]) -> dict[str, dict[str, Expect]]:
    merged: dict[str, dict[str, Expect]] = {}
    for layer in layers:
        for app, steps in layer.items():
            merged.setdefault(app, {}).update(steps)
    return merged


#: column -> app -> step -> what the step must give once the shim and `fix` do their job; steps not named: OK.
EXPECTED: dict[str, dict[str, dict[str, Expect]]] = {
    "baseline": {},
    "shim-0.7.3": _merge(_NO_ROUTE, _SHIM_ONLY),
    "shim-ogx": _merge(
        _NO_ROUTE,
        _SHIM_ONLY,
        _OGX_REMOVED,
        {
            "helpdesk_agent": _same(
                Outcome.STOP, _NO_BUILTIN_TOOLS, "web search offers its tool", shows="builtin-tools-not-listed"
            )
        },
    ),
    # The fixed columns have no undecided step left: every stop is documented (decisions D1-D5).
    "fixed-0.7.3": _FIXED_ONLY,
    "fixed-ogx": _merge(_FIXED_ONLY, _FIXED_OGX_BUILTIN_TOOLS, _OGX_REMOVED),
}


def expected(column: str, app: str, step: str) -> Expect:
    return EXPECTED[column].get(app, {}).get(step, Expect(Outcome.OK, "served on the target"))


_STOPS = (Outcome.REMOVED, Outcome.REMOVED_USE, Outcome.MANUAL, Outcome.STOP)


def _shows(want: Expect) -> str | None:
    """What a failing step shows through the shim: given, or the 410 of a removed kind."""
    if want.shows is not None:
        return want.shows
    return "410" if want.outcome in (Outcome.REMOVED, Outcome.REMOVED_USE) else None


def mismatches(column: str, app: str, steps: Sequence[tuple[str, bool, str | None]]) -> list[str]:
    """How `steps` (name, ok, error text) of `app` in `column` differ from `EXPECTED`; [] when they match.

    The steps must be the app's `BASELINE_STEPS`, in order. OK steps must succeed; REMOVED, REMOVED_USE, MANUAL and
    STOP steps must fail, through the shim with what `Expect.shows` (REMOVED and REMOVED_USE: the 410
    `operation-removed` problem, D4); UNDECIDED steps are not judged.
    """
    names = [name for name, _, _ in steps]
    if names != list(BASELINE_STEPS[app]):
        return [f"{app}: steps {names} differ from the baseline's {list(BASELINE_STEPS[app])}"]
    problems = []
    for name, ok, error in steps:
        want = expected(column, app, name)
        if want.outcome is Outcome.OK and not ok:
            problems.append(f"{app} / {name}: expected to succeed, failed with {error}")
        elif want.outcome in _STOPS and ok:
            problems.append(f"{app} / {name}: expected to stop ({want.outcome.value}: {want.why}), succeeded")
        elif column.startswith("shim") and (shows := _shows(want)) is not None and shows not in (error or ""):
            problems.append(f"{app} / {name}: expected the shim's stop showing {shows!r}, got {error}")
    return problems
