/*
 * A read's consistent view of a series: its chunks (raw and rolled up) and
 * its head as they were at one instant, whatever checkpoints, compactions
 * and rollups commit meanwhile (invariant 7 in engine.h).
 *
 * The chunks come from one store transaction, so a compaction or a rollup
 * (each one transaction) is seen whole or not at all.  The heads are
 * another place: a checkpoint commits chunks, then drops their points from
 * the heads and bumps seal_gen.  A read notes seal_gen, reads its chunks,
 * then copies the head noting seal_gen again under the same lock.  Equal,
 * no checkpoint dropped points in between: every point the chunk snapshot
 * lacks is still in the copied head (a point sealed by a commit the
 * snapshot already sees may be in both, and the head's copy, equal, wins).
 * Different, the read starts again; after a few tries it holds checkpoints
 * off (maint_lock) for one last one, so a read is never starved.
 */
#include "ts/engine_internal.h"

#include <stdlib.h>

/* Tries before a read holds checkpoints off to finish. */
#define VIEW_TRIES 3

/* The heads' points in range, and seal_gen at that instant (one lock). */
static int copy_heads(struct ts_engine *eng, struct ts_view_head *h,
		      size_t n, uint64_t *gen, struct err *e)
{
	int rc = ERR_OK;

	pthread_rwlock_rdlock(&eng->heads_lock);
	*gen = atomic_load(&eng->seal_gen);
	for (size_t i = 0; i < n && !rc; i++) {
		struct head *hd = ts__head_get(eng, h[i].series, false);

		if (hd && ts__head_copy(hd, h[i].from, h[i].to, &h[i].pts,
					&h[i].n))
			rc = err_nomem(e);
	}
	pthread_rwlock_unlock(&eng->heads_lock);
	return rc;
}

static void heads_free(struct ts_view_head *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].pts);
		h[i].pts = NULL;
		h[i].n = 0;
	}
}

int ts__view_read_many(struct ts_engine *eng, const struct db_chunk_range *r,
		       size_t n_ranges, struct ts_view_head *h, size_t n_heads,
		       void (*reset)(void *ctx), void *ctx, struct err *e)
{
	for (int attempt = 1;; attempt++) {
		bool hold = attempt > VIEW_TRIES;
		uint64_t before, after = 0;
		int rc;

		heads_free(h, n_heads);
		if (hold)
			pthread_mutex_lock(&eng->maint_lock);
		before = atomic_load(&eng->seal_gen);
		rc = db_chunks_read_view(eng->db, r, n_ranges, e);
		if (!rc)
			rc = copy_heads(eng, h, n_heads, &after, e);
		if (hold)
			pthread_mutex_unlock(&eng->maint_lock);
		if (rc)
			heads_free(h, n_heads);
		if (rc || before == after)
			return rc;
		heads_free(h, n_heads);
		reset(ctx);
		atomic_fetch_add(&eng->read_retries, 1);
	}
}

int ts__view_read(struct ts_engine *eng, const struct ts_view *v,
		  struct ts_point **head, size_t *n_head, struct err *e)
{
	struct ts_view_head h = { v->series, v->head_from, v->head_to, NULL, 0 };
	int rc = ts__view_read_many(eng, v->ranges, v->n_ranges, &h, 1,
				    v->reset, v->ctx, e);

	*head = h.pts;
	*n_head = h.n;
	return rc;
}
