"""Dataset and benchmark registration for llama-stack-client 0.4 and later.

0.4 moved ``datasets`` under ``client.beta`` and ``benchmarks`` under ``client.alpha`` without
keeping the old attributes, so the upgrade branch calls these instead of the ones in
``resources.py`` and ``teardown.py``.  The client is typed loosely because 0.3.x, which this
project pins, has neither attribute.
"""

from __future__ import annotations

from typing import Any

from .resources import BENCHMARK_ID, DATASET_ID, load_ticket_rows
from .settings import Settings


def register_dataset(client: Any) -> str:
    dataset = client.beta.datasets.register(
        dataset_id=DATASET_ID,
        purpose="eval/messages-answer",
        source={"type": "rows", "rows": load_ticket_rows()},
        metadata={"owner": "support-bot", "split": "regression"},
    )
    return str(dataset.identifier)


def register_benchmark(client: Any, settings: Settings, dataset_id: str, scoring_fn_ids: list[str]) -> str:
    client.alpha.benchmarks.register(
        benchmark_id=BENCHMARK_ID,
        dataset_id=dataset_id,
        scoring_functions=["basic::subset_of", *scoring_fn_ids],
        provider_id=settings.eval_provider,
        metadata={"suite": "nightly", "max_rows": 50},
    )
    return BENCHMARK_ID


def unregister_benchmark(client: Any, benchmark_id: str) -> None:
    client.alpha.benchmarks.unregister(benchmark_id)


def unregister_scoring_function(client: Any, scoring_fn_id: str) -> None:
    client.scoring_functions.unregister(scoring_fn_id)


def unregister_dataset(client: Any, dataset_id: str) -> None:
    client.beta.datasets.unregister(dataset_id)
