/*
 * GET /api/v1/overview?tz=+08:00: the whole base at a glance, for the big
 * screen.  The route parses the UTC offset of "today" (default +08:00,
 * China Standard Time) and serialises what overview/ builds.
 */
#include "http/routes.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "overview/overview.h"
#include "util/timeutil.h"

#define OV_DEFAULT_TZ_MIN (8 * 60)

/* "+08:00", "-05:30", "+8", "Z": minutes east of UTC. */
static int parse_tz(struct http_ctx *c, const char *s, int *out)
{
	int h = 0, m = 0, sign, n;
	char extra;

	*out = OV_DEFAULT_TZ_MIN;
	if (!s)
		return ERR_OK;
	if (!strcmp(s, "Z") || !strcmp(s, "UTC")) {
		*out = 0;
		return ERR_OK;
	}
	sign = s[0] == '-' ? -1 : 1;
	/* a '+' may arrive decoded as a space */
	n = (s[0] == '+' || s[0] == '-' || s[0] == ' ') && isdigit((unsigned char)s[1])
		? sscanf(s + 1, "%2d:%2d%c", &h, &m, &extra) : 0;
	if (n < 1 || n > 2 || h > 14 || m < 0 || m > 59)
		return err_set(&c->err, ERR_INVALID, "parameter 'tz': '%s' is not "
			       "a UTC offset like +08:00", s);
	*out = sign * (h * 60 + m);
	return ERR_OK;
}

int route_overview(struct http_ctx *c)
{
	json_t *root;
	int tz_min;

	if (parse_tz(c, http_query(c, "tz"), &tz_min) ||
	    overview_build(c->db, c->svc->ts, c->svc->alerts != NULL,
			   time_now_ms(), tz_min, &root, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, root);
}
