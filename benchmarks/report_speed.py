"""Speed of `llama-stack-migrate report REPO_DIR...` over several repositories: sequential against parallel.

Usage::

    .venv/bin/python benchmarks/report_speed.py [--repositories 12] [--jobs N]

Builds REPOSITORIES copies of the bundled example app in a temporary folder (each with a few
hundred extra clean files, so discovery and the prefilter have work as in a real repository), then
runs `report DIR... --format json` as a subprocess with `--jobs 1` (the baseline: one repository
after another) and with `--jobs N` (default: all cores), best of three each, and prints both and
the speed-up. The two reports must hold the same repositories and numbers, or the script exits 1:
a speed-up that changes the answer means nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RUNS = 3
CLEAN_FILES = 300


def build(base: Path, count: int) -> list[str]:
    names = []
    for number in range(count):
        name = f"service-{number:02d}"
        shutil.copytree(REPO / "examples" / "legacy-app", base / name)
        clean = base / name / "supportbot" / "plain"
        clean.mkdir()
        for index in range(CLEAN_FILES):
            (clean / f"module_{index}.py").write_text(f"def f{index}(x):\n    return x + {index}\n" * 20)
        names.append(name)
    return names


def run(base: Path, names: list[str], jobs: int) -> tuple[float, list[dict[str, Any]]]:
    best, repositories = float("inf"), []
    for _ in range(RUNS):
        start = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-m", "migrate", "report", *names, "--format", "json", "--jobs", str(jobs)],
            cwd=base,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            sys.exit(f"report --jobs {jobs} failed: {process.stderr}")
        best = min(best, elapsed)
        repositories = json.loads(process.stdout)["repositories"]
    return best, repositories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-speed-") as folder:
        base = Path(folder)
        names = build(base, args.repositories)
        sequential, first = run(base, names, 1)
        parallel, second = run(base, names, args.jobs)
    findings = sum(repo["totals"]["findings"] for repo in first)
    print(f"{args.repositories} repositories, {findings} findings, best of {RUNS}:")
    print(f"  --jobs 1 (baseline)   {sequential:6.2f} s")
    print(f"  --jobs {args.jobs:<14} {parallel:6.2f} s   speed-up {sequential / parallel:.2f}x")
    if first != second:
        sys.exit("the parallel report differs from the sequential one")


if __name__ == "__main__":
    main()
