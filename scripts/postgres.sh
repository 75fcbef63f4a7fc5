#!/usr/bin/env bash
# Makes a local PostgreSQL available for the test suite: installs Debian's postgresql if it is
# missing (needs root or sudo), starts the cluster, creates the kb role, and prints the
# DATABASE_URL to use. Exits non-zero, saying why, when PostgreSQL cannot be had here.
set -euo pipefail

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "==> Installing Debian's postgresql" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! $SUDO pg_ctlcluster "$version" main status >/dev/null 2>&1; then
  $SUDO pg_ctlcluster "$version" main start >&2
fi

as_postgres() { $SUDO su postgres -c "$1"; }
if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'kb'\"" | grep -q 1; then
  as_postgres "psql -qc \"CREATE ROLE kb LOGIN CREATEDB PASSWORD 'kb'\"" >&2
fi
if ! as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'kb'\"" | grep -q 1; then
  as_postgres "createdb -O kb kb" >&2
fi
port=$(as_postgres "psql -tAc 'SHOW port'")
echo "postgres://kb:kb@127.0.0.1:${port}/kb"
