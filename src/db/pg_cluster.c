/*
 * Many nodes on one PostgreSQL store (docs/CLUSTER.md): leases with a
 * fencing epoch, notifications between nodes (NOTIFY / LISTEN) and the
 * newest points of chosen series.
 *
 * A lease's time is the store's clock (clock_timestamp()), never a node's,
 * so nodes whose clocks disagree still agree on who holds it.  Taking one is
 * one statement: insert it, or take it over when it expired or is already
 * ours; the epoch grows whenever the holder changes or the lease comes back
 * after expiring.
 */
#include "db/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

int pg_lease_acquire(struct db *db, const char *name, const char *node,
		     int64_t ttl_ms, bool *held, int64_t *epoch,
		     struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, name);
	pg__p_text(&p, node);
	pg__p_int(&p, ttl_ms);
	if ((rc = pg__call(db, PG_LEASE_ACQUIRE, "INSERT INTO leases (name,"
			   " holder, epoch, expires_ms) VALUES ($1, $2, 1, "
			   NOW_MS " + $3) ON CONFLICT (name) DO UPDATE SET"
			   " holder = excluded.holder, expires_ms ="
			   " excluded.expires_ms, epoch = leases.epoch + CASE"
			   " WHEN leases.holder = excluded.holder AND"
			   " leases.expires_ms >= " NOW_MS " THEN 0 ELSE 1 END"
			   " WHERE leases.holder = excluded.holder OR"
			   " leases.expires_ms < " NOW_MS " RETURNING epoch",
			   &p, false, &r, "taking a lease", e)))
		return err_prefix(e, "lease %s", name);
	*held = PQntuples(r) == 1;
	*epoch = *held ? pg__int(r, 0, 0) : 0;
	PQclear(r);
	return ERR_OK;
}

int pg_lease_release(struct db *db, const char *name, const char *node,
		     bool forget, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, name);
	pg__p_text(&p, node);
	rc = forget
	     ? pg__call(db, PG_LEASE_FORGET, "DELETE FROM leases WHERE name = $1"
			" AND holder = $2", &p, false, &r, "ending a lease", e)
	     : pg__call(db, PG_LEASE_RELEASE, "UPDATE leases SET expires_ms = 0"
			" WHERE name = $1 AND holder = $2", &p, false, &r,
			"giving a lease back", e);
	if (rc)
		return err_prefix(e, "lease %s", name);
	PQclear(r);
	return ERR_OK;
}

int pg_lease_expired(struct db *db, const char *prefix,
		     int (*each)(const char *name, void *ctx), void *ctx,
		     struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, prefix);
	if ((rc = pg__call(db, PG_LEASE_EXPIRED, "SELECT name FROM leases WHERE"
			   " starts_with(name, $1) AND expires_ms < " NOW_MS
			   " ORDER BY name", &p, false, &r, "listing expired"
			   " leases", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = each(PQgetvalue(r, i, 0), ctx);
	PQclear(r);
	return rc;
}

int pg_notify(struct db *db, const char *channel, const char *payload,
	      struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, channel);
	pg__p_text(&p, payload);
	if ((rc = pg__call(db, PG_NOTIFY, "SELECT pg_notify($1, $2)", &p, false,
			   &r, "notifying the other nodes", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

struct db_listener {
	struct db *db;
	struct pg_conn *c;
};

/* A channel is a plain name: it goes into LISTEN's text, never a value. */
static bool channel_ok(const char *s)
{
	if (!*s || strlen(s) > 60)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

int pg_listen(struct db *db, const char *channel, struct db_listener **out,
	      struct err *e)
{
	struct db_listener *l;
	char sql[96];
	int rc;

	*out = NULL;
	if (!channel_ok(channel))
		return err_set(e, ERR_INVALID, "listening: bad channel name '%s'",
			       channel);
	if (!(l = calloc(1, sizeof(*l))))
		return err_nomem(e);
	l->db = db;
	if ((rc = pg__conn_get(db, &l->c, e))) {
		free(l);
		return rc;
	}
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	if ((rc = pg__exec(l->c, sql, "listening to the other nodes", e))) {
		db_listener_close(l);
		return rc;
	}
	*out = l;
	return ERR_OK;
}

static int take_notifications(struct db_listener *l,
			      int (*each)(const char *payload, void *ctx),
			      void *ctx)
{
	PGnotify *n;
	int rc = ERR_OK;

	while ((n = PQnotifies(l->c->conn))) {
		if (!rc)
			rc = each(n->extra, ctx);
		PQfreemem(n);
	}
	return rc;
}

int db_listener_wait(struct db_listener *l, int timeout_ms,
		     int (*each)(const char *payload, void *ctx), void *ctx,
		     struct err *e)
{
	struct pollfd fd = { .fd = PQsocket(l->c->conn), .events = POLLIN };
	int rc;

	if (fd.fd < 0 || PQstatus(l->c->conn) != CONNECTION_OK)
		return err_set(e, ERR_UNAVAILABLE, "listening to the other "
			       "nodes: the connection is closed");
	if ((rc = take_notifications(l, each, ctx)))
		return rc;
	rc = poll(&fd, 1, timeout_ms);
	if (rc < 0 && errno != EINTR)
		return err_set(e, ERR_IO, "listening to the other nodes: poll: "
			       "%s", strerror(errno));
	if (rc <= 0)
		return ERR_OK;
	if (!PQconsumeInput(l->c->conn))
		return pg__error(l->c->conn, NULL, "listening to the other "
				 "nodes", e);
	return take_notifications(l, each, ctx);
}

void db_listener_close(struct db_listener *l)
{
	if (!l)
		return;
	if (PQstatus(l->c->conn) == CONNECTION_OK)
		PQclear(PQexec(l->c->conn, "UNLISTEN *"));
	pg__conn_put(l->db, l->c);
	free(l);
}

/* A series and where it is asked for, sorted by series. */
struct wanted {
	int64_t series;
	size_t at;
};

static int by_series(const void *a, const void *b)
{
	const struct wanted *x = a, *y = b;

	return x->series < y->series ? -1 : x->series > y->series;
}

/* The rows into out[] (series may repeat): a sorted index, then bsearch. */
static int fill_latest(const PGresult *r, const int64_t *series, size_t n,
		       struct db_latest *out, struct err *e)
{
	struct wanted *w = malloc(n * sizeof(*w));

	if (!w)
		return err_nomem(e);
	for (size_t i = 0; i < n; i++)
		w[i] = (struct wanted){ series[i], i };
	qsort(w, n, sizeof(*w), by_series);
	for (int row = 0; row < PQntuples(r); row++) {
		struct wanted key = { pg__int(r, row, 0), 0 }, *hit;
		int64_t ts = pg__int(r, row, 1);
		double v = pg__real_or_nan(r, row, 2);

		if (!(hit = bsearch(&key, w, n, sizeof(*w), by_series)))
			continue;
		while (hit > w && hit[-1].series == key.series)
			hit--;
		for (; hit < w + n && hit->series == key.series; hit++) {
			out[hit->at].ts = ts;
			out[hit->at].value = v;
		}
	}
	free(w);
	return ERR_OK;
}

int pg_latest_get(struct db *db, const int64_t *series, size_t n,
		  struct db_latest *out, struct err *e)
{
	struct pg_params p = { 0 };
	struct buf ids = { 0 };
	PGresult *r;
	int rc;

	for (size_t i = 0; i < n; i++)
		out[i] = (struct db_latest){ series[i], INT64_MIN, 0 };
	if (!n)
		return ERR_OK;
	buf_putc(&ids, '{');
	for (size_t i = 0; i < n; i++)
		buf_printf(&ids, "%s%" PRId64, i ? "," : "", series[i]);
	buf_putc(&ids, '}');
	if (buf_failed(&ids)) {
		buf_free(&ids);
		return err_nomem(e);
	}
	pg__p_text(&p, ids.data);
	rc = pg__call(db, PG_LATEST_GET, "SELECT series, ts, value FROM latest"
		      " WHERE series = ANY ($1::bigint[])", &p, false, &r,
		      "reading latest values", e);
	buf_free(&ids);
	if (rc)
		return rc;
	rc = fill_latest(r, series, n, out, e);
	PQclear(r);
	return rc;
}
