"""The two processes the workflow harness starts besides the servers: the stand-ins and the shim.

Both are context managers that start a subprocess on a free 127.0.0.1 port, wait until it answers, and stop it
(SIGTERM to its process group, SIGKILL after a grace period) when the block ends, whatever happened inside.
Their output goes to a log file in the run's work folder, never to a pipe nobody reads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.integration.servers import LEGACY, ServerSetupError, ensure_venv, free_port, venv_python

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins.py"
STARTUP_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class Standins:
    """Where the running stand-ins answer."""

    url: str
    #: JSON lines, one per request the inference stand-in received (method, path, model, caller headers).
    request_log: Path

    @property
    def vllm_url(self) -> str:
        """What `VLLM_URL` of a server's run config is set to."""
        return f"{self.url}/v1"

    @property
    def mcp_url(self) -> str:
        """The MCP server, streamable HTTP (every server generation tries this transport first)."""
        return f"{self.url}/mcp"

    @property
    def moderation_url(self) -> str:
        """OGX's `moderation_endpoint` (guardrails of the Responses API)."""
        return f"{self.url}/v1/moderations"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE_S)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_standins(workdir: Path) -> Iterator[Standins]:
    """The vLLM stand-in and the MCP server (`standins.py`), run by the llama-stack 0.3.5 venv's Python."""
    python = venv_python(ensure_venv(LEGACY))
    workdir.mkdir(parents=True, exist_ok=True)
    ready = workdir / "standins.port"
    ready.unlink(missing_ok=True)
    log = workdir / "standins.log"
    request_log = workdir / "standins-requests.jsonl"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(python), str(STANDINS), "--port", "0", "--ready-file", str(ready), "--log", str(request_log)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not ready.is_file():
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerSetupError(f"the stand-ins did not start; last lines of {log}:\n{_tail(log)}")
            time.sleep(0.05)
        yield Standins(url=f"http://127.0.0.1:{ready.read_text(encoding='utf-8').strip()}", request_log=request_log)
    finally:
        _stop(process)


#: The operator's opt-in of docs/shim.md for clients that announce no SDK: ops_provision.py reads the legacy shapes
#: with `requests` (decision D6 of issue 11).
LEGACY_USER_AGENTS = ("python-requests",)


@contextlib.contextmanager
def running_shim(upstream: str, target: str, workdir: Path) -> Iterator[str]:
    """``llama-stack-migrate shim --upstream UPSTREAM --target TARGET`` from this checkout; yields its URL.

    Ready when ``GET /v1/health`` answers 200 through it (so the upstream is reachable too). Events go to an SQLite
    file in `workdir`, the shim's log (event lines included) to ``shim.log``. Reads of `LEGACY_USER_AGENTS` are
    translated as an operator would have them.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "shim.log"
    command = [sys.executable, "-m", "migrate", "shim", "--upstream", upstream, "--target", target]
    command += ["--listen", f"127.0.0.1:{port}", "--events", str(workdir / "shim-events.sqlite3")]
    command += [option for prefix in LEGACY_USER_AGENTS for option in ("--legacy-user-agent", prefix)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerSetupError(f"the shim did not start; last lines of {log}:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/v1/health", timeout=2.0).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        _stop(process)
