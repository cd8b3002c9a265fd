"""Reads registered resources back from the server and checks they are what we asked for."""

from __future__ import annotations

from llama_stack_client import LlamaStackClient

from . import http_admin
from .settings import Settings


class InventoryMismatch(RuntimeError):
    """The server returned a resource, but not the one the support bot expects."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise InventoryMismatch(message)


def read_model(client: LlamaStackClient, model_identifier: str) -> str:
    model = client.models.retrieve(model_identifier)
    _expect(
        model.identifier == model_identifier, f"asked for model {model_identifier}, got {model.identifier}"
    )
    return f"{model.identifier} (type={model.model_type}, provider={model.provider_id})"


def list_models(settings: Settings, model_identifier: str) -> str:
    served = http_admin.list_model_ids(settings.base_url, timeout=settings.request_timeout)
    _expect(model_identifier in served, f"{model_identifier} is not among the {len(served)} served models")
    return f"{len(served)} models served, {model_identifier} among them"


def read_shield(client: LlamaStackClient, shield_id: str) -> str:
    shield = client.shields.retrieve(shield_id)
    _expect(shield.identifier == shield_id, f"asked for shield {shield_id}, got {shield.identifier}")
    return f"{shield.identifier} (provider={shield.provider_id}, model={shield.provider_resource_id})"


def read_toolgroups(client: LlamaStackClient, toolgroup_ids: list[str]) -> str:
    found = []
    for toolgroup_id in toolgroup_ids:
        toolgroup = client.toolgroups.get(toolgroup_id)
        _expect(toolgroup.identifier == toolgroup_id, f"asked for {toolgroup_id}, got {toolgroup.identifier}")
        endpoint = toolgroup.mcp_endpoint.uri if toolgroup.mcp_endpoint else "built-in"
        found.append(f"{toolgroup.identifier} ({endpoint})")
    return ", ".join(found)


def read_dataset(client: LlamaStackClient, dataset_id: str) -> str:
    dataset = client.datasets.retrieve(dataset_id)
    _expect(dataset.identifier == dataset_id, f"asked for dataset {dataset_id}, got {dataset.identifier}")
    return f"{dataset.identifier} (purpose={dataset.purpose}, source={dataset.source.type})"


def read_scoring_function(client: LlamaStackClient, scoring_fn_id: str) -> str:
    scoring_fn = client.scoring_functions.retrieve(scoring_fn_id)
    _expect(scoring_fn.identifier == scoring_fn_id, f"asked for {scoring_fn_id}, got {scoring_fn.identifier}")
    return f"{scoring_fn.identifier} (provider={scoring_fn.provider_id})"


def read_benchmark(client: LlamaStackClient, benchmark_id: str) -> str:
    benchmark = client.benchmarks.retrieve(benchmark_id)
    _expect(benchmark.identifier == benchmark_id, f"asked for {benchmark_id}, got {benchmark.identifier}")
    return (
        f"{benchmark.identifier} (dataset={benchmark.dataset_id}, {len(benchmark.scoring_functions)} scorers)"
    )
