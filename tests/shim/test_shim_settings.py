"""`ShimSettings` checks its options as a whole wherever it is built, not only in the `shim` command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migrate.errors import MigrateError
from migrate.shim.postgres import PostgresURL
from migrate.shim.settings import ShimSettings
from migrate.shim.upstream import UpstreamConfig

STORE = PostgresURL("postgresql://shim@127.0.0.1:5432/events")


def settings(upstream: str = "http://127.0.0.1:8321", **options: Any) -> ShimSettings:
    return ShimSettings(upstream=UpstreamConfig(upstream), target="ogx-1", **options)


def test_a_postgresql_store_needs_a_shared_fingerprint_key(tmp_path: Path) -> None:
    with pytest.raises(MigrateError, match=r"--events postgresql://\.\.\. needs --fingerprint-key FILE"):
        settings(events=STORE)
    assert settings(events=STORE, fingerprint_key=tmp_path / "key").key_path == tmp_path / "key"


def test_an_sqlite_store_keeps_its_key_beside_it(tmp_path: Path) -> None:
    assert settings(events=tmp_path / "events.sqlite3").key_path == tmp_path / "events.sqlite3.key"


@pytest.mark.parametrize(
    ("upstream", "listen"),
    [
        ("http://127.0.0.1:8322", ("127.0.0.1", 8322)),
        ("http://localhost:8322/", ("127.0.0.1", 8322)),
        ("http://127.0.0.1:8322", ("localhost", 8322)),
        ("http://[::1]:8322", ("127.0.0.2", 8322)),
        ("https://shim.example:8322", ("shim.example", 8322)),
    ],
)
def test_the_upstream_cannot_be_the_shims_own_address(upstream: str, listen: tuple[str, int]) -> None:
    with pytest.raises(MigrateError, match=r"is the shim's own address .*: it would proxy to itself"):
        settings(upstream, listen=listen)


@pytest.mark.parametrize(
    ("upstream", "listen"),
    [
        ("http://127.0.0.1:8321", ("127.0.0.1", 8322)),
        ("http://10.0.0.5:8322", ("127.0.0.1", 8322)),
        ("http://127.0.0.1:8322", None),  # a test or another server runs the app: its address is not known
    ],
)
def test_another_upstream_is_accepted(upstream: str, listen: tuple[str, int] | None) -> None:
    assert settings(upstream, listen=listen).listen == listen


def test_the_metrics_cannot_listen_on_the_shims_own_address() -> None:
    with pytest.raises(MigrateError, match=r"^--metrics-listen \[::1\]:9000 is the shim's own address \[::1\]:9000$"):
        settings(listen=("::1", 9000), metrics_listen=("::1", 9000))
    assert settings(listen=("::1", 9000), metrics_listen=("::1", 9001)).metrics_listen == ("::1", 9001)


@pytest.mark.parametrize(
    ("upstream", "message"),
    [
        ("ftp://example.org", "must be an http:// or https:// URL with a host"),
        ("http://user:secret@example.org", "must not have a query, a fragment or credentials"),
    ],
)
def test_the_upstream_must_be_a_plain_http_url(upstream: str, message: str) -> None:
    with pytest.raises(MigrateError, match=message):
        settings(upstream)


def test_the_body_limit_cannot_be_negative() -> None:
    with pytest.raises(MigrateError, match="cannot be negative"):
        settings(max_body=-1)
