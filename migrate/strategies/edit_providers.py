"""`edit-providers`: a run config's API, provider type or provider config key the target renamed is renamed in place;
a provider the target dropped and needs nothing in place of goes where nothing else names it.

What the target renamed or dropped is rule data (`TargetPlan.providers`, LSM26x); `migrate.config.providers` finds
each setting a fact names and judges it, for scan and fix alike: the scan carries that verdict in the hit
(`Hit.entry["blocker"]`), so a finding's fix applicability is what `fix` then does. An API or a provider without a
successor is always left for a human, with what replaces it on the target where something does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.config.providers import BLOCKER, DONE
from migrate.strategies.model import Case, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    return "a run config's provider settings are edited in the run config, never in code"


def _entry_blocker(case: Case) -> str | None:
    entry = case.hit.entry or {}
    reason = entry.get(BLOCKER)
    return str(reason) if reason is not None else None


def _done(case: Case) -> str | None:
    done = (case.hit.entry or {}).get(DONE)
    return f"{done}, in the run config" if done is not None else None


def _answer() -> Handler:
    # No route is ever answered with it: a config rule has no HTTP shape. The registry serves every strategy.
    from migrate.shim.answers.manual import answer

    return answer


STRATEGY = Strategy(
    name="edit-providers",
    summary="The run config's provider settings are renamed as the target names them; a dropped provider goes.",
    rewrites=(
        "a run config's `apis` entry and `providers` key of a renamed API (`agents` -> `responses`), a renamed "
        "`provider_type` (eval's `inline::meta-reference` -> `inline::builtin`) and a renamed key of a provider's "
        "`config` (vLLM's `url` -> `base_url`) are renamed in place, quotes and comments kept; a provider the target "
        "dropped and needs nothing in place of (`inline::rag-runtime`) is deleted with the comments above it. An API "
        "or provider without a successor is listed for a human with what replaces it, where something does"
    ),
    safe_when=(
        "the new name is not in the config already, the old one is written plain or simply quoted, and a deleted "
        "provider is not its API's only one nor named by its provider_id anywhere else in the config"
    ),
    statuses=frozenset({"removed"}),
    operations=frozenset({"config"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=None,
    answer=_answer,
    migrates_config="renamed as the target names it, or a dropped provider deleted, in the run config",
    entry_blocker=_entry_blocker,
    config_done=_done,
)
