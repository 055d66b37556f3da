/*
 * The PostgreSQL backend (placeholder until pg.c proper lands).
 */
#include "db/backends.h"

int pg_open(const char *url, bool create, struct db **out, struct err *e)
{
	(void)url;
	(void)create;
	(void)out;
	return err_set(e, ERR_UNSUPPORTED, "the PostgreSQL store is not "
		       "available in this build yet; use --data DIR");
}
