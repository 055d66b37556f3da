/*
 * rows: a listing's typed callback, carried through a backend's one row
 * iterator (sqlite__each_row in sqlite.c, pg__each_row in pg.c).
 *
 * Every listing of db.h calls back int each(const struct db_T *row,
 * void *ctx).  A backend's iterator reads rows of any type, so it holds the
 * callback as a struct db_each: the function as a generic function pointer
 * and the small function (made by DB_ROW_TYPES) that converts it back to
 * its own type before calling it (converting function pointers and back is
 * defined C; calling through the wrong type would not be).  DB_EACH checks
 * at compile time that the callback has the type it claims.
 */
#ifndef OASIS_DB_ROWS_H
#define OASIS_DB_ROWS_H

#include "db/db.h"

struct db_each {
	void (*fn)(void);   /* the caller's callback, converted */
	void *ctx;
	int (*call)(const struct db_each *each, const void *row);
};

/* The row types of the listings. */
#define DB_ROW_TYPES(X) \
	X(db_user) X(db_token) X(db_plot) X(db_device) X(db_series) \
	X(db_retention) X(db_command) X(db_station) X(db_group_member) \
	X(db_scene) X(db_scene_stat) X(db_anomaly) X(db_index_point) \
	X(db_equipment) X(db_snapshot) X(db_alert) X(db_file) \
	X(db_audit) X(db_metric_unit)

#define DB_EACH_CALL(type) \
	static inline int db__each_##type(const struct db_each *each, \
					  const void *row) \
	{ \
		return ((int (*)(const struct type *, void *))each->fn)( \
			row, each->ctx); \
	}
DB_ROW_TYPES(DB_EACH_CALL)
#undef DB_EACH_CALL

/*
 * db_alert_rule_list's row and callback, each(id, body, ctx): a rule
 * collected (its body on the heap) and the call that spreads it.
 */
struct db_rule_row {
	int64_t id;
	char *body;
};

static inline int db__each_rule(const struct db_each *each, const void *row)
{
	const struct db_rule_row *r = row;

	return ((int (*)(int64_t, const char *, void *))each->fn)(
		r->id, r->body, each->ctx);
}

#define DB_EACH_RULE(f, c) \
	((struct db_each){ \
		.fn = (void (*)(void))(1 ? (f) : \
			(int (*)(int64_t, const char *, void *))0), \
		.ctx = (c), \
		.call = db__each_rule, \
	})

/* The callback f(const struct type *, void *) with its ctx c. */
#define DB_EACH(type, f, c) \
	((struct db_each){ \
		.fn = (void (*)(void))(1 ? (f) : \
			(int (*)(const struct type *, void *))0), \
		.ctx = (c), \
		.call = db__each_##type, \
	})

#endif
