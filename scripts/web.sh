#!/usr/bin/env bash
# The web studio (web/): build it into web/dist, or run its unit tests.
#
#   bash scripts/web.sh build   # npm ci when node_modules is missing or stale, then vite build
#   bash scripts/web.sh test    # npm ci when needed, then tsc --noEmit && vitest run
#
# Needs Node.js >= 18 and npm. The server serves web/dist at / (code_monet/routes/web.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"

need_node() {
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "web.sh: Node.js and npm are needed to build the web studio (apt-get install nodejs npm)" >&2
    exit 1
  fi
}

# npm ci when node_modules is absent or older than package-lock.json.
install_deps() {
  local stamp="$WEB/node_modules/.package-lock.json"
  if [[ ! -d "$WEB/node_modules" || ! -f "$stamp" || "$WEB/package-lock.json" -nt "$stamp" ]]; then
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

cmd="${1:-}"
case "$cmd" in
  build)
    need_node
    install_deps
    (cd "$WEB" && npx --no-install tsc --noEmit && npx --no-install vite build --logLevel warn)
    echo "web.sh: built $WEB/dist"
    ;;
  test)
    need_node
    install_deps
    (cd "$WEB" && npm test --silent)
    ;;
  *)
    echo "usage: bash scripts/web.sh build|test" >&2
    exit 2
    ;;
esac
