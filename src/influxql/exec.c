/*
 * influxql/exec: run parsed statements and write InfluxDB 1.x's answer:
 * {"results":[{"statement_id":N,"series":[{"name","tags","columns",
 * "values"}]}]}, a statement's error in its result ("error"), the
 * statements after a failed one "not executed", as influxd does.  With
 * chunked=true each piece of at most chunk_size rows is a JSON object of
 * its own on its own line, "partial":true while more follows.
 *
 * The SHOW statements are answered here from the registry (devices and
 * series); SELECT in exec_select.c.
 */
#include "influxql/exec_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ts/format.h"
#include "util/timeutil.h"

#define IQ_DATABASE "oasis"

/* ---- results ---------------------------------------------------------------- */

struct iq_series *iq_result_add(struct iq_result *r, struct err *e)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct iq_series *s = realloc(r->series, cap * sizeof(*s));

		if (!s) {
			err_nomem(e);
			return NULL;
		}
		r->series = s;
		r->cap = cap;
	}
	memset(&r->series[r->n], 0, sizeof(r->series[0]));
	return &r->series[r->n++];
}

int iq_series_row_end(struct iq_series *s, struct err *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		size_t *ends = realloc(s->ends, cap * sizeof(*ends));

		if (!ends)
			return err_nomem(e);
		s->ends = ends;
		s->cap = cap;
	}
	s->ends[s->n++] = s->rows.len;
	return buf_failed(&s->rows) || buf_failed(&s->head) ? err_nomem(e)
							       : ERR_OK;
}

void iq_result_free(struct iq_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		buf_free(&r->series[i].head);
		buf_free(&r->series[i].rows);
		free(r->series[i].ends);
	}
	free(r->series);
	memset(r, 0, sizeof(*r));
}

void iq_format_time(struct buf *b, int64_t ms, enum iq_epoch epoch)
{
	static const int64_t div[] = { 0, 0, 0, 1, 1000, 60000, 3600000 };
	char text[40];
	struct tm tm;
	time_t secs;
	int64_t frac;

	switch (epoch) {
	case IQ_EPOCH_NS:
		ts_format_int(b, ms * 1000000);
		return;
	case IQ_EPOCH_US:
		ts_format_int(b, ms * 1000);
		return;
	case IQ_EPOCH_RFC3339:
		break;
	default:
		ts_format_int(b, time_floor_div(ms, div[epoch]));
		return;
	}
	secs = (time_t)time_floor_div(ms, 1000);
	frac = ms - (int64_t)secs * 1000;
	gmtime_r(&secs, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_putc(b, '"');
	buf_puts(b, text);
	if (frac) { /* RFC 3339 with as few digits as needed, as Go prints */
		char f[8];

		snprintf(f, sizeof(f), ".%03d", (int)frac);
		for (size_t n = strlen(f); f[n - 1] == '0'; n--)
			f[n - 1] = '\0';
		buf_puts(b, f);
	}
	buf_puts(b, "Z\"");
}

bool iq_epoch_parse(const char *s, enum iq_epoch *out)
{
	static const struct { const char *name; enum iq_epoch e; } map[] = {
		{ "n", IQ_EPOCH_NS }, { "ns", IQ_EPOCH_NS }, { "u", IQ_EPOCH_US },
		{ "\xc2\xb5", IQ_EPOCH_US }, { "us", IQ_EPOCH_US },
		{ "ms", IQ_EPOCH_MS }, { "s", IQ_EPOCH_S }, { "m", IQ_EPOCH_M },
		{ "h", IQ_EPOCH_H },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(s, map[i].name)) {
			*out = map[i].e;
			return true;
		}
	return false;
}

/* ---- the catalog -------------------------------------------------------------- */

/* The measurement a device of this kind is written under. */
static const char *measurement_of_kind(const char *kind)
{
	static const char *const names[] = {
		"weather", "soil", "flow", "valve", "camera", "drone",
		"tractor", "pv", "pump",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(ingest_kind_of_measurement(names[i]), kind))
			return names[i];
	return kind;
}

bool iq_measurement_match(const struct iq_stmt *st, const struct iq_device *d)
{
	if (st->measurement_re)
		return regexec(st->measurement_re, d->measurement, 0, NULL, 0) == 0;
	if (!st->measurement[0])
		return true;
	return !strcmp(st->measurement, d->kind) ||
	       !strcmp(st->measurement, d->measurement) ||
	       !strcmp(ingest_kind_of_measurement(st->measurement), d->kind);
}

size_t iq_device_tags(const struct iq_device *d, const char *keys[2],
		      const char *values[2])
{
	keys[0] = "device";
	values[0] = d->id;
	if (!d->plot[0])
		return 1;
	keys[1] = "plot";
	values[1] = d->plot;
	return 2;
}

static int device_cmp(const void *a, const void *b)
{
	return strcmp(((const struct iq_device *)a)->id,
		      ((const struct iq_device *)b)->id);
}

const struct iq_device *iq_catalog_device(const struct iq_catalog *cat,
					  const char *id)
{
	struct iq_device key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, cat->devices, cat->n_devices, sizeof(key),
		       device_cmp);
}

struct device_walk {
	struct iq_catalog *cat;
	size_t cap;
};

static int take_device(const struct db_device *d, void *ctx)
{
	struct device_walk *w = ctx;
	struct iq_device *x;

	if (d->deleted_ms)
		return 0;
	if (w->cat->n_devices == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;

		x = realloc(w->cat->devices, cap * sizeof(*x));
		if (!x)
			return ERR_NOMEM;
		w->cat->devices = x;
		w->cap = cap;
	}
	x = &w->cat->devices[w->cat->n_devices++];
	memset(x, 0, sizeof(*x));
	snprintf(x->id, sizeof(x->id), "%s", d->id);
	snprintf(x->kind, sizeof(x->kind), "%s", d->kind);
	snprintf(x->plot, sizeof(x->plot), "%s", d->plot);
	x->measurement = measurement_of_kind(x->kind);
	return 0;
}

static int catalog_load(const struct iq_env *env, struct iq_catalog *cat,
			struct err *e)
{
	struct device_walk w = { cat, 0 };
	int rc;

	memset(cat, 0, sizeof(*cat));
	if ((rc = db_device_list(env->db, NULL, take_device, &w, e)))
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	qsort(cat->devices, cat->n_devices, sizeof(*cat->devices), device_cmp);
	if (!(cat->snap = ingest_series_snapshot(env->ingest, e)))
		return e->code;
	return ERR_OK;
}

static void catalog_free(const struct iq_env *env, struct iq_catalog *cat)
{
	if (cat->snap)
		ingest_snapshot_release(env->ingest, cat->snap);
	free(cat->devices);
}

/* Mark the devices the statement selects (measurement and WHERE on tags). */
static void catalog_match(const struct iq_catalog *cat, const struct iq_stmt *st)
{
	for (size_t i = 0; i < cat->n_devices; i++) {
		struct iq_device *d = &cat->devices[i];
		const char *keys[2], *values[2];
		size_t n = iq_device_tags(d, keys, values);

		d->matched = iq_measurement_match(st, d) &&
			     iq_cond_match(st->where, keys, values, n);
	}
}

/* ---- SHOW ------------------------------------------------------------------- */

/* Sorted distinct strings (pointers stay the caller's). */
struct strset {
	const char **v;
	size_t n, cap;
};

static int strset_add(struct strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return ERR_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		const char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return ERR_OK;
}

/* Append a (key, value) pair, side by side in the set (no dedup). */
static int pair_add(struct strset *s, const char *k, const char *v)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		const char **x = realloc(s->v, cap * sizeof(*x));

		if (!x)
			return ERR_NOMEM;
		s->v = x;
		s->cap = cap;
	}
	s->v[s->n++] = k;
	s->v[s->n++] = v;
	return ERR_OK;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void strset_sort(struct strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), str_cmp);
}

/* The measurements of matched devices that have series, sorted. */
static int matched_measurements(const struct iq_catalog *cat, struct strset *out)
{
	const struct ingest_snapshot *snap = cat->snap;

	for (size_t i = 0; i < snap->n; i++) {
		const struct iq_device *d = iq_catalog_device(cat, snap->refs[i].device);

		if (d && d->matched && strset_add(out, d->measurement))
			return ERR_NOMEM;
	}
	strset_sort(out);
	return ERR_OK;
}

static void head(struct iq_series *s, const char *name, const char *cols)
{
	if (name) {
		buf_puts(&s->head, "\"name\":");
		buf_json_string(&s->head, name);
		buf_putc(&s->head, ',');
	}
	buf_printf(&s->head, "\"columns\":[%s]", cols);
}

/* Rows of one or two strings, LIMIT and OFFSET applied. */
static int string_rows(struct iq_series *s, const char *const *a,
		       const char *const *b, size_t n, const struct iq_stmt *st,
		       struct err *e)
{
	size_t from = st->offset > 0 ? (size_t)st->offset : 0;
	size_t to = st->limit > 0 && from + (size_t)st->limit < n
		    ? from + (size_t)st->limit : n;
	int rc;

	for (size_t i = from; i < to; i++) {
		buf_putc(&s->rows, '[');
		buf_json_string(&s->rows, a[i]);
		if (b) {
			buf_putc(&s->rows, ',');
			buf_json_string(&s->rows, b[i]);
		}
		buf_putc(&s->rows, ']');
		if ((rc = iq_series_row_end(s, e)))
			return rc;
	}
	return ERR_OK;
}

static int show_list(struct iq_result *r, const char *name, const char *col,
		     struct strset *set, const struct iq_stmt *st,
		     struct err *e)
{
	struct iq_series *s;

	if (set->n == 0)
		return ERR_OK;
	if (!(s = iq_result_add(r, e)))
		return e->code;
	head(s, name, col);
	return string_rows(s, set->v, NULL, set->n, st, e);
}

static int show_measurements(const struct iq_catalog *cat,
			     const struct iq_stmt *st, struct iq_result *r,
			     struct err *e)
{
	struct strset set = { 0 };
	int rc = matched_measurements(cat, &set);

	if (rc)
		rc = err_nomem(e);
	else if (st->measurement[0])
		set.n = 0; /* WITH MEASUREMENT = name: only that one */
	if (!rc && st->measurement[0])
		for (size_t i = 0; i < cat->n_devices; i++)
			if (cat->devices[i].matched) {
				set.v = set.v ? set.v : malloc(sizeof(*set.v));
				if (!set.v)
					return err_nomem(e);
				set.v[0] = st->measurement;
				set.n = 1;
				break;
			}
	if (!rc)
		rc = show_list(r, "measurements", "\"name\"", &set, st, e);
	free(set.v);
	return rc;
}

/* What SHOW TAG KEYS, TAG VALUES, FIELD KEYS list for one measurement. */
enum show_what { SHOW_TAG_KEYS, SHOW_TAG_VALUES, SHOW_FIELD_KEYS };

static bool key_selected(const struct iq_stmt *st, const char *key)
{
	switch (st->key_op) {
	case IQ_EQ: return !strcmp(st->keys[0], key);
	case IQ_NE: return strcmp(st->keys[0], key) != 0;
	case IQ_RE: return regexec(st->key_re, key, 0, NULL, 0) == 0;
	case IQ_NRE: return regexec(st->key_re, key, 0, NULL, 0) != 0;
	default:
		for (size_t i = 0; i < st->n_keys; i++)
			if (!strcmp(st->keys[i], key))
				return true;
		return false;
	}
}

/* Collect the pairs of one measurement: (key, value) or (key) or (field). */
static int collect(const struct iq_catalog *cat, const struct iq_stmt *st,
		   const char *m, enum show_what what, struct strset *a,
		   struct strset *pairs)
{
	const struct ingest_snapshot *snap = cat->snap;

	for (size_t i = 0; i < snap->n; i++) {
		const struct iq_device *d = iq_catalog_device(cat, snap->refs[i].device);
		const char *keys[2], *values[2];
		size_t n;

		if (!d || !d->matched || strcmp(d->measurement, m))
			continue;
		if (what == SHOW_FIELD_KEYS) {
			if (strset_add(a, snap->refs[i].metric))
				return ERR_NOMEM;
			continue;
		}
		n = iq_device_tags(d, keys, values);
		for (size_t k = 0; k < n; k++) {
			if (what == SHOW_TAG_KEYS) {
				if (strset_add(a, keys[k]))
					return ERR_NOMEM;
			} else if (key_selected(st, keys[k])) {
				/* pairs: key and value side by side */
				size_t j;

				for (j = 0; j + 1 < pairs->n; j += 2)
					if (!strcmp(pairs->v[j], keys[k]) &&
					    !strcmp(pairs->v[j + 1], values[k]))
						break;
				if (j + 1 < pairs->n)
					continue;
				if (pair_add(pairs, keys[k], values[k]))
					return ERR_NOMEM;
			}
		}
	}
	return ERR_OK;
}

struct kv {
	const char *k, *v;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

static int show_pairs(struct iq_series *s, struct strset *pairs,
		      const struct iq_stmt *st, struct err *e)
{
	size_t n = pairs->n / 2;
	struct kv *kv = malloc((n ? n : 1) * sizeof(*kv));
	const char **a = malloc((n ? n : 1) * sizeof(*a));
	const char **b = malloc((n ? n : 1) * sizeof(*b));
	int rc;

	if (!kv || !a || !b) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (size_t i = 0; i < n; i++)
		kv[i] = (struct kv){ pairs->v[2 * i], pairs->v[2 * i + 1] };
	qsort(kv, n, sizeof(*kv), kv_cmp);
	for (size_t i = 0; i < n; i++) {
		a[i] = kv[i].k;
		b[i] = kv[i].v;
	}
	rc = string_rows(s, a, b, n, st, e);
out_free:
	free(kv);
	free(a);
	free(b);
	return rc;
}

static int show_per_measurement(const struct iq_catalog *cat,
				const struct iq_stmt *st, enum show_what what,
				struct iq_result *r, struct err *e)
{
	struct strset ms = { 0 };
	int rc = matched_measurements(cat, &ms) ? err_nomem(e) : ERR_OK;

	for (size_t i = 0; !rc && i < ms.n; i++) {
		struct strset a = { 0 }, pairs = { 0 };
		struct iq_series *s;

		if (collect(cat, st, ms.v[i], what, &a, &pairs)) {
			rc = err_nomem(e);
		} else if (what != SHOW_TAG_VALUES) {
			strset_sort(&a);
			if (a.n && (s = iq_result_add(r, e))) {
				head(s, ms.v[i], what == SHOW_TAG_KEYS
				     ? "\"tagKey\"" : "\"fieldKey\",\"fieldType\"");
				if (what == SHOW_TAG_KEYS) {
					rc = string_rows(s, a.v, NULL, a.n, st, e);
				} else {
					const char **types = malloc(a.n * sizeof(*types));

					for (size_t k = 0; types && k < a.n; k++)
						types[k] = "float";
					rc = types ? string_rows(s, a.v, types, a.n, st, e)
						   : err_nomem(e);
					free(types);
				}
			} else if (a.n) {
				rc = e->code;
			}
		} else if (pairs.n && (s = iq_result_add(r, e))) {
			head(s, ms.v[i], "\"key\",\"value\"");
			rc = show_pairs(s, &pairs, st, e);
		} else if (pairs.n) {
			rc = e->code;
		}
		free(a.v);
		free(pairs.v);
	}
	free(ms.v);
	return rc;
}

static int show_retention(struct iq_result *r, struct err *e)
{
	struct iq_series *s = iq_result_add(r, e);

	if (!s)
		return e->code;
	head(s, NULL, "\"name\",\"duration\",\"shardGroupDuration\","
	     "\"replicaN\",\"default\"");
	buf_puts(&s->rows, "[\"autogen\",\"0s\",\"168h0m0s\",1,true]");
	return iq_series_row_end(s, e);
}

static int show_databases(struct iq_result *r, struct err *e)
{
	struct iq_series *s = iq_result_add(r, e);

	if (!s)
		return e->code;
	head(s, "databases", "\"name\"");
	buf_puts(&s->rows, "[\"" IQ_DATABASE "\"]");
	return iq_series_row_end(s, e);
}

/* ---- statements ---------------------------------------------------------------- */

static bool needs_database(const struct iq_stmt *st)
{
	return st->kind == IQ_SELECT || ((st->kind == IQ_SHOW_MEASUREMENTS ||
		st->kind == IQ_SHOW_TAG_KEYS || st->kind == IQ_SHOW_TAG_VALUES ||
		st->kind == IQ_SHOW_FIELD_KEYS ||
		st->kind == IQ_SHOW_RETENTION_POLICIES) && !st->db[0]);
}

static int run_statement(const struct iq_env *env, const struct iq_catalog *cat,
			 const struct iq_stmt *st, struct iq_result *r,
			 struct err *e)
{
	if (st->error[0])
		return err_set(e, ERR_INVALID, "%s", st->error);
	if (needs_database(st) && (!env->database || !env->database[0]))
		return err_set(e, ERR_INVALID, "database name required");
	catalog_match(cat, st);
	switch (st->kind) {
	case IQ_SHOW_DATABASES: return show_databases(r, e);
	case IQ_CREATE_DATABASE: return ERR_OK;
	case IQ_SHOW_RETENTION_POLICIES: return show_retention(r, e);
	case IQ_SHOW_MEASUREMENTS: return show_measurements(cat, st, r, e);
	case IQ_SHOW_TAG_KEYS:
		return show_per_measurement(cat, st, SHOW_TAG_KEYS, r, e);
	case IQ_SHOW_TAG_VALUES:
		return show_per_measurement(cat, st, SHOW_TAG_VALUES, r, e);
	case IQ_SHOW_FIELD_KEYS:
		return show_per_measurement(cat, st, SHOW_FIELD_KEYS, r, e);
	case IQ_SELECT: return iq_select(env, cat, st, r, e);
	default:
		return err_set(e, ERR_UNSUPPORTED, "Oasis does not run '%s': "
			       "it answers SELECT and SHOW DATABASES, "
			       "MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS, "
			       "RETENTION POLICIES", st->text);
	}
}

/* ---- the answer -------------------------------------------------------------- */

static void series_json(struct buf *out, const struct iq_series *s, size_t from,
			size_t to, bool partial)
{
	buf_putc(out, '{');
	buf_append(out, s->head.data, s->head.len);
	if (to > from) {
		buf_puts(out, ",\"values\":[");
		for (size_t i = from; i < to; i++) {
			size_t b = i ? s->ends[i - 1] : 0;

			if (i > from)
				buf_putc(out, ',');
			buf_append(out, s->rows.data + b, s->ends[i] - b);
		}
		buf_putc(out, ']');
	}
	if (partial)
		buf_puts(out, ",\"partial\":true");
	buf_putc(out, '}');
}

static void result_open(struct buf *out, size_t id)
{
	buf_puts(out, "{\"statement_id\":");
	ts_format_int(out, (int64_t)id);
}

static void result_error(struct buf *out, size_t id, const char *msg)
{
	result_open(out, id);
	buf_puts(out, ",\"error\":");
	buf_json_string(out, msg);
	buf_putc(out, '}');
}

/* One statement's result, whole. */
static void result_whole(struct buf *out, size_t id, const struct iq_result *r)
{
	result_open(out, id);
	if (r->n) {
		buf_puts(out, ",\"series\":[");
		for (size_t i = 0; i < r->n; i++) {
			if (i)
				buf_putc(out, ',');
			series_json(out, &r->series[i], 0, r->series[i].n, false);
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
}

/* One statement's result as chunks, a line each. */
static void result_chunked(struct buf *out, size_t id, const struct iq_result *r,
			   size_t chunk)
{
	if (r->n == 0) {
		buf_puts(out, "{\"results\":[");
		result_whole(out, id, r);
		buf_puts(out, "]}\n");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct iq_series *s = &r->series[i];
		size_t from = 0;

		do {
			size_t to = s->n - from > chunk ? from + chunk : s->n;
			bool more = to < s->n;

			buf_puts(out, "{\"results\":[");
			result_open(out, id);
			buf_puts(out, ",\"series\":[");
			series_json(out, s, from, to, more);
			buf_putc(out, ']');
			if (more || i + 1 < r->n)
				buf_puts(out, ",\"partial\":true");
			buf_puts(out, "}]}\n");
			from = to;
		} while (from < s->n);
	}
}

static void top_error(struct buf *out, const char *msg)
{
	buf_reset(out);
	buf_puts(out, "{\"error\":");
	buf_json_string(out, msg);
	buf_puts(out, "}\n");
}

static bool reads(const struct iq_query *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->stmts[i].kind != IQ_CREATE_DATABASE)
			return true;
	return false;
}

int iq_execute(const struct iq_env *env, const char *text, struct buf *out,
	       unsigned *status, struct err *e)
{
	struct iq_query q;
	struct iq_catalog cat = { 0 };
	bool failed = false;
	int rc;

	*status = 200;
	if (iq_parse(text, env->now_ms * 1000000, &q, e)) {
		if (e->code == ERR_NOMEM)
			return e->code;
		*status = 400;
		top_error(out, e->msg);
		err_clear(e);
		return ERR_OK;
	}
	if (!env->may_read && reads(&q)) {
		char msg[ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "error authorizing query: %s not "
			 "authorized to execute statement '%s', requires READ "
			 "(a viewer's token; device tokens only write)",
			 env->who ? env->who : "this token", q.stmts[0].text);
		*status = 403;
		top_error(out, msg);
		iq_query_free(&q);
		return ERR_OK;
	}
	if ((rc = catalog_load(env, &cat, e)))
		goto out_free;
	if (!env->chunk_size)
		buf_puts(out, "{\"results\":[");
	for (size_t i = 0; i < q.n; i++) {
		struct iq_result r = { 0 };
		struct err se = { 0 };

		if (i && !env->chunk_size)
			buf_putc(out, ',');
		if (!failed && run_statement(env, &cat, &q.stmts[i], &r, &se)) {
			if (se.code == ERR_NOMEM) {
				iq_result_free(&r);
				rc = err_nomem(e);
				goto out_free;
			}
			failed = true;
		} else if (!failed) {
			if (env->chunk_size)
				result_chunked(out, i, &r, env->chunk_size);
			else
				result_whole(out, i, &r);
			iq_result_free(&r);
			continue;
		}
		if (env->chunk_size)
			buf_puts(out, "{\"results\":[");
		result_error(out, i, se.code ? se.msg : "not executed");
		if (env->chunk_size)
			buf_puts(out, "]}\n");
		iq_result_free(&r);
	}
	if (!env->chunk_size)
		buf_puts(out, "]}\n");
	rc = buf_failed(out) ? err_nomem(e) : ERR_OK;
out_free:
	catalog_free(env, &cat);
	iq_query_free(&q);
	return rc;
}
