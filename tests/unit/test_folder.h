/*
 * A store in a new temporary folder, with its time-series engine when
 * asked (the engine's write-ahead log lives in the folder): the fixture of
 * the unit tests of the engine and of the services above it.  The suites
 * of db/ run on both backends through test_store.h instead.
 */
#ifndef OASIS_TEST_FOLDER_H
#define OASIS_TEST_FOLDER_H

#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "ts/engine.h"

/*
 * Make /tmp/oasis-test-TAG-XXXXXX in dir (size bytes), open a new store in
 * it into *db and, when eng is not NULL, the engine on it with o into *eng.
 */
static inline int test_folder_open(char *dir, size_t size, const char *tag,
				   struct db **db, struct ts_engine **eng,
				   const struct ts_engine_opts *o)
{
	struct err e;

	snprintf(dir, size, "/tmp/oasis-test-%s-XXXXXX", tag);
	if (!mkdtemp(dir) || db_open(dir, true, db, &e))
		return -1;
	return eng && ts_engine_open(*db, dir, o, eng, &e) ? -1 : 0;
}

/* Close the engine (eng may be NULL) and the store, remove the folder. */
static inline int test_folder_close(const char *dir, struct db *db,
				    struct ts_engine *eng)
{
	char cmd[128];

	ts_engine_close(eng);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
