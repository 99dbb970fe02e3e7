#!/usr/bin/env bash
# The suite on SQLite, then on PostgreSQL. With REQUIRE_POSTGRES=1 an unreachable
# PostgreSQL is a failure; without it, the PostgreSQL part is skipped and says so.
# Tests run in parallel (pytest-xdist), a database per worker: TEST_WORKERS sets how many
# workers (default "auto", one per CPU core; 0 runs them in this process, one at a time).
# Extra arguments go to pytest.
set -u
PYTHON=${PYTHON:-.venv/bin/python}
PG_URL=${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
WORKERS=${TEST_WORKERS:-auto}

echo "== Test suite on SQLite (workers: $WORKERS) =="
TEST_DATABASE=sqlite "$PYTHON" -m pytest -n "$WORKERS" "$@" || exit $?

if "$PYTHON" scripts/pg_reachable.py "$PG_URL"; then
  echo "== Test suite on PostgreSQL ($PG_URL, workers: $WORKERS) =="
  TEST_DATABASE=postgres TEST_POSTGRES_URL="$PG_URL" "$PYTHON" -m pytest -n "$WORKERS" "$@" || exit $?
elif [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAILED: PostgreSQL is not reachable at $PG_URL and REQUIRE_POSTGRES=1." >&2
  echo "Start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
else
  echo
  echo "!! PostgreSQL part SKIPPED: nothing answers at $PG_URL."
  echo "!! Set TEST_POSTGRES_URL, or REQUIRE_POSTGRES=1 to make this a failure."
fi
