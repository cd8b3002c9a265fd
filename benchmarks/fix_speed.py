"""Speed of `llama-stack-migrate fix --write` beside a LibCST codemod that visits every file.

Usage::

    .venv/bin/python benchmarks/fix_speed.py [--tree DIR] [--keep]

The tree (about 100k lines of Python, built outside any git repository) holds a seeded sample of the
running interpreter's standard library (files LibCST cannot parse are left out) and about 150
generated modules under `llama_app/` with a few hundred deprecated calls that `fix --target
llama-stack-0.7` rewrites safely (every value a literal): `models.register`, `models.unregister` as a
statement, `toolgroups.register` of a built-in group and `datasets.register`.

Both tools write, so every run gets a fresh copy of the tree (the copy is not timed). Each command
runs as a subprocess, best of three:

* `python -m migrate fix TREE --target llama-stack-0.7 --write --no-color` (the config block it
  prints goes to /dev/null), and the same with `--check` instead of `--write` (no write; it renders
  the diff instead, also to /dev/null);
* `python -m libcst.tool codemod -x bench_rename.RenameRegister --no-format --hide-progress
  --include-generated TREE`: a `VisitorBasedCodemodCommand` that renames the attribute `register` to
  `register`, so it writes nothing; what it measures is the floor of any LibCST codemod, which parses,
  visits and prints every file. It runs with its default job count (all cores) and with `-j 1`.
  No `.libcst.codemod.yaml` is needed: without one the tool uses its defaults, and `-x` imports the
  command from `PYTHONPATH` (the scratch directory) instead of from the configured `modules`.

`fix --check` also runs on the generated modules alone and on the stdlib files alone (in place: it
writes nothing), to show where our time goes: the prefilter skips files without a deprecated call,
so our speed over the tree depends on how dense the findings are, while a codemod's does not.

Speed numbers for tools that did nothing mean nothing, so the script checks the work: before timing,
`scan` must find every planted call as fixable; after our last `--write` run, `scan` must find nothing
fixable and exactly the planted files (no stdlib file) must have changed; the codemod must report
every file transformed, none skipped or failed, and no file changed. It exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst

MARKER = "fix_speed_tree.json"
MARKER_VERSION = 2
TARGET = "llama-stack-0.7"
STDLIB_LINES = 90_000
GENERATED_MODULES = 150
APP = "llama_app"
PARTS = (APP, "stdlib")
RUNS = 3
SEED = 20_251_112

# Not sampled from the stdlib: tests (some hold deliberately broken code), data modules, installed
# packages, caches, and `venv`, a directory name our discovery skips by default.
SKIPPED_STDLIB_DIRS = frozenset(
    {"test", "tests", "idle_test", "site-packages", "__pycache__", "venv", "pydoc_data", "lib2to3"}
)

CODEMOD_MODULE = "bench_rename"
CODEMOD_CLASS = "RenameRegister"
CODEMOD_SOURCE = '''\
"""A trivial LibCST codemod: rename the attribute `register` to `register` (the code stays the same)."""

import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand


class RenameRegister(VisitorBasedCodemodCommand):
    DESCRIPTION = "Rename the attribute `register` to `register`."

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if updated_node.attr.value == "register":
            return updated_node.with_changes(attr=cst.Name("register"))
        return updated_node
'''

# Rule ids of the planted calls, and how to write each one after the client expression.
MODEL_PROVIDERS = ("vllm", "ollama", "together", "fireworks")
BUILTIN_TOOLGROUPS = (("builtin::websearch", "tavily-search"), ("builtin::wolfram_alpha", "wolfram-alpha"))


def model_register(rng: random.Random) -> str:
    k = rng.randrange(24)
    return f'models.register(model_id="m{k}", provider_id="{MODEL_PROVIDERS[k % len(MODEL_PROVIDERS)]}")'


def model_unregister(rng: random.Random) -> str:
    k = rng.randrange(24)
    return f'models.unregister("{MODEL_PROVIDERS[k % len(MODEL_PROVIDERS)]}/m{k}")'


def toolgroup_register(rng: random.Random) -> str:
    toolgroup, provider = rng.choice(BUILTIN_TOOLGROUPS)
    return f'toolgroups.register(toolgroup_id="{toolgroup}", provider_id="{provider}")'


def dataset_register(rng: random.Random) -> str:
    k = rng.randrange(12)
    return (
        f'datasets.register(purpose="eval/messages-answer", '
        f'source={{"type": "uri", "uri": "huggingface://datasets/d{k}"}}, dataset_id="d{k}")'
    )


CALLS: dict[str, Callable[[random.Random], str]] = {
    "LSM101": model_register,
    "LSM102": model_unregister,
    "LSM121": toolgroup_register,
    "LSM131": dataset_register,
}
CALL_NAMES = {
    "LSM101": "models.register",
    "LSM102": "models.unregister",
    "LSM121": "toolgroups.register",
    "LSM131": "datasets.register",
}


@dataclass(frozen=True)
class Tree:
    """What the pristine tree holds."""

    lines: int
    files: int
    stdlib_files: int
    stdlib_lines: int
    planted_files: tuple[str, ...]  # relative paths of the generated modules
    planted: Counter[str]  # planted calls per rule id


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: float
    note: str


# ---------------------------------------------------------------------------------------------
# Building the tree


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def stdlib_candidates() -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(stdlib):
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_STDLIB_DIRS)
        found += [Path(directory, name).relative_to(stdlib) for name in sorted(filenames) if name.endswith(".py")]
    return found


def copy_stdlib_sample(dest: Path, rng: random.Random) -> tuple[int, int, int]:
    """Copy a seeded sample of stdlib files LibCST parses until STDLIB_LINES; return (files, lines, rejected)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = stdlib_candidates()
    rng.shuffle(candidates)
    files = lines = rejected = 0
    for relative in candidates:
        if lines >= STDLIB_LINES:
            break
        data = (stdlib / relative).read_bytes()
        try:
            libcst.parse_module(data)
        except Exception:  # a syntax LibCST does not know, or an undecodable file
            rejected += 1
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files += 1
        lines += count_lines(data)
    return files, lines, rejected


def planted_calls(rng: random.Random, planted: Counter[str]) -> list[str]:
    """One to four deprecated calls (after the client expression); every module has at least one."""
    rules = rng.choices(list(CALLS), k=rng.randint(1, 4))
    planted.update(rules)
    return [CALLS[rule](rng) for rule in rules]


def script_module(index: int, calls: list[str]) -> str:
    body = "\n    ".join(f"client.{call}" for call in calls)
    return f'''"""Provision the demo stack for scenario {index} and print what it serves."""

from __future__ import annotations

import argparse
import logging
import os

from llama_stack_client import LlamaStackClient

log = logging.getLogger(__name__)

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


def setup() -> None:
    log.info("registering resources for scenario %d", {index})
    {body}


def describe() -> list[str]:
    lines = []
    for model in client.models.list():
        lines.append(f"{{model.identifier}} ({{model.provider_id}})")
    for group in client.toolgroups.list():
        lines.append(f"tool group {{group.identifier}}")
    return sorted(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    if not args.dry_run:
        setup()
    for line in describe():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''


def service_module(index: int, calls: list[str]) -> str:
    body = "\n        ".join(f"self.client.{call}" for call in calls)
    return f'''"""Service layer for scenario {index}."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from llama_stack_client import LlamaStackClient

log = logging.getLogger(__name__)


@dataclass
class Settings:
    base_url: str = "http://localhost:8321"
    timeout: float = 30.0
    tags: list[str] = field(default_factory=list)


class Scenario{index}Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = LlamaStackClient(base_url=settings.base_url, timeout=settings.timeout)
        self.ready = False

    def prepare(self) -> None:
        log.info("preparing scenario %d with tags %s", {index}, self.settings.tags)
        {body}
        self.ready = True

    def ask(self, question: str) -> str:
        if not self.ready:
            raise RuntimeError("call prepare() first")
        response = self.client.chat.completions.create(
            model="m{index % 24}",
            messages=[{{"role": "user", "content": question}}],
        )
        return response.choices[0].message.content or ""
'''


def fixture_module(index: int, calls: list[str]) -> str:
    body = "\n    ".join(f"llama_stack_client.{call}" for call in calls)
    return f"""from __future__ import annotations

import os

import pytest
from llama_stack_client import LlamaStackClient


@pytest.fixture(scope="session")
def llama_stack_client() -> LlamaStackClient:
    return LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


@pytest.fixture
def resources_{index}(llama_stack_client: LlamaStackClient):
    {body}
    yield "scenario-{index}"


@pytest.mark.parametrize("question", ["What is 2 + 2?", "Name a prime number."])
def test_scenario_{index}(llama_stack_client: LlamaStackClient, resources_{index}: str, question: str) -> None:
    assert resources_{index} == "scenario-{index}"
    models = [model.identifier for model in llama_stack_client.models.list()]
    assert models, "the stack serves no model"
"""


SHAPES = (
    ("scripts", script_module),
    ("services", service_module),
    ("tests", fixture_module),
)


def plant(dest: Path, rng: random.Random) -> tuple[list[str], Counter[str], int]:
    """Write the generated modules; return their relative paths, the planted calls per rule, and lines."""
    planted: Counter[str] = Counter()
    paths: list[str] = []
    lines = 0
    for index in range(GENERATED_MODULES):
        folder, make = SHAPES[index % len(SHAPES)]
        path = dest / APP / folder / f"scenario_{index:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = make(index, planted_calls(rng, planted))
        path.write_text(text)
        paths.append(path.relative_to(dest).as_posix())
        lines += count_lines(text.encode())
    return paths, planted, lines


def inside_git_repository(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path, *path.parents))


def prepare_tree(root: Path) -> Tree:
    """Reuse `root` when it holds a finished tree (the marker file), else build it there."""
    marker = root / MARKER
    if marker.is_file():
        saved = json.loads(marker.read_text())
        if saved.get("version") == MARKER_VERSION:
            return Tree(
                saved["lines"],
                saved["files"],
                saved["stdlib_files"],
                saved["stdlib_lines"],
                tuple(saved["planted_files"]),
                Counter(saved["planted"]),
            )
    if root.exists() and any(root.iterdir()):
        sys.exit(f"error: {root} exists and is not a benchmark tree (no {MARKER}); pick an empty or new directory")
    print(f"building the tree in {root} ...", flush=True)
    pristine = root / "pristine"
    rng = random.Random(SEED)
    stdlib_files, stdlib_lines, rejected = copy_stdlib_sample(pristine / "stdlib", rng)
    planted_files, planted, planted_lines = plant(pristine, rng)
    if rejected:
        print(f"left out {rejected} stdlib file(s) LibCST cannot parse", flush=True)
    tree = Tree(
        stdlib_lines + planted_lines,
        stdlib_files + len(planted_files),
        stdlib_files,
        stdlib_lines,
        tuple(planted_files),
        planted,
    )
    marker.write_text(
        json.dumps(
            {
                "version": MARKER_VERSION,
                "lines": tree.lines,
                "files": tree.files,
                "stdlib_files": tree.stdlib_files,
                "stdlib_lines": tree.stdlib_lines,
                "planted_files": planted_files,
                "planted": planted,
            },
            indent=1,
        )
    )
    return tree


def fresh_copy(root: Path) -> Path:
    work = root / "work"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(root / "pristine", work)
    return work


# ---------------------------------------------------------------------------------------------
# Measuring


def best_of(
    make_command: Callable[[Path], list[str]],
    root: Path,
    ok: frozenset[int],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    read_only: str | None = None,
) -> tuple[float, str, Path]:
    """Best wall time of `RUNS` runs, each on a fresh copy of the tree; stderr and tree of the last run.

    `read_only`: run on this directory of the pristine tree instead (for a command that writes nothing).
    """
    best = math.inf
    stderr = ""
    work = root
    for _ in range(RUNS):
        work = root / "pristine" / read_only if read_only is not None else fresh_copy(root)
        command = make_command(work)
        start = time.perf_counter()
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env, check=False
        )
        elapsed = time.perf_counter() - start
        if done.returncode not in ok:
            sys.exit(f"error: {' '.join(command[:4])} ... exited {done.returncode}:\n{done.stderr[-3000:]}")
        best = min(best, elapsed)
        stderr = done.stderr
    return best, stderr, work


def fix_command(mode: str) -> Callable[[Path], list[str]]:
    def command(tree: Path) -> list[str]:
        return [sys.executable, "-m", "migrate", "fix", str(tree), "--target", TARGET, mode, "--no-color"]

    return command


def codemod_command(jobs: int | None) -> Callable[[Path], list[str]]:
    def command(tree: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "-x",
            f"{CODEMOD_MODULE}.{CODEMOD_CLASS}",
            *(["-j", str(jobs)] if jobs is not None else []),
            "--no-format",
            "--hide-progress",
            "--include-generated",
            str(tree),
        ]

    return command


def scan(tree: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "migrate", "scan", str(tree), "--target", TARGET, "--format", "json"]
    done = subprocess.run([*command, "--no-progress"], capture_output=True, text=True, check=False)
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"error: scan exited {done.returncode} and printed no JSON report:\n{done.stderr[-3000:]}")
    return report


def changed_files(root: Path, work: Path) -> list[str]:
    pristine = root / "pristine"
    changed: list[str] = []
    for directory, _, names in os.walk(pristine):
        for name in names:
            before = Path(directory, name)
            relative = before.relative_to(pristine)
            if not filecmp.cmp(before, work / relative, shallow=False):
                changed.append(relative.as_posix())
    return sorted(changed)


# ---------------------------------------------------------------------------------------------
# Checking the work


def in_app(finding: Mapping[str, Any]) -> bool:
    return APP in Path(finding["path"]).parts


def check_planted(tree: Tree, report: dict[str, Any]) -> bool:
    """Before fixing: every planted call is a fixable finding, and there are no others."""
    found = Counter(f["rule"] for f in report["findings"] if in_app(f) and f["fixable"])
    elsewhere = [f for f in report["findings"] if not in_app(f)]
    summary = report["summary"]
    print(f"{'rule':<8}{'call':<22}{'planted':>8}{'fixable':>9}")
    for rule in sorted(CALLS):
        print(f"{rule:<8}{CALL_NAMES[rule]:<22}{tree.planted[rule]:>8}{found[rule]:>9}")
    print(f"{'total':<30}{sum(tree.planted.values()):>8}{sum(found.values()):>9}")
    ok = found == tree.planted and not elsewhere and summary["files_failed"] == 0
    seen = summary["files_scanned"] + summary["files_skipped"]
    if seen != tree.files:
        print(f"scan read {seen} files of the tree's {tree.files}")
        ok = False
    if elsewhere:
        print(f"unexpected findings outside {APP}/: {Counter(f['rule'] for f in elsewhere)}")
    return ok


def check_fixed(tree: Tree, root: Path, work: Path, stderr: str) -> bool:
    """After `fix --write`: nothing fixable left, and exactly the planted files changed."""
    report = scan(work)
    summary = report["summary"]
    left = Counter(f["rule"] for f in report["findings"])
    changed = changed_files(root, work)
    planted_changed = set(changed) & set(tree.planted_files)
    other_changed = sorted(set(changed) - set(tree.planted_files))
    applied = re.search(r"^(\d+) fix(?:es)? for target", stderr, re.MULTILINE)
    print(f"fix --write said: {stderr.strip().splitlines()[0] if stderr.strip() else '(nothing)'}")
    print(
        f"after fix --write: {summary['fixable']} fixable findings left "
        f"({summary['findings']} findings: {dict(sorted(left.items())) or 'none'}), "
        f"{len(planted_changed)}/{len(tree.planted_files)} planted files changed, "
        f"{len(other_changed)} other files changed"
    )
    if left:
        print(
            "  (findings left are not fixable on this target: client.beta.datasets.register() is deprecated,"
            " not removed, in 0.7)"
        )
    ok = (
        summary["fixable"] == 0
        and summary["files_failed"] == 0
        and len(planted_changed) == len(tree.planted_files)
        and not other_changed
        and applied is not None
        and int(applied.group(1)) == sum(tree.planted.values())
    )
    for path in other_changed[:10]:
        print(f"  changed outside {APP}/: {path}")
    return ok


def check_codemod(tree: Tree, root: Path, work: Path, stderr: str, label: str) -> bool:
    """The codemod transformed every file, skipped and failed none, and changed nothing."""
    counts = {
        key: int(match.group(1)) if (match := re.search(pattern, stderr)) else -1
        for key, pattern in (
            ("transformed", r"Transformed (\d+) files successfully"),
            ("skipped", r"Skipped (\d+) files"),
            ("failed", r"Failed to codemod (\d+) files"),
        )
    }
    changed = changed_files(root, work)
    print(
        f"{label}: {counts['transformed']} files transformed, {counts['skipped']} skipped, "
        f"{counts['failed']} failed, {len(changed)} changed on disk (of {tree.files})"
    )
    return counts == {"transformed": tree.files, "skipped": 0, "failed": 0} and not changed


# ---------------------------------------------------------------------------------------------
# Reporting


def rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds / 1e3:,.0f}k/s"


def print_table(lines: int, timings: list[Timing], ours: Timing) -> None:
    width = max(len(timing.label) for timing in timings) + 2
    print(f"{'tool':<{width}}{'seconds':>9}{'lines/s':>11}{'vs ours':>10}  note")
    for timing in timings:
        print(
            f"{timing.label:<{width}}{timing.seconds:>9.3f}{rate(lines, timing.seconds):>11}"
            f"{timing.seconds / ours.seconds:>9.1f}x  {timing.note}"
        )
    print(f"(best of {RUNS}, each on a fresh copy; vs ours: wall time over that of fix --write)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tree", type=Path, help="build the tree here, or reuse it if already built")
    parser.add_argument("--keep", action="store_true", help="keep the temporary tree (--tree is always kept)")
    args = parser.parse_args()

    root: Path = args.tree.resolve() if args.tree else Path(tempfile.mkdtemp(prefix="fix-speed-"))
    if inside_git_repository(root):
        sys.exit(f"error: {root} lies inside a git repository, whose ignore rules only one of the tools obeys")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    ok = True
    try:
        tree = prepare_tree(root)
        print(
            f"tree: {tree.lines:,} lines in {tree.files:,} Python files ({root / 'pristine'}; "
            f"{tree.stdlib_files} stdlib files, {len(tree.planted_files)} generated modules with "
            f"{sum(tree.planted.values())} planted calls); {cores} cores",
            flush=True,
        )
        print()
        if not check_planted(tree, scan(root / "pristine")):
            print("error: the pristine tree does not hold exactly the planted findings", file=sys.stderr)
            return 1
        print(flush=True)

        write_seconds, write_stderr, work = best_of(fix_command("--write"), root, frozenset({0}))
        ours = Timing("llama-stack-migrate fix --write", write_seconds, "single process")
        ok &= check_fixed(tree, root, work, write_stderr)
        check_seconds, _, _ = best_of(fix_command("--check"), root, frozenset({1}))
        timings = [ours, Timing("llama-stack-migrate fix --check", check_seconds, "no write; renders the diff")]
        # Where our time goes: the generated modules (parsed and rewritten) vs the stdlib (prefiltered).
        split = {part: best_of(fix_command("--check"), root, frozenset({0, 1}), read_only=part)[0] for part in PARTS}

        scratch = root / "codemods"
        scratch.mkdir(exist_ok=True)
        (scratch / f"{CODEMOD_MODULE}.py").write_text(CODEMOD_SOURCE)
        env = {**os.environ, "PYTHONPATH": str(scratch)}
        for jobs, note in ((None, f"default -j: all {cores} cores"), (1, "-j 1")):
            label = "libcst codemod" + (f" -j{jobs}" if jobs else "")
            seconds, stderr, work = best_of(codemod_command(jobs), root, frozenset({0}), cwd=scratch, env=env)
            ok &= check_codemod(tree, root, work, stderr, label)
            timings.append(Timing(label, seconds, note))
    finally:
        if args.tree is None and not args.keep:
            shutil.rmtree(root)
    if args.tree is None and args.keep:
        print(f"kept the tree: {root}")

    print()
    print_table(tree.lines, timings, ours)
    print()
    codemod = timings[2]
    ratio = codemod.seconds / ours.seconds
    print(f"fix --write takes {ours.seconds - check_seconds:+.3f}s over fix --check (writing vs rendering the diff)")
    planted_lines = tree.lines - tree.stdlib_lines
    print(
        f"fix --check on {APP}/ alone: {split[APP]:.3f}s for {len(tree.planted_files)} files, {planted_lines:,} lines "
        f"({rate(planted_lines, split[APP])}); on stdlib/ alone: {split['stdlib']:.3f}s for {tree.stdlib_files} "
        f"files, {tree.stdlib_lines:,} lines ({rate(tree.stdlib_lines, split['stdlib'])}; the prefilter skips them)"
    )
    if ratio >= 1:
        print(f"llama-stack-migrate fix is {ratio:.1f}x faster than a LibCST codemod that visits every file")
    else:
        print(f"llama-stack-migrate fix is {1 / ratio:.1f}x slower than a LibCST codemod that visits every file")
    if not ok:
        print("error: a tool did not do the work it was timed for (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
