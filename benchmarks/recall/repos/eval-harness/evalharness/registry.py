"""Declare the harness's datasets, scoring functions and benchmarks on a stack.

Works with both SDK generations: 0.3 (`client.benchmarks`) and 0.4+ (`client.alpha.benchmarks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from llama_stack_client import AsyncLlamaStackClient, LlamaStackClient


@dataclass(frozen=True)
class BenchmarkSpec:
    benchmark_id: str
    dataset_id: str
    dataset_uri: str
    scoring_functions: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


def _benchmarks(client: LlamaStackClient) -> Any:
    alpha = getattr(client, "alpha", None)
    return alpha.benchmarks if alpha is not None else client.benchmarks


def declare(client: LlamaStackClient, specs: Iterable[BenchmarkSpec]) -> None:
    for spec in specs:
        client.beta.datasets.register(
            purpose="eval/messages-answer",
            source={"type": "uri", "uri": spec.dataset_uri},
            dataset_id=spec.dataset_id,
        )
        _benchmarks(client).register(
            benchmark_id=spec.benchmark_id,
            dataset_id=spec.dataset_id,
            scoring_functions=list(spec.scoring_functions),
            metadata=spec.metadata,
        )


def declare_legacy(client: LlamaStackClient, spec: BenchmarkSpec) -> None:
    """For stacks still on 0.3: the flat namespaces."""
    client.datasets.register(
        purpose="eval/messages-answer", source={"type": "uri", "uri": spec.dataset_uri}, dataset_id=spec.dataset_id
    )
    client.benchmarks.register(
        benchmark_id=spec.benchmark_id, dataset_id=spec.dataset_id, scoring_functions=list(spec.scoring_functions)
    )


async def retire(client: AsyncLlamaStackClient, spec: BenchmarkSpec) -> None:
    await client.alpha.benchmarks.unregister(spec.benchmark_id)
    await client.beta.datasets.unregister(dataset_id=spec.dataset_id)


def register_scorers(client: LlamaStackClient) -> None:
    kwargs = {
        "scoring_fn_id": "acme::exact-match",
        "description": "Exact match after normalisation",
        "return_type": {"type": "number"},
        "provider_id": "basic",
    }
    client.scoring_functions.register(**kwargs)
    client.scoring_functions.with_raw_response.register(
        scoring_fn_id="acme::rouge-l",
        description="ROUGE-L F1",
        return_type={"type": "number"},
        provider_id="basic",
        params={"type": "basic", "aggregation_functions": ["average"]},
    )
