"""Deprecated calls are answered through the replacement chosen per rule and target."""

from __future__ import annotations

import json
import random
import socket
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML

from migrate.legacy_spec import legacy_spec
from migrate.rule_loader import load_rules
from migrate.shim.schema_check import Unsupported, compile_schema
from migrate.targets import TargetName
from tests.shim.conftest import (
    DEPRECATED_2025_11_10,
    DOCS,
    assert_problem,
    run,
    settings_for,
    shim_client,
    shim_server,
)
from tests.shim.upstream import FakeUpstream, model


def links(response: httpx.Response) -> dict[str, str]:
    found = {}
    for part in response.headers["link"].split(", <"):
        uri, _, rel = part.partition(">; rel=")
        found[rel.strip('"')] = uri.lstrip("<")
    return found


def prepare(fake: FakeUpstream) -> None:
    fake.models["vllm/served"] = model("vllm/served")
    fake.connectors.append({"connector_type": "mcp", "connector_id": "weather", "url": "http://127.0.0.1:9/mcp"})
    fake.providers.append(
        {"api": "tool_runtime", "provider_id": "tavily-search", "provider_type": "remote::tavily-search"}
    )


MODEL = {"model_id": "served", "provider_id": "vllm", "model_type": "llm"}
SCORER = {"scoring_fn_id": "s", "description": "d", "return_type": {"type": "number"}}


def test_undeclared_model_gets_the_exact_entry_to_declare(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream
    body = {"model_id": "llama-3", "provider_id": "vllm", "provider_model_id": "meta/llama-3", "metadata": {"k": 1}}

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.post("/v1/models", json=body)

    response = run(scenario())
    problem = assert_problem(response, 409, "resource-not-declared")
    assert response.headers["x-should-retry"] == "false"
    assert problem["identifier"] == "vllm/llama-3"
    assert problem["config_section"] == "registered_resources.models"
    assert problem["fix_command"] == (
        "llama-stack-migrate fix --target ogx-1 --select LSM101 --config RUN_CONFIG --write PATH"
    )
    assert YAML(typ="safe").load(problem["yaml"]) == {"registered_resources": {"models": [body]}}
    assert "registered_resources.models" in problem["detail"]
    assert links(response)["successor-version"] == "/v1/models/vllm/llama-3"


def test_llama_stack_07_names_the_model_by_provider_model_id(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.models["vllm/meta/llama-3"] = model("vllm/meta/llama-3")
    body = {"model_id": "llama-3", "provider_id": "vllm", "provider_model_id": "meta/llama-3"}

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "llama-stack-0.7")) as (client, _):
            return await client.post("/v1/models", json=body)

    response = run(scenario())
    assert response.status_code == 200
    assert response.json()["identifier"] == "vllm/meta/llama-3"
    assert [seen.raw_path for seen in fake.seen] == ["/v1/models/vllm/meta/llama-3"]


def test_missing_provider_is_named_in_the_problem(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.post("/v1/models", json={"model_id": "llama-3"})

    problem = assert_problem(run(scenario()), 409, "resource-not-declared")
    assert problem["missing"] == ["provider_id"]
    assert YAML(typ="safe").load(problem["yaml"]) == {
        "registered_resources": {"models": [{"model_id": "llama-3", "provider_id": None}]}
    }
    assert fake.seen == []


def test_undeclared_mcp_tool_group_gets_a_connector_entry(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream
    body = {"toolgroup_id": "mcp::search", "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": "http://m"}}

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "llama-stack-0.7")) as (client, _):
            return await client.post("/v1/toolgroups", json=body)

    problem = assert_problem(run(scenario()), 409, "resource-not-declared")
    assert YAML(typ="safe").load(problem["yaml"]) == {
        "connectors": [{"connector_id": "mcp::search", "url": "http://m"}]
    }


@pytest.mark.parametrize("target", ["llama-stack-0.7", "ogx-1"])
def test_builtin_tool_group_is_satisfied_by_a_configured_provider(
    upstream: tuple[FakeUpstream, str], target: TargetName
) -> None:
    fake, url = upstream

    async def scenario() -> list[httpx.Response]:
        async with shim_client(settings_for(url, target)) as (client, _):
            body = {"toolgroup_id": "builtin::websearch", "provider_id": "tavily-search"}
            absent = await client.post("/v1/toolgroups", json=body)
            prepare(fake)
            present = await client.post("/v1/toolgroups", json=body)
            unregistered = await client.delete("/v1/toolgroups/builtin::websearch")
            unknown = await client.delete("/v1/toolgroups/builtin::wolfram_alpha")
            return [absent, present, unregistered, unknown]

    absent, present, unregistered, unknown = run(scenario())
    problem = assert_problem(absent, 409, "builtin-tool-group-not-served")
    assert "tavily-search" in problem["detail"]
    assert (present.status_code, present.content) == (200, b"null")
    assert (unregistered.status_code, unregistered.content) == (200, b"null")
    assert_problem(unknown, 404, "resource-not-found")


def test_unregister_of_an_unknown_model_is_404(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.delete("/v1/models/vllm/nope")

    problem = assert_problem(run(scenario()), 404, "resource-not-found")
    assert problem["identifier"] == "vllm/nope"


def test_unregister_can_be_rejected(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    prepare(fake)

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1", on_unregister="reject")) as (client, _):
            return await client.delete("/v1/models/vllm/served")

    response = run(scenario())
    problem = assert_problem(response, 409, "unregister-rejected")
    assert response.headers["x-should-retry"] == "false"
    assert "registered_resources.models" in problem["guidance"]


def test_invalid_bodies_are_400_problems(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream

    async def scenario() -> list[httpx.Response]:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return [
                await client.post("/v1/models", content=b"{not json"),
                await client.post("/v1/models", json={"model_id": 3, "model_type": "vision", "extra": 1}),
                await client.post("/v1/models", json=["model_id"]),
            ]

    not_json, wrong, array = run(scenario())
    assert_problem(not_json, 400, "invalid-body")
    problem = assert_problem(wrong, 400, "invalid-body")
    pointers = {error["pointer"] for error in problem["errors"]}
    assert {"/model_id", "/model_type", ""} <= pointers
    assert wrong.headers["deprecation"] == DEPRECATED_2025_11_10
    assert_problem(array, 400, "invalid-body")
    assert fake.seen == []


def test_request_body_of_a_deprecated_call_is_limited(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    big = {"model_id": "m", "provider_id": "vllm", "metadata": {"blob": "x" * 500}}

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1", max_body=256)) as (client, _):
            return await client.post("/v1/models", json=big)

    assert_problem(run(scenario()), 413, "body-too-large")

    def chunks() -> object:
        for _ in range(10):
            yield b" " * 100

    with shim_server(settings_for(url, "ogx-1", max_body=256)) as (shim_url, _):
        streamed = httpx.post(f"{shim_url}/v1/models", content=chunks(), timeout=5)  # type: ignore[arg-type]
    assert_problem(streamed, 413, "body-too-large")
    assert fake.seen == []


def test_upstream_failures_during_a_read(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.fail_reads = True

    async def scenario(base: str) -> httpx.Response:
        async with shim_client(settings_for(base, "ogx-1")) as (client, _):
            return await client.post("/v1/models", json=MODEL)

    failed = run(scenario(url))
    assert failed.status_code == 503
    assert failed.json() == {"error": {"message": "backend unavailable"}}
    assert failed.headers["deprecation"] == DEPRECATED_2025_11_10

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = run(scenario(dead))
    assert_problem(unreachable, 502, "upstream-unavailable")
    assert unreachable.headers["deprecation"] == DEPRECATED_2025_11_10


def test_reads_carry_the_callers_credentials_only(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    prepare(fake)

    async def scenario() -> None:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            headers = {"Authorization": "Bearer caller-token", "X-LlamaStack-Provider-Data": '{"k": "v"}'}
            await client.post("/v1/models", json=MODEL, headers=headers)

    run(scenario())
    (read,) = fake.seen
    assert read.raw_path == "/v1/models/vllm/served"
    assert read.header("authorization") == ["Bearer caller-token"]
    assert read.header("x-llamastack-provider-data") == []


def test_version_gate_is_passed_for_old_sdks(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    assert httpx.get(f"{url}/v1/health", headers={"X-LlamaStack-Client-Version": "0.3.5"}).status_code == 426

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url)) as (client, _):
            return await client.get("/v1/health", headers={"X-LlamaStack-Client-Version": "0.3.5"})

    fake.seen.clear()
    assert run(scenario()).status_code == 200
    assert fake.seen[-1].header("x-llamastack-client-version") == ["0.7.3"]


def test_forwarded_answer_keeps_upstream_links_and_gets_the_rules_deprecation(
    upstream: tuple[FakeUpstream, str],
) -> None:
    _, url = upstream

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "llama-stack-0.7")) as (client, _):
            return await client.post("/v1/scoring-functions", json=SCORER)

    response = run(scenario())
    assert response.headers.get_list("deprecation") == [DEPRECATED_2025_11_10]
    assert response.headers.get_list("link") == [
        '</v1/scoring-functions>; rel="collection"',
        f'<{DOCS}>; rel="deprecation"',
    ]


def test_the_entry_to_declare_never_carries_a_credential_of_the_request(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream
    group = {
        "toolgroup_id": "mcp::tickets",
        "provider_id": "model-context-protocol",
        "mcp_endpoint": {"uri": "https://bot:CANARY-PW-1@mcp.example:8443/sse?team=7&access_token=CANARY-TOKEN-2"},
        "args": {"headers": {"Authorization": "Bearer CANARY-ARGS-3"}, "api_key": "CANARY-ARGS-4"},
    }
    chat = {
        "model_id": "chat",
        "provider_id": "vllm",
        "metadata": {"apiKey": "CANARY-META-5", "max_tokens": 512, "docs": "see https://u:CANARY-DOC-6@wiki/x"},
    }

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.post("/v1/toolgroups", json=group), await client.post("/v1/models", json=chat)

    for_group, for_model = run(scenario())
    assert "CANARY" not in for_group.text + for_model.text
    group_problem = assert_problem(for_group, 409, "resource-not-declared")
    assert YAML(typ="safe").load(group_problem["yaml"]) == {
        "connectors": [{"connector_id": "mcp::tickets", "url": "https://mcp.example:8443/sse?team=7"}]
    }
    assert group_problem["credentials_left_out"] == ["url: userinfo", "url: query access_token"]
    assert "${env.NAME}" in group_problem["detail"]
    model_problem = assert_problem(for_model, 409, "resource-not-declared")
    assert model_problem["entry"] == {
        "model_id": "chat",
        "provider_id": "vllm",
        "metadata": {"max_tokens": 512, "docs": "see https://wiki/x"},
    }
    assert model_problem["credentials_left_out"] == ["metadata.apiKey", "metadata.docs: userinfo"]


JSON_SCALARS: list[Any] = [None, True, False, 0, 1, 1.0, 2.5, -3, "", "x", "llm", "uri", "rows", "basic"]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 2 else 6)
    if kind < 6:
        return rng.choice(JSON_SCALARS)
    if kind == 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(["a", "type", "uri", "k"]): random_json(rng, depth + 1) for _ in range(rng.randrange(3))}


def sample(schema: Any, spec: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A random instance built from `schema`: mostly valid, sometimes not (optional parts picked at random)."""
    if not isinstance(schema, dict) or depth > 6:
        return random_json(rng)
    if "const" in schema:
        return schema["const"]
    if "$ref" in schema:
        return sample(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec, rng, depth + 1)
    if "oneOf" in schema:
        return sample(rng.choice(schema["oneOf"]), spec, rng, depth + 1)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {
            key: sample(each, spec, rng, depth + 1)
            for key, each in properties.items()
            if key in required or rng.random() < 0.5
        }
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and rng.random() < 0.7:
            out[f"extra{rng.randrange(3)}"] = sample(extra, spec, rng, depth + 1)
        return out
    if kind == "array":
        return [sample(schema.get("items", {}), spec, rng, depth + 1) for _ in range(rng.randrange(3))]
    scalars = {"string": ["", "s", "llm"], "number": [0, 1.5, -2], "integer": [0, 3, 2.0], "boolean": [True, False]}
    if kind in scalars:
        return rng.choice(scalars[kind])
    return random_json(rng)


def mutate(instance: Any, rng: random.Random) -> Any:
    """`instance` with one random change somewhere inside: a value of another type, a key dropped or added."""
    copy = json.loads(json.dumps(instance))
    containers = [copy]
    stack = [copy]
    while stack:
        node = stack.pop()
        for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else []:
            if isinstance(child, (dict, list)):
                containers.append(child)
                stack.append(child)
    target = rng.choice(containers)
    if isinstance(target, dict):
        action = rng.randrange(3)
        if action == 0 and target:
            del target[rng.choice(list(target))]
        elif action == 1 and target:
            target[rng.choice(list(target))] = random_json(rng)
        else:
            target[rng.choice(["unknown", "type", "uri", "metadata"])] = random_json(rng)
    elif isinstance(target, list):
        if target and rng.random() < 0.5:
            target[rng.randrange(len(target))] = random_json(rng)
        else:
            target.append(random_json(rng))
    return copy if copy is not instance else random_json(rng)


def test_compiled_schema_checks_agree_with_jsonschema_on_every_schema_the_rules_name() -> None:
    spec = legacy_spec()
    schemas = spec["components"]["schemas"]
    names = sorted(
        {name for rule in load_rules().rules for name in (rule.http.request_schema, rule.http.response_schema) if name}
    )
    assert len(names) == 9
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    rng = random.Random(20260401)
    for name in names:
        check = compile_schema(schemas[name], spec)  # each compiles: the fast check is really used
        validator = Draft202012Validator({"$ref": f"urn:spec#/components/schemas/{name}"}, registry=registry)
        instances = [sample(schemas[name], spec, rng) for _ in range(400)]
        instances += [mutate(instance, rng) for instance in instances for _ in range(3)]
        instances += [random_json(rng) for _ in range(200)] + JSON_SCALARS
        verdicts = [validator.is_valid(instance) for instance in instances]
        for instance, expected in zip(instances, verdicts, strict=True):
            assert check(instance) is expected, (name, instance)
        assert 0 < sum(verdicts) < len(instances), name  # both valid and invalid instances were tried


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"const": 1}, [1, 1.0], [True, "1", [1]]),
        ({"enum": [False, [0], {"a": 1}]}, [False, [0.0], {"a": 1.0}], [0, [False], {"a": True}, {"a": 1, "b": 2}]),
        ({"type": "integer"}, [3, 3.0, -1], [3.5, True, "3", None]),
        ({"type": "number"}, [3, 3.5], [True, "3"]),
        ({"type": ["string", "null"]}, ["", None], [0, []]),
        ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, [2.5], [2, "x"]),
        ({"not": {"type": "string"}, "anyOf": [{"type": "array"}, {"const": 0}]}, [[], 0], ["x", 1]),
        (
            {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": {"type": "integer"}},
            [{"a": "x"}, {"a": "x", "b": 1}, "not an object"],
            [{}, {"a": 1}, {"a": "x", "b": "y"}],
        ),
        ({"items": {"type": "boolean"}}, [[], [True], {"not": "an array"}], [[1], [True, None]]),
    ],
)
def test_compiled_checks_mean_what_jsonschema_means(
    schema: dict[str, Any], valid: list[Any], invalid: list[Any]
) -> None:
    check = compile_schema(schema, schema)
    validator = Draft202012Validator(schema)
    for instance in valid:
        assert check(instance) and validator.is_valid(instance), instance
    for instance in invalid:
        assert not check(instance) and not validator.is_valid(instance), instance


def test_keywords_the_compiler_does_not_know_are_left_to_jsonschema() -> None:
    for schema in ({"$ref": "#/$defs/a", "$defs": {"a": {"minimum": 1}}}, {"$ref": "https://e.org/s"}, {"type": "int"}):
        with pytest.raises(Unsupported):
            compile_schema(schema, schema)


def test_a_recursive_reference_compiles() -> None:
    document = {"$defs": {"tree": {"type": "object", "properties": {"child": {"$ref": "#/$defs/tree"}}}}}
    check = compile_schema({"$ref": "#/$defs/tree"}, document)
    assert check({"child": {"child": {}}}) and not check({"child": {"child": 3}})
