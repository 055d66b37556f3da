/*
 * gdal_guard: opening files that callers upload with GDAL, without letting
 * them reach other files or the network.
 *
 * GDAL formats can point elsewhere: a VRT names other files and URLs, a
 * KML NetworkLink an address, a zip may hold members named /vsicurl/...,
 * a GeoJSON CRS a link.  An upload is therefore
 *   1. opened only by the drivers of an allow-list (gdal_guard_driver);
 *   2. refused, naming it, when a name or a reference inside it is a GDAL
 *      virtual path (/vsi...), a URL, an absolute path or goes up (..)
 *      (gdal_guard_name, gdal_guard_scan);
 * and a server process
 *   3. sets GDAL's options so that nothing reaches the network: /vsicurl/
 *      and its kin accept no address (CPL_VSIL_CURL_ALLOWED_FILENAME) and
 *      CPLHTTPFetch answers every request with an error (gdal_guard_network).
 */
#ifndef OASIS_UTIL_GDAL_GUARD_H
#define OASIS_UTIL_GDAL_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The drivers an upload of plots may be read by (NULL-terminated). */
extern const char *const gdal_guard_vector_drivers[];
/* The drivers an uploaded scene may be read by (NULL-terminated). */
extern const char *const gdal_guard_raster_drivers[];

/*
 * Process-wide, once: GDAL fetches no URL, whatever it is asked to open.
 * For servers; the command line keeps GDAL's network access for the files
 * its user names.
 */
void gdal_guard_network(void);
/* Has gdal_guard_network been called? */
bool gdal_guard_network_off(void);

/*
 * A name inside an upload (a zip member, a reference): ERR_INVALID naming
 * it when it is a /vsi path, a URL, absolute, or goes up a folder.  what
 * says where it was met ("a member of the zip").
 */
int gdal_guard_name(const char *name, const char *what, struct err *e);

/*
 * The names of the zip at path, an upload in /vsimem/, read from its
 * central directory (GDAL does not list members named as URLs or absolute
 * paths): gdal_guard_name of each.  ERR_OK for what is no zip in memory.
 */
int gdal_guard_zip_names(const char *path, struct err *e);

/*
 * Read the file at path (a GDAL path, e.g. in /vsimem/ or /vsizip/) and
 * refuse it (ERR_INVALID naming the reference; label names the file) if it
 * holds a /vsi path anywhere, or a KML NetworkLink.
 */
int gdal_guard_scan(const char *path, const char *label, struct err *e);

/*
 * Is the file at path one that drivers read (GDAL_OF_VECTOR or
 * GDAL_OF_RASTER in kind)?  ERR_INVALID naming the format it is (e.g. "a
 * VRT (Virtual Raster)") when another driver would read it, ERR_UNSUPPORTED
 * when none would; accepted lists the formats for the message.  Sets
 * *driver to the short name of the driver that reads it.
 */
int gdal_guard_driver(const char *path, unsigned kind,
		      const char *const *drivers, const char *accepted,
		      const char **driver, struct err *e);

#endif
