"""Tool plugins the assistant may offer, from the team's own registry and Hugging Face (no Llama Stack here)."""

from huggingface_hub import HfApi
from mistralai import Mistral

from agentapp.registry import toolbox


def offered_tools() -> list[str]:
    return [tool.name for tool in toolbox.tools.list()]


def small_models() -> list[str]:
    return [model.id for model in HfApi().list_models(search="Llama-3.2-1B", limit=5)]


def triage_agent(mistral: Mistral) -> str:
    return mistral.beta.agents.create(model="mistral-small-latest", name="triage").id
