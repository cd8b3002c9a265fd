"""The legacy OpenAPI document of the twelve deprecated operations, shipped with the package.

A copy of upstream's "Deprecated APIs" specification (commit fadf17daf, 2025-11-10): the shim
validates legacy request bodies and answers against it, and the rules name its schemas.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

SPEC_FILE = "deprecated-llama-stack-spec.yaml"


@cache
def legacy_spec() -> dict[str, Any]:
    """The parsed specification (loaded once)."""
    from ruamel.yaml import YAML

    text = resources.files(__name__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    spec: dict[str, Any] = YAML(typ="safe").load(text)
    return spec
