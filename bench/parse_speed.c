/*
 * parse_speed: how fast the ingestion parsers turn text into a batch.
 *
 *   parse_speed FILE [lp|json|csv] [ROUNDS]
 *
 * Reads FILE into memory once, parses it ROUNDS times (default 5) and
 * prints the best round: seconds, points, points/s and MB/s.  The first
 * round starts from a fresh batch (its arrays grow as they fill, as in a
 * one-off `oasis ingest`); later rounds reuse the memory (as a server
 * reusing a batch does); both are shown.  The format defaults to the
 * file's extension.  Built by hand,
 * optimised and without sanitizers, e.g.
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o /tmp/parse_speed \
 *      bench/parse_speed.c src/ingest/batch.c src/ingest/lp.c \
 *      src/ingest/json.c src/ingest/csv.c src/util/err.c \
 *      src/util/timeutil.c -ljansson -lm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/batch.h"

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto out_close;
	data = malloc((size_t)size + 1);
	if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		data = NULL;
	}
	*len = (size_t)size;
out_close:
	fclose(f);
	return data;
}

static const char *format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (strcmp(dot, ".json") == 0 || strcmp(dot, ".ndjson") == 0))
		return "json";
	if (dot && strcmp(dot, ".csv") == 0)
		return "csv";
	return "lp";
}

static int parse_once(const char *fmt, const char *text, size_t len,
		      struct ingest_batch *b, struct err *e)
{
	const int64_t now = INT64_C(1782864000000);

	ingest_batch_reset(b);
	if (strcmp(fmt, "json") == 0)
		return ingest_json_parse(text, len, NULL, now, b, e);
	if (strcmp(fmt, "csv") == 0)
		return ingest_csv_parse(text, len, now, b, e);
	return ingest_lp_parse(text, len, PRECISION_NS, now, b, e);
}

int main(int argc, char **argv)
{
	struct ingest_batch b;
	struct err e = { 0 };
	const char *fmt;
	double best = 1e30, first = 0, t0, t;
	size_t len = 0;
	char *text;
	int rounds;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: parse_speed FILE [lp|json|csv] "
			"[ROUNDS]\n");
		return 2;
	}
	fmt = argc > 2 ? argv[2] : format_of(argv[1]);
	rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (rounds < 1)
		rounds = 1;
	text = read_file(argv[1], &len);
	if (!text) {
		fprintf(stderr, "parse_speed: cannot read %s\n", argv[1]);
		return 1;
	}
	ingest_batch_init(&b);
	for (int i = 0; i < rounds; i++) {
		t0 = seconds_now();
		if (parse_once(fmt, text, len, &b, &e)) {
			fprintf(stderr, "parse_speed: %s\n", e.msg);
			return 1;
		}
		t = seconds_now() - t0;
		if (i == 0)
			first = t;
		else if (t < best)
			best = t;
	}
	if (rounds == 1)
		best = first;
	printf("%s %s: %zu bytes, %zu points, %zu arena bytes\n"
	       "  fresh batch: %.3f s, %.2f M points/s\n"
	       "  reused, best of %d: %.3f s, %.2f M points/s, %.0f MB/s\n",
	       fmt, argv[1], len, b.n, b.arena_len, first,
	       (double)b.n / first / 1e6, rounds > 1 ? rounds - 1 : 1, best,
	       (double)b.n / best / 1e6, (double)len / best / 1e6);
	ingest_batch_free(&b);
	free(text);
	return 0;
}
