/*
 * The alert service: rules, the registry of devices and plots it watches,
 * and the lifecycle of alerts (open, acknowledged, closed), stored,
 * published and notified.
 */
#include "alert/alerts_internal.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agro/crops.h"
#include "util/log.h"
#include "util/timeutil.h"

/* A close read again this often when other changes keep landing first. */
#define CAS_ATTEMPTS 8

int64_t alerts__now(struct alerts *a)
{
	return a->o.now ? a->o.now(a->o.now_ctx) : time_now_ms();
}

/* Grow an array of elem bytes to hold one more; false on OOM. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t c = *cap ? *cap * 2 : 32;
	void *p;

	if (n < *cap)
		return true;
	if (!(p = realloc(*arr, c * elem)))
		return false;
	*arr = p;
	*cap = c;
	return true;
}

/* ---- the registry ----------------------------------------------------------- */

/* A plot's crop season: its longest FAO-56 Table 11 row; 180 d if unknown. */
static int64_t season_ms(const char *crop)
{
	const struct agro_stage_lengths *rows;
	enum agro_crop c;
	struct err e;
	int days = 0;

	if (!agro_crop_find(crop, &c, &e))
		for (size_t i = 0, n = agro_crop_stages(c, &rows); i < n; i++)
			if (rows[i].total > days)
				days = rows[i].total;
	return (int64_t)(days ? days : 180) * MS_PER_DAY;
}

static void plot_season(struct mon_plot *m, const struct db_plot *p)
{
	int y, mo, d;

	m->season_ms = season_ms(p->crop);
	if (p->sowing_date[0] && !time_parse_date(p->sowing_date, &y, &mo, &d))
		m->sown_ms = time_days_from_civil(y, mo, d) * MS_PER_DAY;
}

static int add_plot(struct alerts *a, const struct db_plot *p)
{
	struct mon_plot *m;

	if (!grow((void **)&a->plots, &a->cap_plots, a->n_plots, sizeof(*m)))
		return -1;
	m = &a->plots[a->n_plots];
	memset(m, 0, sizeof(*m));
	snprintf(m->code, sizeof(m->code), "%s", p->code);
	snprintf(m->crop, sizeof(m->crop), "%s", p->crop);
	m->fc = p->field_capacity;
	m->wp = p->wilting_point;
	plot_season(m, p);
	if (smap_put(&a->plot_index, p->code, (int64_t)a->n_plots + 1))
		return -1;
	return (int)a->n_plots++;
}

int alerts__plot(struct alerts *a, const char *code)
{
	struct db_plot p;
	struct err e;
	int64_t at;
	int i;

	if (!code || !code[0])
		return -1;
	if (smap_get(&a->plot_index, code, &at))
		return (int)at - 1;
	if (db_plot_get(a->db, code, &p, &e))
		return -1;
	i = add_plot(a, &p);
	db_plot_free(&p);
	return i;
}

static int add_device(struct alerts *a, const struct db_device *d)
{
	struct mon_device *m;

	if (!grow((void **)&a->devices, &a->cap_devices, a->n_devices,
		  sizeof(*m)))
		return -1;
	m = &a->devices[a->n_devices];
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", d->id);
	snprintf(m->kind, sizeof(m->kind), "%s", d->kind);
	m->plot = alerts__plot(a, d->plot);
	if (m->plot >= 0)
		a->plots[m->plot].n_devices++;
	if (smap_put(&a->device_index, d->id, (int64_t)a->n_devices + 1))
		return -1;
	return (int)a->n_devices++;
}

int alerts__device(struct alerts *a, const char *id, const char *plot)
{
	struct db_device d;
	struct err e;
	int64_t at;

	if (smap_get(&a->device_index, id, &at))
		return (int)at - 1;
	if (db_device_get(a->db, id, &d, &e)) {
		memset(&d, 0, sizeof(d));
		snprintf(d.id, sizeof(d.id), "%s", id);
		snprintf(d.plot, sizeof(d.plot), "%s", plot ? plot : "");
	}
	return add_device(a, &d);
}

static int load_plot(const struct db_plot *p, void *ctx)
{
	return add_plot(ctx, p) < 0;
}

static int load_device(const struct db_device *d, void *ctx)
{
	if (d->deleted_ms)
		return 0; /* deleted: not watched (an "offline" alert otherwise) */
	return add_device(ctx, d) < 0;
}

/* ---- subjects and bindings ------------------------------------------------- */

static void subject_key(char *out, size_t size, int64_t rule_id,
			const char *subject)
{
	snprintf(out, size, "%lld/%s", (long long)rule_id, subject);
}

static struct mon_active *find_active(struct alerts *a, const char *key)
{
	for (size_t i = 0; i < a->n_active; i++)
		if (!strcmp(a->active[i].key, key))
			return &a->active[i];
	return NULL;
}

bool alerts__is_active(struct alerts *a, int64_t rule_id, const char *subject)
{
	char key[DB_NAME_MAX * 3];

	subject_key(key, sizeof(key), rule_id, subject);
	return find_active(a, key) != NULL;
}

struct mon_subject *alerts__subject(struct alerts *a, int rule,
				    const char *subject, int plot)
{
	char key[DB_NAME_MAX * 3];
	struct mon_subject *s;
	int64_t at;

	subject_key(key, sizeof(key), a->rules[rule].id, subject);
	if (smap_get(&a->subject_index, key, &at))
		return a->subjects[at - 1];
	if (!grow((void **)&a->subjects, &a->cap_subjects, a->n_subjects,
		  sizeof(*a->subjects)) || !(s = calloc(1, sizeof(*s))))
		return NULL;
	s->rule = rule;
	s->kind = a->rules[rule].kind;
	s->n_cond = a->rules[rule].n_cond;
	s->for_ms = a->rules[rule].for_ms;
	s->window_ms = a->rules[rule].window_ms;
	s->plot = plot;
	snprintf(s->subject, sizeof(s->subject), "%s", subject);
	memcpy(s->cond, a->rules[rule].cond, sizeof(s->cond));
	s->area = s->kind == ALERT_THRESHOLD && plot == MON_AREA;
	if (s->area) { /* a weather station: its alert is the base's */
		s->plot = alerts__plot(a, a->rules[rule].plot);
		s->st.active = alerts__is_active(a, a->rules[rule].id,
				alerts__area_subject(&a->rules[rule]));
	} else {
		s->st.active = find_active(a, key) != NULL;
	}
	if (smap_put(&a->subject_index, key, (int64_t)a->n_subjects + 1)) {
		free(s);
		return NULL;
	}
	a->subjects[a->n_subjects++] = s;
	return s;
}

static void free_binding(int64_t key, void *value, void *ctx)
{
	struct mon_binding *b = value;

	(void)key;
	(void)ctx;
	free(b->to);
	free(b);
}

static void free_series(int64_t key, void *value, void *ctx)
{
	(void)key;
	(void)ctx;
	free(value);
}

void alerts__unbind(struct alerts *a)
{
	alerts__forget_classes(a);
	imap_foreach(&a->bindings, free_binding, NULL);
	imap_free(&a->bindings);
	for (size_t i = 0; i < a->n_subjects; i++)
		free(a->subjects[i]);
	a->n_subjects = 0;
	smap_free(&a->subject_index);
}

/* ---- alerts ------------------------------------------------------------------ */

/* The camera snapshot an alert carries: camera, id and where to get it. */
static json_t *snapshot_json(const struct db_alert *al)
{
	char url[DB_NAME_MAX * 3 + 64];
	char *camera = curl_easy_escape(NULL, al->snapshot_camera, 0);

	snprintf(url, sizeof(url), "/api/v1/devices/%s/snapshot?id=%lld",
		 camera ? camera : "", (long long)al->snapshot_id);
	curl_free(camera);
	return json_pack("{ss sI ss}", "camera", al->snapshot_camera, "id",
			 (json_int_t)al->snapshot_id, "url", url);
}

/*
 * What the alert says, structured: "code" and "params" from its detail
 * (an alert stored before it had one: code null, params {}).
 */
static void detail_json(json_t *j, const char *detail)
{
	json_t *d = detail[0] ? json_loads(detail, 0, NULL) : NULL;
	json_t *code = d ? json_object_get(d, "code") : NULL;
	json_t *params = d ? json_object_get(d, "params") : NULL;

	json_object_set(j, "code", json_is_string(code) ? code : json_null());
	json_object_set_new(j, "params", json_is_object(params)
			    ? json_incref(params) : json_object());
	json_decref(d);
}

json_t *alerts_alert_json(const struct db_alert *al)
{
	char opened[32], acked[32], closed[32];
	json_t *j;

	time_format_iso(al->opened_ms, opened, sizeof(opened));
	time_format_iso(al->acked_ms, acked, sizeof(acked));
	time_format_iso(al->closed_ms, closed, sizeof(closed));
	j = json_pack("{sI sI ss s:s? ss ss ss ss sI}", "id", (json_int_t)al->id,
		      "rule_id", (json_int_t)al->rule_id, "subject", al->subject,
		      "plot", al->plot[0] ? al->plot : NULL, "severity",
		      al->severity, "state", al->state, "message", al->message,
		      "opened", opened, "opened_ms", (json_int_t)al->opened_ms);
	json_object_set_new(j, "value", isfinite(al->value)
			    ? json_real(al->value) : json_null());
	json_object_set_new(j, "escalated", json_boolean(al->escalated));
	if (al->acked_ms)
		json_object_set_new(j, "acknowledged", json_pack("{ss ss ss}",
				    "by", al->acked_by, "at", acked, "comment",
				    al->ack_comment));
	if (al->closed_ms)
		json_object_set_new(j, "closed", json_pack("{ss ss}", "by",
				    al->closed_by, "at", closed));
	if (al->snapshot_id && al->snapshot_camera[0])
		json_object_set_new(j, "snapshot", snapshot_json(al));
	detail_json(j, al->detail);
	return j;
}

void alerts_on_open(struct alerts *a,
		    void (*fn)(const struct db_alert *al, void *ctx), void *ctx)
{
	pthread_mutex_lock(&a->lock);
	a->on_open = fn;
	a->on_open_ctx = ctx;
	pthread_mutex_unlock(&a->lock);
}

int alerts_set_snapshot(struct alerts *a, int64_t id, const char *camera,
			int64_t snapshot_id, struct err *e)
{
	return db_alert_set_snapshot(a->db, id, camera, snapshot_id, e);
}

/* Tell the stream and the webhook that alert al had event what. */
static void announce(struct alerts *a, const struct db_alert *al,
		     const char *what)
{
	json_t *j = alerts_alert_json(al);
	json_t *msg = json_pack("{ss sO}", "event", what, "alert", j);
	char *text;

	json_object_set_new(j, "event", json_string(what));
	if (a->events && (text = json_dumps(j, JSON_COMPACT))) {
		events_publish(a->events, "alert", al->plot, text);
		free(text);
	}
	if ((text = json_dumps(msg, JSON_COMPACT))) {
		notify_send(a->notify, al->id, text);
		free(text);
	}
	json_decref(msg);
	json_decref(j);
}

static void add_active(struct alerts *a, const struct db_alert *al)
{
	struct mon_active *m;

	if (!grow((void **)&a->active, &a->cap_active, a->n_active, sizeof(*m)))
		return;
	m = &a->active[a->n_active++];
	memset(m, 0, sizeof(*m));
	m->id = al->id;
	m->rule_id = al->rule_id;
	subject_key(m->key, sizeof(m->key), al->rule_id, al->subject);
	m->opened_ms = al->opened_ms;
	m->notified_ms = al->notified_ms ? al->notified_ms : al->opened_ms;
	m->acked = !strcmp(al->state, "acknowledged");
	m->escalated = al->escalated;
}

void alerts__drop_active(struct alerts *a, int64_t id)
{
	for (size_t i = 0; i < a->n_active; i++)
		if (a->active[i].id == id) {
			a->active[i] = a->active[--a->n_active];
			return;
		}
}

static void open_alert(struct alerts *a, const struct mon_action *x,
		       const struct alert_rule *r)
{
	struct db_alert al = { 0 };
	struct err e;

	al.rule_id = r->id;
	snprintf(al.subject, sizeof(al.subject), "%s", x->subject);
	snprintf(al.plot, sizeof(al.plot), "%s",
		 x->plot >= 0 ? a->plots[x->plot].code : "");
	snprintf(al.severity, sizeof(al.severity), "%s",
		 x->severity[0] ? x->severity : r->severity);
	snprintf(al.state, sizeof(al.state), "open");
	snprintf(al.message, sizeof(al.message), "%s", x->message);
	snprintf(al.detail, sizeof(al.detail), "%s", x->detail);
	al.value = x->value;
	al.opened_ms = al.notified_ms = alerts__now(a);
	if (db_alert_open(a->db, &al, &al.id, &e)) {
		if (e.code != ERR_EXISTS)
			log_error("alert %s on %s: %s", r->name, x->subject, e.msg);
		return;  /* ERR_EXISTS: it is open already, e.g. before a restart */
	}
	pthread_mutex_lock(&a->lock);
	add_active(a, &al);
	if (a->on_open)
		a->on_open(&al, a->on_open_ctx);
	pthread_mutex_unlock(&a->lock);
	announce(a, &al, "opened");
}

/*
 * Close alert id (state not closed) by who; announce.  A compare-and-set
 * from the state read: an acknowledgement landing in between makes it read
 * again and close the acknowledged alert; a close landing in between makes
 * this one say it is closed already, so the close happens (and is
 * announced) once.
 */
static int close_alert(struct alerts *a, int64_t id, const char *who,
		       const char *comment, struct db_alert *al, struct err *e)
{
	char from[sizeof(al->state)];
	int rc;

	for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
		if (db_alert_get(a->db, id, al, e))
			return e->code;
		if (!strcmp(al->state, "closed"))
			return err_set(e, ERR_INVALID, "alert %lld is closed "
				       "already", (long long)id);
		snprintf(from, sizeof(from), "%s", al->state);
		snprintf(al->state, sizeof(al->state), "closed");
		al->closed_ms = alerts__now(a);
		snprintf(al->closed_by, sizeof(al->closed_by), "%s", who);
		if (comment && comment[0] && !al->ack_comment[0])
			snprintf(al->ack_comment, sizeof(al->ack_comment), "%s",
				 comment);
		rc = db_alert_update(a->db, al, from, e);
		if (rc == ERR_NOT_FOUND)
			continue; /* it moved on meanwhile: read it again */
		if (rc)
			return rc;
		pthread_mutex_lock(&a->lock);
		alerts__drop_active(a, id);
		pthread_mutex_unlock(&a->lock);
		announce(a, al, "closed");
		return ERR_OK;
	}
	return err_set(e, ERR_UNAVAILABLE, "alert %lld kept changing while "
		       "being closed; try again", (long long)id);
}

static void clear_alert(struct alerts *a, const struct mon_action *x,
			const struct alert_rule *r)
{
	char key[DB_NAME_MAX * 3];
	struct mon_active *m;
	struct db_alert al;
	struct err e;
	int64_t id;

	subject_key(key, sizeof(key), r->id, x->subject);
	pthread_mutex_lock(&a->lock);
	m = find_active(a, key);
	id = m ? m->id : 0;
	pthread_mutex_unlock(&a->lock);
	if (!id || !close_alert(a, id, "auto: condition cleared", NULL, &al, &e))
		return;
	if (e.code == ERR_INVALID) { /* closed by hand meanwhile: not an error */
		pthread_mutex_lock(&a->lock);
		alerts__drop_active(a, id);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	log_error("closing alert %lld: %s", (long long)id, e.msg);
}

void alerts__act(struct alerts *a, bool raise, int rule, const char *subject,
		 int plot, double value, const char *message)
{
	alerts__act_detail(a, raise, rule, subject, plot, value, message, NULL,
			   NULL);
}

void alerts__act_detail(struct alerts *a, bool raise, int rule,
			const char *subject, int plot, double value,
			const char *message, const char *detail,
			const char *severity)
{
	struct mon_action *x = NULL;

	for (size_t i = 0; a->priming && i < a->n_actions; i++)
		if (a->actions[i].rule.id == a->rules[rule].id &&
		    !strcmp(a->actions[i].subject, subject))
			x = &a->actions[i]; /* only the end state counts */
	if (!x) {
		if (!grow((void **)&a->actions, &a->cap_actions, a->n_actions,
			  sizeof(*x)))
			return;
		x = &a->actions[a->n_actions++];
	}
	x->raise = raise;
	x->rule = a->rules[rule];
	snprintf(x->subject, sizeof(x->subject), "%s", subject);
	x->plot = plot;
	x->value = value;
	snprintf(x->message, sizeof(x->message), "%s", message ? message : "");
	snprintf(x->detail, sizeof(x->detail), "%s", detail ? detail : "");
	snprintf(x->severity, sizeof(x->severity), "%s", severity ? severity : "");
}

/*
 * Raises and clears are carried out in the order they were decided: one
 * flush at a time (flush_lock), each taking the queue as it stands, so a
 * clear decided after a raise never lands before it on another thread.
 */
void alerts__flush(struct alerts *a)
{
	struct mon_action *xs;
	size_t n;

	pthread_mutex_lock(&a->lock);
	n = a->priming ? 0 : a->n_actions;
	pthread_mutex_unlock(&a->lock);
	if (!n)
		return; /* the common case: nothing decided, nobody waits */
	pthread_mutex_lock(&a->flush_lock);
	pthread_mutex_lock(&a->lock);
	n = a->priming ? 0 : a->n_actions;
	xs = n ? malloc(n * sizeof(*xs)) : NULL;
	if (xs)
		memcpy(xs, a->actions, n * sizeof(*xs));
	a->n_actions = 0;
	pthread_mutex_unlock(&a->lock);
	if (n && !xs)
		log_error("alerts: out of memory: %zu raises or clears dropped", n);
	for (size_t i = 0; xs && i < n; i++)
		if (xs[i].raise)
			open_alert(a, &xs[i], &xs[i].rule);
		else
			clear_alert(a, &xs[i], &xs[i].rule);
	pthread_mutex_unlock(&a->flush_lock);
	free(xs);
}

/* An acknowledgement is a compare-and-set from open: never reopens. */
int alerts_ack(struct alerts *a, int64_t id, const char *who,
	       const char *comment, struct db_alert *out, struct err *e)
{
	int rc;

	if (db_alert_get(a->db, id, out, e))
		return e->code;
	if (strcmp(out->state, "open"))
		return err_set(e, ERR_INVALID, "alert %lld is %s, not open",
			       (long long)id, out->state);
	snprintf(out->state, sizeof(out->state), "acknowledged");
	snprintf(out->acked_by, sizeof(out->acked_by), "%s", who);
	out->acked_ms = alerts__now(a);
	snprintf(out->ack_comment, sizeof(out->ack_comment), "%s",
		 comment ? comment : "");
	rc = db_alert_update(a->db, out, "open", e);
	if (rc == ERR_NOT_FOUND && !db_alert_get(a->db, id, out, e))
		return err_set(e, ERR_INVALID, "alert %lld is %s, not open",
			       (long long)id, out->state);
	if (rc)
		return e->code;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_active; i++)
		if (a->active[i].id == id)
			a->active[i].acked = true;
	pthread_mutex_unlock(&a->lock);
	announce(a, out, "acknowledged");
	return ERR_OK;
}

int alerts_close_alert(struct alerts *a, int64_t id, const char *who,
		       const char *comment, struct db_alert *out, struct err *e)
{
	char key[DB_NAME_MAX * 3];
	int64_t at;

	if (close_alert(a, id, who, comment, out, e))
		return e->code;
	/* closed by hand: the condition must clear and hold again to reopen */
	subject_key(key, sizeof(key), out->rule_id, out->subject);
	pthread_mutex_lock(&a->lock);
	if (smap_get(&a->subject_index, key, &at)) {
		a->subjects[at - 1]->st.active = false;
		a->subjects[at - 1]->st.holds_since = 0;
	}
	for (size_t i = 0; i < a->n_subjects; i++) { /* the base's stations */
		struct mon_subject *s = a->subjects[i];

		if (s->area && a->rules[s->rule].id == out->rule_id) {
			s->st.active = false;
			s->st.holds_since = 0;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return ERR_OK;
}

/* ---- rules ----------------------------------------------------------------- */

static int load_rule(int64_t id, const char *body, void *ctx)
{
	struct alerts *a = ctx;
	struct alert_rule r;
	json_error_t je;
	json_t *j = json_loads(body, 0, &je);
	struct err e;
	size_t cap = a->n_rules;

	if (!j || alert_rule_from_json(j, NULL, &r, &e)) {
		log_error("alert rule %lld is unreadable; skipped", (long long)id);
		json_decref(j);
		return 0;
	}
	json_decref(j);
	r.id = id;
	if (!grow((void **)&a->rules, &cap, a->n_rules, sizeof(r)))
		return 1;
	a->rules[a->n_rules++] = r;
	return 0;
}

/* Read the rules from the store (outside the lock), then install them. */
static int load_rules(struct alerts *a, struct err *e)
{
	struct alerts fresh = { 0 };   /* only its rules are used */
	int rc = db_alert_rule_list(a->db, load_rule, &fresh, e);

	if (rc) {
		free(fresh.rules);
		return rc == 1 ? err_nomem(e) : rc;
	}
	pthread_mutex_lock(&a->lock);
	alerts__unbind(a);
	free(a->rules);
	a->rules = fresh.rules;
	a->n_rules = fresh.n_rules;
	a->pv.dirty = true;   /* a new PV rule: read the registry */
	pthread_mutex_unlock(&a->lock);
	return ERR_OK;
}

/* A rule as the store keeps it: its JSON without the id, *id_out its id. */
static int store_rule(struct db *db, const struct alert_rule *r, int64_t now,
		      int64_t *id_out, struct err *e)
{
	json_t *j = alert_rule_to_json(r);
	char *text;
	int rc;

	json_object_del(j, "id");
	if (r->template_name[0])
		json_object_set_new(j, "template", json_string(r->template_name));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return err_nomem(e);
	rc = db_alert_rule_save(db, r->id, text, now, id_out, e);
	free(text);
	return rc;
}

/*
 * Tell the other nodes of a cluster that the rules changed: a "rules"
 * message relayed to them (cluster/), whose alerts_reload_rules reads them
 * again.  Alone, nothing happens.
 */
static void rules_changed(struct alerts *a)
{
	if (a->events)
		events_relay(a->events, "rules", "{}");
}

int alerts_reload_rules(struct alerts *a, struct err *e)
{
	return load_rules(a, e);
}

static int save_rule(struct alerts *a, struct alert_rule *r, struct err *e)
{
	int rc = store_rule(a->db, r, alerts__now(a), &r->id, e);

	if (!rc && !(rc = load_rules(a, e)))
		rules_changed(a);
	return rc;
}

int alerts_store_templates(struct db *db, const char *const *names, size_t n,
			   int64_t now, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		json_t *body = json_pack("{ss}", "template", names[i]);
		struct alert_rule r;
		int64_t id;
		int rc = body ? alert_rule_from_json(body, NULL, &r, e)
			      : err_nomem(e);

		json_decref(body);
		r.id = 0;
		if (rc || (rc = store_rule(db, &r, now, &id, e)))
			return rc;
	}
	return ERR_OK;
}

int alerts_rule_create(struct alerts *a, json_t *body, struct alert_rule *out,
		       struct err *e)
{
	if (alert_rule_from_json(body, NULL, out, e))
		return e->code;
	out->id = 0;
	return save_rule(a, out, e);
}

int alerts_rule_get(struct alerts *a, int64_t id, struct alert_rule *out,
		    struct err *e)
{
	int rc = err_set(e, ERR_NOT_FOUND, "no rule %lld", (long long)id);

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_rules; i++)
		if (a->rules[i].id == id) {
			*out = a->rules[i];
			err_clear(e);
			rc = ERR_OK;
		}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int alerts_rule_update(struct alerts *a, int64_t id, json_t *body,
		       struct alert_rule *out, struct err *e)
{
	struct alert_rule old;

	if (alerts_rule_get(a, id, &old, e) ||
	    alert_rule_from_json(body, &old, out, e))
		return e->code;
	out->id = id;
	return save_rule(a, out, e);
}

static int close_each(const struct db_alert *al, void *ctx)
{
	struct alerts *a = ctx;
	struct db_alert tmp;
	struct err e;

	close_alert(a, al->id, "rule deleted", NULL, &tmp, &e);
	return 0;
}

int alerts_rule_delete(struct alerts *a, int64_t id, struct err *e)
{
	struct db_alert_filter f = { .state = "active", .rule_id = id };

	if (db_alert_rule_delete(a->db, id, e))
		return e->code;
	if (load_rules(a, e))
		return e->code;
	rules_changed(a);
	return db_alert_list(a->db, &f, close_each, a, e);
}

json_t *alerts_rules_json(struct alerts *a)
{
	json_t *arr = json_array();

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_rules; i++)
		json_array_append_new(arr, alert_rule_to_json(&a->rules[i]));
	pthread_mutex_unlock(&a->lock);
	return arr;
}

/* ---- opening ------------------------------------------------------------------ */

static int load_active(const struct db_alert *al, void *ctx)
{
	add_active(ctx, al);
	return 0;
}

int alerts_open(struct db *db, struct events *ev, const struct alerts_opts *o,
		struct alerts **out, struct err *e)
{
	struct alerts *a = calloc(1, sizeof(*a));
	struct db_alert_filter f = { .state = "active", .limit = 1000000 };

	if (!a)
		return err_nomem(e);
	a->db = db;
	a->events = ev;
	a->o = *o;
	if (!a->o.max_age_ms)
		a->o.max_age_ms = MS_PER_DAY;
	a->started_ms = alerts__now(a);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->flush_lock, NULL);
	pthread_cond_init(&a->stop_cond, NULL);
	if (alerts__queue_start(a)) {
		alerts_close(a);
		return err_set(e, ERR_IO, "cannot start the monitoring thread");
	}
	if (db_plot_list(db, NULL, load_plot, a, e) ||
	    db_device_list(db, NULL, load_device, a, e) ||
	    load_rules(a, e) || db_alert_list(db, &f, load_active, a, e) ||
	    notify_open(db, &o->notify, &a->notify, e)) {
		alerts_close(a);
		return e->code != ERR_OK ? (int)e->code : err_nomem(e);
	}
	alerts__timer_start(a);
	*out = a;
	return ERR_OK;
}

void alerts_close(struct alerts *a)
{
	if (!a)
		return;
	alerts__queue_stop(a);    /* evaluates what is queued first */
	alerts__timer_stop(a);
	notify_close(a->notify);
	alerts__unbind(a);
	imap_foreach(&a->series, free_series, NULL);
	imap_free(&a->series);
	for (size_t i = 0; i < a->n_metrics; i++)
		free(a->metrics[i]);
	free(a->metrics);
	smap_free(&a->metric_index);
	alerts__queue_free(a);
	alerts__pv_free(&a->pv);
	smap_free(&a->device_index);
	smap_free(&a->plot_index);
	free(a->subjects);
	free(a->rules);
	free(a->devices);
	free(a->plots);
	free(a->active);
	free(a->valves);
	free(a->actions);
	pthread_cond_destroy(&a->stop_cond);
	pthread_mutex_destroy(&a->flush_lock);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
