"""The `shim` command, run as a user would: a subprocess on a real port in front of a real upstream."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from migrate.errors import MigrateError
from migrate.shim.command import parse_listen, parse_size
from tests.shim.upstream import FakeUpstream, model

COMMAND = "from migrate.shim.command import shim; shim()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_shim(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """The command in a subprocess; yields its URL once it answers, stops it with SIGTERM."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", COMMAND, *args, "--listen", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the shim exited early: {process.communicate()[1]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise AssertionError("the shim did not start") from None
            time.sleep(0.05)
    try:
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(20)


def test_runs_detects_the_target_answers_and_flushes_events_on_exit(
    upstream: tuple[FakeUpstream, str], tmp_path: Path
) -> None:
    fake, url = upstream
    fake.version = "1.5.0"
    fake.models["vllm/m"] = model("vllm/m")
    events = tmp_path / "events.sqlite3"
    with running_shim("--upstream", url, "--events", str(events)) as (shim_url, process):
        registered = httpx.post(f"{shim_url}/v1/models", json={"model_id": "m", "provider_id": "vllm"})
        assert registered.status_code == 200
        assert registered.json()["identifier"] == "vllm/m"
        assert httpx.get(f"{shim_url}/v1/version").json() == {"version": "1.5.0"}
    _, stderr = process.communicate()
    assert process.returncode == -signal.SIGTERM  # uvicorn shuts down gracefully, then re-raises the signal
    assert "Finished server process" in stderr
    assert "target ogx-1" in stderr
    event_lines = [json.loads(line) for line in stderr.splitlines() if line.startswith('{"event"')]
    assert [(line["rule_id"], line["outcome"], line["target"]) for line in event_lines] == [
        ("LSM101", "satisfied", "ogx-1")
    ]
    with sqlite3.connect(events) as db:
        assert db.execute("SELECT rule_id, outcome FROM deprecation_events").fetchall() == [("LSM101", "satisfied")]
    assert (tmp_path / "events.sqlite3.key").is_file()


def test_binds_loopback_only_by_default(upstream: tuple[FakeUpstream, str], tmp_path: Path) -> None:
    _, url = upstream
    args = ("--upstream", url, "--target", "ogx-1", "--events", str(tmp_path / "e.sqlite3"), "--no-event-log")
    with running_shim(*args) as (shim_url, process):
        port = int(shim_url.rsplit(":", 1)[1])
        assert httpx.get(f"{shim_url}/v1/version").status_code == 200
        outward = _outward_address()
        with pytest.raises(OSError):
            socket.create_connection((outward, port), timeout=1).close()
    _, stderr = process.communicate()
    assert '{"event"' not in stderr


@pytest.mark.parametrize(
    ("trust", "recorded"),
    [((), ["127.0.0.1", "127.0.0.1"]), (("--trusted-proxy", "127.0.0.0/8"), ["203.0.113.9", "127.0.0.1"])],
)
def test_events_name_the_client_a_trusted_gateway_forwarded(
    upstream: tuple[FakeUpstream, str], tmp_path: Path, trust: tuple[str, ...], recorded: list[str]
) -> None:
    """A gateway on 127.0.0.1 (as `--emit-nginx` sets it up) forwards `X-Forwarded-For`; only a trusted one counts."""
    _, url = upstream
    events = tmp_path / "events.sqlite3"
    args = ("--upstream", url, "--target", "ogx-1", "--events", str(events), "--no-event-log", *trust)
    with running_shim(*args) as (shim_url, process):
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert httpx.post(f"{shim_url}/v1/shields", json={"shield_id": "g"}, headers=forwarded).status_code == 410
        assert httpx.post(f"{shim_url}/v1/shields", json={"shield_id": "h"}).status_code == 410
    process.communicate()
    with sqlite3.connect(events) as db:
        rows = db.execute("SELECT client_address FROM deprecation_events ORDER BY id").fetchall()
    assert [address for (address,) in rows] == recorded


def _outward_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outward interface
        address: str = sock.getsockname()[0]
    assert address != "127.0.0.1"
    return address


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--upstream", "ftp://example.org", "--target", "ogx-1"), "must be an http:// or https:// URL"),
        (("--upstream", "http://127.0.0.1:9", "--max-body", "lots"), "--max-body 'lots'"),
        (("--upstream", "http://127.0.0.1:9"), "cannot read the upstream version"),
        (("--upstream", "http://127.0.0.1:9", "--trusted-proxy", "nginx"), "--trusted-proxy 'nginx' is not an IP"),
    ],
)
def test_errors_exit_2_with_a_message(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", COMMAND, *args, "--events", str(tmp_path / "e.sqlite3"), "--listen", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_to_proxy_to_itself(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-c", COMMAND, "--upstream", f"http://localhost:{port}", "--listen", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "proxy to itself" in result.stderr


def test_listen_and_size_parsing() -> None:
    assert parse_listen("8400") == ("127.0.0.1", 8400)
    assert parse_listen("0.0.0.0:8400") == ("0.0.0.0", 8400)
    assert parse_listen("[::1]:8400") == ("::1", 8400)
    assert parse_size("512KiB") == 512 * 1024
    assert parse_size("2m") == 2 * 1024 * 1024
    assert parse_size("100") == 100
    for bad in ("host:", "70000", "a:b:c"):
        with pytest.raises(MigrateError):
            parse_listen(bad)
