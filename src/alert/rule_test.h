/*
 * rule_test: what a rule would have done on past data, without storing
 * anything (the admin console tries a rule on the last day before saving
 * it).  Threshold and stuck rules are replayed point by point through
 * eval.c, as the live monitoring would; other kinds answer ERR_INVALID.
 */
#ifndef OASIS_ALERT_RULE_TEST_H
#define OASIS_ALERT_RULE_TEST_H

#include <stdint.h>

#include <jansson.h>

#include "alert/rules.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/err.h"

/*
 * Replay [from, to] of every device r concerns: *out (new reference) is
 * {"from","to","subjects","points","opened","closed","events":[{subject,
 * change: open|close, time, value}]} (the first 200 events).
 */
int alerts_rule_test(struct db *db, struct ingest *ing, struct ts_engine *ts,
		     const struct alert_rule *r, int64_t from, int64_t to,
		     json_t **out, struct err *e);

#endif
