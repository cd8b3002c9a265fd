"""The shim as a pure ASGI application: `ShimApp(settings)`.

Per request: the target is checked (`matching.parse_target`), client version headers are rewritten
for the upstream (`version.VersionGate`), and then either

* other traffic is relayed as it is (`relay`), or
* a deprecated call is answered by the handler its rule and the target select (`answers`), with
  the deprecation headers (`headers`), and recorded as one event (`events`).

A read rule's call counts as a deprecated call only where the read breaks: a read the target serves
(`served`) is other traffic unless it uses a 0.2-era path, and a read of a route the target serves in
a new shape (`Rule.reshapes`: the model listing) is other traffic unless a legacy client makes it
(`clients.LegacyClients`), so current clients get the upstream's bytes untouched. A translated read
of a route the target removed (tool groups, a group's tools) is translated for every client: the
SDKs that still call it parse the legacy shape. A read of a kind the target removed (`manual`) is
answered 410 for every client.

Paths under `metrics.RESERVED_PREFIX` are the shim's own (metrics, health) and never go upstream.
Every request is counted in `metrics` by kind and status class, with its duration.

A failure while handling one request is answered with a problem document (or, when the answer has
already started, by closing the connection) and logged without request data; it never stops the app.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any

from migrate.event_schema import Outcome, PostgresURL
from migrate.registry import RuleSet
from migrate.rule_loader import load_rules
from migrate.shim.answers import Answer, Call, Forward, Handler
from migrate.shim.asgi import Body, ClientDisconnected, Message, Receive, Scope, Send, client_gone
from migrate.shim.client_address import ClientAddress
from migrate.shim.clients import LegacyClients
from migrate.shim.events import Event, EventRecorder, EventSink, JsonLinesLog, SQLiteStore
from migrate.shim.headers import Header, deprecation_headers, end_to_end
from migrate.shim.identity import Fingerprinter, identify, load_or_create_key
from migrate.shim.matching import Match, RequestTarget, RouteMatcher, TargetRefused, parse_target, quote_identifier
from migrate.shim.metrics import Kind, MetricsListener, ShimMetrics, health_document, is_reserved, reserved_answer
from migrate.shim.postgres import PostgresStore
from migrate.shim.problems import (
    Problem,
    internal_error,
    invalid_request_target,
    method_not_allowed,
    upstream_failure,
)
from migrate.shim.relay import read_body, relay, request_body
from migrate.shim.resolve import MODEL_BODIES, MODEL_PATH, ModelNames
from migrate.shim.settings import ShimSettings
from migrate.shim.upstream import Upstream, UpstreamError
from migrate.shim.version import VersionGate
from migrate.strategies import STRATEGIES

log = logging.getLogger("migrate.shim")


class _Tracked:
    """`send`, remembering whether the answer has started and with which status."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self._send(message)


def build_recorder(settings: ShimSettings) -> EventRecorder:
    """The store (`settings.events`: SQLite or PostgreSQL) and the JSON event log on stderr (`settings.event_log`)."""
    sinks: list[EventSink] = []
    if isinstance(settings.events, PostgresURL):
        sinks.append(PostgresStore(settings.events))
    elif settings.events is not None:
        sinks.append(SQLiteStore(settings.events))
    if settings.event_log:
        sinks.append(JsonLinesLog(sys.stderr))
    return EventRecorder(sinks)


class ShimApp:
    """The proxy in front of `settings.upstream`, answering deprecated calls for `settings.target`."""

    def __init__(
        self,
        settings: ShimSettings,
        *,
        ruleset: RuleSet | None = None,
        recorder: EventRecorder | None = None,
        fingerprinter: Fingerprinter | None = None,
    ) -> None:
        self.settings = settings
        self.ruleset = ruleset if ruleset is not None else load_rules(list(settings.rule_dirs))
        self.matcher = RouteMatcher(self.ruleset)
        self.handlers: dict[str, Handler] = {
            rule.id: STRATEGIES[rule.targets[settings.target].strategy].answer() for rule in self.ruleset.rules
        }
        self.legacy_clients = LegacyClients(settings.legacy_user_agents)
        #: Read rules whose calls are other traffic here: served (unless on a 0.2-era path), or a route the target
        #: serves in a new shape, translated for legacy clients only (`Rule.reshapes`). A translated read of a
        #: route the target removed is translated for every client: the target's own answer is a bare 404.
        self._served = {rule.id for rule in self.ruleset.rules if rule.targets[settings.target].status == "served"}
        self._reshaped = {rule.id for rule in self.ruleset.rules if rule.reshapes(settings.target)}
        self.upstream = Upstream(settings.upstream)
        self.gate = VersionGate(self.upstream)
        self.models = ModelNames(self.upstream)
        if fingerprinter is None:
            key_path = settings.key_path
            fingerprinter = Fingerprinter(load_or_create_key(key_path) if key_path else secrets.token_bytes(32))
        self.fingerprinter = fingerprinter
        self.client_address = ClientAddress(settings.trusted_proxies)
        self.recorder = recorder if recorder is not None else build_recorder(settings)
        self.metrics = ShimMetrics(
            [rule.id for rule in self.ruleset.rules], settings.target, self.recorder, pool=self.upstream.stats
        )
        self.metrics_listener: MetricsListener | None = None
        if settings.metrics_listen is not None:
            host, port = settings.metrics_listen
            self.metrics_listener = MetricsListener(self.metrics, self.health, host, port)
            self.metrics_listener.start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def aclose(self) -> None:
        """Close the upstream pool, the metrics listener and flush the event sinks."""
        await self.upstream.aclose()
        if self.metrics_listener is not None:
            await asyncio.to_thread(self.metrics_listener.close)
        await asyncio.to_thread(self.recorder.close)

    def health(self) -> bytes:
        """The health document (`metrics.HEALTH_PATH`)."""
        return health_document(self.settings.target, self.recorder)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        tracked = _Tracked(send)
        instance: str | None = None
        kind: Kind | None = "refused"
        try:
            if scope["method"] == "CONNECT":
                await _send_problem(tracked, method_not_allowed("CONNECT"))
                return
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            target = parse_target(raw_path, scope.get("query_string", b""))
            instance = target.raw_path
            if is_reserved(target.path):
                kind = None  # the shim's own paths (scrapes, probes) are not counted
                await self._reserved(scope, tracked, target)
                return
            headers = await self.gate.rewrite(_forwarded_headers(scope))
            match = self.matcher.match(scope["method"], target.path)
            if match is not None and self._other_traffic(match, scope["headers"]):
                match = None
            if match is None:
                kind = "passthrough"
                await self._passthrough(scope, receive, tracked, target, headers)
            else:
                kind = "deprecated"
                await self._deprecated(scope, receive, tracked, target, headers, match)
        except TargetRefused as exc:
            await _send_problem(tracked, invalid_request_target(str(exc)))
        except ClientDisconnected:
            log.info("client disconnected before the exchange was complete")
        except Exception as exc:
            log.error("internal error while handling a request: %s", type(exc).__name__)
            log.debug("internal error", exc_info=True)
            if tracked.status is None:
                await _send_problem(tracked, internal_error(instance))
        finally:
            if kind is not None:
                self.metrics.request_done(kind, tracked.status, time.perf_counter() - started)

    def _other_traffic(self, match: Match, headers: Sequence[Header]) -> bool:
        """Whether a matched read is ordinary traffic on this target, for this client (see the module docstring)."""
        rule_id = match.rule.id
        if rule_id in self._served:
            return not match.route.legacy
        return rule_id in self._reshaped and not self.legacy_clients.legacy(headers)

    async def _reserved(self, scope: Scope, send: _Tracked, target: RequestTarget) -> None:
        accept = dict(scope["headers"]).get(b"accept")
        status, content_type, body, extra = reserved_answer(
            scope["method"],
            target.path,
            None if self.metrics_listener is not None else self.metrics,
            self.health,
            accept.decode("latin-1") if accept is not None else None,
        )
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in extra]
        if scope["method"] == "HEAD":
            headers.append((b"content-length", str(len(body)).encode("ascii")))
            headers.append((b"content-type", content_type.encode("latin-1")))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await _send_body(send, status, content_type.encode("latin-1"), body, headers)

    async def _passthrough(
        self, scope: Scope, receive: Receive, send: _Tracked, target: RequestTarget, headers: list[Header]
    ) -> None:
        complete = asyncio.Event()
        body: Body = request_body(scope, receive, complete)
        upstream_target = target.upstream_target
        if scope["method"] == "POST" and target.path in MODEL_BODIES and self._small_body(scope):
            body = await self._resolved_body(scope, receive, complete)
        elif scope["method"] == "GET" and target.path.startswith(MODEL_PATH):
            upstream_target = await self._resolved_path(scope, target)
        gone = client_gone(scope)
        sent = time.perf_counter()
        try:
            async with self.upstream.request(scope["method"], upstream_target, headers, body, gone) as response:
                self.metrics.upstream_answered("passthrough", time.perf_counter() - sent)
                await relay(response, send, receive, complete, gone=gone)
        except UpstreamError as exc:
            if send.status is None:
                await _send_problem(send, upstream_failure(exc.kind, str(exc), target.raw_path))
            else:
                log.warning("upstream answer to %s %s broke off: %s", scope["method"], target.raw_path, exc)

    def _small_body(self, scope: Scope) -> bool:
        """A body whose length is given and within `--max-body`: read whole to resolve the model it names."""
        declared = dict(scope["headers"]).get(b"content-length")
        return declared is not None and declared.strip().isdigit() and int(declared) <= self.settings.max_body

    async def _resolved_body(self, scope: Scope, receive: Receive, complete: asyncio.Event) -> bytes:
        """The request body, with the model it names resolved to the target's identifier (`resolve`)."""
        body = await read_body(receive, self.settings.max_body)
        complete.set()
        assert body is not None  # the server frames the body by its Content-Length, which `_small_body` checked
        resolved = await self.models.resolve_body(body, dict(scope["headers"]).get(b"authorization"))
        return resolved if resolved is not None else body

    async def _resolved_path(self, scope: Scope, target: RequestTarget) -> str:
        """`GET /v1/models/{name}` with a legacy model name resolved to the target's identifier."""
        name = target.path[len(MODEL_PATH) :].rstrip("/")
        if not name:
            return target.upstream_target
        resolved = await self.models.resolve(name, dict(scope["headers"]).get(b"authorization"))
        if resolved == name:
            return target.upstream_target
        try:
            path = MODEL_PATH + quote_identifier(resolved)
        except TargetRefused:
            return target.upstream_target
        return path + ("?" + target.query.decode("latin-1") if target.query else "")

    async def _deprecated(
        self,
        scope: Scope,
        receive: Receive,
        send: _Tracked,
        target: RequestTarget,
        headers: list[Header],
        match: Match,
    ) -> None:
        started = time.perf_counter()
        rule = match.rule
        plan = rule.targets[self.settings.target]
        outcome: Outcome = "upstream-error"
        upstream_status: int | None = None
        resource_id: str | None = next(iter(match.params.values()), None)
        entry: dict[str, Any] | None = None
        try:
            try:
                body = await self._limited_body(scope, receive)
            except ClientDisconnected:
                outcome = "invalid"
                raise
            if body is None:
                answer: Answer | Forward = _too_large(self.settings.max_body, target.raw_path)
            else:
                call = Call(
                    match=match,
                    plan=plan,
                    target=self.settings.target,
                    path=target.raw_path,
                    query=target.query,
                    body=body,
                    authorization=dict(scope["headers"]).get(b"authorization"),
                    upstream=self.upstream,
                    naming=self.ruleset.naming(rule, self.settings.target),
                    on_unregister=self.settings.on_unregister,
                    models=self.models,
                )
                answer = await self.handlers[rule.id](call)
            resource_id = answer.resource_id or resource_id
            if isinstance(answer, Forward):
                outcome, upstream_status = await self._forward(
                    scope, receive, send, target, headers, answer, body, match
                )
            else:
                outcome, upstream_status, entry = answer.outcome, answer.upstream_status, answer.entry
                extra = deprecation_headers(rule, plan, answer.successor)
                extra += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers]
                await _send_body(send, answer.status, answer.content_type, answer.body, extra)
        finally:
            self._record(scope, target, match, outcome, send.status, upstream_status, resource_id, started, entry)

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: _Tracked,
        target: RequestTarget,
        headers: list[Header],
        forward: Forward,
        body: bytes | None,
        match: Match,
    ) -> tuple[Outcome, int | None]:
        """Relay the call to the upstream; the event's outcome and the upstream's status."""
        plan = match.rule.targets[self.settings.target]
        extra = deprecation_headers(match.rule, plan, forward.successor)
        has_body = any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])
        outgoing = [header for header in headers if header[0] != b"content-length"]
        upstream_target = forward.raw_path + ("?" + target.query.decode("latin-1") if target.query else "")
        complete = asyncio.Event()
        complete.set()
        gone = client_gone(scope)
        sent = time.perf_counter()
        try:
            async with self.upstream.request(
                scope["method"], upstream_target, outgoing, body if has_body else None, gone
            ) as response:
                self.metrics.upstream_answered("deprecated", time.perf_counter() - sent)
                await relay(response, send, receive, complete, extra, gone)
                return "forwarded", response.status
        except UpstreamError as exc:
            if send.status is None:
                problem = upstream_failure(exc.kind, str(exc), target.raw_path)
                await _send_body(send, problem.status, b"application/problem+json", problem.body(), extra)
                return "upstream-error", None
            log.warning("upstream answer to %s %s broke off: %s", scope["method"], target.raw_path, exc)
            return "forwarded", send.status
        except ClientDisconnected:
            log.info("client disconnected before the upstream answered; upstream request closed")
            return "forwarded", None

    async def _limited_body(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.settings.max_body:
            return None
        return await read_body(receive, self.settings.max_body)

    def _record(
        self,
        scope: Scope,
        target: RequestTarget,
        match: Match,
        outcome: Outcome,
        status: int | None,
        upstream_status: int | None,
        resource_id: str | None,
        started: float,
        entry: dict[str, Any] | None = None,
    ) -> None:
        who = identify(scope["headers"], self.fingerprinter)
        client = scope.get("client")
        self.metrics.deprecated_call(match.rule.id, outcome)
        self.recorder.submit(
            Event(
                time=datetime.now(timezone.utc),
                rule_id=match.rule.id,
                target=self.settings.target,
                method=scope["method"],
                path=target.raw_path,
                outcome=outcome,
                status=status or 0,
                upstream_status=upstream_status,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                resource_id=resource_id,
                client_address=self.client_address(str(client[0]) if client else None, scope["headers"]),
                user_agent=who.user_agent,
                sdk_name=who.sdk_name,
                sdk_lang=who.sdk_lang,
                sdk_version=who.sdk_version,
                credential_fingerprint=who.credential_fingerprint,
                entry=entry,
            )
        )


def _forwarded_headers(scope: Scope) -> list[Header]:
    """End-to-end request headers for the upstream: no `Host`, `X-Forwarded-For/-Proto/-Host` added."""
    original: Sequence[Header] = scope["headers"]
    headers = [header for header in end_to_end(original) if header[0] not in _FORWARDED_NAMES]
    client = scope.get("client")
    chain = [value for name, value in original if name == b"x-forwarded-for"]
    if client:
        chain.append(str(client[0]).encode("latin-1"))
    if chain:
        headers.append((b"x-forwarded-for", b", ".join(chain)))
    headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode("latin-1")))
    host = dict(original).get(b"host")
    if host is not None:
        headers.append((b"x-forwarded-host", host))
    return headers


_FORWARDED_NAMES = frozenset({b"host", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})


def _too_large(limit: int, instance: str) -> Answer:
    problem = Problem(
        "body-too-large",
        "Request body too large",
        413,
        f"the body of a deprecated call may have at most {limit} bytes (the shim's --max-body)",
        instance=instance,
    )
    return Answer.problem(problem, "invalid")


async def _send_problem(send: _Tracked, problem: Problem) -> None:
    if send.status is not None:
        return
    extra = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in problem.headers]
    await _send_body(send, problem.status, b"application/problem+json", problem.body(), extra)


async def _send_body(send: _Tracked, status: int, content_type: bytes, body: bytes, extra: list[Header]) -> None:
    headers: list[Header] = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"date", formatdate(usegmt=True).encode("ascii")),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
