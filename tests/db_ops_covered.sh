#!/bin/sh
# db_ops_covered.sh: every operation of db.h has a test in the storage
# suite (tests/unit/test_db*.c and test_pg_*.c, each test run on SQLite
# and on PostgreSQL but those of PostgreSQL's own features) and a row in
# docs/POSTGRES.md's table of which test covers it.  The operations are the lines of src/db/db_ops.h plus db_open,
# db_close and db_pool_stats.  Prints TAP (one line per operation); exits
# non-zero when one has no test or no row.
#
#   tests/db_ops_covered.sh          check
#   tests/db_ops_covered.sh --table  print the table for docs/POSTGRES.md
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

ops=$( (sed -n 's/^[[:space:]]*X(\([a-z_0-9]*\),.*/db_\1/p' src/db/db_ops.h
	echo db_open; echo db_close; echo db_pool_stats) | sort -u)
tests=$(ls tests/unit/test_db*.c tests/unit/test_pg_*.c)

# The tests of the storage suite calling op: a cmocka test (a function
# "static void NAME(void **state)"), or a helper that the tables of
# test_db_listings.c and test_db_writes.c run for a test (run_*: the
# listings' tests; write_*, *_unchanged, *_landed...:
# writes_are_all_or_nothing; test_db.c's copy_store:
# a_store_copies_table_by_table).  Other helpers (fill, add_*) do not
# count.
callers() {
	awk -v op="$1(" '
		{ lines[FILENAME, FNR] = $0; n[FILENAME] = FNR }
		END {
			for (f in n) {
				fn = ""
				for (i = 1; i <= n[f]; i++) {
					l = lines[f, i]
					if (l ~ /^[a-z].*[a-z_0-9]+\(/ && l !~ /;$/) {
						fn = l
						sub(/\(.*/, "", fn)
						sub(/.*[ *]/, "", fn)
						is_test = l ~ /^static void [a-z_0-9]+\(void \*\*state\)/
					}
					if (!index(l, op) || fn == "")
						continue
					name = ""
					if (is_test)
						name = fn
					else if (fn ~ /^run_/)
						name = "listings_stop_at_the_callbacks_answer, listings_call_back_without_a_connection"
					else if (fn ~ /^write_|_unchanged$|_landed$|_and_session$|_and_token$|_disabled$|_deleted$|_gone$/)
						name = "writes_are_all_or_nothing"
					else if (fn == "copy_store")
						name = "a_store_copies_table_by_table"
					if (name == "")
						continue
					short = f
					sub(/.*\//, "", short)
					key = short ":" name
					if (!seen[key]++)
						out[f] = out[f] (out[f] ? ", " : short ": ") name
				}
			}
			sep = ""
			for (f in out) {
				all = all sep out[f]
				sep = "; "
			}
			print all
		}' $tests
}

if [ "${1:-}" = "--table" ]; then
	echo "| operation | its tests (file: test functions) |"
	echo "|---|---|"
	for op in $ops; do
		echo "| \`$op\` | $(callers "$op") |"
	done
	exit 0
fi

n=$(echo "$ops" | wc -l)
echo "1..$n"
i=0
bad=0
for op in $ops; do
	i=$((i + 1))
	where=$(callers "$op")
	if [ -z "$where" ]; then
		echo "not ok $i - $op: no test in tests/unit/test_db*.c or test_pg_*.c"
		bad=$((bad + 1))
	elif ! grep -q "^| \`$op\` |" docs/POSTGRES.md; then
		echo "not ok $i - $op: no row in docs/POSTGRES.md (tests/db_ops_covered.sh --table)"
		bad=$((bad + 1))
	else
		echo "ok $i - $op: $where"
	fi
done
[ "$bad" -eq 0 ]
