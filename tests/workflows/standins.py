"""What the workflow apps talk to besides the Llama Stack server: a vLLM stand-in and a real MCP server.

One process, one port on 127.0.0.1, run by the Python of a server venv (it needs ``starlette``, ``uvicorn`` and
``mcp<2``, which the llama-stack 0.3.5 venv has):

* ``/v1/models``, ``/v1/chat/completions`` (plain and streamed, with tool calls), ``/v1/completions``,
  ``/v1/embeddings`` and ``/v1/moderations``: the OpenAI-compatible API that the ``remote::vllm`` inference
  provider of each server generation calls (``VLLM_URL=http://127.0.0.1:P/v1``), and that OGX's responses provider
  calls for guardrails (``moderation_endpoint``). ``/health`` answers like vLLM's.
* ``/mcp`` (streamable HTTP) and ``/sse`` + ``/messages/`` (SSE): one MCP server built with the ``mcp`` package's
  FastMCP, with two tools. Every server generation's MCP tool runtime tries streamable HTTP first and falls back to
  SSE; both are served so that apps written for either URL work.

The model is deterministic, so the apps can check what reached it: a chat answer names the model id the provider
sent (``[model=vllm-model-id]``), a Llama Guard prompt is answered ``safe`` unless the conversation contains a word
of `UNSAFE_WORDS`, and a request with tools calls the tool that the last user message names (arguments: the first
JSON object in that message) and then answers with the tool's result. Each request is appended as one JSON line to
the file named by ``--log`` (method, path, model, the headers that tell who called), for the facts about who calls
what.

Run: ``python standins.py --port 0 --ready-file F [--log L]`` writes the bound port to ``F`` once it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import math
import re
import struct
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.fastmcp import FastMCP
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

#: The models the stand-in lists at ``GET /v1/models`` (what the vllm provider's refresh sees). Any other model id
#: is served too: a real vLLM would refuse it, but the apps' ids should reach the backend to be seen in the log.
LISTED_MODELS = ("standin/served-llm",)
DEFAULT_EMBEDDING_DIMENSION = 384
UNSAFE_WORDS = ("bomb", "kill")
LLAMA_GUARD_MARKER = "Check if there is unsafe content"

TICKETS = {
    "T-1": "printer on fire (status: open)",
    "T-2": "VPN drops every hour (status: closed)",
}

mcp = FastMCP("helpdesk", host="127.0.0.1", stateless_http=True)


@mcp.tool()
def lookup_ticket(ticket_id: str) -> str:
    """Look up a helpdesk ticket by its id (e.g. T-1) and return its summary."""
    summary = TICKETS.get(ticket_id)
    return f"ticket {ticket_id}: {summary}" if summary else f"ticket {ticket_id}: not found"


@mcp.tool()
def add_numbers(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# ---------------------------------------------------------------------------------------------- the model


def _text_of(content: Any) -> str:
    """The text of an OpenAI message content (a string, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _first_json_object(text: str) -> dict[str, Any]:
    match = re.search(r"\{.*?\}", text, re.DOTALL)
    if match is None:
        return {}
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _tool_names(tools: list[dict[str, Any]]) -> list[str]:
    names = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def _flagged(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in UNSAFE_WORDS)


def decide(body: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """What the model answers: ``(text, None)`` or ``(None, tool_call)``."""
    model = str(body.get("model"))
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    everything = " ".join(_text_of(m.get("content")) for m in messages)
    if LLAMA_GUARD_MARKER in everything:
        conversation = everything.split("<BEGIN CONVERSATION>")[-1].split("<END CONVERSATION>")[0]
        return ("unsafe\nS1" if _flagged(conversation) else "safe"), None
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return f"[model={model}] the tool answered: {_text_of(last.get('content'))}", None
    user_text = next((_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    for name in _tool_names(body.get("tools") or []):
        if name in user_text:
            call = {
                "id": f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(_first_json_object(user_text))},
            }
            return None, call
    return f"[model={model}] you said: {user_text}", None


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}


def chat_completion(body: dict[str, Any]) -> dict[str, Any]:
    text, call = decide(body)
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if call is not None:
        message["tool_calls"] = [call]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if call else "stop", "logprobs": None}
        ],
        "usage": _usage(),
    }


async def chat_completion_stream(body: dict[str, Any]) -> AsyncIterator[bytes]:
    text, call = decide(body)
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model"),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        return f"data: {json.dumps(data)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""})
    if call is not None:
        yield chunk({"tool_calls": [{"index": 0, **call}]})
        yield chunk({}, "tool_calls")
    else:
        assert text is not None
        for word in re.findall(r"\S+\s*", text) or [text]:
            yield chunk({"content": word})
        yield chunk({}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield f"data: {json.dumps({**base, 'choices': [], 'usage': _usage()})}\n\n".encode()
    yield b"data: [DONE]\n\n"


def embedding(text: str, dimension: int) -> list[float]:
    """A deterministic unit vector for `text`."""
    values: list[float] = []
    counter = 0
    while len(values) < dimension:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((byte - 127.5) / 127.5 for byte in digest)
        counter += 1
    values = values[:dimension]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


# ---------------------------------------------------------------------------------------------- routes

LOG_PATH: Path | None = None
LOGGED_HEADERS = ("user-agent", "authorization", "x-llamastack-client-version", "x-ogx-client-version")


def log_request(request: Request, body: dict[str, Any] | None) -> None:
    if LOG_PATH is None:
        return
    record = {
        "time": time.time(),
        "method": request.method,
        "path": request.url.path,
        "model": (body or {}).get("model"),
        "stream": (body or {}).get("stream"),
        "tools": _tool_names((body or {}).get("tools") or []),
        "headers": {name: request.headers[name] for name in LOGGED_HEADERS if name in request.headers},
    }
    with LOG_PATH.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError:
        body = {}
    body = body if isinstance(body, dict) else {}
    log_request(request, body)
    return body


async def health(request: Request) -> Response:
    log_request(request, None)
    return Response(status_code=200)


async def list_models(request: Request) -> Response:
    log_request(request, None)
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "vllm", "root": m} for m in LISTED_MODELS]
    return JSONResponse({"object": "list", "data": data})


async def chat_completions(request: Request) -> Response:
    body = await _json_body(request)
    if body.get("stream"):
        return StreamingResponse(chat_completion_stream(body), media_type="text/event-stream")
    return JSONResponse(chat_completion(body))


async def completions(request: Request) -> Response:
    body = await _json_body(request)
    prompt = body.get("prompt")
    text = f"[model={body.get('model')}] completed: {prompt if isinstance(prompt, str) else json.dumps(prompt)}"
    return JSONResponse(
        {
            "id": f"cmpl-{uuid.uuid4().hex[:16]}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(),
        }
    )


async def embeddings(request: Request) -> Response:
    body = await _json_body(request)
    inputs = body.get("input")
    texts = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs or []]
    dimension = int(body.get("dimensions") or DEFAULT_EMBEDDING_DIMENSION)
    data = []
    for index, text in enumerate(texts):
        vector = embedding(text, dimension)
        encoded: Any = vector
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
    return JSONResponse({"object": "list", "data": data, "model": body.get("model"), "usage": usage})


async def moderations(request: Request) -> Response:
    body = await _json_body(request)
    inputs = body.get("input")
    texts = [inputs] if isinstance(inputs, str) else [_text_of(i) if isinstance(i, dict) else str(i) for i in inputs]
    results = []
    for text in texts:
        flagged = _flagged(text)
        results.append(
            {
                "flagged": flagged,
                "categories": {"violence": flagged},
                "category_scores": {"violence": 0.99 if flagged else 0.01},
            }
        )
    return JSONResponse({"id": f"modr-{uuid.uuid4().hex[:12]}", "model": body.get("model"), "results": results})


INFERENCE_ROUTES = [
    Route("/health", health, methods=["GET"]),
    Route("/v1/health", health, methods=["GET"]),
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/completions", completions, methods=["POST"]),
    Route("/v1/embeddings", embeddings, methods=["POST"]),
    Route("/v1/moderations", moderations, methods=["POST"]),
]


def build_app() -> Any:
    """The MCP server's streamable-HTTP app (its lifespan runs the session manager), plus SSE and inference."""
    app = mcp.streamable_http_app()
    app.router.routes.extend(mcp.sse_app().routes)
    app.router.routes.extend(INFERENCE_ROUTES)
    return app


def main() -> None:
    global LOG_PATH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    LOG_PATH = args.log
    config = uvicorn.Config(build_app(), host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
                return
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        args.ready_file.write_text(str(port), encoding="utf-8")
        await task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
