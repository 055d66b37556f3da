/*
 * The CRS of a layer of plots and its transformation to EPSG:4326.
 *
 * Axis order: every SRS here uses OAMS_TRADITIONAL_GIS_ORDER, so data is
 * x = longitude (or easting), y = latitude (or northing) whatever the EPSG
 * definition's axis order (EPSG:4326 and the CGCS2000 Gauss-Krueger CRSs
 * put northing/latitude first).  GDAL's vector drivers hand geometries over
 * in that order too.
 */
#include "plots/plots_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#define CRS_HINT "give one with --crs, e.g. --crs EPSG:4538"

static bool starts_with_nocase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* "AUTH:CODE" or an URN: letters, digits and : . _ - + only. */
static bool is_authority_code(const char *s)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":._-+", *s))
			return false;
	return true;
}

/* WKT starts with a keyword and a bracket: PROJCS[, GEOGCRS[, ... */
static bool is_wkt(const char *s)
{
	const char *p = s;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return p > s && (*p == '[' || *p == '(');
}

/*
 * Whether text defines a CRS by itself.  OSRSetFromUserInput also reads
 * files and fetches URLs named by its input; a CRS that may come from an
 * HTTP request must never make it do that.
 */
static bool is_crs_definition(const char *s)
{
	static const char *const names[] = {
		"WGS84", "WGS72", "NAD27", "NAD83",
	};

	if (*s == '+' || *s == '{' || is_wkt(s) || is_authority_code(s))
		return true;
	if (starts_with_nocase(s, "http://www.opengis.net/def/crs/") ||
	    starts_with_nocase(s, "https://www.opengis.net/def/crs/"))
		return !strchr(s, '?') && !strchr(s, '#');
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return true;
	return false;
}

int plots__crs_parse(const char *text, OGRSpatialReferenceH *out,
		     struct err *e)
{
	OGRSpatialReferenceH srs;
	const char *msg;

	*out = NULL;
	while (isspace((unsigned char)*text))
		text++;
	if (!is_crs_definition(text))
		return err_set(e, ERR_INVALID,
			       "'%.80s' is not a CRS definition (give e.g. "
			       "EPSG:4538, WKT or a PROJ string; file names and "
			       "URLs are not read)", text);
	srs = OSRNewSpatialReference(NULL);
	if (!srs)
		return err_nomem(e);
	CPLErrorReset();
	if (OSRSetFromUserInput(srs, text) != OGRERR_NONE) {
		msg = CPLGetLastErrorMsg();
		OSRDestroySpatialReference(srs);
		return err_set(e, ERR_INVALID, "unknown CRS '%.80s'%s%s", text,
			       *msg ? ": " : "", msg);
	}
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	*out = srs;
	return ERR_OK;
}

/*
 * The .prj beside the files of layer in ds, or NULL.  GDAL does not list a
 * .prj it could not parse, so look for it by name.  The path returned is
 * in a CPL buffer, valid until the next CPL path call.
 */
static const char *find_layer_prj(GDALDatasetH ds, const char *layer)
{
	static const char *const exts[] = { "prj", "PRJ" };
	char **files = GDALGetFileList(ds);
	const char *found = NULL;
	VSIStatBufL st;

	for (int i = 0; files && files[i] && !found; i++) {
		if (strcasecmp(CPLGetBasename(files[i]), layer) != 0)
			continue;
		for (int k = 0; k < 2 && !found; k++) {
			const char *prj = CPLResetExtension(files[i], exts[k]);

			if (VSIStatL(prj, &st) == 0)
				found = prj;
		}
	}
	CSLDestroy(files);
	return found;
}

/*
 * The error for a layer without a CRS: name its .prj if it has one, and
 * what GDAL said about it.
 */
static int no_crs_error(GDALDatasetH ds, const char *layer,
			const char *crs_failure, struct err *e)
{
	const char *prj = find_layer_prj(ds, layer);
	bool said = crs_failure && *crs_failure;

	if (prj)
		return err_set(e, ERR_INVALID,
			       "layer '%s': its CRS file %s is not a CRS GDAL "
			       "understands%s%s%s; %s", layer, CPLGetFilename(prj),
			       said ? " (" : "", said ? crs_failure : "",
			       said ? ")" : "", CRS_HINT);
	if (said)
		return err_set(e, ERR_INVALID, "layer '%s': unknown CRS (%s); %s",
			       layer, crs_failure, CRS_HINT);
	return err_set(e, ERR_INVALID,
		       "layer '%s' has no CRS (a Shapefile without its .prj?); "
		       "%s", layer, CRS_HINT);
}

/* The layer's CRS as a new SRS in lon/lat axis order, or an error. */
static int source_srs(GDALDatasetH ds, OGRLayerH layer,
		      OGRSpatialReferenceH layer_srs, const char *crs_failure,
		      OGRSpatialReferenceH assigned, OGRSpatialReferenceH *out,
		      struct err *e)
{
	const char *name = OGR_L_GetName(layer);

	if (!assigned && !layer_srs)
		return no_crs_error(ds, name, crs_failure, e);
	/* a driver that fell back to a default CRS after failing on the
	 * file's own (GeoJSON does) */
	if (!assigned && crs_failure && *crs_failure)
		return err_set(e, ERR_INVALID, "layer '%s': unknown CRS (%s); %s",
			       name, crs_failure, CRS_HINT);
	*out = OSRClone(assigned ? assigned : layer_srs);
	if (!*out)
		return err_nomem(e);
	OSRSetAxisMappingStrategy(*out, OAMS_TRADITIONAL_GIS_ORDER);
	return ERR_OK;
}

int plots__layer_transform(GDALDatasetH ds, OGRLayerH layer,
			   OGRSpatialReferenceH layer_srs,
			   const char *crs_failure,
			   OGRSpatialReferenceH assigned,
			   OGRCoordinateTransformationH *out, struct err *e)
{
	OGRSpatialReferenceH src = NULL, wgs84;
	int rc;

	*out = NULL;
	rc = source_srs(ds, layer, layer_srs, crs_failure, assigned, &src, e);
	if (rc)
		return rc;
	wgs84 = OSRNewSpatialReference(NULL);
	if (!wgs84) {
		rc = err_nomem(e);
		goto out_free_src;
	}
	if (OSRImportFromEPSG(wgs84, 4326) != OGRERR_NONE) {
		rc = err_set(e, ERR_INTERNAL, "EPSG:4326 is unknown to PROJ (%s)",
			     CPLGetLastErrorMsg());
		goto out_free_wgs84;
	}
	OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
	if (OSRIsSame(src, wgs84))
		goto out_free_wgs84;
	CPLErrorReset();
	*out = OCTNewCoordinateTransformation(src, wgs84);
	if (!*out)
		rc = err_set(e, ERR_UNSUPPORTED,
			     "layer '%s': no transformation from %s to WGS 84 "
			     "lon/lat: %s", OGR_L_GetName(layer),
			     OSRGetName(src) ? OSRGetName(src) : "its CRS",
			     CPLGetLastErrorMsg());
out_free_wgs84:
	OSRDestroySpatialReference(wgs84);
out_free_src:
	OSRDestroySpatialReference(src);
	return rc;
}
