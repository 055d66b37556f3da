/*
 * fleet_bench: how fast a day of machinery tracks becomes operations on
 * plots (fleet/coverage: OGR simplify, GEOS buffer and intersection, PROJ
 * projection), the work GET /api/v1/plots/CODE/operations does after
 * reading the tracks.
 *
 *   fleet_bench [MACHINES [SECONDS [RUNS [DUMP]]]]
 *   fleet_bench --store DIR [MACHINES [SECONDS [RUNS]]]
 *
 * Defaults: 50 machines, 86400 fixes each (a day at 1 Hz), 5 runs.  Each
 * machine has its plot (about 1,000 x 400 m, 40 ha, in a grid near Manas)
 * and a swath of 6, 8, 9 or 12 m.  It leaves the yard at 08:00, drives to
 * its plot, works it lane by lane (2 m/s, implement raised in the
 * headland turns, lanes wrapping over ground already worked once the plot
 * is done) until 18:00 and drives back; the receiver reports every second
 * all day with 2 cm of noise (RTK).  The inputs are made first and not
 * timed; a run times, for every machine, picking the plots whose box its
 * working fixes touch and coverage_operations() on them.  Prints each
 * run's time and a summary (median, worked area per machine) that
 * bench/fleet_bench.py compares with its OGR peer.  DUMP, if given,
 * receives the inputs:
 *
 *   "OASISFB1", int32 machines, int32 seconds, then per machine: float64
 *   swath, float64 plot box [4] (lon/lat), and fixes as float64 arrays
 *   lon [seconds], lat [seconds], working [seconds] (0/1; ts = 1 s apart).
 *
 * With --store, the same day goes through a fresh store in DIR instead:
 * the plots imported as any GeoJSON, the machines registered with their
 * implement and swath, their latitude, longitude and working series bulk
 * loaded into the engine; a run then times fleet_operations() for the
 * day, what GET /api/v1/operations does: reading the 50 machines' series
 * from the engine's chunks, and the coverage.
 *
 * Built by bench/fleet_bench.py (optimised, no sanitizers), linked with
 * BUILD/liboasis.a.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/coverage.h"
#include "fleet/fleet.h"
#include "plots/plots.h"
#include "ts/bulk.h"
#include "util/buf.h"

#define LON0 86.10
#define LAT0 44.25
#define M_PER_DEG_LAT 111132.0
#define PACE 2.0
#define T_DAY INT64_C(1782864000000)

struct machine {
	double swath, box[4];
	char geojson[512];
	struct coverage_fix *fx;
};

static uint64_t rng = 0x9E3779B97F4A7C15u;

static double noise(double sigma)
{
	double u = 0;

	for (int i = 0; i < 4; i++) {
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		u += (double)(rng >> 11) / 9007199254740992.0;
	}
	return (u - 2) * sigma * 1.7320508;
}

static void make_plot(struct machine *m, int k)
{
	double mlon = M_PER_DEG_LAT * cos(LAT0 * M_PI / 180);
	double x = LON0 + (k % 10) * 1100 / mlon, y = LAT0 + (k / 10) * 500 / M_PER_DEG_LAT;
	double w = 1000 / mlon, h = 400 / M_PER_DEG_LAT;

	m->box[0] = x, m->box[1] = y, m->box[2] = x + w, m->box[3] = y + h;
	snprintf(m->geojson, sizeof(m->geojson), "{\"type\":\"Polygon\","
		 "\"coordinates\":[[[%.8f,%.8f],[%.8f,%.8f],[%.8f,%.8f],"
		 "[%.8f,%.8f],[%.8f,%.8f]]]}", x, y, x + w, y, x + w, y + h,
		 x, y + h, x, y);
}

/* Where machine m is at second s of the day, and whether it works. */
static void position(const struct machine *m, int k, int s, double *x_m,
		     double *y_m, bool *working)
{
	const double yard_x = -500.0 - 30 * k, yard_y = -300.0;
	double px = (m->box[0] - LON0) * M_PER_DEG_LAT * cos(LAT0 * M_PI / 180);
	double py = (m->box[1] - LAT0) * M_PER_DEG_LAT;
	double lane_len = 1000 - 20, turn = 30, t, drive;
	int lanes = (int)(400 / m->swath);

	*working = false;
	drive = hypot(px - yard_x, py - yard_y) / 8.0; /* 8 m/s on the road */
	if (s < 8 * 3600 || s >= 18 * 3600 + drive) {
		*x_m = yard_x, *y_m = yard_y;
		return;
	}
	if (s < 8 * 3600 + drive || s >= 18 * 3600) {
		double f = s < 18 * 3600 ? (s - 8 * 3600) / drive
					 : 1 - (s - 18 * 3600) / drive;
		*x_m = yard_x + f * (px - yard_x);
		*y_m = yard_y + f * (py - yard_y);
		return;
	}
	t = s - 8 * 3600 - drive;
	{
		double per_lane = lane_len / PACE + turn;
		int lane = (int)(t / per_lane);
		double in = fmod(t, per_lane) * PACE;
		int row = lane % lanes;

		*y_m = py + m->swath / 2 + row * m->swath;
		if (in < lane_len) {
			*working = true;
			*x_m = px + 10 + (lane % 2 ? lane_len - in : in);
		} else { /* the headland turn */
			*x_m = px + (lane % 2 ? 5 : 995);
			*y_m += (in - lane_len) / (turn * PACE) * m->swath;
		}
	}
}

static int make_track(struct machine *m, int k, int seconds)
{
	double mlon = M_PER_DEG_LAT * cos(LAT0 * M_PI / 180);

	m->fx = malloc((size_t)seconds * sizeof(*m->fx));
	if (!m->fx)
		return -1;
	for (int s = 0; s < seconds; s++) {
		double x, y;
		bool w;

		position(m, k, s, &x, &y, &w);
		m->fx[s].ts_ms = T_DAY + (int64_t)s * 1000;
		m->fx[s].lon = LON0 + (x + noise(0.02)) / mlon;
		m->fx[s].lat = LAT0 + (y + noise(0.02)) / M_PER_DEG_LAT;
		m->fx[s].working = w;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Plots whose box the machine's working fixes come into. */
static size_t candidates(const struct machine *ms, int n, const struct machine *m,
			 int seconds, struct coverage_plot *out)
{
	double b[4] = { 1e9, 1e9, -1e9, -1e9 };
	size_t k = 0;

	for (int s = 0; s < seconds; s++)
		if (m->fx[s].working) {
			b[0] = fmin(b[0], m->fx[s].lon), b[1] = fmin(b[1], m->fx[s].lat);
			b[2] = fmax(b[2], m->fx[s].lon), b[3] = fmax(b[3], m->fx[s].lat);
		}
	for (int i = 0; i < n; i++)
		if (ms[i].box[0] <= b[2] && b[0] <= ms[i].box[2] &&
		    ms[i].box[1] <= b[3] && b[1] <= ms[i].box[3]) {
			out[k].code = "P";
			out[k++].geojson = ms[i].geojson;
		}
	return k;
}

static int run_once(struct machine *ms, int n, int seconds, double *worked,
		    size_t *verts, size_t *runs)
{
	struct coverage_plot *plots = malloc((size_t)n * sizeof(*plots));
	struct err e;

	for (int i = 0; i < n; i++) {
		struct coverage_opts o = { .swath_m = ms[i].swath, .simplify_m = getenv("FLEET_TOL") ? atof(getenv("FLEET_TOL")) : 0 };
		struct coverage_total t;
		struct coverage_op *ops;
		size_t n_ops, np = candidates(ms, n, &ms[i], seconds, plots);

		if (coverage_operations(ms[i].fx, (size_t)seconds, &o, plots, np,
					&ops, &n_ops, &t, &e)) {
			fprintf(stderr, "fleet_bench: %s\n", e.msg);
			free(plots);
			return -1;
		}
		worked[i] = 0;
		for (size_t j = 0; j < n_ops; j++)
			worked[i] += ops[j].worked_m2;
		verts[i] = t.vertices;
		runs[i] = t.runs;
		free(ops);
	}
	free(plots);
	return 0;
}

static int dump(const char *path, const struct machine *ms, int n, int seconds)
{
	FILE *f = fopen(path, "wb");
	int32_t hdr[2] = { n, seconds };

	if (!f)
		return -1;
	fwrite("OASISFB1", 1, 8, f);
	fwrite(hdr, sizeof(hdr), 1, f);
	for (int i = 0; i < n; i++) {
		fwrite(&ms[i].swath, sizeof(double), 1, f);
		fwrite(ms[i].box, sizeof(double), 4, f);
		for (int s = 0; s < seconds; s++)
			fwrite(&ms[i].fx[s].lon, sizeof(double), 1, f);
		for (int s = 0; s < seconds; s++)
			fwrite(&ms[i].fx[s].lat, sizeof(double), 1, f);
		for (int s = 0; s < seconds; s++) {
			double w = ms[i].fx[s].working;

			fwrite(&w, sizeof(double), 1, f);
		}
	}
	return fclose(f);
}

static int cmp_double(const void *a, const void *b);

/* ---- through the store ------------------------------------------------------ */

static int store_plots(struct db *db, const struct machine *ms, int n,
		       struct err *e)
{
	struct plots_import_opts o = { 0 };
	struct plots_import_summary sum;
	struct buf b = { 0 };
	int rc;

	buf_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%s{\"type\":\"Feature\",\"properties\":{\"code\":"
			   "\"FB%02d\"},\"geometry\":%s}", i ? "," : "", i,
			   ms[i].geojson);
	buf_puts(&b, "]}");
	rc = plots_import_buffer(db, b.data, b.len, &o, &sum, e);
	buf_free(&b);
	return rc;
}

static int store_machines(struct db *db, const struct machine *ms, int n,
			  int seconds, struct err *e)
{
	static const char *const metrics[] = { "longitude", "latitude", "working" };
	char token[AUTH_SECRET_MAX];
	struct ingest *ing;
	struct ts_bulk *bulk;
	int rc;

	if ((rc = ingest_open(db, &ing, e)))
		return rc;
	if ((rc = ts_bulk_open(db, 0, &bulk, e)))
		goto out_ingest;
	for (int i = 0; i < n && !rc; i++) {
		struct db_device d = { .lon = NAN, .lat = NAN };
		struct db_equipment q = { .swath_m = ms[i].swath };
		int64_t ids[3];

		snprintf(d.id, sizeof(d.id), "m-%02d", i);
		snprintf(d.kind, sizeof(d.kind), "tractor");
		snprintf(q.device, sizeof(q.device), "%s", d.id);
		snprintf(q.implement, sizeof(q.implement), "seeder");
		if ((rc = ingest_device_register(ing, &d, token, e)) ||
		    (rc = db_equipment_set(db, &q, e)))
			break;
		for (int k = 0; k < 3 && !rc; k++)
			rc = db_series_ensure(db, d.id, metrics[k], &ids[k], e);
		for (int s = 0; s < seconds && !rc; s++) {
			const struct coverage_fix *f = &ms[i].fx[s];

			if (!(rc = ts_bulk_add(bulk, ids[0], f->ts_ms, f->lon, e)) &&
			    !(rc = ts_bulk_add(bulk, ids[1], f->ts_ms, f->lat, e)))
				rc = ts_bulk_add(bulk, ids[2], f->ts_ms, f->working, e);
		}
	}
	if (!rc)
		rc = ts_bulk_commit(bulk, e);
	ts_bulk_free(bulk);
out_ingest:
	ingest_close(ing);
	return rc;
}

/* The worked area in an operations answer. */
static double answer_worked(json_t *v)
{
	json_t *op;
	size_t i;
	double sum = 0;

	json_array_foreach(json_object_get(v, "operations"), i, op)
		sum += json_number_value(json_object_get(op, "worked_m2"));
	return sum;
}

static int through_store(const char *dir, struct machine *ms, int n,
			 int seconds, int runs)
{
	struct ts_engine *ts = NULL;
	struct ingest *ing = NULL;
	struct fleet *f = NULL;
	struct db *db;
	struct err e = { 0 };
	double *times = calloc((size_t)runs, sizeof(double)), worked = 0;
	size_t n_ops = 0;
	int rc;

	if ((rc = db_open(dir, true, &db, &e)))
		goto out;
	if ((rc = store_plots(db, ms, n, &e)) ||
	    (rc = store_machines(db, ms, n, seconds, &e)) ||
	    (rc = ts_engine_open(db, dir, NULL, &ts, &e)) ||
	    (rc = ingest_open(db, &ing, &e)) ||
	    (rc = fleet_open(db, ts, ing, NULL, &f, &e)))
		goto out_close;
	for (int r = 0; r < runs && !rc; r++) {
		double t0 = now_s();
		json_t *v;

		if ((rc = fleet_operations(f, T_DAY, T_DAY + 86400000, &v, &e)))
			break;
		times[r] = now_s() - t0;
		worked = answer_worked(v);
		n_ops = json_array_size(json_object_get(v, "operations"));
		json_decref(v);
		printf("run %d: %.3f s\n", r + 1, times[r]);
	}
	if (!rc) {
		qsort(times, (size_t)runs, sizeof(double), cmp_double);
		printf("store: operations %zu worked_m2 %.1f\n", n_ops, worked);
		printf("median %.3f s\n", times[runs / 2]);
	}
out_close:
	fleet_close(f);
	if (ing)
		ingest_close(ing);
	if (ts)
		ts_engine_close(ts);
	db_close(db);
out:
	if (rc)
		fprintf(stderr, "fleet_bench: %s\n", e.msg);
	free(times);
	return rc ? 1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const double swaths[] = { 6, 8, 9, 12 };
	const char *store = argc > 2 && !strcmp(argv[1], "--store") ? argv[2] : NULL;
	int n;

	if (store)
		argc -= 2, argv += 2;
	n = argc > 1 ? atoi(argv[1]) : 50;
	int seconds = argc > 2 ? atoi(argv[2]) : 86400;
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	struct machine *ms = calloc((size_t)n, sizeof(*ms));
	double *worked = calloc((size_t)n, sizeof(double)), *times;
	size_t *verts = calloc((size_t)n, sizeof(size_t));
	size_t *nruns = calloc((size_t)n, sizeof(size_t)), tv = 0, tr = 0;
	double sum = 0;

	if (!ms || !worked || !verts || !nruns || n < 1 || n > 100 || runs < 1)
		return 2;
	for (int i = 0; i < n; i++) {
		ms[i].swath = swaths[i % 4];
		make_plot(&ms[i], i);
		if (make_track(&ms[i], i, seconds))
			return 1;
	}
	if (store)
		return through_store(store, ms, n, seconds, runs);
	if (argc > 4 && dump(argv[4], ms, n, seconds))
		return 1;
	times = calloc((size_t)runs, sizeof(double));
	for (int r = 0; r < runs; r++) {
		double t0 = now_s();

		if (run_once(ms, n, seconds, worked, verts, nruns))
			return 1;
		times[r] = now_s() - t0;
		printf("run %d: %.3f s\n", r + 1, times[r]);
	}
	for (int i = 0; i < n; i++) {
		printf("machine %d worked_m2 %.2f\n", i, worked[i]);
		sum += worked[i];
		tv += verts[i];
		tr += nruns[i];
	}
	qsort(times, (size_t)runs, sizeof(double), cmp_double);
	printf("fixes %lld runs %zu vertices_after_simplify %zu worked_m2 %.1f\n",
	       (long long)n * seconds, tr, tv, sum);
	printf("median %.3f s\n", times[runs / 2]);
	for (int i = 0; i < n; i++)
		free(ms[i].fx);
	free(ms);
	free(worked);
	free(verts);
	free(nruns);
	free(times);
	return 0;
}
