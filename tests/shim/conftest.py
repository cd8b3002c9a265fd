"""Fixtures for the shim: a real upstream on a port, and the shim in-process or on a port of its own."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from migrate.legacy_spec import legacy_spec
from migrate.shim.app import ShimApp
from migrate.shim.server import server_config
from migrate.shim.settings import ShimSettings
from migrate.shim.upstream import UpstreamConfig
from migrate.targets import TargetName
from tests.shim.postgres_server import PostgresCluster, postgres_cluster
from tests.shim.upstream import FakeUpstream, serve

T = TypeVar("T")
_DATABASES = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: runs real Llama Stack / OGX servers (Python 3.12 venvs, cached; first run installs them)",
    )


#: The address the in-process client appears to come from.
CLIENT_ADDRESS = "203.0.113.7"


def run(coroutine: Awaitable[T]) -> T:
    """Run one test scenario on a fresh event loop."""

    async def wrapper() -> T:
        return await coroutine

    return asyncio.run(wrapper())


@pytest.fixture
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream()
    with serve(fake) as url:
        yield fake, url


def settings_for(url: str, target: TargetName = "llama-stack-0.7", **options: Any) -> ShimSettings:
    options.setdefault("event_log", False)
    upstream_options = ("read_timeout", "connect_timeout", "pool_timeout", "max_connections")
    timeouts = {name: options.pop(name) for name in upstream_options if name in options}
    return ShimSettings(upstream=UpstreamConfig(url, **timeouts), target=target, **options)


@asynccontextmanager
async def shim_client(settings: ShimSettings) -> AsyncIterator[tuple[httpx.AsyncClient, ShimApp]]:
    """The shim in-process (httpx.ASGITransport); the app is closed (events flushed) on exit."""
    app = ShimApp(settings)
    transport = httpx.ASGITransport(app=app, client=(CLIENT_ADDRESS, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shim.test") as client:
            yield client, app
    finally:
        await app.aclose()


@contextmanager
def shim_server(settings: ShimSettings) -> Iterator[tuple[str, ShimApp]]:
    """The shim for real: on a free port, with the uvicorn configuration of the `shim` command (`server_config`)."""
    app = ShimApp(settings)
    with serve(app, config=server_config(app, host="127.0.0.1", port=0, log_level="warning")) as url:
        yield url, app


@pytest.fixture
def events_db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "events.sqlite3"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster shared by the session's tests (each uses a database of its own)."""
    with postgres_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_db(postgres: PostgresCluster, request: pytest.FixtureRequest) -> str:
    """A new empty database in the session's cluster; its URL (with the password)."""
    name = "".join(char if char.isalnum() else "_" for char in request.node.name.lower())[:40]
    return postgres.create_database(f"t{next(_DATABASES)}_{name}")


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    """A cluster of the test's own, for tests that stop or restart the server."""
    with postgres_cluster() as cluster:
        yield cluster


DOCS = "https://github.com/llamastack/llama-stack/commit/fadf17daf"
DEPRECATED_2025_11_10 = "@1762732800"
SUNSET_2026_04 = "Wed, 01 Apr 2026 00:00:00 GMT"
SUNSET_2026_05 = "Fri, 01 May 2026 00:00:00 GMT"

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "pattern": "^tag:llama-stack-migrate,2026:problem/[a-z-]+$"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


def assert_legacy_shape(schema_name: str, document: Any) -> None:
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(legacy_spec(), default_specification=DRAFT202012)
    )
    validator = Draft202012Validator({"$ref": f"urn:spec#/components/schemas/{schema_name}"}, registry=registry)
    assert list(validator.iter_errors(document)) == []


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert list(Draft202012Validator(PROBLEM_SCHEMA).iter_errors(problem)) == []
    assert problem["status"] == status
    assert problem["type"] == f"tag:llama-stack-migrate,2026:problem/{slug}"
    return problem


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll `condition` until it holds; fail after `seconds` (generous: a condition, never a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def sample(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample of a scrape (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0
