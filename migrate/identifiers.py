"""How a target names a declared resource: identifier templates such as `{provider_id}/{provider_model_id|model_id}`.

A template is literal text and placeholders. A placeholder names one field of the register call, or
several separated by `|`, of which the first one given is used (llama-stack 0.3 to 0.7 name a model by
its `provider_model_id`, which defaults to its `model_id`). With `prefix_once`, the text before the last
placeholder is not added again to a value that already starts with it: OGX names a model whose
`model_id` is `vllm/acme/x` `vllm/acme/x`, not `vllm/vllm/acme/x` ("avoid double-prefixing", OGX 1.5.0
`core/routing_tables/models.py`). A template is parsed once, when its rule
loads (`rules.TargetPlan.identifier`), and every part asks this one object: `fix` renders it from a
call's arguments (`parts`), the shim from a request body (`render`), and `report` recovers the fields
from an identifier the shim recorded (`read`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\|[a-z_]+)*)\}")


@dataclass(frozen=True)
class Placeholder:
    """One `{a|b}` of a template: the call fields that can fill it, the first one given wins."""

    names: tuple[str, ...]

    def choose(self, given: Collection[str]) -> str | None:
        """The field that fills the placeholder when `given` are the fields present (None: none is)."""
        return next((name for name in self.names if name in given), None)


@dataclass(frozen=True)
class Rendered:
    """An identifier filled in from a request, or the fields it needs that the request lacks."""

    value: str | None
    missing: tuple[str, ...]


@dataclass(frozen=True)
class IdentifierTemplate:
    """A parsed identifier template; `parts` alternate literal text and placeholders, in order."""

    text: str
    parts: tuple[str | Placeholder, ...]
    prefix_once: bool = False

    @classmethod
    def parse(cls, text: str, *, prefix_once: bool = False) -> IdentifierTemplate:
        """Parse `text`; ValueError for stray braces or a template without any placeholder."""
        parts: list[str | Placeholder] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[last : match.start()])
            parts.append(Placeholder(tuple(match.group(1).split("|"))))
            last = match.end()
        parts.append(text[last:])
        literal = "".join(part for part in parts if isinstance(part, str))
        if "{" in literal or "}" in literal:
            raise ValueError(f"{text!r}: placeholders are {{field}} or {{field|other}}, in lower case")
        if len(parts) == 1:
            raise ValueError(f"{text!r} has no {{field}} placeholder")
        if prefix_once and (parts[-1] != "" or len(parts) < 5):
            raise ValueError(f"{text!r}: prefix_once needs a template that ends with a field after another one")
        return cls(text, tuple(part for part in parts if part != ""), prefix_once)

    def __str__(self) -> str:
        return self.text

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(part for part in self.parts if isinstance(part, Placeholder))

    @property
    def names(self) -> frozenset[str]:
        """Every call field the template may read."""
        return frozenset(name for placeholder in self.placeholders for name in placeholder.names)

    def render(self, value_of: Callable[[str], object]) -> Rendered:
        """Fill the template; `value_of(field)` gives a field's value (only non-empty strings count)."""
        text: list[str] = []
        missing: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                text.append(part)
                continue
            value = next((found for name in part.names if isinstance(found := value_of(name), str) and found), None)
            if value is None:
                missing.append(part.names[0])
            else:
                text.append(value)
        if missing:
            return Rendered(None, tuple(missing))
        prefix, last = "".join(text[:-1]), text[-1]
        return Rendered(last if self.prefix_once and last.startswith(prefix) else prefix + last, ())

    @property
    def prefix_literal(self) -> str:
        """The literal text just before the last placeholder (`/` in `{provider_id}/{model_id}`)."""
        before = self.parts[-2] if len(self.parts) > 1 else ""
        return before if isinstance(before, str) else ""

    def read(self, identifier: str, prefer: Collection[str]) -> tuple[tuple[str, ...], dict[str, str]]:
        """The fields the template is made of, and their values in `identifier` ({} when it does not fit).

        Every placeholder but the last takes the shortest text (provider ids hold no `/`), the last the
        rest. Of alternatives (`{provider_model_id|model_id}`) a field in `prefer` (the rule's required
        fields) gets the value, else the last one: declaring it alone makes the target build the same
        identifier.
        """
        names: list[str] = []
        pattern: list[str] = []
        left = len(self.placeholders)
        for part in self.parts:
            if isinstance(part, str):
                pattern.append(re.escape(part))
                continue
            left -= 1
            pattern.append("(.+?)" if left else "(.+)")
            names.append(next((name for name in part.names if name in prefer), part.names[-1]))
        match = re.fullmatch("".join(pattern), identifier, re.DOTALL)
        return tuple(names), dict(zip(names, match.groups(), strict=True)) if match else {}
