"""The server generations a codebase can be migrated to, oldest first."""

from __future__ import annotations

from typing import Literal, get_args

TargetName = Literal["llama-stack-0.4", "llama-stack-0.7", "ogx-1"]

TARGETS: tuple[TargetName, ...] = get_args(TargetName)
DEFAULT_TARGET: TargetName = TARGETS[-1]

TARGET_DESCRIPTIONS: dict[TargetName, str] = {
    "llama-stack-0.4": "llama-stack 0.4 to 0.6: every route still served, SDK namespaces renamed",
    "llama-stack-0.7": "llama-stack 0.7: model and tool-group routes removed",
    "ogx-1": "OGX 1.x: every deprecated route removed",
}
