/* Worked area of a track on plots with OGR/GEOS; see coverage.h. */
#include "fleet/coverage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define DEFAULT_GAP_MS INT64_C(300000)
#define DEFAULT_SIMPLIFY_M 0.1
#define BUFFER_QUADSEGS 8

/* Everything one computation holds; released by release(). */
struct work {
	OGRSpatialReferenceH wgs84, local;
	OGRCoordinateTransformationH ct;
	OGRGeometryH lines, coverage;
	double *x, *y;            /* projected working fixes */
	size_t *idx;              /* fixes index of each projected point */
	size_t np;
	size_t *run_start, *run_end; /* in projected points, inclusive */
	size_t n_runs;
};

static void release(struct work *w)
{
	if (w->coverage)
		OGR_G_DestroyGeometry(w->coverage);
	if (w->lines)
		OGR_G_DestroyGeometry(w->lines);
	if (w->ct)
		OCTDestroyCoordinateTransformation(w->ct);
	if (w->local)
		OSRDestroySpatialReference(w->local);
	if (w->wgs84)
		OSRDestroySpatialReference(w->wgs84);
	free(w->x);
	free(w->y);
	free(w->idx);
	free(w->run_start);
	free(w->run_end);
}

static int gdal_failed(struct err *e, const char *what)
{
	const char *msg = CPLGetLastErrorMsg();

	return err_set(e, ERR_UNSUPPORTED, "%s failed%s%s", what,
		       msg && *msg ? ": " : "", msg ? msg : "");
}

/* Collect the working fixes into runs (indices into the projected arrays). */
static int find_runs(const struct coverage_fix *fx, size_t n, int64_t gap,
		     struct work *w, struct err *e)
{
	size_t start = 0;
	bool open = false;

	w->x = malloc((n ? n : 1) * sizeof(*w->x));
	w->y = malloc((n ? n : 1) * sizeof(*w->y));
	w->idx = malloc((n ? n : 1) * sizeof(*w->idx));
	w->run_start = malloc((n ? n : 1) * sizeof(*w->run_start));
	w->run_end = malloc((n ? n : 1) * sizeof(*w->run_end));
	if (!w->x || !w->y || !w->idx || !w->run_start || !w->run_end)
		return err_nomem(e);
	for (size_t i = 0; i < n; i++) {
		bool usable = fx[i].working && isfinite(fx[i].lon) &&
			      isfinite(fx[i].lat);

		if (open && (!usable || fx[i].ts_ms - fx[w->idx[w->np - 1]].ts_ms > gap)) {
			if (w->np - 1 > start) {
				w->run_start[w->n_runs] = start;
				w->run_end[w->n_runs++] = w->np - 1;
			}
			open = false;
		}
		if (!usable)
			continue;
		if (!open) {
			start = w->np;
			open = true;
		}
		w->x[w->np] = fx[i].lon;
		w->y[w->np] = fx[i].lat;
		w->idx[w->np++] = i;
	}
	if (open && w->np - 1 > start) {
		w->run_start[w->n_runs] = start;
		w->run_end[w->n_runs++] = w->np - 1;
	}
	return ERR_OK;
}

/* A transverse Mercator centred on the working fixes, and lon/lat to it. */
static int project(struct work *w, struct err *e)
{
	double lon0 = 0, lat0 = 0;
	char def[160];

	for (size_t i = 0; i < w->np; i++) {
		lon0 += w->x[i] / (double)w->np;
		lat0 += w->y[i] / (double)w->np;
	}
	snprintf(def, sizeof(def), "+proj=tmerc +lat_0=%.6f +lon_0=%.6f +k=1 "
		 "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs", lat0, lon0);
	w->wgs84 = OSRNewSpatialReference(NULL);
	w->local = OSRNewSpatialReference(NULL);
	if (!w->wgs84 || !w->local || OSRImportFromEPSG(w->wgs84, 4326) != OGRERR_NONE ||
	    OSRImportFromProj4(w->local, def) != OGRERR_NONE)
		return gdal_failed(e, "setting up the local projection");
	OSRSetAxisMappingStrategy(w->wgs84, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(w->local, OAMS_TRADITIONAL_GIS_ORDER);
	w->ct = OCTNewCoordinateTransformation(w->wgs84, w->local);
	if (!w->ct)
		return gdal_failed(e, "the local projection");
	if (w->np && !OCTTransform(w->ct, (int)w->np, w->x, w->y, NULL))
		return gdal_failed(e, "projecting the track");
	return ERR_OK;
}

/* The runs as one MultiLineString, simplified, buffered by half the swath. */
static int buffer_runs(struct work *w, const struct coverage_opts *o,
		       struct coverage_total *t, struct err *e)
{
	double tol = o->simplify_m == 0 ? DEFAULT_SIMPLIFY_M : o->simplify_m;
	OGRGeometryH simple;

	w->lines = OGR_G_CreateGeometry(wkbMultiLineString);
	if (!w->lines)
		return err_nomem(e);
	for (size_t r = 0; r < w->n_runs; r++) {
		OGRGeometryH line = OGR_G_CreateGeometry(wkbLineString);
		size_t a = w->run_start[r], n = w->run_end[r] - a + 1;

		if (!line)
			return err_nomem(e);
		OGR_G_SetPoints(line, (int)n, w->x + a, sizeof(double), w->y + a,
				sizeof(double), NULL, 0);
		t->path_m += OGR_G_Length(line);
		OGR_G_AddGeometryDirectly(w->lines, line);
	}
	t->runs = w->n_runs;
	simple = tol > 0 ? OGR_G_Simplify(w->lines, tol) : OGR_G_Clone(w->lines);
	if (!simple)
		return gdal_failed(e, "simplifying the track");
	if (OGR_G_GetGeometryCount(simple) == 0)
		t->vertices = (size_t)OGR_G_GetPointCount(simple);
	for (int i = 0; i < OGR_G_GetGeometryCount(simple); i++)
		t->vertices += (size_t)OGR_G_GetPointCount(
			OGR_G_GetGeometryRef(simple, i));
	w->coverage = OGR_G_Buffer(simple, o->swath_m / 2, BUFFER_QUADSEGS);
	OGR_G_DestroyGeometry(simple);
	if (!w->coverage)
		return gdal_failed(e, "buffering the track");
	t->worked_m2 = OGR_G_Area(w->coverage);
	return ERR_OK;
}

/* Is projected point i inside the prepared plot? */
static bool inside(OGRPreparedGeometryH prep, const struct work *w, size_t i,
		   const OGREnvelope *env)
{
	OGRGeometryH pt;
	bool in;

	if (w->x[i] < env->MinX || w->x[i] > env->MaxX || w->y[i] < env->MinY ||
	    w->y[i] > env->MaxY)
		return false;
	pt = OGR_G_CreateGeometry(wkbPoint);
	OGR_G_SetPoint_2D(pt, 0, w->x[i], w->y[i]);
	in = OGRPreparedGeometryIntersects(prep, pt);
	OGR_G_DestroyGeometry(pt);
	return in;
}

/* Start and end of the work on a plot: its first and last fix inside. */
static void work_span(const struct coverage_fix *fx, const struct work *w,
		      OGRGeometryH plot, struct coverage_op *op)
{
	OGRPreparedGeometryH prep = OGRCreatePreparedGeometry(plot);
	OGREnvelope env;
	size_t first = w->np, last = w->np;

	OGR_G_GetEnvelope(plot, &env);
	for (size_t i = 0; prep && i < w->np && first == w->np; i++)
		if (inside(prep, w, i, &env))
			first = i;
	for (size_t i = w->np; prep && first < w->np && i-- > first;)
		if (inside(prep, w, i, &env)) {
			last = i;
			break;
		}
	if (prep)
		OGRDestroyPreparedGeometry(prep);
	if (first == w->np) { /* grazed: the span of all the runs */
		first = w->run_start[0];
		last = w->run_end[w->n_runs - 1];
	}
	op->start_ms = fx[w->idx[first]].ts_ms;
	op->end_ms = fx[w->idx[last]].ts_ms;
}

static int plot_geometry(const struct coverage_plot *p, struct work *w,
			 OGRGeometryH *out, struct err *e)
{
	OGRGeometryH g = OGR_G_CreateGeometryFromJson(p->geojson);
	OGRwkbGeometryType t = g ? wkbFlatten(OGR_G_GetGeometryType(g)) : wkbUnknown;

	*out = NULL;
	if (!g || (t != wkbPolygon && t != wkbMultiPolygon)) {
		if (g)
			OGR_G_DestroyGeometry(g);
		return err_set(e, ERR_INVALID, "plot %s: geometry is not a "
			       "Polygon or MultiPolygon", p->code);
	}
	if (OGR_G_Transform(g, w->ct) != OGRERR_NONE) {
		OGR_G_DestroyGeometry(g);
		return gdal_failed(e, "projecting a plot");
	}
	*out = g;
	return ERR_OK;
}

/* The operation on one plot, if the coverage touches it (op->plot set). */
static int on_plot(const struct coverage_fix *fx, struct work *w,
		   const struct coverage_plot *p, struct coverage_op *op,
		   bool *touched, struct err *e)
{
	OGREnvelope a, b;
	OGRGeometryH g, cut;
	int rc;

	*touched = false;
	if ((rc = plot_geometry(p, w, &g, e)))
		return rc;
	OGR_G_GetEnvelope(g, &a);
	OGR_G_GetEnvelope(w->coverage, &b);
	if (a.MaxX < b.MinX || b.MaxX < a.MinX || a.MaxY < b.MinY || b.MaxY < a.MinY)
		goto out;
	cut = OGR_G_Intersection(w->coverage, g);
	if (!cut) {
		rc = gdal_failed(e, "intersecting the coverage with a plot");
		goto out;
	}
	op->worked_m2 = OGR_G_Area(cut);
	OGR_G_DestroyGeometry(cut);
	if (op->worked_m2 <= 0)
		goto out;
	op->plot_m2 = OGR_G_Area(g);
	op->share = op->plot_m2 > 0 ? fmin(1, op->worked_m2 / op->plot_m2) : 0;
	work_span(fx, w, g, op);
	*touched = true;
out:
	OGR_G_DestroyGeometry(g);
	return rc;
}

int coverage_operations(const struct coverage_fix *fx, size_t n,
			const struct coverage_opts *o,
			const struct coverage_plot *plots, size_t n_plots,
			struct coverage_op **ops, size_t *n_ops,
			struct coverage_total *total, struct err *e)
{
	struct coverage_total scratch;
	struct work w = { 0 };
	int64_t gap = o->max_gap_ms > 0 ? o->max_gap_ms : DEFAULT_GAP_MS;
	int rc;

	*ops = NULL;
	*n_ops = 0;
	total = total ? total : &scratch;
	memset(total, 0, sizeof(*total));
	if (!(o->swath_m > 0 && o->swath_m <= 100))
		return err_set(e, ERR_INVALID, "swath %g m is not in (0, 100]",
			       o->swath_m);
	if ((rc = find_runs(fx, n, gap, &w, e)))
		goto out;
	if (w.n_runs == 0)
		goto out;
	if ((rc = project(&w, e)) || (rc = buffer_runs(&w, o, total, e)))
		goto out;
	*ops = calloc(n_plots ? n_plots : 1, sizeof(**ops));
	if (!*ops) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < n_plots; i++) {
		struct coverage_op *op = &(*ops)[*n_ops];
		bool touched;

		op->plot = i;
		if ((rc = on_plot(fx, &w, &plots[i], op, &touched, e)))
			break;
		if (touched)
			(*n_ops)++;
	}
	if (rc) {
		free(*ops);
		*ops = NULL;
		*n_ops = 0;
	}
out:
	release(&w);
	return rc;
}
