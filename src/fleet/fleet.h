/*
 * fleet: machinery and cameras.  Machines (tractors, harvesters, spraying
 * drones) report positions as telemetry (metrics latitude, longitude,
 * speed, heading, working) or as NMEA 0183 sentences, which this service
 * turns into the same points through the one ingest path; their tracks
 * are those series in the time-series engine.  From the tracks it derives
 * each plot's operations (coverage.c).  Cameras carry a stream URL and
 * keep their latest JPEG snapshots.
 *
 * An operation's kind comes from the machine's implement (a device's
 * equipment, set by an admin) or, without one, from its kind:
 *   seeder planter drill                        sowing
 *   sprayer boom_sprayer                        spraying
 *   plough cultivator harrow disc rotary_tiller
 *   subsoiler tiller                            tilling
 *   picker cotton_picker harvester              harvesting
 * and by kind: tractor tilling (6 m), drone spraying (6 m), harvester
 * harvesting (4.56 m: six 76 cm rows).
 */
#ifndef OASIS_FLEET_FLEET_H
#define OASIS_FLEET_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/auth.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/err.h"

struct fleet;

struct fleet_opts {
	size_t snapshot_keep;        /* per camera (0: 20) */
	size_t snapshot_max_bytes;   /* 0: 4 MiB */
};

int fleet_open(struct db *db, struct ts_engine *ts, struct ingest *ing,
	       const struct fleet_opts *o, struct fleet **out, struct err *e);
void fleet_close(struct fleet *f);

/* ---- positions ----------------------------------------------------------- */

struct fleet_nmea_summary {
	size_t sentences, skipped, fixes, points;
};

/*
 * Parse NMEA text reported by device and write its fixes as points of
 * the device's latitude, longitude, speed and heading series, checked by
 * ingest as any write (who may write this device).  All or nothing.
 */
int fleet_nmea_write(struct fleet *f, const char *device, const char *text,
		     size_t len, const struct auth_identity *who,
		     int64_t now_ms, struct fleet_nmea_summary *s,
		     struct err *e);

/* The MQTT handler of oasis/DEVICE/nmea (ctx: the fleet). */
void fleet_on_mqtt_nmea(const char *device, const void *payload, size_t len,
			void *ctx);

/* ---- equipment ------------------------------------------------------------ */

/* The operation an implement does ("sowing", ...), or NULL if unknown. */
const char *fleet_operation_of(const char *implement);

/*
 * Set a device's equipment after checking it: implement known, swath in
 * (0, 60] m, stream URL rtsp://, rtsps://, http:// or https:// without
 * spaces or control characters.  ERR_NOT_FOUND for an unknown device.
 */
int fleet_equipment_set(struct fleet *f, const struct db_equipment *q,
			struct err *e);

/* ---- reading (JSON answers, the caller's to json_decref) ------------------- */

/* Every machine with its equipment and newest position and state. */
int fleet_machines(struct fleet *f, json_t **out, struct err *e);
/* A machine's fixes in [from, to): [[ms, lon, lat, speed, heading, working]]. */
int fleet_track(struct fleet *f, const char *device, int64_t from, int64_t to,
		json_t **out, struct err *e);
/* The operations on a plot by every machine, per UTC day in [from, to). */
int fleet_plot_operations(struct fleet *f, const char *code, int64_t from,
			  int64_t to, json_t **out, struct err *e);
/* The operations on every plot, per UTC day in [from, to). */
int fleet_operations(struct fleet *f, int64_t from, int64_t to, json_t **out,
		     struct err *e);
/* A plot's cameras: stream URL and newest snapshot's id and time. */
int fleet_plot_cameras(struct fleet *f, const char *code, json_t **out,
		       struct err *e);

/* ---- cameras ---------------------------------------------------------------- */

/*
 * Keep a JPEG snapshot of a camera (who: a device token of that camera, or
 * an admin).  ERR_TOO_LARGE past the size limit, ERR_UNSUPPORTED when the
 * bytes are not a JPEG by structure, ERR_INVALID when the device is not a
 * camera.
 */
int fleet_snapshot_put(struct fleet *f, const char *device,
		       const struct auth_identity *who, const void *data,
		       size_t len, int64_t now_ms, struct db_snapshot *out,
		       struct err *e);
/* A snapshot (id 0: the newest) with its bytes; fleet_snapshot_free after. */
int fleet_snapshot_get(struct fleet *f, const char *device, int64_t id,
		       struct db_snapshot *out, struct err *e);
/* Release the bytes fleet_snapshot_get gave. */
void fleet_snapshot_free(struct db_snapshot *s);
/* A camera's snapshots, newest first, without bytes. */
int fleet_snapshot_list(struct fleet *f, const char *device, json_t **out,
			struct err *e);

#endif
