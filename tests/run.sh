#!/bin/sh
# run.sh BUILD: run every test of the suite against the programs in BUILD
# (cmocka unit tests, then the integration tests against the real server),
# and end with one line "N passed, N failed".
set -u
BUILD=${1:-build/asan}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export OASIS_BIN="$top/$BUILD/oasis"
# GDAL and PROJ keep process-wide caches on purpose: not leaks of ours.
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export CMOCKA_MESSAGE_OUTPUT=TAP
logs="$top/$BUILD/test-logs"
rm -rf "$logs" && mkdir -p "$logs"
passed=0
failed=0

# Count one TAP stream: ok / not ok lines, a missing plan or a crash fail.
tally() {
	name=$1 log=$2 status=$3
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	missing=0
	if [ -n "$plan" ] && [ $((ok + bad)) -lt "$plan" ]; then
		missing=$((plan - ok - bad))
	fi
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ] && [ "$missing" -eq 0 ]; then
		missing=1 # crashed or leaked after its last test
	fi
	passed=$((passed + ok))
	failed=$((failed + bad + missing))
	if [ $((bad + missing)) -gt 0 ]; then
		echo "FAIL $name ($ok passed, $((bad + missing)) failed; log: $log)"
		grep -E '^(not ok|#)' "$log" | head -n 40
		tail -n 30 "$log"
	else
		echo "ok   $name ($ok passed)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$logs/$name.log"
	"$t" >"$log" 2>&1
	tally "$name" "$log" $?
done

for t in tests/integration/test_*.py; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .py)
	log="$logs/$name.log"
	/usr/bin/python3 "$t" >"$log" 2>&1
	tally "$name" "$log" $?
done

# The big screen in a real browser: Playwright (npm playwright-core) driving
# Debian's chromium against a server it starts itself; node's TAP output
# has one top-level "ok"/"not ok" line per test, which tally counts.
log="$logs/browser.log"
OASIS_ARTIFACTS="$top/$BUILD/browser-artifacts" \
	node --test --test-reporter=tap tests/browser/ >"$log" 2>&1
tally browser "$log" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
