/*
 * oasis migrate: copy a whole SQLite store into an empty PostgreSQL
 * database (or any empty store), table by table through db.h's copy
 * operations (db_rows_*), ids and all; check the counts; rerun after a
 * failure.
 *
 * The steps:
 *   1. the source: its time-series log flushed (ts_engine_open, then a
 *      checkpoint), so that the points not yet in chunks move too; the
 *      log's lock also tells a server still running on it;
 *   2. the target: empty, or holding the marker of an interrupted migrate
 *      of the same source (a file of the target's blob store, MARKER,
 *      holding the source's real path), in which case it is emptied and
 *      the copy starts over; anything else is refused;
 *   3. the marker written, every table of db_tables copied in batches
 *      (progress on stderr), the id counters moved on (db_rows_finish);
 *   4. imagery previews that older versions kept in the source's folder
 *      (DIR/imagery/...) copied into the target's files;
 *   5. the counts of every table compared side by side, then the marker
 *      removed: only a target without a marker is a finished migrate.
 */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "cli/opts.h"
#include "db/db.h"
#include "ts/engine.h"
#include "util/timeutil.h"

#define MARKER "oasis-migrate/source"
#define BATCH_ROWS 2000
#define BATCH_BYTES ((size_t)16 << 20)

static const char usage[] =
	"usage: oasis migrate --from DIR --to postgresql://USER@HOST:PORT/DB\n"
	"                     [--data-password-file FILE]\n"
	"\n"
	"Copy the whole SQLite store in DIR (users, tokens, sessions, plots,\n"
	"devices, series and their points, rules, alerts, commands, stations\n"
	"and groups, equipment, snapshots, imagery and its previews,\n"
	"retention...) into an empty PostgreSQL database, ids and all, then\n"
	"compare the count of every table.  Stop any server on DIR first: the\n"
	"points its time-series log holds are moved into the store before the\n"
	"copy.  The database must exist (createdb) with PostGIS available;\n"
	"the Oasis tables are made if missing.  A target that is not empty is\n"
	"refused, unless it holds an interrupted migrate of the same DIR:\n"
	"then it is emptied and the copy starts over.  --to may also name a\n"
	"new folder (a copy into another SQLite store).\n"
	"\n"
	"Afterwards: oasis serve --db URL --data DIR2 (the local folder of the\n"
	"PostgreSQL node, for its own time-series log).\n";

struct migrate {
	const char *from, *to;
	char from_real[PATH_MAX];
	char to_shown[512];
	struct db *src, *dst;
	int64_t *src_counts;     /* per table of db_tables */
	size_t n_tables;
	size_t previews_moved;   /* from the source's folder */
	bool tty;
	const char *crash_after; /* tests: stop dead after this table */
};

/* 1. The source's log into its store: every acknowledged point in chunks. */
static int flush_source(struct migrate *m, struct err *e)
{
	struct ts_engine_opts o = { .no_maintenance = true };
	struct ts_engine *eng;
	int rc;

	if ((rc = ts_engine_open(m->src, m->from, &o, &eng, e)))
		return err_prefix(e, "--from %s: its time-series log (is a "
				  "server still running on it? stop it first)",
				  m->from);
	rc = ts_engine_checkpoint(eng, e);
	ts_engine_close(eng);
	return rc ? err_prefix(e, "--from %s: flushing its time-series log",
			       m->from) : ERR_OK;
}

static int open_source(struct migrate *m, struct err *e)
{
	char path[PATH_MAX + 16];

	if (db_is_postgres_url(m->from))
		return err_set(e, ERR_INVALID, "--from must be the folder of a "
			       "SQLite store, not a URL");
	snprintf(path, sizeof(path), "%s/oasis.db", m->from);
	if (access(path, F_OK))
		return err_set(e, ERR_NOT_FOUND, "--from %s: no store there "
			       "(%s is missing)", m->from, path);
	if (!realpath(m->from, m->from_real))
		return err_set(e, ERR_IO, "--from %s: %s", m->from,
			       strerror(errno));
	if (db_open(m->from, false, &m->src, e))
		return err_prefix(e, "--from %s", m->from);
	return flush_source(m, e);
}

/*
 * 2. Whether the target may take the copy: *rerun when it holds the marker
 * of this source.  Refused: another source's marker, or any row beyond
 * those a new store starts with (db_table.fresh_rows).
 */
static int check_target(struct migrate *m, bool *rerun, struct err *e)
{
	struct db_file f;
	int64_t n;
	int rc;

	*rerun = false;
	rc = db_file_get(m->dst, MARKER, &f, e);
	if (rc && rc != ERR_NOT_FOUND)
		return rc;
	if (!rc) {
		bool same = (size_t)f.size == strlen(m->from_real) &&
			!memcmp(f.data, m->from_real, (size_t)f.size);

		db_file_free(&f);
		if (!same)
			return err_set(e, ERR_EXISTS, "--to %s: it holds an "
				       "interrupted migrate of another store; "
				       "empty it or use another database",
				       m->to_shown);
		*rerun = true;
		return ERR_OK;
	}
	for (size_t i = 0; i < m->n_tables; i++) {
		if ((rc = db_rows_count(m->dst, db_tables[i].name, &n, e)))
			return rc;
		if (n > db_tables[i].fresh_rows)
			return err_set(e, ERR_EXISTS, "--to %s: not empty (%lld "
				       "rows in %s); migrate copies into an "
				       "empty database only", m->to_shown,
				       (long long)n, db_tables[i].name);
	}
	return ERR_OK;
}

static int open_target(struct migrate *m, struct err *e)
{
	bool rerun;
	int rc;

	db_where_shown(m->to, m->to_shown, sizeof(m->to_shown));
	if (db_open(m->to, true, &m->dst, e))
		return err_prefix(e, "--to %s", m->to_shown);
	if ((rc = check_target(m, &rerun, e)))
		return rc;
	if (rerun)
		fprintf(stderr, "oasis migrate: %s holds an interrupted migrate "
			"of %s: emptying it, starting over\n", m->to_shown,
			m->from_real);
	/* and the rows every new store starts with (the default site) make
	 * way for the source's own */
	if ((rc = db_rows_clear(m->dst, e)))
		return rc;
	return db_file_put(m->dst, MARKER, m->from_real, strlen(m->from_real),
			   time_now_ms(), e);
}

static void progress(const struct migrate *m, const char *table,
		     int64_t done, int64_t total, bool end)
{
	if (!m->tty && !end)
		return;
	fprintf(stderr, "%s  %-20s %12lld / %-12lld %3d%%%s", m->tty ? "\r" : "",
		table, (long long)done, (long long)total,
		total ? (int)(100 * done / total) : 100, end ? "\n" : "");
	fflush(stderr);
}

/* 3. One table, batch by batch; the marker row of files stays out. */
static int copy_table(struct migrate *m, size_t i, struct err *e)
{
	const char *table = db_tables[i].name;
	struct db_rows rows;
	int64_t pos = 0, done = 0;
	size_t got;
	int rc;

	do {
		if ((rc = db_rows_read(m->src, table, &pos, BATCH_ROWS,
				       BATCH_BYTES, &rows, e)))
			return err_prefix(e, "reading %s", table);
		got = rows.n_rows;
		rc = db_rows_write(m->dst, table, &rows, e);
		db_rows_free(&rows);
		if (rc)
			return err_prefix(e, "writing %s", table);
		done += (int64_t)got;
		progress(m, table, done, m->src_counts[i], false);
	} while (got);
	progress(m, table, done, m->src_counts[i], true);
	if (m->crash_after && !strcmp(m->crash_after, table)) {
		fprintf(stderr, "oasis migrate: stopping dead after %s "
			"(OASIS_MIGRATE_CRASH_AFTER)\n", table);
		_exit(CLI_EXIT_FAIL);
	}
	return ERR_OK;
}

struct scene_list {
	struct db_scene *v;
	size_t n, cap;
};

static int note_scene(const struct db_scene *s, void *ctx)
{
	struct scene_list *l = ctx;

	if (!s->preview[0])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct db_scene *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = *s;
	l->v[l->n].crs = l->v[l->n].footprint = NULL;
	l->n++;
	return 0;
}

/* A preview file of the source's folder into the target, if not there. */
static int move_preview(struct migrate *m, const char *name, struct err *e)
{
	char path[PATH_MAX + 300];
	struct db_file f;
	FILE *in;
	void *buf = NULL;
	long len;
	int rc;

	if (!(rc = db_file_get(m->dst, name, &f, e))) {
		db_file_free(&f);
		return ERR_OK;
	}
	if (rc != ERR_NOT_FOUND)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", m->from, name);
	if (!(in = fopen(path, "rb")))
		return ERR_OK; /* gone: the picture was lost already */
	if (fseek(in, 0, SEEK_END) || (len = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) || !(buf = malloc(len ? (size_t)len : 1)) ||
	    fread(buf, 1, (size_t)len, in) != (size_t)len)
		rc = err_set(e, ERR_IO, "%s: cannot be read", path);
	else
		rc = db_file_put(m->dst, name, buf, (size_t)len, time_now_ms(),
				 e);
	fclose(in);
	free(buf);
	if (!rc)
		m->previews_moved++;
	return rc;
}

/* 4. Previews older versions left in the source's folder, into the files. */
static int move_previews(struct migrate *m, struct err *e)
{
	struct scene_list l = { 0 };
	char name[700], indices[DB_TEXT_MAX], *save, *idx;
	int rc;

	if ((rc = db_scene_list(m->src, INT64_MIN, INT64_MAX, note_scene, &l,
				e))) {
		if (rc == ERR_NOMEM)
			err_nomem(e);
		goto out;
	}
	for (size_t i = 0; !rc && i < l.n; i++) {
		snprintf(indices, sizeof(indices), "%s", l.v[i].indices);
		for (idx = strtok_r(indices, ",", &save); !rc && idx;
		     idx = strtok_r(NULL, ",", &save)) {
			snprintf(name, sizeof(name), "%s/%s.tif",
				 l.v[i].preview, idx);
			rc = move_preview(m, name, e);
		}
	}
out:
	free(l.v);
	return rc;
}

/* 5. Every table's count, side by side; ERR_STORE when one differs. */
static int compare_counts(struct migrate *m, struct err *e)
{
	const char *bad = NULL;
	int64_t n;
	int rc;

	printf("%-20s %12s %12s\n", "table", "from", "to");
	for (size_t i = 0; i < m->n_tables; i++) {
		const char *table = db_tables[i].name;

		if ((rc = db_rows_count(m->dst, table, &n, e)))
			return rc;
		if (!strcmp(table, "files"))
			n -= 1 + (int64_t)m->previews_moved; /* the marker */
		printf("%-20s %12lld %12lld%s\n", table,
		       (long long)m->src_counts[i], (long long)n,
		       n == m->src_counts[i] ? "" : "  DIFFERENT");
		if (n != m->src_counts[i] && !bad)
			bad = table;
	}
	if (m->previews_moved)
		printf("(and %zu imagery previews from %s/imagery into files)\n",
		       m->previews_moved, m->from);
	if (bad)
		return err_set(e, ERR_STORE, "the counts differ (first: %s): "
			       "the target keeps its marker; rerun the "
			       "migrate", bad);
	return ERR_OK;
}

static int run(struct migrate *m, struct err *e)
{
	int rc;

	if (auth_init(e))
		return e->code;
	while (db_tables[m->n_tables].name)
		m->n_tables++;
	if (!(m->src_counts = calloc(m->n_tables, sizeof(*m->src_counts))))
		return err_nomem(e);
	if ((rc = open_source(m, e)))
		return rc;
	for (size_t i = 0; i < m->n_tables; i++)
		if ((rc = db_rows_count(m->src, db_tables[i].name,
					&m->src_counts[i], e)))
			return rc;
	if ((rc = open_target(m, e)))
		return rc;
	fprintf(stderr, "oasis migrate: %s -> %s\n", m->from_real, m->to_shown);
	for (size_t i = 0; i < m->n_tables; i++)
		if ((rc = copy_table(m, i, e)))
			return rc;
	if ((rc = db_rows_finish(m->dst, e)) || (rc = move_previews(m, e)) ||
	    (rc = compare_counts(m, e)) ||
	    (rc = db_file_delete(m->dst, MARKER, e)))
		return rc;
	printf("migrated %s into %s\n", m->from_real, m->to_shown);
	return ERR_OK;
}

/* --data-password-file FILE: the PostgreSQL password, read from a file. */
static int password_file_option(const char *arg, void *ctx, struct err *e)
{
	(void)ctx;
	return db_password_file(arg, e);
}

int cmd_migrate(int argc, char **argv)
{
	struct migrate m = { 0 };
	const struct cli_opt table[] = {
		{ "from", "DIR", "the embedded store to copy", .str = &m.from },
		{ "to", "URL", "the PostgreSQL store: postgresql://USER@HOST:PORT/DB",
		  .str = &m.to },
		{ "data-password-file", "FILE", "the PostgreSQL password, from a "
		  "file", .handle = password_file_option },
		{ 0 },
	};
	const struct cli_opts opts = { "migrate", usage, table, &m };
	struct err e = { 0 };
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, NULL, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if ((rc = cli_opts_at_most(&opts, argc, argv, first, 0)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (!m.from || !m.to)
		return cli_usage_error("migrate", "both --from DIR and --to URL "
				       "are needed");
	m.tty = isatty(STDERR_FILENO);
	m.crash_after = getenv("OASIS_MIGRATE_CRASH_AFTER");
	rc = run(&m, &e);
	db_close(m.src);
	db_close(m.dst);
	free(m.src_counts);
	return rc ? cli_fail("migrate", &e) : CLI_EXIT_OK;
}
