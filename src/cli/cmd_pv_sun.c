/*
 * cmd_pv_sun: `oasis pv solpos`, `oasis pv extra` and `oasis pv poa`, the
 * sub-commands that follow the sun through time (one instant, or a series
 * as JSON Lines).  The models are pv/spa.c and pv/irradiance.c.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_pv.h"
#include "pv/irradiance.h"
#include "pv/spa.h"
#include "util/buf.h"
#include "util/timeutil.h"

static const char solpos_usage[] =
	"usage: oasis pv solpos --lat DEG --lon DEG --alt M\n"
	"           (--time T | --from T --to T --step D)\n"
	"           [--pressure PA] [--temperature C] [--delta-t S]\n"
	"           [--atmos-refract DEG]\n"
	"\n"
	"Solar position by NREL's SPA (Reda & Andreas 2004), as pvlib's\n"
	"spa_python.  Keys: time, time_utc, apparent_zenith, zenith,\n"
	"apparent_elevation, elevation, azimuth (east of north),\n"
	"equation_of_time (minutes).\n"
	"\n"
	"  --lat, --lon DEG     north- and east-positive\n"
	"  --alt M              elevation above sea level\n"
	"  --pressure PA        default: standard pressure at --alt\n"
	"  --temperature C      annual mean air temperature (12)\n"
	"  --delta-t S          TT - UT1 in seconds (67)\n"
	"  --atmos-refract DEG  refraction at sunrise and sunset (0.5667)\n";

static const char extra_usage[] =
	"usage: oasis pv extra (--time T | --from T --to T --step D)\n"
	"           [--solar-constant W/M2]\n"
	"\n"
	"Extraterrestrial irradiance by Spencer (1971), the day of the year\n"
	"taken from the UTC date.  Keys: time, time_utc, dni_extra,\n"
	"dayofyear.  --solar-constant defaults to 1366.1.\n";

static const char poa_usage[] =
	"usage: oasis pv poa --tilt DEG --azimuth DEG --ghi W/M2 --dni W/M2\n"
	"           --dhi W/M2 --model isotropic|haydavies|perez\n"
	"           [--albedo 0.25]\n"
	"           (--solar-zenith DEG --solar-azimuth DEG [--dni-extra W/M2]\n"
	"            [--airmass AM]\n"
	"            | --lat DEG --lon DEG --alt M (--time T | --from T --to T\n"
	"            --step D))\n"
	"\n"
	"Plane-of-array irradiance as pvlib's get_total_irradiance.  Given a\n"
	"time, the sun is SPA's apparent zenith and azimuth, dni_extra is\n"
	"Spencer's and the air mass Kasten-Young 1989's; given the sun,\n"
	"haydavies and perez need --dni-extra, and the air mass defaults to\n"
	"Kasten-Young of --solar-zenith.  Keys: [time, time_utc,] model, aoi,\n"
	"poa_global, poa_direct, poa_diffuse, poa_sky_diffuse,\n"
	"poa_ground_diffuse, solar_zenith, solar_azimuth, dni_extra,\n"
	"airmass_relative; perez adds perez_epsilon, perez_delta, perez_bin.\n"
	"  --tilt, --azimuth    the plane: tilt from horizontal, azimuth east\n"
	"                       of north (south 180)\n";

static const char *const solpos_flags[] = {
	"lat", "lon", "alt", "time", "from", "to", "step", "pressure",
	"temperature", "delta-t", "atmos-refract", NULL,
};

static const char *const extra_flags[] = {
	"time", "from", "to", "step", "solar-constant", NULL,
};

static const char *const poa_flags[] = {
	"tilt", "azimuth", "ghi", "dni", "dhi", "model", "albedo",
	"solar-zenith", "solar-azimuth", "dni-extra", "airmass",
	"lat", "lon", "alt", "time", "from", "to", "step", NULL,
};

/* The site of --lat --lon --alt and the air of the refraction flags. */
static int read_site(const struct pv_args *a, bool with_air,
		     struct pv_spa_site *s, double *delta_t, struct err *e)
{
	if (pv_num(a, "lat", NAN, -90, 90, &s->latitude, e) ||
	    pv_num(a, "lon", NAN, -180, 180, &s->longitude, e) ||
	    pv_num(a, "alt", NAN, -500, 9000, &s->altitude, e))
		return ERR_INVALID;
	s->pressure = pv_alt2pres(s->altitude);
	s->temperature = PV_SPA_TEMPERATURE;
	s->atmos_refract = PV_SPA_ATMOS_REFRACT;
	*delta_t = PV_SPA_DELTA_T;
	if (!with_air)
		return ERR_OK;
	if (pv_num(a, "pressure", s->pressure, 1, 2e5, &s->pressure, e) ||
	    pv_num(a, "temperature", s->temperature, -100, 100,
		   &s->temperature, e) ||
	    pv_num(a, "delta-t", *delta_t, -1e5, 1e5, delta_t, e) ||
	    pv_num(a, "atmos-refract", s->atmos_refract, 0, 5,
		   &s->atmos_refract, e))
		return ERR_INVALID;
	return ERR_OK;
}

/* The sun at instant i of a series (fast path) or a single instant. */
struct sun_walk {
	const struct pv_instants *in;
	struct pv_spa_series series;
	double delta_t;
};

static void walk_init(struct sun_walk *w, const struct pv_instants *in,
		      double delta_t)
{
	w->in = in;
	w->delta_t = delta_t;
	if (in->series)
		pv_spa_series_init(&w->series, (double)in->from_ms / 1000.0,
				   (double)in->step_ms / 1000.0, delta_t);
}

static void walk_next(struct sun_walk *w, struct pv_spa_sun *sun)
{
	if (w->in->series)
		pv_spa_series_next(&w->series, sun);
	else
		pv_spa_sun((double)w->in->from_ms / 1000.0, w->delta_t, sun);
}

/* One solpos line: the instant's times and the six angles. */
static void solpos_line(struct pv_json *j, const struct pv_instants *in,
			int64_t ms, const struct pv_spa_sun *sun,
			const struct pv_spa_topo *t)
{
	pvj_begin(j);
	pvj_times(j, in, ms);
	pvj_num(j, "apparent_zenith", t->theta);
	pvj_num(j, "zenith", t->theta0);
	pvj_num(j, "apparent_elevation", t->e);
	pvj_num(j, "elevation", t->e0);
	pvj_num(j, "azimuth", t->phi);
	pvj_num(j, "equation_of_time", sun->eot);
	pvj_close(j);
}

/*
 * A long series is cut into chunks of whole series blocks (so each chunk's
 * numbers are those of one uninterrupted series) that up to SOLPOS_THREADS
 * threads compute side by side into buffers; the buffers are written in
 * order.
 */
#define SOLPOS_THREADS 4
#define SOLPOS_CHUNK (1440L * 12) /* a whole number of 30-minute nodes */

struct solpos_job {
	const struct pv_instants *in;
	const struct pv_spa_observer *obs;
	double delta_t;
	long first, count;
	struct buf out;
	struct pv_json j;
};

static void *solpos_chunk(void *arg)
{
	struct solpos_job *job = arg;
	const struct pv_instants *in = job->in;
	int64_t t0 = in->from_ms + job->first * in->step_ms;
	struct pv_spa_series ser;

	buf_reset(&job->out);
	buf_reserve(&job->out, (size_t)job->count * 240);
	pv_spa_series_init(&ser, (double)t0 / 1000.0,
			   (double)in->step_ms / 1000.0, job->delta_t);
	for (long i = 0; i < job->count; i++) {
		struct pv_spa_sun sun;
		struct pv_spa_topo t;

		pv_spa_series_next(&ser, &sun);
		pv_spa_topo_at(&sun, job->obs, &t);
		solpos_line(&job->j, in, t0 + i * in->step_ms, &sun, &t);
		buf_append(&job->out, job->j.buf, job->j.n);
	}
	return NULL;
}

static int solpos_threads(long count)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > SOLPOS_THREADS)
		n = SOLPOS_THREADS;
	if (n > (count + SOLPOS_CHUNK - 1) / SOLPOS_CHUNK)
		n = (count + SOLPOS_CHUNK - 1) / SOLPOS_CHUNK;
	return n < 1 ? 1 : (int)n;
}

/* Compute and write one round of chunks: job[k] takes chunk first + k. */
static int solpos_round(struct solpos_job *job, int n, long chunk,
			long count, struct err *e)
{
	pthread_t tid[SOLPOS_THREADS];
	bool started[SOLPOS_THREADS] = { false };
	int used = 0;

	for (int k = 0; k < n && (chunk + k) * SOLPOS_CHUNK < count; k++) {
		job[k].first = (chunk + k) * SOLPOS_CHUNK;
		job[k].count = count - job[k].first < SOLPOS_CHUNK ?
			       count - job[k].first : SOLPOS_CHUNK;
		used = k + 1;
	}
	for (int k = 1; k < used; k++)
		started[k] = pthread_create(&tid[k], NULL, solpos_chunk,
					    &job[k]) == 0;
	solpos_chunk(&job[0]);
	for (int k = 1; k < used; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			solpos_chunk(&job[k]); /* no thread: do it here */
	}
	for (int k = 0; k < used; k++) {
		if (buf_failed(&job[k].out))
			return err_nomem(e);
		if (fwrite(job[k].out.data, 1, job[k].out.len, stdout) !=
		    job[k].out.len)
			return err_set(e, ERR_IO, "cannot write the answer: %s",
				       strerror(errno));
	}
	return ERR_OK;
}

static int solpos_series(const struct pv_instants *in,
			 const struct pv_spa_observer *obs, double delta_t,
			 struct err *e)
{
	static struct solpos_job job[SOLPOS_THREADS];
	int n = solpos_threads(in->count), rc = ERR_OK;

	for (int k = 0; k < n; k++) {
		job[k] = (struct solpos_job){ .in = in, .obs = obs,
					      .delta_t = delta_t };
		job[k].out = (struct buf)BUF_INIT;
	}
	for (long c = 0; c * SOLPOS_CHUNK < in->count && !rc; c += n)
		rc = solpos_round(job, n, c, in->count, e);
	for (int k = 0; k < n; k++)
		buf_free(&job[k].out);
	return rc;
}

int cmd_pv_solpos(int argc, char **argv)
{
	static const char cmd[] = "pv solpos";
	struct pv_args a;
	struct pv_spa_site site;
	struct pv_spa_observer obs;
	struct pv_instants in;
	struct pv_spa_sun sun;
	struct pv_spa_topo t;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	double delta_t;
	bool given;
	int rc;

	if ((rc = pv_start(&a, cmd, solpos_flags, solpos_usage, argc, argv,
			&e)) >= 0)
		return rc;
	if (read_site(&a, true, &site, &delta_t, &e) ||
	    pv_instants(&a, true, &given, &in, &e))
		return pv_usage_error(cmd, &e);
	pv_spa_observer_init(&site, &obs);
	if (in.series) {
		if (solpos_series(&in, &obs, delta_t, &e))
			return pv_fail(cmd, &e);
	} else {
		pv_spa_sun((double)in.from_ms / 1000.0, delta_t, &sun);
		pv_spa_topo_at(&sun, &obs, &t);
		solpos_line(&j, &in, in.from_ms, &sun, &t);
		if (fwrite(j.buf, 1, j.n, stdout) != j.n) {
			err_set(&e, ERR_IO, "cannot write the answer: %s",
				strerror(errno));
			return pv_fail(cmd, &e);
		}
	}
	return pv_flush(&e) ? pv_fail(cmd, &e) : CLI_EXIT_OK;
}

/* The day of the year of the UTC date of ms. */
static int utc_doy(int64_t ms)
{
	int64_t days = ms >= 0 ? ms / MS_PER_DAY :
				 -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
	int y, m, d;

	time_civil_from_days(days, &y, &m, &d);
	return (int)(days - time_days_from_civil(y, 1, 1)) + 1;
}

int cmd_pv_extra(int argc, char **argv)
{
	static const char cmd[] = "pv extra";
	struct pv_args a;
	struct pv_instants in;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	double s0;
	bool given;
	int rc;

	if ((rc = pv_start(&a, cmd, extra_flags, extra_usage, argc, argv,
			&e)) >= 0)
		return rc;
	if (pv_num(&a, "solar-constant", PV_SOLAR_CONSTANT, 1, 1e4, &s0,
		   &e) ||
	    pv_instants(&a, true, &given, &in, &e))
		return pv_usage_error(cmd, &e);
	for (long i = 0; i < in.count; i++) {
		int64_t ms = in.from_ms + i * in.step_ms;
		int doy = utc_doy(ms);

		pvj_begin(&j);
		pvj_times(&j, &in, ms);
		pvj_num(&j, "dni_extra", pv_extra_spencer(doy, s0));
		pvj_int(&j, "dayofyear", doy);
		if (pvj_end(&j, &e))
			return pv_fail(cmd, &e);
	}
	return pv_flush(&e) ? pv_fail(cmd, &e) : CLI_EXIT_OK;
}

/* --- poa --------------------------------------------------------------- */

static int read_plane(const struct pv_args *a, struct pv_poa_in *p,
		      struct err *e)
{
	const char *model = pv_str(a, "model");
	int m;

	if (!model)
		return err_set(e, ERR_INVALID, "--model is required: "
			       "isotropic, haydavies or perez");
	if ((m = pv_sky_model_parse(model)) < 0)
		return err_set(e, ERR_INVALID, "--model: '%s' is not "
			       "isotropic, haydavies or perez", model);
	p->model = (enum pv_sky_model)m;
	if (pv_num(a, "tilt", NAN, 0, 180, &p->surface_tilt, e) ||
	    pv_num(a, "azimuth", NAN, -360, 360, &p->surface_azimuth, e) ||
	    pv_num(a, "ghi", NAN, -100, 2000, &p->ghi, e) ||
	    pv_num(a, "dni", NAN, -100, 2000, &p->dni, e) ||
	    pv_num(a, "dhi", NAN, -100, 2000, &p->dhi, e) ||
	    pv_num(a, "albedo", PV_ALBEDO, 0, 1, &p->albedo, e))
		return ERR_INVALID;
	return ERR_OK;
}

/* --solar-zenith --solar-azimuth [--dni-extra] [--airmass]. */
static int read_given_sun(const struct pv_args *a, struct pv_poa_in *p,
			  struct err *e)
{
	static const char *const time_flags[] = { "lat", "lon", "alt", "time",
						  "from", "to", "step" };

	for (size_t i = 0; i < sizeof(time_flags) / sizeof(*time_flags); i++)
		if (pv_has(a, time_flags[i]))
			return err_set(e, ERR_INVALID, "--%s: give the sun "
				       "(--solar-zenith, --solar-azimuth) or "
				       "the place and time, not both",
				       time_flags[i]);
	if (pv_num(a, "solar-zenith", NAN, 0, 180, &p->solar_zenith, e) ||
	    pv_num(a, "solar-azimuth", NAN, -360, 360, &p->solar_azimuth, e))
		return ERR_INVALID;
	if (p->model != PV_SKY_ISOTROPIC && !pv_has(a, "dni-extra"))
		return err_set(e, ERR_INVALID, "--dni-extra is required with "
			       "--model %s", pv_sky_model_name(p->model));
	p->dni_extra = NAN;
	if (pv_has(a, "dni-extra") &&
	    pv_num(a, "dni-extra", NAN, 1, 1e4, &p->dni_extra, e))
		return ERR_INVALID;
	p->airmass = pv_airmass_kastenyoung(p->solar_zenith);
	if (!pv_has(a, "airmass"))
		return ERR_OK;
	return pv_num(a, "airmass", NAN, 0.5, 100, &p->airmass, e);
}

static int print_poa(const struct pv_poa_in *p, const struct pv_instants *in,
		     int64_t ms, struct err *e)
{
	struct pv_poa_out o;
	struct pv_json j;

	pv_poa(p, &o);
	pvj_begin(&j);
	if (in)
		pvj_times(&j, in, ms);
	pvj_str(&j, "model", pv_sky_model_name(p->model));
	pvj_num(&j, "aoi", o.aoi);
	pvj_num(&j, "poa_global", o.poa_global);
	pvj_num(&j, "poa_direct", o.poa_direct);
	pvj_num(&j, "poa_diffuse", o.poa_diffuse);
	pvj_num(&j, "poa_sky_diffuse", o.poa_sky_diffuse);
	pvj_num(&j, "poa_ground_diffuse", o.poa_ground_diffuse);
	pvj_num(&j, "solar_zenith", p->solar_zenith);
	pvj_num(&j, "solar_azimuth", p->solar_azimuth);
	pvj_num(&j, "dni_extra", p->dni_extra);
	pvj_num(&j, "airmass_relative", p->airmass);
	if (p->model == PV_SKY_PEREZ) {
		pvj_num(&j, "perez_epsilon", o.perez_epsilon);
		pvj_num(&j, "perez_delta", o.perez_delta);
		if (o.perez_bin)
			pvj_int(&j, "perez_bin", o.perez_bin);
		else
			pvj_null(&j, "perez_bin");
	}
	return pvj_end(&j, e);
}

/* The sun from the place and the time: SPA, Spencer, Kasten-Young. */
static int poa_over_time(const struct pv_args *a, struct pv_poa_in *p,
			 const char *cmd)
{
	static const char *const sun_flags[] = { "solar-zenith",
						 "solar-azimuth", "dni-extra",
						 "airmass" };
	struct pv_spa_site site;
	struct pv_spa_observer obs;
	struct pv_instants in;
	struct sun_walk w;
	struct err e = { ERR_OK, "" };
	double delta_t;
	bool given;

	for (size_t i = 0; i < sizeof(sun_flags) / sizeof(*sun_flags); i++)
		if (pv_has(a, sun_flags[i])) {
			err_set(&e, ERR_INVALID, "--%s: give the sun or the "
				"place and time, not both", sun_flags[i]);
			return pv_usage_error(cmd, &e);
		}
	if (read_site(a, false, &site, &delta_t, &e) ||
	    pv_instants(a, true, &given, &in, &e))
		return pv_usage_error(cmd, &e);
	walk_init(&w, &in, delta_t);
	pv_spa_observer_init(&site, &obs);
	for (long i = 0; i < in.count; i++) {
		int64_t ms = in.from_ms + i * in.step_ms;
		struct pv_spa_sun sun;
		struct pv_spa_topo t;

		walk_next(&w, &sun);
		pv_spa_topo_at(&sun, &obs, &t);
		p->solar_zenith = t.theta;
		p->solar_azimuth = t.phi;
		p->dni_extra = pv_extra_spencer(utc_doy(ms), PV_SOLAR_CONSTANT);
		p->airmass = pv_airmass_kastenyoung(t.theta);
		if (print_poa(p, &in, ms, &e))
			return pv_fail(cmd, &e);
	}
	return pv_flush(&e) ? pv_fail(cmd, &e) : CLI_EXIT_OK;
}

int cmd_pv_poa(int argc, char **argv)
{
	static const char cmd[] = "pv poa";
	struct pv_args a;
	struct pv_poa_in p;
	struct err e = { ERR_OK, "" };
	int rc;

	if ((rc = pv_start(&a, cmd, poa_flags, poa_usage, argc, argv, &e)) >= 0)
		return rc;
	memset(&p, 0, sizeof(p));
	if (read_plane(&a, &p, &e))
		return pv_usage_error(cmd, &e);
	if (!pv_has(&a, "solar-zenith") && !pv_has(&a, "solar-azimuth"))
		return poa_over_time(&a, &p, cmd);
	if (read_given_sun(&a, &p, &e))
		return pv_usage_error(cmd, &e);
	if (print_poa(&p, NULL, 0, &e) || pv_flush(&e))
		return pv_fail(cmd, &e);
	return CLI_EXIT_OK;
}
