"""What the assistant asks of Llama Stack: listings, shields, tools, agents, datasets and scoring."""

import os

import httpx
import requests
from llama_stack_client import AsyncLlamaStackClient, LlamaStackClient

LLAMA_STACK_URL = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")
client = LlamaStackClient(base_url=LLAMA_STACK_URL)
aclient = AsyncLlamaStackClient(base_url=LLAMA_STACK_URL)


async def embedding_dimensions() -> dict[str, int]:
    return {m.identifier: m.metadata.get("embedding_dimension", 0) for m in await aclient.models.list()}


def model_ids_raw() -> list[str]:
    return [m["identifier"] for m in requests.get(f"{LLAMA_STACK_URL}/v1/models", timeout=10).json()["data"]]


async def guard_shields() -> list[str]:
    return [shield.identifier for shield in await aclient.shields.list()]


def kb_tools(group: str) -> list[str]:
    return [tool.name for tool in client.tools.list(toolgroup_id=group)]


def kb_tools_raw(group: str) -> list[str]:
    response = httpx.get(f"{LLAMA_STACK_URL}/v1/tools", params={"toolgroup_id": group}, timeout=10)
    return [tool["name"] for tool in response.json()["data"]]


def dataset_rows(dataset_id: str) -> list[dict]:
    page = requests.get(f"{LLAMA_STACK_URL}/v1beta/datasetio/iterrows/{dataset_id}", params={"limit": 50}, timeout=30)
    return page.json()["data"]


async def screen(text: str) -> bool:
    verdict = await aclient.safety.run_shield(shield_id="content-guard", messages=[{"role": "user", "content": text}])
    return verdict.violation is None


def moderate_raw(text: str) -> dict:
    return requests.post(f"{LLAMA_STACK_URL}/v1/moderations", json={"input": text, "model": "llama-guard"}, timeout=10).json()


def search(query: str) -> str:
    return client.tool_runtime.invoke_tool(tool_name="web_search", kwargs={"query": query}).content


def start_agent(model: str) -> tuple[str, str]:
    agent = client.agents.create(agent_config={"model": model, "instructions": "Answer support questions."})
    session = client.agents.session.create(agent_id=agent.agent_id, session_name="support")
    return agent.agent_id, session.session_id


def ask(agent_id: str, session_id: str, question: str) -> object:
    return client.agents.turn.create(
        agent_id=agent_id,
        session_id=session_id,
        messages=[{"role": "user", "content": question}],
        stream=False,
    )


def add_rows(dataset_id: str, rows: list[dict]) -> None:
    client.beta.datasets.appendrows(dataset_id=dataset_id, rows=rows)


async def grade(rows: list[dict]) -> object:
    return await aclient.scoring.score(input_rows=rows, scoring_functions={"basic::equality": None})


def score_raw(rows: list[dict]) -> dict:
    payload = {"input_rows": rows, "scoring_functions": {"basic::equality": None}}
    return httpx.post(f"{LLAMA_STACK_URL}/v1/scoring/score", json=payload, timeout=60).json()


def evaluate(benchmark_id: str, rows: list[dict], config: dict) -> object:
    return client.alpha.eval.evaluate_rows(
        benchmark_id=benchmark_id, input_rows=rows, scoring_functions=["basic::equality"], benchmark_config=config
    )


def evaluate_on_a_0_2_stack(benchmark_id: str, config: dict) -> str:
    return client.eval.run_eval(benchmark_id=benchmark_id, benchmark_config=config).job_id
