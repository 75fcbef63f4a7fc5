#!/usr/bin/env bash
# Makes a local Redis available for the test suite, as postgres.sh does for PostgreSQL: installs
# Debian's redis-server if it is missing (needs root or sudo), starts one on a loopback port of
# its own (nothing saved to disk: it holds caches and counters only) unless it is already
# answering, and prints the REDIS_URL to use. Exits non-zero, saying why, when it cannot.
set -euo pipefail

PORT="${KB_TEST_REDIS_PORT:-6390}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "==> Installing Debian's redis-server" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
  # Debian starts its own on 6379; the tests use their own server below.
fi

if ! redis-cli -p "$PORT" ping >/dev/null 2>&1; then
  dir=$(mktemp -d /tmp/kb-redis.XXXXXX)
  redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --dir "$dir" --logfile "$dir/redis.log" --databases 32 >&2
  for _ in $(seq 1 50); do
    redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$PORT" ping >/dev/null 2>&1 || { echo "Redis did not start: see $dir/redis.log" >&2; exit 1; }
fi
echo "redis://127.0.0.1:${PORT}/0"
