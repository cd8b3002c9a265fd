"""Run a notebook's code cells in order in one namespace, as "Run All" would, reporting each cell as a step.

    python run_notebook.py NOTEBOOK.ipynb

A cell's step name is its first line when that is a comment (``# Register the dataset``), else ``cell N``. A cell
that raises is reported with the exception's class and message, and the next cells still run (so that every
failing cell is seen, not only the first). One JSON line per cell on stdout. Runs inside an app venv.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path


def cell_name(index: int, source: str) -> str:
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    return first.lstrip("#").strip() if first.startswith("#") else f"cell {index}"


def main(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__main__"}
    code_cells = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    for index, cell in enumerate(code_cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        name = cell_name(index, source)
        record: dict[str, object] = {"step": name, "ok": True}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"{path.name}[{index}]", "exec"), namespace)
        except Exception as exc:
            record = {"step": name, "ok": False, "error": type(exc).__name__, "message": str(exc)}
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
