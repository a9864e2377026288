#!/bin/sh
# Debian packages the product needs: bubblewrap and libseccomp2 isolate agent-written code (see
# code_monet/sandbox/code_sandbox.py). Installed when missing and we are root; otherwise we say so and
# the sandbox falls back to seccomp + an unprivileged uid (or refuses, if isolation is required).
set -eu
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
# libseccomp backs the sandbox's seccomp filter (through pyseccomp).
ls /usr/lib/*/libseccomp.so.2 /lib/*/libseccomp.so.2 >/dev/null 2>&1 || missing="$missing libseccomp2"
# Node.js + npm build the web studio (web/); Chromium runs its end-to-end tests (`--test`).
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  # Redis for the tests scripts/with-services.sh runs against (scripts/redis.sh); nginx for
  # `nginx -t` on deploy/nginx/ and the multi-process tests (issue 19).
  command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages:$missing"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "warning: missing Debian packages:$missing (install them for full sandbox isolation)" >&2
fi
