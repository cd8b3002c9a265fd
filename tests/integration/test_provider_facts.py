"""The provider rules' facts (LSM26x) hold in the real server packages they were read from.

Every fact names what llama-stack 0.3.5 reads and what the target reads instead, or that it has nothing in its
place. A script run inside each server's own venv (the cached installs of `servers.py`) imports the package's
`Api` enum, its provider registries and its providers' config classes, and says for each fact what it finds: the
legacy name in 0.3.5, and on the target the new name and not the old one. No server is started.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from servers import LEGACY, LLAMA_STACK_07, OGX, ServerSpec, ensure_venv, venv_python

from migrate.rule_loader import load_rules
from migrate.rules import ProviderChange
from migrate.targets import TargetName

RULESET = load_rules()
SERVERS: dict[TargetName, ServerSpec] = {"llama-stack-0.7": LLAMA_STACK_07, "ogx-1": OGX}

#: Run in a server venv: argv[1] is a JSON list of [api, provider_type | null, key | null]; prints, for each, whether
#: the API exists, whether it has that provider, and whether the provider's config class has that key.
PROBE = r"""
import importlib, json, pkgutil, sys
for name in ("llama_stack_api.datatypes", "ogx_api.datatypes", "llama_stack.apis.datatypes"):
    try:
        Api = importlib.import_module(name).Api
        break
    except ImportError:
        continue
package = "ogx" if importlib.util.find_spec("ogx") else "llama_stack"
registry = importlib.import_module(f"{package}.providers.registry")
providers = {}
for found in pkgutil.iter_modules(registry.__path__):
    module = importlib.import_module(f"{package}.providers.registry.{found.name}")
    for spec in getattr(module, "available_providers", lambda: [])():
        providers.setdefault(spec.api.value, {})[spec.provider_type] = spec.config_class
answers = []
for api, provider_type, key in json.loads(sys.argv[1]):
    apis = {member.value for member in Api}
    config_class = providers.get(api, {}).get(provider_type) if provider_type else None
    fields = []
    if config_class:
        module, _, name = config_class.rpartition(".")
        fields = list(getattr(importlib.import_module(module), name).model_fields)
    answers.append({"api": api in apis, "provider": config_class is not None, "key": key in fields})
print(json.dumps(answers))
"""


def probe(spec: ServerSpec, names: list[tuple[str, str | None, str | None]]) -> list[dict[str, bool]]:
    process = subprocess.run(
        [str(venv_python(ensure_venv(spec))), "-c", PROBE, json.dumps(names)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    answers: list[dict[str, bool]] = json.loads(process.stdout.splitlines()[-1])
    return answers


def facts(target: TargetName) -> list[tuple[str, str, ProviderChange]]:
    """(rule id, kind, fact) of every provider rule's facts on `target`."""
    return [
        (rule.id, rule.providers.kind, fact)
        for rule in RULESET.provider_rules
        if rule.providers is not None
        for fact in rule.targets[target].providers
    ]


@pytest.mark.parametrize("target", list(SERVERS))
def test_every_fact_holds_in_the_legacy_and_the_target_package(target: TargetName) -> None:
    found = facts(target)
    assert found, target
    renamed = {fact.api: fact.becomes for _, kind, fact in found if kind == "api" and fact.becomes is not None}

    def on_target(kind: str, fact: ProviderChange, new: bool) -> tuple[str, str | None, str | None]:
        """What the target would name: the new name (`new`) or the old one, under the target's name of its API."""
        api = renamed.get(fact.api, fact.api)
        if kind == "api":
            return (fact.becomes or fact.api, None, None) if new else (fact.api, None, None)
        if kind == "provider_type":
            return (api, (fact.becomes or fact.provider_type) if new else fact.provider_type, None)
        return (api, fact.provider_type, fact.becomes if new else fact.key)

    on_legacy = probe(LEGACY, [(fact.api, fact.provider_type, fact.key) for _, _, fact in found])
    gone = probe(SERVERS[target], [on_target(kind, fact, new=False) for _, kind, fact in found])
    now = probe(SERVERS[target], [on_target(kind, fact, new=True) for _, kind, fact in found])
    for (rule, kind, fact), was, old, new in zip(found, on_legacy, gone, now, strict=True):
        where = (rule, target, fact)
        assert was["api"] and (kind == "api" or was["provider"]) and (kind != "config_key" or was["key"]), where
        if kind == "api":
            assert not old["api"] and (fact.becomes is None or new["api"]), where
        elif kind == "provider_type":
            assert not old["provider"] and (fact.becomes is None or new["provider"]), where
        else:
            assert old["provider"] and not old["key"] and new["key"], where
