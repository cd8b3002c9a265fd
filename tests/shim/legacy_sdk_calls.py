"""Make the twelve deprecated calls with a real `llama-stack-client` SDK and print what each one got, as JSON.

Run with the interpreter of a client venv (not the project's): ``python legacy_sdk_calls.py BASE_URL CALLS_JSON``.
CALLS_JSON holds the request parameters (see `tests/shim/test_shim_legacy_sdk.py`; with `mcp_toolgroup`, an
MCP tool group is registered and unregistered too, after the twelve). The output is one JSON
document: the SDK version and, per call in order, what the SDK returned or raised:

* ``outcome``: ``"returned"`` (the SDK parsed a 2xx answer), ``"status-error"`` (it raised `APIStatusError`)
  or ``"exception"`` (anything else, e.g. `APIConnectionError`);
* ``status``, ``body`` (the JSON of the final answer, or its text), a few ``headers``, ``requests`` (HTTP
  requests the SDK sent for the call, retries included) and ``parsed`` (the SDK's own result, dumped).

SDK 0.3.5 has no method to unregister a benchmark or a scoring function; those two calls go through the
SDK's generic ``client.delete(path)``, which sends them as the SDK sends every call (headers, retries, errors).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
import llama_stack_client
from llama_stack_client import APIStatusError, LlamaStackClient

HEADERS = ("content-type", "deprecation", "sunset", "link", "x-should-retry")


def main() -> int:
    base_url, params = sys.argv[1], json.loads(sys.argv[2])
    sent: list[httpx.Request] = []
    http_client = llama_stack_client.DefaultHttpxClient(event_hooks={"request": [sent.append]})
    client = LlamaStackClient(base_url=base_url, http_client=http_client)
    series = ".".join(llama_stack_client.__version__.split(".")[:2])
    datasets = client.datasets if series == "0.3" else client.beta.datasets  # type: ignore[attr-defined]
    benchmarks = client.benchmarks if series == "0.3" else client.alpha.benchmarks  # type: ignore[attr-defined]
    results: list[dict[str, Any]] = []

    def call(rule: str, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        before = len(sent)
        record: dict[str, Any] = {"rule": rule, "call": what}
        try:
            raw = method(*args, **kwargs)
        except APIStatusError as exc:
            record.update(outcome="status-error", exception=type(exc).__name__)
            record.update(_response(exc.response))
        except Exception as exc:
            record.update(outcome="exception", exception=type(exc).__name__, message=str(exc)[:500])
        else:
            response = raw if isinstance(raw, httpx.Response) else raw.http_response
            parsed = None if isinstance(raw, httpx.Response) else raw.parse()
            record.update(outcome="returned", parsed=_dump(parsed))
            record.update(_response(response))
        record["requests"] = len(sent) - before
        results.append(record)
        return record

    model = call("LSM101", "models.register", client.models.with_raw_response.register, **params["model"])
    call("LSM111", "shields.register", client.shields.with_raw_response.register, **params["shield"])
    call("LSM121", "toolgroups.register", client.toolgroups.with_raw_response.register, **params["toolgroup"])
    call("LSM131", "datasets.register", datasets.with_raw_response.register, **params["dataset"])
    call(
        "LSM151",
        "scoring_functions.register",
        client.scoring_functions.with_raw_response.register,
        **params["scoring_function"],
    )
    call("LSM141", "benchmarks.register", benchmarks.with_raw_response.register, **params["benchmark"])
    benchmark_id = params["benchmark"]["benchmark_id"]
    scoring_fn_id = params["scoring_function"]["scoring_fn_id"]
    if series == "0.3":
        call("LSM142", "client.delete(benchmark)", _generic_delete(client, f"/v1alpha/eval/benchmarks/{benchmark_id}"))
        call("LSM152", "client.delete(scoring_fn)", _generic_delete(client, f"/v1/scoring-functions/{scoring_fn_id}"))
    else:
        call("LSM142", "benchmarks.unregister", benchmarks.with_raw_response.unregister, benchmark_id)
        call(
            "LSM152",
            "scoring_functions.unregister",
            client.scoring_functions.with_raw_response.unregister,
            scoring_fn_id,
        )
    call("LSM132", "datasets.unregister", datasets.with_raw_response.unregister, params["dataset"]["dataset_id"])
    toolgroup_id = params["toolgroup"]["toolgroup_id"]
    call("LSM122", "toolgroups.unregister", client.toolgroups.with_raw_response.unregister, toolgroup_id)
    call("LSM112", "shields.delete", client.shields.with_raw_response.delete, params["shield"]["shield_id"])
    registered = model.get("body") if isinstance(model.get("body"), dict) else {}
    model_id = registered.get("identifier") or params["model"]["model_id"]
    call("LSM102", "models.unregister", client.models.with_raw_response.unregister, model_id)
    if "mcp_toolgroup" in params:  # an MCP tool group as well (needs a reachable MCP server on a legacy server)
        mcp = params["mcp_toolgroup"]
        call("LSM121", "toolgroups.register (MCP)", client.toolgroups.with_raw_response.register, **mcp)
        call(
            "LSM122", "toolgroups.unregister (MCP)", client.toolgroups.with_raw_response.unregister, mcp["toolgroup_id"]
        )
    print(json.dumps({"sdk_version": llama_stack_client.__version__, "calls": results}))
    return 0


def _generic_delete(client: LlamaStackClient, path: str) -> Any:
    return lambda: client.delete(path, cast_to=httpx.Response)


def _response(response: httpx.Response) -> dict[str, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = {"text": response.text}
    headers = {name: response.headers.get_list(name) for name in HEADERS if name in response.headers}
    return {"status": response.status_code, "body": body, "headers": headers}


def _dump(parsed: Any) -> Any:
    if parsed is None or isinstance(parsed, (str, int, float, bool, list, dict)):
        return parsed
    if hasattr(parsed, "model_dump"):
        return parsed.model_dump(mode="json")
    return repr(parsed)


if __name__ == "__main__":
    raise SystemExit(main())
