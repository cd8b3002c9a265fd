"""The start-up read of the upstream's version (`version.probe_version`, httpx) against real servers on 127.0.0.1.

The probe must reach the upstream as the shim's own client does (timeouts, TLS verification, no
proxy from the environment, no redirect) and turn every failure into a `MigrateError` that says
what went wrong: refused, timed out, an answer that is not a version.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from migrate.errors import MigrateError
from migrate.shim.upstream import Upstream, UpstreamConfig
from migrate.shim.version import fetch_version, probe_version
from tests.shim.conftest import run
from tests.shim.upstream import FakeUpstream, serve


@dataclass
class Answering:
    """An ASGI app that answers every request with one fixed answer and records the request."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=lambda: [(b"content-type", b"application/json")])
    paths: list[str] = field(default_factory=list)
    request_headers: list[dict[bytes, bytes]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.paths.append(scope["raw_path"].decode())
        self.request_headers.append(dict(scope["headers"]))
        headers = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections (in the kernel's queue) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def full_server() -> Iterator[str]:
    """A server whose accept queue is full: new connections are never completed (their SYNs are dropped)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        address = sock.getsockname()
        waiting = []
        try:
            for _ in range(3):  # fill the queue; these connections are never accepted
                client = socket.socket()
                client.setblocking(False)
                with suppress(BlockingIOError):
                    client.connect(address)
                waiting.append(client)
            yield f"http://127.0.0.1:{address[1]}"
        finally:
            for client in waiting:
                client.close()


def test_reads_the_version_of_a_real_upstream(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.version = "1.5.0"
    assert probe_version(UpstreamConfig(url)) == "1.5.0"
    seen = fake.seen[-1]
    assert (seen.method, seen.raw_path) == ("GET", "/v1/version")
    assert seen.header("accept") == ["application/json"]
    assert seen.header("user-agent")[0].startswith("llama-stack-migrate/")


def test_a_base_path_is_kept() -> None:
    app = Answering(200, b'{"version": "0.7.3"}')
    with serve(app) as url:
        assert probe_version(UpstreamConfig(url + "/stack")) == "0.7.3"
    assert app.paths == ["/stack/v1/version"]


def test_a_refused_connection() -> None:
    with pytest.raises(MigrateError, match=r"^cannot read the upstream version: cannot connect to the upstream: "):
        probe_version(UpstreamConfig(f"http://127.0.0.1:{closed_port()}"))


def test_an_upstream_that_never_answers_times_out() -> None:
    with silent_server() as url, pytest.raises(MigrateError, match=r"the upstream did not answer in time$"):
        probe_version(UpstreamConfig(url, read_timeout=0.3))


def test_a_connection_that_is_never_accepted_times_out() -> None:
    with full_server() as url, pytest.raises(MigrateError, match=r"connecting to the upstream timed out$"):
        probe_version(UpstreamConfig(url, connect_timeout=0.3))


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (200, b"<html><body>Welcome to nginx!</body></html>", b"text/html"),  # not JSON
        (200, b'{"name": "llama-stack"}', b"application/json"),  # JSON without a version
        (200, b'{"version": 7}', b"application/json"),  # a version that is not text
        (200, b"[1, 2]", b"application/json"),
        (503, json.dumps({"version": "0.7.3"}).encode(), b"application/json"),  # not 200
        (307, b"", b"text/plain"),  # a redirect is not followed
    ],
)
def test_an_answer_that_is_not_a_version(status: int, body: bytes, content_type: bytes) -> None:
    app = Answering(status, body, [(b"content-type", content_type), (b"location", b"/v1/version-elsewhere")])
    with serve(app) as url, pytest.raises(MigrateError, match=f"^GET /v1/version on the upstream answered {status} "):
        probe_version(UpstreamConfig(url))
    assert app.paths == ["/v1/version"]


def test_proxy_settings_in_the_environment_are_not_used(
    upstream: tuple[FakeUpstream, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shim's own client connects straight to the upstream; so does the probe, whatever *_PROXY says."""
    _, url = upstream
    nowhere = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, nowhere)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert probe_version(UpstreamConfig(url)) == "0.7.3"


def test_an_https_upstream_is_verified_as_the_shims_own_client_verifies_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both trust the system store (a private CA through SSL_CERT_FILE) and check the host name."""
    ca, certificate, key = make_certificates(tmp_path)
    fake = FakeUpstream(version="1.5.0")
    config = uvicorn.Config(
        fake,
        http="h11",
        ws="none",
        lifespan="off",
        log_level="critical",
        ssl_certfile=str(certificate),
        ssl_keyfile=str(key),
    )
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with serve(fake, config=config) as url:
        https = url.replace("http://", "https://")
        by_name = https.replace("127.0.0.1", "localhost")  # the certificate names 127.0.0.1 only
        for base in (https, by_name):  # the private CA is not trusted yet
            assert "CERTIFICATE_VERIFY_FAILED" in both_failures(base)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        assert probe_version(UpstreamConfig(https)) == "1.5.0"
        assert run(version_through_own_client(https)) == "1.5.0"
        assert "Hostname mismatch, certificate is not valid for 'localhost'" in both_failures(by_name)


def both_failures(base_url: str) -> str:
    """The probe's and the shim's own client's messages for `base_url`, which must both fail alike."""
    with pytest.raises(MigrateError) as probed:
        probe_version(UpstreamConfig(base_url))
    with pytest.raises(MigrateError) as relayed:
        run(version_through_own_client(base_url))
    reasons = [str(error.value).split("[SSL: ", 1)[-1].split(" (_ssl.c")[0] for error in (probed, relayed)]
    assert reasons[0] == reasons[1], reasons
    return reasons[0]


async def version_through_own_client(base_url: str) -> str:
    upstream = Upstream(UpstreamConfig(base_url))
    try:
        return await fetch_version(upstream)
    finally:
        await upstream.aclose()


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for IP 127.0.0.1 signed by it, made with the openssl program."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise AssertionError("openssl is missing: install the Debian package openssl")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    new_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    for command in (
        f"req -x509 {new_key} -days 2 -keyout ca.key -out ca.pem -subj /CN=llama-stack-migrate-test-ca"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
        f"req {new_key} -keyout key.pem -out request.pem -subj /CN=127.0.0.1",
        "x509 -req -in request.pem -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out cert.pem -extfile server.ext",
    ):
        subprocess.run([openssl, *command.split()], cwd=folder, check=True, capture_output=True)
    return folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
