"""The rule model: a deprecated operation, or a read that breaks, described once for scan, fix, shim and report.

Rule files are TOML documents in `rules/`; `docs/rules.md` documents every field. The types are frozen
stdlib dataclasses, so that a scan whose rules come from the cache (`rulecache`) never imports pydantic;
pydantic validates a rule file against them all the same (`rule_loader`), as `migrate.validation` says:
unknown keys are rejected, constraints sit in the fields' metadata, a field's checks are `Check`s and a
type's checks across its fields its `__post_init__`.

A `register` or `unregister` rule is one of the twelve deprecated operations. A `read` rule is a read
or use of a resource (a listing, a lookup, running a shield, invoking a tool) that breaks on a target
although nothing deprecated it: its plan there is `served` (it works as it is, or after the namespace
rename of its resource), `translate-read` (the target serves the data elsewhere or in another shape:
`Translation` says how the shim builds the legacy answer) or `manual` (gone with no replacement).

A `config` rule is an entry of a server run config's `registered_resources` block (`ConfigShape`), which
some target ignores: not a call, so it has no SDK, HTTP or CLI shape, and its plans say whether the target
reads the block (`served`) or ignores it (`removed`). A `config` rule with a `providers` table instead
(`ProviderShape`, resource `provider`) is a kind of provider setting of the run config (`apis`, `providers`)
that some target renamed or dropped: its plans carry the verified facts (`ProviderChange`) per target.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from migrate.identifiers import IdentifierTemplate
from migrate.targets import TARGETS, TargetName
from migrate.validation import Check, Strict

Resource = Literal["model", "shield", "tool_group", "dataset", "benchmark", "scoring_function", "client", "provider"]
#: `register` / `unregister`: the twelve deprecated operations. `read`: a read or use of a resource whose shape or
#: route changed. `call`: an SDK call the SDK of the fixed code spells differently (a moved namespace, a dropped
#: keyword). `pin`: the project's pin of the SDK (`resource = "client"`). `config`: an entry of a run config's
#: `registered_resources` block.
Operation = Literal["register", "unregister", "read", "call", "pin", "config"]
#: `served`: a read the target serves as the legacy server did (read rules only): scan reports it only
#: where its spelling was renamed, the shim lets it through; for a `config` rule, a block the target reads.
PlanStatus = Literal["deprecated", "removed", "served"]
#: A surface's name (`python`, `notebook`, `shell`, ...): the registry in `migrate.sources` knows them,
#: and `rule_loader.load_rules` checks the examples' against it.
Language = str
Strategy = Literal[
    "keep",  # the target still serves the operation: nothing to rewrite, it stays a warning
    "rename-namespace",  # only the SDK namespace / HTTP path moved on the target
    "declare-and-read",  # declare the resource in the run config, read it back at the call site
    "declare-connector",  # MCP tool group -> top-level `connectors` entry; built-in groups are dropped
    "remove-statement",  # unregister: the resource is removed from the run config instead
    "translate-read",  # read: the shim builds the legacy answer from what the target serves instead
    "manual",  # no replacement on the target: a human decides
    "extra-body",  # a keyword the target's SDK dropped is sent in `extra_body`, the same request body
    "update-pin",  # the project's pin of the SDK moves to the version the fixed code is for
    "guard-listed-fields",  # reads of a listing's items: fields the target's SDK gives as None are guarded
    "read-through-client",  # read: the fixed code's SDK has no method; the client's get() reads the target's route
    "edit-providers",  # a run config's API, provider type or provider config key is renamed; a dropped provider goes
]

#: A path parameter of a route template: `{name}` is one path segment, `{name:path}` one or more.
PATH_PARAMETER = re.compile(r"\{(?P<name>[a-z_]+)(?::(?P<kind>path))?\}")
_DOTTED = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


@dataclass(frozen=True, kw_only=True)
class Deprecation(Strict):
    """When upstream deprecated the operation: the release and the date of the deprecating commit."""

    version: str
    date: dt.date


#: Attributes of every SDK resource that wrap its methods (`client.models.with_raw_response.register`).
SDK_WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
#: The SDKs' command-line programs (`llama-stack-client models register ...`; OGX's client ships `ogx-client`).
CLI_PROGRAMS = ("llama-stack-client", "ogx-client")
#: Keywords every SDK method takes besides its own (request options).
SDK_REQUEST_OPTIONS = frozenset({"extra_headers", "extra_query", "extra_body", "timeout"})


def _dotted_methods(methods: tuple[str, ...]) -> tuple[str, ...]:
    for method in methods:
        if not _DOTTED.match(method) or "." not in method:
            raise ValueError(f"{method!r} is not a dotted SDK method path such as 'models.register'")
    return methods


def _use_sites(uses: tuple[str, ...]) -> tuple[str, ...]:
    for use in uses:
        method, _, keyword = use.partition(":")
        if not _DOTTED.match(method) or "." not in method or not re.fullmatch(r"[a-z_]+", keyword):
            raise ValueError(f"{use!r} is not 'method:keyword' such as 'chat.completions.create:model'")
    return uses


@dataclass(frozen=True, kw_only=True)
class SdkShape(Strict):
    """How the Python SDK (`llama-stack-client`, `ogx-client`) spells the operation.

    `methods` are attribute paths below the client (`models.register`, `beta.datasets.register`);
    the `with_raw_response` / `with_streaming_response` wrappers are implied. `required` and
    `optional` are the keyword names of the real method: together they tell a Llama Stack call from
    a look-alike. `id_param` names the one identifier an unregister call takes, positionally or by
    keyword; register calls are keyword-only. A read rule's methods take any arguments (`list()`,
    `get(id)`, `iterrows(id, limit=...)`): what tells them from look-alikes is the file's Llama Stack
    context (a `llama_stack_client` import, or `llama` in the receiver's name).
    """

    methods: Annotated[tuple[str, ...], Check(_dotted_methods)] = ()
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    id_param: str | None = None
    #: Other SDK calls that name the registered resource by its identifier, `method:keyword`
    #: (`chat.completions.create:model`; the first positional argument counts too): where the target names
    #: the resource differently, `fix` rewrites the id there as well.
    uses: Annotated[tuple[str, ...], Check(_use_sites)] = ()


def _route_templates(paths: tuple[str, ...]) -> tuple[str, ...]:
    for path in paths:
        if not path.startswith("/v1"):
            raise ValueError(f"{path!r} must start with /v1")
        stripped = PATH_PARAMETER.sub("", path)
        if "{" in stripped or "}" in stripped:
            raise ValueError(f"{path!r} has a malformed path parameter")
    return paths


@dataclass(frozen=True, kw_only=True)
class HttpShape(Strict):
    """The deprecated HTTP route(s). Path parameters are `{name}`, or `{name:path}` when ids contain `/`.

    A rule found only in SDK calls (`call`) or in pins has none: no `method`, no `paths`.
    """

    method: Literal["GET", "POST", "DELETE"] | None = None
    paths: Annotated[tuple[str, ...], Check(_route_templates)] = ()
    legacy_paths: Annotated[tuple[str, ...], Check(_route_templates)] = ()
    request_schema: str | None = None
    response_schema: str | None = None
    #: OpenAI-compatible servers (vLLM, NIM, Ollama, OpenAI) serve the route too (`GET /v1/models`): a raw call
    #: is taken for Llama Stack's only when its URL says so; one whose URL names another server is no use of it,
    #: one whose URL names no server is reported with low confidence.
    openai_compatible: bool = False

    def __post_init__(self) -> None:
        if (self.method is None) != (not self.paths) or (self.legacy_paths and not self.paths):
            raise ValueError("HTTP routes need a 'method' and 'paths' (and only then 'legacy_paths')")

    @property
    def all_paths(self) -> tuple[str, ...]:
        return self.paths + self.legacy_paths


@dataclass(frozen=True, kw_only=True)
class PinShape(Strict):
    """The distributions a `pin` rule looks for in requirements files, pyproject.toml and setup.cfg."""

    packages: tuple[str, ...] = field(metadata={"min_length": 1})


@dataclass(frozen=True, kw_only=True)
class ConfigShape(Strict):
    """The run-config block a `config` rule looks at: the entries of `registered_resources.<key>`.

    `fields` are the fields an entry has, its identifier first (`shield_id`): what a plan's `fields` may
    map, and what names an entry in a finding.
    """

    key: str = field(metadata={"pattern": r"^[a-z_]+$"})
    fields: tuple[str, ...] = field(metadata={"min_length": 1})

    @property
    def id_field(self) -> str:
        return self.fields[0]


#: What a provider rule looks at: an API (an `apis` entry and its `providers` key), a provider's `provider_type`
#: (an entry of `providers.<api>`), or a key of a provider's `config`.
ProviderKind = Literal["api", "provider_type", "config_key"]


@dataclass(frozen=True, kw_only=True)
class ProviderShape(Strict):
    """The run-config provider settings a `config` rule looks at (instead of a `registered_resources` block).

    `kind` says what a fact names; `change` whether the target renamed it (each fact says to what) or dropped it.
    """

    kind: ProviderKind
    change: Literal["renamed", "removed"]


@dataclass(frozen=True, kw_only=True)
class ProviderChange(Strict):
    """One verified fact about a run config's providers on a target: what the legacy server read, and what the target
    reads instead (`becomes`) or that it has nothing in its place (`becomes` None).

    `api` is the API (an `apis` entry, a `providers` key); `provider_type` a provider of it (`inline::rag-runtime`);
    `key` a key of that provider's `config` (`url`). `source` is where the fact was read: the file inside the
    installed server package (`llama_stack/providers/registry/eval.py`). `removable`: the target needs nothing in the
    removed provider's place, so `fix` deletes its entry where nothing else in the config names its provider_id.
    `note` says, for a human, what replaces a removed API or provider on the target (or that nothing does); a
    renamed setting with a `note` changed more than its name (the value's form too) and is left for a human.
    """

    api: str = field(metadata={"pattern": r"^[a-z_]+$"})
    provider_type: str | None = field(default=None, metadata={"pattern": r"^(inline|remote)::[a-z0-9_:-]+$"})
    key: str | None = field(default=None, metadata={"pattern": r"^[a-z_]+$"})
    becomes: str | None = field(default=None, metadata={"pattern": r"^[a-z0-9_:-]+$"})
    removable: bool = False
    note: str | None = None
    source: str = field(metadata={"min_length": 1})

    def fits(self, shape: ProviderShape) -> str | None:
        """Why this fact does not fit a rule of `shape` (None: it does)."""
        given = {"provider_type": self.provider_type is not None, "key": self.key is not None}
        wanted = {"provider_type": shape.kind != "api", "key": shape.kind == "config_key"}
        if given != wanted:
            names = [name for name, present in wanted.items() if present]
            return f"a {shape.kind} fact names api{''.join(', ' + name for name in names)} and nothing else"
        if (self.becomes is not None) != (shape.change == "renamed"):
            return f"a {shape.change} fact {'needs' if shape.change == 'renamed' else 'has no'} 'becomes'"
        if self.removable and (shape.change, shape.kind) != ("removed", "provider_type"):
            return "only a removed provider is 'removable'"
        return None


def _two_words(commands: tuple[str, ...]) -> tuple[str, ...]:
    for command in commands:
        if len(command.split()) != 2:
            raise ValueError(f"{command!r} must be '<noun> <verb>', e.g. 'models register'")
    return commands


@dataclass(frozen=True, kw_only=True)
class CliShape(Strict):
    """`llama-stack-client <noun> <verb>` forms of the operation."""

    commands: Annotated[tuple[str, ...], Check(_two_words)] = field(metadata={"min_length": 1})


@dataclass(frozen=True, kw_only=True)
class ReadBack(Strict):
    """How a declared resource is found on a target.

    `http` is `GET /path`: with `{identifier}` in the path, 200 means present and 404 absent; without
    it, `listing_field` names the field of the listing's items (`{"data": [...]}`) that holds the
    identifier. `sdk` is the SDK method `fix` reads the resource back with, where there is one.
    """

    sdk: str | None = None
    http: str = field(metadata={"pattern": r"^GET /\S*$"})
    listing_field: str | None = None

    @property
    def path(self) -> str:
        return self.http.split(" ", 1)[1]

    def __post_init__(self) -> None:
        if ("{identifier}" in self.http) == (self.listing_field is not None):
            raise ValueError("a read has {identifier} in its path or a listing_field, not both")


@dataclass(frozen=True, kw_only=True)
class BuiltinGroups(Strict):
    """Resources the server's providers register by themselves, which no run-config entry declares.

    Built-in tool groups (`builtin::websearch`) follow the configured tool_runtime providers: an
    identifier that starts with `prefix` is served when the `read` listing holds a provider whose
    type `providers` maps to it.
    """

    prefix: str = field(metadata={"min_length": 1})
    read: ReadBack
    providers: dict[str, str] = field(metadata={"min_length": 1})

    def is_builtin(self, identifier: object) -> bool:
        return isinstance(identifier, str) and identifier.startswith(self.prefix)


#: A dotted field of a JSON object: `custom_metadata.provider_id`, `mcp_endpoint.uri`.
_FIELD = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
#: An item source's read: `GET /path` (`{name}` filled from the request's parameters), or `builtin`.
BUILTIN_SOURCE = "builtin"


@dataclass(frozen=True, kw_only=True)
class ItemSource(Strict):
    """Where items of a translated legacy answer come from on the target, and how one legacy item is made.

    `read` is `GET /path`, a listing (`{"data": [...]}`) of the target; a `{name}` in the path is the
    request's parameter of that name (a path parameter of the legacy route, or a query parameter),
    percent-encoded. `builtin` is the resource's built-in identifiers instead (its register rule's
    `builtin`): one item per configured provider whose type serves one, the provider's fields with
    `identifier` added. A legacy item is built from one upstream item: `fields` copies a (dotted)
    upstream field to a (dotted) legacy field, `constants` sets fixed values, `parameters` copies a
    request parameter, and `rest` copies an upstream object without the keys `fields` took from it
    (a model's `metadata` is its `custom_metadata` minus `model_type`, `provider_id` and
    `provider_resource_id`).
    """

    read: str = field(metadata={"pattern": rf"^(GET /\S*|{BUILTIN_SOURCE})$"})
    #: The read of one item by its key (`GET /v1beta/connectors/{toolgroup_id}`), for code that gets one
    #: (`read-through-client`); `{name}` is the read rule's `sdk.id_param`.
    item: str | None = field(default=None, metadata={"pattern": r"^GET /\S*$"})
    fields: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    rest: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table in (self.fields, self.constants, self.parameters, self.rest):
            for name in table:
                if not _FIELD.match(name):
                    raise ValueError(f"{name!r} is not a dotted field name such as 'mcp_endpoint.uri'")
        for value in (*self.fields.values(), *self.rest.values()):
            if not _FIELD.match(value):
                raise ValueError(f"{value!r} is not a dotted field name such as 'custom_metadata.provider_id'")

    @property
    def path(self) -> str | None:
        """The upstream path template, None for `builtin`."""
        return None if self.read == BUILTIN_SOURCE else self.read.split(" ", 1)[1]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The request parameters the read's path needs."""
        return tuple(found.group("name") for found in PATH_PARAMETER.finditer(self.path or ""))


@dataclass(frozen=True, kw_only=True)
class Translation(Strict):
    """How the shim answers a read of a legacy client when the target serves the data elsewhere or in another shape.

    The answer is built from the `sources` (in order, items concatenated) and each item is checked
    against the legacy schema `shape`. A legacy route without a path parameter answers the listing
    `{"data": [...]}`; one with a path parameter answers the one item whose `key` equals it (404
    `resource-not-found` otherwise). A request's parameters are the legacy route's path parameters
    and the query parameters `query` names, under the name it gives them (`tool_group_id` of
    `/v1/tool-runtime/list-tools` is the `toolgroup_id` of `/v1/tools`). `builtin` says what a
    request whose parameter names a built-in identifier gets: `forward` (the target answers it at
    the legacy route itself) or `unlisted` (no route of the target lists it: 501
    `builtin-tools-not-listed`). A request without a parameter a source needs is forwarded as it is.
    """

    shape: str = field(metadata={"pattern": r"^[A-Z][A-Za-z]+$"})
    sources: tuple[ItemSource, ...] = field(metadata={"min_length": 1})
    key: str = "identifier"
    query: dict[str, str] = field(default_factory=dict)
    builtin: Literal["forward", "unlisted"] | None = None


def _template(value: object) -> object:
    """`"{a}/{b}"`, or `{ template = "{a}/{b}", prefix_once = true }`, parsed into an `IdentifierTemplate`."""
    if isinstance(value, str):
        return IdentifierTemplate.parse(value)
    if isinstance(value, dict) and set(value) <= {"template", "prefix_once"} and isinstance(value.get("template"), str):
        return IdentifierTemplate.parse(value["template"], prefix_once=bool(value.get("prefix_once", False)))
    return value


Template = Annotated[IdentifierTemplate, Check(_template, before=True)]


#: The strategies whose shim answer translates a legacy client's read (`TargetPlan.translate` says how).
_TRANSLATING = ("translate-read", "guard-listed-fields", "read-through-client")


@dataclass(frozen=True, kw_only=True)
class TargetPlan(Strict):
    """What the operation is on one target and how `fix` and the shim replace it there."""

    status: PlanStatus
    removed_in: str | None = None
    removed_date: str | None = field(default=None, metadata={"pattern": r"^\d{4}-\d{2}(-\d{2})?$"})
    strategy: Strategy
    config_section: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    identifier: Template | None = None
    read: ReadBack | None = None
    rename: dict[str, str] = field(default_factory=dict)
    #: What `update-pin` writes: the PEP 440 specifier of the SDK the fixed code is for (`>=0.7.3,<0.8`).
    requirement: str | None = field(default=None, metadata={"pattern": r"^[<>=!~][^;#\s]*$"})
    translate: Translation | None = None
    #: A provider rule's facts on this target (`ProviderChange`): what the target renamed or dropped.
    providers: tuple[ProviderChange, ...] = ()
    guidance: str

    def __post_init__(self) -> None:
        if self.status == "removed" and self.removed_in is None:
            raise ValueError("a removed operation needs 'removed_in'")
        if self.status != "removed" and self.removed_in is not None:
            raise ValueError("'removed_in' is only for status = 'removed'")
        if (self.strategy in _TRANSLATING) != (self.translate is not None):
            raise ValueError(
                f"strategies {', '.join(map(repr, _TRANSLATING))} need a 'translate' table, and only they have one"
            )
        if self.strategy == "rename-namespace" and not self.rename:
            raise ValueError("strategy 'rename-namespace' needs a 'rename' table")
        if self.strategy in ("declare-and-read", "declare-connector") and self.config_section is None:
            raise ValueError(f"strategy {self.strategy!r} needs 'config_section'")
        if self.strategy == "declare-and-read" and self.read is not None and self.read.sdk is None:
            raise ValueError("strategy 'declare-and-read' reads the resource back: 'read' needs 'sdk'")
        if (self.strategy == "update-pin") != (self.requirement is not None):
            raise ValueError("strategy 'update-pin', and only it, needs 'requirement'")


@dataclass(frozen=True)
class Naming:
    """How one target names and finds a resource that is declared in the run config instead of registered.

    The one object `fix`, the shim and `report` ask for a declarative replacement: the identifier
    template, the run-config section and the field of an entry that holds the resource's own id
    (`model_id`, `connector_id`), how the resource is read back, and which identifiers the server's
    providers serve by themselves (`builtin`). Built when the register rule loads (`Rule.naming`);
    the unregister rule of the same resource uses it too (`RuleSet.naming`).
    """

    template: IdentifierTemplate
    section: str
    id_field: str
    read: ReadBack
    builtin: BuiltinGroups | None

    def is_builtin(self, identifier: object) -> bool:
        return self.builtin is not None and self.builtin.is_builtin(identifier)

    def reads(self, identifier: str) -> tuple[ReadBack, ...]:
        """The reads that find `identifier`: the providers listing for a built-in one, else the resource's."""
        if self.builtin is not None and self.builtin.is_builtin(identifier):
            return (self.builtin.read,)
        return (self.read,)


@dataclass(frozen=True, kw_only=True)
class Example(Strict):
    """A named snippet and the lines where scan must report this rule (empty: a look-alike).

    `also` names the lines where scan must report other rules in the same snippet (a register example
    that lists the resources afterwards is a finding of the listing's read rule too); scan must report
    nothing else. `after` maps a target to what `fix --target` must turn `code` into (with
    `--unsafe-fixes` when `unsafe_fixes`); a target not listed must leave the code unchanged.
    """

    name: str
    language: Language
    code: str
    findings: tuple[int, ...]
    also: dict[str, tuple[int, ...]] = field(default_factory=dict)
    target: TargetName = TARGETS[-1]
    after: dict[TargetName, str] = field(default_factory=dict)
    unsafe_fixes: bool = False

    def expected(self, rule_id: str) -> list[tuple[int, str]]:
        """Every (line, rule id) scan must report in `code` for `target`, sorted; `rule_id` is the example's rule."""
        found = [(line, rule_id) for line in self.findings]
        found += [(line, other) for other, lines in self.also.items() for line in lines]
        return sorted(found)


def _shim_answers(answers: dict[TargetName, str]) -> dict[TargetName, str]:
    missing = [name for name in TARGETS if name not in answers]
    if missing:
        raise ValueError(f"no answer for {', '.join(missing)}")
    for answer in answers.values():
        if not _SHIM_ANSWER.fullmatch(answer):
            raise ValueError(
                f"{answer!r} is not 'forward [PATH]', 'passthrough', 'null', a legacy shape, 'list SHAPE' or "
                "'problem NAME'"
            )
    return answers


@dataclass(frozen=True, kw_only=True)
class ShimExample(Strict):
    """A call and how the shim answers it on each target; tests are generated from these.

    The upstream serves `declared` (identifiers on the target, of the rule's resource) and nothing else
    of that kind. `client` is who sends the call: `legacy` (llama-stack-client 0.3.5's headers),
    `current` (0.7.3's) or `unannounced` (no SDK headers). An answer is `forward` (the upstream answers
    the call as sent, or at the path after it: `forward /v1beta/datasets`), `passthrough` (ordinary
    traffic: the upstream's answer, byte for byte, without deprecation headers or an event), a legacy
    shape (`Model`, `Shield`, `Dataset`) or `null`, answered 200 by the shim, `list SHAPE`, a legacy
    listing `{"data": [...]}` of that shape translated by the shim, or `problem NAME`, an RFC 9457
    problem document of that type.
    """

    name: str
    request: str = field(metadata={"pattern": r"^(GET|POST|DELETE) /v1\S*$"})
    body: dict[str, Any] | None = None
    client: Literal["unannounced", "legacy", "current"] = "unannounced"
    declared: tuple[str, ...] = ()
    answers: Annotated[dict[TargetName, str], Check(_shim_answers)]

    @property
    def method(self) -> str:
        return self.request.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.request.split(" ", 1)[1]


_SHIM_ANSWER = re.compile(r"forward(?: /\S+)?|passthrough|null|(?:list )?[A-Z][A-Za-z]+|problem [a-z-]+")


@dataclass(frozen=True, kw_only=True)
class Rule(Strict):
    """One deprecated operation, a read that breaks on some target (`operation = "read"`), or a run-config block
    some target ignores (`operation = "config"`)."""

    id: str = field(metadata={"pattern": r"^LSM\d{3}$"})
    resource: Resource
    operation: Operation
    #: A short title: each finding's one-line message starts with it (`Model registration removed on ogx-1`).
    summary: str = field(metadata={"max_length": 40})
    rationale: str
    docs: str = field(metadata={"pattern": r"^https://"})
    deprecated: Deprecation | None = None
    sdk: SdkShape = field(default_factory=SdkShape)
    http: HttpShape = field(default_factory=HttpShape)
    pin: PinShape | None = None
    cli: CliShape | None = None
    config: ConfigShape | None = None
    providers: ProviderShape | None = None
    builtin: BuiltinGroups | None = None
    targets: dict[TargetName, TargetPlan]
    examples: tuple[Example, ...]
    shim_examples: tuple[ShimExample, ...] = ()

    #: How each target names the resource when it is declared (`naming`): built here, once, as the rule loads.
    _naming: dict[TargetName, Naming] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [name for name in TARGETS if name not in self.targets]
        if missing:
            raise ValueError(f"targets: missing plan for {', '.join(missing)}")
        self._check_shapes()
        for name, plan in self.targets.items():
            self._check_fields(name, plan)
            self._check_read(name, plan)
        if self.operation not in ("read", "call", "pin", "config") and self.deprecated is None:
            raise ValueError("deprecated: a deprecated operation needs the release and date that deprecated it")
        if not any(example.findings for example in self.examples):
            raise ValueError("examples: at least one example must be found")
        if not any(not example.findings for example in self.examples):
            raise ValueError("examples: at least one look-alike (findings = []) is required")
        names = [example.name for example in self.examples]
        if len(set(names)) != len(names):
            raise ValueError("examples: names must be unique")
        if self.builtin is not None and self.operation != "register":
            raise ValueError("builtin: only a register rule describes its resource's built-in identifiers")
        naming = {
            name: Naming(plan.identifier, plan.config_section, self._id_field(plan), plan.read, self.builtin)
            for name, plan in self.targets.items()
            if plan.identifier is not None and plan.read is not None and plan.config_section is not None
        }
        object.__setattr__(self, "_naming", naming)  # frozen: the one attribute not given to __init__

    def _check_shapes(self) -> None:
        """The shapes an operation is found by: SDK calls and HTTP routes, a pin, or a run-config block."""
        if (self.operation == "config") != ((self.config is not None) + (self.providers is not None) == 1):
            raise ValueError("a config rule, and only it, has a 'config' or a 'providers' table (one of them)")
        self._check_providers()
        if self.operation == "config":
            if self.sdk.methods or self.http.paths or self.cli is not None or self.pin is not None:
                raise ValueError("a config rule has a 'config' table and no sdk methods, http paths, cli or pin")
            return
        if self.operation == "pin":
            if self.pin is None or self.sdk.methods or self.http.paths or self.cli is not None:
                raise ValueError("a pin rule has a 'pin' table and no sdk methods, http paths or cli")
            return
        if not self.sdk.methods or self.pin is not None:
            raise ValueError(f"a {self.operation} rule has sdk methods and no 'pin'")
        if self.operation in ("register", "unregister", "read") and not (self.http.paths and self.http.method):
            raise ValueError(f"a {self.operation} rule has an http method and paths")
        if self.http.paths and not self.shim_examples:
            raise ValueError("shim_examples: a rule with HTTP routes says how the shim answers them")
        if self.operation == "unregister" and self.sdk.id_param is None:
            raise ValueError("sdk.id_param is required for an unregister rule")
        if self.operation == "register" and not self.sdk.required:
            raise ValueError("sdk.required is required for a register rule")

    def _check_providers(self) -> None:
        """A provider rule's plans carry facts of its shape where the target changed something, and only there."""
        for target, plan in self.targets.items():
            where = f"targets.{target}.providers"
            if self.providers is None:
                if plan.providers:
                    raise ValueError(f"{where}: only a rule with a 'providers' table has provider facts")
                continue
            if (plan.status == "removed") != bool(plan.providers):
                raise ValueError(f"{where}: facts where the target changed the settings (status 'removed'), only there")
            for index, fact in enumerate(plan.providers):
                reason = fact.fits(self.providers)
                if reason is not None:
                    raise ValueError(f"{where}.{index}: {reason}")
        if self.providers is not None and self.resource != "provider":
            raise ValueError("a rule with a 'providers' table has resource 'provider'")

    def _check_fields(self, target: TargetName, plan: TargetPlan) -> None:
        """Identifier templates and field maps may only name keywords of the real SDK method."""
        where = f"targets.{target}"
        if plan.identifier is not None and self.operation != "register":
            raise ValueError(f"{where}.identifier: only a register call names a resource")
        declarative = plan.strategy in ("declare-and-read", "declare-connector")
        if declarative and self.operation == "register" and (plan.identifier is None or plan.read is None):
            raise ValueError(f"{where}: strategy {plan.strategy!r} needs 'identifier' and 'read'")
        unknown = (plan.identifier.names if plan.identifier else frozenset()) - self.keywords
        unknown |= {source.split(".")[0] for source in plan.fields} - self.keywords
        if unknown:
            method = self.sdk.methods[0] if self.sdk.methods else self.id
            if self.config is not None:
                method = f"a registered_resources.{self.config.key} entry"
            raise ValueError(f"{where}: {', '.join(sorted(unknown))} is not a keyword of {method}")

    def _check_read(self, target: TargetName, plan: TargetPlan) -> None:
        """`served` and `translate` belong to read rules, and a translation names only the request's parameters."""
        where = f"targets.{target}"
        if self.operation != "read":
            if plan.status == "served" and self.operation != "config":
                raise ValueError(
                    f"{where}.status: 'served' is for read and config rules; a deprecated operation is deprecated"
                )
            return
        if plan.config_section is not None or plan.fields or plan.read is not None:
            raise ValueError(f"{where}: a read rule declares nothing (config_section, fields, read)")
        if plan.translate is None:
            return
        given = {name for path in self.http.all_paths for name in _path_parameters(path)}
        given |= set(plan.translate.query.values())
        for source in plan.translate.sources:
            unknown = (set(source.placeholders) | set(source.parameters.values())) - given
            if unknown:
                raise ValueError(
                    f"{where}.translate: {', '.join(sorted(unknown))} is neither a path parameter of the rule's "
                    "routes nor a query parameter of 'translate.query'"
                )
            named = {found.group("name") for found in PATH_PARAMETER.finditer(source.item or "")}
            if named - {self.sdk.id_param}:
                raise ValueError(f"{where}.translate: a source's 'item' route names the rule's sdk.id_param only")

    def _id_field(self, plan: TargetPlan) -> str:
        primary = self.sdk.required[0] if self.sdk.required else ""
        return plan.fields.get(primary, primary)

    @property
    def keywords(self) -> frozenset[str]:
        """Every keyword the real SDK method accepts (a config rule's: the fields of an entry)."""
        if self.config is not None:
            return frozenset(self.config.fields)
        return frozenset(self.sdk.required + self.sdk.optional)

    def naming(self, target: TargetName) -> Naming | None:
        """How `target` names this register rule's resource when it is declared (None: it is not)."""
        return self._naming.get(target)

    def reshapes(self, target: TargetName) -> bool:
        """Whether `target`'s translation reads the legacy route itself: the route is served, in a new shape.

        `GET /v1/models` answers the OpenAI list from 0.4 on: only a client that parses the legacy shape wants
        it translated. A translation that reads other routes stands in for a route the target removed
        (`/v1/toolgroups` is read from the connectors): the target answers that route 404 to every client, and
        the SDKs that still call it (llama-stack-client 0.4 to 0.6) parse the legacy shape too.
        """
        translate = self.targets[target].translate
        return translate is not None and any(source.path in self.http.paths for source in translate.sources)


def _path_parameters(template: str) -> list[str]:
    return [found.group("name") for found in PATH_PARAMETER.finditer(template)]
