/*
 * A scene's colour picture, for the map's basemap (rs/basemap.h): the red,
 * green and blue bands stretched to bytes (reflectance 0 to
 * IMAGERY_COLOUR_TOP when the bands have a scale, or a scale was given;
 * a byte mosaic as it is; other bands between their minimum and maximum),
 * reduced to at most IMAGERY_COLOUR_MAX pixels a side, kept beside the
 * index previews in the store's files as PREVIEW/rgb.tif.  GDAL does it
 * all: a VRT of the three bands (vrt://FILE?bands=N, -separate) and
 * gdal_translate's scaling and averaging.  A scene without a blue, green
 * and red band has no colour picture (the basemap skips it).
 */
#include "rs/imagery_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_utils.h>

#define IMAGERY_COLOUR_MAX 2048
#define IMAGERY_COLOUR_TOP 0.3 /* reflectance drawn white */

static const enum rs_role colour_roles[3] = {
	RS_ROLE_RED, RS_ROLE_GREEN, RS_ROLE_BLUE,
};

/* "vrt://PATH?bands=N" of each colour band, or ERR_NOT_FOUND without one. */
static int band_names(const struct rs_raster_opts *ro, char names[3][600],
		      struct err *e)
{
	for (int i = 0; i < 3; i++) {
		struct rs_band_ref b = ro->role[colour_roles[i]];

		if (!b.path)
			return ERR_NOT_FOUND;
		if (b.band == 0 && rs_raster_find_band(b.path, colour_roles[i],
						       &b.band, e))
			return e->code == ERR_INVALID ? ERR_NOT_FOUND : e->code;
		snprintf(names[i], sizeof(names[i]), "vrt://%s?bands=%d",
			 b.path, b.band);
	}
	return ERR_OK;
}

/* The values band k of vrt draws from black to white. */
static void stretch(const struct rs_raster_opts *ro, GDALDatasetH vrt, int k,
		    double *lo, double *hi)
{
	GDALRasterBandH band = GDALGetRasterBand(vrt, k + 1);
	int has_scale = 0, has_offset = 0;
	double scale = GDALGetRasterScale(band, &has_scale);
	double offset = GDALGetRasterOffset(band, &has_offset);
	double mm[2] = { 0, 255 };

	if (!has_offset)
		offset = 0;
	/* a VRT says 1 and 0 of bands that have none */
	has_scale = has_scale && !(scale == 1 && offset == 0);
	if (ro->has_scale)
		scale = ro->scale, has_scale = 1;
	if (ro->has_offset)
		offset = ro->offset;
	if (has_scale && scale != 0) {
		*lo = (0 - offset) / scale;
		*hi = (IMAGERY_COLOUR_TOP - offset) / scale;
		return;
	}
	if (GDALGetRasterDataType(band) != GDT_Byte)
		GDALComputeRasterMinMax(band, TRUE, mm);
	*lo = mm[0];
	*hi = mm[1] > mm[0] ? mm[1] : mm[0] + 1;
}

/* The three bands, stretched and reduced, as a GeoTIFF at path. */
static int translate(const struct rs_raster_opts *ro, GDALDatasetH vrt,
		     const char *path, struct err *e)
{
	int w = GDALGetRasterXSize(vrt), h = GDALGetRasterYSize(vrt);
	int big = w > h ? w : h;
	double f = big > IMAGERY_COLOUR_MAX ? (double)IMAGERY_COLOUR_MAX / big : 1;
	char args[3][4][32], size[2][16];
	char *argv[32];
	int n = 0, usage = 0;
	GDALTranslateOptions *opt;
	GDALDatasetH out;

	snprintf(size[0], sizeof(size[0]), "%d", (int)lround(w * f) ? (int)lround(w * f) : 1);
	snprintf(size[1], sizeof(size[1]), "%d", (int)lround(h * f) ? (int)lround(h * f) : 1);
	argv[n++] = "-of", argv[n++] = "GTiff", argv[n++] = "-ot";
	argv[n++] = "Byte", argv[n++] = "-outsize", argv[n++] = size[0];
	argv[n++] = size[1], argv[n++] = "-r", argv[n++] = "average";
	for (int k = 0; k < 3; k++) {
		double lo, hi;

		stretch(ro, vrt, k, &lo, &hi);
		snprintf(args[k][0], sizeof(args[k][0]), "-scale_%d", k + 1);
		snprintf(args[k][1], sizeof(args[k][1]), "%.9g", lo);
		snprintf(args[k][2], sizeof(args[k][2]), "%.9g", hi);
		argv[n++] = args[k][0], argv[n++] = args[k][1];
		argv[n++] = args[k][2], argv[n++] = "0", argv[n++] = "255";
	}
	argv[n++] = "-co", argv[n++] = "COMPRESS=DEFLATE";
	argv[n++] = "-co", argv[n++] = "PHOTOMETRIC=RGB";
	argv[n] = NULL;
	opt = GDALTranslateOptionsNew(argv, NULL);
	if (!opt)
		return err_set(e, ERR_INTERNAL, "gdal_translate options: %s",
			       CPLGetLastErrorMsg());
	out = GDALTranslate(path, vrt, opt, &usage);
	GDALTranslateOptionsFree(opt);
	if (!out)
		return err_set(e, ERR_IO, "the scene's colour picture cannot be "
			       "made: %s", CPLGetLastErrorMsg());
	GDALClose(out);
	return ERR_OK;
}

/* The three bands as one VRT (in memory). */
static int colour_vrt(char names[3][600], GDALDatasetH *out, struct err *e)
{
	char *argv[] = { "-separate", "-resolution", "highest", NULL };
	const char *srcs[3] = { names[0], names[1], names[2] };
	GDALBuildVRTOptions *opt = GDALBuildVRTOptionsNew(argv, NULL);
	int usage = 0;

	if (!opt)
		return err_set(e, ERR_INTERNAL, "gdalbuildvrt options: %s",
			       CPLGetLastErrorMsg());
	*out = GDALBuildVRT("", 3, NULL, srcs, opt, &usage);
	GDALBuildVRTOptionsFree(opt);
	if (!*out)
		return err_set(e, ERR_INVALID, "the scene's colour bands cannot "
			       "be put together: %s", CPLGetLastErrorMsg());
	return ERR_OK;
}

int imagery__colour_write(struct db *db, struct imagery__scene *sc,
			  const struct rs_raster_opts *ro, struct err *e)
{
	static atomic_uint counter;
	char names[3][600], path[96], name[sizeof(sc->preview_dir) + 16];
	GDALDatasetH vrt = NULL;
	vsi_l_offset len = 0;
	GByte *data;
	int rc;

	if (!sc->preview_dir[0])
		return ERR_OK;
	rc = band_names(ro, names, e);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* no colour: no picture */
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/vsimem/oasis-colour-%ld-%u.tif",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	if ((rc = colour_vrt(names, &vrt, e)) ||
	    (rc = translate(ro, vrt, path, e)))
		goto out;
	if (!(data = VSIGetMemFileBuffer(path, &len, TRUE))) {
		rc = err_set(e, ERR_IO, "the scene's colour picture is empty");
		goto out;
	}
	snprintf(name, sizeof(name), "%s/rgb.tif", sc->preview_dir);
	rc = db_file_put(db, name, data, (size_t)len, sc->scene.created_ms, e);
	CPLFree(data);
out:
	if (vrt)
		GDALClose(vrt);
	VSIUnlink(path);
	return rc;
}
