"""Session fixtures: one real server per generation, installed and started only when a test asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import LEGACY, LLAMA_STACK_07, OGX, RunningServer, ServerSpec

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: runs real Llama Stack / OGX servers (Python 3.12 venvs, cached; first run installs them)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/integration carries the `integration` marker (deselect with -m 'not integration')."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _serve(spec: ServerSpec, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    state = tmp_path_factory.mktemp(f"server-{spec.name}")
    with RunningServer(spec, state_dir=state) as server:
        yield server


@pytest.fixture(scope="session")
def legacy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """llama-stack 0.3.5 (all twelve deprecated routes served), template config; llama-stack-client 0.3.5."""
    yield from _serve(LEGACY, tmp_path_factory)


@pytest.fixture(scope="session")
def ls07_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """llama-stack 0.7.3 (models POST/DELETE 405, toolgroups 404), template config; llama-stack-client 0.7.3."""
    yield from _serve(LLAMA_STACK_07, tmp_path_factory)


@pytest.fixture(scope="session")
def ogx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """ogx 1.5.0 (models POST/DELETE 405, other resource APIs gone), template config; ogx-client 1.5.0."""
    yield from _serve(OGX, tmp_path_factory)
