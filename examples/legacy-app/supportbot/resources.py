"""Registers the support bot's resources on a Llama Stack server (llama-stack-client 0.3.x).

One function per resource.  Each returns the identifier(s) the server knows the resource by, so
the caller can read it back and unregister it later (see ``teardown.py``).
"""

from __future__ import annotations

import json
import logging
from importlib import resources as package_files
from typing import Any

from llama_stack_client import LlamaStackClient

from .settings import Settings

log = logging.getLogger(__name__)

SHIELD_ID = "supportbot-guard"
TICKETS_TOOLGROUP_ID = "mcp::tickets"
WEBSEARCH_TOOLGROUP_ID = "builtin::websearch"
DATASET_ID = "supportbot-tickets"
SCORING_FN_ID = "llm-as-judge::supportbot-answer-quality"
BENCHMARK_ID = "supportbot-regression"

JUDGE_PROMPT = """\
You are grading a customer-support answer against the reference answer.
Question: {input_query}
Reference answer: {expected_answer}
Candidate answer: {generated_answer}
Rate the candidate from 0 (wrong or unsafe) to 5 (complete and correct).
Reply with exactly one line: "Score: <0-5>"."""


def make_client(settings: Settings) -> LlamaStackClient:
    """A client that fails fast: the lifecycle wants the first error, not three retries of it."""
    return LlamaStackClient(base_url=settings.base_url, timeout=settings.request_timeout, max_retries=0)


def load_ticket_rows() -> list[dict[str, Any]]:
    """The regression set: real (anonymised) tickets with the answer support signed off."""
    text = package_files.files("supportbot").joinpath("data/tickets.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def register_model(client: LlamaStackClient, settings: Settings) -> str:
    model = client.models.register(
        model_id="supportbot-chat",
        provider_id=settings.inference_provider,
        provider_model_id=settings.chat_model,
        model_type="llm",
        metadata={"context_length": 8192, "owner": "support-bot"},
    )
    log.info("registered model %s", model.identifier)
    return model.identifier


def register_shield(client: LlamaStackClient, settings: Settings) -> str:
    shield = client.shields.register(
        shield_id=SHIELD_ID,
        provider_id="llama-guard",
        provider_shield_id=settings.guard_model_identifier,
        params={"on_violation": "block"},
    )
    log.info("registered shield %s", shield.identifier)
    return shield.identifier


def register_toolgroups(client: LlamaStackClient, settings: Settings) -> list[str]:
    """The ticketing MCP server, plus Tavily web search where the server has it configured."""
    client.toolgroups.register(
        toolgroup_id=TICKETS_TOOLGROUP_ID,
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": settings.tickets_mcp_url},
        args={"project": "SUPPORT", "max_results": 5},
    )
    registered = [TICKETS_TOOLGROUP_ID]
    if settings.enable_websearch:
        client.toolgroups.register(toolgroup_id="builtin::websearch", provider_id="tavily-search")
        registered.append(WEBSEARCH_TOOLGROUP_ID)
    log.info("registered tool groups %s", ", ".join(registered))
    return registered


def register_dataset(client: LlamaStackClient) -> str:
    dataset = client.datasets.register(
        dataset_id=DATASET_ID,
        purpose="eval/messages-answer",
        source={"type": "rows", "rows": load_ticket_rows()},
        metadata={"owner": "support-bot", "split": "regression"},
    )
    log.info("registered dataset %s", dataset.identifier)
    return dataset.identifier


def answer_quality_spec(judge_model: str, provider_id: str) -> dict[str, Any]:
    """Keyword arguments for ``scoring_functions.register``; also written to the eval report."""
    return {
        "scoring_fn_id": SCORING_FN_ID,
        "description": "LLM-as-judge score (0-5) of a support answer against the signed-off answer",
        "return_type": {"type": "number"},
        "provider_id": provider_id,
        "params": {
            "type": "llm_as_judge",
            "judge_model": judge_model,
            "prompt_template": JUDGE_PROMPT,
            "judge_score_regexes": [r"Score:\s*([0-5])"],
            "aggregation_functions": ["average"],
        },
    }


def register_scoring_function(client: LlamaStackClient, settings: Settings, judge_model: str) -> str:
    spec = answer_quality_spec(judge_model, settings.scoring_provider)
    client.scoring_functions.register(**spec)
    log.info("registered scoring function %s", spec["scoring_fn_id"])
    return str(spec["scoring_fn_id"])


def register_benchmark(
    client: LlamaStackClient, settings: Settings, dataset_id: str, scoring_fn_ids: list[str]
) -> str:
    benchmark_id = BENCHMARK_ID
    client.benchmarks.register(
        benchmark_id=benchmark_id,
        dataset_id=dataset_id,
        scoring_functions=["basic::subset_of", *scoring_fn_ids],
        provider_id=settings.eval_provider,
        metadata={"suite": "nightly", "max_rows": 50},
    )
    log.info("registered benchmark %s on dataset %s", benchmark_id, dataset_id)
    return benchmark_id
