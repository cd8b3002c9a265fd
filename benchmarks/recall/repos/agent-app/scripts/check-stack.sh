#!/usr/bin/env bash
# Smoke checks after a deploy: what the stack serves, what vLLM serves.
set -euo pipefail
: "${LLAMA_STACK_URL:=http://localhost:8321}"
: "${VLLM_URL:=http://vllm:8000}"

curl -fsS "$LLAMA_STACK_URL/v1/models" | jq -r '.data[].identifier'
curl -fsS "$VLLM_URL/v1/models" | jq -r '.data[].id'
curl -fsS "$LLAMA_STACK_URL/v1/tools?toolgroup_id=mcp::support-kb" | jq -r '.data[].name'
curl -fsS -X POST "$LLAMA_STACK_URL/v1/safety/run-shield" -H 'Content-Type: application/json' \
  -d '{"shield_id": "content-guard", "messages": [{"role": "user", "content": "hello"}]}'
