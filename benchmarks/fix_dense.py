"""How `fix` scales with the rewrites in ONE module: time per module as the number of calls grows.

Usage::

    .venv/bin/python benchmarks/fix_dense.py [--sizes 50,100,200,400] [--baseline-src DIR]

Rewrites that look beyond their call (the loop over a listing, an `await` around a read, later uses of a
registered id) once walked the whole module per call, so a module with n such calls cost n walks: fix time
grew with n², and a 5,000-line module with 300 reads took minutes. Each case here is a module of n functions of
16 lines, each with one call of the kind, fixed by `python -m migrate fix FILE --target T` (a subprocess,
best of three, nothing written):

* `listing`: `[m.metadata.get("k") for m in client.models.list()]` (guard-listed-fields, llama-stack-0.7);
* `tool read`: `[t.name for t in client.tools.list(toolgroup_id="mcp::gN")]` (read-through-client, 0.7);
* `register + use`: `models.register(model_id="mN", ...)` then `chat.completions.create(model="mN")`
  (declare-and-read with the later use renamed, ogx-1).

The marginal cost of a call (the time one more call adds, between two sizes: start-up drops out) must stay flat
as n grows; the last columns give it between the first two and the last two sizes, and how it grew. With
`--baseline-src DIR` (a source tree, e.g. `git archive REV | tar -x -C DIR`) the same cases run with that
tree's `migrate` package, in the same run. Speed numbers for a fix that did nothing mean
nothing: every run must report n fixes, or the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "listing": ("llama-stack-0.7", lambda i: '    return [m.metadata.get("k") for m in client.models.list()]'),
    "tool read": (
        "llama-stack-0.7",
        lambda i: f'    return [t.name for t in client.tools.list(toolgroup_id="mcp::g{i}")]',
    ),
    "register + use": (
        "ogx-1",
        lambda i: (
            f'    client.models.register(model_id="m{i}", provider_id="vllm", provider_model_id="acme/m{i}", '
            f'model_type="llm")\n    return client.chat.completions.create(model="m{i}", messages=[])'
        ),
    ),
}


def module(size: int, call: Callable[[int], str]) -> str:
    lines = ["from llama_stack_client import LlamaStackClient", "", "client = LlamaStackClient()", ""]
    for index in range(size):
        lines += [f"def f{index}(x):", *(f"    y{j} = x + {j}" for j in range(14)), call(index), ""]
    return "\n".join(lines) + "\n"


def timed_fix(path: Path, target: str, source: Path, size: int, rounds: int) -> float:
    """The best wall time of `fix` over the module in `rounds` runs; exits if it did not fix every call."""
    env = {**os.environ, "PYTHONPATH": str(source), "NO_COLOR": "1"}
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "migrate", "fix", str(path), "--target", target, "--no-color"],
            capture_output=True,
            text=True,
            env=env,
            cwd=path.parent,  # `-m` puts the working directory first on sys.path: never this checkout's
            timeout=1800,
            check=False,
        )
        best = min(best, time.perf_counter() - started)
        if f"{size} fixes for target" not in done.stderr:  # the summary; the diff goes to stdout
            sys.exit(f"fix with {source} did not fix the {size} calls of {path.name}:\n{done.stderr[-800:]}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,200,400", help="calls per module, at least two [100,200,400]")
    parser.add_argument("--rounds", type=int, default=3, help="runs per measurement, best kept [3]")
    parser.add_argument("--baseline-src", type=Path, help="also time the migrate package of this source tree")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sources = [("ours", ROOT)] + ([("baseline", args.baseline_src.resolve())] if args.baseline_src else [])
    header = "".join(f"{f'n={n}':>10}" for n in sizes)
    print(f"{'case':<16}{'code':<10}{header}{'ms/call first':>15}{'ms/call last':>14}{'growth':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, (target, call) in CASES.items():
            for label, source in sources:
                seconds = []
                for size in sizes:
                    path = Path(scratch) / f"{name.replace(' ', '_')}_{size}.py"
                    path.write_text(module(size, call), encoding="utf-8")
                    seconds.append(timed_fix(path, target, source, size, args.rounds))
                first = (seconds[1] - seconds[0]) / (sizes[1] - sizes[0]) * 1000
                last = (seconds[-1] - seconds[-2]) / (sizes[-1] - sizes[-2]) * 1000
                cells = "".join(f"{value:>9.2f}s" for value in seconds)
                print(f"{name:<16}{label:<10}{cells}{first:>15.1f}{last:>14.1f}{last / first:>7.2f}x")
    print("ms/call: the time one more call adds, between the first two and the last two sizes (growth 1.00x: linear)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
