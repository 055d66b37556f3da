/* The insides of the alert service, shared by alerts.c and alerts_watch.c. */
#ifndef OASIS_ALERT_ALERTS_INTERNAL_H
#define OASIS_ALERT_ALERTS_INTERNAL_H

#include <pthread.h>

#include "alert/alerts.h"
#include "alert/eval.h"
#include "alert/freshness.h"
#include "util/map.h"

/* A device as the monitoring knows it. */
struct mon_device {
	char id[DB_NAME_MAX];
	char kind[DB_KIND_MAX];
	int plot;                     /* index in plots, -1 none */
	struct eval_cadence cadence;
};

struct mon_plot {
	char code[DB_CODE_MAX];
	char crop[DB_TEXT_MAX / 2];
	double fc, wp;                /* m3/m3, NAN unknown */
	int n_devices;
	int64_t last[FRESH_N_];       /* newest data per source; 0 none */
	int64_t last_any;             /* newest of any of its devices */
	double flow;                  /* newest flow on the plot */
	int64_t flow_ts;
};

/* The state of one rule on one subject. */
struct mon_subject {
	struct eval_state st;
	/* what evaluating a point needs of the rule, kept here, together */
	enum alert_kind kind;
	int n_cond;
	int64_t for_ms, window_ms;
	int rule;                     /* index in rules */
	int plot;
	struct alert_cond cond[ALERT_MAX_CONDS]; /* effective (raw: from soil) */
	char subject[DB_NAME_MAX * 2];
};

/* What a series is, kept while the service runs (rules come and go). */
struct mon_series {
	int dev;                      /* index in devices */
	int metric;                   /* index in metrics */
	bool flow;                    /* its metric is "flow" (valves watch it) */
};

/* What a series' points touch: its device, and (subject, condition) pairs. */
struct mon_binding {
	int dev;                      /* index in devices */
	bool flow;
	int n;
	struct { struct mon_subject *s; int cond; } *to;
};

/* An alert not closed, as the clock needs it. */
struct mon_active {
	int64_t id, rule_id;
	char key[DB_NAME_MAX * 3];    /* "rule_id/subject" */
	int64_t opened_ms, notified_ms;
	bool acked, escalated;
};

/* A valve open waiting for flow. */
struct mon_valve {
	char device[DB_NAME_MAX];
	int plot;
	int64_t due_ms, since_ms;
};

/* A change decided under the lock, carried out after it. */
struct mon_action {
	bool raise;
	struct alert_rule rule;       /* a copy: rules may change before flush */
	char subject[DB_NAME_MAX * 2];
	int plot;
	double value;
	char message[DB_TEXT_MAX * 2];
};

/* A durable point waiting for the monitoring thread. */
struct mon_point {
	int64_t series, ts;
	double value;
	bool remote;                  /* relayed by another node (cluster) */
};

/* A series the queue had not seen: its names, sent once. */
struct mon_name {
	int64_t series;
	char device[DB_NAME_MAX];
	char metric[DB_NAME_MAX];
	char plot[DB_CODE_MAX];
};

/*
 * The queue between the writers (alerts_observe, on the acknowledgement
 * path) and the monitoring thread, which swaps the filled arrays with its
 * empty ones and evaluates them in slices.  seen tells, per series, what
 * to queue of its points (MON_* below, classified by the monitoring thread
 * once per series): every point of a series some rule watches (or flow,
 * which valves watch), of the others only a point newer than any queued
 * of its device (the device's freshness and cadence need no more).
 * Lock order: the alerts' lock before the queue's.
 */
enum { MON_PENDING = 1, MON_WATCH = 2, MON_QUIET = 3 /* + device index */ };
/* Series ids are the store's row ids, dense from 1: an array up to here. */
#define MON_DENSE (1 << 22)

struct mon_queue {
	pthread_mutex_t lock;
	pthread_cond_t work, room, done;
	struct mon_point *pts, *out;  /* being filled; being evaluated */
	size_t n, cap, cap_out;
	struct mon_name *names, *out_names;
	size_t n_names, cap_names, cap_out_names;
	uint32_t *seen;               /* series id -> MON_*, ids < MON_DENSE */
	size_t n_seen;
	struct imap seen_far;         /* larger ids -> MON_* as a pointer */
	int64_t *dev_last;            /* per device: newest ts of its quiet points */
	size_t cap_dev_last;
	size_t max;                   /* points waiting at most */
	uint64_t seq, done_seq;       /* records queued; evaluated */
	size_t n_taken;               /* points being evaluated */
	uint64_t evaluated, dropped, dropped_unlogged;
	int64_t dropped_logged_ms;
	pthread_t thread;
	bool started, stop;
};

struct alerts {
	struct db *db;
	struct events *events;
	struct notify *notify;
	void (*on_open)(const struct db_alert *al, void *ctx); /* under lock */
	void *on_open_ctx;
	struct alerts_opts o;
	int64_t started_ms;
	pthread_mutex_t lock;
	pthread_mutex_t flush_lock;   /* one alerts__flush at a time, in order */
	struct alert_rule *rules;
	size_t n_rules;
	struct mon_device *devices;
	size_t n_devices, cap_devices;
	struct smap device_index;     /* id -> index + 1 */
	struct mon_plot *plots;
	size_t n_plots, cap_plots;
	struct smap plot_index;       /* code -> index + 1 */
	struct imap series;           /* series -> struct mon_series * */
	char **metrics;               /* the metric names seen, each once */
	size_t n_metrics, cap_metrics;
	struct smap metric_index;     /* name -> index + 1 */
	struct imap bindings;         /* series -> struct mon_binding * */
	struct mon_subject **subjects;
	size_t n_subjects, cap_subjects;
	struct smap subject_index;    /* "rule_id/subject" -> index + 1 */
	struct mon_active *active;
	size_t n_active, cap_active;
	struct mon_valve *valves;
	size_t n_valves, cap_valves;
	struct mon_action *actions;   /* pending, under the lock */
	size_t n_actions, cap_actions;
	pthread_t timer;
	pthread_cond_t stop_cond;
	bool stop, timer_started;
	struct mon_queue queue;
};

int64_t alerts__now(struct alerts *a);
/* Under the lock: the device's index (loaded from the store if new), or -1. */
int alerts__device(struct alerts *a, const char *id,
				  const char *plot);
int alerts__plot(struct alerts *a, const char *code);
/* Under the lock: the state of rule on subject (made if new), or NULL. */
struct mon_subject *alerts__subject(struct alerts *a, int rule,
				    const char *subject, int plot);
/* Under the lock: queue a raise or clear. */
void alerts__act(struct alerts *a, bool raise, int rule, const char *subject,
		 int plot, double value, const char *message);
/* Under the lock: forget an alert not closed (it was closed). */
void alerts__drop_active(struct alerts *a, int64_t id);
/* Without the lock: carry out the queued actions. */
void alerts__flush(struct alerts *a);
/* Under the lock: drop every binding and subject (rules changed). */
void alerts__unbind(struct alerts *a);
/*
 * On the monitoring thread, without the lock: learn the series named, then
 * evaluate the points, in order.
 */
void alerts__evaluate(struct alerts *a, const struct mon_name *names,
		      size_t n_names, const struct mon_point *pts, size_t n);
/* Under the lock (and taking the queue's): what to queue of a series. */
void alerts__classify(struct alerts *a, int64_t series, uintptr_t what);
/* Under the lock: every series to be classified again (rules changed). */
void alerts__forget_classes(struct alerts *a);
int alerts__queue_start(struct alerts *a);
/* Evaluate what is queued, then stop the monitoring thread. */
void alerts__queue_stop(struct alerts *a);
void alerts__queue_free(struct alerts *a);
void alerts__timer_start(struct alerts *a);
void alerts__timer_stop(struct alerts *a);

#endif
