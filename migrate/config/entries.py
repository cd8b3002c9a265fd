"""A run-config entry that `fix` derives from a deprecated register call.

Values that are only known at run time (a variable, an f-string, a setting) are never guessed: they
are `Unknown`, written as `null` with a comment that names the source expression, and listed for a
human.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A field whose value the code computes at run time (or does not give at all)."""

    expression: str

    def describe(self) -> str:
        return f"unknown: {self.expression}"


@dataclass(frozen=True)
class ConfigEntry:
    """One resource to declare: `section` is the key path (`registered_resources.models`, `connectors`)."""

    section: str
    id_field: str
    fields: dict[str, Any]
    rule: str
    origin: str
    notes: tuple[str, ...] = field(default=())

    @property
    def identifier(self) -> Any:
        return self.fields.get(self.id_field)

    @property
    def unknown_fields(self) -> list[str]:
        return [name for name, value in self.fields.items() if isinstance(value, Unknown)]

    @property
    def key(self) -> tuple[str, str]:
        """What de-duplicates entries: the section and the identifier (unknown ids never match)."""
        identifier = self.identifier
        if isinstance(identifier, Unknown):
            return (self.section, f"\x00{self.origin}")
        return (self.section, str(identifier))

    def plain(self) -> dict[str, Any]:
        """The fields as plain data (unknown values as None), for comparing with an existing entry."""
        return {name: (None if isinstance(value, Unknown) else value) for name, value in self.fields.items()}
