"""Pydantic's validation errors as this tool words them: `key.path: what is wrong`, one per problem.

The tool's types are plain dataclasses; pydantic validates them only where data comes from outside (rule
files, `[tool.llama-stack-migrate]`, scan results read back), so that a scan need not import it. Of an
unknown key of a dataclass pydantic says "Unexpected keyword argument"; a file has keys, not arguments,
so it is told as pydantic tells it of a model: "Extra inputs are not permitted".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


def problems(exc: ValidationError) -> list[str]:
    """One `key.path: message` per error of `exc`, in pydantic's order (`(top level)` for the document)."""
    found = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "Extra inputs are not permitted" if error["type"] == "unexpected_keyword_argument" else error["msg"]
        found.append(f"{key}: {message}")
    return found
