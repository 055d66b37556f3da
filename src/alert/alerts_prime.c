/*
 * The first evaluation, on the history: when the service starts, the last
 * hours of every series a rule on points watches are read from the engine
 * and evaluated in time order, as if they had just arrived.  Of what that
 * decides only the end state of each rule and subject is carried out
 * (alerts__act_detail coalesces while priming): an alert whose condition
 * holds at the end of the history opens at once, so a frost already under
 * way is on the screen in the first minute, not once its duration has
 * passed again; one that rose and cleared within the history does not
 * open; an alert left open by the last run whose condition cleared while
 * the server was down closes.
 *
 * Each series' window ends at its newest point, not at the clock: a base
 * replayed behind the wall clock (`oasis demo --at`) is primed all the
 * same (points older than max_age_ms are not evaluated, as ever).
 */
#include "alert/alerts_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts/engine.h"
#include "util/log.h"
#include "util/timeutil.h"

/* The history read at most, whatever the rules' durations. */
#define PRIME_MAX_MS MS_PER_DAY

struct prime {
	struct alerts *a;
	struct ts_engine *ts;
	int64_t window_ms;
	struct mon_name *names;
	size_t n_names, cap_names;
	struct mon_point *pts;
	size_t n_pts, cap_pts;
	int rc;
	struct err *e;
};

/* Under the lock: does an enabled rule on points watch metric? */
static bool watched(struct alerts *a, const char *metric)
{
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct alert_rule *r = &a->rules[i];

		if (!r->enabled || (r->kind != ALERT_THRESHOLD &&
		    r->kind != ALERT_RAW && r->kind != ALERT_STUCK))
			continue;
		for (int k = 0; k < r->n_cond; k++)
			if (!strcmp(r->cond[k].metric, metric))
				return true;
	}
	return false;
}

/* Under the lock: the longest wait of the rules on points, and an hour. */
static int64_t window_of(struct alerts *a)
{
	int64_t w = 0;

	for (size_t i = 0; i < a->n_rules; i++) {
		if (a->rules[i].for_ms > w)
			w = a->rules[i].for_ms;
		if (a->rules[i].kind == ALERT_STUCK && a->rules[i].window_ms > w)
			w = a->rules[i].window_ms;
	}
	w += MS_PER_HOUR;
	return w < PRIME_MAX_MS ? w : PRIME_MAX_MS;
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	if (!(p = realloc(*arr, c * elem)))
		return false;
	*arr = p;
	*cap = c;
	return true;
}

/* One series: its name and its last window of points, if a rule watches it. */
static int add_series(const struct db_series *s, void *ctx)
{
	struct prime *pr = ctx;
	struct ts_point *pts = NULL;
	struct mon_name *nm;
	int64_t last;
	double v;
	size_t n = 0;
	bool want;

	pthread_mutex_lock(&pr->a->lock);
	want = watched(pr->a, s->metric);
	pthread_mutex_unlock(&pr->a->lock);
	if (!want || ts_engine_latest(pr->ts, s->id, &last, &v))
		return 0;
	if ((pr->rc = ts_engine_read(pr->ts, s->id, last - pr->window_ms, last,
				     &pts, &n, pr->e)))
		return 1;
	if (!grow((void **)&pr->names, &pr->cap_names, pr->n_names + 1,
		  sizeof(*pr->names)) ||
	    !grow((void **)&pr->pts, &pr->cap_pts, pr->n_pts + n,
		  sizeof(*pr->pts))) {
		free(pts);
		pr->rc = err_nomem(pr->e);
		return 1;
	}
	nm = &pr->names[pr->n_names++];
	memset(nm, 0, sizeof(*nm));
	nm->series = s->id;
	snprintf(nm->device, sizeof(nm->device), "%s", s->device);
	if (strlen(s->metric) >= sizeof(nm->metric)) {
		pr->n_names--;
		free(pts);
		return 0; /* longer than any metric a rule names */
	}
	memcpy(nm->metric, s->metric, strlen(s->metric) + 1);
	for (size_t i = 0; i < n; i++)
		pr->pts[pr->n_pts++] = (struct mon_point){ s->id, pts[i].ts,
							   pts[i].value, false };
	free(pts);
	return 0;
}

/* In time order; a series' points keep theirs (the sort is on ts, then series). */
static int by_time(const void *x, const void *y)
{
	const struct mon_point *p = x, *q = y;

	if (p->ts != q->ts)
		return p->ts < q->ts ? -1 : 1;
	return (p->series > q->series) - (p->series < q->series);
}

int alerts_prime(struct alerts *a, struct ts_engine *ts, struct err *e)
{
	struct prime pr = { .a = a, .ts = ts, .e = e };
	struct timespec t0, t1;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&a->lock);
	pr.window_ms = window_of(a);
	a->priming = true;
	pthread_mutex_unlock(&a->lock);
	rc = db_series_list(a->db, NULL, add_series, &pr, e);
	if (rc == 1 || pr.rc)
		rc = pr.rc ? pr.rc : err_nomem(e);
	if (!rc) {
		if (pr.n_pts)
			qsort(pr.pts, pr.n_pts, sizeof(*pr.pts), by_time);
		alerts__evaluate(a, pr.names, pr.n_names, pr.pts, pr.n_pts);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("alerts: the first evaluation took %zu points of %zu "
			 "series (the last %lld min of each) in %.0f ms", pr.n_pts,
			 pr.n_names, (long long)(pr.window_ms / MS_PER_MINUTE),
			 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	pthread_mutex_lock(&a->lock);
	a->priming = false;
	pthread_mutex_unlock(&a->lock);
	alerts__flush(a);
	free(pr.names);
	free(pr.pts);
	return rc;
}
