#!/usr/bin/env bash
# Run a command with the throwaway services the test suite uses, stopping them afterwards
# whatever happens (the command's exit status is kept):
#   PostgreSQL on loopback (scripts/postgres.sh) -> TEST_POSTGRES_URL
#   Redis on loopback (scripts/redis.sh)         -> TEST_REDIS_URL
# A variable already set means "use that, start nothing" (any non-empty value, so
# TEST_POSTGRES_URL=postgresql://unused runs the Redis part alone). Without a service's binaries
# and without root to install them, the command still runs and that service's tests skip with
# a reason.
set -euo pipefail
cd "$(dirname "$0")/.."

started_postgres=""
started_redis=""
stop_services() {
  if [ -n "$started_redis" ]; then bash scripts/redis.sh stop >/dev/null 2>&1 || true; fi
  if [ -n "$started_postgres" ]; then bash scripts/postgres.sh stop >/dev/null 2>&1 || true; fi
}
trap stop_services EXIT

if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  if started="$(bash scripts/postgres.sh start)"; then
    started_postgres=1
    eval "$started"
  else
    echo "with-services.sh: PostgreSQL unavailable; PostgreSQL tests will be skipped" >&2
  fi
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  # A directory of this run's own: a second run at the same time neither reuses nor stops ours.
  export CODE_MONET_REDIS_DIR="${CODE_MONET_REDIS_DIR:-${TMPDIR:-/tmp}/code-monet-redis-$$}"
  if started="$(bash scripts/redis.sh start)"; then
    started_redis=1
    eval "$started"
  else
    echo "with-services.sh: Redis unavailable; Redis tests will be skipped" >&2
  fi
fi
"$@"
