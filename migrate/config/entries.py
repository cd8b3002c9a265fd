"""A run-config entry that `fix` derives from a deprecated register call.

Values that are only known at run time (a variable, an f-string, a setting) are never guessed: they
are `Unknown`, written as `null` with a comment that names the source expression, and listed for a
human.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.identifiers import IdentifierTemplate


@dataclass(frozen=True)
class Unknown:
    """A field whose value the code computes at run time (or does not give at all)."""

    expression: str

    def describe(self) -> str:
        return f"unknown: {self.expression}"


@dataclass(frozen=True)
class Identity:
    """How the target names a declared resource, read from an entry's own fields.

    Two registrations of the same `model_id` on two providers are two models on the server
    (`ollama/llama3`, `vllm/llama3`): entries are told apart by the identifier the target gives them,
    not by the id field alone. `fields` maps the template's call keywords to the entry's field names.
    """

    template: IdentifierTemplate
    fields: Mapping[str, str]

    def of(self, item: Mapping[str, Any]) -> str | None:
        """The identifier the target gives `item` (a config entry as plain data); None when it lacks a field."""
        return self.template.render(lambda name: item.get(self.fields.get(name, name))).value


@dataclass(frozen=True)
class ConfigEntry:
    """One resource to declare: `section` is the key path (`registered_resources.models`, `connectors`)."""

    section: str
    id_field: str
    fields: dict[str, Any]
    rule: str
    origin: str
    notes: tuple[str, ...] = field(default=())
    identity: Identity | None = None

    @property
    def identifier(self) -> Any:
        return self.fields.get(self.id_field)

    @property
    def served_as(self) -> str | None:
        """The identifier the target gives the resource, when the entry has an `identity` and it is known."""
        return self.identity.of(self.plain()) if self.identity is not None else None

    @property
    def unknown_fields(self) -> list[str]:
        return [name for name, value in self.fields.items() if isinstance(value, Unknown)]

    @property
    def key(self) -> tuple[str, str]:
        """What de-duplicates entries: the section and the target's identifier, else the id (unknown ids
        never match)."""
        served = self.served_as
        if served is not None:
            return (self.section, f"served as {served}")
        identifier = self.identifier
        if isinstance(identifier, Unknown):
            return (self.section, f"\x00{self.origin}")
        return (self.section, str(identifier))

    def declares(self, item: Mapping[str, Any]) -> bool:
        """Whether a config item (plain data) declares this entry's resource."""
        served = self.served_as
        if served is not None and self.identity is not None:
            return self.identity.of(item) == served
        return self.id_field in item and str(item[self.id_field]) == str(self.identifier)

    def plain(self) -> dict[str, Any]:
        """The fields as plain data (unknown values as None), for comparing with an existing entry."""
        return {name: (None if isinstance(value, Unknown) else value) for name, value in self.fields.items()}
