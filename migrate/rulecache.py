"""A cache of the validated bundled rules: a commit hook's scan of one file should not re-validate them.

Validating the rule files imports pydantic and builds its validators for the whole rule model, most of
what a scan of one small file would cost; the pickled rules are plain dataclasses, which load without it.
The result depends only on the rule files and the code that reads them, so it is kept, pickled, under
`$XDG_CACHE_HOME/llama-stack-migrate/rules/` (`~/.cache/...`), keyed by the package version, the Python
and pydantic versions (pydantic's read from its `version.py`, not imported), and the size and
modification time of every bundled rule file and every module of the package. Only the bundled rules are
cached (`--rules DIR` loads as before). Anything wrong with the cache (missing, unreadable, written by
another version, a read-only home) means the rules are validated as usual; `LLAMA_STACK_MIGRATE_NO_CACHE=1`
turns it off. Like any file in the user's own cache folder, it is trusted as much as the user's home is.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from migrate import __version__

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent
#: Entries kept (several checkouts or versions of the tool may share one cache folder).
_KEPT = 8


def cached(rules_dir: Path, load: Callable[[], T], kind: type[T]) -> T:
    """`load()`, or what it returned before for the same rule files and code."""
    folder = _folder()
    if folder is None:
        return load()
    path = folder / f"{_key(rules_dir)}.pickle"
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
        if isinstance(found, kind):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = load()
    _store(folder, path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def _folder() -> Path | None:
    if os.environ.get("LLAMA_STACK_MIGRATE_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llama-stack-migrate" / "rules"


def _key(rules_dir: Path) -> str:
    parts = [__version__, sys.version, _pydantic_version(), str(_PACKAGE)]
    stamps = [*_stamps(str(rules_dir), ".toml", recursive=False), *_stamps(str(_PACKAGE), ".py", recursive=True)]
    parts += sorted(stamps)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _stamps(folder: str, suffix: str, *, recursive: bool) -> list[str]:
    """`path:size:mtime` of each file named `*suffix` in `folder` (with `os.scandir`: `Path.rglob` is slower)."""
    found: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                found += _stamps(entry.path, suffix, recursive=True) if recursive else []
            elif entry.name.endswith(suffix):
                stat = entry.stat()
                found.append(f"{entry.path}:{stat.st_size}:{stat.st_mtime_ns}")
    return found


def _pydantic_version() -> str:
    """The text of the installed pydantic's `version.py` (its `VERSION`), found without importing pydantic."""
    spec = importlib.util.find_spec("pydantic")
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        return "pydantic not found"
    try:
        return (Path(next(iter(folders))) / "version.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "pydantic's version.py unreadable"


def _store(folder: Path, path: Path, data: bytes) -> None:
    """Write the cache atomically and keep the newest few entries; a cache that cannot be written is no error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{path.name}.{os.getpid()}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, path)
        entries = sorted(folder.glob("*.pickle"), key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for old in entries[_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
