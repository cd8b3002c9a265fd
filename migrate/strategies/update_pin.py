"""`update-pin`: the project's pin of the SDK moves to the version the fixed code is written for.

Code that `fix` rewrote for llama-stack 0.7 or OGX calls `client.beta.datasets`, reads list items
through the 0.7 SDK's compatibility properties, and must send a client version the 0.7 server accepts
(it answers 426 to another major.minor): `llama-stack-client==0.3.5` in requirements.txt, pyproject.toml
or setup.cfg becomes the plan's `requirement` (`>=0.7.3,<0.8`). Only the specifier changes: the name,
extras, environment markers and comments of the line stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.model import Case, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    if case.hit.surface != "pin":
        return "only pins in requirements files, pyproject.toml and setup.cfg are rewritten"
    return None if case.hit.rewritable else "the pin is not a plain version specifier; set it by hand"


def _answer() -> Handler:
    from migrate.shim.answers.forward import answer  # never routed: a pin has no HTTP route

    return answer


STRATEGY = Strategy(
    name="update-pin",
    summary="The project's pin of the SDK moves to the version the fixed code is written for.",
    rewrites=(
        "`llama-stack-client==0.3.5` -> `llama-stack-client>=0.7.3,<0.8` in requirements*.txt, pyproject.toml "
        "(PEP 621 and Poetry) and setup.cfg; the name, extras, markers and comments of the line stay"
    ),
    safe_when="the pin is a plain version specifier on one line",
    statuses=frozenset({"removed"}),
    operations=frozenset({"pin"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=None,
    answer=_answer,
)
