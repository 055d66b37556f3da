/*
 * balance_bench: how fast the pure water balance (agro/balance) runs a
 * county's plots through a season, the way a service runs it: day by day,
 * every plot once a day, each plot irrigated the day after its depletion
 * reaches RAW (refill to field capacity).
 *
 *   balance_bench [PLOTS [DAYS [RUNS [DUMP]]]]
 *
 * Defaults: 5000 plots, 180 days, 7 runs.  The inputs are made first
 * (synthetic Manas weather from 25 April, ET0 and rain varied per plot;
 * soils cycling through the nine Table 19 textures; root depths, areas,
 * stage lengths varied) and are not timed; each run starts the season
 * afresh and only agro_balance_step() and the irrigation rule are timed.
 * Prints one line per run and a summary with the median and checksums
 * (seasonal sums over all plots) that bench/balance_bench.py compares
 * with its Python peers.  DUMP, if given, receives the inputs for them:
 *
 *   "OASISWB1", int32 plots, int32 days, then float64 arrays:
 *   plot parameters [plots][NPARAM] (see param_names below),
 *   et0 [days][plots], rain [days][plots].
 *
 * Built by bench/balance_bench.py, or by hand, optimised and without
 * sanitizers:
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o /tmp/balance_bench \
 *      bench/balance_bench.c src/agro/balance.c src/agro/crops.c \
 *      src/agro/fao56.c src/agro/plan.c src/agro/season_sim.c \
 *      src/agro/stages.c src/util/err.c src/util/timeutil.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agro/balance.h"
#include "agro/season_sim.h"
#include "util/timeutil.h"

/* The per-plot parameters written to the dump, in this order. */
static const char *const param_names[] = {
	"theta_fc", "theta_wp", "zr_min", "zr_max", "area_m2", "p_table",
	"kc_ini", "kc_mid", "kc_end", "end0", "end1", "end2", "end3",
	"mulch", "efficiency", "curve_number",
};

#define NPARAM (sizeof(param_names) / sizeof(param_names[0]))

struct inputs {
	int plots, days;
	struct agro_plot *plot;
	double *et0;  /* [days][plots] */
	double *rain; /* [days][plots] */
};

struct sums {
	double etc_adj, dp, irr_gross, dr_end;
	long events;
};

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_plot(int i, struct agro_plot *p)
{
	int len[4] = { 25 + i % 10, 45 + i % 11, 50 + i % 13, 25 + i % 7 };
	struct agro_kc_climate clim = { 1.8, 34, 0.8 };

	agro_plot_defaults(p, AGRO_CROP_COTTON);
	agro_texture_defaults((enum agro_texture)(i % AGRO_TEXTURE_COUNT),
			      &p->theta_fc, &p->theta_wp);
	agro_season_from_table11(AGRO_CROP_COTTON, 0, &clim, &p->season, NULL);
	agro_season_set_lengths(&p->season, len, NULL);
	p->zr_min = 0.2;
	p->zr_max = 0.5 + 0.1 * (i % 6);
	p->area_m2 = 2000.0 + 400.0 * (i % 50);
	p->mulch_factor = AGRO_FILM_MULCH_FACTOR;
	p->nudge_gain = 0;
}

static int make_inputs(struct inputs *in, int plots, int days)
{
	int64_t sow = time_days_from_civil(2025, 4, 25);
	int doy0 = (int)(sow - time_days_from_civil(2025, 1, 1)) + 1;
	size_t n = (size_t)plots * (size_t)days;
	struct err e;

	in->plots = plots;
	in->days = days;
	in->plot = calloc((size_t)plots, sizeof(*in->plot));
	in->et0 = malloc(n * sizeof(*in->et0));
	in->rain = malloc(n * sizeof(*in->rain));
	if (!in->plot || !in->et0 || !in->rain)
		return -1;
	for (int i = 0; i < plots; i++) {
		make_plot(i, &in->plot[i]);
		if (agro_plot_check(&in->plot[i], &e)) {
			fprintf(stderr, "balance_bench: %s\n", e.msg);
			return -1;
		}
	}
	for (int d = 0; d < days; d++) {
		struct agro_sim_day w;
		struct agro_et0_daily_out o;

		agro_sim_manas_day(7, 2025, doy0 + d, &w);
		if (agro_sim_et0(&w, &o, &e)) {
			fprintf(stderr, "balance_bench: %s\n", e.msg);
			return -1;
		}
		for (int i = 0; i < plots; i++) {
			size_t k = (size_t)d * (size_t)plots + (size_t)i;

			in->et0[k] = o.et0 * (0.9 + 0.02 * (i % 11));
			in->rain[k] = w.rain *
				      (0.8 + 0.4 * ((i * 7) % 13) / 12.0);
		}
	}
	return 0;
}

/* One season of every plot; returns the seconds taken. */
static double run_season(const struct inputs *in,
			 struct agro_balance_state *st, double *irr_next,
			 struct sums *s)
{
	struct err e;
	double t0;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < in->plots; i++) {
		agro_balance_init(&in->plot[i], 0, &st[i], &e);
		irr_next[i] = 0;
	}
	t0 = seconds_now();
	for (int d = 0; d < in->days; d++) {
		const double *et0 = in->et0 + (size_t)d * (size_t)in->plots;
		const double *rain = in->rain + (size_t)d * (size_t)in->plots;

		for (int i = 0; i < in->plots; i++) {
			const struct agro_plot *p = &in->plot[i];
			struct agro_day_in day = {
				.et0 = et0[i], .tmax = NAN, .tmin = NAN,
				.rain = rain[i], .irrigation_m3 = irr_next[i],
			};
			struct agro_day_out o;

			if (agro_balance_step(p, &st[i], &day, &o, &e)) {
				fprintf(stderr, "balance_bench: %s\n", e.msg);
				exit(1);
			}
			s->etc_adj += o.etc_adj;
			s->dp += o.dp;
			s->irr_gross += o.irr_gross;
			s->events += o.irr_gross > 0;
			/* at RAW: refill to field capacity tomorrow */
			irr_next[i] = o.dr >= o.raw
				? agro_volume_m3(o.dr / p->efficiency,
						 p->area_m2)
				: 0.0;
		}
	}
	t0 = seconds_now() - t0;
	for (int i = 0; i < in->plots; i++)
		s->dr_end += st[i].dr;
	return t0;
}

static int write_dump(const struct inputs *in, const char *path)
{
	FILE *f = fopen(path, "wb");
	int32_t hdr[2] = { in->plots, in->days };
	size_t n = (size_t)in->plots * (size_t)in->days;
	int rc = -1;

	if (!f)
		return -1;
	if (fwrite("OASISWB1", 1, 8, f) != 8 || fwrite(hdr, 4, 2, f) != 2)
		goto out_close;
	for (int i = 0; i < in->plots; i++) {
		const struct agro_plot *p = &in->plot[i];
		double v[NPARAM] = {
			p->theta_fc, p->theta_wp, p->zr_min, p->zr_max,
			p->area_m2, p->p_table, p->season.kc_ini,
			p->season.kc_mid, p->season.kc_end, p->season.end[0],
			p->season.end[1], p->season.end[2], p->season.end[3],
			p->mulch_factor, p->efficiency, p->curve_number,
		};

		if (fwrite(v, sizeof(double), NPARAM, f) != NPARAM)
			goto out_close;
	}
	if (fwrite(in->et0, sizeof(double), n, f) != n ||
	    fwrite(in->rain, sizeof(double), n, f) != n)
		goto out_close;
	rc = 0;
out_close:
	if (fclose(f))
		rc = -1;
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int plots = argc > 1 ? atoi(argv[1]) : 5000;
	int days = argc > 2 ? atoi(argv[2]) : 180;
	int runs = argc > 3 ? atoi(argv[3]) : 7;
	struct agro_balance_state *st;
	struct inputs in;
	double *irr, *times;
	struct sums s;

	if (plots < 1 || days < 1 || runs < 1) {
		fprintf(stderr, "usage: balance_bench [PLOTS [DAYS [RUNS "
				"[DUMP]]]]\n");
		return 2;
	}
	st = calloc((size_t)plots, sizeof(*st));
	irr = calloc((size_t)plots, sizeof(*irr));
	times = calloc((size_t)runs, sizeof(*times));
	if (!st || !irr || !times || make_inputs(&in, plots, days)) {
		fprintf(stderr, "balance_bench: cannot make the inputs\n");
		return 1;
	}
	if (argc > 4 && write_dump(&in, argv[4])) {
		fprintf(stderr, "balance_bench: cannot write %s\n", argv[4]);
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		times[r] = run_season(&in, st, irr, &s);
		printf("run %d: %.4f s\n", r + 1, times[r]);
	}
	qsort(times, (size_t)runs, sizeof(*times), cmp_double);
	printf("plots=%d days=%d steps=%ld median_s=%.4f min_s=%.4f "
	       "ns_per_step=%.1f\n", plots, days, (long)plots * days,
	       times[runs / 2], times[0],
	       times[runs / 2] / ((double)plots * days) * 1e9);
	printf("checksum etc_adj=%.6f dp=%.6f irr_gross=%.6f dr_end=%.6f "
	       "events=%ld\n", s.etc_adj, s.dp, s.irr_gross, s.dr_end,
	       s.events);
	free(in.plot);
	free(in.et0);
	free(in.rain);
	free(st);
	free(irr);
	free(times);
	return 0;
}
