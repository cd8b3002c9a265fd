"""Load: 10,000 mixed requests over 64 concurrent connections through the `shim` command (a real process).

The mix, request by request: passthrough uploads echoed by the upstream (checked by digest), fixed
16 KiB bodies, streamed answers (SSE and chunked, checked byte for byte), and deprecated calls of four
rules with a unique resource each (declare & read, look up, forward, tool groups), half of them for
resources that exist. Every answer is checked against what the test sent (`loadgen.py`): nothing may be
lost or corrupted. Then:

* the event store holds exactly one event per deprecated call: the same count, every resource id once,
  and the outcome each call had to have;
* memory is bounded: the shim's resident memory after the run stays within a generous bound (32 MiB)
  of what it was after a warm-up of 2,000 requests: a leak of 3.4 KiB per request would exceed it;
* nothing is left behind: no connection in use, no client connection, no half-closed socket, and no
  more upstream connections than the client had.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from migrate.shim.metrics import METRICS_PATH
from tests.shim.conftest import sample, wait_for
from tests.shim.loadgen import Call, Check, drive
from tests.shim.procfs import rss_bytes, tcp_sockets
from tests.shim.test_shim_command import running_shim
from tests.shim.upstream import PAYLOAD, FakeUpstream, model, serve

REQUESTS = 10_000
CONCURRENCY = 64
WARM_UP = 2_000
#: The shim's resident memory may grow by at most this much over the run (after the warm-up).
RSS_BOUND = 32 * 1024 * 1024

SSE = b'event: delta\ndata: {"n": 1}\n\nevent: delta\ndata: {"n": 2}\n\ndata: [DONE]\n\n'
CHUNKS = b"first chunk\nsecond chunk\n"


class _Forgetful(list[Any]):
    """`FakeUpstream.seen` that keeps nothing: the load test checks answers, not what the upstream kept."""

    def append(self, item: Any) -> None:
        pass


@contextmanager
def load_upstream(count: int) -> Iterator[str]:
    """The test upstream (llhttp, for speed) for the first `count` calls of the mix: half the models and some
    tool groups are declared, streams flow at once. Yields its URL."""
    fake = FakeUpstream(seen=_Forgetful())
    fake.gate.set()
    for index in range(count):
        if index % 20 in (6, 7):
            fake.models[f"vllm/m{index}"] = model(f"vllm/m{index}")
    fake.connectors = [{"connector_id": f"t{index}", "url": "http://x"} for index in range(count) if index % 200 == 9]
    config = uvicorn.Config(fake, http="httptools", ws="none", lifespan="off", log_level="warning", access_log=False)
    with serve(fake, config=config) as url:
        yield url


def expect(status: int, body: bytes | None = None, *, deprecated: bool = False, json_check: Any = None) -> Check:
    """A check: this status, and this exact body or a JSON body `json_check` accepts."""

    def check(got: int, headers: dict[str, str], content: bytes) -> str | None:
        if got != status:
            return f"status {got}, expected {status}: {content[:200]!r}"
        if ("deprecation" in headers) != deprecated:
            return f"deprecation header {'missing' if deprecated else 'unexpected'}"
        if body is not None and content != body:
            return f"body of {len(content)} bytes differs from the expected {len(body)}"
        if json_check is not None:
            try:
                document = json.loads(content)
            except ValueError:
                return f"not JSON: {content[:200]!r}"
            if not json_check(document):
                return f"unexpected document {content[:300]!r}"
        return None

    return check


def mixed_call(index: int, headers: tuple[tuple[str, str], ...] = ()) -> tuple[Call, tuple[str, str, str] | None]:
    """Request `index` of the mix, and the event it must leave (rule, resource id, outcome), if deprecated."""
    call, event = _mixed_call(index)
    return Call(call.method, call.target, call.check, call.body, headers), event


def _mixed_call(index: int) -> tuple[Call, tuple[str, str, str] | None]:
    kind = index % 10
    if kind in (0, 1, 2):
        upload = hashlib.sha256(b"%d" % index).digest() * (1 + index % 200)
        target = f"/v1/files/f{index}?n={index}"

        def echoed(document: Any) -> bool:
            return (
                document["raw_path"] == target.split("?")[0]
                and document["query"] == f"n={index}"
                and (document["body_sha256"] == hashlib.sha256(upload).hexdigest())
            )

        return Call("POST", target, expect(200, json_check=echoed), body=upload), None
    if kind == 3:
        return Call("GET", "/bytes", expect(200, PAYLOAD)), None
    if kind == 4:
        return Call("GET", "/sse", expect(200, SSE)), None
    if kind == 5:
        return Call("GET", "/chunks", expect(200, CHUNKS)), None
    declared = index % 20 == kind
    if kind == 6:
        body = json.dumps({"model_id": f"m{index}", "provider_id": "vllm"}).encode()
        wanted = f"vllm/m{index}"
        check = expect(200 if declared else 409, deprecated=True, json_check=lambda d: d["identifier"] == wanted)
        return Call("POST", "/v1/models", check, body=body), (
            "LSM101",
            wanted,
            "satisfied" if declared else "unsatisfied",
        )
    if kind == 7:
        wanted = f"vllm/m{index}"
        check = expect(200, b"null", deprecated=True) if declared else expect(404, deprecated=True)
        return Call("DELETE", f"/v1/models/{wanted}", check), (
            "LSM102",
            wanted,
            "acknowledged" if declared else "unsatisfied",
        )
    if kind == 8:
        path = f"/v1/shields/s{index}"
        check = expect(200, deprecated=True, json_check=lambda d: d["raw_path"] == path and d["method"] == "DELETE")
        return Call("DELETE", path, check), ("LSM112", f"s{index}", "forwarded")
    group = f"t{index}"
    present = index % 200 == 9
    body = json.dumps(
        {"toolgroup_id": group, "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": "http://x"}}
    )
    check = expect(200, b"null", deprecated=True) if present else expect(409, deprecated=True)
    return Call("POST", "/v1/toolgroups", check, body=body.encode()), (
        "LSM121",
        group,
        "satisfied" if present else "unsatisfied",
    )


def test_ten_thousand_mixed_requests_at_64_connections_lose_nothing(tmp_path: Path) -> None:
    events_db = tmp_path / "events.sqlite3"
    warm_up = [mixed_call(REQUESTS + index) for index in range(WARM_UP)]
    load = [mixed_call(index) for index in range(REQUESTS)]
    with load_upstream(REQUESTS + WARM_UP) as upstream_url:
        args = ["--upstream", upstream_url, "--target", "llama-stack-0.7", "--events", str(events_db)]
        with running_shim(*args, "--no-event-log", "--log-level", "warning") as (shim_url, process):
            rss_idle = rss_bytes(process.pid)
            warmed = asyncio.run(drive(shim_url, [call for call, _ in warm_up], CONCURRENCY))
            assert (warmed.lost, warmed.corrupted) == ([], [])
            rss_before = rss_bytes(process.pid)
            results = asyncio.run(drive(shim_url, [call for call, _ in load], CONCURRENCY))
            rss_after = rss_bytes(process.pid)
            deprecated = [event for _, event in warm_up + load if event is not None]

            def written() -> float:
                scraped = httpx.get(shim_url + METRICS_PATH, timeout=30).text
                return sample(scraped, "llama_stack_migrate_events_written_total", sink="sqlite")

            wait_for(lambda: written() == len(deprecated), 60)
            scraped = httpx.get(shim_url + METRICS_PATH, timeout=30).text
            shim_port = int(shim_url.rsplit(":", 1)[1])
            wait_for(lambda: not [s for s in tcp_sockets(process.pid) if s.local_port == shim_port and s.remote_port])
            sockets = tcp_sockets(process.pid)
    _, stderr = process.communicate()
    print(
        f"load: {results.sent} requests at {CONCURRENCY} connections, {results.answered} answered, "
        f"lost {len(results.lost)}, corrupted {len(results.corrupted)}, statuses {results.statuses}; "
        f"RSS idle {rss_idle / 2**20:.1f} MiB, after warm-up {rss_before / 2**20:.1f} MiB, "
        f"after the run {rss_after / 2**20:.1f} MiB; {len(deprecated)} events"
    )
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    assert results.sent == REQUESTS
    assert results.lost == []
    assert results.corrupted == []
    assert results.answered == REQUESTS
    assert rss_after - rss_before < RSS_BOUND
    assert sample(scraped, "llama_stack_migrate_upstream_connections", state="in-use") == 0
    assert sample(scraped, "llama_stack_migrate_events_dropped_total", sink="sqlite") == 0
    states = Counter(s.state for s in sockets)
    assert states["CLOSE_WAIT"] == 0
    assert [s for s in sockets if s.state == "LISTEN"] != []
    assert len([s for s in sockets if s.state == "ESTABLISHED"]) <= CONCURRENCY  # pooled upstream connections only
    with sqlite3.connect(events_db) as db:
        stored = db.execute("SELECT rule_id, resource_id, outcome FROM deprecation_events").fetchall()
    assert len(stored) == len(deprecated)
    assert Counter(stored) == Counter(deprecated)  # one event per call: each resource once, with its outcome


@pytest.mark.parametrize("index", [0, 3, 4, 5, 6, 7, 8, 9, 26, 27, 209])
def test_the_checks_of_the_mix_reject_a_wrong_answer(index: int) -> None:
    """The load test's checks would notice a corrupted answer (a wrong byte, status or header)."""
    call, _ = mixed_call(index)
    assert call.check(599, {}, b"") is not None
    assert call.check(200, {"deprecation": "@1"}, b"\x00" * 16) is not None
    assert call.check(409, {}, b'{"identifier": "other"}') is not None
