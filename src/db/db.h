/*
 * db: the one storage interface of Oasis.
 *
 * Everything above this layer stores and reads through these functions and
 * knows nothing of the database behind them: no SQLite or libpq type, and no
 * SQL, ever leaves db/.  Each function is one atomic unit of work: it either
 * happens whole or not at all, so callers never manage transactions.
 *
 * A struct db is safe to use from many threads at once.  A listing
 * (db_*_list and the like) reads its rows, ends its call, then calls its
 * callback for each row, so a callback may call the store again; the two
 * engine streams (db_chunks_read, db_latest_list) are the exceptions.  Strings in the row
 * structs are fixed-size and NUL-terminated unless marked "heap"; heap fields
 * are owned by the struct and released with the matching *_free function.
 */
#ifndef OASIS_DB_DB_H
#define OASIS_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct db;

/* ---- opening ------------------------------------------------------------ */

/*
 * Open a store.  `where` is a folder (the embedded store, DIR/oasis.db) or a
 * postgresql:// URL.  With create, a missing store is made; either way the
 * schema is migrated to the current version.  ERR_NOT_FOUND when the store
 * does not exist and create is false.
 */
int db_open(const char *where, bool create, struct db **out, struct err *e);
/* Whether where names a PostgreSQL store (postgresql:// or postgres://). */
bool db_is_postgres_url(const char *where);
/*
 * where fit to print: a URL's password (user:PASSWORD@ or password=...)
 * replaced by "***".  Messages and logs name a store only through this.
 */
void db_where_shown(const char *where, char *out, size_t size);
/*
 * The file holding the password of PostgreSQL stores opened from now on
 * (its first line; --data-password-file), for the whole process; NULL:
 * none (~/.pgpass or PGPASSFILE, read by libpq, still apply).
 */
int db_password_file(const char *path, struct err *e);
void db_close(struct db *db);
/* The schema version the store is at. */
int db_schema_version(struct db *db, int *out, struct err *e);

/* ---- users, tokens, sessions ---------------------------------------------- */

#define DB_NAME_MAX 64
#define DB_ROLE_MAX 16
#define DB_HASH_MAX 160

struct db_user {
	int64_t id;
	char name[DB_NAME_MAX];
	char role[DB_ROLE_MAX];
	char password_hash[DB_HASH_MAX]; /* argon2id string */
	int64_t created_ms;
};

int db_user_create(struct db *db, const struct db_user *u, int64_t *id_out,
		   struct err *e);
int db_user_get(struct db *db, const char *name, struct db_user *out,
		struct err *e);
int db_user_get_by_id(struct db *db, int64_t id, struct db_user *out,
		      struct err *e);
int db_user_set_password(struct db *db, const char *name, const char *hash,
			 struct err *e);
int db_user_count(struct db *db, int64_t *out, struct err *e);
/* Every user, in name order. */
int db_user_list(struct db *db,
		 int (*each)(const struct db_user *u, void *ctx), void *ctx,
		 struct err *e);
/*
 * A disabled user's password_hash starts with DB_USER_DISABLED ('!', as in
 * shadow(5)): no password matches it.  Disabling ends the user's sessions,
 * in the same transaction; disabling twice is fine.  ERR_NOT_FOUND for an
 * unknown name.  db_user_set_password enables the user again.
 */
#define DB_USER_DISABLED '!'
int db_user_disable(struct db *db, const char *name, struct err *e);
/* Delete a user and their sessions; ERR_NOT_FOUND for an unknown name. */
int db_user_delete(struct db *db, const char *name, struct err *e);
/*
 * The audit log: who changed what through the API, when, and the answer's
 * status (never a body: no secret lands here).  Rows are only added.
 */
struct db_audit {
	int64_t id;
	int64_t at_ms;
	char actor[DB_NAME_MAX];    /* the user or token name */
	char role[DB_ROLE_MAX];
	char action[256];           /* "PATCH /api/v1/users/lin" */
	int status;                 /* the HTTP status answered */
};

int db_audit_add(struct db *db, const struct db_audit *a, struct err *e);
/* At most limit entries older than before_id (0: the newest), newest first. */
int db_audit_list(struct db *db, int64_t before_id, int limit,
		  int (*each)(const struct db_audit *a, void *ctx), void *ctx,
		  struct err *e);
/* Give a user another role (one of auth's names); ERR_NOT_FOUND if unknown. */
int db_user_set_role(struct db *db, const char *name, const char *role,
		     struct err *e);

struct db_token {
	int64_t id;
	char name[DB_NAME_MAX];
	char role[DB_ROLE_MAX];
	char device[DB_NAME_MAX];   /* "" unless the token belongs to a device */
	char hash[DB_HASH_MAX];     /* hex digest of the secret, never the secret */
	int64_t created_ms;
	int64_t expires_ms;         /* 0: never */
	int64_t revoked_ms;         /* 0: live */
};

int db_token_create(struct db *db, const struct db_token *t, int64_t *id_out,
		    struct err *e);
/* The live (not revoked, not expired at now_ms) token with this hash. */
int db_token_find(struct db *db, const char *hash, int64_t now_ms,
		  struct db_token *out, struct err *e);
/* Revoke by id; ERR_NOT_FOUND if no live token has it. */
int db_token_revoke(struct db *db, int64_t id, int64_t now_ms, struct err *e);
int db_token_list(struct db *db,
		  int (*each)(const struct db_token *t, void *ctx), void *ctx,
		  struct err *e);

struct db_session {
	char hash[DB_HASH_MAX];
	int64_t user_id;
	int64_t expires_ms;
};

/* Store a new session; sessions expired at now_ms are swept on the way. */
int db_session_create(struct db *db, const struct db_session *s, int64_t now_ms,
		      struct err *e);
int db_session_find(struct db *db, const char *hash, int64_t now_ms,
		    struct db_session *out, struct err *e);
int db_session_delete(struct db *db, const char *hash, struct err *e);

/* ---- plots --------------------------------------------------------------- */

#define DB_CODE_MAX 64
#define DB_TEXT_MAX 128

struct db_plot {
	char code[DB_CODE_MAX];
	char name[DB_TEXT_MAX];
	char crop[DB_TEXT_MAX / 2];
	char variety[DB_TEXT_MAX / 2];
	char sowing_date[16];       /* YYYY-MM-DD or "" */
	char irrigation[DB_TEXT_MAX / 2];
	char soil_texture[DB_TEXT_MAX / 2];
	double field_capacity;      /* m3/m3; NAN when unknown */
	double wilting_point;       /* m3/m3; NAN when unknown */
	char owner[DB_TEXT_MAX];
	char *extra;                /* heap: JSON object of other attributes, or NULL */
	char *geometry;             /* heap: GeoJSON geometry in EPSG:4326 */
	double bbox[4];             /* min lon, min lat, max lon, max lat */
	double area_m2;             /* geodesic */
	int64_t updated_ms;
	char site[DB_CODE_MAX];     /* the site it belongs to (read only) */
};

/* Release the heap fields of p (not p itself). */
void db_plot_free(struct db_plot *p);

struct db_plot_filter {
	bool has_bbox;
	double bbox[4];             /* plots whose bbox intersects this one */
	const char *crop;           /* NULL: any */
	const char *code;           /* NULL: any */
	const char *site;           /* NULL: any */
};

/*
 * Insert or update plots by code, all in one transaction: either every row
 * is stored or none.  Counts how many were new and how many replaced.
 */
int db_plots_upsert(struct db *db, const struct db_plot *rows, size_t n,
		    size_t *added, size_t *updated, struct err *e);
/* Which of these codes exist already: sets exists[i]. */
int db_plots_exist(struct db *db, const char *const *codes, size_t n,
		   bool *exists, struct err *e);
int db_plot_get(struct db *db, const char *code, struct db_plot *out,
		struct err *e);
int db_plot_delete(struct db *db, const char *code, struct err *e);
/*
 * Call each for every matching plot, in code order.  A non-zero return from
 * each stops the walk and is returned.
 */
int db_plot_list(struct db *db, const struct db_plot_filter *f,
		 int (*each)(const struct db_plot *p, void *ctx), void *ctx,
		 struct err *e);
int db_plot_count(struct db *db, int64_t *out, struct err *e);

/* ---- devices -------------------------------------------------------------- */

#define DB_KIND_MAX 32

struct db_device {
	char id[DB_NAME_MAX];
	char kind[DB_KIND_MAX];     /* weather_station, soil_probe, valve, ... */
	char plot[DB_CODE_MAX];     /* the plot it serves, or "" */
	char name[DB_TEXT_MAX];
	double lon, lat;            /* NAN when unknown */
	int64_t created_ms;
	int64_t deleted_ms;         /* 0: live; else when it was deleted */
	char site[DB_CODE_MAX];     /* the site it belongs to (read only: set
				     * with db_site_assign; "base" when new) */
};

/* ERR_EXISTS if the id is taken; ERR_NOT_FOUND if the plot is unknown. */
int db_device_create(struct db *db, const struct db_device *d, struct err *e);
/* Create n devices in one transaction: all of them or none. */
int db_devices_create(struct db *db, const struct db_device *d, size_t n,
		      struct err *e);
int db_device_get(struct db *db, const char *id, struct db_device *out,
		  struct err *e);
/*
 * Every device (of one plot when plot is not NULL), in id order, deleted
 * ones too (their data is kept): callers showing devices skip those.
 */
int db_device_list(struct db *db, const char *plot,
		   int (*each)(const struct db_device *d, void *ctx), void *ctx,
		   struct err *e);

/*
 * Delete a device: mark it deleted at now_ms and revoke its tokens, in one
 * transaction.  Its row, series and data are kept, so its id stays taken.
 * ERR_NOT_FOUND for an unknown or already deleted device.
 */
int db_device_delete(struct db *db, const char *id, int64_t now_ms,
		     struct err *e);
/*
 * Change a live device's kind, plot ("" none), name and location (NAN:
 * none) to d's; its id, creation and tokens stay.  ERR_NOT_FOUND for an
 * unknown or deleted device, or an unknown plot (the message says which).
 */
int db_device_update(struct db *db, const struct db_device *d, struct err *e);

/*
 * The registry of custom metrics: a metric outside the catalogue
 * (ingest/metrics.c) that is registered with its unit is accepted without
 * --allow-unknown-metrics.
 */
struct db_metric_unit {
	char name[DB_NAME_MAX];
	char unit[32];
	char what[DB_TEXT_MAX];     /* "" none */
	int64_t updated_ms;
};

/* Register a metric's unit, or change it (by name). */
int db_metric_unit_set(struct db *db, const struct db_metric_unit *u,
		       struct err *e);
/* Every registered metric, in name order. */
int db_metric_unit_list(struct db *db,
			int (*each)(const struct db_metric_unit *u, void *ctx),
			void *ctx, struct err *e);
/* ERR_NOT_FOUND for a name not registered. */
int db_metric_unit_delete(struct db *db, const char *name, struct err *e);

/* ---- series ---------------------------------------------------------------- */

struct db_series {
	int64_t id;
	char device[DB_NAME_MAX];
	char metric[DB_NAME_MAX + 2];
};

/* The id of (device, metric), created if new.  The device must exist. */
int db_series_ensure(struct db *db, const char *device, const char *metric,
		     int64_t *id_out, struct err *e);
/* The same for n pairs in one transaction; ids[i] for pair i. */
int db_series_ensure_many(struct db *db, const char *const *devices,
			  const char *const *metrics, size_t n, int64_t *ids,
			  struct err *e);
/* Every series (of one device when device is not NULL), in id order. */
int db_series_list(struct db *db, const char *device,
		   int (*each)(const struct db_series *s, void *ctx), void *ctx,
		   struct err *e);

/* ---- chunks of the time-series engine ------------------------------------------ */

/*
 * A compressed run of one series' points (the bytes are ts/codec's; their
 * header holds the count, min, max and sum).  Chunks of a series may
 * overlap in time; where two hold the same timestamp, the one with the
 * higher seq was written later and wins.
 */
struct db_chunk {
	int64_t series;
	int64_t seq;                /* set by the store on write */
	int64_t ts_min, ts_max;
	const void *data;           /* codec bytes; valid during the callback */
	size_t len;
};

/* Which chunk: its key. */
struct db_chunk_ref {
	int64_t series, ts_min, seq;
};

struct db_chunk_write {
	const struct db_chunk *add; /* chunks to store (their seq is ignored) */
	size_t n_add;
	/*
	 * Chunks these replace (a compaction): deleted in the same
	 * transaction.  The first added chunk takes the highest replaced seq,
	 * so that it still loses to anything written after what it merged.
	 * ERR_EXISTS, nothing written, when a chunk of a replaced series was
	 * stored since they were read with a seq between theirs (another
	 * node's write committed during the merge): read and merge again.
	 */
	const struct db_chunk_ref *replace;
	size_t n_replace;
	/* Newest points to record (kept only where newer than what is). */
	const struct db_latest *latest;
	size_t n_latest;
	/* A state value stored with them (e.g. ts.wal_checkpoint). */
	const char *state_key;      /* NULL: none; else as db_state_set's */
	int64_t state_value;
	/*
	 * Only a new layout of points already stored (a compaction): the
	 * store may commit it without waiting for the disk (PostgreSQL), since
	 * losing it in a crash leaves the same points in the old chunks.
	 */
	bool relayout;
};

/* Store (and replace) chunks atomically. */
int db_chunks_write(struct db *db, const struct db_chunk_write *w,
		    struct err *e);

/* No chunk spans more than this: the engine cuts chunks at windows. */
#define DB_CHUNK_MAX_SPAN_MS (INT64_C(64) * 86400000)

/*
 * Call each for every chunk of series that overlaps [from, to], ordered by
 * ts_min then seq.  A non-zero return from each stops and is returned.
 * Unlike the other listings, this one streams: each runs while the call
 * holds its connection, so each must not call the store (see the pool).
 */
int db_chunks_read(struct db *db, int64_t series, int64_t from, int64_t to,
		   int (*each)(const struct db_chunk *c, void *ctx), void *ctx,
		   struct err *e);

/* One range of one series' chunks, for db_chunks_read_view. */
struct db_chunk_range {
	int64_t series, from, to;
	int (*each)(const struct db_chunk *c, void *ctx);
	void *ctx;
};

/*
 * Several db_chunks_read in one read transaction: they all see the store
 * as it was at one instant, whatever commits meanwhile.  A non-zero return
 * from an each stops and is returned.
 */
int db_chunks_read_view(struct db *db, const struct db_chunk_range *r,
			size_t n, struct err *e);

/*
 * Housekeeping of the chunk store as of now_ms (the retention pass calls
 * it after the rollups).  PostgreSQL: the month partitions of now's month
 * and the next two are made, and those of earlier months that retention
 * has emptied (every raw chunk rolled up) are dropped whole; *dropped
 * (may be NULL) counts them.  SQLite: nothing to do, *dropped = 0.
 */
int db_chunks_maintain(struct db *db, int64_t now_ms, size_t *dropped,
		       struct err *e);

/* The newest point of each series, kept beside its chunks. */
struct db_latest {
	int64_t series;
	int64_t ts;
	double value;
};

/* Every series' newest stored point, by series; streams like db_chunks_read. */
int db_latest_list(struct db *db,
		   int (*each)(const struct db_latest *l, void *ctx), void *ctx,
		   struct err *e);

/*
 * Named numbers that modules keep in the store (0 when never set).  A key
 * is "<owner>.<name>": the owner, lowercase letters, is the module that
 * alone reads and writes it (ts.wal_checkpoint: the engine; sim.*: the
 * demo's simulator; db.*: a backend's own), the name lowercase letters,
 * digits and '_'.  Any other key is refused (ERR_INVALID), here and as a
 * db_chunk_write's state_key.
 */
int db_state_get(struct db *db, const char *key, int64_t *out, struct err *e);
int db_state_set(struct db *db, const char *key, int64_t value, struct err *e);

/* ---- retention policies ------------------------------------------------- */

/*
 * Raw points of the matching series are kept raw_ms, then only as rollups
 * per step_ms.  kind and metric "" match any; the most specific policy of
 * a series wins (kind and metric, then metric, then kind, then any).
 */
struct db_retention {
	int64_t id;
	char kind[DB_KIND_MAX];
	char metric[DB_NAME_MAX];
	int64_t raw_ms, step_ms;
};

/* Set the policy for (kind, metric), replacing the one there was. */
int db_retention_set(struct db *db, const struct db_retention *r,
		     int64_t *id_out, struct err *e);
int db_retention_list(struct db *db,
		      int (*each)(const struct db_retention *r, void *ctx),
		      void *ctx, struct err *e);
int db_retention_delete(struct db *db, int64_t id, struct err *e);

/* ---- valve commands -------------------------------------------------------- */

struct db_command {
	int64_t id;
	char device[DB_NAME_MAX];
	char action[8];             /* "open" or "close" */
	int duration_min;           /* open: how long; 0 for close */
	char state[16];             /* requested, sent, acknowledged, failed */
	char requested_by[DB_NAME_MAX];
	int64_t requested_ms, sent_ms, done_ms;
	int64_t auto_close_ms;      /* an open's planned close; 0 when done */
	char reason[DB_TEXT_MAX * 2];
};

int db_command_create(struct db *db, const struct db_command *c,
		      int64_t *id_out, struct err *e);
int db_command_get(struct db *db, int64_t id, struct db_command *out,
		   struct err *e);
/*
 * Move command id to state, at at_ms, with a reason, but only from one of
 * the states in from (space-separated): ERR_NOT_FOUND when it is in none
 * of them (it had moved on already).  "sent" records sent_ms; the others
 * done_ms.
 */
int db_command_set_state(struct db *db, int64_t id, const char *from,
			 const char *state, int64_t at_ms, const char *reason,
			 struct err *e);
/* A device's commands, newest first (limit 0: 100); state NULL for all. */
int db_command_list(struct db *db, const char *device, const char *state,
		    size_t limit,
		    int (*each)(const struct db_command *c, void *ctx),
		    void *ctx, struct err *e);
/*
 * Commands needing the clock: requested or sent before `stale_ms`, and
 * opens whose auto_close_ms has come (<= now_ms).
 */
int db_command_due(struct db *db, int64_t stale_ms, int64_t now_ms,
		   int (*each)(const struct db_command *c, void *ctx),
		   void *ctx, struct err *e);
/* Forget an open's planned close (done, or superseded). */
int db_command_clear_close(struct db *db, int64_t id, struct err *e);

/* ---- pump stations and rotation groups ------------------------------------- */

struct db_station {
	char name[DB_NAME_MAX];
	double capacity_m3h;
	int start_min, end_min;     /* working hours, minutes after midnight */
};

int db_station_set(struct db *db, const struct db_station *s, struct err *e);
int db_station_list(struct db *db,
		    int (*each)(const struct db_station *s, void *ctx),
		    void *ctx, struct err *e);

/*
 * Set a rotation group of a station and its plots (replacing its former
 * members; a plot moves here from any other group), in one transaction.
 * ERR_NOT_FOUND naming an unknown station or plot.
 */
int db_group_set(struct db *db, const char *name, const char *station,
		 double flow_m3h, const char *const *plots, size_t n_plots,
		 struct err *e);

/* One member row: each group's plots come in a run, groups by name. */
struct db_group_member {
	char group[DB_NAME_MAX];
	char station[DB_NAME_MAX];
	double flow_m3h;
	char plot[DB_CODE_MAX];
};

int db_group_list(struct db *db,
		  int (*each)(const struct db_group_member *m, void *ctx),
		  void *ctx, struct err *e);

/*
 * After a bulk load: leave what the store committed compact in its own
 * files.  Nothing of durability depends on it (a commit is durable when it
 * returns); SQLite folds its write-ahead log into the main file so the
 * folder holds one compact file, PostgreSQL's server does that itself (a
 * no-op).
 */
int db_flush(struct db *db, struct err *e);

/* ---- imagery: scenes, per-plot index statistics, anomalies (rs/imagery) --- */

#define DB_INDEX_MAX 16
#define DB_SCENE_KIND_MAX 16

struct db_scene {
	int64_t id;
	char source[DB_NAME_MAX];
	char kind[DB_SCENE_KIND_MAX]; /* satellite | drone */
	int64_t acquired_ms;
	char *crs;                  /* heap: "EPSG:32645" or WKT */
	char *footprint;            /* heap: GeoJSON Polygon, EPSG:4326 */
	double cloud_share;         /* 0..1; NAN when no mask was given */
	char file[256];             /* the file's name, without its folder */
	int width, height;
	char indices[DB_TEXT_MAX];  /* "ndvi,savi": the indices computed */
	char preview[512];          /* folder of the reduced index rasters */
	int64_t created_ms;
};

void db_scene_free(struct db_scene *s);

/* One plot's statistics of one index in one scene (NAN: no value). */
struct db_scene_stat {
	char plot[DB_CODE_MAX];
	char index[DB_INDEX_MAX];
	double count, valid_fraction;
	double mean, std, min, max, median, p10, p90;
};

/* A flag raised on a plot in a scene; see rs/rs_anomaly.h for the rules. */
struct db_anomaly {
	int64_t scene;
	char plot[DB_CODE_MAX];
	char index[DB_INDEX_MAX];
	char rule[DB_INDEX_MAX];    /* peers | drop */
	double value;               /* the plot's index */
	double reference;           /* the peers' median, or the previous pass */
	double threshold;           /* the bound it crossed */
	/* listing only: the scene's */
	int64_t acquired_ms;
	char kind[DB_SCENE_KIND_MAX];
};

/*
 * Store a scene with its statistics and anomalies in one transaction:
 * all or nothing.  The id is assigned (s->id is ignored) into *id_out.
 * ERR_NOT_FOUND naming a plot that is not (or no longer) registered.
 */
int db_scene_add(struct db *db, const struct db_scene *s,
		 const struct db_scene_stat *stats, size_t n_stats,
		 const struct db_anomaly *anomalies, size_t n_anomalies,
		 int64_t *id_out, struct err *e);
int db_scene_get(struct db *db, int64_t id, struct db_scene *out,
		 struct err *e);
/* Scenes acquired in [from_ms, to_ms), newest first. */
int db_scene_list(struct db *db, int64_t from_ms, int64_t to_ms,
		  int (*each)(const struct db_scene *s, void *ctx), void *ctx,
		  struct err *e);
/* The newest scene of a kind acquired before before_ms; ERR_NOT_FOUND if none. */
int db_scene_newest(struct db *db, const char *kind, int64_t before_ms,
		    struct db_scene *out, struct err *e);
/* The statistics of one index in one scene, plot by plot in code order. */
int db_scene_stats(struct db *db, int64_t scene, const char *index,
		   int (*each)(const struct db_scene_stat *st, void *ctx),
		   void *ctx, struct err *e);

/* One entry of a plot's series: a scene and the plot's statistics in it. */
struct db_index_point {
	int64_t scene;
	int64_t acquired_ms;
	char kind[DB_SCENE_KIND_MAX];
	char source[DB_NAME_MAX];
	struct db_scene_stat stat;
};

/* A plot's statistics of an index over scenes in [from_ms, to_ms), oldest first. */
int db_index_series(struct db *db, const char *plot, const char *index,
		    int64_t from_ms, int64_t to_ms,
		    int (*each)(const struct db_index_point *p, void *ctx),
		    void *ctx, struct err *e);
/*
 * For every plot, its latest value (mean) of index in a scene of this kind
 * acquired in [since_ms, before_ms) with at least one valid pixel.  The
 * window bounds the work: only the scenes inside it are read.
 */
int db_index_previous(struct db *db, const char *index, const char *kind,
		      int64_t since_ms, int64_t before_ms,
		      int (*each)(const struct db_index_point *p, void *ctx),
		      void *ctx, struct err *e);
/* Anomalies of a scene (0: any) and/or a plot (NULL: any), newest first. */
int db_anomaly_list(struct db *db, int64_t scene, const char *plot,
		    int (*each)(const struct db_anomaly *a, void *ctx),
		    void *ctx, struct err *e);
/* ---- fleet: machinery equipment and camera snapshots ---------------------- */

#define DB_IMPLEMENT_MAX 32
#define DB_URL_MAX 512

/* What a device carries: a machine's implement and swath, a camera's stream. */
struct db_equipment {
	char device[DB_NAME_MAX];
	char implement[DB_IMPLEMENT_MAX]; /* "" unless set */
	double swath_m;                   /* working width; NAN unless set */
	char stream_url[DB_URL_MAX];      /* "" unless set */
	int64_t updated_ms;
};

/* Set (replace) a device's equipment; ERR_NOT_FOUND for an unknown device. */
int db_equipment_set(struct db *db, const struct db_equipment *q,
		     struct err *e);
/* ERR_NOT_FOUND when the device has none. */
int db_equipment_get(struct db *db, const char *device,
		     struct db_equipment *out, struct err *e);
int db_equipment_list(struct db *db,
		      int (*each)(const struct db_equipment *q, void *ctx),
		      void *ctx, struct err *e);

struct db_snapshot {
	int64_t id;
	char device[DB_NAME_MAX];
	int64_t taken_ms;
	unsigned width, height;
	size_t len;
	void *jpeg;                 /* heap (db_snapshot_get) or NULL (lists) */
};

void db_snapshot_free(struct db_snapshot *s);
/*
 * Store a snapshot and keep only the newest `keep` of its device, in one
 * transaction; ERR_NOT_FOUND for an unknown device.
 */
int db_snapshot_add(struct db *db, const struct db_snapshot *s, size_t keep,
		    int64_t *id_out, struct err *e);
/* One snapshot by id, or the newest when id is 0; ERR_NOT_FOUND. */
int db_snapshot_get(struct db *db, const char *device, int64_t id,
		    struct db_snapshot *out, struct err *e);
/* A device's snapshots, newest first, without their bytes. */
int db_snapshot_list(struct db *db, const char *device,
		     int (*each)(const struct db_snapshot *s, void *ctx),
		     void *ctx, struct err *e);
/* ---- alerts (alert/) ------------------------------------------------------ */

/* A monitoring rule is stored as its JSON text (alert/rules.c's form). */
int db_alert_rule_save(struct db *db, int64_t id, const char *body,
		       int64_t now_ms, int64_t *id_out, struct err *e);
int db_alert_rule_delete(struct db *db, int64_t id, struct err *e);
int db_alert_rule_list(struct db *db,
		       int (*each)(int64_t id, const char *body, void *ctx),
		       void *ctx, struct err *e);

#define DB_ALERT_DETAIL_MAX 4096
struct db_alert {
	int64_t id;
	int64_t rule_id;
	char subject[DB_NAME_MAX * 2];  /* device, plot or device/metric */
	char plot[DB_CODE_MAX];
	char severity[16];
	char state[16];                 /* open, acknowledged, closed */
	char message[DB_TEXT_MAX * 2];
	double value;                   /* NAN: none */
	int64_t opened_ms;
	char acked_by[DB_NAME_MAX + 16];
	int64_t acked_ms;
	char ack_comment[DB_TEXT_MAX * 2];
	int64_t closed_ms;
	char closed_by[DB_NAME_MAX + 16];
	int64_t notified_ms;
	bool escalated;
	int64_t snapshot_id;            /* a camera's snapshot at opening; 0 none */
	char snapshot_camera[DB_NAME_MAX]; /* whose snapshot ("" none) */
	/* what it says, structured: {"code":..,"params":{..}} JSON, or "" */
	char detail[DB_ALERT_DETAIL_MAX];
};

/* Record the camera snapshot alert id carries; ERR_NOT_FOUND naming it. */
int db_alert_set_snapshot(struct db *db, int64_t id, const char *camera,
			  int64_t snapshot_id, struct err *e);

/*
 * Open an alert (state open).  ERR_EXISTS when the rule already has an
 * alert not closed on this subject: one open alert per rule and subject.
 */
int db_alert_open(struct db *db, const struct db_alert *a, int64_t *id_out,
		  struct err *e);
int db_alert_get(struct db *db, int64_t id, struct db_alert *out,
		 struct err *e);
/*
 * Store a's state, acknowledgement, closing and notification fields, but
 * only if the alert is still in one of the states in from (space-separated,
 * e.g. "open acknowledged"): a compare-and-set, so that of two racing
 * changes read from the same state only one lands.  ERR_NOT_FOUND when
 * the alert is in none of them (it moved on) or does not exist.  The
 * notification fields only move forward: notified_ms and escalated never
 * decrease, and the severity changes only with the escalation.
 */
int db_alert_update(struct db *db, const struct db_alert *a, const char *from,
		    struct err *e);

struct db_alert_filter {
	const char *state;   /* NULL any; "active": open or acknowledged */
	const char *plot;    /* NULL any */
	int64_t from, to;    /* opened within; 0: unbounded */
	int64_t rule_id;     /* 0 any */
	size_t limit;        /* 0: 1000 */
};

/* Alerts matching f, newest first. */
int db_alert_list(struct db *db, const struct db_alert_filter *f,
		  int (*each)(const struct db_alert *a, void *ctx), void *ctx,
		  struct err *e);
/* A webhook delivery that failed its last retry. */
int db_alert_dead_letter(struct db *db, int64_t alert_id, const char *url,
			 const char *payload, int attempts, const char *error,
			 int64_t at_ms, struct err *e);
/* How many dead letters there are. */
int db_alert_dead_letter_count(struct db *db, int64_t *out, struct err *e);

/* ---- the connection pool -------------------------------------------------- */

/*
 * Every db_* call borrows one connection for its duration; a thread holds
 * one at a time (a row iterator's callback runs after its connection went
 * back, so it may call the store again).  Size the pool to the threads that
 * may call the store at once, so that no call ever waits for a connection;
 * a call that still waits longer than wait_ms (0: 10 s) fails with
 * ERR_UNAVAILABLE.  The default is DB_POOL_DEFAULT connections.  A new
 * size applies from the next call (a smaller one closes nothing).
 */
#define DB_POOL_DEFAULT 8
#define DB_POOL_MAX 1024
int db_pool_config(struct db *db, unsigned connections, unsigned wait_ms,
		   struct err *e);

/*
 * How long the calling thread's store calls keep riding out a store that
 * cannot be reached (a PostgreSQL failover: db/pg_retry.h) before failing
 * with ERR_UNAVAILABLE: ms, or 0 for the store's own window (30 s).  For a
 * caller with a fallback that must answer quickly (the token cache during
 * an outage).  SQLite never waits so.
 */
void db_thread_patience(unsigned ms);

struct db_pool_stats {
	unsigned connections;  /* the pool's size */
	unsigned open;         /* connections open now */
	uint64_t waits;        /* calls that found every connection in use */
	uint64_t timeouts;     /* calls that gave up waiting (ERR_UNAVAILABLE) */
	uint64_t opened;       /* connections opened since the store was */
};
void db_pool_stats(struct db *db, struct db_pool_stats *out);

/* ---- many nodes on one store: leases, notifications (docs/CLUSTER.md) */

/*
 * Take or renew the lease `name` for node (its --node-id) for ttl_ms of the
 * store's clock: *held when the lease was free, expired or already node's.
 * *epoch (the fencing token) grows each time the lease changes hands or
 * comes back after expiring, never while one holder renews it.  On SQLite
 * (one node) every lease is always held, epoch 1.
 */
int db_lease_acquire(struct db *db, const char *name, const char *node,
		     int64_t ttl_ms, bool *held, int64_t *epoch,
		     struct err *e);
/*
 * Give the lease back (it expires now; its epoch stays), or with forget
 * delete it (leases of one use, such as a window's compaction).  Only
 * node's lease is touched.
 */
int db_lease_release(struct db *db, const char *name, const char *node,
		     bool forget, struct err *e);
/*
 * Call each with the name of every lease starting with prefix that has
 * expired (the store's clock), in name order; a non-zero return stops and
 * is returned.  On SQLite (one node) none ever expires.
 */
int db_lease_expired(struct db *db, const char *prefix,
		     int (*each)(const char *name, void *ctx), void *ctx,
		     struct err *e);
/*
 * Send payload (under 8000 bytes) to every listener of channel, in its own
 * transaction (PostgreSQL NOTIFY).  ERR_UNSUPPORTED on SQLite.
 */
int db_notify(struct db *db, const char *channel, const char *payload,
	      struct err *e);
/*
 * A listener of one channel: a connection of its own, taken from the pool
 * for its whole life by the thread that opens it; that thread waits on it
 * and closes it.  ERR_UNSUPPORTED on SQLite.
 */
struct db_listener;
int db_listen(struct db *db, const char *channel, struct db_listener **out,
	      struct err *e);
/*
 * Wait up to timeout_ms for notifications and call each for every one
 * received.  ERR_UNAVAILABLE when the connection broke (close, listen
 * again).
 */
int db_listener_wait(struct db_listener *l, int timeout_ms,
		     int (*each)(const char *payload, void *ctx), void *ctx,
		     struct err *e);
void db_listener_close(struct db_listener *l);
/*
 * The stored newest point of n series: out[i].series = series[i], ts
 * INT64_MIN when it has none.
 */
int db_latest_get(struct db *db, const int64_t *series, size_t n,
		  struct db_latest *out, struct err *e);

/* ---- sites: the installation's farm and PV plants (sqlite_sites.c) ------- */

/*
 * An installation has sites; the base it had before sites existed is the
 * default site, code DB_SITE_DEFAULT, and every device and plot belongs to
 * one (the default unless assigned).  kind is "farm" or "pv_plant"; tz an
 * IANA time zone name; facts a JSON object of key/value text.
 */
#define DB_SITE_DEFAULT "base"
#define DB_TZ_MAX 64

struct db_site {
	char code[DB_CODE_MAX];
	char name[DB_TEXT_MAX];
	char kind[16];
	char tz[DB_TZ_MAX];
	double lon, lat, alt_m;     /* NAN when unknown */
	char *boundary;             /* GeoJSON geometry text, or NULL (heap) */
	char *facts;                /* JSON object text, or NULL: {} (heap) */
	bool is_default;
	int64_t created_ms, updated_ms;
};

/* Free the heap fields of a site (not the struct). */
void db_site_free(struct db_site *s);

/* ERR_EXISTS if the code is taken. */
int db_site_create(struct db *db, const struct db_site *s, struct err *e);
/* Replace every field but code, is_default and created_ms; ERR_NOT_FOUND. */
int db_site_update(struct db *db, const struct db_site *s, struct err *e);
int db_site_get(struct db *db, const char *code, struct db_site *out,
		struct err *e);
/* Every site, default first then by code (collect, then act). */
int db_site_list(struct db *db,
		 int (*each)(const struct db_site *s, void *ctx), void *ctx,
		 struct err *e);
/*
 * Move devices (what "device") or plots (what "plot") to a site, in one
 * transaction; ERR_NOT_FOUND naming the first unknown site or id.
 */
int db_site_assign(struct db *db, const char *site, const char *what,
		   const char *const *ids, size_t n, struct err *e);
/* The ids of a site's devices or plots (what as above), in id order. */
int db_site_members(struct db *db, const char *site, const char *what,
		    int (*each)(const char *id, void *ctx), void *ctx,
		    struct err *e);

/* ---- PV equipment of a pv_plant site (sqlite_sites.c) ----------------- */

/*
 * A piece of a PV plant: block, inverter, combiner box, string, tracker,
 * export meter or met station, each a device of the same id (kind
 * "pv_block", "pv_inverter", ...), so its points arrive by the ordinary
 * ingest paths.  parent is the id above it ("" at the top); met_station
 * the station whose irradiance and temperatures its expected power uses.
 * Numbers are NAN when not given.
 */
struct db_pv_equipment {
	char id[DB_NAME_MAX];
	char site[DB_CODE_MAX];
	char kind[DB_KIND_MAX];
	char parent[DB_NAME_MAX];
	char name[DB_TEXT_MAX];
	char subtype[16];           /* inverter: central or string */
	char met_station[DB_NAME_MAX];
	double kwp_dc, kw_ac;
	int64_t module_count;       /* 0: not given */
	double gamma_pdc;
	double tilt, azimuth;
	double axis_tilt, axis_azimuth, max_angle, gcr;
	double lon, lat;
};

/*
 * Store a site's layout in one transaction: each row's device is created
 * (or moved to the site, its kind and name updated) and its equipment row
 * inserted or replaced; now_ms is a new device's creation time.  Counts
 * rows added and updated.
 */
int db_pv_import(struct db *db, const char *site,
		 const struct db_pv_equipment *rows, size_t n, int64_t now_ms,
		 size_t *added, size_t *updated, struct err *e);
/* A site's equipment, in id order (collect, then act). */
int db_pv_equipment_list(struct db *db, const char *site,
			 int (*each)(const struct db_pv_equipment *q, void *ctx),
			 void *ctx, struct err *e);

/* ---- files: previews and other files every node sees (sqlite_files.c, pg_files.c) */

/*
 * A small blob store: files keyed by a path-like name
 * ("imagery/scene-1752556200000-0a1b2c3d/ndvi.tif"), kept in the store
 * itself (a BLOB on SQLite, a bytea on PostgreSQL) so that every node of
 * one store sees them.  Meant for files of a few MB (imagery previews are
 * at most 4 MB); a file is read and written whole, and may not pass
 * DB_FILE_MAX bytes.
 */
#define DB_FILE_NAME_MAX 256
#define DB_FILE_MAX (INT64_C(256) << 20)

struct db_file {
	char name[DB_FILE_NAME_MAX];
	int64_t size;               /* bytes */
	char sha256[65];            /* hex digest of the content */
	int64_t created_ms;
	void *data;                 /* heap (db_file_get) or NULL (listings) */
};

void db_file_free(struct db_file *f);
/* Store a file, replacing the one of that name; ERR_INVALID for a bad name or size. */
int db_file_put(struct db *db, const char *name, const void *data, size_t len,
		int64_t created_ms, struct err *e);
/* A file with its bytes (release with db_file_free); ERR_NOT_FOUND. */
int db_file_get(struct db *db, const char *name, struct db_file *out,
		struct err *e);
/* ERR_NOT_FOUND when there is no such file. */
int db_file_delete(struct db *db, const char *name, struct err *e);
/* The files whose name starts with prefix ("": all), in name order, without their bytes. */
int db_file_list(struct db *db, const char *prefix,
		 int (*each)(const struct db_file *f, void *ctx), void *ctx,
		 struct err *e);

/* ---- copying a whole store, table by table (oasis migrate) ---------------- */

/*
 * The tables of a store, parents before children, with their columns (the
 * same names on every backend).  A copy reads each table of one store and
 * writes its rows into another as they are, ids included, so that every
 * reference and every id shown to users stays the same.
 */
struct db_table {
	const char *name;
	const char *columns;        /* "id, name, role, ..." */
	int64_t fresh_rows;         /* rows a new store starts with (sites: the base) */
};
extern const struct db_table db_tables[]; /* ends with { NULL, NULL, 0 } */

enum db_value_kind {
	DB_VALUE_NULL, DB_VALUE_INT, DB_VALUE_REAL, DB_VALUE_TEXT, DB_VALUE_BLOB
};

struct db_value {
	enum db_value_kind kind;
	int64_t i;
	double d;
	void *p;                    /* heap: text (NUL-terminated) or bytes */
	size_t len;
};

/* A batch of rows: row r's column c is v[r * n_cols + c]. */
struct db_rows {
	size_t n_rows, n_cols;
	struct db_value *v;         /* heap */
	size_t bytes;               /* of text and bytes */
};

void db_rows_free(struct db_rows *r);
/* ERR_INVALID naming a table that is not in db_tables. */
int db_rows_count(struct db *db, const char *table, int64_t *out,
		  struct err *e);
/*
 * The rows of table after position *pos (0: from the first), in a stable
 * order, at most limit of them and not much more than max_bytes; *pos
 * moves past them.  No rows (n_rows 0): the table is done.
 */
int db_rows_read(struct db *db, const char *table, int64_t *pos,
		 size_t limit, size_t max_bytes, struct db_rows *out,
		 struct err *e);
/* Insert the rows (columns as in db_tables) in one transaction. */
int db_rows_write(struct db *db, const char *table, const struct db_rows *r,
		  struct err *e);
/* Empty every table of db_tables (a copy starting over). */
int db_rows_clear(struct db *db, struct err *e);
/* After a copy: the store's id counters move past the ids copied in. */
int db_rows_finish(struct db *db, struct err *e);

/* ---- work orders (运维工单) of the sites (sqlite_workorders.c) ---------- */

/*
 * A ticket a technician works: made from an alert or from scratch, on a
 * site and optionally one piece of equipment.  States open, assigned,
 * in_progress, done (the service checks the transitions); version is the
 * compare-and-set token every update must name.
 */
struct db_workorder {
	int64_t id;
	char site[DB_CODE_MAX];
	char equipment[DB_NAME_MAX];    /* "" none */
	int64_t alert_id;               /* 0 none */
	char title[DB_TEXT_MAX * 2];
	char state[16];
	char assignee[DB_NAME_MAX];     /* a user's name; "" none */
	char created_by[DB_NAME_MAX];
	int64_t version;                /* 1 on creation, +1 per update */
	int64_t created_ms, updated_ms;
	int64_t closed_ms;              /* 0 while not done */
	double energy_lost_kwh;         /* NAN: unknown */
};

/* A listing's filters; NULL or "" any. */
struct db_workorder_filter {
	const char *site, *state, *assignee;
};

struct db_workorder_comment {
	int64_t id;
	int64_t workorder;
	char author[DB_NAME_MAX];
	char body[DB_TEXT_MAX * 8];
	int64_t snapshot_id;            /* a camera snapshot; 0 none */
	int64_t at_ms;
};

/* Store w (its id ignored, version 1); *id_out gets the new id. */
int db_workorder_create(struct db *db, const struct db_workorder *w,
			int64_t *id_out, struct err *e);
int db_workorder_get(struct db *db, int64_t id, struct db_workorder *out,
		     struct err *e);
/* Newest first (collect, then act). */
int db_workorder_list(struct db *db, const struct db_workorder_filter *f,
		      int (*each)(const struct db_workorder *w, void *ctx),
		      void *ctx, struct err *e);
/*
 * Write w's state, assignee, updated_ms, closed_ms and energy_lost_kwh if
 * the stored version is still w->version, and bump it: ERR_EXISTS (a
 * conflict) naming both versions when another update came first,
 * ERR_NOT_FOUND when there is no such work order.
 */
int db_workorder_update(struct db *db, const struct db_workorder *w,
			struct err *e);
/* ERR_NOT_FOUND when c->workorder does not exist. */
int db_workorder_comment_add(struct db *db,
			     const struct db_workorder_comment *c,
			     int64_t *id_out, struct err *e);
/* A work order's comments, oldest first. */
int db_workorder_comments(struct db *db, int64_t workorder,
			  int (*each)(const struct db_workorder_comment *c,
				      void *ctx),
			  void *ctx, struct err *e);

#endif
