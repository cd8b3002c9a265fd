"""File discovery: turn the command-line PATH arguments into the sorted list of files to scan.

The behaviour follows ruff and ripgrep:

* A PATH that names a file is scanned when its language is known, even if `.gitignore`, the default
  excludes or `exclude` would skip it during a walk (ruff without `--force-exclude`). A file with
  no known language is reported as "unsupported file type"; a missing PATH as "no such file or
  directory". Neither stops discovery.
* A PATH that names a directory is walked recursively with `os.scandir`, skipping the default
  excluded directories (VCS metadata, virtualenvs, caches, build output), any directory holding a
  `pyvenv.cfg`, paths matched by `exclude` (gitignore syntax, relative to the PATH) and, when
  `respect_gitignore` is set, paths ignored by git: each walked directory's `.gitignore`, the
  `.gitignore` files of the parent directories up to the repository root and `.git/info/exclude`.
  A nested repository (a walked directory holding `.git`) starts afresh: the ignore files above it
  no longer apply, as in git and ripgrep. Inside a git work tree a file that git tracks is scanned
  even when an ignore file matches it (git never ignores a tracked file: like `git ls-files
  --cached --others --exclude-standard`); an ignored directory is entered only for its tracked
  files. What is tracked is read from the repository's index (`migrate.git_index`), once per
  repository and only when an ignore rule has matched something in it.
* Symbolic links are followed only when their target lies inside the PATH they were found under.
  Every real file and directory is visited once (which also ends symlink loops); a file reachable
  both directly and through a link is reported under its direct path.
* Only the first 128 bytes of extension-less regular files are ever read (the shebang probe); FIFOs,
  sockets and devices met during a walk are skipped without being opened.

Nothing here shells out to git: the ignore files are read and matched with `pathspec`, the index
with `migrate.git_index`.
"""

from __future__ import annotations

import os
import re
import stat
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

from migrate import sources

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec
from migrate.errors import MigrateError
from migrate.git_index import GitIndexError, TrackedPaths, git_dir_of, read_tracked_paths
from migrate.rules import Language

__all__ = ["Discovery", "SourceFile", "discover", "language_of"]

_DEFAULT_EXCLUDED_DIRS: Final[frozenset[str]] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        ".ipynb_checkpoints",
    }
)
_SHEBANG_PROBE_BYTES: Final = 128
_NAMED_GROUP: Final = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_ANY_DEPTH: Final = "^(?:.+/)?"  # how pathspec starts the regex of a pattern without a slash


@dataclass(frozen=True)
class SourceFile:
    """One file to scan.

    `path` is the path to open, built from the PATH argument it was found under; `display` is the
    POSIX-style path shown to users (relative to the working directory when the file is inside it,
    otherwise as built from the argument); `language` selects the scanner.
    """

    path: Path
    display: str
    language: Language


@dataclass(frozen=True)
class Discovery:
    """The outcome of `discover`.

    `files` is sorted by display path and holds each real file once; `errors` holds
    `(display path, message)` for PATH arguments and directories or files that could not be read.
    """

    files: list[SourceFile]
    errors: list[tuple[str, str]]


def language_of(path: Path) -> Language | None:
    """Return the language `path` is scanned as, or None when it is not scanned.

    The file name decides first (extension, or well-known names such as `Makefile` and
    `Dockerfile.*`); an extension-less regular file is then identified by its `#!` line. A file that
    cannot be read, or is not a regular file, has no language.
    """
    name = path.name
    language = _language_by_name(name)
    if language is not None or not _needs_probe(name):
        return language
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return _probe_shebang(path)
    except OSError:
        return None


def discover(
    paths: Sequence[Path],
    *,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    cwd: Path | None = None,
) -> Discovery:
    """Expand the PATH arguments into the files to scan; see the module docstring for the rules.

    `exclude` holds gitignore-style patterns matched against paths relative to each directory
    argument. Problems with individual paths are collected in `Discovery.errors`; only an invalid
    `exclude` pattern raises (`MigrateError`).
    """
    exclude_spec = _compile_excludes(exclude)
    walker = _Walker(
        cwd=Path.cwd() if cwd is None else cwd,
        exclude=exclude_spec,
        respect_gitignore=respect_gitignore,
    )
    for path in paths:
        walker.add_argument(path)
    return walker.result()


# --------------------------------------------------------------------------------------- languages


def _language_by_name(name: str) -> Language | None:
    """The language implied by a file name alone (no file access)."""
    return sources.language_of_name(name)


def _needs_probe(name: str) -> bool:
    """Whether a file whose name says nothing is extension-less, so its shebang decides."""
    return os.path.splitext(name)[1] == ""


def _probe_shebang(path: str | Path) -> Language | None:
    """Read the first bytes of a regular file and classify its `#!` line; raises OSError."""
    with open(path, "rb") as handle:
        head = handle.read(_SHEBANG_PROBE_BYTES)
    return _shebang_language(head)


def _shebang_language(head: bytes) -> Language | None:
    """Classify a `#!` line by the surfaces' interpreters (`migrate.sources`).

    `#!/usr/bin/env [-S] [VAR=value] interpreter` is looked through to the interpreter.
    """
    if not head.startswith(b"#!"):
        return None
    words = [word.rsplit("/", 1)[-1] for word in head[2:].split(b"\n", 1)[0].decode("latin-1").split()]
    if not words:
        return None
    program = words[0]
    if program == "env":
        rest = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
        program = rest[0] if rest else ""
    # The program run, else an interpreter named further on (`#!/usr/bin/env -S uv run python`).
    for candidate in (program, *words):
        language = sources.language_of_program(candidate)
        if language is not None:
            return language
    return None


# ------------------------------------------------------------------------------------ ignore rules


class _Rules(NamedTuple):
    """One compiled ignore file (or the `exclude` patterns) and where its patterns are anchored.

    A path relative to the walked root is matched as `lead + rel[strip:]`: `strip` drops the part
    above the directory holding the ignore file, `lead` adds the part between that directory and the
    root when the file sits above the root. `quick` is one regex uniting all patterns: when it does
    not match, no pattern does, and the (slower) per-pattern check is skipped.
    """

    spec: GitIgnoreSpec
    quick: re.Pattern[str] | None
    lead: str
    strip: int


def _compile_rules(lines: Iterable[str], *, lead: str = "", strip: int = 0) -> _Rules | None:
    """Compile gitignore lines, dropping the invalid ones as git does; None when nothing remains."""
    from pathspec import GitIgnoreSpec  # only a walk or --exclude needs it: scanning one file does not

    lines = list(lines)
    try:
        spec = GitIgnoreSpec.from_lines(lines)
    except ValueError:
        spec = GitIgnoreSpec.from_lines(line for line in lines if _valid_pattern(line))
    active = [pattern for pattern in spec.patterns if pattern.include is not None]
    if not active:
        return None
    return _Rules(spec, _union_regex(active), lead, strip)


def _valid_pattern(line: str) -> bool:
    """Whether pathspec accepts one gitignore line."""
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _union_regex(patterns: Iterable[object]) -> re.Pattern[str] | None:
    """One regex matching exactly when one of the patterns' regexes does, or None if unusable.

    Named groups are made anonymous so the alternation compiles; the "at any depth" prefix most
    gitignore regexes share is factored out of the alternation, which keeps the scan linear.
    """
    anywhere: list[str] = []
    others: list[str] = []
    for pattern in patterns:
        regex = getattr(pattern, "regex", None)
        source = getattr(regex, "pattern", None)
        if not isinstance(source, str):
            return None
        source = _NAMED_GROUP.sub("(?:", source)
        if source.startswith(_ANY_DEPTH):
            anywhere.append(source[len(_ANY_DEPTH) :])
        else:
            others.append(source)
    sources = [f"(?:{source})" for source in others]
    if anywhere:
        sources.append(_ANY_DEPTH + "(?:" + "|".join(f"(?:{source})" for source in anywhere) + ")")
    try:
        return re.compile("|".join(sources))
    except re.error:
        return None


def _compile_excludes(exclude: Sequence[str]) -> _Rules | None:
    """Compile the user's `exclude` patterns; an invalid one is a usage error."""
    if not exclude:
        return None
    for pattern in exclude:
        if not _valid_pattern(pattern):
            raise MigrateError(f"invalid exclude pattern {pattern!r}")
    return _compile_rules(exclude)


def _verdict(rules: _Rules, rel: str) -> bool | None:
    """True if `rules` ignore the root-relative `rel`, False if they re-include it, None if silent."""
    path = rules.lead + rel[rules.strip :]
    if rules.quick is not None and rules.quick.search(path) is None:
        return None
    return rules.spec.check_file(path).include


def _excluded(rel: str, exclude: _Rules | None) -> bool:
    """Whether `rel` (with a trailing `/` for directories) matches the user's `exclude` patterns."""
    return exclude is not None and bool(_verdict(exclude, rel))


def _git_ignored(rel: str, ignores: tuple[_Rules, ...]) -> bool:
    """Whether the ignore files ignore `rel` (with a trailing `/` for directories).

    The deepest ignore file with an opinion decides, as in git.
    """
    for rules in reversed(ignores):
        verdict = _verdict(rules, rel)
        if verdict is not None:
            return verdict
    return False


class _Repository:
    """A git work tree met during a walk; its tracked paths are read when first asked for."""

    def __init__(self, work_tree: str, display: str) -> None:
        self._work_tree = work_tree
        self.display = display  # of the work tree, for error messages
        self._tracked: TrackedPaths | None = None
        self.error: str | None = None  # why the index could not be read, once it was tried

    def tracked(self) -> TrackedPaths:
        """The tracked paths; none (and `error` set) when the index cannot be read."""
        if self._tracked is None:
            git_dir = git_dir_of(self._work_tree)
            try:
                self._tracked = read_tracked_paths(git_dir) if git_dir else TrackedPaths(frozenset())
            except (OSError, GitIndexError) as exc:
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.error = (
                    f"cannot read the git index ({message.lower()}); "
                    "ignored files are skipped even where git tracks them"
                )
                self._tracked = TrackedPaths(frozenset())
        return self._tracked


class _InRepository(NamedTuple):
    """Where a walked directory lies in its git work tree: a root-relative `rel` is `lead + rel[strip:]`."""

    repository: _Repository
    lead: str
    strip: int

    def path(self, rel: str) -> str:
        return self.lead + rel[self.strip :]


# ------------------------------------------------------------------------------------------ walker


class _Dir(NamedTuple):
    """A directory waiting to be listed."""

    path: str  # the path to open, built from the argument
    real: str  # its resolved path
    rel: str  # relative to the root, with a trailing "/" ("" for the root itself)
    ignores: tuple[_Rules, ...]  # ignore files in force, outermost first
    via_link: bool  # reached through a symbolic link below the root
    repository: _InRepository | None  # the git work tree it lies in
    tracked_only: bool  # ignored by git: only its tracked files count


class _Root(NamedTuple):
    """A directory PATH argument being walked."""

    display: str  # display path of the root itself
    real: str  # resolved path; links must stay inside it
    inside: str  # `real` with a trailing separator, for containment tests
    display_prefix: str  # prepended to root-relative paths to form display paths


class _Found(NamedTuple):
    """A file accepted for scanning, with what decides between duplicates of one real file."""

    via_link: bool
    file: SourceFile


def _inside(path: str, prefix: str) -> bool:
    """Whether `path` is the directory `prefix` (which ends with a separator) or below it."""
    return path.startswith(prefix) or path + os.sep == prefix


def _with_sep(path: str) -> str:
    """`path` with exactly one trailing separator."""
    return path if path.endswith(os.sep) else path + os.sep


def _os_message(exc: OSError) -> str:
    """A short lower-case message for an OS error, without the path."""
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


def _posix(path: str) -> str:
    """`path` with forward slashes."""
    return path.replace(os.sep, "/") if os.sep != "/" else path


class _Walker:
    """Collects files and errors over all PATH arguments."""

    def __init__(self, *, cwd: Path, exclude: _Rules | None, respect_gitignore: bool) -> None:
        """Prepare an empty collection; `cwd` anchors display paths."""
        self._cwd_abs = _with_sep(os.path.abspath(cwd))
        self._cwd_real = _with_sep(os.path.realpath(cwd))
        self._exclude = exclude
        self._gitignore = respect_gitignore
        self._found: dict[str, _Found] = {}
        self._errors: dict[str, str] = {}

    def result(self) -> Discovery:
        """The files sorted by display path, and the errors sorted likewise."""
        files = sorted((found.file for found in self._found.values()), key=lambda file: file.display)
        return Discovery(files=files, errors=sorted(self._errors.items()))

    # ------------------------------------------------------------------------- arguments

    def add_argument(self, path: Path) -> None:
        """Handle one PATH argument: a file, a directory to walk, or an error."""
        given = os.fspath(path)
        display = self._display(given)
        try:
            mode = os.stat(given).st_mode
        except OSError as exc:
            self._error(display, exc)
            return
        if stat.S_ISDIR(mode):
            self._walk_root(given, display)
        elif stat.S_ISREG(mode):
            self._add_explicit_file(given, display)
        else:
            self._errors.setdefault(display, "not a regular file or directory")

    def _add_explicit_file(self, given: str, display: str) -> None:
        """A file named on the command line: scanned whenever its language is known."""
        name = os.path.basename(given)
        language = _language_by_name(name)
        if language is None and _needs_probe(name):
            try:
                language = _probe_shebang(given)
            except OSError as exc:
                self._error(display, exc)
                return
        if language is None:
            self._errors.setdefault(display, "unsupported file type")
            return
        self._add(os.path.realpath(given), given, display, language, via_link=os.path.islink(given))

    def _display(self, given: str) -> str:
        """Display form of a path: relative to the cwd when inside it, else as given (POSIX)."""
        absolute = os.path.abspath(given)
        if _inside(absolute, self._cwd_abs):
            return _posix(os.path.relpath(absolute, self._cwd_abs))
        real = os.path.realpath(given)
        if _inside(real, self._cwd_real):
            return _posix(os.path.relpath(real, self._cwd_real))
        return Path(given).as_posix()

    # ------------------------------------------------------------------------- walking

    def _walk_root(self, given: str, display: str) -> None:
        """Walk one directory argument: real directories first, then the symlinked ones."""
        real = os.path.realpath(given)
        prefix = "" if display == "." else display.rstrip("/") + "/"
        root = _Root(display=display, real=real, inside=_with_sep(real), display_prefix=prefix)
        ignores, repository = self._parent_ignores(real) if self._gitignore else ((), None)
        pending = [_Dir(given, real, "", ignores, False, repository, tracked_only=False)]
        linked: deque[_Dir] = deque()
        visited: set[str] = set()
        while pending or linked:
            directory = pending.pop() if pending else linked.popleft()
            if directory.real in visited:
                continue
            visited.add(directory.real)
            self._walk_dir(root, directory, pending, linked)

    def _walk_dir(self, root: _Root, directory: _Dir, pending: list[_Dir], linked: deque[_Dir]) -> None:
        """List one directory: queue its subdirectories and accept its files."""
        try:
            with os.scandir(directory.path) as iterator:
                entries = sorted(iterator, key=lambda entry: entry.name, reverse=True)
        except OSError as exc:
            self._error(root.display_prefix + directory.rel[:-1] if directory.rel else root.display, exc)
            return
        names = {entry.name: entry for entry in entries}
        if directory.rel and "pyvenv.cfg" in names:
            return  # a virtualenv, whatever its name
        here = directory
        if self._gitignore:
            here = self._local_ignores(root, directory, names)
        for entry in entries:  # reverse order, so that `pending.pop()` lists directories by name
            name = entry.name
            rel = directory.rel + name
            if entry.is_symlink():
                self._follow_link(root, here, entry, rel, linked)
            elif entry.is_dir(follow_symlinks=False):
                if not _excluded_dir_name(name):
                    real = os.path.join(directory.real, name)
                    self._queue_dir(here, entry.path, real, rel, pending.append, via_link=directory.via_link)
            elif entry.is_file(follow_symlinks=False):
                real = os.path.join(directory.real, name)
                self._consider_file(root, here, entry.path, real, rel, via_link=directory.via_link)

    def _queue_dir(
        self, parent: _Dir, path: str, real: str, rel: str, queue: Callable[[_Dir], None], *, via_link: bool
    ) -> None:
        """Queue a subdirectory unless it is excluded, or ignored by git and holds nothing tracked."""
        rel_dir = rel + "/"
        if _excluded(rel_dir, self._exclude):
            return
        tracked_only = parent.tracked_only or _git_ignored(rel_dir, parent.ignores)
        if tracked_only and not self._tracks(parent.repository, rel_dir, directory=True):
            return
        queue(_Dir(path, real, rel_dir, parent.ignores, via_link, parent.repository, tracked_only))

    def _tracks(self, repository: _InRepository | None, rel: str, *, directory: bool = False) -> bool:
        """Whether git tracks the file `rel` (or, for a directory, anything below it)."""
        if repository is None:
            return False
        tracked = repository.repository.tracked()
        if repository.repository.error is not None:
            self._errors.setdefault(repository.repository.display, repository.repository.error)
        path = repository.path(rel)
        return tracked.tracks_below(path) if directory else tracked.tracks(path)

    def _follow_link(
        self, root: _Root, directory: _Dir, entry: os.DirEntry[str], rel: str, linked: deque[_Dir]
    ) -> None:
        """Follow a symbolic link whose target is inside the root; others are skipped silently."""
        real = os.path.realpath(entry.path)
        if not _inside(real, root.inside):
            return
        try:
            mode = os.stat(real).st_mode
        except OSError:
            return  # dangling link or link loop
        if stat.S_ISDIR(mode):
            if not _excluded_dir_name(entry.name):
                self._queue_dir(directory, entry.path, real, rel, linked.append, via_link=True)
        elif stat.S_ISREG(mode):
            self._consider_file(root, directory, entry.path, real, rel, via_link=True)

    def _consider_file(self, root: _Root, directory: _Dir, path: str, real: str, rel: str, *, via_link: bool) -> None:
        """Accept a regular file met during a walk if it has a language and is not excluded or ignored.

        A file that git ignores is accepted when git tracks it.
        """
        name = rel.rsplit("/", 1)[-1]
        language = _language_by_name(name)
        if language is None and not _needs_probe(name):
            return
        if _excluded(rel, self._exclude):
            return
        if (directory.tracked_only or _git_ignored(rel, directory.ignores)) and not self._tracks(
            directory.repository, rel
        ):
            return
        display = root.display_prefix + rel
        if language is None:
            try:
                language = _probe_shebang(path)
            except OSError as exc:
                self._error(display, exc)
                return
            if language is None:
                return
        self._add(real, path, display, language, via_link=via_link)

    # ------------------------------------------------------------------------- ignore files

    def _local_ignores(self, root: _Root, directory: _Dir, names: dict[str, os.DirEntry[str]]) -> _Dir:
        """`directory` with the ignore rules (and the git work tree) in force inside it, given its entries."""
        strip = len(directory.rel)
        ignores = directory.ignores
        repository = directory.repository
        git = names.get(".git")
        if git is not None:
            display = root.display_prefix + directory.rel[:-1] if directory.rel else root.display
            repository = _InRepository(_Repository(directory.real, display), "", strip)
        if git is not None and directory.rel:
            ignores = ()  # a nested repository: the ignore files above it do not apply
        if git is not None and git.is_dir():
            display = root.display_prefix + directory.rel + ".git/info/exclude"
            rules = self._read_rules(os.path.join(git.path, "info", "exclude"), display, "", strip)
            if rules is not None:
                ignores = (rules, *ignores)  # the lowest precedence: every .gitignore outranks it
        gitignore = names.get(".gitignore")
        if gitignore is not None and gitignore.is_file():
            display = root.display_prefix + directory.rel + ".gitignore"
            rules = self._read_rules(gitignore.path, display, "", strip)
            if rules is not None:
                ignores = (*ignores, rules)
        if ignores is directory.ignores and repository is directory.repository:
            return directory
        return directory._replace(ignores=ignores, repository=repository)

    def _parent_ignores(self, root_real: str) -> tuple[tuple[_Rules, ...], _InRepository | None]:
        """`.git/info/exclude` and the `.gitignore` files above a root, up to its repository root,
        and where the root lies in that repository.

        No rules when the root is not inside a repository, is the repository root (its own files
        are read while walking) or is itself ignored by them (it was named explicitly).
        """
        above: list[str] = []
        current = root_real
        if os.path.lexists(os.path.join(current, ".git")):
            return (), None
        while True:
            parent = os.path.dirname(current)
            if parent == current:
                return (), None
            above.append(parent)
            if os.path.lexists(os.path.join(parent, ".git")):
                break
            current = parent
        repository = above[-1]
        rules: list[_Rules] = []
        for directory in reversed(above):
            lead = _posix(os.path.relpath(root_real, directory)) + "/"
            sources = [os.path.join(directory, ".gitignore")]
            if directory == repository:
                sources.insert(0, os.path.join(directory, ".git", "info", "exclude"))
            for source in sources:
                found = self._read_rules(source, self._display(source), lead, 0)
                if found is not None:
                    rules.append(found)
        ignores = tuple(rules)
        lead = _posix(os.path.relpath(root_real, repository)) + "/"
        in_repository = _InRepository(_Repository(repository, self._display(repository)), lead, 0)
        return (() if _git_ignored("", ignores) else ignores), in_repository

    def _read_rules(self, path: str, display: str, lead: str, strip: int) -> _Rules | None:
        """Read and compile one ignore file; a missing file is silently absent."""
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self._error(display, exc)
            return None
        return _compile_rules(lines, lead=lead, strip=strip)

    # ------------------------------------------------------------------------- results

    def _add(self, real: str, path: str, display: str, language: Language, *, via_link: bool) -> None:
        """Record a file once per real path, preferring a path without links, then the smaller."""
        found = _Found(via_link, SourceFile(Path(path), display, language))
        current = self._found.get(real)
        if current is None or (via_link, display) < (current.via_link, current.file.display):
            self._found[real] = found

    def _error(self, display: str, exc: OSError) -> None:
        """Record an OS error against a display path (the first one wins)."""
        self._errors.setdefault(display, _os_message(exc))


def _excluded_dir_name(name: str) -> bool:
    """Whether a directory name is excluded by default (VCS data, virtualenvs, caches, builds)."""
    return name in _DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info")
