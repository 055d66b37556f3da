/*
 * ingest: the one validation path every point goes through, whatever
 * brought it (HTTP line protocol or JSON, MQTT, a bulk file), and the
 * device registry it checks against.
 *
 * A batch is checked whole before anything is stored: each device must be
 * registered (or is registered, with --auto-register), the caller may write
 * it (a device token only its own device), each metric name is valid and
 * each standard metric within its physical range, each value finite, each
 * timestamp within [2000-01-01, now + 1 day].  The first problem found is
 * the error, naming where (line or item), the device or field, and why.
 * Only then are new series created and the points handed on.
 */
#ifndef OASIS_INGEST_INGEST_H
#define OASIS_INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "db/db.h"
#include "ingest/batch.h"
#include "ts/engine.h"
#include "util/err.h"
#include "util/events.h"

struct ingest;

int ingest_open(struct db *db, struct ingest **out, struct err *e);
void ingest_close(struct ingest *ing);
/*
 * Whether a metric name outside the catalogue (ingest/metrics.h) is
 * accepted as a custom metric (the default here) or refused, naming the
 * metric, the line and --allow-unknown-metrics.  Set before writes start.
 */
void ingest_set_unknown_metrics(struct ingest *ing, bool allow);
/*
 * Where points that arrive without a caller-given engine go (MQTT), and
 * the live feed the points written are published to (newest per series).
 */
void ingest_set_sinks(struct ingest *ing, struct ts_engine *ts,
		      struct events *ev);

/*
 * An observer of the points written (the monitoring): called after a batch
 * is durable, on the writer's thread and before the writer is answered, so
 * it must be quick: copy what it needs and do its work elsewhere.  pts are
 * the batch's n points (series, ts, value) in batch order, valid during the
 * call only; ingest_observed_point gives point i with its names.  fn NULL:
 * none.
 */
struct ingest_seen {
	const char *device;
	const char *metric;
	const char *plot;        /* "" when the device is on no plot */
	int64_t series;
	int64_t ts;
	double value;
};

struct ingest_observed;  /* the batch being observed, opaque */

typedef void (*ingest_observer)(const struct ingest_observed *batch,
				const struct ts_write *pts, size_t n,
				void *ctx);
/*
 * Point i of the observed batch with its device, metric and the device's
 * plot (copied to plot, which out->plot points to).  It takes the
 * registry's lock: ask once per series, not per point.
 */
void ingest_observed_point(const struct ingest_observed *batch, size_t i,
			   struct ingest_seen *out, char plot[DB_CODE_MAX]);
void ingest_set_observer(struct ingest *ing, ingest_observer fn, void *ctx);

/*
 * The MQTT handler of oasis/DEVICE/telemetry (ctx: the ingest): the same
 * JSON as POST /api/v1/telemetry, written as that device.  Refusals are
 * logged: MQTT has no one to answer.
 */
void ingest_on_mqtt_telemetry(const char *device, const void *payload,
			      size_t len, void *ctx);

struct ingest_opts {
	const struct auth_identity *who; /* NULL: the local command line */
	bool auto_register;              /* register unknown devices */
	int64_t now_ms;
};

struct ingest_summary {
	size_t points;
	size_t devices_registered;
	size_t series_created;
};

/*
 * Check a batch and resolve it into engine writes (series ids), in batch
 * order.  *out is the caller's to free().
 */
int ingest_prepare(struct ingest *ing, const struct ingest_batch *b,
		   const struct ingest_opts *o, struct ts_write **out,
		   size_t *n, struct ingest_summary *s, struct err *e);

/* Check a batch and make it durable in the engine. */
int ingest_write(struct ingest *ing, struct ts_engine *ts,
		 const struct ingest_batch *b, const struct ingest_opts *o,
		 struct ingest_summary *s, struct err *e);

/* The registry of custom metrics (units.h), for its routes and command. */
struct ingest_units *ingest_units(struct ingest *ing);

/* ---- devices ------------------------------------------------------------ */

/* Device ids: 1-64 of [A-Za-z0-9._:-], starting with a letter or digit. */
bool ingest_device_id_valid(const char *id);
/* Known kinds: weather_station, soil_probe, flow_meter, valve, camera, ... */
bool ingest_device_kind_valid(const char *kind);

/*
 * Register a device and create its token (shown once, written into
 * token_out).  ERR_EXISTS for a taken id, ERR_NOT_FOUND for an unknown
 * plot, ERR_INVALID (naming the field) for a bad id, kind or position.
 */
int ingest_device_register(struct ingest *ing, const struct db_device *d,
			   char token_out[AUTH_SECRET_MAX], struct err *e);
/*
 * The registered devices (of one plot and/or one site, or all: NULL),
 * deleted ones left out, as a JSON array of {id, kind, plot, name,
 * location, created, site} (new reference) in *out.
 */
int ingest_devices_json(struct ingest *ing, const char *plot, const char *site,
			json_t **out, struct err *e);
/*
 * Change a device's kind, plot, name and location to d's (checked as on
 * registration); its id, tokens and data stay.
 */
int ingest_device_update(struct ingest *ing, const struct db_device *d,
			 struct err *e);
/*
 * The same from a PATCH body: the members given (kind, plot, name,
 * location; null clears plot, name or location) change, the others stay.
 * The device as it now is goes to *out.
 */
int ingest_device_patch(struct ingest *ing, const char *id, json_t *body,
			struct db_device *out, struct err *e);
/*
 * Give a device a new token (written to token_out, to show once) and
 * revoke the ones it had, at now_ms.
 */
int ingest_device_rotate_token(struct ingest *ing, const char *id,
			       int64_t now_ms, char token_out[AUTH_SECRET_MAX],
			       struct err *e);
/* Delete a device at now_ms: its tokens are revoked, its data kept. */
int ingest_device_delete(struct ingest *ing, const char *id, int64_t now_ms,
			 struct err *e);

/*
 * The kind a device that first writes under a line-protocol measurement
 * gets ("weather..." weather_station, "soil..." soil_probe, ..., else
 * "sensor"); InfluxQL reads a measurement back as the devices of it.
 */
const char *ingest_kind_of_measurement(const char *measurement);

/* The plot code of a device ("" when it is on none or unknown). */
void ingest_device_plot(struct ingest *ing, const char *device,
			char out[DB_CODE_MAX]);

/* One known series. */
struct ingest_series_ref {
	const char *device;
	const char *metric;
	int64_t id;
};

/* Every known series, sorted by device then metric; read-only. */
struct ingest_snapshot {
	const struct ingest_series_ref *refs;
	size_t n;
	unsigned users;   /* the registry's, under its lock */
};

/*
 * The series known now, for a base-wide walk.  The sorted list is built
 * once and shared until a series is added, and the registry's lock is held
 * only to copy it, so writers wait for neither the sort nor the reader.
 * Give it back with ingest_snapshot_release.  NULL (with e) on ERR_NOMEM.
 */
const struct ingest_snapshot *ingest_series_snapshot(struct ingest *ing,
						     struct err *e);
void ingest_snapshot_release(struct ingest *ing,
			     const struct ingest_snapshot *snap);

/* The series id of DEVICE/METRIC; ERR_NOT_FOUND if it has no data. */
int ingest_series_find(struct ingest *ing, const char *device,
		       const char *metric, int64_t *id, struct err *e);

#endif
