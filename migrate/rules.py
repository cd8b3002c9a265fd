"""The rule model: one deprecated operation, described once, read by scan, fix, shim and report.

Rule files are TOML documents in `rules/`; they are validated here with pydantic (unknown keys are
rejected, every model is frozen). `docs/rules.md` documents every field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from migrate.targets import TARGETS, TargetName

Resource = Literal["model", "shield", "tool_group", "dataset", "benchmark", "scoring_function"]
Operation = Literal["register", "unregister"]
Language = Literal["python", "notebook", "shell", "markdown", "yaml"]
Strategy = Literal[
    "keep",  # the target still serves the operation: nothing to rewrite, it stays a warning
    "rename-namespace",  # only the SDK namespace / HTTP path moved on the target
    "declare-and-read",  # declare the resource in the run config, read it back at the call site
    "declare-connector",  # MCP tool group -> top-level `connectors` entry; built-in groups are dropped
    "remove-statement",  # unregister: the resource is removed from the run config instead
    "manual",  # no replacement on the target: a human decides
]

_PATH_PARAM = re.compile(r"\{(?P<name>[a-z_]+)(?::(?P<kind>path))?\}")
_DOTTED = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deprecation(_Frozen):
    """When upstream deprecated the operation: the release and the date of the deprecating commit."""

    version: str
    date: dt.date


class SdkShape(_Frozen):
    """How the Python SDK (`llama-stack-client`, `ogx-client`) spells the operation.

    `methods` are attribute paths below the client (`models.register`, `beta.datasets.register`);
    the `with_raw_response` / `with_streaming_response` wrappers are implied. `required` and
    `optional` are the keyword names of the real method: together they tell a Llama Stack call from
    a look-alike. `id_param` names the one identifier an unregister call takes, positionally or by
    keyword; register calls are keyword-only.
    """

    methods: tuple[str, ...] = Field(min_length=1)
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    id_param: str | None = None

    @field_validator("methods")
    @classmethod
    def _dotted(cls, methods: tuple[str, ...]) -> tuple[str, ...]:
        for method in methods:
            if not _DOTTED.match(method) or "." not in method:
                raise ValueError(f"{method!r} is not a dotted SDK method path such as 'models.register'")
        return methods


class HttpShape(_Frozen):
    """The deprecated HTTP route(s). Path parameters are `{name}`, or `{name:path}` when ids contain `/`."""

    method: Literal["POST", "DELETE"]
    paths: tuple[str, ...] = Field(min_length=1)
    legacy_paths: tuple[str, ...] = ()
    request_schema: str | None = None
    response_schema: str | None = None

    @field_validator("paths", "legacy_paths")
    @classmethod
    def _templates(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            if not path.startswith("/v1"):
                raise ValueError(f"{path!r} must start with /v1")
            stripped = _PATH_PARAM.sub("", path)
            if "{" in stripped or "}" in stripped:
                raise ValueError(f"{path!r} has a malformed path parameter")
        return paths

    @property
    def all_paths(self) -> tuple[str, ...]:
        return self.paths + self.legacy_paths


class CliShape(_Frozen):
    """`llama-stack-client <noun> <verb>` forms of the operation."""

    commands: tuple[str, ...] = Field(min_length=1)

    @field_validator("commands")
    @classmethod
    def _two_words(cls, commands: tuple[str, ...]) -> tuple[str, ...]:
        for command in commands:
            if len(command.split()) != 2:
                raise ValueError(f"{command!r} must be '<noun> <verb>', e.g. 'models register'")
        return commands


class ReadBack(_Frozen):
    """How the replacement reads the declared resource back on a target."""

    sdk: str
    http: str


class TargetPlan(_Frozen):
    """What the operation is on one target and how `fix` and the shim replace it there."""

    status: Literal["deprecated", "removed"]
    removed_in: str | None = None
    removed_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    strategy: Strategy
    honours_config: bool = True
    config_section: str | None = None
    fields: dict[str, str] = {}
    identifier: str | None = None
    read: ReadBack | None = None
    rename: dict[str, str] = {}
    guidance: str

    @model_validator(mode="after")
    def _consistent(self) -> TargetPlan:
        if self.status == "removed" and self.removed_in is None:
            raise ValueError("a removed operation needs 'removed_in'")
        if self.status == "deprecated" and self.removed_in is not None:
            raise ValueError("'removed_in' is only for status = 'removed'")
        if self.strategy == "rename-namespace" and not self.rename:
            raise ValueError("strategy 'rename-namespace' needs a 'rename' table")
        if self.strategy in ("declare-and-read", "declare-connector") and self.config_section is None:
            raise ValueError(f"strategy {self.strategy!r} needs 'config_section'")
        if self.strategy == "declare-and-read" and (self.identifier is None or self.read is None):
            raise ValueError("strategy 'declare-and-read' needs 'identifier' and 'read'")
        return self


class Example(_Frozen):
    """A named snippet and the lines where scan must report this rule (empty: a look-alike).

    `after` maps a target to what `fix --target` must turn `code` into (with `--unsafe-fixes` when
    `unsafe_fixes`); a target not listed must leave the code unchanged.
    """

    name: str
    language: Language
    code: str
    findings: tuple[int, ...]
    target: TargetName = TARGETS[-1]
    after: dict[TargetName, str] = {}
    unsafe_fixes: bool = False


class Rule(_Frozen):
    """One deprecated operation."""

    id: str = Field(pattern=r"^LSM\d{3}$")
    resource: Resource
    operation: Operation
    summary: str
    rationale: str
    docs: str = Field(pattern=r"^https://")
    deprecated: Deprecation
    run_config_key: str | None = None
    sdk: SdkShape
    http: HttpShape
    cli: CliShape | None = None
    targets: dict[TargetName, TargetPlan]
    examples: tuple[Example, ...]

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        missing = [name for name in TARGETS if name not in self.targets]
        if missing:
            raise ValueError(f"targets: missing plan for {', '.join(missing)}")
        if self.operation == "unregister" and self.sdk.id_param is None:
            raise ValueError("sdk.id_param is required for an unregister rule")
        if self.operation == "register" and not self.sdk.required:
            raise ValueError("sdk.required is required for a register rule")
        if not any(example.findings for example in self.examples):
            raise ValueError("examples: at least one example must be found")
        if not any(not example.findings for example in self.examples):
            raise ValueError("examples: at least one look-alike (findings = []) is required")
        names = [example.name for example in self.examples]
        if len(set(names)) != len(names):
            raise ValueError("examples: names must be unique")
        return self

    @property
    def keywords(self) -> frozenset[str]:
        """Every keyword the real SDK method accepts."""
        return frozenset(self.sdk.required + self.sdk.optional)
