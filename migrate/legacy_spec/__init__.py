"""The legacy OpenAPI document of the twelve deprecated operations, shipped with the package.

A copy of upstream's "Deprecated APIs" specification (commit fadf17daf, 2025-11-10): the shim
validates legacy request bodies and answers against it, and the rules name its schemas. The legacy
answers of the reads the shim translates (`ToolGroup`, `ToolDef`) are not in it: `READ_SCHEMAS_FILE`
holds them, taken from llama-stack 0.3.5's own models, and `legacy_spec` adds them to its components.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

SPEC_FILE = "deprecated-llama-stack-spec.yaml"
#: SHA-256 of `SPEC_FILE` as copied from upstream. The copy is not ours to edit: a test checks the
#: shipped file against this, so a change to it is a deliberate update of both, never an accident.
SPEC_SHA256 = "225bb047854a07b5d68e872943854256974301f39b2be8e49dc23bf2ba3ba3cf"
READ_SCHEMAS_FILE = "legacy-read-schemas.yaml"


@cache
def legacy_spec() -> dict[str, Any]:
    """The parsed specification with the read schemas added to its components (loaded once)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    spec: dict[str, Any] = yaml.load(resources.files(__name__).joinpath(SPEC_FILE).read_text(encoding="utf-8"))
    reads: dict[str, Any] = yaml.load(resources.files(__name__).joinpath(READ_SCHEMAS_FILE).read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    clash = set(schemas).intersection(reads["components"]["schemas"])
    if clash:
        raise RuntimeError(f"{READ_SCHEMAS_FILE} redefines {sorted(clash)} of {SPEC_FILE}")
    schemas.update(reads["components"]["schemas"])
    return spec
