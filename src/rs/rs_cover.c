/*
 * Pixel coverage of a plot outline (rs_cover.h): GDAL's pixel-centre
 * scanline fill, and exact coverage fractions by signed-area accumulation.
 *
 * Both work on a band of rows at a time and only look at the edges that
 * reach into it, so the cost of a call is about the pixels it returns plus
 * the edges it meets, and the zonal scan can ask for one strip of the
 * raster after the other.
 */
#include "rs/rs_cover.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An edge of a ring, from (x1, y1) to (x2, y2) in the ring's order. */
struct edge {
	double x1, y1, x2, y2;
	double ymin, ymax;
	double mult; /* RS_RULE_EXACT: +-1, the ring's sign */
	int part;    /* the polygon of a MultiPolygon it bounds */
};

/* A scanline crossing, rounded to a column, of one polygon. */
struct crossing {
	int part;
	int x;
};

struct span {
	int a, b; /* columns [a, b) */
};

struct rs_cover_work {
	struct edge *edges;
	size_t n_edges, cap_edges;
	size_t *active;
	size_t cap_active;
	struct crossing *xs; /* crossings of one scanline */
	size_t cap_xs;
	struct span *spans;
	size_t cap_spans;
	double *acc; /* RS_RULE_EXACT accumulation rows */
	size_t cap_acc;
};

/* Grow *p (of elements of size elem) to hold at least need of them. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* ---- shapes ---- */

void rs_shape_init(struct rs_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->xmin = s->ymin = INFINITY;
	s->xmax = s->ymax = -INFINITY;
}

void rs_shape_free(struct rs_shape *s)
{
	free(s->ring_start);
	free(s->ring_hole);
	free(s->x);
	free(s->y);
	rs_shape_init(s);
}

/* Grow two arrays that share one capacity. */
static int grow_pair(void *pa, void *pb, size_t *cap, size_t need,
		     size_t elem_a, size_t elem_b)
{
	size_t cap_a = *cap, cap_b = *cap;

	if (grow(pa, &cap_a, need, elem_a) || grow(pb, &cap_b, need, elem_b))
		return -1;
	*cap = cap_a;
	return 0;
}

/* Room for one more ring of n points. */
static int shape_reserve(struct rs_shape *s, size_t n, struct err *e)
{
	size_t np = s->n_rings ? s->ring_start[s->n_rings] : 0;

	if (grow_pair(&s->ring_start, &s->ring_hole, &s->cap_rings,
		      s->n_rings + 2, sizeof(size_t), sizeof(bool)) ||
	    grow_pair(&s->x, &s->y, &s->cap_points, np + n, sizeof(double),
		      sizeof(double)))
		return err_nomem(e);
	if (s->n_rings == 0)
		s->ring_start[0] = 0;
	return 0;
}

int rs_shape_add_ring(struct rs_shape *s, const double *x, const double *y,
		      size_t n, bool hole, struct err *e)
{
	size_t start;

	if (n < 3)
		return err_set(e, ERR_INVALID,
			       "a ring has %zu points (at "
			       "least 3 are needed)",
			       n);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return err_set(e, ERR_INVALID,
				       "point %zu of a ring "
				       "is not a finite number",
				       i + 1);
	if (shape_reserve(s, n, e))
		return e->code;
	start = s->ring_start[s->n_rings];
	memcpy(s->x + start, x, n * sizeof(*x));
	memcpy(s->y + start, y, n * sizeof(*y));
	for (size_t i = 0; i < n; i++) {
		s->xmin = fmin(s->xmin, x[i]);
		s->xmax = fmax(s->xmax, x[i]);
		s->ymin = fmin(s->ymin, y[i]);
		s->ymax = fmax(s->ymax, y[i]);
	}
	s->ring_hole[s->n_rings] = hole;
	s->ring_start[++s->n_rings] = start + n;
	return 0;
}

/* Twice the signed (shoelace) area of ring i, in pixel coordinates. */
static double ring_area2(const struct rs_shape *s, size_t i)
{
	size_t a = s->ring_start[i], b = s->ring_start[i + 1];
	double sum = 0;

	for (size_t k = a; k < b; k++) {
		size_t prev = k == a ? b - 1 : k - 1;

		sum += (s->x[prev] - s->x[a]) * (s->y[k] - s->y[a]) -
		       (s->x[k] - s->x[a]) * (s->y[prev] - s->y[a]);
	}
	return sum;
}

double rs_shape_area(const struct rs_shape *s)
{
	double area = 0;

	for (size_t i = 0; i < s->n_rings; i++) {
		double a = fabs(ring_area2(s, i)) / 2;

		area += s->ring_hole[i] ? -a : a;
	}
	return area;
}

/* ---- work space and runs ---- */

struct rs_cover_work *rs_cover_work_new(void)
{
	struct rs_cover_work *w = calloc(1, sizeof(*w));

	return w;
}

void rs_cover_work_free(struct rs_cover_work *w)
{
	if (!w)
		return;
	free(w->edges);
	free(w->active);
	free(w->xs);
	free(w->spans);
	free(w->acc);
	free(w);
}

void rs_runs_free(struct rs_runs *r)
{
	free(r->run);
	memset(r, 0, sizeof(*r));
}

static int push_run(struct rs_runs *out, int row, int c0, int c1, double w,
		    struct err *e)
{
	if (grow(&out->run, &out->cap, out->n + 1, sizeof(*out->run)))
		return err_nomem(e);
	out->run[out->n++] = (struct rs_run){row, c0, c1, w};
	return 0;
}

/* A column computed in double, clamped into [lo, hi] before it is an int. */
static int clamp_col(double v, int lo, int hi)
{
	if (!(v > lo))
		return lo;
	if (v >= hi)
		return hi;
	return (int)v;
}

/*
 * Gather into w->edges the edges of every ring whose y range meets
 * [ylo, yhi]; mult is the sign each ring's edges carry (NULL: 0).
 */
static int collect_edges(const struct rs_shape *s, double ylo, double yhi,
			 const double *mult, struct rs_cover_work *w,
			 struct err *e)
{
	int part = -1;

	w->n_edges = 0;
	for (size_t r = 0; r < s->n_rings; r++) {
		size_t a = s->ring_start[r], b = s->ring_start[r + 1];

		if (!s->ring_hole[r] || part < 0)
			part++;

		for (size_t k = a; k < b; k++) {
			size_t prev = k == a ? b - 1 : k - 1;
			struct edge ed = {
			    s->x[prev],
			    s->y[prev],
			    s->x[k],
			    s->y[k],
			    fmin(s->y[prev], s->y[k]),
			    fmax(s->y[prev], s->y[k]),
			    mult ? mult[r] : 0,
			    part,
			};

			if (ed.ymax < ylo || ed.ymin > yhi)
				continue;
			if (grow(&w->edges, &w->cap_edges, w->n_edges + 1,
				 sizeof(*w->edges)))
				return err_nomem(e);
			w->edges[w->n_edges++] = ed;
		}
	}
	return 0;
}

/* ---- the pixel-centre rule ---- */

static int cmp_edge_ymin(const void *a, const void *b)
{
	const struct edge *p = a, *q = b;

	return (p->ymin > q->ymin) - (p->ymin < q->ymin);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *p = a, *q = b;

	return (p->a > q->a) - (p->a < q->a);
}

static bool crossing_before(const struct crossing *a, const struct crossing *b)
{
	return a->part < b->part || (a->part == b->part && a->x < b->x);
}

static void sort_crossings(struct crossing *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct crossing x = v[i];
		size_t j = i;

		while (j > 0 && crossing_before(&x, &v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static int push_span(struct rs_cover_work *w, size_t *n, int a, int b,
		     struct err *e)
{
	if (a >= b)
		return 0;
	if (grow(&w->spans, &w->cap_spans, *n + 1, sizeof(*w->spans)))
		return err_nomem(e);
	w->spans[(*n)++] = (struct span){a, b};
	return 0;
}

/*
 * The crossings and horizontal runs of the active edges on scanline
 * dy, as GDAL's GDALdllImageFilledPolygon computes them, into w->spans.
 */
static int scanline_spans(struct rs_cover_work *w, size_t n_active, double dy,
			  int lo, int hi, size_t *n_spans, struct err *e)
{
	size_t n_xs = 0;

	*n_spans = 0;
	if (grow(&w->xs, &w->cap_xs, n_active, sizeof(*w->xs)))
		return err_nomem(e);
	for (size_t k = 0; k < n_active; k++) {
		const struct edge *ed = &w->edges[w->active[k]];
		double ya = ed->y1, yb = ed->y2, xa = ed->x1, xb = ed->x2;

		if (ya == yb) {
			/* on the scanline: filled when it runs towards -x */
			if (ed->x1 > ed->x2 &&
			    push_span(w, n_spans,
				      clamp_col(floor(ed->x2 + 0.5), lo, hi),
				      clamp_col(floor(ed->x1 + 0.5), lo, hi),
				      e))
				return e->code;
			continue;
		}
		if (ya > yb) {
			ya = ed->y2, yb = ed->y1;
			xa = ed->x2, xb = ed->x1;
		}
		if (dy < yb && dy >= ya) {
			double x = (dy - ya) * (xb - xa) / (yb - ya) + xa;

			w->xs[n_xs++] = (struct crossing){
			    ed->part,
			    clamp_col(floor(x + 0.5), lo, hi),
			};
		}
	}
	/* each polygon's crossings pair up by themselves */
	sort_crossings(w->xs, n_xs);
	for (size_t k = 0; k + 1 < n_xs; k++) {
		if (w->xs[k].part != w->xs[k + 1].part)
			continue;
		if (push_span(w, n_spans, w->xs[k].x, w->xs[k + 1].x, e))
			return e->code;
		k++;
	}
	return 0;
}

/* The union of w->spans[0, n) clipped to [c0, c1), as runs of row. */
static int emit_spans(struct rs_cover_work *w, size_t n, int row, int c0,
		      int c1, struct rs_runs *out, struct err *e)
{
	size_t k = 0;

	if (n > 1)
		qsort(w->spans, n, sizeof(*w->spans), cmp_span);
	while (k < n) {
		int a = w->spans[k].a, b = w->spans[k].b;

		for (k++; k < n && w->spans[k].a <= b; k++)
			if (w->spans[k].b > b)
				b = w->spans[k].b;
		if (a < c0)
			a = c0;
		if (b > c1)
			b = c1;
		if (a < b && push_run(out, row, a, b, 1.0, e))
			return e->code;
	}
	return 0;
}

/* Drop from the active list the edges that end above scanline dy. */
static size_t retire_edges(struct rs_cover_work *w, size_t n_active, double dy)
{
	size_t kept = 0;

	for (size_t k = 0; k < n_active; k++)
		if (w->edges[w->active[k]].ymax >= dy)
			w->active[kept++] = w->active[k];
	return kept;
}

static int cover_centre(const struct rs_shape *s, int row0, int row1, int col0,
			int col1, struct rs_cover_work *w, struct rs_runs *out,
			struct err *e)
{
	/* rows whose centre line y = r + 0.5 lies within [ymin, ymax] */
	int r_first = clamp_col(ceil(s->ymin - 0.5), row0, row1);
	int r_end = clamp_col(floor(s->ymax - 0.5) + 1, row0, row1);
	size_t next = 0, n_active = 0;

	if (r_first >= r_end)
		return 0;
	if (collect_edges(s, r_first + 0.5, r_end - 0.5, NULL, w, e))
		return e->code;
	qsort(w->edges, w->n_edges, sizeof(*w->edges), cmp_edge_ymin);
	if (grow(&w->active, &w->cap_active, w->n_edges, sizeof(size_t)))
		return err_nomem(e);
	for (int r = r_first; r < r_end; r++) {
		double dy = r + 0.5;
		size_t n_spans;

		while (next < w->n_edges && w->edges[next].ymin <= dy)
			w->active[n_active++] = next++;
		n_active = retire_edges(w, n_active, dy);
		if (scanline_spans(w, n_active, dy, col0 - 1, col1 + 1,
				   &n_spans, e) ||
		    emit_spans(w, n_spans, r, col0, col1, out, e))
			return e->code;
	}
	return 0;
}

/* ---- exact coverage ---- */

/*
 * Q(z), the integral over [0, z] of clamp(1 - s, 0, 1): how much of a
 * cell lies right of a vertical line at z inside the cell, integrated.
 */
static double q_integral(double z)
{
	if (z <= 0)
		return z;
	if (z >= 1)
		return 0.5;
	return z - z * z / 2;
}

/*
 * Add to row acc[] the contribution of a segment within one row strip,
 * spanning columns x0 <= x1 (local), with signed height d: cell c gets
 * d * g(c) - d * g(c - 1), g(c) being the mean over the segment of the
 * part of cell c right of it, so that the running sum along the row is
 * d * g(c).
 */
static void add_sloped(double *acc, double x0, double x1, double d)
{
	int c0 = (int)floor(x0), c1 = (int)ceil(x1);
	double prev = 0, inv = 1.0 / (x1 - x0);

	if (c1 <= c0)
		c1 = c0 + 1;
	for (int c = c0; c <= c1; c++) {
		double g = (q_integral(x1 - c) - q_integral(x0 - c)) * inv;

		if (c == c1)
			g = 1.0;
		acc[c] += d * (g - prev);
		prev = g;
	}
}

static void add_vertical(double *acc, double x, double d)
{
	int c = (int)floor(x);
	double f = x - c;

	acc[c] += d * (1.0 - f);
	acc[c + 1] += d * f;
}

/*
 * A segment of one row strip, from column xa to xb (local, any order),
 * signed height d, on a row of ncols cells.  What lies left of column 0
 * acts on the row as a vertical edge at 0; what lies right of ncols does
 * not reach it.
 */
static void add_segment(double *acc, double xa, double xb, double d, int ncols)
{
	double lo = 0, hi = ncols;

	if (xa > xb) {
		double t = xa;

		xa = xb;
		xb = t;
	}
	if (xa >= hi)
		return;
	if (xb <= lo) {
		add_vertical(acc, lo, d);
		return;
	}
	if (xa < lo) {
		double t = (lo - xa) / (xb - xa);

		add_vertical(acc, lo, d * t);
		d *= 1.0 - t;
		xa = lo;
	}
	if (xb > hi) {
		d *= (hi - xa) / (xb - xa);
		xb = hi;
	}
	if (xb - xa < 1e-12)
		add_vertical(acc, (xa + xb) / 2, d);
	else
		add_sloped(acc, xa, xb, d);
}

/* x of edge ed at height y (the end points exactly at their own y). */
static double edge_x(const struct edge *ed, double y)
{
	if (y == ed->y1)
		return ed->x1;
	if (y == ed->y2)
		return ed->x2;
	return ed->x1 + (y - ed->y1) * (ed->x2 - ed->x1) / (ed->y2 - ed->y1);
}

/* Accumulate edge ed over rows [ra, rb) into acc (row stride), cols from ca. */
static void accumulate_edge(const struct edge *ed, double *acc, size_t stride,
			    int ra, int rb, int ca, int ncols)
{
	double ylo = fmax(ed->ymin, ra), yhi = fmin(ed->ymax, rb);
	double dir = ed->y2 > ed->y1 ? 1.0 : -1.0;
	int j0 = (int)floor(ylo), j1 = (int)ceil(yhi);

	for (int j = j0; j < j1; j++) {
		double yt = fmax(j, ylo), yb = fmin(j + 1, yhi);

		if (yb <= yt)
			continue;
		add_segment(acc + (size_t)(j - ra) * stride,
			    edge_x(ed, yt) - ca, edge_x(ed, yb) - ca,
			    ed->mult * dir * (yb - yt), ncols);
	}
}

static double snap_fraction(double f)
{
	if (f < RS_COVER_SNAP)
		return 0;
	if (f > 1.0 - RS_COVER_SNAP)
		return 1;
	return f;
}

/* Turn one accumulated row into runs: whole pixels merged, parts alone. */
static int emit_fractions(const double *acc, int ncols, int row, int ca,
			  struct rs_runs *out, struct err *e)
{
	double sum = 0;
	int full_from = -1;

	for (int c = 0; c <= ncols; c++) {
		double f = 0;

		if (c < ncols) {
			sum += acc[c];
			f = snap_fraction(sum);
		}
		if (f == 1.0) {
			if (full_from < 0)
				full_from = c;
			continue;
		}
		if (full_from >= 0 &&
		    push_run(out, row, ca + full_from, ca + c, 1.0, e))
			return e->code;
		full_from = -1;
		if (f > 0 && push_run(out, row, ca + c, ca + c + 1, f, e))
			return e->code;
	}
	return 0;
}

/*
 * The sign each ring's contributions carry so that outer rings add their
 * area and holes take theirs away, whatever way each ring turns.
 */
static int ring_signs(const struct rs_shape *s, double **mult, struct err *e)
{
	*mult = malloc((s->n_rings ? s->n_rings : 1) * sizeof(**mult));
	if (!*mult)
		return err_nomem(e);
	for (size_t i = 0; i < s->n_rings; i++) {
		double a2 = ring_area2(s, i);
		double sign = a2 > 0 ? -1.0 : a2 < 0 ? 1.0 : 0.0;

		(*mult)[i] = s->ring_hole[i] ? -sign : sign;
	}
	return 0;
}

static int cover_exact(const struct rs_shape *s, int row0, int row1, int col0,
		       int col1, struct rs_cover_work *w, struct rs_runs *out,
		       struct err *e)
{
	int ra = clamp_col(floor(s->ymin), row0, row1);
	int rb = clamp_col(ceil(s->ymax), row0, row1);
	int ca = clamp_col(floor(s->xmin), col0, col1);
	int cb = clamp_col(ceil(s->xmax), col0, col1);
	size_t stride = (size_t)(cb - ca) + 2, cells;
	double *mult = NULL;
	int rc = 0;

	if (ra >= rb || ca >= cb)
		return 0;
	cells = (size_t)(rb - ra) * stride;
	if (grow(&w->acc, &w->cap_acc, cells, sizeof(double)))
		return err_nomem(e);
	memset(w->acc, 0, cells * sizeof(double));
	if (ring_signs(s, &mult, e))
		return e->code;
	rc = collect_edges(s, ra, rb, mult, w, e);
	if (rc)
		goto out_free_mult;
	for (size_t k = 0; k < w->n_edges; k++)
		if (w->edges[k].y1 != w->edges[k].y2 && w->edges[k].mult != 0)
			accumulate_edge(&w->edges[k], w->acc, stride, ra, rb,
					ca, cb - ca);
	for (int r = ra; r < rb && !rc; r++)
		rc = emit_fractions(w->acc + (size_t)(r - ra) * stride, cb - ca,
				    r, ca, out, e);
out_free_mult:
	free(mult);
	return rc;
}

int rs_cover_rows(const struct rs_shape *s, enum rs_rule rule, int row0,
		  int row1, int col0, int col1, struct rs_cover_work *w,
		  struct rs_runs *out, struct err *e)
{
	if (s->n_rings == 0 || row0 >= row1 || col0 >= col1)
		return 0;
	if (rule == RS_RULE_EXACT)
		return cover_exact(s, row0, row1, col0, col1, w, out, e);
	return cover_centre(s, row0, row1, col0, col1, w, out, e);
}

/* Rows of centre lines the scan for rs_cover_total takes at a time. */
#define TOTAL_BATCH_ROWS 4096
/* Pixel coordinates beyond this are not counted one by one. */
#define TOTAL_MAX_COORD 1e9

int rs_cover_total(const struct rs_shape *s, enum rs_rule rule,
		   struct rs_cover_work *w, double *out, struct err *e)
{
	struct rs_runs runs = {0};
	double first, end;
	int c0, c1, rc = 0;

	*out = 0;
	if (rule == RS_RULE_EXACT) {
		*out = rs_shape_area(s);
		return 0;
	}
	if (s->n_rings == 0)
		return 0;
	first = ceil(s->ymin - 0.5);
	end = floor(s->ymax - 0.5) + 1;
	if (end - first > RS_COVER_MAX_ROWS ||
	    fmax(fabs(s->xmin), fabs(s->xmax)) > TOTAL_MAX_COORD ||
	    fmax(fabs(s->ymin), fabs(s->ymax)) > TOTAL_MAX_COORD)
		return err_set(e, ERR_TOO_LARGE,
			       "the outline spans %.0f rows "
			       "or lies %.0f pixels away",
			       end - first, fmax(fabs(s->xmin), fabs(s->ymin)));
	c0 = (int)floor(s->xmin) - 1;
	c1 = (int)ceil(s->xmax) + 2;
	for (double r = first; r < end && !rc; r += TOTAL_BATCH_ROWS) {
		double r_end = fmin(end, r + TOTAL_BATCH_ROWS);

		runs.n = 0;
		rc = rs_cover_rows(s, RS_RULE_CENTRE, (int)r, (int)r_end, c0,
				   c1, w, &runs, e);
		for (size_t k = 0; k < runs.n; k++)
			*out += runs.run[k].col1 - runs.run[k].col0;
	}
	rs_runs_free(&runs);
	return rc;
}
