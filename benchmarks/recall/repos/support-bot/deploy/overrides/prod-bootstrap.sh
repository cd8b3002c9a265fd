#!/usr/bin/env bash
# Production bootstrap: runs once per environment after the stack is up.
# Tracked on purpose although deploy/overrides/ is ignored (local overrides live next to it).
set -euo pipefail

: "${LLAMA_STACK_URL:?set LLAMA_STACK_URL}"
: "${INFERENCE_MODEL:=llama3.3:70b}"

echo "waiting for ${LLAMA_STACK_URL}"
until curl -fsS "${LLAMA_STACK_URL}/v1/health" >/dev/null; do sleep 2; done

# models
curl -fsS -X POST "${LLAMA_STACK_URL}/v1/models" \
  -H 'Content-Type: application/json' \
  --data "{\"model_id\": \"${INFERENCE_MODEL}\", \"provider_id\": \"vllm\"}"

# guard rails
llama-stack-client --endpoint "${LLAMA_STACK_URL}" shields register \
  --shield-id support-guard --provider-id llama-guard

# drop the demo model the image ships with
curl -fsS -X DELETE "${LLAMA_STACK_URL}/v1/models/demo-model" || true
