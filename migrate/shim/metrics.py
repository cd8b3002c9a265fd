"""Prometheus metrics of the shim, and its own endpoints under a prefix no upstream route uses.

The shim answers `RESERVED_PREFIX` (`/-/llama-stack-migrate/`) itself and never forwards it: Llama
Stack and OGX routes all start with a version (`/v1`, `/v1alpha`, `/v1beta`) or a documentation
path, never with `/-/`. `METRICS_PATH` serves the Prometheus exposition, `HEALTH_PATH` a small JSON
document. With `--metrics-listen HOST:PORT` the metrics move to a listener of their own
(`MetricsListener`), which keeps them off the port that clients use.

Every label has a fixed, small set of values, as Kubernetes does for its deprecated-API metrics:
rule ids (from the loaded rules), outcomes, the target, the request kind and the status class.
Paths, resource ids, clients and credentials are never labels.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal, get_args

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from migrate import __version__
from migrate.errors import MigrateError
from migrate.event_schema import Outcome
from migrate.shim.events import EventRecorder
from migrate.shim.problems import PROBLEM_CONTENT_TYPE, Problem
from migrate.shim.upstream import PoolStats

log = logging.getLogger("migrate.shim")

RESERVED_PREFIX = "/-/llama-stack-migrate/"
METRICS_PATH = RESERVED_PREFIX + "metrics"
HEALTH_PATH = RESERVED_PREFIX + "health"

#: `passthrough`: relayed as it is; `deprecated`: a deprecated call; `refused`: answered by the shim
#: before routing (an unsafe request target, `CONNECT`, or a failure before the route was known).
Kind = Literal["passthrough", "deprecated", "refused"]
KINDS: tuple[Kind, ...] = get_args(Kind)
CODE_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx", "none")
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
#: Seconds; a streamed answer (SSE) can last minutes, so the buckets reach the default read timeout.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def code_class(status: int | None) -> str:
    """`2xx` for 204; `none` when no answer was sent (the client left first, or the exchange broke)."""
    if status is None or not 100 <= status <= 599:
        return "none"
    return f"{status // 100}xx"


class ShimMetrics:
    """The shim's counters and histograms, in a registry of their own (one per app)."""

    def __init__(
        self,
        rule_ids: Sequence[str],
        target: str,
        recorder: EventRecorder,
        pool: Callable[[], PoolStats] | None = None,
    ) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series: twice the series for nothing
        self.target = target
        self.registry = CollectorRegistry()
        self._deprecated = Counter(
            "llama_stack_migrate_deprecated_requests",
            "Deprecated calls answered by the shim, by rule, outcome and target generation.",
            ["rule", "outcome", "target"],
            registry=self.registry,
        )
        self._requests = Counter(
            "llama_stack_migrate_requests",
            "Requests the shim answered, by kind and status class (none: no answer was sent).",
            ["kind", "code_class"],
            registry=self.registry,
        )
        self._duration = Histogram(
            "llama_stack_migrate_request_duration_seconds",
            "From the request headers to the end of the answer (streams included), by kind.",
            ["kind"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._upstream = Histogram(
            "llama_stack_migrate_upstream_response_seconds",
            "From sending a relayed request upstream to the upstream's status and headers, by kind.",
            ["kind"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        info = Gauge(
            "llama_stack_migrate_shim_info",
            "The shim's version and target generation (always 1).",
            ["version", "target"],
            registry=self.registry,
        )
        info.labels(version=__version__, target=target).set(1)
        self.registry.register(_EventsCollector(recorder))
        if pool is not None:
            self.registry.register(_PoolCollector(pool))
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        # Every series exists from the start (so rate() sees the first call), and the children are
        # looked up once here rather than per request.
        self._by_rule = {
            (rule_id, outcome): self._deprecated.labels(rule=rule_id, outcome=outcome, target=target)
            for rule_id in rule_ids
            for outcome in OUTCOMES
        }
        self._by_kind = {
            (kind, code): self._requests.labels(kind=kind, code_class=code) for kind in KINDS for code in CODE_CLASSES
        }
        self._durations = {kind: self._duration.labels(kind=kind) for kind in KINDS}
        self._upstream_durations = {kind: self._upstream.labels(kind=kind) for kind in KINDS}

    def deprecated_call(self, rule_id: str, outcome: Outcome) -> None:
        """Count one deprecated call (a rule not loaded at start-up is never a label)."""
        child = self._by_rule.get((rule_id, outcome))
        if child is not None:
            child.inc()

    def request_done(self, kind: Kind, status: int | None, seconds: float) -> None:
        """Count one answered request and observe how long it took."""
        self._by_kind[(kind, code_class(status))].inc()
        self._durations[kind].observe(seconds)

    def upstream_answered(self, kind: Kind, seconds: float) -> None:
        """Observe the time the upstream took to send its status and headers."""
        self._upstream_durations[kind].observe(seconds)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition body and its content type (OpenMetrics when the scraper asks for it)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


class _EventsCollector(Collector):
    """Events written and dropped per sink, read from the sinks' own counters at scrape time."""

    def __init__(self, recorder: EventRecorder) -> None:
        self._recorder = recorder

    def collect(self) -> Iterable[Metric]:
        written = CounterMetricFamily(
            "llama_stack_migrate_events_written", "Deprecation events a sink has stored.", labels=["sink"]
        )
        dropped = CounterMetricFamily(
            "llama_stack_migrate_events_dropped",
            "Deprecation events a sink has lost (queue full, store down or slow, shutdown).",
            labels=["sink"],
        )
        for sink in self._recorder.sinks:
            written.add_metric([sink.name], sink.written)
            dropped.add_metric([sink.name], sink.dropped)
        yield written
        yield dropped

    def describe(self) -> Iterable[Metric]:
        return []


class _PoolCollector(Collector):
    """The upstream connections open at scrape time, in use by a request or idle in the pool."""

    def __init__(self, pool: Callable[[], PoolStats]) -> None:
        self._pool = pool

    def collect(self) -> Iterable[Metric]:
        stats = self._pool()
        connections = GaugeMetricFamily(
            "llama_stack_migrate_upstream_connections",
            "Connections to the upstream open now: in use by a request, or idle in the keep-alive pool.",
            labels=["state"],
        )
        connections.add_metric(["in-use"], stats.in_use)
        connections.add_metric(["idle"], stats.idle)
        yield connections

    def describe(self) -> Iterable[Metric]:
        return []


def health_document(target: str, recorder: EventRecorder) -> bytes:
    """`{"status": "ok", "target": ..., "version": ..., "events": {sink: {"written", "dropped"}}}`."""
    events = {sink.name: {"written": sink.written, "dropped": sink.dropped} for sink in recorder.sinks}
    document = {"status": "ok", "target": target, "version": __version__, "events": events}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


class MetricsListener:
    """A separate HTTP/1.1 listener for `GET /metrics`, `METRICS_PATH` and `HEALTH_PATH` (`--metrics-listen`).

    It binds in the constructor (`MigrateError` when it cannot), serves from a daemon thread after
    `start()`, and stops on `close()`.
    """

    def __init__(self, metrics: ShimMetrics, health: Callable[[], bytes], host: str, port: int) -> None:
        handler = _handler(metrics, health)
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise MigrateError(f"--metrics-listen {host}:{port}: cannot listen: {exc.strerror or exc}") from exc
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the port the OS chose when 0 was asked for)."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Serve in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="shim-metrics", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()


def _handler(metrics: ShimMetrics, health: Callable[[], bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "llama-stack-migrate"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/metrics", METRICS_PATH):
                body, content_type = metrics.exposition(self.headers.get("Accept"))
                status = 200
            elif path == HEALTH_PATH:
                body, content_type, status = health(), "application/json", 200
            else:
                body, content_type, status = b"not found\n", "text/plain; charset=utf-8", 404
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: scrapes are not worth a log line each."""

    return Handler


def is_reserved(path: str) -> bool:
    """True for the shim's own paths (decoded): `RESERVED_PREFIX` and everything under it."""
    return path == RESERVED_PREFIX.rstrip("/") or path.startswith(RESERVED_PREFIX)


def reserved_answer(
    method: str, path: str, metrics: ShimMetrics | None, health: Callable[[], bytes], accept: str | None
) -> tuple[int, str, bytes, tuple[tuple[str, str], ...]]:
    """Status, content type, body and extra headers for a request to a reserved path.

    `metrics` None: the metrics are served by `--metrics-listen` instead, so the path is not found here.
    """
    if method not in ("GET", "HEAD"):
        problem = Problem(
            "method-not-allowed",
            "Method not allowed",
            405,
            f"{method} is not accepted on the shim's own paths: use GET or HEAD.",
            instance=path,
            headers=(("allow", "GET, HEAD"),),
        )
        return problem.status, PROBLEM_CONTENT_TYPE, problem.body(), problem.headers
    if path == METRICS_PATH and metrics is not None:
        body, content_type = metrics.exposition(accept)
        return 200, content_type, body, ()
    if path == HEALTH_PATH:
        return 200, "application/json", health(), ()
    where = " (the metrics are on the --metrics-listen address)" if path == METRICS_PATH else ""
    problem = Problem(
        "not-found",
        "Not found",
        404,
        f"{RESERVED_PREFIX} is the shim's own prefix and is never forwarded; it serves "
        f"{METRICS_PATH} and {HEALTH_PATH}{where}.",
        instance=path,
    )
    return problem.status, PROBLEM_CONTENT_TYPE, problem.body(), problem.headers
