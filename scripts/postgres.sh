#!/usr/bin/env bash
# Makes a local PostgreSQL available: installs Debian's postgresql if it is missing (needs root
# or sudo), starts the cluster, creates the kb role and database, and prints the DATABASE_URL to
# use. Exits non-zero, saying why, when PostgreSQL cannot be had here.
#
#   ./scripts/postgres.sh        the machine's main cluster, as it is configured (benchmarks)
#   ./scripts/postgres.sh test   a cluster of the test suite's own ("kbtest", port
#                                KB_TEST_PG_PORT, default 5433; `make test` uses it), made on
#                                first use beside the main one, which is left as it is. It holds
#                                only throwaway test databases, so it does not wait for the disk:
#                                fsync, synchronous_commit and full_page_writes are off (a crash
#                                could lose its data; the suite makes its databases afresh).
set -euo pipefail

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "==> Installing Debian's postgresql" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
cluster=main
if [ "${1:-}" = "test" ]; then
  cluster=kbtest
  if ! $SUDO pg_lsclusters -h "$version" "$cluster" >/dev/null 2>&1; then
    echo "==> Creating the test suite's PostgreSQL cluster $version/$cluster" >&2
    $SUDO pg_createcluster "$version" "$cluster" --port "${KB_TEST_PG_PORT:-5433}" \
      --start-conf manual -o fsync=off -o synchronous_commit=off -o full_page_writes=off >&2
  fi
fi
if ! $SUDO pg_ctlcluster "$version" "$cluster" status >/dev/null 2>&1; then
  $SUDO pg_ctlcluster "$version" "$cluster" start >&2
fi
port=$($SUDO pg_lsclusters -h "$version" "$cluster" | awk '{print $3}')

as_postgres() { $SUDO su postgres -c "$1"; }
if ! as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'kb'\"" | grep -q 1; then
  as_postgres "psql -p $port -qc \"CREATE ROLE kb LOGIN CREATEDB PASSWORD 'kb'\"" >&2
fi
if ! as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'kb'\"" | grep -q 1; then
  as_postgres "createdb -p $port -O kb kb" >&2
fi
echo "postgres://kb:kb@127.0.0.1:${port}/kb"
