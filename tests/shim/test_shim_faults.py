"""Faults, produced for real: an upstream that is down, silent, resets, stalls or talks garbage
(`faulty_upstream.py`, raw sockets), clients that leave mid-answer, and an event store that is locked.

Each fault gets the answer docs/shim.md documents for it (a problem document, or a closed connection
when the answer had already started), and leaves nothing behind: after each one the upstream's count
of open connections equals the shim's pool, no connection is in use, the shim's event loop has no
more tasks than before, and the next request is answered normally.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.shim.app import ShimApp
from migrate.shim.metrics import HEALTH_PATH, METRICS_PATH
from migrate.shim.upstream import PoolStats
from tests.shim.conftest import DEPRECATED_2025_11_10, assert_problem, sample, settings_for, shim_server, wait_for
from tests.shim.faulty_upstream import TRICKLE_TOTAL, FaultyUpstream, ReadFault, serve_faulty

MODEL = {"model_id": "m", "provider_id": "vllm"}
#: Seconds the shim waits for upstream data: short enough to keep the silent faults quick, and still far
#: beyond what the healthy answers of these tests take on a loaded machine.
READ_TIMEOUT = 2.0


@dataclass
class Faulted:
    """The misbehaving upstream and a shim in front of it, on real ports."""

    upstream: FaultyUpstream
    shim_url: str
    app: ShimApp
    events: Path
    baseline_tasks: int

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.shim_url + path, timeout=30, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.shim_url + path, timeout=30, **kwargs)


def shim_tasks(app: ShimApp) -> int:
    """The asyncio tasks alive in the shim's event loop (the server thread's loop, found through the pool)."""
    loop = app.upstream._loop
    assert loop is not None

    async def count() -> int:
        return len([task for task in asyncio.all_tasks() if task is not asyncio.current_task()])

    return asyncio.run_coroutine_threadsafe(count(), loop).result(10)


@contextmanager
def faulted_shim(events: Path, **options: Any) -> Iterator[Faulted]:
    """A faulty upstream and a shim (llama-stack-0.7) in front of it; `options` go to the shim's settings."""
    options.setdefault("read_timeout", READ_TIMEOUT)
    upstream = FaultyUpstream()
    with serve_faulty(upstream) as url, shim_server(settings_for(url, events=events, **options)) as (shim_url, app):
        assert httpx.get(shim_url + "/ok", timeout=30).text == "ok"  # the loop and the pool exist from here
        yield Faulted(upstream, shim_url, app, events, shim_tasks(app))


@pytest.fixture
def faulted(tmp_path: Path) -> Iterator[Faulted]:
    with faulted_shim(tmp_path / "events.sqlite3") as setup:
        yield setup
        assert_nothing_leaked(setup)


def assert_nothing_leaked(setup: Faulted) -> None:
    """No connection in use or half-closed, no extra task, and the next request is answered."""

    def settled() -> bool:
        stats = setup.app.upstream.stats()
        return stats.in_use == 0 and setup.upstream.live == stats.idle and shim_tasks(setup.app) == setup.baseline_tasks

    wait_for(settled, 30)
    assert setup.get("/ok").text == "ok"


def events(setup: Faulted, count: int) -> list[tuple[str, str, int]]:
    """(rule, outcome, status) of the events, once `count` of them are written."""
    (store,) = setup.app.recorder.sinks
    wait_for(lambda: store.written + store.dropped >= count, 30)
    with sqlite3.connect(setup.events) as db:
        return db.execute("SELECT rule_id, outcome, status FROM deprecation_events ORDER BY id").fetchall()


# --- upstream down ---------------------------------------------------------------------------------------


def test_an_upstream_that_is_down_is_a_502_problem_for_every_kind_of_call(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
        events_db = tmp_path / "events.sqlite3"
        with shim_server(settings_for(dead, events=events_db)) as (shim_url, app):
            calls = [
                ("GET", "/v1/models", None),  # passthrough
                ("DELETE", "/v1/shields/guard", None),  # forwarded on llama-stack 0.7
                ("POST", "/v1/models", MODEL),  # declare & read
                ("DELETE", "/v1/models/vllm/m", None),  # look up (unregister)
            ]
            for method, path, body in calls:
                response = httpx.request(method, shim_url + path, json=body, timeout=30)
                problem = assert_problem(response, 502, "upstream-unavailable")
                assert problem["instance"] == path
                assert ("deprecation" in response.headers) == (path != "/v1/models" or method == "POST")
            assert app.upstream.stats() == PoolStats(in_use=0, idle=0)
            store = app.recorder.sinks[0]
            wait_for(lambda: store.written == 3)
    with sqlite3.connect(events_db) as db:
        assert db.execute("SELECT rule_id, outcome, status FROM deprecation_events ORDER BY id").fetchall() == [
            ("LSM112", "upstream-error", 502),
            ("LSM101", "upstream-error", 502),
            ("LSM102", "upstream-error", 502),
        ]


def test_an_upstream_that_restarts_is_reached_again(tmp_path: Path) -> None:
    first, second = FaultyUpstream(), FaultyUpstream()
    with ExitStack() as running:
        url = running.enter_context(serve_faulty(first))
        port = int(url.rsplit(":", 1)[1])
        with (
            shim_server(settings_for(url, events=tmp_path / "events.sqlite3")) as (shim_url, app),
            httpx.Client(base_url=shim_url, timeout=30) as client,
        ):
            assert [client.get("/ok").text for _ in range(3)] == ["ok"] * 3
            assert app.upstream.stats() == PoolStats(in_use=0, idle=1)
            running.close()  # the upstream shuts down: its connections close, its port refuses
            assert_problem(client.get("/ok"), 502, "upstream-unavailable")
            assert_problem(client.post("/ok", content=b"{}"), 502, "upstream-unavailable")
            with serve_faulty(second, port):  # back, on the same port
                assert client.get("/ok").text == "ok"
                assert client.post("/ok", content=b"{}").text == "ok"
                assert second.requests == ["/ok", "/ok"]
                wait_for(lambda: app.upstream.stats() == PoolStats(in_use=0, idle=second.live))


def test_an_upstream_that_accepts_no_connection_is_a_504_problem_after_the_connect_timeout(tmp_path: Path) -> None:
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepts: once one connection waits in its queue, SYNs go unanswered
        filler.connect(listener.getsockname())
        upstream = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with shim_server(settings_for(upstream, connect_timeout=0.5)) as (shim_url, app):
            problem = assert_problem(httpx.get(shim_url + "/v1/models", timeout=30), 504, "upstream-timeout")
            assert problem["detail"] == "connecting to the upstream timed out"
            assert app.upstream.stats() == PoolStats(in_use=0, idle=0)


# --- slow upstream ---------------------------------------------------------------------------------------


def test_an_upstream_that_does_not_answer_is_a_504_problem(faulted: Faulted) -> None:
    assert_problem(faulted.get("/silent"), 504, "upstream-timeout")
    faulted.upstream.read_fault = "silent"
    timed_out = faulted.request("POST", "/v1/models", json=MODEL)
    assert_problem(timed_out, 504, "upstream-timeout")
    assert timed_out.headers["deprecation"] == DEPRECATED_2025_11_10
    assert events(faulted, 1) == [("LSM101", "upstream-error", 504)]


def test_an_answer_that_stalls_mid_body_is_cut_off(faulted: Faulted) -> None:
    with httpx.Client(timeout=30) as client, client.stream("GET", faulted.shim_url + "/stall-mid-body") as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):  # closed after --read-timeout without the rest
            response.read()


def test_a_full_pool_is_a_504_problem_after_the_pool_timeout(tmp_path: Path) -> None:
    with faulted_shim(tmp_path / "events.sqlite3", max_connections=1, pool_timeout=0.5) as setup:
        holder = threading.Thread(target=setup.get, args=("/silent",))
        holder.start()  # takes the only connection until the read timeout
        wait_for(lambda: "/silent" in setup.upstream.requests)
        problem = assert_problem(setup.get("/ok"), 504, "upstream-timeout")
        assert "no upstream connection became free" in problem["detail"]
        holder.join(30)
        assert_nothing_leaked(setup)


# --- resets ----------------------------------------------------------------------------------------------


def test_a_reset_before_the_answer_is_a_502_problem(faulted: Faulted) -> None:
    assert_problem(faulted.get("/reset"), 502, "upstream-unavailable")
    assert_problem(faulted.request("POST", "/reset", content=b"{}"), 502, "upstream-unavailable")
    faulted.upstream.read_fault = "reset"
    assert_problem(faulted.request("POST", "/v1/models", json=MODEL), 502, "upstream-unavailable")


@pytest.mark.parametrize("path", ["/reset-mid-body", "/reset-mid-chunked", "/bad-chunk"])
def test_an_answer_broken_off_mid_body_closes_the_client_connection(faulted: Faulted, path: str) -> None:
    with httpx.Client(timeout=30) as client, client.stream("GET", faulted.shim_url + path) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):  # the client can tell: the answer is incomplete
            response.read()


# --- garbage ---------------------------------------------------------------------------------------------


def test_garbage_instead_of_an_answer_is_a_502_problem(faulted: Faulted) -> None:
    assert_problem(faulted.get("/garbage"), 502, "upstream-unavailable")
    faulted.upstream.read_fault = "garbage-http"
    assert_problem(faulted.request("POST", "/v1/models", json=MODEL), 502, "upstream-unavailable")


@pytest.mark.parametrize("fault", ["garbage-json", "wrong-shape"])
def test_a_read_answered_with_a_body_that_is_no_resource_is_a_502_problem(faulted: Faulted, fault: ReadFault) -> None:
    faulted.upstream.read_fault = fault
    calls = [
        ("LSM101", "POST", "/v1/models", MODEL),  # the model read (the model must fit the legacy schema)
        ("LSM121", "POST", "/v1/toolgroups", {"toolgroup_id": "weather", "provider_id": "model-context-protocol"}),
    ]
    if fault == "garbage-json":  # an unregister needs only a 200 to acknowledge, but not one without JSON
        calls.append(("LSM102", "DELETE", "/v1/models/vllm/m", None))
    for _, method, path, body in calls:
        response = faulted.request(method, path, json=body)
        assert_problem(response, 502, "upstream-invalid-response")
        assert response.headers["deprecation"] == DEPRECATED_2025_11_10
    assert events(faulted, len(calls)) == [(rule, "upstream-error", 502) for rule, *_ in calls]


def test_stray_bytes_after_an_answer_never_reach_the_next_request(faulted: Faulted) -> None:
    with httpx.Client(base_url=faulted.shim_url, timeout=30) as client:
        for _ in range(20):
            assert client.get("/trailing-garbage").text == "complete"
            assert client.get("/ok").text == "ok"


# --- clients that leave ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/trickle-chunked", "/trickle-sized"])
def test_a_client_leaving_mid_stream_cancels_the_upstream_request(faulted: Faulted, path: str) -> None:
    received = _read_then_leave(faulted.shim_url, path, 20_000)
    assert received >= 20_000
    # The upstream sees its connection closed: the 10 MiB answer (100 s at its pace) is never completed.
    wait_for(lambda: (path, "closed-by-peer") in faulted.upstream.trickles, 30)
    assert 100 * received < TRICKLE_TOTAL


def test_a_client_leaving_before_the_answer_cancels_the_upstream_request(tmp_path: Path) -> None:
    with faulted_shim(tmp_path / "events.sqlite3", read_timeout=300) as setup:
        host, port = setup.shim_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"GET /silent HTTP/1.1\r\nhost: shim\r\n\r\n")
            wait_for(lambda: "/silent" in setup.upstream.requests)
        # Long before the 300 s read timeout, the upstream sees the shim close the request's connection.
        assert_nothing_leaked(setup)


def test_a_forwarded_deprecated_call_whose_client_leaves_is_recorded_with_status_0(tmp_path: Path) -> None:
    """DELETE /v1/shields/{id} is forwarded on llama-stack 0.7; the faulty upstream never answers `silent`. The client
    leaves: the upstream request is closed and the event says `forwarded` with status 0 and no upstream status."""
    with faulted_shim(tmp_path / "events.sqlite3", read_timeout=300) as setup:
        host, port = setup.shim_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"DELETE /v1/shields/silent HTTP/1.1\r\nhost: shim\r\n\r\n")
            wait_for(lambda: "/v1/shields/silent" in setup.upstream.requests)
        assert events(setup, 1) == [("LSM112", "forwarded", 0)]
        with sqlite3.connect(setup.events) as db:
            assert db.execute("SELECT upstream_status FROM deprecation_events").fetchall() == [(None,)]
        assert_nothing_leaked(setup)


def _read_then_leave(shim_url: str, path: str, wanted: int) -> int:
    """Send GET `path` on a raw socket, read at least `wanted` bytes of the answer, then close the connection."""
    host, port = shim_url.removeprefix("http://").split(":")
    received = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nhost: shim\r\n\r\n".encode())
        while received < wanted:
            data = sock.recv(65536)
            assert data, "the shim closed the connection first"
            received += len(data)
    return received


# --- event store -----------------------------------------------------------------------------------------


def test_a_locked_event_store_costs_events_not_traffic(faulted: Faulted) -> None:
    (store,) = faulted.app.recorder.sinks
    faulted.request("DELETE", "/v1/shields/first")
    wait_for(lambda: store.written == 1)
    blocker = sqlite3.connect(faulted.events, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the file: every write waits, then fails
    try:
        for index in range(30):
            assert faulted.request("DELETE", f"/v1/shields/locked-{index}").status_code == 200
        wait_for(lambda: store.dropped == 30, 60)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    scraped = faulted.get(METRICS_PATH).text
    assert sample(scraped, "llama_stack_migrate_events_dropped_total", sink="sqlite") == 30
    assert faulted.get(HEALTH_PATH).json()["events"]["sqlite"] == {"written": 1, "dropped": 30}
    faulted.request("DELETE", "/v1/shields/after")
    wait_for(lambda: store.written == 2)  # the store is back: events are written again
