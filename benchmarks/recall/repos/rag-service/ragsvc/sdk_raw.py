"""Calls the SDK does not wrap on our pinned version go through its low-level methods."""

from __future__ import annotations

from llama_stack_client import LlamaStackClient

client = LlamaStackClient()


def register_benchmark_raw(benchmark_id: str, dataset_id: str) -> None:
    client.post(
        "/v1alpha/eval/benchmarks",
        body={"benchmark_id": benchmark_id, "dataset_id": dataset_id, "scoring_functions": ["basic::equality"]},
        cast_to=object,
    )


def unregister_benchmark_raw(benchmark_id: str) -> None:
    client.delete(f"/v1alpha/eval/benchmarks/{benchmark_id}", cast_to=object)


def legacy_register_benchmark(benchmark_id: str, dataset_id: str) -> None:
    # 0.2-era servers only know the old path
    client.post(
        "/v1/eval/benchmarks",
        body={"benchmark_id": benchmark_id, "dataset_id": dataset_id, "scoring_functions": ["basic::equality"]},
        cast_to=object,
    )
