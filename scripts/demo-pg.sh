#!/bin/sh
# demo-pg.sh: `make demo-pg`, the demo base on PostgreSQL.
#
#   scripts/demo-pg.sh OASIS [OASIS DEMO OPTIONS...]
#
# With OASIS_DATA naming a PostgreSQL database (postgresql://...), the demo
# runs there (the database must exist; PostGIS must be installable in it).
# Otherwise on a cluster of its own in var/demo-pg/cluster: made once
# (initdb; as root it runs as Debian's `postgres` user, since initdb
# refuses root), with a random password for its superuser in its pgpass
# file; started on a free loopback port for the demo's life and stopped
# when the demo ends (Ctrl-C).  A second run reuses the cluster and its
# database `oasis`, so the demo base is made once.  The engine's local
# folder (its time-series log, the demo's login) is var/demo-pg/local.
set -eu

oasis=$1
shift
top=$(pwd)
local_dir=$top/var/demo-pg/local
mkdir -p "$local_dir"
chmod 700 "$local_dir"

case "${OASIS_DATA:-}" in
postgres://* | postgresql://*)
	exec "$oasis" demo --db "$OASIS_DATA" --data "$local_dir" \
		--listen 127.0.0.1:8080 "$@"
	;;
esac

dir=$top/var/demo-pg/cluster
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
	echo "demo-pg: PostgreSQL is not installed (scripts/deps.sh install demo-pg)" >&2
	exit 1
fi

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

if [ ! -f "$dir/data/PG_VERSION" ]; then
	mkdir -p "$dir"
	od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$dir" "$dir/password"
	fi
	chmod 700 "$dir"
	echo "demo-pg: a PostgreSQL cluster of its own in $dir"
	as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 --pwfile="$dir/password" -E UTF8 \
		--no-locale >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
fi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port=""
for try in 1 2 3 4 5; do
	port=$(free_port)
	if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port \
		-c unix_socket_directories=$dir" start >/dev/null 2>&1; then
		break
	fi
	port=""
done
if [ -z "$port" ]; then
	echo "demo-pg: the cluster in $dir did not start; its log:" >&2
	tail -n 20 "$dir/server.log" >&2
	exit 1
fi
trap 'as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

printf '127.0.0.1:%s:*:postgres:%s\n' "$port" "$(cat "$dir/password")" \
	>"$local_dir/pgpass"
chmod 600 "$local_dir/pgpass"
PGPASSFILE=$local_dir/pgpass
export PGPASSFILE
if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
	"SELECT 1 FROM pg_database WHERE datname = 'oasis'" | grep -q 1; then
	"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
		-c 'CREATE DATABASE oasis'
fi
echo "demo-pg: PostgreSQL at postgresql://postgres@127.0.0.1:$port/oasis (password in $local_dir/pgpass)"
"$oasis" demo --db "postgresql://postgres@127.0.0.1:$port/oasis" \
	--data "$local_dir" --listen 127.0.0.1:8080 "$@"
