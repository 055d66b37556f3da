/*
 * pvsite: the PV park as a site of Oasis, on the store.  The equipment
 * registry (a layout imported from CSV or GeoJSON, all rows checked before
 * any is stored) and the daily IEC 61724-1 metrics of each inverter, block
 * and the plant, computed from the stored series with the pure core of
 * src/pv/ (iec61724.c, pvwatts.c, temperature.c), the day being the
 * site's own (its IANA zone).  docs/PV.md, "The PV park on the store".
 */
#ifndef OASIS_PVSITE_PVSITE_H
#define OASIS_PVSITE_PVSITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

struct ts_engine;

/* ---- the registry (pvsite_import.c) ---------------------------------- */

/* The device kind of a layout kind ("inverter": "pv_inverter", and a
 * device kind itself); NULL for neither. */
const char *pvsite_device_kind(const char *kind);
/* The layout kind of a device kind ("pv_inverter": "inverter"). */
const char *pvsite_layout_kind(const char *device_kind);

struct pvsite_layout {
	struct db_pv_equipment *rows;
	size_t n;
};
void pvsite_layout_free(struct pvsite_layout *l);

/*
 * Read a layout (pvsite_layout.c, pure): as pvsite_layout_parse below,
 * with the site's stored equipment given (n_stored rows, any order) instead
 * of read from the store; the rows' site is left empty.
 */
int pvsite_layout_read(const char *name, const char *text, size_t len,
		       const struct db_pv_equipment *stored, size_t n_stored,
		       struct pvsite_layout *out, struct err *e);

/*
 * Parse a layout (CSV with a header line, or a GeoJSON FeatureCollection
 * whose features' properties carry the same keys; told apart by the first
 * non-blank byte) named name (for messages) and check every row: id
 * unique, kind known, numbers in range, the parent known (in the layout or
 * already stored for the site) and of a kind that may hold this one.
 * ERR_INVALID lists the first errors, each with its line (or feature) and
 * field.
 */
int pvsite_layout_parse(struct db *db, const char *site, const char *name,
			const char *text, size_t len,
			struct pvsite_layout *out, struct err *e);

/* Store a parsed layout in one transaction (db_pv_import). */
int pvsite_layout_store(struct db *db, const char *site,
			const struct pvsite_layout *l, int64_t now_ms,
			size_t *added, size_t *updated, struct err *e);

/* A site's equipment as JSON, of one kind ("inverter"...) when not NULL. */
int pvsite_equipment_json(struct db *db, const char *site, const char *kind,
			  json_t **out, struct err *e);

/* ---- daily metrics (pvsite_daily.c) ------------------------------------ */

struct pvsite_daily_opts {
	int interval_min;            /* 0: 1 minute */
	double daylight_threshold;   /* W/m2; 0: 50 */
	int threads;                 /* strings read on; 0: one per core, <= 4 */
	bool no_strings;             /* leave the strings and boxes out */
};

/*
 * The daily metrics of date (YYYY-MM-DD, the site's day in its zone) for
 * every inverter, block and the plant of site, as JSON (docs/PV.md).
 */
int pvsite_daily_json(struct db *db, struct ts_engine *ts, const char *site,
		      const char *date, json_t **out, struct err *e);
int pvsite_daily_json_opts(struct db *db, struct ts_engine *ts,
			   const char *site, const char *date,
			   const struct pvsite_daily_opts *o, json_t **out,
			   struct err *e);
/* One inverter's expected (PVWatts) and actual AC power over the day. */
int pvsite_expected_json(struct db *db, struct ts_engine *ts,
			 const char *site, const char *inverter,
			 const char *date, json_t **out, struct err *e);

/* ---- the daily alarms' numbers (pvsite_health.c) ----------------------- */

struct alerts;

/*
 * Each inverter of site on date: its expected ratio against the median of
 * its drop_days previous days (pv_ratio_drop) and its soiling from the
 * temperature-corrected PR of the soiling_days ending on date
 * (pv_soiling), as JSON (docs/PV.md, "Alarms").  With a, the day is also
 * judged by the pv_pr_drop and pv_soiling rules (alerts_pv_day).  Each
 * day is the daily metrics' (pvsite_daily_json_opts without strings).
 */
int pvsite_health_json(struct db *db, struct ts_engine *ts, struct alerts *a,
		       const char *site, const char *date, int drop_days,
		       int soiling_days, json_t **out, struct err *e);
/* The same with the rules' windows (alerts_pv_daily_windows; 14 and 30
 * days without rules). */
int pvsite_health_judge(struct db *db, struct ts_engine *ts, struct alerts *a,
			const char *site, const char *date, bool judge,
			json_t **out, struct err *e);

/*
 * The clock's daily hook (alerts_on_daily; ctx a struct pvsite_watch):
 * each pv_plant site's last complete day (in its zone), once, judged.
 */
struct pvsite_watch {
	struct db *db;
	struct ts_engine *ts;
	struct alerts *alerts;
	char done[16][DB_CODE_MAX + 12];   /* "site/date" judged */
	size_t n_done;
};
void pvsite_watch_daily(void *ctx, int64_t now);

/*
 * The plant's day as a curve, one point per interval_min (0: 1) where any
 * inverter reports or the station has light: the inverters' AC power
 * summed, their expected power (PVWatts) summed, the first station's
 * irradiance, module and air temperature and wind, the export limit, and how many
 * inverters reported; "now" is the last interval any inverter reported.
 */
int pvsite_plant_json(struct db *db, struct ts_engine *ts, const char *site,
		      const char *date, int interval_min, json_t **out,
		      struct err *e);

#endif
