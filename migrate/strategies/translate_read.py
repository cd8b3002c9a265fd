"""`translate-read`: a read whose legacy route or shape is gone, while the target serves the data elsewhere.

A model listing is OpenAI-shaped from llama-stack 0.4 on (`id`, `custom_metadata`, no `identifier`);
tool groups are connectors and providers from 0.7 on (`/v1/toolgroups` is 404). The shim answers a
legacy client in the legacy shape, built from the target's own answers as the rule's `translate`
table says (`shim/answers/translate.py`); other clients get the target's answer untouched.

`fix` has no rewrite for reads yet: what the code reads from the answer decides the rewrite
(`m.identifier` becomes `m.id`, `m.model_type` becomes `m.custom_metadata["model_type"]`, or
nothing at all with SDK 0.7's compatibility properties), and the scan does not follow the result.
Until a rewrite exists (`rewrite` is the seam), every finding is manual and says what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.model import Case, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    translate = case.plan.translate
    assert translate is not None  # the rule model requires the table for this strategy
    where = ", ".join(source.read for source in translate.sources)
    return (
        f"the legacy {translate.shape} answer is gone on this target, which serves the data as {where}: "
        "rewrite what the code reads from the answer (the shim translates it for legacy clients meanwhile)"
    )


def _answer() -> Handler:
    from migrate.shim.answers.translate import answer

    return answer


STRATEGY = Strategy(
    name="translate-read",
    summary="The legacy answer of the read is gone; the target serves the data elsewhere or in another shape.",
    rewrites=(
        "nothing yet: the finding names the route or shape that replaces the legacy answer; the shim builds the "
        "legacy answer for legacy clients from the target's (model listing from the OpenAI listing, tool groups "
        "and their tools from connectors and the providers listing)"
    ),
    safe_when="nothing is rewritten",
    statuses=frozenset({"removed"}),
    operations=frozenset({"read"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=None,
    answer=_answer,
)
