/*
 * alerts: the 24-hour monitoring service.
 *
 * It keeps the rules (stored in the store, surviving restarts), watches the
 * points as ingestion makes them durable (alerts_observe, the ingest
 * observer) and the valve commands (alerts_on_valve), runs a clock for
 * what only time reveals (silent devices, plots with no data, late sources,
 * valves open without flow, repeats and escalation), and moves alerts
 * through their life: open -> acknowledged (who, when, comment) -> closed
 * (automatically when the condition clears past its hysteresis, or by
 * hand).  One alert at most is open per rule and subject (device or plot),
 * which the store enforces, so a restart never raises one twice.  Every
 * change is published on the live stream ("alert" events with the plot)
 * and sent to the webhook.
 *
 * Evaluation is off the acknowledgement path: the observer only queues the
 * points (those of series some rule watches; of the others, what the
 * devices' freshness needs) and a monitoring thread evaluates them in
 * batches, in order.  A full queue holds the writer at most
 * ALERTS_QUEUE_WAIT_MS, then drops the points it cannot queue, counted
 * (alerts_stats, /api/v1/metrics) and logged.  Reads of alerts first let
 * the queue drain (alerts_settle), so a reader sees what every point
 * acknowledged before the read raised.
 *
 * Evaluation is incremental: a series is bound, on its first point, to the
 * rules that concern it (by metric, device, plot, crop); each later point
 * touches only those.  A change of rules drops the bindings.
 *
 * The clock is injectable (opts.now) and the timer can be off (tick_ms 0)
 * so that tests call alerts_tick with the time they choose.
 */
#ifndef OASIS_ALERT_ALERTS_H
#define OASIS_ALERT_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "alert/notify.h"
#include "alert/rules.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "util/err.h"
#include "util/events.h"

struct alerts;

struct alerts_opts {
	int64_t (*now)(void *ctx);   /* NULL: the system clock */
	void *now_ctx;
	int64_t tick_ms;             /* the timer's period; 0: no timer */
	int64_t max_age_ms;          /* older points are not evaluated; 0: 1 d */
	size_t queue_max;            /* points waiting at most; 0: 262,144 */
	/*
	 * One of several nodes (docs/CLUSTER.md): the rules that need a
	 * series' readings in order (a duration, stuck, several conditions)
	 * are evaluated by the holder of DUTY_ALERTS alone; the other nodes
	 * hand it their readings of those series (events_relay "readings",
	 * given to alerts_observe_remote there).
	 */
	bool cluster;
	struct notify_opts notify;
};

int alerts_open(struct db *db, struct events *ev, const struct alerts_opts *o,
		struct alerts **out, struct err *e);
void alerts_close(struct alerts *a);

/* How long a writer waits at most for room in a full queue, per batch. */
#define ALERTS_QUEUE_WAIT_MS 100

/* The ingest observer (ctx: the alerts): queues the points, returns. */
void alerts_observe(const struct ingest_observed *batch,
		    const struct ts_write *pts, size_t n, void *ctx);
/* The same for points with their names (tests, benchmarks). */
void alerts_observe_points(struct alerts *a, const struct ingest_seen *pts,
			   size_t n);
/*
 * Wait until every point queued before the call is evaluated and its
 * alerts opened or closed, at most timeout_ms; false if time ran out.
 */
bool alerts_settle(struct alerts *a, int64_t timeout_ms);
/* How long a read of alerts waits at most for the queue to drain. */
#define ALERTS_READ_SETTLE_MS 1000

struct alerts_stats {
	uint64_t queued;             /* points waiting now */
	uint64_t evaluated;          /* points evaluated since the start */
	uint64_t dropped;            /* points dropped: the queue was full */
};
void alerts_stats(struct alerts *a, struct alerts_stats *out);
/* The valve observer (ctx: the alerts): a command changed state. */
void alerts_on_valve(const struct db_command *c, const char *plot, void *ctx);

/*
 * For other modules (remote sensing): open an alert of a rule made from
 * template (e.g. "vegetation_anomaly") on plot, with message; the rules of
 * that template whose filters match the plot are used (none: nothing
 * happens, *raised false).  alerts_clear_external closes them.
 */
int alerts_raise_external(struct alerts *a, const char *template_name,
			  const char *plot, const char *message, bool *raised,
			  struct err *e);
/*
 * The same with what the alert says structured: its detail is code
 * template_name with params (borrowed; rule, template and plot added).
 */
int alerts_raise_external_with(struct alerts *a, const char *template_name,
			       const char *plot, const char *message,
			       json_t *params, bool *raised, struct err *e);
int alerts_clear_external(struct alerts *a, const char *template_name,
			  const char *plot, struct err *e);
/*
 * The same for one device (a camera): the alert's subject is the device id,
 * so each device of a plot has its own; rules filtered on that device or
 * on its plot (plot "" or NULL: a device on no plot) are used.
 */
int alerts_raise_device(struct alerts *a, const char *template_name,
			const char *device, const char *plot,
			const char *message, bool *raised, struct err *e);
int alerts_clear_device(struct alerts *a, const char *template_name,
			const char *device, const char *plot, struct err *e);
/* Data of a source ("drone", "satellite") arrived for plot at ts. */
void alerts_source_seen(struct alerts *a, const char *source,
			const char *plot, int64_t ts);

/*
 * Store, without a running service, one rule of each named template with
 * its defaults (a new base's starting set: `oasis demo`).  ERR_INVALID for
 * an unknown template.
 */
int alerts_store_templates(struct db *db, const char *const *names, size_t n,
			   int64_t now, struct err *e);

/* ---- the PV plants' daily alarms (alerts_pv.c) --------------------- */

struct pv_drop;
struct pv_soiling;

/*
 * The history the enabled pv_pr_drop and pv_soiling rules need, in days
 * (the largest window_s of each; 0: no such rule).  False when neither.
 */
bool alerts_pv_daily_windows(struct alerts *a, int *drop_days,
			     int *soiling_days);
/*
 * An inverter's day (date, ending at day_end_ms, the site's midnight),
 * judged by every enabled pv_pr_drop rule (drop, or NULL) and pv_soiling
 * rule (soiling, or NULL) that matches it: opened, kept or cleared.
 */
void alerts_pv_day(struct alerts *a, const char *inverter, const char *date,
		   int64_t day_end_ms, const struct pv_drop *drop,
		   const struct pv_soiling *soiling);
/*
 * fn(ctx, now) is called from the clock at most every
 * ALERTS_DAILY_CHECK_MS, without the lock (pvsite judges each PV site's
 * last complete day there: cli/serve.c registers it, so that alert/ does
 * not call pvsite/).  NULL removes it.
 */
#define ALERTS_DAILY_CHECK_MS (10 * 60 * 1000)
void alerts_on_daily(struct alerts *a, void (*fn)(void *ctx, int64_t now),
		     void *ctx);

/*
 * alerts_prime.c: the first evaluation, on the history.  Evaluate the last
 * hours of every series a rule on points watches (each up to its newest
 * point), carrying out only where each rule and subject ends: what holds
 * at the end of the history is open once this returns.  Call it once,
 * after alerts_open and before the writers start.
 */
struct ts_engine;
int alerts_prime(struct alerts *a, struct ts_engine *ts, struct err *e);

/* Run the clock's checks at now (the timer calls it every tick_ms). */
void alerts_tick(struct alerts *a, int64_t now);

/* ---- rules --------------------------------------------------------------- */

int alerts_rule_create(struct alerts *a, json_t *body, struct alert_rule *out,
		       struct err *e);
int alerts_rule_update(struct alerts *a, int64_t id, json_t *body,
		       struct alert_rule *out, struct err *e);
/* Delete a rule; its open alerts are closed ("rule deleted"). */
int alerts_rule_delete(struct alerts *a, int64_t id, struct err *e);
/*
 * A point another node of a cluster took (its relayed "point" event): only
 * the freshness it shows (the device's cadence, its plot's newest data,
 * the plot's flow) is noted, so that the clock's silent, no-data, stale
 * and no-flow rules, run by one node, see every node's devices.  Rules on
 * values are evaluated by the node that took the point.
 */
void alerts_note_remote(struct alerts *a, const char *device,
			const char *plot, const char *metric, int64_t ts,
			double value);
/*
 * Readings another node relayed ("readings": its points of series bound
 * to rules it leaves to the holder of DUTY_ALERTS; data as sent, JSON):
 * queued and, on the holder, evaluated by those rules only.
 */
void alerts_observe_remote(struct alerts *a, const char *data);
/* Read the rules from the store again (another node of a cluster changed them). */
int alerts_reload_rules(struct alerts *a, struct err *e);
/* Every rule as a JSON array (new reference). */
json_t *alerts_rules_json(struct alerts *a);
int alerts_rule_get(struct alerts *a, int64_t id, struct alert_rule *out,
		    struct err *e);

/* ---- alerts --------------------------------------------------------------- */

/*
 * fn(alert, ctx) is called after each alert opens, on the thread that
 * opened it (the monitoring thread, or a module raising one): it must not
 * block nor call back into the alerts.  The video service uses it to take
 * a snapshot of the plot's camera (registered by cli/serve.c, so that
 * alert/ knows nothing of video/).  NULL removes it.
 */
void alerts_on_open(struct alerts *a,
		    void (*fn)(const struct db_alert *al, void *ctx), void *ctx);
/* Record the camera snapshot alert id carries (its "snapshot"). */
int alerts_set_snapshot(struct alerts *a, int64_t id, const char *camera,
			int64_t snapshot_id, struct err *e);

json_t *alerts_alert_json(const struct db_alert *al);
/*
 * alerts_read.c: reads of the stored alerts, with or without a running
 * service (call alerts_settle first to see every point's effect).  The
 * alerts filter f selects as a JSON array (new reference) in *out.
 */
int alerts_list_json(struct db *db, const struct db_alert_filter *f,
		     json_t **out, struct err *e);
/* One alert; ERR_NOT_FOUND naming the id. */
int alerts_get(struct db *db, int64_t id, struct db_alert *out,
	       struct err *e);
/*
 * The rule templates as a JSON array (new reference): each as the rule it
 * makes, without an id, with its "doc".
 */
json_t *alerts_templates_json(void);
/* Acknowledge an open alert (ERR_INVALID if closed or acknowledged). */
int alerts_ack(struct alerts *a, int64_t id, const char *who,
	       const char *comment, struct db_alert *out, struct err *e);
/* Close an alert by hand. */
int alerts_close_alert(struct alerts *a, int64_t id, const char *who,
		       const char *comment, struct db_alert *out, struct err *e);

/* Freshness of each source of one plot, or of the base (plot NULL). */
json_t *alerts_freshness_json(struct alerts *a, const char *plot,
			      struct err *e);

#endif
