#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite, from Debian's server binaries.
#
#   scripts/postgres.sh start   # initdb into a temp dir, start on 127.0.0.1:<free port>,
#                               # create role + database; prints `export TEST_POSTGRES_URL=...`
#                               # on stdout and writes the same line to $CODE_MONET_PG_DIR/env
#   scripts/postgres.sh stop    # stop the server and delete its directory (safe to repeat)
#   scripts/postgres.sh status  # exit 0 if it is running
#   scripts/postgres.sh halt    # stop the server but keep its data (a database outage, for tests)
#   scripts/postgres.sh resume  # start a halted server again, same port and data
#
# CI:  eval "$(bash scripts/postgres.sh start)"; trap 'bash scripts/postgres.sh stop' EXIT
# The server runs as the `postgres` user when we are root (initdb refuses root), listens on
# loopback only (TCP 127.0.0.1 and a private unix socket) and is tuned for speed, not safety.
set -euo pipefail

PG_DIR="${CODE_MONET_PG_DIR:-${TMPDIR:-/tmp}/code-monet-postgres}"
DB_NAME="${CODE_MONET_PG_DB:-code_monet_test}"
DB_USER="code_monet"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    [ "$(id -u)" = "0" ] || die "PostgreSQL server binaries missing; run: apt-get install -y postgresql"
    log "installing PostgreSQL server binaries (apt-get install postgresql)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
      || die "apt-get install postgresql failed"
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "initdb still missing after installing postgresql"
  fi
  echo "$dir"
}

# Run a command as the database owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = "0" ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Start the server in $PG_DIR/data on 127.0.0.1:$1 (loopback only, tuned for speed).
pg_start() {
  as_owner "$(cat "$PG_DIR/bindir")/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $1 -c unix_socket_directories=$PG_DIR \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=100" start >/dev/null
}

is_running() {
  [ -f "$PG_DIR/bindir" ] && [ -d "$PG_DIR/data" ] \
    && as_owner "$(cat "$PG_DIR/bindir")/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

start() {
  if is_running; then
    log "already running; reusing it"
    cat "$PG_DIR/env"
    return 0
  fi
  if [ -e "$PG_DIR" ]; then
    [ -f "$PG_DIR/bindir" ] || [ -z "$(ls -A "$PG_DIR")" ] \
      || die "$PG_DIR exists and is not ours; set CODE_MONET_PG_DIR to another path"
    rm -rf "$PG_DIR"
  fi
  local bindir port password
  bindir="$(find_bindir)"
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user (the postgresql package creates it)"
  fi
  mkdir -p "$PG_DIR"
  chmod 0700 "$PG_DIR"
  echo "$bindir" >"$PG_DIR/bindir"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  printf '%s\n' "$password" >"$PG_DIR/pwfile"
  if [ "$(id -u)" = "0" ]; then chown -R postgres "$PG_DIR"; fi

  as_owner "$bindir/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$PG_DIR/pwfile" \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }

  local attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    if pg_start "$port"; then
      echo "$port" >"$PG_DIR/port"
      break
    fi
    log "start on port $port failed (attempt $attempt)"
    [ "$attempt" = 3 ] && { tail -n 30 "$PG_DIR/server.log" >&2 || true; die "server did not start"; }
  done

  as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null \
    || die "could not create role/database"

  local url="postgresql+asyncpg://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
  echo "export TEST_POSTGRES_URL='$url'" >"$PG_DIR/env"
  chmod 0644 "$PG_DIR/env"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $PG_DIR/data"
  cat "$PG_DIR/env"
}

stop() {
  if [ -f "$PG_DIR/bindir" ] && [ -d "$PG_DIR/data" ]; then
    as_owner "$(cat "$PG_DIR/bindir")/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 \
      || log "server was not running"
    rm -rf "$PG_DIR"
    log "stopped"
  else
    log "nothing to stop in $PG_DIR"
  fi
}

halt() {
  [ -f "$PG_DIR/bindir" ] && [ -d "$PG_DIR/data" ] || die "nothing to halt in $PG_DIR"
  as_owner "$(cat "$PG_DIR/bindir")/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null \
    || die "could not stop the server in $PG_DIR"
  log "halted (data kept; resume with: $0 resume)"
}

resume() {
  [ -f "$PG_DIR/port" ] && [ -d "$PG_DIR/data" ] || die "nothing to resume in $PG_DIR"
  if is_running; then
    log "already running"
    return 0
  fi
  pg_start "$(cat "$PG_DIR/port")" || { tail -n 30 "$PG_DIR/server.log" >&2 || true; die "server did not restart"; }
  log "resumed on 127.0.0.1:$(cat "$PG_DIR/port")"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  resume) resume ;;
  status) if is_running; then log "running"; else log "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|halt|resume" >&2; exit 2 ;;
esac
