/*
 * Trying a rule on past data (the admin console's "test against the last
 * day"): replay the points of [from, to] of every device the rule concerns
 * through the same state machine as the live monitoring (eval.c) and list
 * the alerts that would have opened and cleared.  Nothing is stored.
 * Rules on values (threshold, stuck) can be replayed; the others depend on
 * the clock, valves or other modules and are refused, saying so.
 */
#include "alert/rule_test.h"

#include <stdlib.h>
#include <string.h>

#include "alert/eval.h"
#include "util/timeutil.h"

/* At most this many events are listed (the counts are complete). */
#define RULE_TEST_MAX_EVENTS 200

/* A point of one of the rule's conditions. */
struct cond_point {
	int64_t ts;
	double value;
	int cond;
};

static int by_time(const void *a, const void *b)
{
	const struct cond_point *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->cond - y->cond;
}

struct replay {
	const struct alert_rule *r;
	struct ingest *ing;
	struct ts_engine *ts;
	struct db *db;
	int64_t from, to;
	json_t *events;
	int subjects, raised, cleared;
	int64_t points;
};

/* The crop of plot ("" when none or unknown). */
static void crop_of(struct db *db, const char *plot, char *out, size_t size)
{
	struct db_plot p;
	struct err e;

	out[0] = '\0';
	if (plot[0] && db_plot_get(db, plot, &p, &e) == ERR_OK) {
		snprintf(out, size, "%s", p.crop);
		db_plot_free(&p);
	}
}

static void note(struct replay *rp, const char *device, enum eval_change ch,
		 int64_t ts, double value)
{
	char when[32];

	if (ch == EVAL_RAISE)
		rp->raised++;
	else
		rp->cleared++;
	if (json_array_size(rp->events) >= RULE_TEST_MAX_EVENTS)
		return;
	time_format_iso(ts, when, sizeof(when));
	json_array_append_new(rp->events, json_pack("{ss ss ss sf}", "subject",
		device, "change", ch == EVAL_RAISE ? "open" : "close",
		"time", when, "value", value));
}

/* Read the points of cond of device into *pts (grown), at *n. */
static int read_cond(struct replay *rp, const char *device, int cond,
		     struct cond_point **pts, size_t *n, struct err *e)
{
	struct ts_point *got = NULL;
	struct cond_point *grown;
	size_t k = 0;
	int64_t id;
	int rc;

	if (ingest_series_find(rp->ing, device, rp->r->cond[cond].metric, &id,
			       e) != ERR_OK) {
		err_clear(e);
		return ERR_OK; /* the device has no such metric */
	}
	if ((rc = ts_engine_read(rp->ts, id, rp->from, rp->to, &got, &k, e)))
		return rc;
	grown = realloc(*pts, (*n + k + 1) * sizeof(**pts));
	if (!grown) {
		free(got);
		return err_nomem(e);
	}
	*pts = grown;
	for (size_t i = 0; i < k; i++)
		(*pts)[(*n)++] = (struct cond_point){ got[i].ts, got[i].value,
						      cond };
	free(got);
	return ERR_OK;
}

static int replay_device(struct replay *rp, const char *device,
			 struct err *e)
{
	const struct alert_rule *r = rp->r;
	struct cond_point *pts = NULL;
	struct eval_state st = { 0 };
	char plot[DB_CODE_MAX], crop[DB_TEXT_MAX];
	int n_cond = r->kind == ALERT_STUCK ? 1 : r->n_cond;
	size_t n = 0;
	int rc = ERR_OK;

	ingest_device_plot(rp->ing, device, plot);
	crop_of(rp->db, plot, crop, sizeof(crop));
	if (!alert_rule_matches(r, device, plot, crop))
		return ERR_OK;
	for (int i = 0; i < n_cond && !rc; i++)
		rc = read_cond(rp, device, i, &pts, &n, e);
	if (rc || n == 0)
		goto out;
	rp->subjects++;
	rp->points += (int64_t)n;
	qsort(pts, n, sizeof(*pts), by_time);
	for (size_t i = 0; i < n; i++) {
		enum eval_change ch = r->kind == ALERT_STUCK
			? eval_stuck(r->window_ms, &st, pts[i].ts, pts[i].value)
			: eval_conditions(r->cond, r->n_cond, r->for_ms, &st,
					  pts[i].cond, pts[i].ts, pts[i].value);

		if (ch != EVAL_SAME)
			note(rp, device, ch, pts[i].ts, pts[i].value);
	}
out:
	free(pts);
	return rc;
}

static int replay_all(struct replay *rp, struct err *e)
{
	const struct ingest_snapshot *snap = ingest_series_snapshot(rp->ing, e);
	const char *last = NULL;
	int rc = ERR_OK;

	if (!snap)
		return e->code;
	for (size_t i = 0; i < snap->n && !rc; i++) {
		const char *dev = snap->refs[i].device;

		if (last && !strcmp(last, dev))
			continue; /* sorted by device: each once */
		last = dev;
		rc = replay_device(rp, dev, e);
	}
	ingest_snapshot_release(rp->ing, snap);
	return rc;
}

int alerts_rule_test(struct db *db, struct ingest *ing, struct ts_engine *ts,
		     const struct alert_rule *r, int64_t from, int64_t to,
		     json_t **out, struct err *e)
{
	struct replay rp = { .r = r, .ing = ing, .ts = ts, .db = db,
			     .from = from, .to = to };
	char a[32], b[32];
	int rc;

	*out = NULL;
	if (r->kind != ALERT_THRESHOLD && r->kind != ALERT_STUCK)
		return err_set(e, ERR_INVALID, "a rule of kind '%s' depends on the "
			       "clock or on other services and cannot be tried on "
			       "past data (threshold and stuck rules can)",
			       alert_kind_name(r->kind));
	if (!(rp.events = json_array()))
		return err_nomem(e);
	if ((rc = replay_all(&rp, e))) {
		json_decref(rp.events);
		return rc;
	}
	time_format_iso(from, a, sizeof(a));
	time_format_iso(to, b, sizeof(b));
	*out = json_pack("{ss ss si sI si si so}", "from", a, "to", b,
			 "subjects", rp.subjects, "points", (json_int_t)rp.points,
			 "opened", rp.raised, "closed", rp.cleared,
			 "events", rp.events);
	return *out ? ERR_OK : err_nomem(e);
}
