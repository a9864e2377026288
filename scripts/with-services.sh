#!/usr/bin/env bash
# Run a command with the throwaway services the test suite uses (PostgreSQL on loopback),
# stopping them afterwards whatever happens. Without PostgreSQL binaries and without root to
# install them, the command still runs and the PostgreSQL-only tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  if started="$(bash scripts/postgres.sh start)"; then
    eval "$started"
    trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "with-services.sh: PostgreSQL unavailable; PostgreSQL tests will be skipped" >&2
  fi
fi
"$@"
