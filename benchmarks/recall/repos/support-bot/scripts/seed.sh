#!/usr/bin/env bash
# Seed a fresh development stack with the support bot's resources.
#
#   LLAMA_STACK_URL=http://localhost:8321 ./scripts/seed.sh
set -euo pipefail

BASE="${LLAMA_STACK_URL:-http://localhost:8321}"
export LLAMA_STACK_ENDPOINT="$BASE"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

log "models"
# the chat model and the guard model both come from the local ollama
llama-stack-client models register llama3.2:3b --provider-id ollama --provider-model-id llama3.2:3b
llama-stack-client models register llama-guard3:1b --provider-id ollama

log "shields"
# don't re-run this part against production: shields there are managed by ops
llama-stack-client shields register --shield-id support-guard --provider-id llama-guard \
    --provider-shield-id llama-guard3:1b

log "FAQ dataset"
curl -sS -X POST "$BASE/v1beta/datasets" \
    -H "Content-Type: application/json" \
    -d @- <<'JSON'
{
  "purpose": "eval/question-answer",
  "source": {"type": "uri", "uri": "huggingface://datasets/acme/support-faq?split=test"},
  "dataset_id": "support-faq"
}
JSON

log "done; current models:"
llama-stack-client models list
