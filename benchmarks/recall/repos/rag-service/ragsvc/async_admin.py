"""Async variants used by the ingestion workers (aiohttp)."""

from __future__ import annotations

import aiohttp

from ragsvc.stack_http import LLAMA_STACK_URL


async def register_search_tools(session: aiohttp.ClientSession) -> None:
    async with session.post(
        f"{LLAMA_STACK_URL}/v1/toolgroups",
        json={"toolgroup_id": "builtin::websearch", "provider_id": "brave-search"},
    ) as response:
        response.raise_for_status()


async def remove_search_tools(session: aiohttp.ClientSession) -> None:
    async with session.delete(f"{LLAMA_STACK_URL}/v1/toolgroups/builtin::websearch") as response:
        if response.status != 404:
            response.raise_for_status()


async def remove_scorer(session: aiohttp.ClientSession, scoring_fn_id: str) -> None:
    await session.delete(f"{LLAMA_STACK_URL}/v1/scoring-functions/{scoring_fn_id}")


async def list_shields(session: aiohttp.ClientSession) -> list[str]:
    async with session.get(f"{LLAMA_STACK_URL}/v1/shields") as response:
        return [item["identifier"] for item in (await response.json())["data"]]
