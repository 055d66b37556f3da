/*
 * GET /api/v1/overview?tz=Asia/Shanghai: the whole base at a glance, for
 * the big screen.  "Today" is the day of the default site's time zone, or
 * of the zone or UTC offset asked (sites_zone); the route serialises what
 * overview/ builds.
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "overview/overview.h"
#include "sites/sites.h"
#include "util/timeutil.h"

int route_overview(struct http_ctx *c)
{
	struct db_site site;
	struct tz *z = malloc(sizeof(*z));
	bool have_site = false;
	json_t *root;
	int rc;

	if (!z)
		return err_nomem(&c->err);
	rc = sites_zone(c->db, http_query(c, "tz"), &site, &have_site, z,
			&c->err) ||
	     overview_build(c->db, c->svc->ts, c->svc->alerts != NULL,
			    time_now_ms(), z, have_site ? &site : NULL, &root,
			    &c->err);
	if (have_site)
		sites_free(&site);
	free(z);
	if (rc)
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, root);
}
