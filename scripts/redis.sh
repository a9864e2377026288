#!/usr/bin/env bash
# A throwaway Redis for the test suite, from Debian's redis-server.
#
#   scripts/redis.sh start   # start on 127.0.0.1:<free port> with a config in a temp dir;
#                            # prints `export TEST_REDIS_URL=...` on stdout and writes the
#                            # same line to $CODE_MONET_REDIS_DIR/env
#   scripts/redis.sh stop    # stop the server and delete its directory (safe to repeat)
#   scripts/redis.sh status  # exit 0 if it is running
#
# CI:  eval "$(bash scripts/redis.sh start)"; trap 'bash scripts/redis.sh stop' EXIT
# Loopback TCP only (no unix socket), nothing persisted (no RDB snapshots, no AOF), a random
# password (the URL carries it) and capped memory: a cache for tests, not a database.
set -euo pipefail

REDIS_DIR="${CODE_MONET_REDIS_DIR:-${TMPDIR:-/tmp}/code-monet-redis}"
START_TIMEOUT="${CODE_MONET_REDIS_START_TIMEOUT:-30}"
STOP_TIMEOUT=30

log() { echo "redis.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_binaries() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    [ "$(id -u)" = "0" ] || die "redis-server or redis-cli missing; run: apt-get install -y redis-server"
    command -v apt-get >/dev/null 2>&1 || die "redis-server missing and no apt-get to install it"
    log "installing Redis (apt-get install redis-server)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
      || die "apt-get install redis-server failed"
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
      die "redis-server still missing after installing it"
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The server's pid when it is running (its pid file names a live redis-server), else nothing.
server_pid() {
  local pid
  [ -f "$REDIS_DIR/redis.pid" ] || return 1
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  # A pid file can outlive its process and the pid be reused: check it is a redis-server.
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'redis-server' || return 1
  echo "$pid"
}

# PING through redis-cli (the password from the environment, never on a command line).
ping() {
  REDISCLI_AUTH="$(cat "$REDIS_DIR/password")" \
    redis-cli -h 127.0.0.1 -p "$1" --no-raw ping 2>/dev/null | grep -qx 'PONG'
}

write_config() {
  local port="$1" password="$2"
  # No `unixsocket` line: TCP on loopback only. `save ""` and `appendonly no`: no persistence.
  cat >"$REDIS_DIR/redis.conf" <<EOF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $password
save ""
appendonly no
daemonize no
supervised no
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
databases 16
maxmemory 256mb
maxmemory-policy noeviction
EOF
  chmod 0600 "$REDIS_DIR/redis.conf"
}

# Start on 127.0.0.1:$1 and wait for PONG; 1 when the server died or never answered.
try_start() {
  local port="$1" password="$2" pid waited=0
  write_config "$port" "$password"
  rm -f "$REDIS_DIR/redis.pid"
  # Its own session (a Ctrl-C meant for the caller does not reach it) and no terminal: stdin
  # from /dev/null and output to a file, so `$(redis.sh start)` returns once we print.
  setsid redis-server "$REDIS_DIR/redis.conf" >>"$REDIS_DIR/start.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$REDIS_DIR/redis.pid"
  while [ "$waited" -lt $((START_TIMEOUT * 10)) ]; do
    if ! alive "$pid"; then
      return 1 # it died (port taken, bad config): redis.log says why
    fi
    if ping "$port"; then
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "no PONG from 127.0.0.1:$port within ${START_TIMEOUT}s"
  stop_server
  return 1
}

is_running() {
  [ -f "$REDIS_DIR/port" ] && server_pid >/dev/null && ping "$(cat "$REDIS_DIR/port")"
}

start() {
  if is_running; then
    log "already running; reusing it"
    cat "$REDIS_DIR/env"
    return 0
  fi
  if [ -e "$REDIS_DIR" ]; then
    [ -f "$REDIS_DIR/redis.conf" ] || [ -z "$(ls -A "$REDIS_DIR")" ] \
      || die "$REDIS_DIR exists and is not ours; set CODE_MONET_REDIS_DIR to another path"
    stop_server
    rm -rf "$REDIS_DIR"
  fi
  find_binaries
  mkdir -p "$REDIS_DIR"
  chmod 0700 "$REDIS_DIR"
  local password port attempt
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  printf '%s\n' "$password" >"$REDIS_DIR/password"
  chmod 0600 "$REDIS_DIR/password"
  for attempt in 1 2 3; do
    port="$(free_port)"
    if try_start "$port" "$password"; then
      echo "$port" >"$REDIS_DIR/port"
      break
    fi
    log "start on port $port failed (attempt $attempt)"
    if [ "$attempt" = 3 ]; then
      tail -n 30 "$REDIS_DIR/redis.log" "$REDIS_DIR/start.log" >&2 2>/dev/null || true
      stop_server
      rm -rf "$REDIS_DIR"
      die "Redis did not start on 127.0.0.1 in 3 attempts (its log is above)"
    fi
  done
  echo "export TEST_REDIS_URL='redis://default:$password@127.0.0.1:$port/0'" >"$REDIS_DIR/env"
  chmod 0600 "$REDIS_DIR/env"
  log "Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port, files in $REDIS_DIR"
  cat "$REDIS_DIR/env"
}

# 0 while process $1 exists and is not a zombie (an exited child nobody has reaped yet).
alive() {
  local state
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ]
}

# SIGTERM the server (nothing to save) and wait for it to go; SIGKILL if it will not.
stop_server() {
  local pid waited=0
  pid="$(server_pid)" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while alive "$pid"; do
    if [ "$waited" -ge $((STOP_TIMEOUT * 10)) ]; then
      log "server $pid ignored SIGTERM for ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

stop() {
  if [ -f "$REDIS_DIR/redis.conf" ]; then
    if server_pid >/dev/null; then stop_server; else log "server was not running"; fi
    rm -rf "$REDIS_DIR"
    log "stopped"
  else
    log "nothing to stop in $REDIS_DIR"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then log "running"; else log "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
