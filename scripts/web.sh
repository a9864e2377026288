#!/usr/bin/env bash
# The web studio (web/): build it into web/dist, or run its checks and unit tests.
#
#   bash scripts/web.sh build            # npm ci when node_modules is missing or stale, then vite build
#   bash scripts/web.sh test             # npm ci when needed, check-generated, biome ci (lint + format
#                                        # check), then tsc --noEmit && vitest run
#   bash scripts/web.sh format           # biome: format the web sources and apply safe lint fixes
#   bash scripts/web.sh gen-protocol     # regenerate web/src/generated/ from the Pydantic models
#   bash scripts/web.sh check-generated  # fail when web/src/generated/ differs from a fresh generation
#
# Needs Node.js >= 18 and npm; gen-protocol and check-generated also need the project's Python
# ($ROOT/.venv/bin/python, else python3). The server serves web/dist at / (code_monet/routes/web.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"
GENERATED="$WEB/src/generated"

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

python_bin() {
  if [[ -x "$ROOT/.venv/bin/python" ]]; then
    echo "$ROOT/.venv/bin/python"
  elif command -v python3 >/dev/null 2>&1; then
    command -v python3
  else
    echo "web.sh: no Python found ($ROOT/.venv/bin/python or python3) to generate the protocol types" >&2
    exit 1
  fi
}

# Regenerate the protocol types into a temporary directory and compare with the checked-in ones.
check_generated() {
  local python tmp status=0
  python="$(python_bin)"
  tmp="$(mktemp -d)"
  trap "rm -rf '$tmp'" EXIT
  (cd "$ROOT" && PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$python" scripts/gen_protocol_types.py --out "$tmp" --quiet)
  for file in "$tmp"/*; do
    local name
    name="$(basename "$file")"
    if ! diff -u "$GENERATED/$name" "$file" >"$tmp/$name.diff" 2>&1; then
      echo "web.sh: web/src/generated/$name is stale (the Python models changed):" >&2
      head -n 40 "$tmp/$name.diff" >&2
      status=1
    fi
  done
  for file in "$GENERATED"/*; do
    if [[ ! -e "$tmp/$(basename "$file")" ]]; then
      echo "web.sh: web/src/generated/$(basename "$file") is not generated any more; remove it" >&2
      status=1
    fi
  done
  if [[ $status -ne 0 ]]; then
    echo "web.sh: run 'bash scripts/web.sh gen-protocol' and commit web/src/generated/" >&2
    return 1
  fi
  echo "web.sh: web/src/generated/ is current"
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
    check_generated
    (cd "$WEB" && npx --no-install biome ci --colors=off .) || {
      echo "web.sh: biome found lint or format problems; 'bash scripts/web.sh format' fixes the formatting" >&2
      exit 1
    }
    (cd "$WEB" && npm test --silent)
    ;;
  format)
    need_node
    install_deps
    (cd "$WEB" && npx --no-install biome check --write .)
    ;;
  gen-protocol)
    need_node
    install_deps
    (cd "$ROOT" && PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$(python_bin)" scripts/gen_protocol_types.py)
    ;;
  check-generated)
    need_node
    install_deps
    check_generated
    ;;
  *)
    echo "usage: bash scripts/web.sh build|test|format|gen-protocol|check-generated" >&2
    exit 2
    ;;
esac
