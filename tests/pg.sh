#!/bin/sh
# pg.sh: a throwaway PostgreSQL cluster for the tests.
#
#   tests/pg.sh run CMD [ARG...]   start a cluster, run CMD with
#                                  OASIS_TEST_PG=postgresql://... exported,
#                                  stop and remove the cluster, exit as CMD
#   tests/pg.sh start DIR          start one in the empty folder DIR; print its URL
#   tests/pg.sh stop DIR           stop it and remove DIR
#
# The cluster lives in a temporary folder (its data, its log and its unix
# socket), listens on a free loopback port only and has one database,
# oasis_test, with its superuser `postgres`.  TCP connections need the
# password (scram-sha-256), as a real server would: it is in DIR/pgpass,
# which `run` exports as PGPASSFILE (`start` prints the URL; point
# PGPASSFILE at DIR/pgpass yourself).  initdb refuses to run as root,
# so as root the server runs as the `postgres` user of Debian's package
# (runuser); as anyone else it runs as that user.  PGBIN names the folder of
# initdb and pg_ctl (default: the newest /usr/lib/postgresql/*/bin).
set -eu

pgbin() {
	if [ -n "${PGBIN:-}" ]; then
		echo "$PGBIN"
		return
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$d" ]; then
		echo "pg.sh: PostgreSQL is not installed (scripts/deps.sh install test)" >&2
		exit 1
	fi
	echo "$d"
}

# Run a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
	dir=$1
	bin=$(pgbin)
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$dir"
		chmod 700 "$dir"
	fi
	# a random password for the superuser, in a pgpass file of its own
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$pw" >"$dir/password"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$dir/password"
	fi
	as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 --pwfile="$dir/password" -E UTF8 \
		--no-locale >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# a few tries: another process may take the free port first
	for try in 1 2 3 4 5; do
		port=$(free_port)
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
			-t 60 -o "-c listen_addresses=127.0.0.1 -p $port \
			-c unix_socket_directories=$dir -c fsync=off \
			-c max_connections=200 -c shared_buffers=64MB" \
			start >/dev/null 2>&1; then
			break
		fi
		port=""
	done
	if [ -z "$port" ]; then
		echo "pg.sh: the test cluster did not start; its log:" >&2
		cat "$dir/server.log" >&2
		exit 1
	fi
	echo "$port" >"$dir/port"
	printf '127.0.0.1:%s:*:postgres:%s\n' "$port" "$pw" >"$dir/pgpass"
	chmod 600 "$dir/pgpass"
	PGPASSFILE="$dir/pgpass" "$bin/psql" -q -h 127.0.0.1 -p "$port" \
		-U postgres -d postgres -c 'CREATE DATABASE oasis_test' >/dev/null
	echo "postgresql://postgres@127.0.0.1:$port/oasis_test"
}

stop() {
	dir=$1
	bin=$(pgbin)
	if [ -d "$dir/data" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop \
			>/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) start "$2" ;;
stop) stop "$2" ;;
run)
	shift
	dir=$(mktemp -d "${TMPDIR:-/tmp}/oasis-pg-XXXXXX")
	trap 'stop "$dir"' EXIT INT TERM
	OASIS_TEST_PG=$(start "$dir")
	PGPASSFILE="$dir/pgpass"
	export OASIS_TEST_PG PGPASSFILE
	echo "PostgreSQL for the tests: $OASIS_TEST_PG"
	status=0
	"$@" || status=$?
	exit $status
	;;
*)
	echo "usage: pg.sh run CMD... | start DIR | stop DIR" >&2
	exit 2
	;;
esac
