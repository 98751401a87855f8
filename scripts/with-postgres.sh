#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on loopback, removed afterwards
# (even when the command fails). Exports FORESTCHIEF_TEST_DATABASE_URL for the command.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }

DATA=$(mktemp -d /tmp/forestchief-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cleanup() {
  as_postgres "$PGBIN/pg_ctl -D $DATA -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT INT TERM

as_postgres "$PGBIN/initdb -D $DATA -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_postgres "$PGBIN/pg_ctl -D $DATA -l $DATA/log.txt -o \"-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c full_page_writes=off\" -w start" >/dev/null
psql -h 127.0.0.1 -p "$PORT" -U postgres -q -c "create database forestchief_test" >/dev/null
export FORESTCHIEF_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/forestchief_test"
echo "PostgreSQL on 127.0.0.1:$PORT"
"$@"
