"""Ops provisioning script: sets up and tears down a tenant's resources over plain HTTP.

Written against the REST API directly (no SDK on the ops boxes). LLAMA_STACK_URL points at the stack,
OPS_MCP_URL at the tenant's MCP server.
"""

import os

import httpx
import requests
from stepreport import check, step

BASE = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321").rstrip("/")
MCP_URL = os.environ.get("OPS_MCP_URL", "http://localhost:8000/mcp")
TIMEOUT = 30

MODEL = "vllm/acme/ops-llm"
GUARD = "vllm/acme/ops-guard"
SHIELD = "ops-shield"
TOOLS = "mcp::ops-tools"
DATASET = "ops-smoke"
SCORING_FN = "ops-judge"
BENCHMARK = "ops-bench"


def ok(response):
    """The JSON body of a successful answer (None when empty); raises requests.HTTPError otherwise."""
    response.raise_for_status()
    return response.json() if response.content else None


with step("POST /v1/models (chat model)"):
    body = ok(
        requests.post(
            f"{BASE}/v1/models",
            json={"model_id": MODEL, "provider_id": "vllm", "provider_model_id": "acme/ops-llm"},
            timeout=TIMEOUT,
        )
    )
    check(body["identifier"] == MODEL, f"identifier {body.get('identifier')!r}")
    check(body["provider_resource_id"] == "acme/ops-llm", f"{body!r}")

with step("POST /v1/models (guard model)"):
    ok(
        requests.post(
            f"{BASE}/v1/models",
            json={"model_id": GUARD, "provider_id": "vllm", "provider_model_id": "acme/ops-guard"},
            timeout=TIMEOUT,
        )
    )

with step("GET /v1/models"):
    identifiers = [m["identifier"] for m in ok(requests.get(f"{BASE}/v1/models", timeout=TIMEOUT))["data"]]
    check(MODEL in identifiers and GUARD in identifiers, f"identifiers {identifiers}")

with step("GET /v1/models/{id}"):
    model = ok(requests.get(f"{BASE}/v1/models/{MODEL}", timeout=TIMEOUT))
    check(model["provider_id"] == "vllm" and model["model_type"] == "llm", f"{model!r}")

with step("POST /v1/chat/completions"):
    completion = ok(
        requests.post(
            f"{BASE}/v1/chat/completions",
            json={"model": MODEL, "messages": [{"role": "user", "content": "ping"}]},
            timeout=TIMEOUT,
        )
    )
    check("ping" in completion["choices"][0]["message"]["content"], f"{completion!r}")

with step("POST /v1/shields"):
    ok(
        requests.post(
            f"{BASE}/v1/shields",
            json={"shield_id": SHIELD, "provider_id": "llama-guard", "provider_shield_id": GUARD},
            timeout=TIMEOUT,
        )
    )

with step("GET /v1/shields"):
    check(
        SHIELD in [s["identifier"] for s in ok(requests.get(f"{BASE}/v1/shields", timeout=TIMEOUT))["data"]],
        "shield not listed",
    )

with step("POST /v1/safety/run-shield"):
    verdict = ok(
        requests.post(
            f"{BASE}/v1/safety/run-shield",
            json={"shield_id": SHIELD, "messages": [{"role": "user", "content": "kill the process"}], "params": {}},
            timeout=TIMEOUT,
        )
    )
    check(verdict["violation"] is not None, f"{verdict!r}")

with step("POST /v1/toolgroups"):
    ok(
        requests.post(
            f"{BASE}/v1/toolgroups",
            json={"toolgroup_id": TOOLS, "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": MCP_URL}},
            timeout=TIMEOUT,
        )
    )

with step("GET /v1/tools?toolgroup_id="):
    names = [
        t["name"] for t in ok(requests.get(f"{BASE}/v1/tools", params={"toolgroup_id": TOOLS}, timeout=TIMEOUT))["data"]
    ]
    check("lookup_ticket" in names, f"tools {names}")

with step("POST /v1/tool-runtime/invoke"):
    result = ok(
        requests.post(
            f"{BASE}/v1/tool-runtime/invoke",
            json={"tool_name": "add_numbers", "kwargs": {"a": 2, "b": 3}},
            timeout=TIMEOUT,
        )
    )
    check(result["content"][0]["text"] == "5", f"{result!r}")

with step("POST /v1/datasets"):
    ok(
        requests.post(
            f"{BASE}/v1/datasets",
            json={
                "dataset_id": DATASET,
                "purpose": "eval/question-answer",
                "source": {"type": "rows", "rows": [{"input_query": "2+2?", "expected_answer": "4"}]},
            },
            timeout=TIMEOUT,
        )
    )

with step("GET /v1beta/datasetio/iterrows/{id}"):
    rows = httpx.get(f"{BASE}/v1beta/datasetio/iterrows/{DATASET}", timeout=TIMEOUT).raise_for_status().json()
    check(rows["data"][0]["expected_answer"] == "4", f"{rows!r}")

with step("POST /v1/scoring-functions"):
    ok(
        requests.post(
            f"{BASE}/v1/scoring-functions",
            json={
                "scoring_fn_id": SCORING_FN,
                "description": "ops smoke judge",
                "return_type": {"type": "number"},
                "provider_id": "llm-as-judge",
                "provider_scoring_fn_id": "llm-as-judge-base",
                "params": {"type": "llm_as_judge", "judge_model": MODEL, "prompt_template": "Score: 4 {input_query}"},
            },
            timeout=TIMEOUT,
        )
    )

with step("GET /v1/scoring-functions/{id}"):
    check(
        ok(requests.get(f"{BASE}/v1/scoring-functions/{SCORING_FN}", timeout=TIMEOUT))["provider_id"] == "llm-as-judge",
        "wrong provider",
    )

with step("POST /v1/eval/benchmarks"):
    ok(
        requests.post(
            f"{BASE}/v1/eval/benchmarks",
            json={"benchmark_id": BENCHMARK, "dataset_id": DATASET, "scoring_functions": ["basic::equality"]},
            timeout=TIMEOUT,
        )
    )

with step("GET /v1alpha/eval/benchmarks/{id}"):
    check(
        ok(requests.get(f"{BASE}/v1alpha/eval/benchmarks/{BENCHMARK}", timeout=TIMEOUT))["dataset_id"] == DATASET,
        "wrong dataset",
    )

with step("DELETE /v1/eval/benchmarks/{id}"):
    ok(requests.delete(f"{BASE}/v1/eval/benchmarks/{BENCHMARK}", timeout=TIMEOUT))

with step("DELETE /v1/scoring-functions/{id}"):
    ok(requests.delete(f"{BASE}/v1/scoring-functions/{SCORING_FN}", timeout=TIMEOUT))

with step("DELETE /v1/datasets/{id}"):
    ok(requests.delete(f"{BASE}/v1/datasets/{DATASET}", timeout=TIMEOUT))

with step("DELETE /v1/toolgroups/{id}"):
    ok(requests.delete(f"{BASE}/v1/toolgroups/{TOOLS}", timeout=TIMEOUT))

with step("DELETE /v1/shields/{id}"):
    ok(requests.delete(f"{BASE}/v1/shields/{SHIELD}", timeout=TIMEOUT))

with step("DELETE /v1/models/{id}"):
    for model_id in (MODEL, GUARD):
        ok(requests.delete(f"{BASE}/v1/models/{model_id}", timeout=TIMEOUT))
