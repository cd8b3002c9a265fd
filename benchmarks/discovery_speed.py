"""What file discovery costs, in and out of a git work tree, against a baseline source tree in one run.

Usage::

    .venv/bin/python benchmarks/discovery_speed.py --baseline-src DIR [--tree DIR] [--runs N]

`DIR` holds another checkout's sources (for example `git archive main | tar -x -C DIR`). The tree is
the running interpreter's standard library (`.py` files, without `site-packages`) copied twice, in
three layouts of the same files:

* `plain`: no git repository, so no ignore file applies (what `scan_speed.py` times);
* `git`: a git work tree whose `.gitignore` ignores nothing that exists;
* `git+ignored`: the same work tree, whose `.gitignore` ignores the copies' `test/` packages and
  `*_test.py`-like files, of which a few hundred are force-added (tracked although ignored): the
  case where discovery must read the index.

Each (layout, source tree) pair runs `discover()` in a fresh interpreter, the pairs interleaved, best
of `--runs`; the time excludes interpreter start-up and imports. The script prints the seconds and
the file counts, and exits 1 if the current tree finds fewer files than git lists (`git ls-files
--cached --others --exclude-standard`, filtered to the scanned languages).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIES = 2
SKIPPED_STDLIB_DIRS = frozenset({"site-packages", "__pycache__", "venv"})
IDENTITY = ("-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "init.defaultBranch=main")
IGNORED = "test/\n*_util.py\n"
TIMER = """\
import json, sys, time
from pathlib import Path
from migrate.discovery import discover
root = Path(sys.argv[1])
start = time.perf_counter()
result = discover([root], cwd=root)
print(json.dumps({"seconds": time.perf_counter() - start, "files": len(result.files), "errors": result.errors}))
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"error: git {' '.join(args)}: {done.stderr}")
    return done.stdout


def copy_stdlib(dest: Path) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for directory, dirnames, filenames in os.walk(stdlib):
        here = Path(directory)
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_STDLIB_DIRS)
        target = dest / here.relative_to(stdlib)
        sources = [name for name in filenames if name.endswith(".py")]
        if sources:
            target.mkdir(parents=True, exist_ok=True)
        for name in sources:
            shutil.copyfile(here / name, target / name)


def build(base: Path) -> dict[str, Path]:
    """The three layouts under `base` (built once; reused when `base` already holds them)."""
    layouts = {"plain": base / "plain", "git": base / "git", "git+ignored": base / "git-ignored"}
    if all((path / ".built").exists() for path in layouts.values()):
        return layouts
    print(f"building the trees in {base} ...", flush=True)
    for path in layouts.values():
        shutil.rmtree(path, ignore_errors=True)
        for copy in range(1, COPIES + 1):
            copy_stdlib(path / f"copy{copy}")
    git(layouts["git"], "init", "-q")
    (layouts["git"] / ".gitignore").write_text("*.pyc\n")
    git(layouts["git"], "add", "-A")
    ignored = layouts["git+ignored"]
    git(ignored, "init", "-q")
    (ignored / ".gitignore").write_text(IGNORED)
    git(ignored, "add", "-A")
    forced = sorted(str(path.relative_to(ignored)) for path in ignored.glob("copy1/test/test_[a-c]*.py"))
    git(ignored, "add", "-f", "--", *forced)
    for path in layouts.values():
        (path / ".built").write_text("")
    return layouts


def time_discovery(tree: Path, src: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    # `-c` puts the working directory first on sys.path: run in the source tree whose package is timed.
    done = subprocess.run(
        [sys.executable, "-c", TIMER, str(tree)], env=env, cwd=src, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"error: discovery with {src} failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    return result


def git_listed(tree: Path) -> int:
    listed = git(tree, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    return sum(1 for path in listed if path.endswith(".py"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--baseline-src", type=Path, required=True, help="the migrate sources to compare with")
    parser.add_argument("--tree", type=Path, help="build the trees here, or reuse them (default: a temporary folder)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = args.tree.resolve() if args.tree else Path(tempfile.mkdtemp(prefix="discovery-speed-"))
    try:
        layouts = build(base)
        sources = {"this tree": ROOT, "baseline": args.baseline_src.resolve()}
        best: dict[tuple[str, str], float] = {}
        files: dict[tuple[str, str], object] = {}
        for _ in range(args.runs):
            for layout, tree in layouts.items():
                for label, src in sources.items():
                    measured = time_discovery(tree, src)
                    key = (layout, label)
                    best[key] = min(best.get(key, math.inf), float(str(measured["seconds"])))
                    files[key] = measured["files"]
        expected = git_listed(layouts["git+ignored"])
    finally:
        if args.tree is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{'layout':<14}{'this tree':>12}{'baseline':>12}{'ratio':>8}{'files':>8}{'baseline files':>16}")
    for layout in layouts:
        ours, theirs = best[(layout, "this tree")], best[(layout, "baseline")]
        print(
            f"{layout:<14}{ours:>11.3f}s{theirs:>11.3f}s{ours / theirs:>8.2f}"
            f"{files[(layout, 'this tree')]!s:>8}{files[(layout, 'baseline')]!s:>16}"
        )
    print(f"(best of {args.runs}; git lists {expected} files in git+ignored, tracked ignored ones included)")
    if files[("git+ignored", "this tree")] != expected:
        print("error: discovery does not find what git lists", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
