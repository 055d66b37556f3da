/*
 * The streaming zonal scan of rs_zonal.h.
 *
 * Invariants:
 *  1. A zone's pieces are written only under its lock; pending counts the
 *     chunks it meets whose piece has not arrived.  The thread that takes
 *     pending to 0 owns the zone from then on (nobody else will touch it)
 *     and finalizes it without the lock.
 *  2. Pieces are joined in chunk order, so the values reach rs_stats in
 *     raster order whatever the threads' timing: results are the same
 *     from run to run and for any number of threads.
 *  3. The first error stops every worker at its next chunk; the zones
 *     still open are freed after the join.
 */
#include "rs/rs_zonal.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_ITEM_ROWS 256

struct piece {
	int chunk;
	size_t n;
	void *data; /* double[n], or struct rs_wvalue[n] with EXACT */
};

struct zone {
	pthread_mutex_t lock;
	int chunk_first, chunk_end; /* the chunks it meets */
	int pending;
	double inside_img; /* inside pixels (weights) in the image */
	double outside;	   /* inside pixels beyond the image */
	struct piece *pieces;
	size_t n_pieces, cap_pieces;
};

struct chunk {
	int row0, rows;
};

struct item {
	int row0, rows;
	int chunk_first, chunk_end;
	size_t zones_first, zones_end; /* into scan.item_zones */
};

struct scan {
	const struct rs_zonal_source *src;
	const struct rs_shape *shapes;
	struct rs_zonal_result *out;
	struct zone *zones;
	size_t n_zones;
	enum rs_rule rule;
	struct chunk *chunks;
	int n_chunks, max_chunk_rows;
	struct item *items;
	int n_items;
	size_t *item_zones;
	pthread_mutex_t lock; /* next_item, rows_done, failed, err */
	int next_item;
	long rows_done;
	bool failed;
	struct err err;
	rs_progress_fn progress;
	void *progress_ctx;
};

struct worker {
	struct scan *s;
	pthread_t thread;
	void *reader;
	double *vals;
	struct rs_runs runs;
	struct rs_cover_work *cover;
	struct err err;
};

static size_t value_size(enum rs_rule rule)
{
	return rule == RS_RULE_EXACT ? sizeof(struct rs_wvalue)
				     : sizeof(double);
}

/* ---- plan: chunks, items, which zones meet which item ---- */

static int clamp_int(double v, int lo, int hi)
{
	if (!(v > lo))
		return lo;
	if (v >= hi)
		return hi;
	return (int)v;
}

static int plan_chunks(struct scan *s, size_t chunk_pixels, struct err *e)
{
	const struct rs_zonal_source *src = s->src;
	int item_rows = src->item_rows > 0 ? src->item_rows : DEFAULT_ITEM_ROWS;
	size_t want = chunk_pixels / (size_t)src->width;
	int per_item, k = 0;

	if (want < 1)
		want = 1;
	per_item = (int)((item_rows + want - 1) / want);
	if (per_item < 1)
		per_item = 1;
	s->max_chunk_rows = (item_rows + per_item - 1) / per_item;
	s->n_items = (src->height + item_rows - 1) / item_rows;
	s->items = calloc((size_t)s->n_items, sizeof(*s->items));
	s->chunks =
	    calloc((size_t)s->n_items * (size_t)per_item, sizeof(*s->chunks));
	if (!s->items || !s->chunks)
		return err_nomem(e);
	for (int i = 0; i < s->n_items; i++) {
		struct item *it = &s->items[i];

		it->row0 = i * item_rows;
		it->rows = src->height - it->row0 < item_rows
			       ? src->height - it->row0
			       : item_rows;
		it->chunk_first = k;
		for (int r = it->row0; r < it->row0 + it->rows;
		     r += s->max_chunk_rows, k++) {
			s->chunks[k].row0 = r;
			s->chunks[k].rows =
			    it->row0 + it->rows - r < s->max_chunk_rows
				? it->row0 + it->rows - r
				: s->max_chunk_rows;
		}
		it->chunk_end = k;
	}
	s->n_chunks = k;
	return 0;
}

/* The chunk holding row (0 <= row < height). */
static int chunk_of_row(const struct scan *s, int row)
{
	int lo = 0, hi = s->n_chunks - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (s->chunks[mid].row0 <= row)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int item_of_chunk(const struct scan *s, int chunk)
{
	int lo = 0, hi = s->n_items - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (s->items[mid].chunk_first <= chunk)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Whether any part of shape lies within the image [0, W] x [0, H]. */
static bool meets_image(const struct rs_shape *sh, int width, int height)
{
	return sh->n_rings > 0 && sh->xmax > 0 && sh->xmin < width &&
	       sh->ymax > 0 && sh->ymin < height;
}

static bool within_image(const struct rs_shape *sh, int width, int height)
{
	return sh->xmin >= 0 && sh->ymin >= 0 && sh->xmax <= width &&
	       sh->ymax <= height;
}

/*
 * How much of a shape lies beyond the image's edges is found at the end
 * as total - inside_img; here the total, for shapes that cross an edge.
 */
static int zone_total(struct scan *s, size_t i, struct rs_cover_work *cw,
		      double *total, struct err *e)
{
	const struct rs_shape *sh = &s->shapes[i];
	int rc = rs_cover_total(sh, s->rule, cw, total, e);

	if (rc == ERR_TOO_LARGE) {
		/* too far to count centre by centre: its area is as good */
		*total = rs_shape_area(sh);
		err_clear(e);
		rc = 0;
	}
	return rc;
}

/* The chunks zone i meets, from its bounding box (loosely: a superset). */
static void zone_chunks(struct scan *s, size_t i)
{
	const struct rs_shape *sh = &s->shapes[i];
	struct zone *z = &s->zones[i];
	int r0, r1;

	z->chunk_first = z->chunk_end = 0;
	if (!meets_image(sh, s->src->width, s->src->height))
		return;
	r0 = clamp_int(floor(sh->ymin - 0.5), 0, s->src->height);
	r1 = clamp_int(ceil(sh->ymax + 0.5), 0, s->src->height);
	if (r0 >= r1)
		return;
	z->chunk_first = chunk_of_row(s, r0);
	z->chunk_end = chunk_of_row(s, r1 - 1) + 1;
}

static int plan_zones(struct scan *s, struct err *e)
{
	struct rs_cover_work *cw = rs_cover_work_new();
	int rc = 0;

	if (!cw)
		return err_nomem(e);
	for (size_t i = 0; i < s->n_zones && !rc; i++) {
		struct zone *z = &s->zones[i];
		const struct rs_shape *sh = &s->shapes[i];
		double total;

		zone_chunks(s, i);
		z->pending = z->chunk_end - z->chunk_first;
		z->outside = NAN; /* NAN: nothing lies beyond the edges */
		if (sh->n_rings == 0 ||
		    within_image(sh, s->src->width, s->src->height))
			continue;
		rc = zone_total(s, i, cw, &total, e);
		z->outside = total; /* minus inside_img, at the end */
	}
	rs_cover_work_free(cw);
	return rc;
}

/* CSR lists of the zones meeting each item. */
static int plan_item_zones(struct scan *s, struct err *e)
{
	size_t *count = calloc((size_t)s->n_items + 1, sizeof(*count));
	size_t total = 0;

	if (!count)
		return err_nomem(e);
	for (size_t i = 0; i < s->n_zones; i++) {
		struct zone *z = &s->zones[i];

		if (z->chunk_end <= z->chunk_first)
			continue;
		for (int it = item_of_chunk(s, z->chunk_first);
		     it <= item_of_chunk(s, z->chunk_end - 1); it++)
			count[it]++;
	}
	for (int it = 0; it < s->n_items; it++) {
		s->items[it].zones_first = s->items[it].zones_end = total;
		total += count[it];
	}
	free(count);
	s->item_zones = malloc((total ? total : 1) * sizeof(*s->item_zones));
	if (!s->item_zones)
		return err_nomem(e);
	for (size_t i = 0; i < s->n_zones; i++) {
		struct zone *z = &s->zones[i];

		if (z->chunk_end <= z->chunk_first)
			continue;
		for (int it = item_of_chunk(s, z->chunk_first);
		     it <= item_of_chunk(s, z->chunk_end - 1); it++)
			s->item_zones[s->items[it].zones_end++] = i;
	}
	return 0;
}

/* ---- finalizing a zone ---- */

static void sort_pieces(struct piece *p, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct piece x = p[i];
		size_t j = i;

		while (j > 0 && p[j - 1].chunk > x.chunk) {
			p[j] = p[j - 1];
			j--;
		}
		p[j] = x;
	}
}

/* Join the pieces in chunk order; *owned tells whether *out is new. */
static int join_pieces(struct zone *z, size_t elem, void **out, size_t *n,
		       bool *owned)
{
	char *buf;

	*n = 0;
	for (size_t k = 0; k < z->n_pieces; k++)
		*n += z->pieces[k].n;
	*owned = false;
	*out = NULL;
	if (z->n_pieces == 1) {
		*out = z->pieces[0].data;
		return 0;
	}
	if (*n == 0)
		return 0;
	sort_pieces(z->pieces, z->n_pieces);
	buf = malloc(*n * elem);
	if (!buf)
		return -1;
	for (size_t k = 0, at = 0; k < z->n_pieces; k++) {
		memcpy(buf + at * elem, z->pieces[k].data,
		       z->pieces[k].n * elem);
		at += z->pieces[k].n;
	}
	*out = buf;
	*owned = true;
	return 0;
}

static void free_pieces(struct zone *z)
{
	for (size_t k = 0; k < z->n_pieces; k++)
		free(z->pieces[k].data);
	free(z->pieces);
	z->pieces = NULL;
	z->n_pieces = z->cap_pieces = 0;
}

/* What lies beyond the image's edges, once inside_img is known. */
static double zone_outside(const struct zone *z)
{
	double out;

	if (isnan(z->outside))
		return 0;
	out = z->outside - z->inside_img;
	/* rounding noise of the coverage sums is not a piece of plot */
	if (out < RS_COVER_SNAP * fmax(1.0, z->outside))
		return 0;
	return out;
}

static int finalize_zone(struct scan *s, size_t i, struct err *e)
{
	struct zone *z = &s->zones[i];
	struct rs_zonal_result *r = &s->out[i];
	void *vals;
	size_t n;
	bool owned;

	if (join_pieces(z, value_size(s->rule), &vals, &n, &owned))
		return err_nomem(e);
	if (s->rule == RS_RULE_EXACT)
		rs_stats_weighted(vals, n, &r->stats);
	else
		rs_stats_values(vals, n, &r->stats);
	if (owned)
		free(vals);
	free_pieces(z);
	r->inside = z->inside_img + zone_outside(z);
	r->valid_fraction = r->inside > 0 ? r->stats.count / r->inside : NAN;
	if (s->shapes[i].n_rings == 0)
		r->state = RS_ZONE_NO_SHAPE;
	else if (!meets_image(&s->shapes[i], s->src->width, s->src->height))
		r->state = RS_ZONE_OUTSIDE;
	else
		r->state = RS_ZONE_OK;
	return 0;
}

/* ---- the workers ---- */

static void fail(struct scan *s, const struct err *e)
{
	pthread_mutex_lock(&s->lock);
	if (!s->failed) {
		s->failed = true;
		s->err = *e;
	}
	pthread_mutex_unlock(&s->lock);
}

static bool failed(struct scan *s)
{
	bool f;

	pthread_mutex_lock(&s->lock);
	f = s->failed;
	pthread_mutex_unlock(&s->lock);
	return f;
}

/*
 * The valid values of the runs in w->runs, from the chunk's values, into a
 * new array *data of *n; *inside gets the weight of every run.
 */
static int gather(struct worker *w, const struct chunk *ch, void **data,
		  size_t *n, double *inside)
{
	const struct rs_runs *runs = &w->runs;
	int width = w->s->src->width;
	bool exact = w->s->rule == RS_RULE_EXACT;
	size_t cap = 0, k = 0;
	double *pv;
	struct rs_wvalue *pw;

	*inside = 0;
	for (size_t i = 0; i < runs->n; i++)
		cap += (size_t)(runs->run[i].col1 - runs->run[i].col0);
	*data = NULL;
	*n = 0;
	if (cap == 0)
		return 0;
	*data = malloc(cap * value_size(w->s->rule));
	if (!*data)
		return err_nomem(&w->err);
	pv = *data;
	pw = *data;
	for (size_t i = 0; i < runs->n; i++) {
		const struct rs_run *run = &runs->run[i];
		const double *row =
		    w->vals + (size_t)(run->row - ch->row0) * (size_t)width;

		*inside += run->w * (run->col1 - run->col0);
		for (int c = run->col0; c < run->col1; c++) {
			double v = row[c];

			if (isnan(v))
				continue;
			if (exact)
				pw[k++] = (struct rs_wvalue){v, run->w};
			else
				pv[k++] = v;
		}
	}
	*n = k;
	if (k == 0) {
		free(*data);
		*data = NULL;
	}
	return 0;
}

/* Hand a piece to zone i; finalize the zone if it was its last. */
static int deliver(struct worker *w, size_t i, int chunk, void *data, size_t n,
		   double inside)
{
	struct zone *z = &w->s->zones[i];
	int last, rc = 0;

	pthread_mutex_lock(&z->lock);
	if (n > 0) {
		if (z->n_pieces == z->cap_pieces) {
			size_t cap = z->cap_pieces ? 2 * z->cap_pieces : 4;
			struct piece *p = realloc(z->pieces, cap * sizeof(*p));

			if (!p) {
				pthread_mutex_unlock(&z->lock);
				free(data);
				return err_nomem(&w->err);
			}
			z->pieces = p;
			z->cap_pieces = cap;
		}
		z->pieces[z->n_pieces++] = (struct piece){chunk, n, data};
	}
	z->inside_img += inside;
	last = --z->pending == 0;
	pthread_mutex_unlock(&z->lock);
	if (last)
		rc = finalize_zone(w->s, i, &w->err);
	return rc;
}

static int do_zone_chunk(struct worker *w, size_t i, int chunk)
{
	struct scan *s = w->s;
	const struct chunk *ch = &s->chunks[chunk];
	void *data;
	size_t n;
	double inside;

	w->runs.n = 0;
	if (rs_cover_rows(&s->shapes[i], s->rule, ch->row0, ch->row0 + ch->rows,
			  0, s->src->width, w->cover, &w->runs, &w->err) ||
	    gather(w, ch, &data, &n, &inside))
		return w->err.code;
	return deliver(w, i, chunk, data, n, inside);
}

static int do_chunk(struct worker *w, const struct item *it, int chunk)
{
	struct scan *s = w->s;
	const struct chunk *ch = &s->chunks[chunk];

	if (s->src->read(w->reader, ch->row0, ch->rows, w->vals, &w->err))
		return w->err.code;
	for (size_t k = it->zones_first; k < it->zones_end; k++) {
		size_t i = s->item_zones[k];
		const struct zone *z = &s->zones[i];

		if (chunk < z->chunk_first || chunk >= z->chunk_end)
			continue;
		if (do_zone_chunk(w, i, chunk))
			return w->err.code;
	}
	return 0;
}

static int take_item(struct scan *s)
{
	int it = -1;

	pthread_mutex_lock(&s->lock);
	if (!s->failed && s->next_item < s->n_items)
		it = s->next_item++;
	pthread_mutex_unlock(&s->lock);
	return it;
}

static void item_done(struct scan *s, const struct item *it)
{
	pthread_mutex_lock(&s->lock);
	s->rows_done += it->rows;
	if (s->progress)
		s->progress(s->rows_done, s->src->height, s->progress_ctx);
	pthread_mutex_unlock(&s->lock);
}

static int worker_run(struct worker *w)
{
	struct scan *s = w->s;
	int it;

	while ((it = take_item(s)) >= 0) {
		const struct item *item = &s->items[it];

		for (int c = item->chunk_first; c < item->chunk_end; c++) {
			if (failed(s))
				return 0;
			if (do_chunk(w, item, c))
				return w->err.code;
		}
		if (s->src->release)
			s->src->release(w->reader);
		item_done(s, item);
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct scan *s = w->s;
	size_t cells = (size_t)s->max_chunk_rows * (size_t)s->src->width;

	err_clear(&w->err);
	w->cover = rs_cover_work_new();
	w->vals = malloc(cells * sizeof(*w->vals));
	if (!w->cover || !w->vals)
		err_nomem(&w->err);
	else if (!s->src->open(s->src->ctx, &w->reader, &w->err))
		worker_run(w);
	if (w->err.code)
		fail(s, &w->err);
	if (w->reader)
		s->src->close(w->reader);
	free(w->vals);
	rs_cover_work_free(w->cover);
	rs_runs_free(&w->runs);
	return NULL;
}

static int thread_count(const struct rs_zonal_opts *o, int n_items)
{
	long n = o->threads;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > RS_ZONAL_MAX_THREADS)
		n = RS_ZONAL_MAX_THREADS;
	if (n > n_items)
		n = n_items;
	return n < 1 ? 1 : (int)n;
}

static int run_workers(struct scan *s, int n_threads, struct err *e)
{
	struct worker *w = calloc((size_t)n_threads, sizeof(*w));
	int started = 0;

	if (!w)
		return err_nomem(e);
	for (; started < n_threads; started++) {
		w[started].s = s;
		if (pthread_create(&w[started].thread, NULL, worker_main,
				   &w[started])) {
			struct err te;

			err_set(&te, ERR_INTERNAL, "cannot start a thread");
			fail(s, &te);
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	free(w);
	if (s->failed) {
		*e = s->err;
		return e->code ? e->code : ERR_INTERNAL;
	}
	return 0;
}

/* Zones that meet no chunk are done before the scan starts. */
static int finalize_idle_zones(struct scan *s, struct err *e)
{
	for (size_t i = 0; i < s->n_zones; i++)
		if (s->zones[i].pending == 0 && finalize_zone(s, i, e))
			return e->code;
	return 0;
}

static void scan_free(struct scan *s)
{
	if (s->zones) {
		for (size_t i = 0; i < s->n_zones; i++) {
			free_pieces(&s->zones[i]);
			pthread_mutex_destroy(&s->zones[i].lock);
		}
	}
	free(s->zones);
	free(s->chunks);
	free(s->items);
	free(s->item_zones);
	pthread_mutex_destroy(&s->lock);
}

int rs_zonal_scan(const struct rs_zonal_source *src,
		  const struct rs_shape *shapes, size_t n,
		  const struct rs_zonal_opts *o, struct rs_zonal_result *out,
		  struct err *e)
{
	struct scan s = {
	    .src = src,
	    .shapes = shapes,
	    .out = out,
	    .n_zones = n,
	    .rule = o->rule,
	    .progress = o->progress,
	    .progress_ctx = o->progress_ctx,
	};
	int rc;

	if (src->width <= 0 || src->height <= 0)
		return err_set(e, ERR_INVALID,
			       "the raster has no pixels "
			       "(%d x %d)",
			       src->width, src->height);
	pthread_mutex_init(&s.lock, NULL);
	s.zones = calloc(n ? n : 1, sizeof(*s.zones));
	if (!s.zones) {
		rc = err_nomem(e);
		goto out_free_scan;
	}
	for (size_t i = 0; i < n; i++)
		pthread_mutex_init(&s.zones[i].lock, NULL);
	rc = plan_chunks(
	    &s, o->chunk_pixels ? o->chunk_pixels : RS_ZONAL_CHUNK_PIXELS, e);
	if (!rc)
		rc = plan_zones(&s, e);
	if (!rc)
		rc = plan_item_zones(&s, e);
	if (!rc)
		rc = finalize_idle_zones(&s, e);
	if (!rc)
		rc = run_workers(&s, thread_count(o, s.n_items), e);
out_free_scan:
	scan_free(&s);
	return rc;
}
