"""`scan` and `fix` over real code: the standard library of every Python 3.10-3.13 under `$(pyenv root)` and
the site-packages of the three server venvs. The engine is `benchmarks/corpus.py` (`--parse-all --plant 0`
runs the full corpus with every file planted; see its docstring); here it runs in CI with:

* all three targets on every file (the real prefilter), the Python matcher on every stdlib file
  (`parse-all`: the prefilter switched off), and a planted `client.models.unregister("x")` in a spread of
  10 files per root plus the files that once tripped fix (libcst's round trip on real code);
* assertions: nothing escapes `fix_file`, every status is a known one, files without an applied rewrite
  come out byte for byte, changed files parse, are idempotent and keep every line outside the rewrites,
  planted files change exactly on the planted line, and every failed file is one that does not compile
  on this Python or that libcst cannot parse, reproduce or recurse through (a refusal that leaves the
  file alone).

Nothing here skips: a missing Python is a failure, and a missing server venv is installed
(`tests/integration/servers.py`; the integration tests need them anyway).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLANTED_PER_ROOT = 10


def _load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llama_stack_migrate_corpus", REPO / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the process pool look the module up by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _report(summary: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\n" + corpus.describe(summary, list_failures=True))


def _assert_sound(summary: Any) -> None:
    assert summary.files > 0, f"{summary.root.path}: no Python files"
    assert summary.problems == [], "\n".join(f"{path}: {problem}" for path, problem in summary.problems)
    reasons = {reason for _, _, reason, _ in summary.failures}
    assert reasons <= corpus.ACCEPTED_REASONS, reasons
    statuses = {status.split(": ", 1)[1] for status in summary.statuses}
    assert statuses <= corpus.STATUSES, statuses


@pytest.mark.parametrize("version", corpus.STDLIB_VERSIONS)
def test_standard_library(version: str, capsys: pytest.CaptureFixture[str]) -> None:
    roots = corpus.stdlib_roots((version,))
    assert roots, f"no Python {version} under {corpus.pyenv_root() / 'versions'}"
    for root in roots:
        summary = corpus.run_root(root, parse_all=True, plant=PLANTED_PER_ROOT)
        _report(summary, capsys)
        _assert_sound(summary)
        # The matcher really ran on every file, and the planted files really were rewritten.
        assert (
            summary.statuses[f"{corpus.PARSE_ALL}: unchanged"] + summary.statuses[f"{corpus.PARSE_ALL}: failed"]
            == summary.files
        )
        assert summary.statuses[f"{corpus.PLANT}: changed"] >= PLANTED_PER_ROOT - 2
        # Only the deliberately broken test data of the stdlib fails to parse on the running Python.
        syntax = {path for path, _, reason, _ in summary.failures if reason == corpus.SYNTAX}
        allowed = ("lib2to3/tests/data/", "test/tokenizedata/", "test/bad", "test/test_lib2to3/data/")
        newer = version > f"{sys.version_info.major}.{sys.version_info.minor}"
        assert newer or all(path.startswith(allowed) for path in syntax), sorted(syntax)


@pytest.fixture(scope="module")
def server_roots() -> list[Any]:
    roots = corpus.server_roots(install=True)
    assert len(roots) >= 3, roots
    return roots


@pytest.mark.parametrize("index", range(3), ids=["legacy-0.3.5", "llama-stack-0.7.3", "ogx-1.5.0"])
def test_server_site_packages(server_roots: list[Any], index: int, capsys: pytest.CaptureFixture[str]) -> None:
    summary = corpus.run_root(server_roots[index], plant=PLANTED_PER_ROOT)
    _report(summary, capsys)
    _assert_sound(summary)
    # The SDK inside each venv uses the deprecated routes itself: fix has real work there.
    assert any(status.endswith(": changed") for status in summary.statuses), summary.statuses
