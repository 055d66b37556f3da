#!/bin/sh
# run.sh BUILD: every benchmark, each side by side with its peer in one run.
# The figures go to docs/BENCHMARKS.md by hand, with the machine line.
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")"
for b in *_bench.py; do
	echo "== $b"
	/usr/bin/python3 "$b" "$BUILD"
done
