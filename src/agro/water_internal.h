/*
 * water_internal: the insides of struct water_cache, shared by water.c
 * (plots and their devices), water_weather.c (stations' daily weather)
 * and water_json.c (the answers).  Not for other modules.
 */
#ifndef OASIS_AGRO_WATER_INTERNAL_H
#define OASIS_AGRO_WATER_INTERNAL_H

#include "agro/water.h"
#include "util/map.h"

/* What a station measured on one UTC day. */
struct wx_day {
	int n_t;                 /* temperature readings */
	double tmax, tmin;
	bool has_rh, has_wind, has_rs;
	double rh_max, rh_min, wind, rs, rain;
	double et0_daily;        /* NAN when incomplete or not computable */
	double et0_hourly;       /* NAN unless all 24 hours count */
};

/* A station day as the balance takes it, after the fallbacks. */
struct wx_resolved {
	double et0, tmax, tmin, rain;
	enum water_source source;
	bool complete;           /* the station's own day was complete */
	bool hourly;             /* et0 is a sum of 24 hourly values */
	int from;                /* index of the station whose day it is; -1 */
};

struct wx_station {
	char id[DB_NAME_MAX];
	char plot[DB_CODE_MAX];  /* the plot it stands on, or "" */
	double lon, lat;         /* NAN when unknown */
	int64_t first;           /* days loaded: [first, first + n) */
	size_t n;
	struct wx_day *days;
	int64_t rfirst;          /* days resolved: [rfirst, rfirst + rn) */
	size_t rn;
	struct wx_resolved *res;
	int *near;               /* other stations within reach, nearest first */
	size_t n_near;
	bool near_done;
};

#define WATER_DEVICES_MAX 8

struct water_devices {
	char meters[WATER_DEVICES_MAX][DB_NAME_MAX];
	char probes[WATER_DEVICES_MAX][DB_NAME_MAX];
	int n_meters, n_probes;
};

struct water_cache {
	struct water_ctx w;
	struct water_opts opts;
	struct wx_station *stations;
	size_t n_stations, cap_stations;
	struct water_devices *devices;   /* by plot, through plot_index */
	size_t n_devices, cap_devices;
	struct smap plot_index;          /* plot code -> index in devices */
	/* the series reads water_compute will make, listed ahead
	 * (water__list_reads) and fetched AHEAD_BATCH at a time */
	struct ts_agg_query *ahead;
	size_t n_ahead, cap_ahead;
	size_t next_ahead;               /* the next read expected */
	size_t fetched_ahead;            /* [.., fetched_ahead) are fetched */
	bool listing;                    /* water_compute only lists reads */
};

/*
 * The resolved days [first, first + n) of station s, read and resolved
 * once per cache (the range only grows); *out points into the cache.
 */
int water__station_days(struct water_cache *c, size_t s, int64_t first,
			size_t n, const struct wx_resolved **out,
			struct err *e);

/* Daily buckets of one series over [first, last] days; none if unknown. */
int water__daily(const struct water_ctx *w, const char *device,
		 const char *metric, int64_t first, int64_t last,
		 unsigned aggs, struct ts_bucket **out, size_t *n,
		 struct err *e);

void water__stations_free(struct water_cache *c);
/*
 * List the series reads water_compute(c, p, to_day) will make, so that
 * later calls in the same order get them from batched reads (one store
 * round trip per batch instead of one per series).  The answers are those
 * of the reads made one by one.
 */
int water__list_reads(struct water_cache *c, const struct db_plot *p,
		      int64_t to_day, struct err *e);

#endif
