"""Tests for the support bot's resource setup.

The unit tests use a mock client; the ``integration`` ones need a Llama Stack 0.3.x server.
"""

from __future__ import annotations

import functools
from typing import Any
from unittest import mock

import pytest
from llama_stack_client import LlamaStackClient, NotFoundError

from supportbot import http_admin, resources, teardown
from supportbot.main import Lifecycle, parse_skip
from supportbot.settings import Settings


@functools.singledispatch
def identifier_of(resource: Any) -> str:
    """The Llama Stack identifier of an SDK object, an HTTP payload or a plain id."""
    return str(resource.identifier)


@identifier_of.register
def _(resource: dict) -> str:
    return str(resource.get("identifier") or resource["id"])


identifier_of.register(str, lambda resource: resource)


# --- unit tests -------------------------------------------------------------------------------


def test_settings_read_base_url_from_env() -> None:
    settings = Settings.from_env({"LLAMA_STACK_URL": "http://stack.internal:8321/"})
    assert settings.base_url == "http://stack.internal:8321"
    assert Settings.from_env({}).base_url == "http://127.0.0.1:8321"


def test_register_toolgroups_registers_only_the_ticket_server_by_default() -> None:
    client = mock.Mock()
    settings = Settings(tickets_mcp_url="http://mcp.internal:8001/sse")

    registered = resources.register_toolgroups(client, settings)

    assert registered == ["mcp::tickets"]
    client.toolgroups.register.assert_called_once_with(
        toolgroup_id="mcp::tickets",
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": "http://mcp.internal:8001/sse"},
        args={"project": "SUPPORT", "max_results": 5},
    )


def test_register_toolgroups_adds_websearch_when_enabled() -> None:
    client = mock.Mock()

    registered = resources.register_toolgroups(client, Settings(enable_websearch=True))

    assert registered == ["mcp::tickets", "builtin::websearch"]
    client.toolgroups.register.assert_any_call(toolgroup_id="builtin::websearch", provider_id="tavily-search")


def test_unregister_toolgroups_tolerates_groups_that_are_already_gone() -> None:
    client = mock.Mock()
    gone = NotFoundError("gone", response=mock.Mock(status_code=404), body=None)
    client.toolgroups.unregister.side_effect = [gone, None]

    assert teardown.unregister_toolgroups(client, ["mcp::old", "mcp::tickets"]) == ["mcp::tickets"]


def test_answer_quality_spec_uses_the_judge_model() -> None:
    spec = resources.answer_quality_spec("vllm/meta-llama/Llama-3.2-3B-Instruct", "llm-as-judge")
    assert spec["params"]["judge_model"] == "vllm/meta-llama/Llama-3.2-3B-Instruct"
    assert spec["return_type"] == {"type": "number"}


def test_ticket_rows_have_messages_and_answers() -> None:
    rows = resources.load_ticket_rows()
    assert rows
    assert all(row["messages"] and row["answer"] for row in rows)


def test_parse_skip_normalises_names() -> None:
    assert parse_skip("datasets, scoring-functions,models.register") == {
        "datasets",
        "scoring_functions",
        "models.register",
    }


def test_lifecycle_unregisters_in_reverse_order() -> None:
    labels = [step.label for step in Lifecycle(mock.Mock(), Settings(), frozenset()).steps()]
    registers = [label.split(".")[0] for label in labels if label.endswith(".register")]
    removals = [label.split(".")[0] for label in labels if label.endswith((".unregister", ".delete"))]
    assert removals == list(reversed(registers))


def test_identifier_of_accepts_sdk_objects_payloads_and_ids() -> None:
    assert identifier_of(mock.Mock(identifier="vllm/m")) == "vllm/m"
    assert identifier_of({"id": "vllm/m", "object": "model"}) == "vllm/m"
    assert identifier_of("vllm/m") == "vllm/m"


# --- integration tests ------------------------------------------------------------------------


@pytest.mark.integration
def test_models_are_listed(client_with_models: LlamaStackClient, text_model_id: str) -> None:
    listed = {model.provider_resource_id for model in client_with_models.models.list()}
    assert text_model_id in listed


@pytest.mark.integration
def test_models_listed_over_plain_http(client_with_models: LlamaStackClient, settings: Settings) -> None:
    over_http = set(http_admin.list_model_ids(settings.base_url))
    assert {identifier_of(model) for model in client_with_models.models.list()} <= over_http


@pytest.mark.integration
def test_shield_round_trip(llama_stack_client: LlamaStackClient, settings: Settings) -> None:
    shield_id = resources.register_shield(llama_stack_client, settings)
    try:
        assert llama_stack_client.shields.retrieve(shield_id).provider_id == "llama-guard"
    finally:
        teardown.delete_shield(llama_stack_client, shield_id)


@pytest.mark.integration
def test_mcp_toolgroup_round_trip(llama_stack_client: LlamaStackClient) -> None:
    llama_stack_client.toolgroups.register(
        toolgroup_id="mcp::pytest-docs",
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": "http://127.0.0.1:8000/sse"},
    )
    try:
        toolgroup = llama_stack_client.toolgroups.get("mcp::pytest-docs")
        assert toolgroup.mcp_endpoint is not None
        assert toolgroup.mcp_endpoint.uri == "http://127.0.0.1:8000/sse"
    finally:
        llama_stack_client.toolgroups.unregister(toolgroup_id="mcp::pytest-docs")


@pytest.mark.integration
def test_dataset_and_benchmark(llama_stack_client: LlamaStackClient, settings: Settings) -> None:
    dataset = llama_stack_client.datasets.register(
        purpose="eval/question-answer",
        source={"type": "rows", "rows": [{"question": "Capital of France?", "answer": "Paris"}]},
        dataset_id="pytest-qa",
    )
    try:
        llama_stack_client.benchmarks.register(
            benchmark_id="pytest-qa-benchmark",
            dataset_id=dataset.identifier,
            scoring_functions=["basic::subset_of"],
            provider_id="meta-reference",
        )
        benchmark = llama_stack_client.benchmarks.retrieve("pytest-qa-benchmark")
        assert benchmark.dataset_id == "pytest-qa"
        teardown.unregister_benchmark(settings, "pytest-qa-benchmark")
    finally:
        llama_stack_client.datasets.unregister(dataset.identifier)


@pytest.mark.integration
def test_unknown_model_is_not_found(client_with_models: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError):
        client_with_models.models.retrieve("vllm/no-such-model")
