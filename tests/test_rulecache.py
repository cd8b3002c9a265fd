"""The bundled rules are validated once and then read from the user's cache, until anything they depend on changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from migrate import rulecache
from migrate.rule_loader import bundled_rules_dir, load_rules

BUNDLED = len(list(bundled_rules_dir().glob("*.toml")))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LLAMA_STACK_MIGRATE_NO_CACHE", raising=False)
    return tmp_path / "llama-stack-migrate" / "rules"


def test_the_second_load_comes_from_the_cache_and_is_the_same(cache: Path) -> None:
    first = load_rules()
    (entry,) = cache.glob("*.pickle")
    written = entry.stat().st_mtime_ns
    second = load_rules()
    assert second == first and second is not first
    assert entry.stat().st_mtime_ns == written  # read, not written again
    assert second.by_id["LSM101"].naming("ogx-1") == first.by_id["LSM101"].naming("ogx-1")


def test_a_changed_rule_file_or_module_is_a_new_key(cache: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), rules)
    before = rulecache._key(rules)
    path = rules / "LSM101_model_register.toml"
    text = path.read_text()
    assert 'summary = "Model registration"' in text
    path.write_text(text.replace('summary = "Model registration"', 'summary = "Changed"'))
    assert rulecache._key(rules) != before
    os.utime(path, ns=(1, 1))
    assert rulecache._key(rules) != before


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01."])  # the last: a pickled int
def test_a_broken_cache_entry_is_validated_again_and_replaced(cache: Path, garbage: bytes) -> None:
    load_rules()
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(garbage)
    assert len(load_rules().rules) == BUNDLED
    assert entry.read_bytes() != garbage


def test_no_cache_when_turned_off_or_when_it_cannot_be_written(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMA_STACK_MIGRATE_NO_CACHE", "1")
    assert len(load_rules().rules) == BUNDLED
    assert not cache.exists()
    monkeypatch.delenv("LLAMA_STACK_MIGRATE_NO_CACHE")
    (tmp_path / "llama-stack-migrate").write_text("a file where the cache folder would go")
    assert len(load_rules().rules) == BUNDLED  # nothing cached, nothing raised


def test_extra_rule_directories_are_never_cached(cache: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    assert len(load_rules([extra]).rules) == BUNDLED
    assert not cache.exists()


def test_the_key_holds_pydantics_version_read_without_importing_it() -> None:
    """A pydantic upgrade may validate differently: a new key. Reading its version must not import it (start-up)."""
    import pydantic

    assert f"VERSION = '{pydantic.VERSION}'" in rulecache._pydantic_version()
