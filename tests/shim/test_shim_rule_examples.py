"""Tests generated from the rules' shim examples: one pytest id per rule, example and target.

Each example says how the shim answers a call on each target (`rules.ShimExample`); the upstream is a
real HTTP server on 127.0.0.1 (`FakeUpstream`) that serves exactly the example's declared resources,
in the target's shapes. A rule without shim examples covering every target does not load, so none is
forgotten.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import httpx
import pytest

from migrate.rule_loader import load_rules
from migrate.rules import Rule, ShimExample
from migrate.shim.problems import PROBLEM_TYPES
from migrate.targets import TargetName
from tests.shim.conftest import assert_legacy_shape, assert_problem, run, settings_for, shim_client
from tests.shim.upstream import CONNECTOR_TOOLS, FakeUpstream, model

#: What each kind of client announces (workflow facts 2.1: llama-stack-client 0.3.5 and 0.7.3).
CLIENT_HEADERS = {
    "unannounced": {},
    "legacy": {
        "user-agent": "LlamaStackClient/Python 0.3.5",
        "x-llamastack-client-version": "0.3.5",
        "x-stainless-package-version": "0.3.5",
    },
    "current": {
        "user-agent": "LlamaStackClient/Python 0.7.3",
        "x-llamastack-client-version": "0.7.3",
        "x-stainless-package-version": "0.7.3",
    },
}

RULESET = load_rules()
CASES = [
    pytest.param(rule, example, target, id=f"{rule.id}::{example.name}::{target}")
    for rule in RULESET.rules
    for example in rule.shim_examples
    for target in example.answers
]


def declare(fake: FakeUpstream, rule: Rule, target: TargetName, identifiers: tuple[str, ...]) -> None:
    """Make the upstream serve `identifiers`, as the run config of `target` would declare them."""
    naming = RULESET.naming(rule, target)
    for identifier in identifiers:
        if rule.resource == "model":
            fake.models[identifier] = model(identifier)
        elif naming is not None and naming.builtin is not None and naming.is_builtin(identifier):
            provider = next(kind for kind, served in naming.builtin.providers.items() if served == identifier)
            fake.providers.append({"api": "tool_runtime", "provider_id": "p", "provider_type": provider})
        elif rule.resource == "tool_group":
            fake.connectors.append({"connector_type": "mcp", "connector_id": identifier, "url": "http://127.0.0.1:9"})
        else:
            raise AssertionError(f"{rule.id}: the test upstream cannot declare a {rule.resource}")


def send(url: str, target: TargetName, example: ShimExample) -> httpx.Response:
    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, target)) as (client, _):
            headers = CLIENT_HEADERS[example.client]
            return await client.request(example.method, example.path, json=example.body, headers=headers)

    return run(scenario())


def direct(url: str, example: ShimExample, path: str) -> httpx.Response:
    """What the upstream itself answers the call (sent at `path`, a query included)."""
    with httpx.Client(base_url=url) as client:
        request = client.build_request(example.method, path, json=example.body)
        request.url = request.url.copy_with(raw_path=path.encode("ascii"))
        return client.send(request)


def same_answer(relayed: httpx.Response, upstream: httpx.Response) -> None:
    """The upstream's answer reached the client as it is (the echo route's list of request headers aside,
    which the shim adds `X-Forwarded-*` to)."""
    assert relayed.status_code == upstream.status_code
    if relayed.headers.get("content-type") == "application/json" and '"headers"' in relayed.text:
        assert {**relayed.json(), "headers": None} == {**upstream.json(), "headers": None}
    else:
        assert relayed.content == upstream.content


@pytest.mark.parametrize(("rule", "example", "target"), CASES)
def test_shim_example(upstream: tuple[FakeUpstream, str], rule: Rule, example: ShimExample, target: TargetName) -> None:
    fake, url = upstream
    declare(fake, rule, target, example.declared)
    answer = example.answers[target]
    plan = rule.targets[target]
    response = send(url, target, example)
    path = example.path.split("?", 1)[0]
    # the call relayed (with the client's headers and X-Forwarded-For), not a read the shim made itself
    calls = [
        seen
        for seen in fake.seen
        if (seen.method, seen.raw_path) == (example.method, path) and seen.header("x-forwarded-for")
    ]
    if answer == "passthrough":  # ordinary traffic: the upstream's answer, and nothing of the shim's
        assert len(calls) == 1
        assert "deprecation" not in response.headers and "sunset" not in response.headers
        assert "link" not in response.headers
        fake.seen.clear()
        same_answer(response, direct(url, example, example.path))
        return
    if rule.deprecated is None:
        assert "deprecation" not in response.headers  # a read was never deprecated: it broke
    else:
        deprecated = dt.datetime.combine(rule.deprecated.date, dt.time(), dt.timezone.utc)
        assert response.headers["deprecation"] == f"@{int(deprecated.timestamp())}"  # RFC 9745
    assert f'<{rule.docs}>; rel="deprecation"' in response.headers["link"]
    if plan.removed_date is None:
        assert "sunset" not in response.headers  # removed on a date nobody published
    else:  # RFC 8594: the first day of the month the target removed it in
        sunset = parsedate_to_datetime(response.headers["sunset"])
        assert (sunset.year, sunset.month, sunset.day, sunset.hour) == (*map(int, plan.removed_date.split("-")), 1, 0)
    if answer.startswith("forward"):
        upstream_path = answer.partition(" ")[2] or path
        assert [seen.raw_path for seen in fake.seen if seen.raw_path != "/v1/version"] == [upstream_path]
        fake.seen.clear()
        # the upstream's own answer, relayed (its body echoes the request headers, which the shim adds to)
        query = example.path[len(path) :]
        assert response.status_code == direct(url, example, upstream_path + query).status_code
        if upstream_path != path:
            assert f"<{upstream_path}>" in response.headers["link"]  # successor-version
        return
    assert calls == []  # answered through the replacement: the call itself never reached the upstream
    if example.method != "GET":
        assert [seen for seen in fake.seen if seen.method == example.method] == []  # nothing written upstream
    if answer.startswith("problem "):
        slug = answer.partition(" ")[2]
        problem = assert_problem(response, PROBLEM_TYPES[slug], slug)
        assert problem["rule"] == rule.id and problem["target"] == target
        if slug in ("operation-removed", "builtin-tools-not-listed"):
            assert plan.guidance in problem["detail"]
    elif answer == "null":
        assert (response.status_code, response.content) == (200, b"null")
    elif answer.startswith("list "):
        assert response.status_code == 200
        items = response.json()["data"]
        for item in items:
            assert_legacy_shape(answer.partition(" ")[2], item)
        if answer == "list ToolDef":  # the tools of the group the query names, with the group filled in
            group = example.path.rpartition("=")[2]
            assert [(item["name"], item["toolgroup_id"]) for item in items] == [
                (tool["name"], group) for tool in CONNECTOR_TOOLS
            ]
        else:
            assert sorted(item["identifier"] for item in items) == sorted(example.declared)
        assert 'rel="successor-version"' in response.headers["link"]  # where the target serves the data
    else:
        assert response.status_code == 200
        assert_legacy_shape(answer, response.json())
        identifier = response.json()["identifier"]
        assert identifier in example.declared
        successor = plan.read.path.replace("{identifier}", identifier) if plan.read else None
        if rule.operation == "read":
            assert 'rel="successor-version"' in response.headers["link"]
        else:
            assert f'<{successor}>; rel="successor-version"' in response.headers["link"]
