"""The paths a git work tree tracks, read from its index file, without running git.

Discovery needs one fact from git: is this path, which `.gitignore` matches, tracked anyway (git
never ignores a tracked file)? The index (`.git/index`) answers it, and reading it ourselves keeps
discovery free of a subprocess per repository, works where git is not installed, and cannot run
anything a repository's own `.git/config` asks git to run (`core.fsmonitor` hooks, for one), which
matters when scanning untrusted checkouts.

Supported: index versions 2, 3 and 4 (v4 compresses each path against the previous one), SHA-1 and
SHA-256 repositories, a split index (`link` extension: the shared index's paths are added), a sparse
index (a directory entry, mode 040000, stands for everything below it), and work trees whose `.git`
is a file (`gitdir: ...`, as in linked worktrees and submodules). Paths are returned as git stores
them: relative to the work tree, `/`-separated.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field

__all__ = ["GitIndexError", "TrackedPaths", "git_dir_of", "read_tracked_paths"]

_SIGNATURE = b"DIRC"
_HEADER = struct.Struct(">4sII")
_STAT_BYTES = 40  # ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size
_MODE = struct.Struct(">I")
_FLAGS = struct.Struct(">H")
_WORD = struct.Struct(">I")
_EXTENDED_FLAG = 0x4000
_DIRECTORY_MODE = 0o040000
_SHA256_CONFIG = re.compile(rb"^\s*objectformat\s*=\s*sha256\s*$", re.IGNORECASE | re.MULTILINE)


class GitIndexError(ValueError):
    """The index file exists but is not one this reader understands."""


@dataclass(frozen=True)
class TrackedPaths:
    """The tracked paths of one work tree, with the directories that hold them.

    `files` holds every tracked path; `directories` every directory (with a trailing `/`) that has
    a tracked path below it; `sparse` the directory entries of a sparse index (with a trailing `/`).
    """

    files: frozenset[str]
    sparse: tuple[str, ...] = ()
    directories: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        directories: set[str] = set()
        for path in (*self.files, *self.sparse):
            end = path.rfind("/", 0, len(path) - 1 if path.endswith("/") else len(path))
            while end > 0:
                parent = path[: end + 1]
                if parent in directories:
                    break
                directories.add(parent)
                end = path.rfind("/", 0, end)
        directories.update(self.sparse)
        object.__setattr__(self, "directories", frozenset(directories))

    def tracks(self, path: str) -> bool:
        """Whether the file at `path` (relative to the work tree) is tracked."""
        return path in self.files or any(path.startswith(prefix) for prefix in self.sparse)

    def tracks_below(self, directory: str) -> bool:
        """Whether anything below `directory` (relative, with a trailing `/`) is tracked."""
        return directory in self.directories or any(directory.startswith(prefix) for prefix in self.sparse)


def git_dir_of(work_tree: str) -> str | None:
    """The git directory of a work tree root: `.git`, or where a `.git` file points; None if neither."""
    dot_git = os.path.join(work_tree, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as handle:
            first = handle.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    target = first[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(work_tree, target))


def read_tracked_paths(git_dir: str) -> TrackedPaths:
    """Every path the index of `git_dir` tracks. A missing index tracks nothing.

    Raises OSError when the index cannot be read and GitIndexError when it is not understood.
    """
    index = os.path.join(git_dir, "index")
    try:
        with open(index, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return TrackedPaths(frozenset())
    hash_size = _hash_size(git_dir)
    parsed = _parse(data, hash_size)
    files, sparse = set(parsed.files), list(parsed.sparse)
    if parsed.link is not None:
        try:
            with open(os.path.join(git_dir, f"sharedindex.{parsed.link.shared}"), "rb") as handle:
                shared = _parse(handle.read(), hash_size)
        except FileNotFoundError as exc:
            raise GitIndexError(f"split index: sharedindex.{parsed.link.shared} is missing") from exc
        files.update(path for number, path in enumerate(shared.files) if number not in parsed.link.deleted)
        sparse += shared.sparse
    files.discard("")  # a split index's entries that replace a shared entry have no name
    return TrackedPaths(frozenset(files), tuple(sparse))


def _hash_size(git_dir: str) -> int:
    """20 for SHA-1 repositories, 32 for SHA-256 ones (`extensions.objectformat` in the config)."""
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common = os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except OSError:
        pass
    try:
        with open(os.path.join(common, "config"), "rb") as handle:
            config = handle.read()
    except OSError:
        return 20
    return 32 if _SHA256_CONFIG.search(config) else 20


@dataclass(frozen=True)
class _Link:
    """A split index's `link` extension: the shared index's name and which of its entries are deleted.

    The shared index's entries are numbered in file order, sparse directory entries included; this
    reader keeps no sparse entries in a shared index apart (git writes none there).
    """

    shared: str
    deleted: frozenset[int]


@dataclass(frozen=True)
class _Parsed:
    """One index file: its file paths, its sparse directory entries, the shared index it links to."""

    files: list[str]
    sparse: list[str]
    link: _Link | None


def _parse(data: bytes, hash_size: int) -> _Parsed:
    """Parse an index file's bytes; raises GitIndexError for anything but a sound v2-v4 index."""
    if len(data) < _HEADER.size + hash_size:
        raise GitIndexError("truncated index")
    signature, version, count = _HEADER.unpack_from(data)
    if signature != _SIGNATURE:
        raise GitIndexError("not a git index (bad signature)")
    if version not in (2, 3, 4):
        raise GitIndexError(f"unsupported index version {version}")
    files: list[str] = []
    sparse: list[str] = []
    position = _HEADER.size
    fixed = _STAT_BYTES + hash_size
    previous = b""
    try:
        for _ in range(count):
            (mode,) = _MODE.unpack_from(data, position + 24)
            (flags,) = _FLAGS.unpack_from(data, position + fixed)
            name_start = position + fixed + 2 + (2 if version >= 3 and flags & _EXTENDED_FLAG else 0)
            if version == 4:
                strip, name_start = _varint(data, name_start)
                end = data.index(b"\0", name_start)
                name = previous[: len(previous) - strip] + data[name_start:end]
                position = end + 1
            else:
                end = data.index(b"\0", name_start)
                name = data[name_start:end]
                position += (end - position + 8) // 8 * 8  # NUL-padded to a multiple of 8 bytes
            previous = name
            path = name.decode("utf-8", errors="surrogateescape")
            if mode & 0o170000 == _DIRECTORY_MODE:
                sparse.append(path if path.endswith("/") else path + "/")
            else:
                files.append(path)
    except (struct.error, IndexError, ValueError) as exc:
        raise GitIndexError("truncated index entry") from exc
    try:
        link = _link_extension(data, position, hash_size)
    except (struct.error, IndexError) as exc:
        raise GitIndexError("truncated index extension") from exc
    return _Parsed(files, sparse, link)


def _link_extension(data: bytes, position: int, hash_size: int) -> _Link | None:
    """The split-index `link` extension among the extensions starting at `position`, or None."""
    end = len(data) - hash_size
    while position + 8 <= end:
        signature = data[position : position + 4]
        (size,) = _WORD.unpack_from(data, position + 4)
        if signature == b"link":
            start = position + 8
            shared = data[start : start + hash_size].hex()
            deleted: frozenset[int] = frozenset()
            if size > hash_size:  # the delete bitmap, then the replace bitmap (not needed here)
                deleted = _ewah_bits(data, start + hash_size)
            return _Link(shared, deleted)
        position += 8 + size
    return None


def _ewah_bits(data: bytes, position: int) -> frozenset[int]:
    """The set bits of an EWAH-compressed bitmap (git's `ewah/ewah_io.c` layout, big-endian).

    A run-length word holds the running bit (bit 0), the run's length in words (bits 1-32) and the
    number of literal words that follow it (bits 33-63); bit n of the bitmap is bit n % 64 of
    word n // 64.
    """
    bit_size, count = struct.unpack_from(">II", data, position)
    words = struct.unpack_from(f">{count}Q", data, position + 8)
    bits: set[int] = set()
    word_at = 0
    index = 0
    while index < count:
        marker = words[index]
        index += 1
        run = (marker >> 1) & 0xFFFFFFFF
        if marker & 1:
            bits.update(range(word_at * 64, (word_at + run) * 64))
        word_at += run
        for _ in range(marker >> 33):
            literal = words[index]
            index += 1
            while literal:
                lowest = literal & -literal
                bits.add(word_at * 64 + lowest.bit_length() - 1)
                literal ^= lowest
            word_at += 1
    return frozenset(bit for bit in bits if bit < bit_size)


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """Git's offset varint (index v4 path compression): (value, position after it)."""
    byte = data[position]
    value = byte & 0x7F
    while byte & 0x80:
        position += 1
        byte = data[position]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, position + 1
