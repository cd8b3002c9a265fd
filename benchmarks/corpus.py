"""`scan` and `fix` over a large real corpus: they must never crash, and never damage a file.

Usage::

    .venv/bin/python benchmarks/corpus.py [--stdlib-only | --site-packages-only] [--no-install]
                                          [--parse-all] [--plant N] [--jobs N] [--list-failures]

The corpus is every `.py` file of the standard library of each Python 3.10-3.13 under
`$(pyenv root)/versions` (without their `site-packages`) and the site-packages of the Llama Stack / OGX
server venvs that the integration tests install (`tests/integration/servers.py`; created here unless
`--no-install`). Nothing in the corpus is written: `fix` runs in memory (`fix_file`), and the few files
checked twice or planted are copies in a temporary folder.

Per file and target (llama-stack-0.4, llama-stack-0.7, ogx-1), with the real prefilter:

* no exception escapes `fix_file` (which scans first), and the status is one of the four known;
* a file without an applied rewrite comes out byte for byte as it went in;
* a changed file parses, a second run changes nothing, and every line outside the rewritten spans is kept;
* a failed file either does not compile on the running Python (`compile()` agrees), or libcst cannot
  parse or reproduce it, or it is nested deeper than libcst can go within Python's recursion limit
  (`pydoc_data/topics.py`: thousands of implicitly concatenated strings); each a refusal that leaves the
  file alone. Anything else is a problem.

`--parse-all` also scans every file with the prefilter switched off (target ogx-1), which runs the
Python matcher over the whole corpus instead of the few files that mention an SDK namespace.
`--plant N` appends `client.models.unregister("x")` to N files per root (an even spread, plus files that
once tripped fix; 0 = all) and checks that fix turns exactly that line into its comment, so libcst's
round trip is tested on real code.

The summary gives files, lines, seconds and files per second per root, the statuses, and the failures
by reason; the exit code is 1 when there is any problem.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = ("llama-stack-0.4", "llama-stack-0.7", "ogx-1")
STDLIB_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
PARSE_ALL = "parse-all"
PLANT = "plant"
PLANTED_CALL = 'client.models.unregister("x")'
PLANTED_COMMENT = '# llama-stack-migrate: model "x" stays declared in registered_resources.models (LSM102)'
# Files that once made fix crash or damage code; always in the planted sample when present.
KNOWN_HARD = ("pydoc_data/topics.py", "webbrowser.py", "test/test_posix.py", "test/test_grammar.py")
STATUSES = frozenset({"skipped", "unchanged", "changed", "failed"})

# Failure reasons that are not problems: the file is left alone, and the reason is not ours.
SYNTAX = "does not compile on this Python"
LIBCST_PARSE = "libcst cannot parse it"
LIBCST_ROUNDTRIP = "libcst cannot reproduce it"
LIBCST_TOO_DEEP = "too deep for libcst"
ACCEPTED_REASONS = frozenset({SYNTAX, LIBCST_PARSE, LIBCST_ROUNDTRIP, LIBCST_TOO_DEEP})


@dataclass(frozen=True)
class Root:
    """A folder of the corpus and the folder names skipped in it."""

    label: str
    path: Path
    skip_dirs: frozenset[str] = frozenset({"__pycache__"})


@dataclass
class FileOutcome:
    """What happened to one file, over every mode (a target, `parse-all`, `plant`)."""

    path: str
    lines: int = 0
    size: int = 0
    statuses: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (mode, reason, message)
    problems: list[str] = field(default_factory=list)


@dataclass
class RootSummary:
    root: Root
    files: int = 0
    lines: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str, str]] = field(default_factory=list)  # (path, mode, reason, message)
    problems: list[tuple[str, str]] = field(default_factory=list)
    planted: int = 0

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    def reasons(self) -> Counter[str]:
        return Counter(f"{mode}: {reason}" for _, mode, reason, _ in self.failures)


# ------------------------------------------------------------------------------------------ corpus


def pyenv_root() -> Path:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    try:
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True, timeout=30)
        return Path(found.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return Path.home() / ".pyenv"


def stdlib_roots(versions: Sequence[str] = STDLIB_VERSIONS) -> list[Root]:
    """The standard library of every installed Python of `versions` (all patch releases)."""
    roots: list[Root] = []
    base = pyenv_root() / "versions"
    for version in versions:
        for install in sorted(base.glob(f"{version}.*")):
            lib = install / "lib" / f"python{version}"
            if lib.is_dir() and (install / "bin").is_dir():
                roots.append(Root(f"stdlib {install.name}", lib, frozenset({"__pycache__", "site-packages"})))
    return roots


def server_roots(*, install: bool) -> list[Root]:
    """The site-packages of each server venv of the integration tests (installed when missing)."""
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    try:
        import servers  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    roots: list[Root] = []
    for name, spec in servers.SPECS.items():
        venv = servers.ensure_venv(spec) if install else servers.venv_dir(spec)
        found = sorted((venv / "lib").glob("python3.*/site-packages"))
        if not found:
            raise FileNotFoundError(f"{name}: no site-packages under {venv} (run without --no-install)")
        roots.extend(Root(f"{name} site-packages", site) for site in found)
    return roots


def python_files(root: Root) -> list[Path]:
    """Every regular `.py` file under the root, sorted (links are not followed)."""
    files: list[Path] = []
    for directory, dirs, names in os.walk(root.path):
        dirs[:] = sorted(d for d in dirs if d not in root.skip_dirs)
        for name in sorted(names):
            path = Path(directory) / name
            if name.endswith(".py") and path.is_file() and not path.is_symlink():
                files.append(path)
    return files


def plant_sample(root: Root, files: Sequence[Path], count: int) -> set[Path]:
    """An even spread of `count` files (0: all), plus the known hard files of this root."""
    if count <= 0:
        return set(files)
    step = max(1, len(files) // count)
    chosen = set(files[::step][:count])
    chosen.update(root.path / hard for hard in KNOWN_HARD if (root.path / hard).is_file())
    return chosen


# ------------------------------------------------------------------------------------------ checks

_STATE: dict[str, object] = {}


def _state() -> tuple[object, object, object, Path]:
    if not _STATE:
        from migrate.engine import Prefilter
        from migrate.rule_loader import load_rules

        ruleset = load_rules()
        _STATE.update(
            ruleset=ruleset,
            prefilter=Prefilter(ruleset),
            everything=lambda data: True,
            scratch=Path(tempfile.mkdtemp(prefix="llama-stack-migrate-corpus-")),
        )
    return _STATE["ruleset"], _STATE["prefilter"], _STATE["everything"], _STATE["scratch"]  # type: ignore[return-value]


def _scratch_file(data: bytes) -> Path:
    *_, scratch = _state()
    path = scratch / f"f{os.getpid()}.py"
    path.write_bytes(data)
    return path


def _fix(path: Path, target: str, *, parse_all: bool = False):  # type: ignore[no-untyped-def]
    from migrate.discovery import SourceFile
    from migrate.fix.engine import fix_file

    ruleset, prefilter, everything, _ = _state()
    chosen = everything if parse_all else prefilter
    return fix_file(SourceFile(path, path.name, "python"), ruleset, target, chosen, unsafe=True)  # type: ignore[arg-type]


def _compiles(data: bytes) -> str | None:
    """None when the running Python compiles the file, else why not."""
    try:
        compile(data, "<corpus>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, LookupError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except (RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: too deep for the compiler"
    return None


def _failure_reason(data: bytes, error: str) -> str | None:
    """The accepted reason for a failed file, or None when the failure is a problem."""
    if error.startswith("libcst cannot parse"):
        return LIBCST_PARSE
    if error.startswith("libcst cannot reproduce"):
        return LIBCST_ROUNDTRIP
    if error.startswith("nested too deeply to rewrite"):
        return LIBCST_TOO_DEEP
    if _compiles(data) is not None:
        return SYNTAX
    return None


def _kept_outside_spans(before: bytes, after: bytes, applied: Iterable[tuple[object, object]]) -> str | None:
    """None when every line outside the applied findings' spans is in the output, in order."""
    spans: set[int] = set()
    for finding, _ in applied:
        spans.update(range(finding.line, finding.end_line + 1))  # type: ignore[attr-defined]
    old = before.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True)
    new = iter(after.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True))
    for number, line in enumerate(old, 1):
        if number in spans:
            continue
        if not any(candidate == line for candidate in new):
            return f"line {number} {line[:80]!r} is gone or changed"
    return None


def _check_fix(outcome: FileOutcome, data: bytes, path: Path, mode: str, target: str, *, parse_all: bool) -> None:
    try:
        fix = _fix(path, target, parse_all=parse_all)
    except BaseException as exc:  # the contract: nothing escapes fix_file
        if isinstance(exc, KeyboardInterrupt):
            raise
        last = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.problems.append(
            f"{mode}: {type(exc).__name__} escaped fix_file ({exc}) at {last.filename}:{last.lineno}"
        )
        outcome.statuses[mode] = "crashed"
        return
    outcome.statuses[mode] = fix.status
    if fix.status not in STATUSES:
        outcome.problems.append(f"{mode}: unknown status {fix.status!r}")
    if fix.status == "failed":
        reason = _failure_reason(data, fix.error or "")
        if reason is None:
            outcome.problems.append(f"{mode}: failed although the file compiles: {fix.error}")
        else:
            outcome.failures.append((mode, reason, (fix.error or "")[:160]))
    if not fix.outcome.applied and fix.after != data:
        outcome.problems.append(f"{mode}: no rewrite applied, yet the bytes changed")
    if fix.status != "changed":
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(fix.after)
        except (SyntaxError, ValueError) as exc:
            outcome.problems.append(f"{mode}: the output does not parse: {exc}")
            return
    damage = _kept_outside_spans(data, fix.after, fix.outcome.applied)
    if damage:
        outcome.problems.append(f"{mode}: changed outside the rewritten spans: {damage}")
    again = _fix(_scratch_file(fix.after), target, parse_all=parse_all)
    if again.after != fix.after or again.outcome.applied:
        outcome.problems.append(f"{mode}: a second run changes the output again")


def _newline(data: bytes) -> bytes:
    for index, byte in enumerate(data):
        if byte == 0x0A:
            return b"\r\n" if index and data[index - 1] == 0x0D else b"\n"
        if byte == 0x0D and data[index + 1 : index + 2] != b"\n":
            return b"\r"
    return b"\n"


def _check_plant(outcome: FileOutcome, data: bytes) -> None:
    newline = _newline(data)
    separator = b"" if not data or data.endswith((b"\n", b"\r")) else newline
    planted = data + separator + PLANTED_CALL.encode() + newline
    expected = data + separator + PLANTED_COMMENT.encode() + newline
    try:
        fix = _fix(_scratch_file(planted), "ogx-1")
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        last = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.problems.append(
            f"plant: {type(exc).__name__} escaped fix_file ({exc}) at {last.filename}:{last.lineno}"
        )
        outcome.statuses[PLANT] = "crashed"
        return
    outcome.statuses[PLANT] = fix.status
    if fix.status == "failed":
        reason = _failure_reason(planted, fix.error or "")
        if reason is None:
            outcome.problems.append(f"plant: failed although the file compiles: {fix.error}")
        else:
            outcome.failures.append((PLANT, reason, (fix.error or "")[:160]))
        if fix.after != planted:
            outcome.problems.append("plant: failed, yet the bytes changed")
        return
    if fix.after != expected:
        old, new = expected.splitlines(keepends=True), fix.after.splitlines(keepends=True)
        number = next((n for n, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b), min(len(old), len(new)))
        shown = new[number - 1][:80] if number <= len(new) else b""
        outcome.problems.append(f"plant: output differs from the expected at line {number}: {shown!r}")


def check_file(path: str, modes: tuple[str, ...]) -> FileOutcome:
    """Every check of `modes` on one file; never raises (problems are recorded)."""
    outcome = FileOutcome(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        outcome.problems.append(f"cannot read the corpus file: {exc}")
        return outcome
    outcome.size = len(data)
    outcome.lines = data.count(b"\n")
    with warnings.catch_warnings():
        # As for a user: the interpreter's default filters. Warnings as errors are `pytest`'s setting, and
        # their effect on parsing (invalid escape sequences) has its own regression test.
        warnings.simplefilter("ignore")
        for mode in modes:
            if mode == PLANT:
                _check_plant(outcome, data)
            elif mode == PARSE_ALL:
                _check_fix(outcome, data, Path(path), mode, "ogx-1", parse_all=True)
            else:
                _check_fix(outcome, data, Path(path), mode, mode, parse_all=False)
    return outcome


def _check_many(batch: list[tuple[str, tuple[str, ...]]]) -> list[FileOutcome]:
    return [check_file(path, modes) for path, modes in batch]


# ------------------------------------------------------------------------------------------ runner


def run_root(
    root: Root,
    *,
    targets: Sequence[str] = TARGETS,
    parse_all: bool = False,
    plant: int | None = None,
    jobs: int | None = None,
) -> RootSummary:
    files = python_files(root)
    planted = plant_sample(root, files, plant) if plant is not None else set()
    base_modes = (*targets, PARSE_ALL) if parse_all else tuple(targets)
    work = [(str(path), (*base_modes, PLANT) if path in planted else base_modes) for path in files]
    if not jobs:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    batches = [work[index : index + 32] for index in range(0, len(work), 32)]
    started = time.perf_counter()
    outcomes: list[FileOutcome] = []
    if jobs <= 1:
        for batch in batches:
            outcomes += _check_many(batch)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(_check_many, batches):
                outcomes += result
    summary = RootSummary(root, files=len(files), seconds=time.perf_counter() - started, planted=len(planted))
    for outcome in outcomes:
        summary.lines += outcome.lines
        summary.statuses.update(f"{mode}: {status}" for mode, status in outcome.statuses.items())
        display = str(Path(outcome.path).relative_to(root.path))
        summary.failures += [(display, mode, reason, message) for mode, reason, message in outcome.failures]
        summary.problems += [(display, problem) for problem in outcome.problems]
    return summary


def describe(summary: RootSummary, *, list_failures: bool = False) -> str:
    lines = [
        f"{summary.root.label} ({summary.root.path})",
        f"  {summary.files} files, {summary.lines} lines, {summary.seconds:.1f} s, "
        f"{summary.files_per_second:.0f} files/s, {summary.planted} planted",
    ]
    for status, count in sorted(summary.statuses.items()):
        lines.append(f"  {status:<40} {count}")
    for reason, count in sorted(summary.reasons().items()):
        lines.append(f"  failed, {reason:<60} {count}")
    if list_failures:
        lines += [f"    {path} [{mode}] {reason}: {message}" for path, mode, reason, message in summary.failures]
    lines += [f"  PROBLEM {path}: {problem}" for path, problem in summary.problems]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--stdlib-only", action="store_true")
    which.add_argument("--site-packages-only", action="store_true")
    parser.add_argument("--no-install", action="store_true", help="do not create missing server venvs")
    parser.add_argument("--parse-all", action="store_true", help="also scan every file without the prefilter")
    parser.add_argument(
        "--plant", type=int, default=None, metavar="N", help="plant a call in N files per root (0: all)"
    )
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--list-failures", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    roots: list[Root] = []
    if not args.site_packages_only:
        roots += stdlib_roots()
    if not args.stdlib_only:
        roots += server_roots(install=not args.no_install)
    total = RootSummary(Root("total", Path("/")))
    for root in roots:
        summary = run_root(root, parse_all=args.parse_all, plant=args.plant, jobs=args.jobs)
        print(describe(summary, list_failures=args.list_failures), flush=True)
        total.files += summary.files
        total.lines += summary.lines
        total.seconds += summary.seconds
        total.planted += summary.planted
        total.failures += summary.failures
        total.problems += summary.problems
    print(
        f"TOTAL {total.files} files, {total.lines} lines, {total.seconds:.1f} s, "
        f"{total.files_per_second:.0f} files/s, {total.planted} planted, "
        f"{len(total.failures)} accepted failures, {len(total.problems)} problems"
    )
    for reason, count in sorted(total.reasons().items()):
        print(f"  failed, {reason:<60} {count}")
    return 1 if total.problems else 0


if __name__ == "__main__":
    sys.exit(main())
