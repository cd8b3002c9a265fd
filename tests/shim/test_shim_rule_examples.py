"""Tests generated from the rules' shim examples: one pytest id per rule, example and target.

Each example says how the shim answers a deprecated call on each target (`rules.ShimExample`); the
upstream is a real HTTP server on 127.0.0.1 (`FakeUpstream`) that serves exactly the example's declared
resources. A rule without shim examples covering every target does not load, so none is forgotten.
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
from tests.shim.conftest import DOCS, assert_legacy_shape, assert_problem, run, settings_for, shim_client
from tests.shim.upstream import FakeUpstream, model

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
            return await client.request(example.method, example.path, json=example.body)

    return run(scenario())


def direct(url: str, example: ShimExample, path: str) -> httpx.Response:
    """What the upstream itself answers the call (sent at `path`)."""
    with httpx.Client(base_url=url) as client:
        request = client.build_request(example.method, path, json=example.body)
        request.url = request.url.copy_with(raw_path=path.encode("ascii"))
        return client.send(request)


@pytest.mark.parametrize(("rule", "example", "target"), CASES)
def test_shim_example(upstream: tuple[FakeUpstream, str], rule: Rule, example: ShimExample, target: TargetName) -> None:
    fake, url = upstream
    declare(fake, rule, target, example.declared)
    answer = example.answers[target]
    plan = rule.targets[target]
    response = send(url, target, example)
    deprecated = dt.datetime.combine(rule.deprecated.date, dt.time(), dt.timezone.utc)
    assert response.headers["deprecation"] == f"@{int(deprecated.timestamp())}"  # RFC 9745
    assert f'<{DOCS}>; rel="deprecation"' in response.headers["link"]
    if plan.removed_date is None:
        assert "sunset" not in response.headers  # removed on a date nobody published
    else:  # RFC 8594: the first day of the month the target removed it in
        sunset = parsedate_to_datetime(response.headers["sunset"])
        assert (sunset.year, sunset.month, sunset.day, sunset.hour) == (*map(int, plan.removed_date.split("-")), 1, 0)
    writes = [seen for seen in fake.seen if seen.method == example.method]
    if answer.startswith("forward"):
        upstream_path = answer.partition(" ")[2] or example.path
        assert [seen.raw_path for seen in writes] == [upstream_path]
        fake.seen.clear()
        # the upstream's own answer, relayed (its body echoes the request headers, which the shim adds to)
        assert response.status_code == direct(url, example, upstream_path).status_code
        if upstream_path != example.path:
            assert f"<{upstream_path}>" in response.headers["link"]  # successor-version
        return
    assert writes == []  # answered through the replacement: nothing was written upstream
    if answer.startswith("problem "):
        slug = answer.partition(" ")[2]
        problem = assert_problem(response, PROBLEM_TYPES[slug], slug)
        assert problem["rule"] == rule.id and problem["target"] == target
        if slug == "operation-removed":
            assert plan.guidance in problem["detail"]
    elif answer == "null":
        assert (response.status_code, response.content) == (200, b"null")
    else:
        assert response.status_code == 200
        assert_legacy_shape(answer, response.json())
        identifier = response.json()["identifier"]
        assert identifier in example.declared
        assert (
            f'<{plan.read.path.replace("{identifier}", identifier) if plan.read else None}>; rel="successor-version"'
            in (response.headers["link"])
        )
