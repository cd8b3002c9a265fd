"""Never an open proxy: fixed upstream, origin-form targets only, no escape through dot segments."""

from __future__ import annotations

import json
import socket

import pytest

from migrate.shim.matching import TargetRefused, parse_target, quote_identifier, remove_dot_segments
from tests.shim.conftest import run, settings_for, shim_client, shim_server
from tests.shim.upstream import FakeUpstream


def raw_exchange(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client-side normalisation); the status, headers and body of the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


def test_absolute_form_target_is_refused_and_nothing_reaches_any_host(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        status, headers, body = raw_exchange(
            shim_url, b"GET http://example.org/v1/models HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n"
        )
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("/invalid-request-target")
    assert fake.seen == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: shim\r\nContent-Length: lots\r\n\r\n",
        b"POST /v1/models HTTP/1.1\r\nHost: shim\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
    ],
)
def test_malformed_http_gets_a_problem_document_and_reaches_nothing(
    upstream: tuple[FakeUpstream, str], request_bytes: bytes
) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        status, headers, body = raw_exchange(shim_url, request_bytes)
        after = raw_exchange(shim_url, b"GET /v1/models HTTP/1.1\r\nHost: shim\r\nConnection: close\r\n\r\n")
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    document = json.loads(body)
    assert document["type"] == "tag:llama-stack-migrate,2026:problem/invalid-http-request"
    assert document["status"] == 400
    assert "Traceback" not in body.decode()
    assert after[0] == 200  # the server goes on serving
    assert [seen.raw_path for seen in fake.seen if seen.raw_path != "/v1/version"] == ["/v1/models"]


def test_connect_is_refused(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        status, _headers, body = raw_exchange(
            shim_url, b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\nConnection: close\r\n\r\n"
        )
    assert status == 405
    assert json.loads(body)["type"].endswith("/method-not-allowed")
    assert fake.seen == []


@pytest.mark.parametrize(
    "path",
    [b"/../etc/passwd", b"/v1/../../v1/models", b"/v1/%2e%2e/%2E%2E/x", b"/v1/models/vllm%2F..%2F..%2Fshields"],
)
def test_dot_segments_cannot_escape(upstream: tuple[FakeUpstream, str], path: bytes) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        request = b"DELETE " + path + b" HTTP/1.1\r\nHost: shim\r\nConnection: close\r\n\r\n"
        status, _, body = raw_exchange(shim_url, request)
    assert status == 400
    problem = json.loads(body)
    assert problem["type"].endswith("/invalid-request-target")
    assert "Traceback" not in problem["detail"]
    assert fake.seen == []


def test_dot_segments_inside_the_root_are_resolved_before_matching(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    with shim_server(settings_for(url)) as (shim_url, _):
        request = b"POST /v1/files/../models HTTP/1.1\r\nHost: shim\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        status, headers, _ = raw_exchange(shim_url, request)
    # Resolved to POST /v1/models: the deprecated model registration (invalid body), not a file upload.
    assert status == 400
    assert "deprecation" in headers
    assert fake.seen == []


def test_upstream_base_path_cannot_be_left(upstream: tuple[FakeUpstream, str]) -> None:
    _fake, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url + "/prefix")) as (client, _):
            echoed = (await client.get("/v1/echo")).json()
            assert echoed["raw_path"] == "/prefix/v1/echo"

    run(scenario())
    assert remove_dot_segments("/a/b/../c/./d") == "/a/c/d"
    with pytest.raises(TargetRefused):
        remove_dot_segments("/a/../../prefix-sibling")


def test_malformed_targets_are_refused() -> None:
    for raw in (b"*", b"example.org:443", b"http://x/y", b"/a\x7fb", b"/caf\xc3\xa9"):
        with pytest.raises(TargetRefused):
            parse_target(raw, b"")
    assert parse_target(b"/v1/models/vllm%2Fx/", b"a=1").path == "/v1/models/vllm/x/"


def test_identifiers_are_quoted_and_checked_before_they_enter_an_upstream_path() -> None:
    assert quote_identifier("vllm/meta-llama/Llama 3?x#y") == "vllm/meta-llama/Llama%203%3Fx%23y"
    assert quote_identifier("builtin::websearch") == "builtin::websearch"
    for bad in ("../x", "a/./b", "a//b", ""):
        with pytest.raises(TargetRefused):
            quote_identifier(bad)
