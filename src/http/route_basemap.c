/*
 * The map's basemap: what it is (GET /api/v1/basemap) and its XYZ tiles
 * (GET /api/v1/basemap/{layer}/{z}/{x}/{y}.png).  The work is rs/basemap's.
 */
#include "http/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "rs/basemap.h"
#include "rs/rs_args.h"

/* A tile whose ?g= names the generation it is cut from never changes. */
#define TILE_CACHE "private, max-age=86400, immutable"

static int no_basemap(struct http_ctx *c)
{
	return err_set(&c->err, ERR_UNAVAILABLE, "this server keeps no basemap");
}

int route_basemap_info(struct http_ctx *c)
{
	json_t *doc;

	if (!c->svc->basemap)
		return no_basemap(c);
	if (basemap_info_json(c->svc->basemap, c->db, &doc, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, doc);
}

static int coord(struct http_ctx *c, const char *text, const char *what,
		 int *out)
{
	long n;

	if (!rs_parse_long(text, 0, 1L << 28, &n))
		return err_set(&c->err, ERR_NOT_FOUND, "tile %s '%s' is not a "
			       "number", what, text);
	*out = (int)n;
	return ERR_OK;
}

int route_basemap_tile(struct http_ctx *c)
{
	const char *name = c->params[3], *g = http_query(c, "g");
	size_t len = strlen(name);
	char y_text[16];
	int z = 0, x = 0, y = 0;

	if (!c->svc->basemap)
		return no_basemap(c);
	if (len < 5 || len - 4 >= sizeof(y_text) ||
	    strcmp(name + len - 4, ".png"))
		return err_set(&c->err, ERR_NOT_FOUND, "no such tile '%s': ask "
			       "for Y.png", name);
	memcpy(y_text, name, len - 4);
	y_text[len - 4] = '\0';
	if (coord(c, c->params[1], "zoom", &z) || coord(c, c->params[2], "x", &x) ||
	    coord(c, y_text, "y", &y))
		return c->err.code;
	buf_reset(&c->out);
	if (basemap_tile(c->svc->basemap, c->db, c->params[0], z, x, y, &c->out,
			 &c->err))
		return c->err.code;
	c->status = MHD_HTTP_OK;
	c->content_type = "image/png";
	if (g && basemap_is_current(c->svc->basemap, g))
		c->cache_control = TILE_CACHE;
	return ERR_OK;
}
