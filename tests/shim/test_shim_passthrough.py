"""Other traffic passes through untouched: bytes, statuses, headers, streams, paths."""

from __future__ import annotations

import hashlib
import socket
import time

import httpx
import pytest

from tests.shim.conftest import CLIENT_ADDRESS, run, settings_for, shim_client, shim_server
from tests.shim.upstream import PAYLOAD, FakeUpstream


def test_body_status_and_headers_pass_through_byte_identical(upstream: tuple[FakeUpstream, str]) -> None:
    _fake, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            response = await client.get("/bytes")
            assert response.status_code == 200
            assert response.content == PAYLOAD
            assert response.headers["content-type"] == "application/octet-stream"
            assert response.headers["content-length"] == str(len(PAYLOAD))

            upload = bytes(reversed(PAYLOAD)) * 8
            echoed = (await client.put("/anything/here?x=1&y=%2F", content=upload)).json()
            assert echoed["method"] == "PUT"
            assert echoed["query"] == "x=1&y=%2F"
            assert echoed["body_sha256"] == hashlib.sha256(upload).hexdigest()
            assert ["content-length", str(len(upload))] in echoed["headers"]

    run(scenario())


def test_upstream_errors_pass_through_untouched(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            for code in (400, 401, 404, 418, 500, 503):
                response = await client.get(f"/status/{code}")
                assert response.status_code == code
                assert response.json() == {"error": {"message": f"status {code}"}}
                assert response.headers["x-upstream-error"] == "yes"
                assert "deprecation" not in response.headers

    run(scenario())


def test_encoded_slash_and_raw_path_reach_the_upstream_as_sent(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            for path in ("/v1/echo/vllm%2Fmeta-llama%2FLlama-3.1-8B", "/v1/files/a%20b/c%3Fd", "/v1/x//y"):
                echoed = (await client.post(path, content=b"{}")).json()
                assert echoed["raw_path"] == path

    run(scenario())


def test_hop_by_hop_headers_are_removed_both_ways(upstream: tuple[FakeUpstream, str]) -> None:
    _fake, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            response = await client.get(
                "/echo",
                headers={
                    "Connection": "keep-alive, X-Client-Private",
                    "X-Client-Private": "secret-hop",
                    "Keep-Alive": "timeout=5",
                    "TE": "trailers",
                    "Proxy-Authorization": "Basic cHJveHk6cHJveHk=",
                    "X-End-To-End": "yes",
                },
            )
            names = {name for name, _ in response.json()["headers"]}
            assert "x-end-to-end" in names
            assert not names & {"connection", "x-client-private", "keep-alive", "te", "proxy-authorization"}

            hop = await client.get("/hop")
            assert hop.headers["x-end-to-end"] == "kept"
            assert "x-private" not in hop.headers
            assert "keep-alive" not in hop.headers

    run(scenario())


def test_forwarded_headers_are_added(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            echoed = (await client.get("/echo", headers={"X-Forwarded-For": "198.51.100.1"})).json()
            headers = dict(echoed["headers"])
            assert headers["x-forwarded-for"] == f"198.51.100.1, {CLIENT_ADDRESS}"
            assert headers["x-forwarded-proto"] == "http"
            assert headers["x-forwarded-host"] == "shim.test"
            assert headers["host"] == url.removeprefix("http://")

    run(scenario())


def test_redirects_are_not_followed_and_cookies_not_kept(upstream: tuple[FakeUpstream, str]) -> None:
    _fake, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url)) as (client, _):
            redirect = await client.get("/redirect")
            assert redirect.status_code == 307
            assert redirect.headers["location"] == "/elsewhere"
            assert (await client.get("/cookie")).headers["set-cookie"] == "session=upstream; Path=/"
            client.cookies.clear()
            echoed = (await client.get("/echo")).json()
            assert "cookie" not in {name for name, _ in echoed["headers"]}

    run(scenario())


def test_unreachable_upstream_is_a_502_problem() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def scenario() -> None:
        async with shim_client(settings_for(dead)) as (client, _):
            response = await client.get("/v1/models")
            assert response.status_code == 502
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["type"].endswith("/upstream-unavailable")
            assert problem["instance"] == "/v1/models"

    run(scenario())


def test_slow_upstream_is_a_504_problem(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.slow_seconds = 2.0

    async def scenario() -> None:
        async with shim_client(settings_for(url, read_timeout=0.3)) as (client, _):
            response = await client.get("/slow")
            assert response.status_code == 504
            assert response.json()["type"].endswith("/upstream-timeout")

    run(scenario())


def test_chunked_answer_arrives_incrementally_over_a_real_port(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with (
        shim_server(settings_for(url)) as (shim_url, _),
        httpx.Client(timeout=5) as client,
        client.stream("GET", f"{shim_url}/chunks") as response,
    ):
        assert response.headers["transfer-encoding"] == "chunked"
        chunks = response.iter_raw()
        started = time.monotonic()
        assert next(chunks) == b"first chunk\n"
        # The upstream holds the second chunk until the gate opens: the first one was not buffered.
        assert time.monotonic() - started < 3
        fake.gate.set()
        assert b"".join(chunks) == b"second chunk\n"


def test_sse_events_are_flushed_one_by_one_over_a_real_port(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with (
        shim_server(settings_for(url)) as (shim_url, _),
        httpx.Client(timeout=5) as client,
        client.stream("GET", f"{shim_url}/sse") as response,
    ):
        assert response.headers["content-type"] == "text/event-stream"
        lines = response.iter_lines()
        assert next(lines) == "event: delta"
        assert next(lines) == 'data: {"n": 1}'
        assert not fake.gate.is_set()
        fake.gate.set()
        rest = list(lines)
        assert 'data: {"n": 2}' in rest
        assert "data: [DONE]" in rest


def test_streamed_upload_is_relayed_with_chunked_encoding(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    def parts() -> object:
        yield b"part one;"
        yield b"part two"

    with shim_server(settings_for(url)) as (shim_url, _), httpx.Client(timeout=5) as client:
        echoed = client.post(f"{shim_url}/upload", content=parts()).json()  # type: ignore[arg-type]
        assert echoed["body_sha256"] == hashlib.sha256(b"part one;part two").hexdigest()
        assert ["transfer-encoding", "chunked"] in echoed["headers"]


def test_upstream_breaking_off_mid_answer_truncates_the_client_answer(
    upstream: tuple[FakeUpstream, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = upstream
    with (
        shim_server(settings_for(url)) as (shim_url, _),
        httpx.Client(timeout=5) as client,
        client.stream("GET", f"{shim_url}/broken") as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()  # no terminating chunk: the client can tell the answer is incomplete
    assert "upstream answer to GET /broken broke off" in caplog.text


def test_client_leaving_an_endless_stream_closes_it_upstream(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        with httpx.Client(timeout=5) as client, client.stream("GET", f"{shim_url}/sse") as response:
            assert next(response.iter_lines()) == "event: delta"
        deadline = time.monotonic() + 5
        while fake.streams_abandoned == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    # The upstream saw its client (the shim) go away long before the stream's own end.
    assert fake.streams_abandoned == 1
