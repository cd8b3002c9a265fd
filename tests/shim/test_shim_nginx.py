"""`shim --emit-nginx`, run by a real nginx in front of two real servers that tag their answers.

Every deprecated route of the rules (each method, current and 0.2-era path, ids raw, with `/`,
`%2F`-encoded, trailing `/`) must reach the shim side, exactly as sent; everything else (the same
paths with other methods, other routes, near misses) must reach the Llama Stack side. The routing
must agree with the shim's own matcher on every case. nginx is found on PATH or in /usr/sbin and
is required (CI installs it: `apt-get install -y nginx`).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.rule_loader import load_rules
from migrate.shim.matching import RouteMatcher, TargetRefused, parse_target
from migrate.shim.nginx import NginxSite, render_nginx
from tests.shim.postgres_server import free_port
from tests.shim.test_shim_command import COMMAND
from tests.shim.upstream import serve

BIG_CHUNKS = 64


def nginx_binary() -> str:
    """nginx on PATH or in /usr/sbin; a missing nginx fails the test (it is not skipped)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("nginx is not installed: apt-get install -y nginx")
    return found


@dataclass
class Tagged:
    """An ASGI server that answers every request with its side and what it received."""

    side: str
    gate: threading.Event = field(default_factory=threading.Event)
    big_sent: int = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/big":  # 64 MiB, counting what the gateway has taken
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            chunk = b"x" * (1 << 20)
            for _ in range(BIG_CHUNKS):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.big_sent += 1
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if scope["path"] == "/sse":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
            )
            await send({"type": "http.response.body", "body": b"data: first\n\n", "more_body": True})
            deadline = time.monotonic() + 10
            while not self.gate.is_set() and time.monotonic() < deadline:
                await _sleep(0.01)
            await send({"type": "http.response.body", "body": b"data: second\n\n", "more_body": False})
            return
        document = {
            "side": self.side,
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode("latin-1"),
            "query": scope["query_string"].decode("latin-1"),
            "headers": {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]},
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        payload = json.dumps(document).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


@dataclass
class Gateway:
    """nginx on `port` in front of the tagged `shim` and `upstream` servers."""

    port: int
    shim: Tagged
    upstream: Tagged
    config: str

    def send(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> dict[str, Any]:
        """One request with the target sent byte for byte; the tagged answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, target, body=body, headers=headers or {})
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        assert response.status == 200, (method, target, response.status, payload[:200])
        answer: dict[str, Any] = json.loads(payload)
        return answer


def wrapper_config(root: Path, include: Path) -> str:
    """A minimal nginx.conf around the emitted file: everything under `root`, in the foreground."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {root / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n    access_log off;\n{temp}\n    include {include};\n}}\n"
    )


def nginx_test(root: Path, emitted: str) -> subprocess.CompletedProcess[str]:
    include = root / "llama-stack-migrate.conf"
    include.write_text(emitted, encoding="utf-8")
    (root / "nginx.conf").write_text(wrapper_config(root, include), encoding="utf-8")
    command = [nginx_binary(), "-t", "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


@contextmanager
def gateway(base_path: str = "") -> Iterator[Gateway]:
    """Two tagged servers and nginx with the emitted config in front of them."""
    shim_side, upstream_side = Tagged("shim"), Tagged("upstream")
    with ExitStack() as stack:
        shim_url = stack.enter_context(serve(shim_side))
        upstream_url = stack.enter_context(serve(upstream_side))
        shim_host, shim_port = shim_url.removeprefix("http://").split(":")
        port = free_port()
        site = NginxSite(upstream_url + base_path, shim_host, int(shim_port), f"127.0.0.1:{port}", read_timeout=30)
        emitted = render_nginx(load_rules(), site)
        root = Path(tempfile.mkdtemp(prefix="lsm-nginx-"))
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        checked = nginx_test(root, emitted)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"nginx exited: {(root / 'error.log').read_text(errors='replace')}")
                try:
                    httpx.get(f"http://127.0.0.1:{port}/v1/version", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise AssertionError("nginx did not start") from None
                    time.sleep(0.05)
            yield Gateway(port, shim_side, upstream_side, emitted)
        finally:
            process.send_signal(signal.SIGQUIT)  # graceful stop
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def deprecated_targets() -> list[tuple[str, str, str]]:
    """(rule, method, target) for every route: each path form and id spelling the shim accepts."""
    cases: list[tuple[str, str, str]] = []
    for route in load_rules().routes:
        template = route.template
        if "{" not in template:
            spelled = [template, template + "/", template + "?limit=1&x=%2F"]
        else:
            head, _, rest = template.partition("{")
            name, _, tail = rest.partition("}")
            tail = re.sub(r"\{[a-z_]+(?::path)?\}", "x", tail)  # a second parameter (an agent's session)
            ids = ["id-1", "we%20ird"] + ([] if tail else ["id-2/"])
            if name.endswith(":path"):
                ids += ["vllm/llama", "vllm%2Fllama", "a%2Fb/c", "vllm/llama/"]
            spelled = [head + ident + tail for ident in ids] + [head + "q" + tail + "?force=true"]
        cases += [(route.rule.id, route.method, target) for target in spelled]
    return cases


OTHER_TARGETS = [
    ("GET", "/v1/models/vllm/llama"),
    ("GET", "/v1/models/vllm%2Fllama"),
    ("PUT", "/v1/models"),
    ("POST", "/v1/models/vllm/llama"),
    ("POST", "/v1/modelsx"),
    ("POST", "/V1/models"),
    ("POST", "/v2/models"),
    ("POST", "/api/v1/models"),
    ("DELETE", "/v1/shields"),
    ("DELETE", "/v1/shields/a%2Fb"),  # one segment once decoded? no: two, so not the route (as in the shim)
    ("DELETE", "/v1/shields/a/b"),
    ("DELETE", "/v1/models/"),
    ("DELETE", "/v1/toolgroups/g/extra"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/responses"),
    ("GET", "/v1/version"),
    ("PUT", "/v1/datasets"),
    ("POST", "/v1/datasets/qa/iterrows"),
    ("POST", "/v1alpha/eval/benchmarks/b/results"),
    ("HEAD", "/v1/models"),
    ("GET", "/-/llama-stack-migrate/metrics"),  # the shim's own paths are not routed through the gateway
]


def shim_matches(method: str, target: str) -> bool:
    """What the shim itself decides for this request: a deprecated call or not."""
    path, _, query = target.partition("?")
    try:
        parsed = parse_target(path.encode("ascii"), query.encode("ascii"))
    except TargetRefused:
        return False
    return RouteMatcher(load_rules()).match(method, parsed.path) is not None


@pytest.fixture(scope="module")
def nginx_gateway() -> Iterator[Gateway]:
    with gateway() as running:
        yield running


def test_nginx_accepts_the_emitted_config_in_every_variant() -> None:
    rules = load_rules()
    variants = [
        NginxSite("http://127.0.0.1:8321", "127.0.0.1", 8322),
        NginxSite("http://127.0.0.1:8321/base/", "0.0.0.0", 8322, "8080"),
        NginxSite("https://127.0.0.1:8443", "::1", 8322, "[::1]:8080", connect_timeout=120, read_timeout=0.2),
        NginxSite("http://localhost:8321", "localhost", 8322, "127.0.0.1:8080"),
    ]
    for site in variants:
        root = Path(tempfile.mkdtemp(prefix="lsm-nginx-t-"))
        try:
            checked = nginx_test(root, render_nginx(rules, site))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        assert checked.returncode == 0, (site, checked.stderr)
        assert "test is successful" in checked.stderr


def test_every_deprecated_route_reaches_the_shim_exactly_as_sent(nginx_gateway: Gateway) -> None:
    cases = deprecated_targets()
    assert {rule for rule, _, _ in cases} == {
        rule.id for rule in load_rules().rules if rule.http.paths
    }  # calls and reads
    assert len(cases) >= 60
    for rule, method, target in cases:
        assert shim_matches(method, target), (rule, method, target)  # the case is one the shim answers
        answer = nginx_gateway.send(method, target)
        assert answer["side"] == "shim", (rule, method, target)
        path, _, query = target.partition("?")
        assert (answer["method"], answer["raw_path"], answer["query"]) == (method, path, query), (rule, target)


def test_other_methods_and_routes_go_straight_to_the_server(nginx_gateway: Gateway) -> None:
    checked = 0
    for _, method, target in deprecated_targets():
        other = "GET" if method != "GET" else "POST"
        if shim_matches(other, target):
            continue  # the other method is a rule's route too (GET /v1/shields/{id} reads what DELETE removes)
        answer = nginx_gateway.send(other, target)
        assert answer["side"] == "upstream", (other, target)
        assert answer["raw_path"] == target.partition("?")[0]
        checked += 1
    for method, target in OTHER_TARGETS:
        if method == "HEAD":
            connection = http.client.HTTPConnection("127.0.0.1", nginx_gateway.port, timeout=10)
            connection.request("HEAD", target)
            assert connection.getresponse().status == 200
            connection.close()
            continue
        answer = nginx_gateway.send(method, target)
        assert answer["side"] == "upstream", (method, target)
        assert answer["raw_path"] == target, (method, target)
        assert not shim_matches(method, target), (method, target)
        checked += 1
    assert checked >= 80


def test_nginx_routes_exactly_as_the_shim_matches(nginx_gateway: Gateway) -> None:
    tricky = [
        ("DELETE", "/v1/models//"),
        ("DELETE", "/v1/models/a//b"),
        ("DELETE", "/v1/shields//x"),
        ("DELETE", "/v1/shields/x//"),
        ("POST", "/v1/models//"),
        ("POST", "/v1//models"),
        ("DELETE", "/v1/models/%2F"),
        ("DELETE", "/v1/shields/%2F"),
        ("DELETE", "/v1/shields/a%2f"),
        ("DELETE", "/v1/shields/a%3Fb"),
        ("DELETE", "/v1/shields/a%23b"),
        ("DELETE", "/v1/models/a%3Fb"),
        ("DELETE", "/v1/models/a%0Ab"),
        ("POST", "/v1/models%3F"),
        ("DELETE", "/v1/toolgroups/mcp%3A%3Aweather"),
        ("DELETE", "/v1/models/ollama/llama3.2:3b"),
        ("POST", "/v1/models%2F"),
        ("DELETE", "/v1/scoring-functions/basic%3A%3Aequality"),
        ("POST", "/v1/shields/./"),
        ("DELETE", "/v1/datasets/x/../y"),
    ]
    for method, target in tricky:
        expected = "shim" if shim_matches(method, target) else "upstream"
        answer = nginx_gateway.send(method, target)
        assert answer["side"] == expected, (method, target, expected)


def test_headers_bodies_and_streams_through_the_gateway(nginx_gateway: Gateway) -> None:
    versions = {"X-LlamaStack-Client-Version": "0.2.23", "X-OGX-Client-Version": "0.1.0", "Authorization": "Bearer t"}
    body = json.dumps({"model_id": "m", "provider_id": "vllm"}).encode() * 500
    to_shim = nginx_gateway.send("POST", "/v1/models", {**versions, "Content-Type": "application/json"}, body)
    assert to_shim["side"] == "shim"
    assert to_shim["body_sha256"] == hashlib.sha256(body).hexdigest()
    seen = to_shim["headers"]
    assert seen["x-llamastack-client-version"] == "0.2.23"  # the shim reads and rewrites it
    assert seen["x-ogx-client-version"] == "0.1.0"
    assert seen["authorization"] == "Bearer t"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == f"127.0.0.1:{nginx_gateway.port}"
    direct = nginx_gateway.send("GET", "/v1/models/vllm/llama", versions)["headers"]
    assert "x-llamastack-client-version" not in direct  # absent: the server does not refuse the old SDK
    assert "x-ogx-client-version" not in direct
    assert direct["authorization"] == "Bearer t"
    assert direct["x-forwarded-for"] == "127.0.0.1"

    with httpx.stream("GET", f"http://127.0.0.1:{nginx_gateway.port}/sse", timeout=5) as response:
        chunks = response.iter_raw()
        assert next(chunks) == b"data: first\n\n"  # flushed before the server has finished
        assert not nginx_gateway.upstream.gate.is_set()
        nginx_gateway.upstream.gate.set()
        assert b"".join(chunks) == b"data: second\n\n"


def test_a_base_path_is_added_for_the_server_and_not_for_the_shim() -> None:
    with gateway("/base") as running:
        assert "/base" in running.config
        direct = running.send("GET", "/v1/models/vllm%2Fllama?x=1")
        assert (direct["side"], direct["raw_path"], direct["query"]) == (
            "upstream",
            "/base/v1/models/vllm%2Fllama",
            "x=1",
        )
        to_shim = running.send("DELETE", "/v1/models/vllm%2Fllama?x=1")
        assert (to_shim["side"], to_shim["raw_path"]) == ("shim", "/v1/models/vllm%2Fllama")


def test_the_command_prints_the_config() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            COMMAND,
            "--upstream",
            "http://10.0.0.5:8321",
            "--listen",
            "0.0.0.0:9000",
            "--emit-nginx",
            "--nginx-listen",
            "8080",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "server 10.0.0.5:8321;" in done.stdout
    assert "server 127.0.0.1:9000;" in done.stdout  # a wildcard listen address is reached over loopback
    assert "listen 8080;" in done.stdout
    assert done.stdout.count("llama_stack_migrate_shim;  # LSM") == len(load_rules().routes)
    refused = subprocess.run(
        [sys.executable, "-c", COMMAND, "--upstream", "http://h:1", "--emit-nginx", "--nginx-listen", "x y"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "--nginx-listen" in refused.stderr


def test_a_client_that_does_not_read_holds_the_stream_back(nginx_gateway: Gateway) -> None:
    """`proxy_buffering off`: nginx does not spool an answer to disk ahead of a slow client."""
    with socket.create_connection(("127.0.0.1", nginx_gateway.port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: gateway\r\n\r\n")
        assert sock.recv(64).startswith(b"HTTP/1.1 200")
        time.sleep(1.5)  # the client reads nothing more meanwhile
        taken = nginx_gateway.upstream.big_sent
    assert 0 < taken < BIG_CHUNKS // 2, taken  # buffered, nginx would have taken all 64 MiB into a temp file
