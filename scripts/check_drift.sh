#!/usr/bin/env bash
# Fail when schema/schema.graphql or openapi/openapi.json differs from what the code exports.
set -eu
PYTHON=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m schema.cli schema --output "$tmp/schema.graphql" 2>/dev/null
"$PYTHON" -m schema.cli openapi --output "$tmp/openapi.json" 2>/dev/null
status=0
for pair in "schema/schema.graphql:$tmp/schema.graphql" "openapi/openapi.json:$tmp/openapi.json"; do
  committed=${pair%%:*}; exported=${pair#*:}
  if ! diff -u "$committed" "$exported" > "$tmp/diff"; then
    echo "DRIFT: $committed differs from the code; run 'make schema openapi' and commit." >&2
    head -40 "$tmp/diff" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "schema/schema.graphql and openapi/openapi.json match the code."
exit $status
