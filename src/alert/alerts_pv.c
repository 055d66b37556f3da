/*
 * The PV park's alarms on live points: pv_inverter_trip, pv_string_low and
 * pv_tracker_stuck judge a point against points of other devices (an
 * inverter's p_ac against its met station's poa_global, a string's current
 * against its combiner box's median, a tracker's angle against the angle
 * the sun and its geometry give), which the per-device conditions of
 * alerts_watch.c cannot.  The links come from the equipment registry
 * (db_pv_equipment_list of every pv_plant site), read on the monitoring
 * thread when a PV rule exists: at the first batch, after a change of
 * rules, when a PV device the registry did not hold is heard from (at most
 * every ALERTS_PV_UNKNOWN_MS), and every ALERTS_PV_REFRESH_MS.
 *
 * Each node keeps the latest value of its metric; a point updates it (an
 * older point than the latest is ignored) and judges the subjects it
 * concerns at the point's time, with the verdicts and the sustained state
 * of alert/pv_eval.c: the inverter (a p_ac point), every inverter of a
 * station (a poa_global point), the string (a string_current point), the
 * tracker (a tracker_angle point).  The hold runs on the data's time, so a
 * back-filled hour judges as it would have live.  One subject per device
 * and rule: the alert's subject is the device id.  docs/PV.md, "Alarms".
 */
#include "alert/alerts_internal.h"
#include "alert/pv_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/irradiance.h"
#include "util/log.h"
#include "util/timeutil.h"

/* The registry is read again at least this often while PV rules exist. */
#define ALERTS_PV_REFRESH_MS (5 * MS_PER_MINUTE)
/* ... and for a PV device it did not hold, at most this often (a park of
 * devices without a layout would have it read at each new series). */
#define ALERTS_PV_UNKNOWN_MS (10 * 1000)

static const char *const role_metric[MON_PV_ROLES_] = {
	"p_ac", "poa_global", "string_current", NULL, "tracker_angle",
};

/* The templates judged here, and the role whose points each judges. */
static bool is_pv_template(const char *name)
{
	return !strcmp(name, "pv_inverter_trip") ||
	       !strcmp(name, "pv_string_low") ||
	       !strcmp(name, "pv_sensor_quality") ||
	       !strcmp(name, "pv_tracker_stuck");
}

static bool pv_rules(const struct alerts *a)
{
	for (size_t i = 0; i < a->n_rules; i++)
		if (a->rules[i].enabled &&
		    is_pv_template(a->rules[i].template_name))
			return true;
	return false;
}

void alerts__pv_free(struct mon_pv *pv)
{
	free(pv->nodes);
	free(pv->links);
	free(pv->scratch);
	free(pv->status);
	smap_free(&pv->index);
	memset(pv, 0, sizeof(*pv));
}

/* ---- reading the registry (without the lock) ---------------------------- */

struct pv_site {
	char code[DB_CODE_MAX];
	double lon, lat, alt_m;
};

struct pv_read {
	struct pv_site *sites;
	size_t n_sites, cap_sites;
	struct db_pv_equipment *rows;      /* the current site's, by id */
	size_t n_rows, cap_rows;
};

static int take_site(const struct db_site *s, void *ctx)
{
	struct pv_read *r = ctx;
	struct pv_site *x;

	if (strcmp(s->kind, "pv_plant"))
		return 0;
	if (r->n_sites == r->cap_sites) {
		size_t cap = r->cap_sites ? 2 * r->cap_sites : 4;
		void *p = realloc(r->sites, cap * sizeof(*r->sites));

		if (!p)
			return ERR_NOMEM;
		r->sites = p;
		r->cap_sites = cap;
	}
	x = &r->sites[r->n_sites++];
	snprintf(x->code, sizeof(x->code), "%s", s->code);
	x->lon = s->lon;
	x->lat = s->lat;
	x->alt_m = s->alt_m;
	return 0;
}

static int take_row(const struct db_pv_equipment *q, void *ctx)
{
	struct pv_read *r = ctx;

	if (r->n_rows == r->cap_rows) {
		size_t cap = r->cap_rows ? 2 * r->cap_rows : 256;
		void *p = realloc(r->rows, cap * sizeof(*r->rows));

		if (!p)
			return ERR_NOMEM;
		r->rows = p;
		r->cap_rows = cap;
	}
	r->rows[r->n_rows++] = *q;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct db_pv_equipment *)a)->id,
		      ((const struct db_pv_equipment *)b)->id);
}

static const struct db_pv_equipment *row_find(const struct pv_read *r,
					      const char *id)
{
	struct db_pv_equipment key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return r->n_rows ? bsearch(&key, r->rows, r->n_rows, sizeof(key),
				   cmp_row) : NULL;
}

/* The block above q ("" at none), as pvsite_daily.c finds it. */
static const char *block_of(const struct pv_read *r,
			    const struct db_pv_equipment *q)
{
	for (int depth = 0; q && depth < 8; depth++) {
		if (!strcmp(q->kind, "pv_block"))
			return q->id;
		q = q->parent[0] ? row_find(r, q->parent) : NULL;
	}
	return "";
}

/*
 * The met station of q, chosen as the daily metrics choose it
 * (pvsite_daily.c, docs/PV.md): its own or an ancestor's met_station, a
 * station of its block, else the site's first; NULL for none.
 */
static const char *station_of(const struct pv_read *r,
			      const struct db_pv_equipment *q)
{
	const char *blk = block_of(r, q);
	const struct db_pv_equipment *p = q;

	for (int depth = 0; p && depth < 8; depth++) {
		if (p->met_station[0])
			return p->met_station;
		p = p->parent[0] ? row_find(r, p->parent) : NULL;
	}
	for (size_t i = 0; blk[0] && i < r->n_rows; i++)
		if (!strcmp(r->rows[i].kind, "pv_met_station") &&
		    !strcmp(block_of(r, &r->rows[i]), blk))
			return r->rows[i].id;
	for (size_t i = 0; i < r->n_rows; i++)
		if (!strcmp(r->rows[i].kind, "pv_met_station"))
			return r->rows[i].id;
	return NULL;
}

static int role_of(const char *kind)
{
	static const char *const kinds[MON_PV_ROLES_] = {
		"pv_inverter", "pv_met_station", "pv_string", "pv_combiner",
		"pv_tracker",
	};

	for (int i = 0; i < MON_PV_ROLES_; i++)
		if (!strcmp(kind, kinds[i]))
			return i;
	return -1;
}

static double or_default(double v, double d)
{
	return isfinite(v) ? v : d;
}

/* Where a tracker or a station stands: its own place, else the site's. */
static void locate(const struct db_pv_equipment *q, const struct pv_site *s,
		   struct mon_pv_node *n)
{
	double lat = isfinite(q->lat) ? q->lat : s->lat;
	double lon = isfinite(q->lon) ? q->lon : s->lon;
	double alt = or_default(s->alt_m, 0);

	n->site = (struct pv_spa_site){
		.latitude = lat, .longitude = lon, .altitude = alt,
		.pressure = pv_alt2pres(alt),
		.temperature = PV_SPA_TEMPERATURE,
		.atmos_refract = PV_SPA_ATMOS_REFRACT,
	};
	n->located = isfinite(lat) && isfinite(lon);
}

static void tracker_of(const struct db_pv_equipment *q,
		       struct mon_pv_node *n)
{
	n->geo = (struct pv_tracker){
		.axis_tilt = or_default(q->axis_tilt, 0),
		.axis_azimuth = or_default(q->axis_azimuth, 180),
		.max_angle = or_default(q->max_angle, 60),
		.backtrack = true,
		.gcr = or_default(q->gcr, 0.35),
		.cross_axis_tilt = 0,
	};
}

static int add_node(struct mon_pv *pv, size_t *cap, const char *id, int role)
{
	struct mon_pv_node *n;

	if (pv->n == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		void *p = realloc(pv->nodes, c * sizeof(*pv->nodes));

		if (!p)
			return ERR_NOMEM;
		pv->nodes = p;
		*cap = c;
	}
	n = &pv->nodes[pv->n];
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	n->role = (enum mon_pv_role)role;
	n->link = -1;
	n->twin = -1;
	if (smap_put(&pv->index, id, (int64_t)pv->n + 1))
		return ERR_NOMEM;
	pv->n++;
	return ERR_OK;
}

static int node_of(const struct mon_pv *pv, const char *id)
{
	int64_t at;

	return id && smap_get(&pv->index, id, &at) ? (int)at - 1 : -1;
}

/*
 * A station's twin, the sensor its readings are held against: another
 * station of its block, else the site's first other station; -1 for none.
 */
static int twin_of(const struct mon_pv *pv, size_t first,
		   const struct pv_read *r, const struct db_pv_equipment *q)
{
	const char *blk = block_of(r, q);
	int other = -1;

	for (size_t i = first; i < pv->n; i++) {
		const struct db_pv_equipment *o;

		if (pv->nodes[i].role != MON_PV_STATION ||
		    !strcmp(pv->nodes[i].id, q->id) ||
		    !(o = row_find(r, pv->nodes[i].id)))
			continue;
		if (blk[0] && !strcmp(block_of(r, o), blk))
			return (int)i;
		if (other < 0)
			other = (int)i;
	}
	return other;
}

/* One site's pieces into pv: the nodes, then their links. */
static int add_site(struct mon_pv *pv, size_t *cap, struct pv_read *r,
		    const struct pv_site *s)
{
	size_t first = pv->n;
	int rc, role;

	if (r->n_rows)
		qsort(r->rows, r->n_rows, sizeof(*r->rows), cmp_row);
	for (size_t i = 0; i < r->n_rows; i++) {
		if ((role = role_of(r->rows[i].kind)) < 0 ||
		    node_of(pv, r->rows[i].id) >= 0)
			continue;
		if ((rc = add_node(pv, cap, r->rows[i].id, role)))
			return rc;
		locate(&r->rows[i], s, &pv->nodes[pv->n - 1]);
		if (role == MON_PV_TRACKER)
			tracker_of(&r->rows[i], &pv->nodes[pv->n - 1]);
	}
	for (size_t i = first; i < pv->n; i++) {
		struct mon_pv_node *n = &pv->nodes[i];
		const struct db_pv_equipment *q = row_find(r, n->id);
		int to;

		if (n->role == MON_PV_INVERTER)
			n->link = node_of(pv, station_of(r, q));
		else if (n->role == MON_PV_STRING &&
			 (to = node_of(pv, q->parent)) >= 0 &&
			 (pv->nodes[to].role == MON_PV_BOX ||
			  pv->nodes[to].role == MON_PV_INVERTER))
			n->link = to;   /* strings straight under an inverter too */
		else if (n->role == MON_PV_STATION)
			n->twin = twin_of(pv, first, r, q);
	}
	return ERR_OK;
}

/* Group the links: each node's dependents at links[first .. first + n). */
static int group_links(struct mon_pv *pv)
{
	size_t at = 0;

	for (size_t i = 0; i < pv->n; i++)
		if (pv->nodes[i].link >= 0)
			pv->nodes[pv->nodes[i].link].n++;
	for (size_t i = 0; i < pv->n; i++) {
		pv->nodes[i].first = at;
		at += pv->nodes[i].n;
		if (pv->nodes[i].role != MON_PV_STATION &&
		    pv->nodes[i].n > pv->box_max)
			pv->box_max = pv->nodes[i].n;
		pv->nodes[i].n = 0;
	}
	pv->n_links = at;
	if (!(pv->links = malloc((at + 1) * sizeof(*pv->links))) ||
	    !(pv->scratch = malloc((4 * pv->box_max + 1) * sizeof(double))) ||
	    !(pv->status = malloc((pv->box_max + 1) * sizeof(*pv->status))))
		return ERR_NOMEM;
	for (size_t i = 0; i < pv->n; i++) {
		struct mon_pv_node *to;

		if (pv->nodes[i].link < 0)
			continue;
		to = &pv->nodes[pv->nodes[i].link];
		pv->links[to->first + to->n++] = (int)i;
	}
	return ERR_OK;
}

/* Every pv_plant site's registry into pv. */
static int pv_read(struct db *db, struct mon_pv *pv, struct err *e)
{
	struct pv_read r = { 0 };
	size_t cap = 0;
	int rc;

	memset(pv, 0, sizeof(*pv));
	if ((rc = db_site_list(db, take_site, &r, e)))
		goto out;
	for (size_t i = 0; i < r.n_sites; i++) {
		r.n_rows = 0;
		if ((rc = db_pv_equipment_list(db, r.sites[i].code, take_row, &r,
					       e)) ||
		    (rc = add_site(pv, &cap, &r, &r.sites[i])))
			goto out;
	}
	rc = group_links(pv);
out:
	if (rc == ERR_NOMEM)
		err_nomem(e);
	free(r.sites);
	free(r.rows);
	return rc;
}

/* Do old and fresh hold the same pieces with the same links? */
static bool pv_same(const struct mon_pv *old, const struct mon_pv *fresh)
{
	if (old->n != fresh->n || !old->loaded_ms)
		return false;
	for (size_t i = 0; i < fresh->n; i++) {
		const struct mon_pv_node *x = &old->nodes[i], *y = &fresh->nodes[i];

		if (strcmp(x->id, y->id) || x->role != y->role ||
		    x->link != y->link)
			return false;
	}
	return true;
}

/* Under the lock: install fresh, keeping the latest values by id. */
static void pv_install(struct alerts *a, struct mon_pv *fresh, int64_t now)
{
	struct mon_pv *old = &a->pv;
	bool same = pv_same(old, fresh);

	for (size_t i = 0; i < fresh->n; i++) {
		int k = node_of(old, fresh->nodes[i].id);

		if (k >= 0 && old->nodes[k].role == fresh->nodes[i].role) {
			struct mon_pv_node *n = &fresh->nodes[i];

			n->value = old->nodes[k].value;
			n->ts = old->nodes[k].ts;
			n->ghi = old->nodes[k].ghi;
			n->ghi_ts = old->nodes[k].ghi_ts;
			memcpy(n->stuck, old->nodes[k].stuck, sizeof(n->stuck));
		}
	}
	for (int r = 0; r < MON_PV_ROLES_; r++)
		fresh->metric[r] = role_metric[r]
			? alerts__metric(a, role_metric[r]) : -1;
	fresh->metric_ghi = alerts__metric(a, "ghi");
	fresh->loaded_ms = now;
	fresh->dirty = old->dirty;       /* set while the registry was read */
	fresh->unknown = old->unknown;
	alerts__pv_free(old);
	*old = *fresh;
	/* a series classified before its device was linked: again */
	if (!same)
		alerts__forget_classes(a);
}

void alerts__pv_refresh(struct alerts *a)
{
	int64_t now = alerts__now(a);
	struct mon_pv fresh;
	struct err e;
	bool due, want;

	pthread_mutex_lock(&a->lock);
	want = pv_rules(a);
	due = want && (!a->pv.loaded_ms || a->pv.dirty ||
		       (a->pv.unknown &&
			now - a->pv.loaded_ms >= ALERTS_PV_UNKNOWN_MS) ||
		       now - a->pv.loaded_ms >= ALERTS_PV_REFRESH_MS);
	if (!want && a->pv.loaded_ms)
		alerts__pv_free(&a->pv);
	a->pv.dirty = false;
	if (due)
		a->pv.unknown = false;
	pthread_mutex_unlock(&a->lock);
	if (!due)
		return;
	if (pv_read(a->db, &fresh, &e)) {
		log_error("monitoring: the PV registry could not be read: %s",
			  e.msg);
		alerts__pv_free(&fresh);
		pthread_mutex_lock(&a->lock);
		a->pv.loaded_ms = now;   /* try again at the next refresh */
		pthread_mutex_unlock(&a->lock);
		return;
	}
	pthread_mutex_lock(&a->lock);
	pv_install(a, &fresh, now);
	pthread_mutex_unlock(&a->lock);
}

void alerts__pv_learned(struct alerts *a, int dev)
{
	const struct mon_device *d = &a->devices[dev];

	if (a->pv.loaded_ms && role_of(d->kind) >= 0 &&
	    node_of(&a->pv, d->id) < 0)
		a->pv.unknown = true;
}

/* ---- judging (under the lock) ------------------------------------------- */

/* Is metric (an index in metrics) one the PV rules read? */
static bool pv_metric(const struct mon_pv *pv, int metric)
{
	for (int r = 0; r < MON_PV_ROLES_; r++)
		if (pv->metric[r] == metric)
			return true;
	return pv->metric_ghi == metric;
}

/* The node a series feeds, *ghi set for a station's ghi; NULL: none. */
static struct mon_pv_node *node_of_binding(struct alerts *a,
					   const struct mon_binding *b,
					   bool *ghi)
{
	struct mon_pv_node *n;
	int k;

	*ghi = false;
	if (!a->pv.n || b->metric < 0 || !pv_metric(&a->pv, b->metric))
		return NULL;   /* most points: a farm's, or another metric */
	if ((k = node_of(&a->pv, a->devices[b->dev].id)) < 0)
		return NULL;
	n = &a->pv.nodes[k];
	if (b->metric == a->pv.metric[n->role])
		return n;
	*ghi = n->role == MON_PV_STATION && b->metric == a->pv.metric_ghi;
	return *ghi ? n : NULL;
}

bool alerts__pv_watches(struct alerts *a, const struct mon_binding *b)
{
	bool ghi;

	return node_of_binding(a, b, &ghi) != NULL;
}

/* The plot of a node's device (-1: none, or not heard from yet). */
static int node_plot(struct alerts *a, const struct mon_pv_node *n)
{
	int64_t at;

	return smap_get(&a->device_index, n->id, &at)
		? a->devices[at - 1].plot : -1;
}

/*
 * Step rule ri on subject with verdict v at ts, held for_ms; the change
 * (raise, clear or none).  The hold lives in the subject's state:
 * holds_since, active, and ts[0] the newest instant judged (an older one
 * is ignored).
 */
static enum eval_change judge_for(struct alerts *a, int ri,
				  const char *subject, int plot,
				  enum pv_verdict v, int64_t ts,
				  int64_t for_ms)
{
	struct mon_subject *s = alerts__subject(a, ri, subject, plot);
	struct pv_hold h;
	enum eval_change ch;

	if (!s || ts < s->st.ts[0])
		return EVAL_SAME;
	s->st.ts[0] = ts;
	h.since = s->st.holds_since;
	h.active = s->st.active;
	ch = pv_hold_step(&h, v, ts, for_ms);
	s->st.holds_since = h.since;
	s->st.active = h.active;
	return ch;
}

/* The same on a device, held the rule's for_ms. */
static enum eval_change judge(struct alerts *a, int ri,
			      const struct mon_pv_node *n, int plot,
			      enum pv_verdict v, int64_t ts)
{
	return judge_for(a, ri, n->id, plot, v, ts, a->rules[ri].for_ms);
}

/* The rules of template tpl that concern node n: their indices, in turn. */
static int next_rule(struct alerts *a, int from, const char *tpl,
		     const struct mon_pv_node *n, int plot)
{
	for (size_t ri = (size_t)from + 1; ri < a->n_rules; ri++) {
		const struct alert_rule *r = &a->rules[ri];

		if (r->enabled && !strcmp(r->template_name, tpl) &&
		    alert_rule_matches(r, n->id, plot >= 0
				       ? a->plots[plot].code : "",
				       plot >= 0 ? a->plots[plot].crop : ""))
			return (int)ri;
	}
	return -1;
}

static void judge_trip(struct alerts *a, const struct mon_pv_node *inv,
		       int64_t ts)
{
	const struct mon_pv_node *st = inv->link >= 0
		? &a->pv.nodes[inv->link] : NULL;
	struct pv_inverter_obs o = {
		.p_ac = inv->value, .p_ac_ts = inv->ts,
		.poa = st ? st->value : NAN, .poa_ts = st ? st->ts : 0,
	};
	int plot = node_plot(a, inv);
	char msg[512];

	for (int ri = -1; (ri = next_rule(a, ri, "pv_inverter_trip", inv,
					  plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];
		enum eval_change ch = judge(a, ri, inv, plot,
					    pv_trip_verdict(r, &o, ts), ts);

		if (ch == EVAL_SAME)
			continue;
		snprintf(msg, sizeof(msg), "%s: inverter %s gives %g kW while "
			 "its station %s reads %g W/m2 (tripped: no AC power "
			 "under light for %lld min)", r->name, inv->id, o.p_ac,
			 st ? st->id : "-", o.poa,
			 (long long)(r->for_ms / MS_PER_MINUTE));
		alerts__act(a, ch == EVAL_RAISE, ri, inv->id, plot, o.p_ac,
			    ch == EVAL_RAISE ? msg : "");
	}
}

/*
 * The median of the currents of box's strings at ts: those whose latest
 * value is at most window_ms older (or newer) than ts; NaN with fewer than
 * PV_ALARM_BOX_MIN_STRINGS, where one low string would move the median.
 */
#define PV_ALARM_BOX_MIN_STRINGS 3

static double box_median(struct alerts *a, const struct mon_pv_node *box,
			 int64_t ts, int64_t window_ms)
{
	struct mon_pv *pv = &a->pv;
	double *c = pv->scratch;
	struct pv_strings_out o;
	size_t m = 0;

	for (size_t i = 0; i < box->n; i++) {
		const struct mon_pv_node *s = &pv->nodes[pv->links[box->first + i]];

		if (s->ts > 0 && llabs(s->ts - ts) <= window_ms)
			c[m++] = s->value;
	}
	if (m < PV_ALARM_BOX_MIN_STRINGS)
		return NAN;
	pv_strings(c, m, c + pv->box_max, pv->status, c + 2 * pv->box_max, &o);
	return o.median;
}

static void judge_string(struct alerts *a, const struct mon_pv_node *s,
			 int64_t ts)
{
	const struct mon_pv_node *box = s->link >= 0 ? &a->pv.nodes[s->link]
						     : NULL;
	int plot = node_plot(a, s);
	char msg[512];

	for (int ri = -1; box && (ri = next_rule(a, ri, "pv_string_low", s,
						 plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];
		double median = box_median(a, box, ts, r->window_ms > 0
					   ? r->window_ms : 5 * MS_PER_MINUTE);
		enum eval_change ch = judge(a, ri, s, plot,
			pv_string_verdict(r, s->value, median), ts);

		if (ch == EVAL_SAME)
			continue;
		snprintf(msg, sizeof(msg), "%s: string %s gives %g A, %.0f%% of "
			 "its box %s's median %g A (%s string for %lld min)",
			 r->name, s->id, s->value, 100 * s->value / median,
			 box->id, median, s->value / median <
			 PV_STRING_OPEN_RATIO ? "open" : "low",
			 (long long)(r->for_ms / MS_PER_MINUTE));
		alerts__act(a, ch == EVAL_RAISE, ri, s->id, plot,
			    s->value / median, ch == EVAL_RAISE ? msg : "");
	}
}

/* The angle a tracker should have at ts (NaN: the sun down, unknown place). */
static double computed_angle(const struct mon_pv_node *t, int64_t ts)
{
	struct pv_solpos sp;
	struct pv_tracker_out o;

	if (!t->located)
		return NAN;
	pv_spa_solpos((double)ts / 1000.0, PV_SPA_DELTA_T, &t->site, &sp);
	pv_singleaxis(sp.apparent_zenith, sp.azimuth, &t->geo, &o);
	return o.tracker_theta;
}

static void sensor_message(const struct alert_rule *r,
			   const struct mon_pv_node *st, const char *metric,
			   enum pv_sensor_cause c, const struct pv_sensor_obs *o,
			   char *out, size_t size)
{
	switch (c) {
	case PV_SENSOR_RANGE:
		snprintf(out, size, "%s: %s %s reads %g W/m2, outside its "
			 "physically possible limits", r->name, st->id, metric,
			 o->g);
		break;
	case PV_SENSOR_CLEARSKY:
		snprintf(out, size, "%s: %s %s reads %g W/m2, above %g x the "
			 "clear-sky %.0f W/m2 + 100", r->name, st->id, metric,
			 o->g, r->cond[0].threshold,
			 pv_clearsky_haurwitz(o->apparent_zenith));
		break;
	case PV_SENSOR_TWIN:
		snprintf(out, size, "%s: %s %s reads %g W/m2, its twin %g "
			 "(%.0f%% apart)", r->name, st->id, metric, o->g,
			 o->twin, 100 * pv_pair_deviation(o->g, o->twin, 0));
		break;
	default:
		snprintf(out, size, "%s: %s %s stuck at %g W/m2 in daylight "
			 "for %lld min", r->name, st->id, metric, o->g,
			 (long long)(o->stuck_ms / MS_PER_MINUTE));
		break;
	}
}

static void judge_tracker(struct alerts *a, const struct mon_pv_node *t,
			  int64_t ts)
{
	int plot = node_plot(a, t);
	double want = NAN;
	bool computed = false;
	char msg[512];

	for (int ri = -1; (ri = next_rule(a, ri, "pv_tracker_stuck", t,
					  plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];
		enum eval_change ch;

		if (!computed) {
			want = computed_angle(t, ts);
			computed = true;
		}
		ch = judge(a, ri, t, plot, pv_tracker_verdict(r, t->value, want),
			   ts);
		if (ch == EVAL_SAME)
			continue;
		snprintf(msg, sizeof(msg), "%s: tracker %s at %.1f deg while the "
			 "sun and its geometry give %.1f deg (stuck for %lld "
			 "min)", r->name, t->id, t->value, want,
			 (long long)(r->for_ms / MS_PER_MINUTE));
		alerts__act(a, ch == EVAL_RAISE, ri, t->id, plot,
			    fabs(t->value - want), ch == EVAL_RAISE ? msg : "");
	}
}

/* The twin's reading of the same sensor near ts (5 min), or NaN. */
#define PV_TWIN_WINDOW_MS (5 * MS_PER_MINUTE)

static double twin_reading(struct alerts *a, const struct mon_pv_node *st,
			   bool ghi, int64_t ts)
{
	const struct mon_pv_node *t = st->twin >= 0 ? &a->pv.nodes[st->twin]
						    : NULL;
	int64_t at = t ? (ghi ? t->ghi_ts : t->ts) : 0;

	if (!t || !at || llabs(at - ts) > PV_TWIN_WINDOW_MS)
		return NAN;
	return ghi ? t->ghi : t->value;
}

/* Clear-sky GHI above which a pyranometer must move (W/m2). */
#define PV_STUCK_DAYLIGHT_CS 100.0

/* A station's reading: the geometry, the twin and the stuck run. */
static void sensor_obs(struct alerts *a, struct mon_pv_node *st, bool ghi,
		       int64_t ts, struct pv_sensor_obs *o)
{
	double g = ghi ? st->ghi : st->value;
	bool day;

	o->g = g;
	o->poa = !ghi;
	o->apparent_zenith = o->dni_extra = NAN;
	if (st->located) {
		struct pv_solpos sp;
		int y, m, d;
		int64_t days = ts >= 0 ? ts / MS_PER_DAY
				       : -((-ts - 1) / MS_PER_DAY) - 1;

		pv_spa_solpos((double)ts / 1000.0, PV_SPA_DELTA_T, &st->site,
			      &sp);
		o->apparent_zenith = sp.apparent_zenith;
		time_civil_from_days(days, &y, &m, &d);
		o->dni_extra = pv_extra_spencer((int)(days -
			time_days_from_civil(y, 1, 1)) + 1, PV_SOLAR_CONSTANT);
		day = pv_clearsky_haurwitz(sp.apparent_zenith) >=
		      PV_STUCK_DAYLIGHT_CS;
	} else {
		day = g >= 50;   /* no place: light itself says day */
	}
	o->twin = twin_reading(a, st, ghi, ts);
	o->stuck_ms = pv_stuck_step(&st->stuck[ghi], ts, g, day, 1e-9);
	if (!day)
		o->stuck_ms = -1;
}

static void judge_sensor(struct alerts *a, struct mon_pv_node *st, bool ghi,
			 int64_t ts)
{
	const char *metric = ghi ? "ghi" : "poa_global";
	int plot = node_plot(a, st);
	struct pv_sensor_obs o;
	bool have = false;
	char subject[DB_NAME_MAX * 2], msg[512];

	for (int ri = -1; (ri = next_rule(a, ri, "pv_sensor_quality", st,
					  plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];

		if (!have) {
			sensor_obs(a, st, ghi, ts, &o);
			have = true;
		}
		for (int c = 0; c < PV_SENSOR_CAUSES_; c++) {
			enum eval_change ch;

			snprintf(subject, sizeof(subject), "%s/%s/%s", st->id,
				 metric, pv_sensor_cause_name(c));
			ch = judge_for(a, ri, subject, plot, pv_sensor_verdict(
				r, (enum pv_sensor_cause)c, &o), ts,
				c == PV_SENSOR_STUCK ? 0 : r->for_ms);
			if (ch == EVAL_SAME)
				continue;
			sensor_message(r, st, metric, (enum pv_sensor_cause)c,
				       &o, msg, sizeof(msg));
			alerts__act(a, ch == EVAL_RAISE, ri, subject, plot, o.g,
				    ch == EVAL_RAISE ? msg : "");
		}
	}
}

void alerts__pv_point(struct alerts *a, const struct mon_binding *b,
		      const struct mon_point *p)
{
	bool ghi;
	struct mon_pv_node *n = node_of_binding(a, b, &ghi);

	if (!n || p->ts < (ghi ? n->ghi_ts : n->ts))
		return;
	if (ghi) {
		n->ghi = p->value;
		n->ghi_ts = p->ts;
		judge_sensor(a, n, true, p->ts);
		return;
	}
	n->value = p->value;
	n->ts = p->ts;
	switch (n->role) {
	case MON_PV_INVERTER:
		judge_trip(a, n, p->ts);
		break;
	case MON_PV_STATION:
		for (size_t i = 0; i < n->n; i++)
			judge_trip(a, &a->pv.nodes[a->pv.links[n->first + i]],
				   p->ts);
		judge_sensor(a, n, false, p->ts);
		break;
	case MON_PV_STRING:
		judge_string(a, n, p->ts);
		break;
	case MON_PV_TRACKER:
		judge_tracker(a, n, p->ts);
		break;
	default:
		break;
	}
}

/* ---- the daily alarms ---------------------------------------------------- */

void alerts_on_daily(struct alerts *a, void (*fn)(void *ctx, int64_t now),
		     void *ctx)
{
	pthread_mutex_lock(&a->lock);
	a->on_daily = fn;
	a->on_daily_ctx = ctx;
	a->daily_ms = 0;
	pthread_mutex_unlock(&a->lock);
}

bool alerts_pv_daily_windows(struct alerts *a, int *drop_days,
			     int *soiling_days)
{
	*drop_days = *soiling_days = 0;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct alert_rule *r = &a->rules[i];
		int days = (int)((r->window_ms + MS_PER_DAY - 1) / MS_PER_DAY);

		if (!r->enabled)
			continue;
		if (!strcmp(r->template_name, "pv_pr_drop") && days > *drop_days)
			*drop_days = days;
		if (!strcmp(r->template_name, "pv_soiling") &&
		    days > *soiling_days)
			*soiling_days = days;
	}
	pthread_mutex_unlock(&a->lock);
	return *drop_days > 0 || *soiling_days > 0;
}

/* A device's node for the messages' sake: its id and plot. */
static void day_node(struct alerts *a, const char *inverter,
		     struct mon_pv_node *n, int *plot)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", inverter);
	*plot = node_plot(a, n);
}

static void day_drop(struct alerts *a, const struct mon_pv_node *n, int plot,
		     const char *date, int64_t ts, const struct pv_drop *d)
{
	char msg[512];

	for (int ri = -1; (ri = next_rule(a, ri, "pv_pr_drop", n, plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];
		enum eval_change ch = judge(a, ri, n, plot,
					    pv_drop_verdict(r, d), ts);

		if (ch == EVAL_SAME)
			continue;
		snprintf(msg, sizeof(msg), "%s: inverter %s gave %.0f%% of its "
			 "expected energy on %s, %.2f x the median %.3f of its "
			 "previous %zu days", r->name, n->id,
			 100 * d->relative * d->baseline, date, d->relative,
			 d->baseline, d->n_days);
		alerts__act(a, ch == EVAL_RAISE, ri, n->id, plot, d->relative,
			    ch == EVAL_RAISE ? msg : "");
	}
}

static void day_soiling(struct alerts *a, const struct mon_pv_node *n,
			int plot, const char *date, int64_t ts,
			const struct pv_soiling *s)
{
	char msg[512];

	for (int ri = -1; (ri = next_rule(a, ri, "pv_soiling", n, plot)) >= 0; ) {
		const struct alert_rule *r = &a->rules[ri];
		enum eval_change ch = judge(a, ri, n, plot,
					    pv_soiling_verdict(r, s), ts);

		if (ch == EVAL_SAME)
			continue;
		snprintf(msg, sizeof(msg), "%s: inverter %s has lost about "
			 "%.1f%% to soiling by %s (%.2f%% a day over %zu days "
			 "since the last cleaning)", r->name, n->id,
			 100 * s->loss, date, -100 * s->rate_per_day,
			 s->n_days);
		alerts__act(a, ch == EVAL_RAISE, ri, n->id, plot, s->loss,
			    ch == EVAL_RAISE ? msg : "");
	}
}

void alerts_pv_day(struct alerts *a, const char *inverter, const char *date,
		   int64_t day_end_ms, const struct pv_drop *drop,
		   const struct pv_soiling *soiling)
{
	struct mon_pv_node n;
	int plot;

	pthread_mutex_lock(&a->lock);
	day_node(a, inverter, &n, &plot);
	if (drop)
		day_drop(a, &n, plot, date, day_end_ms, drop);
	if (soiling)
		day_soiling(a, &n, plot, date, day_end_ms, soiling);
	pthread_mutex_unlock(&a->lock);
	alerts__flush(a);
}
