/*
 * workorders: the tickets (运维工单) technicians work on a site: made from
 * an alert with one call or from scratch, assigned to a user, moved open ->
 * assigned -> in_progress -> done (the transitions checked here), every
 * change a compare-and-set on the ticket's version so that two operators
 * cannot both move it, with a trail of comments (each optionally a camera
 * snapshot's id) and, once done, the energy an inverter lost while it was
 * open (pvsite's expected vs actual power).  The routes
 * (/api/v1/workorders) and `oasis workorders` call this.  docs/PV.md,
 * "Work orders".
 */
#ifndef OASIS_WORKORDERS_WORKORDERS_H
#define OASIS_WORKORDERS_WORKORDERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

struct ts_engine;

/* May a work order go from state from to state to?  (Pure.) */
bool workorders_transition_ok(const char *from, const char *to);
/* Is s one of open, assigned, in_progress, done? */
bool workorders_state_known(const char *s);

/*
 * Make a work order from body {alert, site, equipment, title, assignee}:
 * with alert (an id), the title defaults to the alert's message and the
 * equipment to the device of its subject; site defaults to the default
 * site.  A ticket with an assignee starts assigned.  ERR_INVALID naming
 * the field, ERR_NOT_FOUND for an unknown alert, site or user.  *out: the
 * work order as JSON.
 */
int workorders_create(struct db *db, json_t *body, const char *by,
		      int64_t now_ms, json_t **out, struct err *e);

/*
 * Change a work order from body {version (required), state, assignee,
 * comment, snapshot}: a state change must be a permitted transition; an
 * assignee on an open ticket makes it assigned; done records the closing
 * time and, for an inverter with ts given, the energy lost while it was
 * open.  A comment (with an optional snapshot id) is added.  ERR_EXISTS
 * when version is not the stored one (someone else changed it).
 */
int workorders_patch(struct db *db, struct ts_engine *ts, int64_t id,
		     json_t *body, const char *by, int64_t now_ms,
		     json_t **out, struct err *e);

/* One work order with its comments. */
int workorders_get_json(struct db *db, int64_t id, json_t **out,
			struct err *e);
/* {"workorders": [...]}, newest first; filters NULL or "" any. */
int workorders_list_json(struct db *db, const char *site, const char *state,
			 const char *assignee, json_t **out, struct err *e);

/*
 * Energy (kWh) inverter of site lost from from_ms to to_ms: the sum over
 * pvsite's per-minute points of max(0, expected - actual) where both are
 * known.  ERR_NOT_FOUND when it is not an inverter of the site.
 */
int workorders_energy_lost(struct db *db, struct ts_engine *ts,
			   const char *site, const char *inverter,
			   int64_t from_ms, int64_t to_ms, double *kwh,
			   struct err *e);

#endif
