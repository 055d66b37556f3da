/* The insides of the fleet service, shared by fleet.c and fleet_ops.c. */
#ifndef OASIS_FLEET_FLEET_INTERNAL_H
#define OASIS_FLEET_FLEET_INTERNAL_H

#include "fleet/fleet.h"

struct fleet {
	struct db *db;
	struct ts_engine *ts;
	struct ingest *ingest;
	size_t keep, max_bytes;
};

/* What a machine works with: its equipment, or its kind's default. */
struct fleet_profile {
	char implement[DB_IMPLEMENT_MAX];  /* "" when neither says */
	const char *operation;             /* NULL when unknown */
	double swath_m;                    /* NAN when unknown */
	char stream_url[DB_URL_MAX];
	bool defaulted;                    /* from the kind, not set */
	bool has_equipment;
};

bool fleet__is_machine(const char *kind);
void fleet__profile(struct fleet *f, const struct db_device *d,
		    struct fleet_profile *p);
json_t *fleet__snapshot_json(const struct db_snapshot *s);

#endif
