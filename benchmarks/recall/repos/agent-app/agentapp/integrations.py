"""Services the assistant talks to beside Llama Stack (whose calls are in stack.py): vLLM, search, MCP."""

import os

import requests
from llama_stack_client import LlamaStackClient
from mcp import ClientSession
from openai import OpenAI

VLLM_URL = os.environ.get("VLLM_URL", "http://vllm:8000")
SEARCH_URL = os.environ.get("SEARCH_SERVICE_URL", "http://search:9000")
openai_client = OpenAI(base_url=f"{VLLM_URL}/v1", api_key="none")
stack = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


def served_by_vllm() -> list[str]:
    return [model.id for model in openai_client.models.list()]


def vllm_models_raw() -> list[str]:
    return [m["id"] for m in requests.get(f"{VLLM_URL}/v1/models", timeout=5).json()["data"]]


def search_tools() -> list[str]:
    return [t["name"] for t in requests.get(f"{SEARCH_URL}/v1/tools", timeout=5).json()["tools"]]


async def mcp_tools(session: ClientSession) -> list[str]:
    listed = await session.list_tools()
    return [tool.name for tool in listed.tools]


def flagged(text: str) -> bool:
    return openai_client.moderations.create(input=text).results[0].flagged


def known_stack_models() -> set[str]:
    return {model.identifier for model in stack.models.list()}
