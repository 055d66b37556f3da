/* The insides of the alert service, shared by alerts.c and alerts_watch.c. */
#ifndef OASIS_ALERT_ALERTS_INTERNAL_H
#define OASIS_ALERT_ALERTS_INTERNAL_H

#include <pthread.h>

#include "alert/alerts.h"
#include "alert/eval.h"
#include "alert/freshness.h"
#include "pv/spa.h"
#include "pv/strings.h"
#include "pv/health.h"
#include "pv/tracking.h"
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
	int64_t sown_ms;              /* its sowing day; 0 unknown */
	int64_t season_ms;            /* its crop's longest season (FAO-56) */
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
	bool area;                    /* weather of the base: one alert a rule */
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
	int metric;                   /* index in metrics */
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
	char severity[16];            /* "" the rule's */
	char detail[DB_ALERT_DETAIL_MAX]; /* the structured text, or "" */
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

/*
 * The PV plants as the PV alarms see them (alerts_pv.c): a node per piece
 * whose points or links they judge, read from the equipment registry.
 */
enum mon_pv_role {
	MON_PV_INVERTER,   /* p_ac, judged against its station's poa_global */
	MON_PV_STATION,    /* poa_global; links: the inverters it serves */
	MON_PV_STRING,     /* string_current, against its box's median */
	MON_PV_BOX,        /* no metric; links: its strings */
	MON_PV_TRACKER,    /* tracker_angle, against pv_singleaxis */
	MON_PV_ROLES_
};

struct mon_pv_node {
	char id[DB_NAME_MAX];
	enum mon_pv_role role;
	int link;                     /* inverter: station; string: box; -1 */
	size_t first, n;              /* station, box: links[first .. +n) */
	double value;                 /* the latest of the role's metric */
	int64_t ts;                   /* its time; 0: none yet */
	struct pv_tracker geo;        /* tracker */
	struct pv_spa_site site;      /* tracker, station: where it stands */
	bool located;                 /* site known */
	int twin;                     /* station: the one it is held against */
	double ghi;                   /* station: the latest ghi */
	int64_t ghi_ts;
	struct pv_stuck stuck[2];     /* station: poa_global, ghi */
};

struct mon_pv {
	struct mon_pv_node *nodes;
	size_t n;
	int *links;                   /* node indices, grouped per station/box */
	size_t n_links;
	size_t box_max;               /* the most strings of one box */
	double *scratch;              /* 4 x box_max doubles */
	enum pv_string_status *status;
	struct smap index;            /* id -> node + 1 */
	int metric[MON_PV_ROLES_];    /* index in metrics of each role's; -1 */
	int metric_ghi;               /* a station's second metric */
	int64_t loaded_ms;            /* 0: never */
	bool dirty;                   /* read the registry again: rules changed */
	bool unknown;                 /* a PV device it does not hold was heard */
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
	bool priming;                 /* alerts_prime: coalesce, do not flush */
	struct mon_queue queue;
	struct mon_pv pv;             /* under lock */
	void (*on_daily)(void *ctx, int64_t now);  /* under lock */
	void *on_daily_ctx;
	int64_t daily_ms;             /* its last call */
};

int64_t alerts__now(struct alerts *a);
/* Under the lock: the device's index (loaded from the store if new), or -1. */
int alerts__device(struct alerts *a, const char *id,
				  const char *plot);
int alerts__plot(struct alerts *a, const char *code);
/*
 * Under the lock: the state of rule on subject (made if new), or NULL.
 * plot MON_AREA: a weather station's, whose alert is the base's (the
 * rule's area subject, no plot).
 */
#define MON_AREA (-2)
struct mon_subject *alerts__subject(struct alerts *a, int rule,
				    const char *subject, int plot);
/* Under the lock: queue a raise or clear. */
void alerts__act(struct alerts *a, bool raise, int rule, const char *subject,
		 int plot, double value, const char *message);
/*
 * The same with what the alert says structured (detail, JSON text, may be
 * NULL) and a severity other than the rule's (NULL: the rule's).
 */
void alerts__act_detail(struct alerts *a, bool raise, int rule,
			const char *subject, int plot, double value,
			const char *message, const char *detail,
			const char *severity);
/* Under the lock: is an alert of rule_id on subject not closed? */
bool alerts__is_active(struct alerts *a, int64_t rule_id, const char *subject);
/*
 * alerts_say.c, under the lock: a threshold, raw or stuck subject's raise
 * or clear (its value v at ts), worded in English and structured, and for
 * a weather subject (area) made one alert of the base per rule.
 */
void alerts__say_change(struct alerts *a, struct mon_subject *s, bool raise,
			int64_t ts, double v);
/* Does a point of metric on a device of kind tell the base's weather? */
bool alerts__weather(const char *kind, const char *metric);
/* The alert subject of a weather rule: its station if it names one, else "base". */
const char *alerts__area_subject(const struct alert_rule *r);
/* A detail {"code":code,"params":params} as text in out (params stolen). */
void alerts__detail(const char *code, json_t *params, char *out, size_t size);
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
/* Under the lock: the index of a metric name (added if new), or -1. */
int alerts__metric(struct alerts *a, const char *name);
/*
 * alerts_pv.c.  Without the lock, on the monitoring thread: read the PV
 * plants' registry again when a PV rule exists and it is due (rules or
 * devices changed, or every ALERTS_PV_REFRESH_MS).
 */
void alerts__pv_refresh(struct alerts *a);
/* Under the lock: does the series of b (device, metric) feed a PV rule? */
bool alerts__pv_watches(struct alerts *a, const struct mon_binding *b);
/* Under the lock: a point of such a series, judged by the PV rules. */
void alerts__pv_point(struct alerts *a, const struct mon_binding *b,
		      const struct mon_point *p);
/* Under the lock: a PV device was learned (the registry may have changed). */
void alerts__pv_learned(struct alerts *a, int dev);
void alerts__pv_free(struct mon_pv *pv);
int alerts__queue_start(struct alerts *a);
/* Evaluate what is queued, then stop the monitoring thread. */
void alerts__queue_stop(struct alerts *a);
void alerts__queue_free(struct alerts *a);
void alerts__timer_start(struct alerts *a);
void alerts__timer_stop(struct alerts *a);

#endif
