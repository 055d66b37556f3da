/*
 * oasis ingest: bulk-load sensor data from a file (or standard input) into
 * the store, through the same validation as the API.  The file is read in
 * pieces of whole lines, each parsed, checked and gathered; the points are
 * stored in one transaction at the end, so a file with an error stores no
 * point (devices it auto-registered stay registered).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "db/db.h"
#include "ingest/batch.h"
#include "ingest/ingest.h"
#include "ts/bulk.h"
#include "util/timeutil.h"

#define PIECE_BYTES ((size_t)8 << 20)
#define JSON_ARRAY_MAX ((size_t)512 << 20)

static const char usage[] =
	"usage: oasis ingest FILE|- [--format lp|json|csv] [--precision P]\n"
	"                    [--auto-register] [--allow-unknown-metrics]\n"
	"                    [--data DIR]\n"
	"\n"
	"Bulk-load sensor data: InfluxDB line protocol (lp), telemetry JSON\n"
	"(an object, an array or NDJSON) or CSV (series,ts_ms,value or\n"
	"device,ts,METRIC...).  The format comes from the file's extension\n"
	"(.lp .txt .json .ndjson .jsonl .csv) unless given; standard input is\n"
	"line protocol unless given.  --precision ns|us|ms|s|m|h (lp; default\n"
	"ns).  --auto-register registers unknown devices (their kind from the\n"
	"measurement name); otherwise they are refused.  A metric name outside\n"
	"the catalogue is refused unless --allow-unknown-metrics.  Nothing is\n"
	"stored if any line is refused.\n";

enum format { FMT_LP, FMT_JSON, FMT_CSV };

struct ingest_run {
	const char *path;
	enum format format;
	enum ingest_precision precision;
	bool auto_register;
	bool allow_unknown_metrics;
	FILE *in;
	off_t size;             /* 0 when unknown (a pipe) */
	char *csv_header;       /* the header line, for every CSV piece */
	uint64_t bytes, points, lines;
	struct timespec start, last_progress;
	bool progress;
	struct ingest *ing;
	struct ts_bulk *bulk;
	struct ingest_batch batch;
};

static int format_from_name(const char *path, const char *given,
			    enum format *out)
{
	const char *dot = strrchr(path, '.');

	if (given) {
		if (!strcmp(given, "lp")) *out = FMT_LP;
		else if (!strcmp(given, "json")) *out = FMT_JSON;
		else if (!strcmp(given, "csv")) *out = FMT_CSV;
		else return ERR_INVALID;
		return ERR_OK;
	}
	*out = FMT_LP;
	if (dot && (!strcmp(dot, ".json") || !strcmp(dot, ".ndjson") ||
		    !strcmp(dot, ".jsonl")))
		*out = FMT_JSON;
	else if (dot && !strcmp(dot, ".csv"))
		*out = FMT_CSV;
	return ERR_OK;
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void show_progress(struct ingest_run *r, bool final)
{
	double secs = seconds_since(&r->start);

	if (!r->progress || (!final && seconds_since(&r->last_progress) < 0.5))
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last_progress);
	if (r->size)
		fprintf(stderr, "\r%s: %5.1f%% of %.1f MB, %.2f M points, %.2f M "
			"points/s ", r->path, 100.0 * r->bytes / r->size,
			r->size / 1e6, r->points / 1e6,
			secs > 0 ? r->points / secs / 1e6 : 0);
	else
		fprintf(stderr, "\r%s: %.1f MB, %.2f M points ", r->path,
			r->bytes / 1e6, r->points / 1e6);
	if (final)
		fputc('\n', stderr);
}

/* Parse, check and gather one piece of text. */
static int take_piece(struct ingest_run *r, const char *text, size_t len,
		      struct err *e)
{
	struct ingest_opts o = { .auto_register = r->auto_register,
				 .now_ms = time_now_ms() };
	struct ingest_summary s;
	struct ts_write *w;
	size_t n;
	int rc;

	ingest_batch_reset(&r->batch);
	if (r->format == FMT_LP)
		rc = ingest_lp_parse(text, len, r->precision, o.now_ms, &r->batch, e);
	else if (r->format == FMT_JSON)
		rc = ingest_json_parse(text, len, NULL, o.now_ms, &r->batch, e);
	else
		rc = ingest_csv_parse(text, len, o.now_ms, &r->batch, e);
	if (rc || (rc = ingest_prepare(r->ing, &r->batch, &o, &w, &n, &s, e)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = ts_bulk_add(r->bulk, w[i].series, w[i].ts, w[i].value, e);
	free(w);
	r->points += n;
	return rc;
}

static uint32_t count_lines(const char *s, size_t len)
{
	uint32_t n = 0;

	for (const char *p = s; (p = memchr(p, '\n', len - (size_t)(p - s))); p++)
		n++;
	return n;
}

/* CSV pieces after the first get the header in front of them. */
static int take_csv_piece(struct ingest_run *r, char *text, size_t len,
			  struct err *e)
{
	struct buf with_header = BUF_INIT;
	char *nl;
	int rc;

	if (!r->csv_header) {
		nl = memchr(text, '\n', len);
		r->csv_header = nl ? strndup(text, (size_t)(nl - text + 1))
				   : strndup(text, len);
		r->batch.line_base = 0;
		return r->csv_header ? take_piece(r, text, len, e) : err_nomem(e);
	}
	buf_puts(&with_header, r->csv_header);
	buf_append(&with_header, text, len);
	if (buf_failed(&with_header))
		return err_nomem(e);
	r->batch.line_base = (uint32_t)r->lines - 1;
	rc = take_piece(r, with_header.data, with_header.len, e);
	buf_free(&with_header);
	return rc;
}

/* A JSON array is one document: it is read whole (bounded). */
static int read_json_array(struct ingest_run *r, struct buf *text,
			   struct err *e)
{
	char chunk[65536];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), r->in)) > 0) {
		buf_append(text, chunk, got);
		r->bytes += got;
		if (text->len > JSON_ARRAY_MAX)
			return err_set(e, ERR_TOO_LARGE, "a JSON array over %zu "
				       "MB: write NDJSON instead",
				       JSON_ARRAY_MAX >> 20);
	}
	if (ferror(r->in))
		return err_set(e, ERR_IO, "read error: %s", strerror(errno));
	if (buf_failed(text))
		return err_nomem(e);
	r->batch.line_base = 0;
	return take_piece(r, text->data, text->len, e);
}

static bool starts_json_array(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return s[i] == '[';
	return false;
}

/* Hand over the complete lines at the start of piece; returns bytes used. */
static int take_lines(struct ingest_run *r, char *piece, size_t have,
		      bool at_end, size_t *used, struct err *e)
{
	char *nl = at_end ? piece + have : memrchr(piece, '\n', have);
	size_t cut;
	int rc;

	*used = 0;
	if (!nl)
		return have == PIECE_BYTES
			? err_set(e, ERR_INVALID, "line %llu: longer than %zu MB",
				  (unsigned long long)r->lines + 1, PIECE_BYTES >> 20)
			: ERR_OK;
	cut = (size_t)(nl - piece) + (nl < piece + have);
	if (!cut)
		return ERR_OK;
	if (r->format == FMT_CSV) {
		rc = take_csv_piece(r, piece, cut, e);
	} else {
		r->batch.line_base = (uint32_t)r->lines;
		rc = take_piece(r, piece, cut, e);
	}
	r->lines += count_lines(piece, cut);
	*used = cut;
	return rc;
}

static int read_pieces(struct ingest_run *r, struct err *e)
{
	char *piece = malloc(PIECE_BYTES);
	size_t have = 0, used;
	int rc = ERR_OK;

	if (!piece)
		return err_nomem(e);
	for (;;) {
		size_t got = fread(piece + have, 1, PIECE_BYTES - have, r->in);
		bool at_end;

		if (ferror(r->in)) {
			rc = err_set(e, ERR_IO, "read error: %s", strerror(errno));
			break;
		}
		if (r->bytes == 0 && r->format == FMT_JSON &&
		    starts_json_array(piece, got)) {
			struct buf text = BUF_INIT;

			buf_append(&text, piece, got);
			r->bytes += got;
			rc = read_json_array(r, &text, e);
			buf_free(&text);
			break;
		}
		have += got;
		r->bytes += got;
		at_end = feof(r->in) != 0;
		if ((rc = take_lines(r, piece, have, at_end, &used, e)))
			break;
		memmove(piece, piece + used, have - used);
		have -= used;
		show_progress(r, false);
		if (at_end && have == 0)
			break;
	}
	free(piece);
	return rc;
}

static int run(struct db *db, struct ingest_run *r, struct err *e)
{
	struct ts_bulk_stats st;
	double secs;
	int rc;

	ingest_batch_init(&r->batch);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->last_progress = r->start;
	if ((rc = ingest_open(db, &r->ing, e)))
		goto out_batch;
	ingest_set_unknown_metrics(r->ing, r->allow_unknown_metrics);
	if ((rc = ts_bulk_open(db, 0, &r->bulk, e)))
		goto out_ingest;
	if ((rc = read_pieces(r, e)) || (rc = ts_bulk_commit(r->bulk, e)) ||
	    (rc = db_flush(db, e)))
		goto out_bulk;
	show_progress(r, true);
	ts_bulk_stats(r->bulk, &st);
	secs = seconds_since(&r->start);
	printf("%s: %llu points stored in %zu chunks (%.2f bytes/point "
	       "encoded) in %.2f s, %.2f M points/s\n", r->path,
	       (unsigned long long)st.stored, st.chunks,
	       st.stored ? (double)st.bytes / (double)st.stored : 0.0, secs,
	       secs > 0 ? st.points / secs / 1e6 : 0.0);
out_bulk:
	ts_bulk_free(r->bulk);
out_ingest:
	ingest_close(r->ing);
out_batch:
	ingest_batch_free(&r->batch);
	free(r->csv_header);
	if (rc && r->progress)
		fputc('\n', stderr);
	return rc;
}

/* --precision ns|us|ms|s|m|h of line protocol's timestamps. */
static int precision_option(const char *arg, void *ctx, struct err *e)
{
	struct ingest_run *r = ctx;

	if (ingest_precision_parse(arg, &r->precision, e))
		return err_prefix(e, "--precision");
	return ERR_OK;
}

int cmd_ingest(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct ingest_run r = { 0 };
	const char *format = NULL;
	const struct cli_opt table[] = {
		{ "format", "lp|json|csv", "the file's format (default: from its "
		  "name; lp for standard input)", .str = &format },
		{ "precision", "ns|us|ms|s|m|h", "line protocol's timestamps "
		  "(default ns)", .handle = precision_option },
		{ "auto-register", NULL, "register unknown devices as they come",
		  .flag = &r.auto_register },
		{ "allow-unknown-metrics", NULL, "accept metric names outside "
		  "the catalogue", .flag = &r.allow_unknown_metrics },
		{ 0 },
	};
	const struct cli_opts opts = { "ingest", usage, table, &r };
	struct err e = { 0 };
	struct stat st;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first + 1 != argc)
		return cli_usage_error("ingest", "expected one FILE (or - for "
				       "standard input)");
	r.path = argv[first];
	if (format_from_name(!strcmp(r.path, "-") ? "" : r.path, format, &r.format))
		return cli_usage_error("ingest", "--format: lp, json or csv");
	r.in = strcmp(r.path, "-") ? fopen(r.path, "rb") : stdin;
	if (!r.in) {
		err_set(&e, ERR_IO, "cannot open %s: %s", r.path, strerror(errno));
		return cli_fail("ingest", &e);
	}
	if (fstat(fileno(r.in), &st) == 0 && S_ISREG(st.st_mode))
		r.size = st.st_size;
	r.progress = isatty(STDERR_FILENO);
	if (cli_store_open(&store, false, &db, &e)) {
		rc = cli_fail("ingest", &e);
	} else {
		rc = run(db, &r, &e) ? (err_prefix(&e, "%s", r.path),
					cli_fail("ingest", &e)) : CLI_EXIT_OK;
		db_close(db);
	}
	if (r.in != stdin)
		fclose(r.in);
	return rc;
}
