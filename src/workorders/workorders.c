/* Work orders: checks, transitions, the energy lost, JSON. */
#include "workorders/workorders.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alerts.h"
#include "pvsite/pvsite.h"
#include "sites/sites.h"
#include "util/timeutil.h"
#include "util/tz.h"

static const char *const states[] = { "open", "assigned", "in_progress",
				      "done" };

bool workorders_state_known(const char *s)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (s && !strcmp(s, states[i]))
			return true;
	return false;
}

bool workorders_transition_ok(const char *from, const char *to)
{
	static const char *const ok[][2] = {
		{ "open", "assigned" },
		{ "assigned", "assigned" },       /* reassigned */
		{ "assigned", "open" },           /* unassigned */
		{ "assigned", "in_progress" },
		{ "in_progress", "assigned" },    /* handed back */
		{ "in_progress", "done" },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(from, ok[i][0]) && !strcmp(to, ok[i][1]))
			return true;
	return false;
}

static json_t *time_or_null(int64_t ms)
{
	char t[40];

	if (ms <= 0)
		return json_null();
	time_format_iso(ms, t, sizeof(t));
	return json_string(t);
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *wo_json(const struct db_workorder *w)
{
	return json_pack("{sI ss so so ss ss so ss sI so so so so}",
		"id", (json_int_t)w->id, "site", w->site,
		"equipment", text_or_null(w->equipment),
		"alert", w->alert_id > 0 ? json_integer(w->alert_id)
					 : json_null(),
		"title", w->title, "state", w->state,
		"assignee", text_or_null(w->assignee),
		"created_by", w->created_by, "version", (json_int_t)w->version,
		"created", time_or_null(w->created_ms),
		"updated", time_or_null(w->updated_ms),
		"closed", time_or_null(w->closed_ms),
		"energy_lost_kwh", isfinite(w->energy_lost_kwh)
			? json_real(w->energy_lost_kwh) : json_null());
}

static int comment_json(const struct db_workorder_comment *c, void *ctx)
{
	json_t *j = json_pack("{sI ss ss so so}", "id", (json_int_t)c->id,
		"author", c->author, "body", c->body,
		"snapshot", c->snapshot_id > 0 ? json_integer(c->snapshot_id)
					       : json_null(),
		"time", time_or_null(c->at_ms));

	return j && !json_array_append_new(ctx, j) ? 0 : ERR_NOMEM;
}

int workorders_get_json(struct db *db, int64_t id, json_t **out,
			struct err *e)
{
	struct db_workorder w;
	json_t *v, *cs;
	int rc;

	*out = NULL;
	if ((rc = db_workorder_get(db, id, &w, e)))
		return rc;
	if (!(v = wo_json(&w)) || !(cs = json_array())) {
		json_decref(v);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	json_object_set_new(v, "comments", cs);
	if ((rc = db_workorder_comments(db, id, comment_json, cs, e))) {
		if (rc == ERR_NOMEM)
			err_set(e, ERR_NOMEM, "out of memory");
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}

static int list_one(const struct db_workorder *w, void *ctx)
{
	json_t *j = wo_json(w);

	return j && !json_array_append_new(ctx, j) ? 0 : ERR_NOMEM;
}

int workorders_list_json(struct db *db, const char *site, const char *state,
			 const char *assignee, json_t **out, struct err *e)
{
	struct db_workorder_filter f = { site, state, assignee };
	json_t *a;
	int rc;

	*out = NULL;
	if (state && *state && !workorders_state_known(state))
		return err_set(e, ERR_INVALID, "state: '%s' is none of open, "
			       "assigned, in_progress, done", state);
	if (!(a = json_array()))
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = db_workorder_list(db, &f, list_one, a, e))) {
		if (rc == ERR_NOMEM)
			err_set(e, ERR_NOMEM, "out of memory");
		json_decref(a);
		return rc;
	}
	*out = json_pack("{so}", "workorders", a);
	return *out ? ERR_OK : err_set(e, ERR_NOMEM, "out of memory");
}

/* An optional string field of at most size - 1 bytes into dst. */
static int opt_text(json_t *body, const char *key, char *dst, size_t size,
		    bool *given, struct err *e)
{
	json_t *v = json_object_get(body, key);

	if (given)
		*given = v && !json_is_null(v);
	if (!v || json_is_null(v))
		return ERR_OK;
	if (!json_is_string(v))
		return err_set(e, ERR_INVALID, "%s: must be a string", key);
	if (json_string_length(v) >= size)
		return err_set(e, ERR_INVALID, "%s: longer than %zu bytes", key,
			       size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

/* An optional positive integer id field; 0 when absent. */
static int opt_id(json_t *body, const char *key, int64_t *out, struct err *e)
{
	json_t *v = json_object_get(body, key);

	*out = 0;
	if (!v || json_is_null(v))
		return ERR_OK;
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return err_set(e, ERR_INVALID, "%s: must be a positive integer",
			       key);
	*out = json_integer_value(v);
	return ERR_OK;
}

static int user_known(struct db *db, const char *name, struct err *e)
{
	struct db_user u;
	int rc = db_user_get(db, name, &u, e);

	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_NOT_FOUND, "assignee: no user '%s'", name);
	return rc;
}

/* Title and equipment from the alert, where not given. */
static int from_alert(struct db *db, struct db_workorder *w, struct err *e)
{
	struct db_device d;
	struct db_alert al;
	char dev[DB_NAME_MAX];
	int rc;

	if ((rc = alerts_get(db, w->alert_id, &al, e)))
		return rc;
	if (!w->title[0])
		snprintf(w->title, sizeof(w->title), "%s",
			 al.message[0] ? al.message : al.subject);
	if (!w->equipment[0]) {
		snprintf(dev, sizeof(dev), "%.*s",
			 (int)strcspn(al.subject, "/"), al.subject);
		if (dev[0] && !db_device_get(db, dev, &d, e))
			snprintf(w->equipment, sizeof(w->equipment), "%s", dev);
		err_clear(e);
	}
	return ERR_OK;
}

int workorders_create(struct db *db, json_t *body, const char *by,
		      int64_t now_ms, json_t **out, struct err *e)
{
	struct db_workorder w = { .energy_lost_kwh = NAN };
	struct db_site site;
	int64_t id;
	int rc;

	*out = NULL;
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, "body: must be a JSON object");
	if ((rc = opt_id(body, "alert", &w.alert_id, e)) ||
	    (rc = opt_text(body, "site", w.site, sizeof(w.site), NULL, e)) ||
	    (rc = opt_text(body, "equipment", w.equipment,
			   sizeof(w.equipment), NULL, e)) ||
	    (rc = opt_text(body, "title", w.title, sizeof(w.title), NULL, e)) ||
	    (rc = opt_text(body, "assignee", w.assignee, sizeof(w.assignee),
			   NULL, e)))
		return rc;
	if (w.alert_id && (rc = from_alert(db, &w, e)))
		return rc;
	if (!w.title[0])
		return err_set(e, ERR_INVALID, "title: required (or an alert)");
	if (!w.site[0])
		snprintf(w.site, sizeof(w.site), "%s", DB_SITE_DEFAULT);
	if ((rc = db_site_get(db, w.site, &site, e)))
		return rc;
	db_site_free(&site);
	if (w.assignee[0] && (rc = user_known(db, w.assignee, e)))
		return rc;
	snprintf(w.state, sizeof(w.state), "%s",
		 w.assignee[0] ? "assigned" : "open");
	snprintf(w.created_by, sizeof(w.created_by), "%s", by ? by : "");
	w.created_ms = w.updated_ms = now_ms;
	if ((rc = db_workorder_create(db, &w, &id, e)))
		return rc;
	return workorders_get_json(db, id, out, e);
}

/* Add to *kwh one site-local day's loss within [from_ms, to_ms). */
static int lost_day(struct db *db, struct ts_engine *ts, const char *site,
		    const char *inverter, const char *date, int64_t from_ms,
		    int64_t to_ms, double *kwh, struct err *e)
{
	json_t *day, *p;
	size_t i;
	int rc;

	if ((rc = pvsite_expected_json(db, ts, site, inverter, date, &day, e)))
		return rc;
	json_t *pts = json_object_get(day, "points");
	int64_t step = INT64_C(60000);
	json_t *iv = json_object_get(day, "interval_min");

	if (json_is_integer(iv) && json_integer_value(iv) > 0)
		step = json_integer_value(iv) * INT64_C(60000);
	json_array_foreach(pts, i, p) {
		json_t *x = json_object_get(p, "p_ac_expected_kw");
		json_t *a = json_object_get(p, "p_ac_kw");
		int64_t t;
		struct err te;

		if (!json_is_number(x) || !json_is_number(a) ||
		    time_parse(json_string_value(json_object_get(p, "time")),
			       0, &t, &te) ||
		    t < from_ms || t >= to_ms)
			continue;
		double d = json_number_value(x) - json_number_value(a);

		if (d > 0)
			*kwh += d * (double)step / 3.6e6;
	}
	json_decref(day);
	return ERR_OK;
}

int workorders_energy_lost(struct db *db, struct ts_engine *ts,
			   const char *site, const char *inverter,
			   int64_t from_ms, int64_t to_ms, double *kwh,
			   struct err *e)
{
	struct db_site s;
	struct tz *z = malloc(sizeof(*z));
	int rc = ERR_OK;

	*kwh = 0;
	if (!z)
		return err_set(e, ERR_NOMEM, "out of memory");
	if ((rc = sites_load(db, site, &s, z, e)))
		goto out;
	db_site_free(&s);
	int64_t first = time_floor_div(from_ms + tz_offset_at(z, from_ms) *
				       INT64_C(1000), MS_PER_DAY);
	int64_t last = time_floor_div(to_ms + tz_offset_at(z, to_ms) *
				      INT64_C(1000), MS_PER_DAY);

	/* at most a year of days: an older ticket's loss is not worth it */
	if (last - first > 366)
		first = last - 366;
	for (int64_t d = first; !rc && d <= last; d++) {
		char date[16];
		int y, m, dd;

		time_civil_from_days(d, &y, &m, &dd);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, dd);
		rc = lost_day(db, ts, site, inverter, date, from_ms, to_ms,
			      kwh, e);
	}
out:
	free(z);
	return rc;
}

/* The energy lost by w's equipment while it was open; NAN if unknown. */
static double energy_of(struct db *db, struct ts_engine *ts,
			const struct db_workorder *w, int64_t now_ms)
{
	struct err e2;
	double kwh;

	if (!ts || !w->equipment[0] ||
	    workorders_energy_lost(db, ts, w->site, w->equipment,
				   w->created_ms, now_ms, &kwh, &e2))
		return NAN;
	return kwh;
}

static int patch_fields(struct db *db, json_t *body, struct db_workorder *w,
			char *comment, size_t comment_size, int64_t *snapshot,
			struct err *e)
{
	char state[16] = "", assignee[DB_NAME_MAX] = "";
	bool has_state, has_assignee;
	json_t *v = json_object_get(body, "version");
	int rc;

	if (!json_is_integer(v))
		return err_set(e, ERR_INVALID, "version: required, the integer "
			       "the work order was read with");
	if (json_integer_value(v) != w->version)
		return err_set(e, ERR_EXISTS, "work order %lld was changed "
			       "meanwhile (version %lld, not %lld): reload it",
			       (long long)w->id, (long long)w->version,
			       (long long)json_integer_value(v));
	if ((rc = opt_text(body, "state", state, sizeof(state), &has_state,
			   e)) ||
	    (rc = opt_text(body, "assignee", assignee, sizeof(assignee),
			   &has_assignee, e)) ||
	    (rc = opt_text(body, "comment", comment, comment_size, NULL, e)) ||
	    (rc = opt_id(body, "snapshot", snapshot, e)))
		return rc;
	if (has_state && !workorders_state_known(state))
		return err_set(e, ERR_INVALID, "state: '%s' is none of open, "
			       "assigned, in_progress, done", state);
	if (has_assignee) {
		if (assignee[0] && (rc = user_known(db, assignee, e)))
			return rc;
		snprintf(w->assignee, sizeof(w->assignee), "%s", assignee);
		if (!has_state && !strcmp(w->state, "open") && assignee[0]) {
			snprintf(state, sizeof(state), "assigned");
			has_state = true;
		}
	}
	if (has_state && strcmp(state, w->state)) {
		if (!workorders_transition_ok(w->state, state))
			return err_set(e, ERR_INVALID, "state: a work order "
				       "cannot go from %s to %s", w->state,
				       state);
		snprintf(w->state, sizeof(w->state), "%s", state);
	}
	if (!strcmp(w->state, "open"))
		w->assignee[0] = 0;
	else if (!w->assignee[0])
		return err_set(e, ERR_INVALID, "assignee: a work order %s needs "
			       "a technician", w->state);
	if (*snapshot && !comment[0])
		return err_set(e, ERR_INVALID, "comment: required with a "
			       "snapshot");
	return ERR_OK;
}

int workorders_patch(struct db *db, struct ts_engine *ts, int64_t id,
		     json_t *body, const char *by, int64_t now_ms,
		     json_t **out, struct err *e)
{
	struct db_workorder_comment c = { .workorder = id, .at_ms = now_ms };
	struct db_workorder w;
	bool was_done;
	int rc;

	*out = NULL;
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, "body: must be a JSON object");
	if ((rc = db_workorder_get(db, id, &w, e)))
		return rc;
	was_done = !strcmp(w.state, "done");
	if ((rc = patch_fields(db, body, &w, c.body, sizeof(c.body),
			       &c.snapshot_id, e)))
		return rc;
	w.updated_ms = now_ms;
	if (!was_done && !strcmp(w.state, "done")) {
		w.closed_ms = now_ms;
		w.energy_lost_kwh = energy_of(db, ts, &w, now_ms);
	}
	if ((rc = db_workorder_update(db, &w, e)))
		return rc;
	snprintf(c.author, sizeof(c.author), "%s", by ? by : "");
	if (c.body[0] && (rc = db_workorder_comment_add(db, &c, NULL, e)))
		return rc;
	return workorders_get_json(db, id, out, e);
}
