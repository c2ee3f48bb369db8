#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's postgresql package, 15 on bookworm) listening on 127.0.0.1 only,
# for the data tests, and prints the one line to export as ATLAS_TEST_POSTGRES:
#
#   export ATLAS_TEST_POSTGRES="$(bash .ci/start-postgres.sh)"
#
# Everything else goes to stderr. Installs the package when missing (root). The cluster lives in
# $ATLAS_PG_DIR (default /tmp/atlas-pg) on port $ATLAS_PG_PORT (default 55432), owned by the postgres user when
# run as root; a cluster left there by an earlier run is stopped and replaced. Its superuser atlas (password atlas)
# may create the per-test databases. Stop it with: bash .ci/start-postgres.sh stop; restart it, data kept, with
# bash .ci/start-postgres.sh restart (same ATLAS_PG_DIR).
set -euo pipefail

dir=${ATLAS_PG_DIR:-/tmp/atlas-pg}
port=${ATLAS_PG_PORT:-55432}
user=atlas
password=atlas

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
  echo "Installing postgresql..." >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
  bin=$(find_bin)
fi
[ -n "$bin" ] || { echo "start-postgres: no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }

# initdb and postgres refuse to run as root.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# restart: the same cluster, data kept, stopped and started again (a test of clients that lose the server).
if [ "${1:-}" = restart ]; then
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -m fast restart >&2
  exit 0
fi

if [ -f "$dir/PG_VERSION" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >&2 2>&1 || true; fi
[ "${1:-}" = stop ] && { rm -rf "$dir"; exit 0; }
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"

pwfile=$(mktemp)
echo "$password" > "$pwfile"
[ "$(id -u)" -eq 0 ] && chown postgres "$pwfile"
as_owner "$bin/initdb" -D "$dir" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2
rm -f "$pwfile"

as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" start >&2

echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=postgres"
