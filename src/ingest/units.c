/* The registry of custom metrics and their units (units.h). */
#include "ingest/units.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/metrics.h"
#include "util/map.h"
#include "util/timeutil.h"

struct ingest_units {
	struct db *db;
	pthread_mutex_t lock;
	struct smap names;           /* the registered names -> 1 */
};

static int note_name(const struct db_metric_unit *m, void *ctx)
{
	return smap_put(ctx, m->name, 1) ? ERR_NOMEM : ERR_OK;
}

/* Read the registered names from the store into u->names, anew. */
static int reload(struct ingest_units *u, struct err *e)
{
	struct smap fresh = { 0 };
	int rc = db_metric_unit_list(u->db, note_name, &fresh, e);

	if (rc) {
		smap_free(&fresh);
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	}
	pthread_mutex_lock(&u->lock);
	smap_free(&u->names);
	u->names = fresh;
	pthread_mutex_unlock(&u->lock);
	return ERR_OK;
}

int ingest_units_open(struct db *db, struct ingest_units **out, struct err *e)
{
	struct ingest_units *u = calloc(1, sizeof(*u));
	int rc;

	*out = NULL;
	if (!u)
		return err_nomem(e);
	u->db = db;
	pthread_mutex_init(&u->lock, NULL);
	if ((rc = reload(u, e))) {
		ingest_units_close(u);
		return rc;
	}
	*out = u;
	return ERR_OK;
}

void ingest_units_close(struct ingest_units *u)
{
	if (!u)
		return;
	smap_free(&u->names);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

bool ingest_units_known(struct ingest_units *u, const char *name, bool again)
{
	struct err ignored = { 0 };
	int64_t one;
	bool known;

	pthread_mutex_lock(&u->lock);
	known = smap_get(&u->names, name, &one);
	pthread_mutex_unlock(&u->lock);
	if (known || !again || reload(u, &ignored))
		return known;
	pthread_mutex_lock(&u->lock);
	known = smap_get(&u->names, name, &one);
	pthread_mutex_unlock(&u->lock);
	return known;
}

int ingest_units_register(struct ingest_units *u, const char *name,
			  const char *unit, const char *what, int64_t now_ms,
			  struct err *e)
{
	struct db_metric_unit m = { .updated_ms = now_ms };
	const struct metric_def *def = metric_find(name);
	int rc;

	if (!metric_name_valid(name))
		return err_set(e, ERR_INVALID, "metric '%s' is not a valid name "
			       "(expected [a-z][a-z0-9_]{0,62})", name);
	if (def)
		return err_set(e, ERR_INVALID, "metric '%s' is in the catalogue "
			       "(unit %s): its unit is fixed", name, def->unit);
	if (!unit || !*unit || strlen(unit) >= sizeof(m.unit))
		return err_set(e, ERR_INVALID, "field 'unit': 1 to %zu bytes "
			       "(e.g. \"min\", \"kPa\", \"1\" for a ratio)",
			       sizeof(m.unit) - 1);
	if (what && strlen(what) >= sizeof(m.what))
		return err_set(e, ERR_INVALID, "field 'description': at most %zu "
			       "bytes", sizeof(m.what) - 1);
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.unit, sizeof(m.unit), "%s", unit);
	snprintf(m.what, sizeof(m.what), "%s", what ? what : "");
	if ((rc = db_metric_unit_set(u->db, &m, e)))
		return rc;
	pthread_mutex_lock(&u->lock);
	rc = smap_put(&u->names, name, 1);
	pthread_mutex_unlock(&u->lock);
	return rc ? err_nomem(e) : ERR_OK;
}

int ingest_units_delete(struct ingest_units *u, const char *name,
			struct err *e)
{
	int rc = db_metric_unit_delete(u->db, name, e);

	if (rc)
		return rc;
	return reload(u, e);
}

static int registered_json(const struct db_metric_unit *m, void *ctx)
{
	char when[32];

	time_format_iso(m->updated_ms, when, sizeof(when));
	json_array_append_new(ctx, json_pack("{ss ss s:s? ss}", "name", m->name,
		"unit", m->unit, "description", m->what[0] ? m->what : NULL,
		"updated", when));
	return ERR_OK;
}

int ingest_units_json(struct ingest_units *u, json_t **out, struct err *e)
{
	json_t *cat = json_array(), *reg = json_array();
	const struct metric_def *t;
	size_t n;

	*out = NULL;
	if (!cat || !reg)
		goto fail_nomem;
	t = metric_table(&n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cat, json_pack("{ss ss sf sf ss}", "name",
			t[i].name, "unit", t[i].unit, "min", t[i].min, "max",
			t[i].max, "description", t[i].what));
	if (db_metric_unit_list(u->db, registered_json, reg, e)) {
		json_decref(cat);
		json_decref(reg);
		return e->code;
	}
	if (!(*out = json_pack("{so so}", "catalogue", cat, "registered", reg)))
		return err_nomem(e);
	return ERR_OK;
fail_nomem:
	json_decref(cat);
	json_decref(reg);
	return err_nomem(e);
}
