/*
 * The backends' entry points, for db.c only: each opens its kind of store
 * and returns it with its table (struct db_backend) in place.
 */
#ifndef OASIS_DB_BACKENDS_H
#define OASIS_DB_BACKENDS_H

#include <stdbool.h>

#include "db/db.h"

/* A folder: the embedded store DIR/oasis.db (sqlite.c). */
int sqlite_open(const char *dir, bool create, struct db **out,
		struct err *e);
/* A postgresql:// or postgres:// URL (pg.c). */
int pg_open(const char *url, bool create, struct db **out, struct err *e);

/*
 * The password read from the file of db_password_file into *out (heap; the
 * caller wipes and frees it), or NULL when none was set.
 */
int db__password(char **out, struct err *e);

/* A file's name and size fit db_file_put's rules (db.h); else ERR_INVALID. */
int db__file_check(const char *name, size_t len, struct err *e);
/* The SHA-256 of data, as 64 hex digits and a NUL. */
void db__sha256_hex(const void *data, size_t len, char out[65]);

/* Copying (db_rows_*): the table of db_tables named so, else ERR_INVALID. */
const struct db_table *db__table(const char *name, struct err *e);
/* How many columns t has. */
size_t db__table_columns(const struct db_table *t);
/* Append a zeroed row of n_cols values to r (grown by realloc): *row. */
int db__rows_add(struct db_rows *r, size_t n_cols, struct db_value **row,
		 struct err *e);

#endif
