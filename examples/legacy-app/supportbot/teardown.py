"""Removes what ``resources.py`` registered, in the reverse order.

llama-stack-client 0.3.x cannot unregister benchmarks or scoring functions (the server can), so
those two go through ``http_admin``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from llama_stack_client import LlamaStackClient, NotFoundError

from . import http_admin
from .settings import Settings

log = logging.getLogger(__name__)


def unregister_benchmark(settings: Settings, benchmark_id: str) -> None:
    http_admin.delete_benchmark(settings.base_url, benchmark_id, timeout=settings.request_timeout)


def unregister_scoring_function(settings: Settings, scoring_fn_id: str) -> None:
    http_admin.delete_scoring_function(settings.base_url, scoring_fn_id, timeout=settings.request_timeout)


def unregister_dataset(client: LlamaStackClient, dataset_id: str) -> None:
    client.datasets.unregister(dataset_id=dataset_id)
    log.info("unregistered dataset %s", dataset_id)


def unregister_toolgroups(client: LlamaStackClient, toolgroup_ids: Iterable[str]) -> list[str]:
    """Unregister each tool group; one that is already gone counts as done."""
    removed: list[str] = []
    for toolgroup_id in toolgroup_ids:
        try:
            client.toolgroups.unregister(toolgroup_id)
        except NotFoundError:
            log.warning("tool group %s was already unregistered", toolgroup_id)
            continue
        removed.append(toolgroup_id)
    log.info("unregistered tool groups %s", ", ".join(removed) or "(none)")
    return removed


def delete_shield(client: LlamaStackClient, shield_id: str) -> None:
    client.shields.delete(identifier=shield_id)
    log.info("deleted shield %s", shield_id)


def unregister_model(client: LlamaStackClient, model_identifier: str) -> None:
    client.models.unregister(model_identifier)
    log.info("unregistered model %s", model_identifier)
