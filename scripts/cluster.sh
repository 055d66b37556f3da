#!/usr/bin/env bash
# cluster.sh: an Oasis cluster on one machine, on loopback, from Debian packages.
#
#   scripts/cluster.sh up        start it all; print the addresses
#   scripts/cluster.sh down      end exactly the processes `up` started
#   scripts/cluster.sh status    which of them run; Patroni's view
#   scripts/cluster.sh env       the addresses as shell variables (for tests)
#   scripts/cluster.sh leader    the PostgreSQL leader's name (p1, p2, ...)
#   scripts/cluster.sh clean     down, then remove the state folder
# and, for the cluster suite (tests/cluster/) and drills, by recorded PID:
#   scripts/cluster.sh kill-pg pN      kill -9 a PostgreSQL node's Patroni,
#                                      postmaster and backends (its machine dies)
#   scripts/cluster.sh start-pg pN     start its Patroni again (rejoins, pg_rewind)
#   scripts/cluster.sh stop-node oN    drain an Oasis node in haproxy, then stop it
#   scripts/cluster.sh start-node oN   start it again on the same port
#
# What `up` starts (docs/CLUSTER.md explains the topology):
#   etcd 3.4 (Patroni's consensus); PostgreSQL 15 + PostGIS under Patroni 3.0
#   on OASIS_CLUSTER_PG nodes (p1 bootstraps, the others clone from it), in
#   synchronous mode; one or two mosquitto brokers; haproxy in front of the
#   Oasis nodes (HTTP and server-sent events) and of the database leader
#   (Patroni's GET /primary); OASIS_CLUSTER_NODES `oasis serve` nodes
#   (o1, o2, ...) on one database through libpq's host list with
#   target_session_attrs=read-write; then the demo base's plots.
#
# Every process's PID goes to STATE/pids/NAME.pid and `down` ends those PIDs
# (and a Patroni's PostgreSQL by its own postmaster.pid): never by name.
# Every port is a free loopback port chosen at `up`, kept in STATE/env.
# As root, PostgreSQL, Patroni and etcd run as the `postgres` user (initdb
# refuses root); the libpq variables of the caller never reach them (a
# PGPASSWORD there would override Patroni's own pgpass file).
#
# Environment (defaults):
#   OASIS_CLUSTER_DIR=var/cluster   the state folder (configs, data, logs, PIDs)
#   OASIS_CLUSTER_PG=2              PostgreSQL nodes (3 in production)
#   OASIS_CLUSTER_NODES=3           Oasis nodes
#   OASIS_CLUSTER_BROKERS=1         mosquitto brokers (1 or 2)
#   OASIS_CLUSTER_TTL=10 OASIS_CLUSTER_LOOP_WAIT=1 OASIS_CLUSTER_RETRY_TIMEOUT=4
#                                   Patroni's timings (loop_wait + 2 retry <= ttl)
#   OASIS_CLUSTER_LEASE_TTL=10000   the nodes' lease ttl in ms (--lease-ttl)
#   OASIS_CLUSTER_DEMO=1            load the demo base's plots (0: an empty base)
#   OASIS_BIN=build/oasis           the program the nodes run
#   OASIS_CLUSTER_SERVE_ARGS=       more options for every `oasis serve`
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${OASIS_CLUSTER_DIR:-$ROOT/var/cluster}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
PG_NODES=${OASIS_CLUSTER_PG:-2}
NODES=${OASIS_CLUSTER_NODES:-3}
BROKERS=${OASIS_CLUSTER_BROKERS:-1}
TTL=${OASIS_CLUSTER_TTL:-10}
LOOP_WAIT=${OASIS_CLUSTER_LOOP_WAIT:-1}
RETRY_TIMEOUT=${OASIS_CLUSTER_RETRY_TIMEOUT:-4}
LEASE_TTL=${OASIS_CLUSTER_LEASE_TTL:-10000}
OASIS=${OASIS_BIN:-$ROOT/build/oasis}
PG_BIN=${PGBIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)}

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

RUN_AS=()
OWNER=$(id -un)
if [ "$(id -u)" = 0 ]; then
	RUN_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
	OWNER=postgres
fi

pidfile() { echo "$STATE/pids/$1.pid"; }
pid_of() { cat "$(pidfile "$1")" 2>/dev/null || true; }
# A recorded process that runs (a zombie, killed but not yet reaped, does not).
alive() {
	local p
	p=$(pid_of "$1")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ]
}

# Start NAME in the background (as the database's owner when AS is "pg"),
# its output in STATE/log/NAME.log, its PID in STATE/pids/NAME.pid.
spawn() {
	local name=$1 as=$2
	shift 2
	local run=()
	[ "$as" = pg ] && run=("${RUN_AS[@]}")
	"${run[@]}" env -u PGPASSWORD -u PGPASSFILE -u PGUSER -u PGHOST -u PGPORT \
		-u PGDATABASE -u PGSERVICE -u PGOPTIONS -u PGAPPNAME -u PGTARGETSESSIONATTRS \
		"$@" >>"$STATE/log/$name.log" 2>&1 &
	echo $! >"$(pidfile "$name")"
}

# N free loopback ports, all bound at once so that they differ.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Wait up to S seconds for a command to succeed.
wait_until() {
	local s=$1 what=$2 t0
	shift 2
	t0=$(date +%s)
	until "$@"; do
		[ $(($(date +%s) - t0)) -ge "$s" ] && die "$what not ready after ${s}s (logs: $STATE/log)"
		sleep 0.2
	done
}

load_env() {
	[ -f "$STATE/env" ] || die "no cluster in $STATE (run: scripts/cluster.sh up)"
	# shellcheck disable=SC1091
	. "$STATE/env"
}

# ---- configuration ----------------------------------------------------------

choose_ports() {
	local p
	# etcd client + peer, haproxy http + pg + stats, per PG node pg + rest,
	# per broker, per Oasis node
	read -r -a p <<<"$(free_ports $((5 + 2 * PG_NODES + BROKERS + NODES)))"
	local i k=5
	{
		echo "CLUSTER_DIR=$STATE"
		echo "ETCD_PORT=${p[0]}"
		echo "ETCD_PEER=${p[1]}"
		echo "HA_HTTP=${p[2]}"
		echo "HA_PG=${p[3]}"
		echo "HA_STATS=${p[4]}"
		echo "PG_NODES=$PG_NODES"
		echo "NODES=$NODES"
		echo "BROKERS=$BROKERS"
		echo "TTL=$TTL"
		echo "LEASE_TTL=$LEASE_TTL"
		for i in $(seq 1 "$PG_NODES"); do
			echo "P${i}_PG=${p[k]}"
			echo "P${i}_REST=${p[k + 1]}"
			k=$((k + 2))
		done
		for i in $(seq 1 "$BROKERS"); do
			echo "B${i}_PORT=${p[k]}"
			k=$((k + 1))
		done
		for i in $(seq 1 "$NODES"); do
			echo "O${i}_PORT=${p[k]}"
			k=$((k + 1))
		done
	} >"$STATE/env"
	# shellcheck disable=SC1091
	. "$STATE/env"
}

pg_port() { local v="P${1}_PG"; echo "${!v}"; }
rest_port() { local v="P${1}_REST"; echo "${!v}"; }
node_port() { local v="O${1}_PORT"; echo "${!v}"; }
broker_port() { local v="B${1}_PORT"; echo "${!v}"; }

# libpq's host list: every PostgreSQL node; only the writable one is taken.
db_url() {
	local i hosts=""
	for i in $(seq 1 "$PG_NODES"); do
		hosts="$hosts${hosts:+,}127.0.0.1:$(pg_port "$i")"
	done
	echo "postgresql://oasis@$hosts/oasis?target_session_attrs=read-write&connect_timeout=2"
}

write_patroni() {
	local i=$1 dir="$STATE/pg/p$1"
	mkdir -p "$dir"
	cat >"$dir/patroni.yml" <<EOF
scope: oasis
name: p$i
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$(rest_port "$i")
  connect_address: 127.0.0.1:$(rest_port "$i")
etcd3:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    ttl: $TTL
    loop_wait: $LOOP_WAIT
    retry_timeout: $RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: false
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        synchronous_commit: "on"
        wal_sender_timeout: 10s
        max_wal_size: 512MB
        checkpoint_timeout: 5min
        shared_buffers: 128MB
        max_connections: 200
  initdb:
  - encoding: UTF8
  - locale: C.UTF-8
  - auth-host: scram-sha-256
  - auth-local: trust
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 scram-sha-256
  - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$(pg_port "$i")
  connect_address: 127.0.0.1:$(pg_port "$i")
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
      password: $SUPERPASS
    replication:
      username: replicator
      password: $REPLPASS
  parameters:
    unix_socket_directories: $dir
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
}

write_haproxy() {
	local i
	{
		cat <<EOF
global
  maxconn 4000
  stats socket $STATE/haproxy.sock mode 600 level admin
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 1s
listen stats
  mode http
  bind 127.0.0.1:$HA_STATS
  stats enable
  stats uri /
# Oasis: HTTP and server-sent events (a stream lives up to an hour between
# bytes; the heartbeat keeps it well under that)
listen oasis
  mode http
  bind 127.0.0.1:$HA_HTTP
  balance leastconn
  # /api/v1/health/live touches no store: a PostgreSQL failover, which makes
  # every node's store answer late at once, takes no node out; a dead node
  # leaves on its connection errors at once (observe layer4) or after
  # 2 failed checks (~1.5 s)
  option httpchk GET /api/v1/health/live
  http-check expect status 200
  timeout check 1s
  timeout tunnel 1h
  option http-server-close
  option http-buffer-request
  option redispatch
  retries 3
  retry-on conn-failure empty-response response-timeout
  default-server inter 1s fastinter 250ms downinter 500ms fall 2 rise 1 observe layer4 error-limit 2 on-error mark-down
EOF
		for i in $(seq 1 "$NODES"); do
			echo "  server o$i 127.0.0.1:$(node_port "$i") check"
		done
		cat <<EOF
# PostgreSQL: the leader, as Patroni says (tools that cannot list hosts)
listen postgres
  mode tcp
  bind 127.0.0.1:$HA_PG
  timeout client 30m
  timeout server 30m
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fastinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions
EOF
		for i in $(seq 1 "$PG_NODES"); do
			echo "  server p$i 127.0.0.1:$(pg_port "$i") check port $(rest_port "$i")"
		done
	} >"$STATE/haproxy.cfg"
}

write_mosquitto() {
	local i=$1
	mkdir -p "$STATE/mqtt"
	# docs/mosquitto.conf's queue (a subscriber that falls behind loses
	# nothing past the 1,000th message) and a small in-flight window
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 5\nmax_queued_messages 2000000\nmax_queued_bytes 0\n' \
		"$(broker_port "$i")" >"$STATE/mqtt/b$i.conf"
}

# ---- steps of `up` ------------------------------------------------------------

need() {
	local missing="" c
	for c in etcd etcdctl patroni patronictl haproxy mosquitto python3; do
		command -v "$c" >/dev/null || missing="$missing $c"
	done
	[ -x "$PG_BIN/postgres" ] || missing="$missing postgresql-15"
	if [ -n "$missing" ]; then
		log "missing:$missing; installing the cluster's Debian packages"
		"$ROOT/scripts/deps.sh" install cluster
	fi
	[ -x "$OASIS" ] || die "no $OASIS (run make, or set OASIS_BIN)"
}

rest() { curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(rest_port "$1")/$2" 2>/dev/null || true; }

is_primary() { [ "$(rest "$1" primary)" = 200 ]; }

leader() {
	local i
	for i in $(seq 1 "$PG_NODES"); do
		[ "$(rest "$i" primary)" = 200 ] && { echo "p$i"; return 0; }
	done
	return 1
}

# A leader, and every other node streaming from it.
healthy() {
	local l i n
	l=$(leader) || return 1
	for i in $(seq 1 "$PG_NODES"); do
		[ "$(rest "$i" health)" = 200 ] || return 1
	done
	[ "$PG_NODES" -gt 1 ] || return 0
	n=$(su_psql "${l#p}" postgres -Atqc \
		"select count(*) from pg_stat_replication where state = 'streaming'" 2>/dev/null || echo 0)
	[ "$n" = $((PG_NODES - 1)) ]
}

su_psql() {
	local i=$1 db=$2
	shift 2
	PGPASSWORD=$SUPERPASS "$PG_BIN/psql" -h 127.0.0.1 -p "$(pg_port "$i")" -U postgres -d "$db" "$@"
}

start_etcd() {
	mkdir -p "$STATE/etcd"
	chown "$OWNER" "$STATE/etcd"
	chmod 700 "$STATE/etcd"
	spawn etcd pg etcd --name e1 --data-dir "$STATE/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
		--initial-cluster "e1=http://127.0.0.1:$ETCD_PEER" \
		--initial-cluster-state new --initial-cluster-token "oasis-$ETCD_PORT"
	wait_until 30 etcd env ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$ETCD_PORT" \
		endpoint health >/dev/null 2>&1
}

start_pg() {
	local i
	for i in $(seq 1 "$PG_NODES"); do
		write_patroni "$i"
		chown -R "$OWNER" "$STATE/pg/p$i"
		chmod 700 "$STATE/pg/p$i"
	done
	spawn p1 pg patroni "$STATE/pg/p1/patroni.yml"
	wait_until 90 "p1 (bootstrap)" is_primary 1
	for i in $(seq 2 "$PG_NODES"); do
		spawn "p$i" pg patroni "$STATE/pg/p$i/patroni.yml"
	done
}

# The role and database Oasis uses, and PostGIS (a superuser's act).
make_database() {
	local l
	l=$(leader | tr -d p)
	su_psql "$l" postgres -q -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE oasis LOGIN PASSWORD '$OASISPASS'" \
		-c "CREATE DATABASE oasis OWNER oasis" >/dev/null
	su_psql "$l" oasis -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION postgis" >/dev/null
	{
		echo "127.0.0.1:*:*:oasis:$OASISPASS"
		echo "127.0.0.1:*:*:postgres:$SUPERPASS"
	} >"$STATE/pgpass"
	chmod 600 "$STATE/pgpass"
}

start_brokers() {
	local i
	for i in $(seq 1 "$BROKERS"); do
		write_mosquitto "$i"
		spawn "b$i" self mosquitto -c "$STATE/mqtt/b$i.conf"
	done
	for i in $(seq 1 "$BROKERS"); do
		wait_until 10 "mosquitto b$i" port_open "$(broker_port "$i")"
	done
}

mqtt_args() {
	# every broker (docs/CLUSTER.md: every node on every broker)
	local i out=""
	for i in $(seq 1 "$BROKERS"); do
		out="$out --mqtt mqtt://127.0.0.1:$(broker_port "$i")"
	done
	echo "$out"
}

start_node() {
	local i=$1 dir="$STATE/oasis/o$1"
	mkdir -p "$dir"
	chmod 700 "$dir"
	# shellcheck disable=SC2046,SC2086
	# one node of several (docs/CLUSTER.md): PostgreSQL is the log, leases,
	# a share of every broker's telemetry, events relayed to the others
	spawn "o$i" self PGPASSFILE="$STATE/pgpass" "$OASIS" serve --db "$(db_url)" \
		--data "$dir" --listen "127.0.0.1:$(node_port "$i")" \
		--cluster --node-id "o$i" --lease-ttl "$LEASE_TTL" \
		--mqtt-shared-group oasis \
		$(mqtt_args) ${OASIS_CLUSTER_SERVE_ARGS:-}
}

node_up() { curl -s -m 1 -o /dev/null "http://127.0.0.1:$(node_port "$1")/api/v1/health"; }

init_store() {
	local out
	mkdir -p "$STATE/oasis/o1"
	chmod 700 "$STATE/oasis/o1"
	out=$(PGPASSFILE="$STATE/pgpass" "$OASIS" init --db "$(db_url)" --data "$STATE/oasis/o1" 2>&1) ||
		die "oasis init: $out"
	printf '%s\n' "$out" >"$STATE/admin-login.txt"
	chmod 600 "$STATE/admin-login.txt"
	PGPASSFILE="$STATE/pgpass" "$OASIS" token create --role admin --name cluster \
		--db "$(db_url)" --data "$STATE/oasis/o1" >"$STATE/admin-token" 2>/dev/null
	chmod 600 "$STATE/admin-token"
}

# The demo base's plots: `oasis demo` makes the base in a scratch SQLite
# store (it runs on the embedded store only), then its plots are imported.
load_demo() {
	local seed="$STATE/demo-seed" port
	port=$(free_ports 1)
	spawn demo-seed self "$OASIS" demo --data "$seed" --listen "127.0.0.1:$port"
	wait_until 300 "the demo base" grep -q "serving on" "$STATE/log/demo-seed.log"
	stop_pid demo-seed TERM 20
	"$OASIS" plots list --data "$seed" --format geojson >"$STATE/demo-plots.geojson"
	PGPASSFILE="$STATE/pgpass" "$OASIS" plots import "$STATE/demo-plots.geojson" \
		--db "$(db_url)" --data "$STATE/oasis/o1" >/dev/null
}

cmd_up() {
	if [ -d "$STATE/pids" ]; then
		local f
		for f in "$STATE"/pids/*.pid; do
			[ -e "$f" ] || continue
			kill -0 "$(cat "$f")" 2>/dev/null &&
				die "a cluster already runs from $STATE ($(basename "$f" .pid)); run down first"
		done
	fi
	need
	rm -rf "$STATE"
	# a failed start ends what it started
	trap 'log "up failed; stopping what it started"; cmd_down' ERR
	mkdir -p "$STATE/log" "$STATE/pids" "$STATE/pg" "$STATE/oasis"
	chmod 755 "$STATE" "$STATE/pg"
	SUPERPASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	REPLPASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	OASISPASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	choose_ports
	printf 'SUPERPASS=%s\nREPLPASS=%s\nOASISPASS=%s\n' "$SUPERPASS" "$REPLPASS" "$OASISPASS" \
		>"$STATE/secrets"
	chmod 600 "$STATE/secrets"
	touch "$STATE/log/etcd.log"
	chown "$OWNER" "$STATE/log"

	local t0
	t0=$(date +%s)
	log "etcd on 127.0.0.1:$ETCD_PORT"
	start_etcd
	log "PostgreSQL 15 under Patroni: $PG_NODES nodes, synchronous mode"
	start_pg
	write_haproxy
	spawn haproxy self haproxy -db -f "$STATE/haproxy.cfg"
	wait_until 180 "PostgreSQL replication" healthy
	make_database
	log "mosquitto: $BROKERS broker(s)"
	start_brokers
	init_store
	log "Oasis: $NODES nodes"
	local i
	for i in $(seq 1 "$NODES"); do start_node "$i"; done
	for i in $(seq 1 "$NODES"); do wait_until 60 "oasis o$i" node_up "$i"; done
	for i in $(seq 1 "$NODES"); do wait_until 30 "haproxy's check of o$i" ha_up "o$i"; done
	if [ "${OASIS_CLUSTER_DEMO:-1}" = 1 ]; then
		log "loading the demo base's plots"
		load_demo
	fi
	log "up in $(($(date +%s) - t0)) s"
	cmd_addresses
}

cmd_addresses() {
	local i
	echo "Oasis through haproxy:  http://127.0.0.1:$HA_HTTP/   (the big screen; $(head -n 2 "$STATE/admin-login.txt" | grep -o 'admin login.*' || echo 'admin login in admin-login.txt'))"
	for i in $(seq 1 "$NODES"); do
		echo "  node o$i:              http://127.0.0.1:$(node_port "$i")/"
	done
	echo "admin token:            $STATE/admin-token"
	echo "PostgreSQL leader:      postgresql://oasis@127.0.0.1:$HA_PG/oasis (haproxy; password in $STATE/pgpass)"
	echo "  nodes use:            $(db_url)"
	for i in $(seq 1 "$PG_NODES"); do
		echo "  p$i:                   127.0.0.1:$(pg_port "$i") (Patroni REST 127.0.0.1:$(rest_port "$i"))"
	done
	for i in $(seq 1 "$BROKERS"); do
		echo "mosquitto b$i:           mqtt://127.0.0.1:$(broker_port "$i")"
	done
	echo "etcd:                   127.0.0.1:$ETCD_PORT"
	echo "haproxy stats:          http://127.0.0.1:$HA_STATS/"
	echo "state, logs:            $STATE"
}

# ---- stopping -------------------------------------------------------------------

# Signal one recorded PID, wait up to S seconds, then kill -9 it.
stop_pid() {
	local name=$1 sig=$2 wait_s=$3 pid i
	pid=$(pid_of "$name")
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill "-$sig" "$pid" 2>/dev/null || true
		for i in $(seq 1 $((wait_s * 10))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$(pidfile "$name")"
}

# A PostgreSQL node: Patroni stops its PostgreSQL; one left behind (Patroni
# killed -9) is stopped through its own postmaster.pid.
stop_pg() {
	local name=$1 pm
	stop_pid "$name" TERM 60
	pm=$(head -n 1 "$STATE/pg/$name/data/postmaster.pid" 2>/dev/null || true)
	if [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; then
		kill -INT "$pm" 2>/dev/null || true
		local i
		for i in $(seq 1 100); do
			kill -0 "$pm" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pm" 2>/dev/null && kill -9 "$pm" 2>/dev/null || true
	fi
}

cmd_down() {
	[ -d "$STATE/pids" ] || { log "nothing runs from $STATE"; return 0; }
	# shellcheck disable=SC1091
	[ -f "$STATE/env" ] && . "$STATE/env"
	local f name l=""
	for f in "$STATE"/pids/o*.pid "$STATE"/pids/demo-seed.pid; do
		[ -e "$f" ] && stop_pid "$(basename "$f" .pid)" TERM 30
	done
	stop_pid haproxy TERM 5
	for f in "$STATE"/pids/b*.pid; do
		[ -e "$f" ] && stop_pid "$(basename "$f" .pid)" TERM 5
	done
	# the replicas first, so that stopping them starts no failover
	[ -f "$STATE/env" ] && l=$(leader 2>/dev/null || true)
	for f in "$STATE"/pg/p*/; do
		[ -d "$f" ] || continue
		name=$(basename "$f")
		[ "$name" = "$l" ] || stop_pg "$name"
	done
	[ -n "$l" ] && stop_pg "$l"
	stop_pid etcd TERM 10
	log "stopped"
}

cmd_status() {
	load_env
	local f name pid
	for f in "$STATE"/pids/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			echo "$name: running (pid $pid)"
		else
			echo "$name: not running (pid $pid was recorded)"
		fi
	done
	patronictl -c "$STATE/pg/p1/patroni.yml" list 2>/dev/null || true
}

cmd_env() {
	load_env
	cat "$STATE/env"
	echo "DB_URL='$(db_url)'"
	echo "PGPASSFILE=$STATE/pgpass"
	# shellcheck disable=SC1091
	. "$STATE/secrets"
	echo "SUPERPASS=$SUPERPASS"
}

# The postmaster of node pN and its children, by its own postmaster.pid.
pg_pids() {
	local pm
	pm=$(head -n 1 "$STATE/pg/$1/data/postmaster.pid" 2>/dev/null || true)
	[ -n "$pm" ] && kill -0 "$pm" 2>/dev/null || return 0
	echo "$pm"
	ps -o pid= --ppid "$pm" 2>/dev/null | tr -d ' '
}

cmd_kill_pg() {
	local name=$1 pids
	pids="$(pid_of "$name") $(pg_pids "$name")"
	date +%s%3N
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null || true
}

cmd_start_pg() {
	load_env
	alive "$1" && { log "$1 already runs"; return 0; }
	spawn "$1" pg patroni "$STATE/pg/$1/patroni.yml"
}

# A command on haproxy's admin socket; prints the answer.
ha_cmd() {
	python3 - "$STATE/haproxy.sock" "$1" <<'EOF2'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
print(out.decode(), end="")
EOF2
}

# Requests in progress on haproxy's server oasis/oN.
ha_sessions() {
	ha_cmd "show stat" | awk -F, -v s="$1" '$1 == "oasis" && $2 == s { print $5 }'
}

# haproxy sees node oN up (its health checks passed).
ha_up() { ha_cmd "show stat" | awk -F, -v s="$1" '$1 == "oasis" && $2 == s { print $18 }' | grep -q '^UP'; }

# A rolling restart's step: haproxy stops sending new requests to the
# node (drain), the ones in progress end, then the node stops.
cmd_stop_node() {
	load_env
	local i
	ha_cmd "set server oasis/$1 state drain" >/dev/null 2>&1 || true
	for i in $(seq 1 50); do
		[ "$(ha_sessions "$1" 2>/dev/null || echo 0)" = 0 ] && break
		sleep 0.1
	done
	stop_pid "$1" TERM 30
}

cmd_start_node() {
	load_env
	alive "$1" && { log "$1 already runs"; return 0; }
	start_node "${1#o}"
	wait_until 60 "oasis $1" node_up "${1#o}"
	ha_cmd "set server oasis/$1 state ready" >/dev/null 2>&1 || true
	wait_until 30 "haproxy's check of $1" ha_up "$1"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
clean) cmd_down; rm -rf "$STATE" ;;
status) cmd_status ;;
env) cmd_env ;;
leader) load_env; . "$STATE/secrets"; leader ;;
addresses) load_env; cmd_addresses ;;
kill-pg) cmd_kill_pg "${2:?pN}" ;;
start-pg) cmd_start_pg "${2:?pN}" ;;
stop-node) cmd_stop_node "${2:?oN}" ;;
start-node) cmd_start_node "${2:?oN}" ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
