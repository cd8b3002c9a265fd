"""schemathesis drives the shim from the legacy OpenAPI document that the package ships (`migrate/legacy_spec`).

For each of the twelve deprecated operations, schemathesis sends valid and invalid requests (its
examples, coverage and fuzzing phases, positive and negative data) to a shim on a real port, in front
of a real test upstream, on each of the three targets. Every answer must be

* free of 5xx: the upstream is healthy, so a 5xx could only be the shim's own fault;
* a problem document (RFC 9457, the shim's type base, `status` equal to the HTTP status), or
* an answer the shim made itself that is valid for the operation in the legacy spec (status and
  schema, schemathesis' own checks), or
* the upstream's own answer, relayed unchanged: the test upstream tags everything it sends, and
  for the routes the shim forwards (or passes through) that answer is the upstream's business, not
  the spec's.

Invalid bodies for the operations that the shim answers itself must be refused with 4xx
(schemathesis' `negative_data_rejection`), and each call leaves exactly one event when it is a
deprecated call. The spec loads as it is shipped; nothing is adapted.

The run is deterministic (the same cases every time). For a longer, random hunt:
`SHIM_FUZZ_RANDOM=1 SHIM_FUZZ_EXAMPLES=300 pytest tests/shim/test_shim_schemathesis.py`.
"""

from __future__ import annotations

import copy
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import hypothesis
import pytest
import requests
import schemathesis
from jsonschema import Draft202012Validator
from schemathesis.checks import CHECKS

from migrate.legacy_spec import legacy_spec
from migrate.shim.app import ShimApp
from migrate.targets import TargetName
from tests.shim.conftest import PROBLEM_SCHEMA, settings_for, shim_server, wait_for
from tests.shim.upstream import FakeUpstream, model, serve

EXAMPLES_PER_OPERATION = int(os.environ.get("SHIM_FUZZ_EXAMPLES", "40"))
#: What refuses a request that violates the spec: invalid body or target (400), unknown resource (404), removed
#: operation (410), too large (413). Not 409: a conflict with the server's state answers a valid request only.
REJECTED = [400, 404, 410, 413]

SPEC = schemathesis.openapi.from_dict(
    copy.deepcopy(legacy_spec()),
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": os.environ.get("SHIM_FUZZ_RANDOM") is None,
                "database": "none",
            },
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
        }
    ),
)

#: schemathesis' own checks of an answer against the operation in the spec (status, then body schema).
RESPONSE_CHECKS = [CHECKS.get_one(name) for name in ("status_code_conformance", "response_schema_conformance")]
#: Invalid data must be refused with one of `REJECTED`.
NEGATIVE_DATA_REJECTION = CHECKS.get_one("negative_data_rejection")

#: What the test upstream adds to every answer it sends, so a relayed answer can be told from the shim's own.
UPSTREAM_TAG = "x-test-upstream"


class MostlyPresent(dict[str, dict[str, Any]]):
    """Models on the test upstream: three identifiers in four exist (by their digest), so both answers occur."""

    def __contains__(self, identifier: object) -> bool:
        return isinstance(identifier, str) and sha256(identifier.encode()).digest()[0] % 4 != 0

    def __getitem__(self, identifier: str) -> dict[str, Any]:
        if identifier not in self:
            raise KeyError(identifier)
        return model(identifier)


@dataclass
class TaggingUpstream(FakeUpstream):
    """`FakeUpstream` whose answers all carry `UPSTREAM_TAG`, with most model ids present."""

    models: dict[str, dict[str, Any]] = field(default_factory=MostlyPresent)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def tagged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (UPSTREAM_TAG.encode(), b"yes")]}
            await send(message)

        if scope["type"] == "http" and scope["raw_path"].startswith(b"/v1/models/"):
            # The shim quotes the identifiers it reads; the test upstream looks them up decoded.
            scope = {**scope, "raw_path": b"/v1/models/" + unquote(scope["raw_path"][11:].decode()).encode()}
        await super().__call__(scope, receive, tagged)


@dataclass
class Fuzzed:
    """A shim on a real port, in front of the tagging upstream, and what the test needs to check its answers."""

    target: TargetName
    url: str
    app: ShimApp
    upstream: TaggingUpstream
    events: Path
    session: requests.Session
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module", params=["llama-stack-0.4", "llama-stack-0.7", "ogx-1"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    target: TargetName = request.param
    fake = TaggingUpstream(version={"llama-stack-0.4": "0.4.7", "llama-stack-0.7": "0.7.3"}.get(target, "1.5.0"))
    fake.gate.set()
    fake.connectors = [{"connector_id": "weather", "url": "http://127.0.0.1:9/mcp", "connector_type": "mcp"}]
    fake.providers = [{"api": "tool_runtime", "provider_id": "tavily-search", "provider_type": "remote::tavily-search"}]
    events = tmp_path_factory.mktemp(f"fuzz-{target}") / "events.sqlite3"
    with (
        serve(fake) as upstream_url,
        shim_server(settings_for(upstream_url, target, events=events)) as (url, app),
        requests.Session() as session,
    ):
        yield Fuzzed(target, url, app, fake, events, session)


@SPEC.parametrize()
@hypothesis.settings(database=None, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_every_answer_is_valid_for_the_legacy_spec_or_a_problem(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    response = case.call(base_url=fuzzed.url, session=fuzzed.session, timeout=60)
    relayed = UPSTREAM_TAG in response.headers
    assert response.status_code < 500, describe(response)  # the upstream is healthy: any 5xx is the shim's
    check_answer(case, response, relayed=relayed)
    if relayed and response.request.method == case.method and "deprecation" in response.headers:
        echoed = response.json()  # a forwarded call: the test upstream's echo of what reached it
        if isinstance(echoed, dict) and "raw_path" in echoed:
            assert echoed["method"] == case.method
    # every answer to a rule's call links the rule's docs (a read rule's has no Deprecation header: it broke)
    if any('rel="deprecation"' in link for link in response.headers.get("link") or ()):
        with fuzzed.lock:
            fuzzed.calls += 1


def check_answer(case: schemathesis.Case, response: schemathesis.Response, *, relayed: bool) -> None:
    """A problem document of the shim's; else the upstream's own answer (`relayed`), or valid for the spec."""
    if header(response, "content-type") == "application/problem+json":
        problem = response.json()
        assert list(Draft202012Validator(PROBLEM_SCHEMA).iter_errors(problem)) == [], describe(response)
        assert problem["status"] == response.status_code
        if not problem["type"].endswith("/invalid-request-target"):  # refused before the path is known
            assert problem["instance"] == response.request.path_url.split("?", 1)[0]
        assert not relayed
    elif not relayed:
        case.validate_response(response, checks=RESPONSE_CHECKS)
    if not relayed:
        case.validate_response(response, checks=[NEGATIVE_DATA_REJECTION])


def header(response: schemathesis.Response, name: str) -> str | None:
    values = response.headers.get(name)
    return values[0] if values else None


def describe(response: schemathesis.Response) -> str:
    return f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text[:500]}"


#: Outcomes that the run must have produced on each target (so the fuzzing reached every kind of answer).
OUTCOMES: dict[TargetName, set[str]] = {
    "llama-stack-0.4": {"forwarded"},
    "llama-stack-0.7": {"forwarded", "satisfied", "unsatisfied", "acknowledged", "invalid"},
    "ogx-1": {"gone", "satisfied", "unsatisfied", "acknowledged", "invalid"},
}


def test_each_deprecated_call_of_the_run_left_exactly_one_event(fuzzed: Fuzzed) -> None:
    """Runs after the fuzzing of its target (pytest groups the tests of a module fixture's parameter)."""
    assert fuzzed.calls > 12 * EXAMPLES_PER_OPERATION // 2
    (store,) = fuzzed.app.recorder.sinks
    wait_for(lambda: store.written + store.dropped >= fuzzed.calls)
    assert (store.written, store.dropped) == (fuzzed.calls, 0)
    with sqlite3.connect(fuzzed.events) as db:
        rows = db.execute("SELECT outcome, count(*) FROM deprecation_events GROUP BY outcome").fetchall()
    outcomes = dict(rows)
    assert sum(outcomes.values()) == fuzzed.calls
    assert OUTCOMES[fuzzed.target] <= set(outcomes)
    assert "upstream-error" not in outcomes
    print(f"schemathesis on {fuzzed.target}: {fuzzed.calls} deprecated calls, events by outcome {outcomes}")
