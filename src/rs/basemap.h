/*
 * basemap: the map's imagery under the plots, as XYZ tiles (the web
 * mercator grid every slippy map uses, 256-pixel PNG tiles).
 *
 * A generation is a mosaic of the base's newest colour pictures (each
 * scene's rgb.tif, rs/imagery_colour.c): the newest satellite scene
 * (which covers the base) and the newest drone mosaics after it, newest
 * on top, BASEMAP_SCENES at most; over the registry's extent with a margin, in
 * EPSG:3857, snapped to the tile grid of its finest zoom (the zoom whose
 * pixels are as fine as the finest scene's, or the finest whose mosaic
 * holds at most BASEMAP_MAX_PIXELS).  GDAL warps it (gdalwarp,
 * bilinear, an alpha band: places no scene covers stay transparent) and
 * writes it as a Cloud-Optimized GeoTIFF with overviews (the COG driver,
 * averaged), kept in the store's files as basemap/GENERATION/truecolour.tif.
 *
 * Invariants:
 *   1. The generation is named by the newest satellite and drone scenes
 *      (their ids): a scene that arrives makes a new one, and every node
 *      of a store names it alike.
 *   2. A generation is built once per store: a node that finds it in the
 *      store's files loads it instead, so every node serves the same
 *      bytes.  Two nodes building at once store the same bytes (GDAL's
 *      output depends only on its input).
 *   3. A tile is read from the mosaic by GDAL (its overviews below the
 *      finest zoom, bilinear above it) and encoded by GDAL's PNG driver;
 *      encoded tiles are cached in memory per generation (at most
 *      BASEMAP_CACHE_BYTES), so a warm tile costs a copy.
 *   4. A node looks for a new generation at most every BASEMAP_CHECK_MS,
 *      and at once after basemap_refresh (an upload on this node).
 *
 * Thread-safe: one mosaic open per node, read under a lock; the cache has
 * its own.  A new generation is built or loaded by one request without
 * the lock: meanwhile the others serve the one before.  The store is the caller's (a request's connection): the
 * service keeps none.
 */
#ifndef OASIS_RS_BASEMAP_H
#define OASIS_RS_BASEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "util/buf.h"
#include "util/err.h"

#define BASEMAP_SCENES 8
#define BASEMAP_CHECK_MS 2000
#define BASEMAP_CACHE_BYTES (48u << 20)
#define BASEMAP_MAX_SIDE 8192     /* pixels of the finest zoom, a side */
/* and in all: a 12,000 mu base (3 x 3 km) gets zoom 16 (1.7 m a pixel on
 * the ground at 44 N), regenerated within seconds; smaller ones finer */
#define BASEMAP_MAX_PIXELS (8 << 20)
#define BASEMAP_OVERZOOM 4        /* zooms served past the finest */
#define BASEMAP_TILE 256

struct basemap;

int basemap_open(struct basemap **out, struct err *e);
void basemap_close(struct basemap *b);

/* Look for a new generation at the next request (a scene arrived here). */
void basemap_refresh(struct basemap *b);

/*
 * Make sure the newest generation is loaded (built and stored if the
 * store has none); ERR_NOT_FOUND when no scene has a colour picture.
 */
int basemap_update(struct basemap *b, struct db *db, struct err *e);

/*
 * What the map needs: {"generation", "layers":[{"id","tiles"}],
 * "bounds":[W,S,E,N], "minzoom", "maxzoom", "scenes":[{id,kind,source,
 * acquired}]}, or {"generation":null,"layers":[]} without imagery.
 */
int basemap_info_json(struct basemap *b, struct db *db, json_t **out,
		      struct err *e);

/*
 * Tile z/x/y of layer ("truecolour") as PNG into out (transparent outside
 * the mosaic); ERR_NOT_FOUND for an unknown layer, a zoom out of range or
 * no imagery.
 */
int basemap_tile(struct basemap *b, struct db *db, const char *layer, int z,
		 int x, int y, struct buf *out, struct err *e);

/* Whether gen names the generation loaded (tiles cut from it never change). */
bool basemap_is_current(struct basemap *b, const char *gen);

/* Build generation gen now from the store (basemap_update's work; bench). */
int basemap_build(struct db *db, const char *gen, struct err *e);

#endif
