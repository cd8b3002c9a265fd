#!/usr/bin/env sh
# Remove what stack-bootstrap created. POSIX sh: runs in the slim ops image.
set -eu

: "${STACK_URL:=http://localhost:8321}"

for m in $MODELS; do
  curl -s -o /dev/null -w "%{http_code} DELETE model $m\n" -X DELETE "$STACK_URL/v1/models/$m"
done
curl -s -X DELETE "$STACK_URL/v1/shields/content-guard"
curl -s -X DELETE "$STACK_URL"/v1/toolgroups/mcp::jira
llama-stack-client --endpoint "$STACK_URL" toolgroups unregister mcp::confluence
# curl -X DELETE "$STACK_URL/v1/toolgroups/mcp::legacy-wiki"   (removed in 2025)
curl -s "$STACK_URL/v1/models" | jq -r '.data[].identifier'
