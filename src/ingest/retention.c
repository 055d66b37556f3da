/* Applying retention policies series by series. */
#include "ingest/retention.h"

#include <stdlib.h>
#include <string.h>

#include "util/duty.h"
#include "util/log.h"
#include "util/map.h"
#include "util/timeutil.h"

#define MAX_POLICIES 256

struct apply {
	struct db *db;
	struct ts_engine *eng;
	int64_t now;
	struct db_retention policies[MAX_POLICIES];
	size_t n_policies;
	char (*kinds)[DB_KIND_MAX];   /* device kinds, by smap value */
	size_t n_kinds, cap_kinds;
	struct smap device_kind;      /* device id -> index into kinds */
	struct retention_report *report;
	struct err *e;
};

static int take_policy(const struct db_retention *r, void *ctx)
{
	struct apply *a = ctx;

	if (a->n_policies == MAX_POLICIES)
		return err_set(a->e, ERR_TOO_LARGE, "more than %d retention "
			       "policies", MAX_POLICIES);
	a->policies[a->n_policies++] = *r;
	return ERR_OK;
}

static int take_device(const struct db_device *d, void *ctx)
{
	struct apply *a = ctx;
	size_t i;

	for (i = 0; i < a->n_kinds; i++)
		if (!strcmp(a->kinds[i], d->kind))
			break;
	if (i == a->n_kinds) {
		if (a->n_kinds == a->cap_kinds) {
			size_t cap = a->cap_kinds ? a->cap_kinds * 2 : 16;
			char (*k)[DB_KIND_MAX] = realloc(a->kinds, cap * sizeof(*k));

			if (!k)
				return err_nomem(a->e);
			a->kinds = k;
			a->cap_kinds = cap;
		}
		memcpy(a->kinds[a->n_kinds++], d->kind, DB_KIND_MAX);
	}
	return smap_put(&a->device_kind, d->id, (int64_t)i) ? err_nomem(a->e) : 0;
}

/* The most specific policy for (kind, metric), or NULL. */
static const struct db_retention *policy_for(const struct apply *a,
					     const char *kind,
					     const char *metric)
{
	const struct db_retention *best = NULL;
	int best_rank = -1;

	for (size_t i = 0; i < a->n_policies; i++) {
		const struct db_retention *p = &a->policies[i];
		int rank;

		if ((p->kind[0] && strcmp(p->kind, kind)) ||
		    (p->metric[0] && strcmp(p->metric, metric)))
			continue;
		rank = (p->kind[0] ? 1 : 0) + (p->metric[0] ? 2 : 0);
		if (rank > best_rank) {
			best = p;
			best_rank = rank;
		}
	}
	return best;
}

static int apply_series(const struct db_series *s, void *ctx)
{
	struct apply *a = ctx;
	const struct db_retention *p;
	int64_t kind = -1;
	size_t rolled;
	int rc;

	if (!smap_get(&a->device_kind, s->device, &kind))
		return ERR_OK;
	if (!(p = policy_for(a, a->kinds[kind], s->metric)))
		return ERR_OK;
	a->report->series++;
	rc = ts_engine_rollup(a->eng, s->id, a->now - p->raw_ms, p->step_ms,
			      &rolled, a->e);
	a->report->rolled += rolled;
	return rc ? err_prefix(a->e, "rolling up %s/%s", s->device, s->metric) : 0;
}

int retention_apply(struct db *db, struct ts_engine *eng, int64_t now_ms,
		    struct retention_report *out, struct err *e)
{
	struct apply *a = calloc(1, sizeof(*a));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!a)
		return err_nomem(e);
	*a = (struct apply){ .db = db, .eng = eng, .now = now_ms, .report = out,
			     .e = e };
	if (!(rc = db_retention_list(db, take_policy, a, e)) && a->n_policies &&
	    !(rc = db_device_list(db, NULL, take_device, a, e)))
		rc = db_series_list(db, NULL, apply_series, a, e);
	/* then the store's housekeeping (partitions made ahead, emptied ones
	 * dropped), policies or not */
	if (!rc)
		rc = db_chunks_maintain(db, now_ms, &out->dropped, e);
	smap_free(&a->device_kind);
	free(a->kinds);
	free(a);
	return rc;
}

void retention_hook(struct ts_engine *eng, void *ctx)
{
	static int64_t last;
	struct db *db = ctx;
	struct retention_report r;
	struct err e = { 0 };
	int64_t now = time_now_ms();

	if (now - last < MS_PER_HOUR || !duty_held(DUTY_RETENTION))
		return;
	last = now;
	if (retention_apply(db, eng, now, &r, &e))
		log_error("retention: %s", e.msg);
	else if (r.rolled || r.dropped)
		log_info("retention: %llu raw points of %zu series rolled up, "
			 "%zu emptied month partitions dropped",
			 (unsigned long long)r.rolled, r.series, r.dropped);
}
