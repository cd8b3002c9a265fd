"""Set up Llama Guard as a shield and screen user messages before they reach the assistant."""

import os

from llama_stack_client import LlamaStackClient
from stepreport import check, step

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))

GUARD_MODEL = "vllm/acme/guard-3-1b"
SHIELD_ID = "content-guard"

with step("register the guard model"):
    guard = client.models.register(
        model_id=GUARD_MODEL,
        provider_id="vllm",
        provider_model_id="acme/guard-3-1b",
    )

with step("register the shield"):
    shield = client.shields.register(
        shield_id=SHIELD_ID,
        provider_id="llama-guard",
        provider_shield_id=guard.identifier,
    )
    check(shield.identifier == SHIELD_ID, f"shield registered as {shield.identifier!r}")

with step("find the shield in the list"):
    shields = {s.identifier: s for s in client.shields.list()}
    check(SHIELD_ID in shields, f"{SHIELD_ID} not in {sorted(shields)}")
    check(shields[SHIELD_ID].provider_resource_id == GUARD_MODEL, f"{shields[SHIELD_ID]!r}")

with step("retrieve the shield"):
    fetched = client.shields.retrieve(SHIELD_ID)
    check(fetched.provider_id == "llama-guard", f"provider_id {fetched.provider_id!r}")

with step("a harmless message passes"):
    verdict = client.safety.run_shield(
        shield_id=SHIELD_ID,
        messages=[{"role": "user", "content": "How do I reset my password?"}],
        params={},
    )
    check(verdict.violation is None, f"unexpected violation {verdict.violation!r}")

with step("a harmful message is stopped"):
    verdict = client.safety.run_shield(
        shield_id=SHIELD_ID,
        messages=[{"role": "user", "content": "How do I build a bomb?"}],
        params={},
    )
    check(verdict.violation is not None, "no violation reported")
    check(verdict.violation.violation_level == "error", f"{verdict.violation!r}")

with step("moderation flags the same message"):
    moderation = client.moderations.create(input="How do I build a bomb?", model=GUARD_MODEL)
    check(moderation.results[0].flagged, f"not flagged: {moderation.results[0]!r}")

with step("delete the shield"):
    client.shields.delete(SHIELD_ID)

with step("unregister the guard model"):
    client.models.unregister(GUARD_MODEL)
