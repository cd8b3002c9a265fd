#!/usr/bin/env bash
# my local reset (not tracked)
curl -X DELETE http://localhost:8321/v1/shields/support-guard
llama-stack-client models unregister llama3.2:3b
