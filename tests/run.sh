#!/bin/sh
# run.sh BUILD [TSAN_BUILD]: run every test of the suite against the programs
# in BUILD (cmocka unit tests, the integration tests against the real server,
# again on PostgreSQL when OASIS_TEST_PG names one, the browser tests), then the concurrency tests built in TSAN_BUILD under
# ThreadSanitizer; print each suite's time ("suite unit: N s") and end with
# one line "N passed, N failed".
set -u
BUILD=${1:-build/asan}
TSAN_BUILD=${2:-}
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

# Each suite's wall time, so that a slow one shows.
suite_start() {
	suite_t0=$(date +%s)
}
suite_end() {
	echo "suite $1: $(($(date +%s) - suite_t0)) s"
}

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

suite_start
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$logs/$name.log"
	"$t" >"$log" 2>&1
	tally "$name" "$log" $?
done
# every operation of db.h has a test in the storage suite (test_db*.c)
log="$logs/db_ops_covered.log"
tests/db_ops_covered.sh >"$log" 2>&1
tally db_ops_covered "$log" $?
# one clock: the site's days whatever the machine's zone
for zone in UTC America/New_York; do
	log="$logs/test_tz.$(echo "$zone" | tr / _).log"
	TZ=$zone "$BUILD"/tests/test_tz >"$log" 2>&1
	tally "test_tz TZ=$zone" "$log" $?
done
suite_end unit

suite_start
for t in tests/integration/test_*.py; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .py)
	log="$logs/$name.log"
	/usr/bin/python3 "$t" >"$log" 2>&1
	tally "$name" "$log" $?
done
suite_end integration

# The same integration tests with every server's store on PostgreSQL (a
# database of its own each), when make test started one (tests/pg.sh).
# test_demo runs its own store folder; test_postgres, test_cluster_node
# (several nodes on one database of their own) and test_migrate (SQLite
# into PostgreSQL) ran already.
if [ -n "${OASIS_TEST_PG:-}" ]; then
	suite_start
	for t in tests/integration/test_*.py; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .py)
		case $name in test_demo | test_demo_season | test_postgres | test_cluster_node | test_migrate) continue ;; esac
		log="$logs/$name.pg.log"
		OASIS_TEST_BACKEND=postgresql /usr/bin/python3 "$t" >"$log" 2>&1
		tally "$name (PostgreSQL)" "$log" $?
	done
	suite_end integration-postgresql
fi

# The big screen in a real browser: Playwright (npm playwright-core) driving
# Debian's chromium against a server it starts itself; node's TAP output
# has one top-level "ok"/"not ok" line per test, which tally counts.
suite_start
log="$logs/browser.log"
OASIS_ARTIFACTS="$top/$BUILD/browser-artifacts" \
	node --test --test-reporter=tap tests/browser/ >"$log" 2>&1
tally browser "$log" $?
suite_end browser

# The concurrency tests again under ThreadSanitizer (make tsan builds them):
# the first race report stops the test and fails it.  tsan.supp silences
# only the insides of libraries that are not built with TSan.
if [ -n "$TSAN_BUILD" ]; then
	suite_start
	tlogs="$top/$TSAN_BUILD/test-logs"
	rm -rf "$tlogs" && mkdir -p "$tlogs"
	ran=0
	for t in "$TSAN_BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		name=tsan/$(basename "$t")
		log="$tlogs/$(basename "$t").log"
		TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tests/tsan.supp" \
			"$t" >"$log" 2>&1
		tally "$name" "$log" $?
		ran=$((ran + 1))
	done
	if [ "$ran" -eq 0 ]; then
		echo "FAIL tsan (no test built in $TSAN_BUILD: run make tsan)"
		failed=$((failed + 1))
	fi
	suite_end tsan
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
