"""Speed of the shim's passthrough beside the upstream itself and nginx, measured with wrk. A benchmark, not a test.

Usage::

    .venv/bin/python benchmarks/shim_speed.py [--duration S] [--rounds N] [--concurrency 1,16,64]
                                             [--baseline REV] [--candidates] [--no-pin] [--json PATH]
    .venv/bin/python benchmarks/shim_speed.py --deprecated-only [--baseline REV] [--event-log] [...]

Needs `wrk` and `nginx` on PATH (Debian packages `wrk` and `nginx-light` or `nginx`); it stops with
an error when one is missing. Everything runs on 127.0.0.1, bounded in time:

* **upstream**: a tiny HTTP/1.1 server (raw asyncio protocol, uvloop when installed) in a subprocess,
  answering fixed JSON: `GET /v1/version`, a model for `GET /v1/models/<id>`, otherwise the model list
  as llama-stack 0.7.3 answers it (the OpenAI list: `id`, `custom_metadata`).
* **direct**: wrk against the upstream.
* **nginx**: one worker, `proxy_pass` to the upstream through a keep-alive upstream block.
* **shim**: the real `llama-stack-migrate shim` command (`--target llama-stack-0.7`, SQLite events,
  no event log) in front of the upstream.
* **passthrough calls**: `GET /v1/models` (a current or unannounced client: a read rule's route the shim
  relays byte for byte, checked before timing) and `POST /v1/chat/completions` (a body that names a model,
  read whole to resolve the name, `resolve.py`).
* **deprecated calls** through the shim: `POST /v1/models` (declare & read: one upstream read and
  an event), `DELETE /v1/models/{id}` (look up, acknowledged) and `GET /v1/models` from
  llama-stack-client 0.3.5 (translated into the legacy listing: one upstream read and an event; a
  shim before read translation relays it).
* `--baseline REV` (a git revision of this repository, exported with `git archive` into a temporary
  folder): the shim of that revision runs beside the current one and the two are measured in turns,
  round after round, on every call (the passthrough too, unless `--deprecated-only`): the
  before/after of a change in one run, on one machine.
* `--deprecated-only` measures only the deprecated calls through the shim. `--event-log` keeps the
  JSON event log on stderr (the shim's default; into a file here), which the other measurements leave off.
* `--candidates` adds the choices behind the shim, each on the real `ShimApp`: the ASGI server
  (uvicorn with h11 or httptools, on asyncio or uvloop; hypercorn; granian, which cannot refuse
  absolute-form targets and so is measured for reference only) and the upstream client (the shim's
  own pooled client against aiohttp, in the shim and alone against the upstream; httpx alone).

wrk runs one thread per measurement with `-c 1/16/64` keep-alive connections and reports p50/p99
latency through a Lua `done` hook. By default the proxy under test is pinned to CPU 0 and the
upstream and wrk to CPU 1 (on a machine with at least 2 CPUs; `--no-pin` turns this off), so
the proxy's numbers do not depend on how the scheduler spreads three busy processes. Each
measurement is repeated `--rounds` times, the candidates interleaved, and the median is reported,
together with the best round and the CPU time the proxy process used per request (`cpu us/req`,
from /proc): on a machine shared with other work throughput varies a lot, CPU time per request less.

Targets (docs/shim.md, "Speed"): passthrough at least 5,000 req/s at c=16, and at most 0.5 ms added
to the direct p50 at c=1. The script prints both checks; it exits 1 if any measurement saw errors
or non-2xx answers, since a fast wrong answer means nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RPS_C16 = 5_000
TARGET_ADDED_P50_MS = 0.5
MODEL = {
    "identifier": "vllm/some-llm",
    "provider_resource_id": "some-llm",
    "provider_id": "vllm",
    "type": "model",
    "metadata": {},
    "model_type": "llm",
}
REGISTER_BODY = json.dumps({"model_id": "llm1", "provider_id": "vllm", "provider_model_id": "some-llm"})
CHAT_BODY = json.dumps({"model": "vllm/some-llm", "messages": [{"role": "user", "content": "Say hello"}]})
LEGACY_SDK = {"User-Agent": "LlamaStackClient/Python 0.3.5", "X-LlamaStack-Client-Version": "0.3.5"}
LUA_REPORT = textwrap.dedent(
    """
    done = function(summary, latency, requests)
      local e = summary.errors
      io.write(string.format(
        "WRK-JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"errors\\": %d, \\"non2xx\\": %d, "
        .. "\\"p50_us\\": %d, \\"p99_us\\": %d}\\n",
        summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
        latency:percentile(50), latency:percentile(99)))
    end
    """
)
LUA_POST = (
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[' + REGISTER_BODY + "]]\n"
)
LUA_DELETE = 'wrk.method = "DELETE"\n'
LUA_CHAT = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[' + CHAT_BODY + "]]\n"
LUA_LEGACY = "".join(f'wrk.headers["{name}"] = "{value}"\n' for name, value in LEGACY_SDK.items())

#: (label, path, extra Lua) of the calls measured.
PASSTHROUGH = ("GET /v1/models (passthrough)", "/v1/models", "")
PASSTHROUGH_CALLS = (PASSTHROUGH, ("POST /v1/chat/completions (passthrough)", "/v1/chat/completions", LUA_CHAT))
DEPRECATED = (
    ("POST /v1/models (declare & read)", "/v1/models", LUA_POST),
    ("DELETE /v1/models/{id} (acknowledged)", "/v1/models/vllm/some-llm", LUA_DELETE),
    ("GET /v1/models, SDK 0.3.5 (translated)", "/v1/models", LUA_LEGACY),
)
#: ASGI server candidates: (name, server, http, loop). `shim` is `migrate.shim.server.ShimHttpProtocol`.
SERVERS = (
    ("uvicorn h11 asyncio", "uvicorn", "h11", "asyncio"),
    ("uvicorn h11 uvloop", "uvicorn", "h11", "uvloop"),
    ("uvicorn httptools asyncio, plain (cannot refuse absolute-form)", "uvicorn", "httptools", "asyncio"),
    ("uvicorn ShimHttpProtocol asyncio (the shim)", "uvicorn", "shim", "asyncio"),
    ("uvicorn ShimHttpProtocol uvloop", "uvicorn", "shim", "uvloop"),
    ("hypercorn asyncio", "hypercorn", "-", "asyncio"),
    ("granian asyncio (cannot refuse absolute-form)", "granian", "-", "asyncio"),
)


@dataclass
class Result:
    target: str
    call: str
    concurrency: int
    rps: float
    rps_best: float
    p50_ms: float
    p99_ms: float
    cpu_us_per_request: float | None
    cpu_us_per_request_best: float | None
    errors: int
    non2xx: int
    rounds: int


# ------------------------------------------------------------------------------------------ upstream


def listed(model: dict[str, Any]) -> dict[str, Any]:
    """A model as llama-stack 0.7.3's `GET /v1/models` lists it."""
    custom = {key: model[key] for key in ("model_type", "provider_id", "provider_resource_id")}
    return {
        "id": model["identifier"],
        "object": "model",
        "created": 1,
        "owned_by": "llama_stack",
        "custom_metadata": custom,
    }


def serve_upstream(port: int) -> None:
    """The fast upstream: fixed answers, keep-alive, pipelining-safe."""
    model = json.dumps(MODEL).encode()
    answers = {
        b"/v1/version": json.dumps({"version": "0.7.3"}).encode(),
        b"/v1/models": json.dumps({"data": [listed(MODEL), listed({**MODEL, "identifier": "vllm/other"})]}).encode(),
    }

    def answer(body: bytes) -> bytes:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)
        return head + body

    fixed = {path: answer(body) for path, body in answers.items()}
    model_answer = answer(model)

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].lower()
                length = 0
                marker = head.find(b"\r\ncontent-length:")
                if marker >= 0:
                    length = int(head[marker + 17 :].split(b"\r\n", 1)[0])
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length :]
                path = head.split(b" ", 2)[1].split(b"?", 1)[0]
                if path.startswith(b"/v1/models/"):
                    self.transport.write(model_answer)
                else:
                    self.transport.write(fixed.get(path, fixed[b"/v1/models"]))

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", port, backlog=2048)
        await server.serve_forever()

    _run(main(), "uvloop" if _has("uvloop") else "asyncio")


# ---------------------------------------------------------------------------------- shim candidates


def serve_candidate(server: str, http: str, loop: str, client: str, port: int, upstream: str, state: Path) -> None:
    """The real ShimApp on one candidate ASGI server and upstream client."""
    sys.path.insert(0, str(ROOT))
    from migrate.shim.app import ShimApp
    from migrate.shim.server import ShimHttpProtocol
    from migrate.shim.settings import ShimSettings
    from migrate.shim.upstream import UpstreamConfig

    settings = ShimSettings(
        upstream=UpstreamConfig(upstream), target="llama-stack-0.7", events=state / "events.sqlite3", event_log=False
    )
    app = ShimApp(settings)
    if client == "aiohttp":
        app.upstream = _aiohttp_upstream(UpstreamConfig(upstream))
        app.gate._upstream = app.upstream
    if server == "uvicorn":
        import uvicorn

        uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                http=ShimHttpProtocol if http == "shim" else http,
                loop=loop,
                ws="none",
                lifespan="on",
                access_log=False,
                proxy_headers=False,
                server_header=False,
                date_header=False,
                log_level="warning",
            )
        ).run()
    elif server == "hypercorn":
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.accesslog = None
        config.include_server_header = False
        config.include_date_header = False
        _run(serve(app, config), loop)
    elif server == "granian":
        from granian.constants import HTTPModes, Interfaces
        from granian.server.embed import Server

        embedded = Server(
            app, address="127.0.0.1", port=port, interface=Interfaces.ASGI, http=HTTPModes.http1, websockets=False
        )
        _run(embedded.serve(), loop)


def _aiohttp_upstream(config: Any) -> Any:
    """The shim's upstream client as it was before (aiohttp), with the same interface, for comparison."""
    from contextlib import asynccontextmanager

    import aiohttp
    import yarl
    from multidict import CIMultiDict

    from migrate.shim.headers import end_to_end
    from migrate.shim.upstream import Upstream, UpstreamResponse

    class AiohttpUpstream(Upstream):
        _session: Any = None

        def request(self, method: str, target: str, headers: Any, body: Any) -> Any:
            return self._request(method, target, headers, body)

        @asynccontextmanager
        async def _request(self, method: str, target: str, headers: Any, body: Any) -> Any:
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=100, limit_per_host=0),
                    cookie_jar=aiohttp.DummyCookieJar(),
                    auto_decompress=False,
                    trust_env=False,
                    timeout=aiohttp.ClientTimeout(total=None, connect=30, sock_connect=10, sock_read=300),
                )
            outgoing = CIMultiDict((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)
            url = yarl.URL(config.base_url + target, encoded=True)
            async with self._session.request(
                method,
                url,
                headers=outgoing,
                data=body,
                allow_redirects=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            ) as response:

                async def chunks() -> Any:
                    async for chunk in response.content.iter_any():
                        yield chunk

                yield UpstreamResponse(
                    response.status, end_to_end((n.lower(), v) for n, v in response.raw_headers), chunks()
                )

        async def aclose(self) -> None:
            if self._session is not None:
                await self._session.close()

    return AiohttpUpstream(config)


def client_hop(client: str, loop: str, url: str, concurrency: int, seconds: float) -> dict[str, float]:
    """The upstream hop alone: `client` fetches `url` with `concurrency` tasks for `seconds`; req/s and CPU us/req."""
    sys.path.insert(0, str(ROOT))

    async def main() -> dict[str, float]:
        if client == "shim":
            from migrate.shim.upstream import Upstream, UpstreamConfig

            upstream = Upstream(UpstreamConfig(url))

            async def one() -> None:
                async with upstream.request("GET", "/v1/models", [(b"accept", b"*/*")], None) as response:
                    async for _ in response.body:
                        pass

            close: Any = upstream.aclose
        elif client == "aiohttp":
            import aiohttp

            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100, limit_per_host=0), auto_decompress=False
            )

            async def one() -> None:
                async with session.get(url + "/v1/models", allow_redirects=False) as response:
                    async for _ in response.content.iter_any():
                        pass

            close = session.close
        else:
            import httpx

            http = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))

            async def one() -> None:
                async with http.stream("GET", url + "/v1/models") as response:
                    async for _ in response.aiter_raw():
                        pass

            close = http.aclose
        for _ in range(100):
            await one()
        count = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                await one()
                count += 1

        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        await close()
        return {"rps": count / elapsed, "cpu_us_per_request": used / count * 1e6}

    return _run(main(), loop)


# --------------------------------------------------------------------------------------- processes


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _run(coroutine: Any, loop: str) -> Any:
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode} before it listened on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")


@contextmanager
def started(command: Sequence[str], port: int, what: str, cpus: set[int] | None, log: Path) -> Iterator[int]:
    """Run `command` until the block ends; yields its pid once `port` accepts connections."""
    with log.open("ab") as out:
        process = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        if cpus is not None:
            os.sched_setaffinity(process.pid, cpus)
        wait_port(port, process, what)
        yield process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its child processes (nginx's worker), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(child) for child in _children(pid)]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


# --------------------------------------------------------------------------------------------- wrk


def wrk(url: str, concurrency: int, seconds: float, lua: str, cpus: set[int] | None, workdir: Path) -> dict[str, Any]:
    script = workdir / f"wrk-{abs(hash(lua))}.lua"
    script.write_text(lua + LUA_REPORT)
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script), url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if cpus is not None:
        os.sched_setaffinity(process.pid, cpus)
    out, err = process.communicate(timeout=seconds + 60)
    for line in out.splitlines():
        if line.startswith("WRK-JSON "):
            data: dict[str, Any] = json.loads(line[len("WRK-JSON ") :])
            return data
    raise SystemExit(f"wrk gave no result for {url}: {out}\n{err}")


def measure(
    label: str,
    call: str,
    url: str,
    lua: str,
    concurrency: int,
    args: argparse.Namespace,
    pid: int | None,
    workdir: Path,
    load_cpus: set[int] | None,
) -> dict[str, Any]:
    wrk(url, concurrency, 1, lua, load_cpus, workdir)  # warm-up: connections, caches, the version read
    before = cpu_seconds(pid) if pid is not None else 0.0
    data = wrk(url, concurrency, args.duration, lua, load_cpus, workdir)
    used = cpu_seconds(pid) - before if pid is not None else None
    rps = data["requests"] / (data["duration_us"] / 1e6)
    return {
        "target": label,
        "call": call,
        "concurrency": concurrency,
        "rps": rps,
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "cpu_us_per_request": used / data["requests"] * 1e6 if used is not None and data["requests"] else None,
        "errors": data["errors"],
        "non2xx": data["non2xx"],
    }


def median_result(samples: list[dict[str, Any]]) -> Result:
    cpu = [s["cpu_us_per_request"] for s in samples if s["cpu_us_per_request"] is not None]
    return Result(
        target=samples[0]["target"],
        call=samples[0]["call"],
        concurrency=samples[0]["concurrency"],
        rps=statistics.median(s["rps"] for s in samples),
        rps_best=max(s["rps"] for s in samples),
        p50_ms=statistics.median(s["p50_ms"] for s in samples),
        p99_ms=statistics.median(s["p99_ms"] for s in samples),
        cpu_us_per_request=statistics.median(cpu) if cpu else None,
        cpu_us_per_request_best=min(cpu) if cpu else None,
        errors=sum(s["errors"] for s in samples),
        non2xx=sum(s["non2xx"] for s in samples),
        rounds=len(samples),
    )


# ------------------------------------------------------------------------------------------- nginx


def nginx_config(prefix: Path, port: int, upstream_port: int, cpu: int | None) -> Path:
    affinity = ""
    if cpu is not None:
        mask = ["0"] * (os.cpu_count() or 1)
        mask[-1 - cpu] = "1"
        affinity = f"worker_cpu_affinity {''.join(mask)};"
    for folder in ("logs", "tmp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(
        textwrap.dedent(
            f"""
            worker_processes 1;
            {affinity}
            daemon off;
            pid {prefix}/nginx.pid;
            error_log {prefix}/logs/error.log warn;
            events {{ worker_connections 4096; }}
            http {{
              access_log off;
              client_body_temp_path {prefix}/tmp/body;
              proxy_temp_path {prefix}/tmp/proxy;
              fastcgi_temp_path {prefix}/tmp/fastcgi;
              uwsgi_temp_path {prefix}/tmp/uwsgi;
              scgi_temp_path {prefix}/tmp/scgi;
              upstream backend {{ server 127.0.0.1:{upstream_port}; keepalive 128; }}
              server {{
                listen 127.0.0.1:{port};
                location / {{
                  proxy_pass http://backend;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                }}
              }}
            }}
            """
        )
    )
    return config


# -------------------------------------------------------------------------------------------- main


def require_tools() -> dict[str, str]:
    found = {}
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx-light (or nginx)")):
        path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
        if path is None:
            raise SystemExit(f"{tool} is missing: install the Debian package {package} (apt-get install {tool})")
        found[tool] = path
    return found


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_1m": round(load[0], 2),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0],
    }


def table(results: Sequence[Result], direct: dict[tuple[str, int], Result]) -> str:
    lines = [
        "| target | call | c | req/s | best req/s | p50 ms | p99 ms | cpu us/req | best cpu us/req "
        "| vs direct req/s | added p50 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        base = direct.get((PASSTHROUGH[0], result.concurrency))
        ratio = f"{result.rps / base.rps:.2f}x" if base else "-"
        added = f"{result.p50_ms - base.p50_ms:+.3f}" if base else "-"
        cpu = f"{result.cpu_us_per_request:.0f}" if result.cpu_us_per_request is not None else "-"
        best_cpu = f"{result.cpu_us_per_request_best:.0f}" if result.cpu_us_per_request_best is not None else "-"
        lines.append(
            f"| {result.target} | {result.call} | {result.concurrency} | {result.rps:,.0f} | {result.rps_best:,.0f} "
            f"| {result.p50_ms:.3f} | {result.p99_ms:.3f} | {cpu} | {best_cpu} | {ratio} | {added} "
            f"| {result.errors + result.non2xx} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement [5]")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions, median reported [3]")
    parser.add_argument("--concurrency", default="1,16,64", help="wrk connections [1,16,64]")
    parser.add_argument("--candidates", action="store_true", help="also measure ASGI server and client candidates")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the proxy and the load to separate CPUs")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    parser.add_argument("--deprecated-only", action="store_true", help="measure only deprecated calls via the shim")
    parser.add_argument("--baseline", metavar="REV", help="also the shim of git revision REV, measured in turns")
    parser.add_argument("--event-log", action="store_true", help="run the shims with the JSON event log on")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-candidate", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--client-hop", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client_hop:
        client, loop, url, level, seconds = args.client_hop
        print(json.dumps(client_hop(client, loop, url, int(level), float(seconds))))
        return 0
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return 0
    if args.serve_candidate:
        server, http, loop, client, port, upstream, state = args.serve_candidate
        serve_candidate(server, http, loop, client, int(port), upstream, Path(state))
        return 0

    tools = require_tools()
    levels = [int(level) for level in args.concurrency.split(",")]
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    proxy_cpus, load_cpus = ({0}, {1}) if pin else (None, None)
    python = sys.executable
    script = str(Path(__file__).resolve())
    samples: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    info = machine()
    print(f"machine: {info}; pinned: {'proxy on CPU 0, upstream and wrk on CPU 1' if pin else 'no'}", flush=True)
    if args.deprecated_only:
        return deprecated_only(args, levels, python, script, proxy_cpus, load_cpus, info, pin)

    with tempfile.TemporaryDirectory(prefix="shim-speed-") as tmp:
        work = Path(tmp)
        log = work / "processes.log"
        upstream_port, nginx_port = free_port(), free_port()
        upstream_url = f"http://127.0.0.1:{upstream_port}"
        with started(
            [python, script, "--serve-upstream", str(upstream_port)], upstream_port, "upstream", load_cpus, log
        ):
            with ExitStack() as stack:
                nginx_conf = nginx_config(work / "nginx", nginx_port, upstream_port, 0 if pin else None)
                nginx_command = [tools["nginx"], "-p", str(work / "nginx"), "-c", str(nginx_conf), "-e", "stderr"]
                nginx_pid = stack.enter_context(started(nginx_command, nginx_port, "nginx", proxy_cpus, log))
                shims = start_shims(stack, args, python, upstream_url, work, proxy_cpus, log)
                for label, port, _ in shims:
                    check_answers(
                        upstream_url, f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{port}", label == "shim"
                    )
                proxies = (("direct", upstream_port, None), ("nginx", nginx_port, nginx_pid), *shims)
                for _ in range(args.rounds):
                    for level in levels:
                        for call, path, lua in PASSTHROUGH_CALLS:
                            for label, port, pid in proxies:
                                url = f"http://127.0.0.1:{port}{path}"
                                sample = measure(label, call, url, lua, level, args, pid, work, load_cpus)
                                samples.setdefault((label, call, level), []).append(sample)
                                print(_line(sample), flush=True)
                        if level > 16:
                            continue
                        for call, path, lua in DEPRECATED:
                            for label, port, pid in shims:
                                url = f"http://127.0.0.1:{port}{path}"
                                sample = measure(label, call, url, lua, level, args, pid, work, load_cpus)
                                samples.setdefault((label, call, level), []).append(sample)
                                print(_line(sample), flush=True)
            hops: list[dict[str, Any]] = []
            if args.candidates:
                candidate_samples(args, levels, python, script, upstream_url, work, log, proxy_cpus, load_cpus, samples)
                hops = client_hops(args, levels, python, script, upstream_url, proxy_cpus)

    results = [median_result(values) for values in samples.values()]
    direct = {(r.call, r.concurrency): r for r in results if r.target == "direct"}
    print()
    print(table(results, direct))
    if hops:
        print()
        print("Upstream hop alone (a client process fetching GET /v1/models from the upstream):")
        print("| client | loop | c | req/s | cpu us/req |")
        print("|---|---|---:|---:|---:|")
        for hop in hops:
            print(
                f"| {hop['client']} | {hop['loop']} | {hop['concurrency']} | {hop['rps']:,.0f} "
                f"| {hop['cpu_us_per_request']:.0f} |"
            )
    verdict = summary(results, direct)
    print()
    print("\n".join(verdict["lines"]))
    return finish(args, {"machine": info, "pinned": pin, "client_hop": hops}, results)


def finish(args: argparse.Namespace, document: dict[str, Any], results: list[Result]) -> int:
    """Write the JSON file if asked (the results added to `document`); 1 when a measurement saw errors."""
    if args.json:
        args.json.write_text(json.dumps({**document, "results": [asdict(r) for r in results]}, indent=2))
    failed = [r for r in results if r.errors or r.non2xx]
    if failed:
        print(f"error: {len(failed)} measurement(s) saw errors or non-2xx answers", file=sys.stderr)
        return 1
    return 0


def shim_command(
    python: str, tree: Path | None, upstream_url: str, port: int, state: Path, event_log: bool
) -> list[str]:
    """The `shim` command of the working tree (None) or of an exported revision `tree`."""
    prelude = f"import sys; sys.path.insert(0, {str(tree)!r}); " if tree is not None else ""
    command = [python, "-c", prelude + "from migrate.shim.command import shim; shim()"]
    command += ["--upstream", upstream_url, "--target", "llama-stack-0.7", "--listen", str(port)]
    command += ["--events", str(state / "events.sqlite3"), "--log-level", "warning"]
    return command + ([] if event_log else ["--no-event-log"])


def export_revision(revision: str, folder: Path) -> Path:
    """`migrate/` and `rules/` of git revision `revision` of this repository, in `folder`."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "migrate", "rules"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {revision} failed: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def start_shims(
    stack: ExitStack,
    args: argparse.Namespace,
    python: str,
    upstream_url: str,
    work: Path,
    cpus: set[int] | None,
    log: Path,
) -> list[tuple[str, int, int]]:
    """The working tree's shim, after the shim of `--baseline REV` when given: (label, port, pid) of each."""
    trees: list[tuple[str, Path | None]] = [("shim", None)]
    if args.baseline:
        revision = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline], capture_output=True, text=True
        ).stdout.strip()
        trees.insert(0, (f"shim at {revision or args.baseline}", export_revision(args.baseline, work / "baseline")))
    running = []
    for label, tree in trees:
        port = free_port()
        state = work / f"state-{port}"
        state.mkdir()
        command = shim_command(python, tree, upstream_url, port, state, args.event_log)
        running.append((label, port, stack.enter_context(started(command, port, label, cpus, log))))
    return running


def deprecated_only(
    args: argparse.Namespace,
    levels: list[int],
    python: str,
    script: str,
    proxy_cpus: set[int] | None,
    load_cpus: set[int] | None,
    info: dict[str, Any],
    pin: bool,
) -> int:
    """Deprecated calls through the shim, and through the shim of `--baseline REV` in turns when given."""
    samples: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="shim-speed-") as tmp:
        work = Path(tmp)
        log = work / "processes.log"
        upstream_port = free_port()
        upstream_url = f"http://127.0.0.1:{upstream_port}"
        with ExitStack() as stack:
            stack.enter_context(
                started(
                    [python, script, "--serve-upstream", str(upstream_port)], upstream_port, "upstream", load_cpus, log
                )
            )
            running = start_shims(stack, args, python, upstream_url, work, proxy_cpus, log)
            for label, port, _ in running:
                check_answers(upstream_url, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}", label == "shim")
            for _ in range(args.rounds):
                for level in levels:
                    for call, path, lua in DEPRECATED:
                        for label, port, pid in running:
                            url = f"http://127.0.0.1:{port}{path}"
                            sample = measure(label, call, url, lua, level, args, pid, work, load_cpus)
                            samples.setdefault((label, call, level), []).append(sample)
                            print(_line(sample), flush=True)
    results = [median_result(values) for values in samples.values()]
    print()
    print(table(sorted(results, key=lambda r: (r.call, r.concurrency)), {}))
    return finish(args, {"machine": info, "pinned": pin}, results)


def candidate_samples(
    args: argparse.Namespace,
    levels: list[int],
    python: str,
    script: str,
    upstream_url: str,
    work: Path,
    log: Path,
    proxy_cpus: set[int] | None,
    load_cpus: set[int] | None,
    samples: dict[tuple[str, str, int], list[dict[str, Any]]],
) -> None:
    candidates = [(name, server, http, loop, "shim") for name, server, http, loop in SERVERS]
    candidates.append(("uvicorn ShimHttpProtocol asyncio + aiohttp client", "uvicorn", "shim", "asyncio", "aiohttp"))
    candidates.append(("uvicorn h11 asyncio + aiohttp client (before)", "uvicorn", "h11", "asyncio", "aiohttp"))
    for _ in range(args.rounds):
        for name, server, http, loop, client in candidates:
            needed = {"uvicorn": "uvicorn", "hypercorn": "hypercorn", "granian": "granian"}[server]
            if not _has(needed) or (loop == "uvloop" and not _has("uvloop")):
                print(f"{name}: not installed, not measured", flush=True)
                continue
            port = free_port()
            state = work / f"state-{port}"
            state.mkdir()
            command = [python, script, "--serve-candidate", server, http, loop, client, str(port), upstream_url]
            with started([*command, str(state)], port, name, proxy_cpus, log) as pid:
                for level in levels:
                    url = f"http://127.0.0.1:{port}{PASSTHROUGH[1]}"
                    sample = measure(name, PASSTHROUGH[0], url, "", level, args, pid, work, load_cpus)
                    samples.setdefault((name, PASSTHROUGH[0], level), []).append(sample)
                    print(_line(sample), flush=True)


def client_hops(
    args: argparse.Namespace, levels: list[int], python: str, script: str, upstream_url: str, cpus: set[int] | None
) -> list[dict[str, Any]]:
    hops: list[dict[str, Any]] = []
    for level in levels:
        for client, loop in (("shim", "asyncio"), ("shim", "uvloop"), ("aiohttp", "asyncio"), ("httpx", "asyncio")):
            if (loop == "uvloop" and not _has("uvloop")) or not _has(client if client != "shim" else "httptools"):
                continue
            process = subprocess.Popen(
                [python, script, "--client-hop", client, loop, upstream_url, str(level), str(args.duration)],
                stdout=subprocess.PIPE,
                text=True,
            )
            if cpus is not None:
                os.sched_setaffinity(process.pid, cpus)
            out, _ = process.communicate(timeout=args.duration + 120)
            hop = {
                "client": client if client != "shim" else "shim's own (httptools)",
                "loop": loop,
                "concurrency": level,
            }
            hop.update(json.loads(out.strip().splitlines()[-1]))
            print(f"client hop {hop}", flush=True)
            hops.append(hop)
    return hops


def check_answers(direct: str, nginx: str, shim: str, translates: bool) -> None:
    """Every path answers as expected before anything is timed: passthrough byte for byte, translations legacy."""
    import httpx

    expected = httpx.get(direct + "/v1/models").content
    for name, base in (("nginx", nginx), ("shim", shim)):
        got = httpx.get(base + "/v1/models")
        if got.status_code != 200 or got.content != expected:
            raise SystemExit(f"{name} does not pass GET /v1/models through: {got.status_code} {got.content[:200]!r}")
    chat = httpx.post(shim + "/v1/chat/completions", content=CHAT_BODY, headers={"content-type": "application/json"})
    if chat.status_code != 200 or chat.content != expected:  # the upstream answers any other path with the list
        raise SystemExit(f"the shim does not pass a chat completion through: {chat.status_code}")
    legacy = httpx.get(shim + "/v1/models", headers=LEGACY_SDK)
    identifiers = [item.get("identifier") for item in legacy.json()["data"]] if legacy.status_code == 200 else []
    if translates and identifiers != [MODEL["identifier"], "vllm/other"]:
        raise SystemExit(f"the shim does not translate the legacy listing: {legacy.status_code} {legacy.text[:300]}")
    registered = httpx.post(shim + "/v1/models", content=REGISTER_BODY, headers={"content-type": "application/json"})
    if registered.status_code != 200 or registered.json()["identifier"] != MODEL["identifier"]:
        raise SystemExit(f"the shim's register answer is wrong: {registered.status_code} {registered.text[:300]}")
    deleted = httpx.delete(shim + "/v1/models/vllm/some-llm")
    if deleted.status_code != 200 or deleted.content != b"null":
        raise SystemExit(f"the shim's unregister answer is wrong: {deleted.status_code} {deleted.text[:300]}")


def summary(results: Sequence[Result], direct: dict[tuple[str, int], Result]) -> dict[str, Any]:
    shim = {(r.call, r.concurrency): r for r in results if r.target == "shim"}
    nginx = {(r.call, r.concurrency): r for r in results if r.target == "nginx"}
    lines = []
    c16 = shim.get((PASSTHROUGH[0], 16))
    c1, d1 = shim.get((PASSTHROUGH[0], 1)), direct.get((PASSTHROUGH[0], 1))
    if c16 is not None:
        verdict = "met" if c16.rps >= TARGET_RPS_C16 else "NOT met"
        lines.append(f"target passthrough >= {TARGET_RPS_C16:,} req/s at c=16: {c16.rps:,.0f} req/s, {verdict}")
    if c1 is not None and d1 is not None:
        added = c1.p50_ms - d1.p50_ms
        verdict = "met" if added <= TARGET_ADDED_P50_MS else "NOT met"
        lines.append(f"target added p50 <= {TARGET_ADDED_P50_MS} ms at c=1: {added:.3f} ms, {verdict}")
    for (call, level), result in sorted(shim.items(), key=lambda item: (item[0][0], item[0][1])):
        if call != PASSTHROUGH[0]:
            continue
        base, proxy = direct.get((call, level)), nginx.get((call, level))
        if base and proxy:
            lines.append(
                f"c={level}: shim {result.rps / base.rps:.2f}x direct, {result.rps / proxy.rps:.2f}x nginx "
                f"(nginx {proxy.rps / base.rps:.2f}x direct)"
            )
    return {"lines": lines}


def _line(sample: dict[str, Any]) -> str:
    cpu = sample["cpu_us_per_request"]
    return (
        f"{sample['target']:<48} {sample['call']:<40} c={sample['concurrency']:<3} {sample['rps']:>9,.0f} req/s "
        f"p50 {sample['p50_ms']:.3f} ms p99 {sample['p99_ms']:.3f} ms"
        + (f" cpu {cpu:.0f} us/req" if cpu is not None else "")
        + (f" ERRORS {sample['errors']} non2xx {sample['non2xx']}" if sample["errors"] or sample["non2xx"] else "")
    )


if __name__ == "__main__":
    raise SystemExit(main())
