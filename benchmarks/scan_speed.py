"""Scan speed of `llama-stack-migrate scan` beside grep, a bare Python walk and ast-grep.

Usage::

    .venv/bin/python benchmarks/scan_speed.py [--tree DIR] [--keep]

The tree holds the running interpreter's standard library (`.py` files, without `site-packages`
and the top-level `test` package) copied three times, about 1.2M lines, and a `planted/` directory
of a few hundred small files (Python, shell, Markdown, notebooks) with known deprecated uses. It is
built outside any git repository, so no tool's ignore rules apply, and every tool reads the same
files: a stdlib directory our discovery skips by name (`venv`) is left out of the copy.

Each tool runs as a subprocess, best of three, so all of them pay process start-up:

* `grep -rlE PATTERN` (the floor) and a bare Python `os.walk` + one bytes regex (the Python floor),
  with a pattern for the SDK chains and the deprecated routes;
* `ast-grep scan` with the twelve SDK call patterns `$C.<namespace>.<verb>($$$)` (Python only);
* `llama-stack-migrate scan --format json`, with all cores and with `--jobs 1`;
* with `--baseline-src DIR`, the same two scans with the `migrate` package of another source tree
  (for example `git archive main | tar -x -C DIR`), so that a change is timed against its baseline
  in one run, on one machine state.

The script exits 1 when our scan finds fewer uses than were planted: a speed number for a scanner
that finds nothing means nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = "scan_speed_tree.json"
MARKER_VERSION = 1
COPIES = 3
PLANTED_PYTHON_FILES = 300
PLANTED_OTHER_FILES = 8  # of each: shell, Markdown, notebook
RUNS = 3
TARGET_LINES_PER_SECOND = 2_000_000
SEED = 20_251_110

# Directories not copied from the stdlib: not sources, or skipped by our discovery's defaults.
SKIPPED_STDLIB_DIRS = frozenset({"site-packages", "__pycache__", "venv"})

PATTERN = (
    r"(models|shields|toolgroups|datasets|benchmarks|scoring_functions)\."
    r"(with_raw_response\.|with_streaming_response\.)?(register|unregister|delete)"
    r"|/v1(beta|alpha)?/(eval/)?(models|shields|toolgroups|datasets|benchmarks|scoring-functions)"
)

AST_GREP_CALLS = (
    "$C.models.register($$$)",
    "$C.models.unregister($$$)",
    "$C.shields.register($$$)",
    "$C.shields.delete($$$)",
    "$C.toolgroups.register($$$)",
    "$C.toolgroups.unregister($$$)",
    "$C.datasets.register($$$)",
    "$C.datasets.unregister($$$)",
    "$C.benchmarks.register($$$)",
    "$C.benchmarks.unregister($$$)",
    "$C.scoring_functions.register($$$)",
    "$C.scoring_functions.unregister($$$)",
)

PYTHON_FLOOR = """\
import os, re, sys
pattern = re.compile(sys.argv[2].encode())
matched = 0
for directory, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(directory, name), "rb") as handle:
            if pattern.search(handle.read()):
                matched += 1
print(matched)
"""


@dataclass(frozen=True)
class Use:
    """One deprecated operation: its SDK call (after the client) and its HTTP request."""

    resource: str
    operation: str
    sdk: str
    method: str
    path: str
    body: str = ""

    @property
    def key(self) -> str:
        return f"{self.resource}/{self.operation}"

    def call(self, name: str) -> str:
        return self.sdk.format(name=name)

    def route(self, name: str) -> str:
        return self.path.format(name=name)


USES = (
    Use(
        "model", "register",
        'models.register(model_id="{name}", provider_id="ollama", provider_model_id="llama3.2:3b")',
        "POST", "/v1/models", '{{"model_id": "{name}", "provider_id": "ollama"}}',
    ),
    Use("model", "unregister", 'models.unregister(model_id="{name}")', "DELETE", "/v1/models/{name}"),
    Use(
        "shield", "register", 'shields.register(shield_id="{name}", provider_id="llama-guard")',
        "POST", "/v1/shields", '{{"shield_id": "{name}", "provider_id": "llama-guard"}}',
    ),
    Use("shield", "unregister", 'shields.delete("{name}")', "DELETE", "/v1/shields/{name}"),
    Use(
        "tool_group", "register",
        'toolgroups.register(toolgroup_id="builtin::{name}", provider_id="tavily-search")',
        "POST", "/v1/toolgroups", '{{"toolgroup_id": "builtin::{name}", "provider_id": "tavily-search"}}',
    ),
    Use(
        "tool_group", "unregister", 'toolgroups.unregister(toolgroup_id="builtin::{name}")',
        "DELETE", "/v1/toolgroups/builtin::{name}",
    ),
    Use(
        "dataset", "register",
        'beta.datasets.register(purpose="eval/messages-answer", '
        'source={{"type": "uri", "uri": "huggingface://datasets/{name}"}}, dataset_id="{name}")',
        "POST", "/v1beta/datasets",
        '{{"purpose": "eval/messages-answer", "source": {{"type": "uri", "uri": "hf://{name}"}}}}',
    ),
    Use("dataset", "unregister", 'datasets.unregister(dataset_id="{name}")', "DELETE", "/v1beta/datasets/{name}"),
    Use(
        "benchmark", "register",
        'benchmarks.register(benchmark_id="{name}", dataset_id="{name}", scoring_functions=["basic::equality"])',
        "POST", "/v1alpha/eval/benchmarks",
        '{{"benchmark_id": "{name}", "dataset_id": "{name}", "scoring_functions": ["basic::equality"]}}',
    ),
    Use(
        "benchmark", "unregister", 'alpha.benchmarks.unregister(benchmark_id="{name}")',
        "DELETE", "/v1alpha/eval/benchmarks/{name}",
    ),
    Use(
        "scoring_function", "register",
        'scoring_functions.register(scoring_fn_id="{name}", description="exact match", '
        'return_type={{"type": "number"}}, provider_id="basic")',
        "POST", "/v1/scoring-functions",
        '{{"scoring_fn_id": "{name}", "description": "exact match", "return_type": {{"type": "number"}}}}',
    ),
    Use(
        "scoring_function", "unregister", 'scoring_functions.unregister(scoring_fn_id="{name}")',
        "DELETE", "/v1/scoring-functions/{name}",
    ),
)  # fmt: skip

NAMES = ("llama-guard", "websearch", "simpleqa", "mmlu", "gsm8k", "code-scanner", "rag", "triage")


@dataclass(frozen=True)
class Tree:
    """What the benchmark tree holds: line and file counts, and the planted uses per resource/operation."""

    lines: int
    files: int
    planted: Counter[str]


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: float
    hits: int


# ---------------------------------------------------------------------------------------------
# Building the tree


def copy_stdlib(dest: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for directory, dirnames, filenames in os.walk(stdlib):
        here = Path(directory)
        dirnames[:] = sorted(
            name for name in dirnames if name not in SKIPPED_STDLIB_DIRS and not (here == stdlib and name == "test")
        )
        target = dest / here.relative_to(stdlib)
        sources = [name for name in filenames if name.endswith(".py")]
        if sources:
            target.mkdir(parents=True, exist_ok=True)
        for name in sources:
            shutil.copyfile(here / name, target / name)


def python_file(rng: random.Random, index: int, planted: Counter[str]) -> str:
    """A small module with one to four deprecated uses, in one of four common shapes."""
    uses = rng.sample(USES, rng.randint(1, 4))
    planted.update(use.key for use in uses)
    name = rng.choice(NAMES)
    shape = index % 4
    if shape == 0:
        calls = "\n    ".join(f"client.{use.call(name)}" for use in uses)
        return f'''"""Set up the demo stack for scenario {index}."""

import os

from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


def setup() -> None:
    print("registering resources for scenario {index}")
    {calls}


def main() -> None:
    setup()
    for model in client.models.list():
        print(model.identifier)


if __name__ == "__main__":
    main()
'''
    if shape == 1:
        calls = "\n        ".join(f"await self.client.{use.call(name)}" for use in uses)
        return f"""import logging

from llama_stack_client import AsyncLlamaStackClient

log = logging.getLogger(__name__)


class Scenario{index}:
    def __init__(self, base_url: str) -> None:
        self.client = AsyncLlamaStackClient(base_url=base_url)
        self.created: list[str] = []

    async def run(self) -> None:
        log.info("running scenario %s", {index})
        {calls}
        log.info("done")
"""
    if shape == 2:
        # Register calls go through `with_raw_response`, which the twelve ast-grep patterns miss.
        calls = "\n    ".join(
            f"llama_stack_client.{use.call(name).replace('.register(', '.with_raw_response.register(', 1)}"
            for use in uses
        )
        return f'''import pytest
from llama_stack_client import LlamaStackClient


@pytest.fixture
def llama_stack_client() -> LlamaStackClient:
    return LlamaStackClient(base_url="http://localhost:8321")


@pytest.fixture
def resources_{index}(llama_stack_client: LlamaStackClient):
    {calls}
    yield "{name}"


def test_scenario_{index}(resources_{index}: str) -> None:
    assert resources_{index} == "{name}"
'''
    client = rng.choice(("requests", "httpx"))
    calls = "\n    ".join(
        f'{client}.{use.method.lower()}(f"{{LLAMA_STACK_URL}}{use.route(name)}"'
        + (f", json={use.body.format(name=name)}" if use.body else "")
        + ", timeout=30).raise_for_status()"
        for use in uses
    )
    return f'''import os

import {client}

LLAMA_STACK_URL = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")


def provision_{index}() -> None:
    """Raw HTTP against the stack, as older deployment scripts do."""
    {calls}
'''


def curl(use: Use, name: str) -> str:
    data = f" \\\n  -H 'Content-Type: application/json' -d '{use.body.format(name=name)}'" if use.body else ""
    return f'curl -sS -X {use.method} "$LLAMA_STACK_URL{use.route(name)}"{data}'


def shell_file(rng: random.Random, planted: Counter[str]) -> str:
    uses = rng.sample(USES, 3)
    planted.update(use.key for use in uses)
    name = rng.choice(NAMES)
    commands = "\n".join(curl(use, name) for use in uses)
    return f"""#!/usr/bin/env bash
set -euo pipefail
: "${{LLAMA_STACK_URL:=http://localhost:8321}}"

echo "provisioning {name}"
{commands}
"""


def markdown_file(rng: random.Random, planted: Counter[str]) -> str:
    python_use, shell_use = rng.sample(USES, 2)
    planted.update((python_use.key, shell_use.key))
    name = rng.choice(NAMES)
    return f"""# Setting up {name}

Register the resource once, before the first request:

```python
from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url="http://localhost:8321")
client.{python_use.call(name)}
```

Or with curl:

```bash
{curl(shell_use, name)}
```
"""


def notebook_file(rng: random.Random, planted: Counter[str]) -> str:
    python_use, shell_use = rng.sample(USES, 2)
    planted.update((python_use.key, shell_use.key))
    name = rng.choice(NAMES)
    cells = [
        ("markdown", [f"# Evaluate {name}"]),
        (
            "code",
            [
                "from llama_stack_client import LlamaStackClient\n",
                'client = LlamaStackClient(base_url="http://localhost:8321")',
            ],
        ),
        ("code", [f"client.{python_use.call(name)}"]),
        ("code", [f'!curl -sS -X {shell_use.method} "http://localhost:8321{shell_use.route(name)}"']),
    ]
    notebook = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


def plant(dest: Path) -> Counter[str]:
    """Write the files with deprecated uses; return how many uses of each rule were planted."""
    rng = random.Random(SEED)
    planted: Counter[str] = Counter()
    dest.mkdir(parents=True)
    for index in range(PLANTED_PYTHON_FILES):
        (dest / f"scenario_{index:03d}.py").write_text(python_file(rng, index, planted))
    makers: dict[str, Callable[[random.Random, Counter[str]], str]] = {
        "sh": shell_file,
        "md": markdown_file,
        "ipynb": notebook_file,
    }
    for suffix, make in makers.items():
        for index in range(PLANTED_OTHER_FILES):
            (dest / f"setup_{index}.{suffix}").write_text(make(rng, planted))
    return planted


def count_lines(root: Path) -> tuple[int, int]:
    lines = files = 0
    for directory, _, names in os.walk(root):
        for name in names:
            if name == MARKER:
                continue
            data = (Path(directory) / name).read_bytes()
            lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            files += 1
    return lines, files


def inside_git_repository(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path, *path.parents))


def prepare_tree(root: Path) -> Tree:
    """Reuse `root` when it holds a finished tree (the marker file), else build it there."""
    marker = root / MARKER
    if marker.is_file():
        saved = json.loads(marker.read_text())
        if saved.get("version") == MARKER_VERSION:
            return Tree(saved["lines"], saved["files"], Counter(saved["planted"]))
    if root.exists() and any(root.iterdir()):
        sys.exit(f"error: {root} exists and is not a benchmark tree (no {MARKER}); pick an empty or new directory")
    print(f"building the tree in {root} ...", flush=True)
    for copy in range(1, COPIES + 1):
        copy_stdlib(root / f"copy{copy}")
    planted = plant(root / "planted")
    lines, files = count_lines(root)
    marker.write_text(
        json.dumps({"version": MARKER_VERSION, "lines": lines, "files": files, "planted": planted}, indent=1)
    )
    return Tree(lines, files, planted)


# ---------------------------------------------------------------------------------------------
# Measuring


def best_of(
    command: list[str], ok: frozenset[int], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, str]:
    """Best wall time of `RUNS` runs of `command`, and the stdout of the last one."""
    best = math.inf
    stdout = ""
    for _ in range(RUNS):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=cwd)
        elapsed = time.perf_counter() - start
        if done.returncode not in ok:
            sys.exit(f"error: {' '.join(command[:3])} ... exited {done.returncode}:\n{done.stderr[-3000:]}")
        best = min(best, elapsed)
        stdout = done.stdout
    return best, stdout


def find_ast_grep() -> str:
    found = shutil.which("ast-grep", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        sys.exit(
            "error: ast-grep is not installed; install it into this venv with\n"
            f"    {Path(sys.executable).parent / 'pip'} install ast-grep-cli"
        )
    return found


def ast_grep_rule(directory: Path) -> Path:
    rule = directory / "deprecated-calls.yml"
    patterns = "\n".join(f"    - pattern: {pattern}" for pattern in AST_GREP_CALLS)
    rule.write_text(f"id: deprecated-calls\nlanguage: python\nseverity: info\nrule:\n  any:\n{patterns}\n")
    return rule


def time_grep(tree: Path) -> Timing:
    seconds, stdout = best_of(["grep", "-rlE", PATTERN, str(tree)], frozenset({0, 1}))
    return Timing("grep -rlE", seconds, len(stdout.splitlines()))


def time_python_floor(tree: Path) -> Timing:
    seconds, stdout = best_of([sys.executable, "-c", PYTHON_FLOOR, str(tree), PATTERN], frozenset({0}))
    return Timing("python walk+regex", seconds, int(stdout))


def time_ast_grep(tree: Path, ast_grep: str, scratch: Path) -> Timing:
    command = [ast_grep, "scan", "--rule", str(ast_grep_rule(scratch)), "--json=stream", "--color", "never"]
    seconds, stdout = best_of([*command, str(tree)], frozenset({0}))
    return Timing(f"ast-grep ({len(AST_GREP_CALLS)} patterns)", seconds, len(stdout.splitlines()))


def time_ours(tree: Path, label: str, extra: list[str], src: Path | None = None) -> tuple[Timing, dict[str, Any]]:
    """Our scan's best time, and its JSON report; `src` runs the `migrate` package of that source tree."""
    command = [sys.executable, "-m", "migrate", "scan", "--format", "json", "--no-progress", *extra, str(tree)]
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    # 2: the scan ran but some files could not be read or parsed (the report lists them).
    # `-m` puts the working directory first on sys.path: run in the source tree whose package is timed.
    seconds, stdout = best_of(command, frozenset({0, 2}), env, cwd=src or ROOT)
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        sys.exit(f"error: {label} printed no JSON report:\n{stdout[:2000]}")
    return Timing(label, seconds, report["summary"]["findings"]), report


# ---------------------------------------------------------------------------------------------
# Reporting


def rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds / 1e6:.1f}M/s"


def print_table(lines: int, timings: list[Timing], ours: Timing) -> None:
    print(f"{'tool':<26}{'seconds':>9}{'lines/s':>11}{'vs ours':>10}{'hits':>8}")
    for timing in timings:
        print(
            f"{timing.label:<26}{timing.seconds:>9.3f}{rate(lines, timing.seconds):>11}"
            f"{timing.seconds / ours.seconds:>9.2f}x{timing.hits:>8}"
        )
    print("(vs ours: wall time over ours; hits: matching files for grep and python, matches for ast-grep,")
    print(" findings for llama-stack-migrate)")


def print_report_summary(report: dict[str, Any]) -> None:
    summary = report["summary"]
    print(
        f"ours: {summary['findings']} findings, {summary['files_scanned']:,} files parsed, "
        f"{summary['files_skipped']:,} skipped by the prefilter, {summary['files_failed']} failed"
    )
    for failure in report["failures"]:
        print(f"  failed: {failure['path']}: {failure['error']}")


def check_findings(planted: Counter[str], report: dict[str, Any]) -> bool:
    """Print planted vs found per rule; True when every planted use was found."""
    found: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for finding in report["findings"]:
        key = f"{finding['resource']}/{finding['operation']}"
        (found if "planted" in Path(finding["path"]).parts else elsewhere)[key] += 1
    print(f"{'resource/operation':<28}{'planted':>8}{'found':>8}")
    for key in sorted(planted.keys() | found.keys()):
        missed = "  <- missed" if found[key] < planted[key] else ""
        print(f"{key:<28}{planted[key]:>8}{found[key]:>8}{missed}")
    print(f"{'total':<28}{sum(planted.values()):>8}{sum(found.values()):>8}")
    if elsewhere:
        print(f"findings outside planted/ (in the stdlib copies): {dict(sorted(elsewhere.items()))}")
    return all(found[key] >= count for key, count in planted.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--tree", type=Path, help="build the tree here, or reuse it if already built")
    parser.add_argument("--keep", action="store_true", help="keep the temporary tree (--tree is always kept)")
    parser.add_argument("--baseline-src", type=Path, help="also time the migrate package of this source tree")
    args = parser.parse_args()

    ast_grep = find_ast_grep()
    root: Path = args.tree.resolve() if args.tree else Path(tempfile.mkdtemp(prefix="scan-speed-")) / "tree"
    if inside_git_repository(root):
        sys.exit(f"error: {root} lies inside a git repository, whose ignore rules only some tools obey")
    try:
        tree = prepare_tree(root)
        print(
            f"tree: {tree.lines:,} lines in {tree.files:,} files ({root}; stdlib x{COPIES}, "
            f"{sum(tree.planted.values())} planted uses)",
            flush=True,
        )
        with tempfile.TemporaryDirectory(prefix="scan-speed-rule-") as scratch:
            ast_grep_timing = time_ast_grep(root, ast_grep, Path(scratch))
        python_floor = time_python_floor(root)
        ours, report = time_ours(root, "llama-stack-migrate", [])
        ours_j1 = time_ours(root, "llama-stack-migrate -j1", ["--jobs", "1"])[0]
        timings = [time_grep(root), python_floor, ast_grep_timing, ours, ours_j1]
        if args.baseline_src:
            baseline = time_ours(root, "baseline", [], args.baseline_src.resolve())[0]
            baseline_j1 = time_ours(root, "baseline -j1", ["--jobs", "1"], args.baseline_src.resolve())[0]
            timings += [baseline, baseline_j1]
    finally:
        if args.tree is None and not args.keep:
            shutil.rmtree(root.parent)
    if args.tree is None and args.keep:
        print(f"kept the tree: {root}")

    print()
    print_table(tree.lines, timings, ours)
    print()
    print_report_summary(report)
    print()
    complete = check_findings(tree.planted, report)
    print()
    print(
        f"ours takes {ours.seconds / python_floor.seconds:.1f}x the Python floor's time; "
        f"ast-grep takes {ast_grep_timing.seconds / ours.seconds:.1f}x ours"
    )
    if args.baseline_src:
        print(
            f"ours over the baseline ({args.baseline_src}): {ours.seconds / baseline.seconds:.2f}x "
            f"with all cores, {ours_j1.seconds / baseline_j1.seconds:.2f}x with -j1 (below 1: faster)"
        )
    speed = tree.lines / ours.seconds
    verdict = "met" if speed >= TARGET_LINES_PER_SECOND else "NOT met"
    print(f"target >= {TARGET_LINES_PER_SECOND / 1e6:.0f}M lines/s: {verdict} ({rate(tree.lines, ours.seconds)})")
    if not complete:
        print("error: the scan found fewer uses than were planted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
