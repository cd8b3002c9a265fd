"""How pydantic validates the tool's own types, which are plain frozen dataclasses, and how its errors read.

A scan builds its rules (from the cache), findings and report from values typed in code: importing
pydantic would be most of a small scan's start-up. Pydantic validates the same dataclasses where data
comes from outside (rule files, `[tool.llama-stack-migrate]`, scan results read back) and writes the
scan's JSON: it reads a type's docstring, each field's `description` and constraints from the field's
metadata (`field(metadata={"ge": 1})`), the type's `__pydantic_config__` (`Strict`), a field's own
checks from `Annotated[..., Check(function)]`, and it calls `__post_init__` for checks across fields.
This module imports pydantic only when pydantic asks it for a schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, ValidationError
    from pydantic_core import CoreSchema


class Strict:
    """The base of the validated types: a document with a key the type does not have is invalid."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}


class Check:
    """`Annotated[T, Check(function)]`: pydantic runs `function` on the field's value when it validates.

    After the value has its type, or with `before` on the value as the document gives it (to convert it).
    `function` returns the value to keep or raises `ValueError`, which pydantic reports at the field's key.
    """

    def __init__(self, function: Callable[[Any], Any], *, before: bool = False) -> None:
        self.function = function
        self.before = before

    def __get_pydantic_core_schema__(self, source: object, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema  # only while pydantic builds a validator

        wrap = (
            core_schema.no_info_before_validator_function
            if self.before
            else core_schema.no_info_after_validator_function
        )
        return wrap(self.function, handler(source))


def problems(exc: ValidationError) -> list[str]:
    """One `key.path: message` per error of `exc`, in pydantic's order (`(top level)` for the document).

    Of an unknown key of a dataclass pydantic says "Unexpected keyword argument"; a document has keys, not
    arguments, so it is told as pydantic tells it of a model: "Extra inputs are not permitted".
    """
    found = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "Extra inputs are not permitted" if error["type"] == "unexpected_keyword_argument" else error["msg"]
        found.append(f"{key}: {message}")
    return found
