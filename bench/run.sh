#!/bin/sh
# run.sh BUILD: every benchmark, each side by side with its peer in one run,
# then the big screen's first paint with 5,000 plots (its hour-long memory
# soak is apart: node bench/screen_soak.mjs 60 --demo).
# The figures go to docs/BENCHMARKS.md by hand, with the machine line.
# Peers come from Debian packages (InfluxDB 1.6: influxdb; PostgreSQL 15;
# the sqlite3 shell): ts_bench.py installs a missing one with apt-get when
# run as root, else skips that peer and says so.  ts_bench.py's HTTP write
# runs Oasis with the monitoring rules of `oasis demo` and without.
# pv_bench.py times `oasis pv solpos` against a numpy SPA (pv_peer.py).
# pg_bench.py runs Oasis on a throwaway PostgreSQL 15 cluster against Oasis
# on SQLite and against COPY of rows (HTTP write, store size, the plan).
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")"
case $BUILD in /*) bin=$BUILD/oasis ;; *) bin=$(pwd)/../$BUILD/oasis ;; esac
for b in *_bench.py; do
	echo "== $b"
	/usr/bin/python3 "$b" "$BUILD"
done
echo "== screen_paint.mjs"
OASIS_BIN=$bin node screen_paint.mjs 5000 5
