/*
 * Many nodes on one store, on SQLite: there is only ever one node (the
 * store is a file of one machine), so every lease is held by it, for good,
 * at epoch 1; notifications and listeners do not exist (the one node's
 * events never need to leave it).  docs/CLUSTER.md.
 */
#include "db/sqlite_internal.h"

#include <stdlib.h>

int sqlite_lease_acquire(struct db *db, const char *name, const char *node,
			 int64_t ttl_ms, bool *held, int64_t *epoch,
			 struct err *e)
{
	(void)db;
	(void)name;
	(void)node;
	(void)ttl_ms;
	(void)e;
	*held = true;
	*epoch = 1;
	return ERR_OK;
}

int sqlite_lease_release(struct db *db, const char *name, const char *node,
			 bool forget, struct err *e)
{
	(void)db;
	(void)name;
	(void)node;
	(void)forget;
	(void)e;
	return ERR_OK;
}

int sqlite_lease_expired(struct db *db, const char *prefix,
			 int (*each)(const char *name, void *ctx), void *ctx,
			 struct err *e)
{
	(void)db;
	(void)prefix;
	(void)each;
	(void)ctx;
	(void)e;
	return ERR_OK;   /* one node: its leases never lapse */
}

int sqlite_notify(struct db *db, const char *channel, const char *payload,
		  struct err *e)
{
	(void)db;
	(void)payload;
	return err_set(e, ERR_UNSUPPORTED, "notifying %s: only on PostgreSQL",
		       channel);
}

int sqlite_listen(struct db *db, const char *channel, struct db_listener **out,
		  struct err *e)
{
	(void)db;
	*out = NULL;
	return err_set(e, ERR_UNSUPPORTED, "listening to %s: only on "
		       "PostgreSQL", channel);
}

struct latest_find {
	const int64_t *series;
	size_t n;
	struct db_latest *out;
};

static int take_latest(const struct db_latest *l, void *ctx)
{
	struct latest_find *f = ctx;

	for (size_t i = 0; i < f->n; i++)
		if (f->series[i] == l->series)
			f->out[i] = *l;
	return ERR_OK;
}

/* Only the cluster's engine asks (never on SQLite): a scan is enough. */
int sqlite_latest_get(struct db *db, const int64_t *series, size_t n,
		      struct db_latest *out, struct err *e)
{
	struct latest_find f = { series, n, out };

	for (size_t i = 0; i < n; i++)
		out[i] = (struct db_latest){ series[i], INT64_MIN, 0 };
	return sqlite_latest_list(db, take_latest, &f, e);
}
