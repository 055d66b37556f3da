/*
 * The monitoring's cost per point, in process: two alert services on two
 * stores with the same 200 stations on 20 plots, A with no rule and B
 * with 1,000 (five templates per station), fed alternately the same
 * batches of 5,000 in-range points (the observer of ingestion, as it is
 * called after each durable batch).  Prints the median nanoseconds per
 * point of each and their difference.  Built and run by alert_bench.py.
 *
 *     alert_observe ROUNDS
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alerts.h"

#define STATIONS 200
#define PLOTS 20
#define BATCH 5000
#define BATCHES 200

static const char *const metrics[] = { "air_temp", "rh", "wind_speed",
				       "battery", "pressure" };
static const char *const templates[] = { "frost", "heat_stress",
					 "strong_wind", "low_battery",
					 "dry_hot_wind" };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct alerts *open_base(const char *dir, bool rules)
{
	struct db *db;
	struct alerts *a;
	struct alerts_opts o = { 0 };
	struct err e;
	char id[32], code[32], body[128];

	if (db_open(dir, true, &db, &e))
		goto fail;
	for (int i = 0; i < PLOTS; i++) {
		struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN };

		snprintf(p.code, sizeof(p.code), "P%02d", i);
		p.geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
		if (db_plots_upsert(db, &p, 1, NULL, NULL, &e))
			goto fail;
	}
	for (int i = 0; i < STATIONS; i++) {
		struct db_device d = { .lon = NAN, .lat = NAN };

		snprintf(d.id, sizeof(d.id), "ws-%03d", i);
		snprintf(d.kind, sizeof(d.kind), "weather_station");
		snprintf(d.plot, sizeof(d.plot), "P%02d", i % PLOTS);
		if (db_device_create(db, &d, &e))
			goto fail;
	}
	if (alerts_open(db, NULL, &o, &a, &e))
		goto fail;
	for (int i = 0; rules && i < STATIONS; i++)
		for (int t = 0; t < 5; t++) {
			struct alert_rule r;
			json_t *j;

			snprintf(id, sizeof(id), "ws-%03d", i);
			snprintf(body, sizeof(body), "{\"template\":\"%s\","
				 "\"device\":\"%s\"}", templates[t], id);
			j = json_loads(body, 0, NULL);
			if (alerts_rule_create(a, j, &r, &e))
				goto fail;
			json_decref(j);
		}
	(void)code;
	return a;
fail:
	fprintf(stderr, "alert_observe: %s\n", e.msg);
	exit(1);
}

/* One batch: 1,000 lines of 5 fields, as alert_bench.py writes them. */
static void fill(struct ingest_seen *pts, char (*dev)[16], char (*plot)[8],
		 int64_t *ts)
{
	for (int k = 0; k < BATCH / 5; k++) {
		int s = k % STATIONS;

		(*ts)++;
		for (int m = 0; m < 5; m++) {
			struct ingest_seen *p = &pts[k * 5 + m];

			p->device = dev[s];
			p->plot = plot[s % PLOTS];
			p->metric = metrics[m];
			p->series = (int64_t)s * 5 + m + 1;
			p->ts = *ts;
			p->value = m == 0 ? 20 + (k % 7) * 0.3 : m == 1 ? 50 + k % 5
				: m == 2 ? 2 + (k % 3) * 0.5 : m == 3 ? 3.9 : 950;
		}
	}
}

static double feed(struct alerts *a, struct ingest_seen *pts,
		   char (*dev)[16], char (*plot)[8], int64_t ts)
{
	double t0 = now_s();

	for (int b = 0; b < BATCHES; b++) {
		fill(pts, dev, plot, &ts);
		alerts_observe_points(a, pts, BATCH);
	}
	alerts_settle(a, 600000);   /* the monitoring thread's work counts */
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;
	char dir_a[] = "/tmp/oasis-bench-alert-a-XXXXXX";
	char dir_b[] = "/tmp/oasis-bench-alert-b-XXXXXX";
	static struct ingest_seen pts[BATCH];
	static char dev[STATIONS][16], plot[PLOTS][8];
	double *ta = calloc((size_t)rounds, sizeof(double));
	double *tb = calloc((size_t)rounds, sizeof(double));
	double *tf = calloc((size_t)rounds, sizeof(double));
	struct alerts *a, *b;
	int64_t ts = (int64_t)time(NULL) * 1000 - 3600 * 1000;
	const double n = (double)BATCH * BATCHES;
	char cmd[128];

	for (int i = 0; i < STATIONS; i++)
		snprintf(dev[i], sizeof(dev[i]), "ws-%03d", i);
	for (int i = 0; i < PLOTS; i++)
		snprintf(plot[i], sizeof(plot[i]), "P%02d", i);
	if (!mkdtemp(dir_a) || !mkdtemp(dir_b))
		return 1;
	a = open_base(dir_a, false);
	b = open_base(dir_b, true);
	feed(a, pts, dev, plot, ts);  /* warm-up: binds the series */
	feed(b, pts, dev, plot, ts);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();

		for (int k = 0; k < BATCHES; k++)
			fill(pts, dev, plot, &ts);
		tf[r] = now_s() - t0;  /* making the points, subtracted */
		ts -= (int64_t)BATCHES * BATCH / 5;
		ta[r] = feed(a, pts, dev, plot, ts) - tf[r];
		tb[r] = feed(b, pts, dev, plot, ts) - tf[r];
		ts += (int64_t)BATCHES * BATCH / 5;
	}
	qsort(ta, (size_t)rounds, sizeof(double), cmp);
	qsort(tb, (size_t)rounds, sizeof(double), cmp);
	printf("observer_ns_per_point no_rules %.1f rules_1000 %.1f\n",
	       ta[rounds / 2] / n * 1e9, tb[rounds / 2] / n * 1e9);
	alerts_close(a);
	alerts_close(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir_a, dir_b);
	return system(cmd) != 0;
}
