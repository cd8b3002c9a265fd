#!/usr/bin/env bash
# Prepares a stock Llama Stack 0.3.x distribution (one not started from our run.yaml) for the
# support bot and its dashboards, or cleans it up again.
#
#   LLAMA_STACK_URL=http://127.0.0.1:8321 scripts/bootstrap.sh            # register
#   LLAMA_STACK_URL=http://127.0.0.1:8321 scripts/bootstrap.sh teardown   # unregister
#   LLAMA_STACK_URL=http://127.0.0.1:8321 scripts/bootstrap.sh status
#
# Registers what run.yaml declares for the platform (guard model, content-safety shield, docs MCP
# server) plus the dashboards' model, changelog MCP server and SimpleQA baseline. supportbot
# registers its own resources at run time. Needs curl, the llama-stack-client CLI (0.3.x) and an
# llm-as-judge scoring provider on the server.
set -euo pipefail

LLAMA_STACK_URL="${LLAMA_STACK_URL:-http://127.0.0.1:8321}"
PROVIDER="${SUPPORTBOT_INFERENCE_PROVIDER:-vllm}"
DASHBOARD_MODEL="${DASHBOARD_MODEL:-meta-llama/Llama-3.1-8B-Instruct}"
GUARD_MODEL_ID="${PROVIDER}/${SUPPORTBOT_GUARD_MODEL:-meta-llama/Llama-Guard-3-1B}"
DOCS_MCP_URL="${DOCS_MCP_URL:-http://127.0.0.1:8000/sse}"
SCORING_PROVIDER="${SUPPORTBOT_SCORING_PROVIDER:-llm-as-judge}"

# The CLI reads ~/.llama/client/config.yaml before --endpoint; give it its own config instead.
CLI_CONFIG="$(mktemp)"
trap 'rm -f "$CLI_CONFIG"' EXIT
printf 'endpoint: %s\n' "$LLAMA_STACK_URL" > "$CLI_CONFIG"

wait_for_stack() {
  for _ in $(seq 1 30); do
    if curl -fsS -o /dev/null "$LLAMA_STACK_URL/v1/health"; then
      return 0
    fi
    sleep 1
  done
  echo "no Llama Stack answering at $LLAMA_STACK_URL" >&2
  exit 1
}

register() {
  llama-stack-client --config "$CLI_CONFIG" models register llama-guard \
    --provider-id "$PROVIDER" \
    --provider-model-id "${GUARD_MODEL_ID#*/}"
  llama-stack-client --config "$CLI_CONFIG" models register dashboard-chat \
    --provider-id "$PROVIDER" \
    --provider-model-id "$DASHBOARD_MODEL" \
    --model-type llm \
    --metadata '{"context_length": 131072}'

  curl -fsS -X POST "$LLAMA_STACK_URL/v1/shields" \
    -H 'Content-Type: application/json' \
    -d "{\"shield_id\": \"content-safety\", \"provider_id\": \"llama-guard\", \"provider_shield_id\": \"$GUARD_MODEL_ID\"}"
  echo

  curl -fsS -X POST "$LLAMA_STACK_URL/v1/toolgroups" \
    -H 'Content-Type: application/json' \
    -d '{"toolgroup_id": "mcp::docs", "provider_id": "model-context-protocol",
         "mcp_endpoint": {"uri": "'"$DOCS_MCP_URL"'"}}'
  echo
  llama-stack-client --config "$CLI_CONFIG" toolgroups register mcp::changelog \
    --provider-id model-context-protocol \
    --mcp-endpoint http://127.0.0.1:8003/sse

  curl -fsS -X POST "$LLAMA_STACK_URL/v1beta/datasets" \
    -H 'Content-Type: application/json' \
    -d '{"dataset_id": "simpleqa", "purpose": "eval/question-answer",
         "source": {"type": "uri", "uri": "https://openaipublic.blob.core.windows.net/simple-evals/simple_qa_test_set.csv"},
         "metadata": {"owner": "dashboards"}}'
  echo

  llama-stack-client --config "$CLI_CONFIG" scoring_functions register \
    --scoring-fn-id llm-as-judge::simpleqa-judge \
    --description "SimpleQA grader: CORRECT, INCORRECT or NOT_ATTEMPTED" \
    --return-type '{"type": "string"}' \
    --provider-id "$SCORING_PROVIDER" \
    --params '{"type": "llm_as_judge", "judge_model": "'"$PROVIDER/$DASHBOARD_MODEL"'", "prompt_template": "Question: {input_query}\nGold: {expected_answer}\nAnswer: {generated_answer}\nGrade:", "judge_score_regexes": ["(CORRECT|INCORRECT|NOT_ATTEMPTED)"], "aggregation_functions": ["categorical_count"]}'

  curl -fsS -X POST "$LLAMA_STACK_URL/v1alpha/eval/benchmarks" \
    -H 'Content-Type: application/json' \
    -d '{"benchmark_id": "simpleqa-baseline", "dataset_id": "simpleqa",
         "scoring_functions": ["llm-as-judge::simpleqa-judge"], "provider_id": "meta-reference"}'
  echo
}

teardown() {
  curl -fsS -X DELETE "$LLAMA_STACK_URL/v1alpha/eval/benchmarks/simpleqa-baseline"
  curl -fsS -X DELETE \
    "$LLAMA_STACK_URL/v1/scoring-functions/llm-as-judge::simpleqa-judge"
  llama-stack-client --config "$CLI_CONFIG" datasets unregister simpleqa
  llama-stack-client --config "$CLI_CONFIG" toolgroups unregister mcp::changelog
  curl -fsS -X DELETE "$LLAMA_STACK_URL/v1/toolgroups/mcp::docs"
  curl -fsS --request DELETE "$LLAMA_STACK_URL/v1/shields/content-safety"
  llama-stack-client --config "$CLI_CONFIG" models unregister "$PROVIDER/$DASHBOARD_MODEL"
  curl -fsS -X DELETE "$LLAMA_STACK_URL/v1/models/$GUARD_MODEL_ID"
}

status() {
  curl "$LLAMA_STACK_URL/v1/health"
  echo
  curl -fsS "$LLAMA_STACK_URL/v1/models"
  echo
  llama-stack-client --config "$CLI_CONFIG" toolgroups list
}

wait_for_stack
case "${1:-register}" in
  register) register ;;
  teardown) teardown ;;
  status) status ;;
  *) echo "usage: $0 [register|teardown|status]" >&2; exit 2 ;;
esac
