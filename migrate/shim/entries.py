"""The run-config entry a register call on the shim should have been, and how it is shown.

An entry never carries a credential (`credential_free`): it goes back to the caller in a 409 (which
SDKs put into exception messages, and so into application logs) and into the shim's events. URLs
lose their userinfo and secret-looking query parameters; objects (a model's `metadata`) lose
secret-looking keys.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ruamel.yaml import YAML

from migrate.rules import Rule, TargetPlan
from migrate.targets import TargetName

#: Words that make a key or query parameter name a credential (`api_key`, `X-Api-Key`, `accessToken`, `sig`).
_SECRET_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "bearer",
        "cookie",
        "credential",
        "credentials",
        "headers",
        "key",
        "passphrase",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "sig",
        "signature",
        "token",
    }
)
#: A URL anywhere in a text (the whole value, or inside a description).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def field_value(body: Mapping[str, Any], dotted: str) -> Any:
    """`body["a"]["b"]` for `"a.b"`, None when any step is missing."""
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def config_entry(plan: TargetPlan, body: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The entry for `plan.config_section`: each mapped request field that is given; `required` ones as null."""
    entry: dict[str, Any] = {}
    for source, destination in plan.fields.items():
        value = field_value(body, source)
        if value is not None or source in required:
            entry[destination] = value
    return entry


def credential_free(entry: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`entry` without credentials, and where each one was (`url: userinfo`, `url: query token`, `metadata.api_key`)."""
    removed: list[str] = []
    cleaned = _clean(entry, "", removed)
    assert isinstance(cleaned, dict)
    return cleaned, removed


def is_secret_name(name: str) -> bool:
    """Whether a key or query parameter name says it holds a credential (`api_key`, `X-Auth-Token`, `apiKey`)."""
    lowered = name.lower()
    if lowered.replace("-", "").replace("_", "") in _SECRET_WORDS:
        return True
    return any(word.lower() in _SECRET_WORDS for word in _WORD.findall(name))


def _clean(value: Any, where: str, removed: list[str]) -> Any:
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if is_secret_name(str(key)):
                removed.append(path)
            else:
                kept[key] = _clean(item, path, removed)
        return kept
    if isinstance(value, list):
        return [_clean(item, f"{where}[{index}]", removed) for index, item in enumerate(value)]
    if isinstance(value, str) and "://" in value:
        return _URL.sub(lambda found: _clean_url(found.group(0), where, removed), value)
    return value


def _clean_url(url: str, where: str, removed: list[str]) -> str:
    """`url` without userinfo, secret-looking query parameters and a `key=value` fragment (unparsable: left out)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        removed.append(f"{where}: unparsable URL")
        return ""
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rpartition("@")[2]
        removed.append(f"{where}: userinfo")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        secret = [name for name, _ in pairs if is_secret_name(name)]
        if secret:
            removed += [f"{where}: query {name}" for name in secret]
            query = urlencode([(name, item) for name, item in pairs if not is_secret_name(name)])
    fragment = parts.fragment
    if "=" in fragment:
        removed.append(f"{where}: fragment")
        fragment = ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def entry_yaml(section: str, entry: dict[str, Any]) -> str:
    """The entry nested under its section path, as YAML ready to paste into the run config."""
    document: Any = [entry]
    for key in reversed(section.split(".")):
        document = {key: document}
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def fix_command(rule: Rule, target: TargetName) -> str:
    """The `fix` invocation that rewrites this rule's call sites under PATH (the application) and merges
    the resources they register into RUN_CONFIG (the server's run config)."""
    return f"llama-stack-migrate fix --target {target} --select {rule.id} --config RUN_CONFIG --write PATH"
