/*
 * The rasters of an index, opened with GDAL (rs_raster.h).
 *
 * rs_raster_open looks at every file once (bands, nodata, scale, CRS,
 * grid, block size) and closes it again; each reader, one per scanning
 * thread, opens the files anew and, for a file off the reference grid,
 * wraps its own handle in a VRT that resamples it (GDALTranslate -srcwin
 * -outsize -r nearest).  GDAL's messages are kept off stderr while we
 * work and folded into the err messages.
 */
#include "rs/rs_raster.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>

#define MAX_FILES (RS_ROLE_COUNT + 2)
#define NO_FILE (-1)
/* Work items are at least this many rows (several strips of a striped
 * file), and at most this many rows when a file's blocks are taller. */
#define MIN_ITEM_ROWS 64
#define MAX_ITEM_ROWS 1024
#define TALL_BLOCK_ITEM_ROWS 512

struct file {
	const char *path;
	int width, height, n_bands;
	double gt[6];
	bool has_gt;
	OGRSpatialReferenceH srs; /* NULL: none; released on close */
	bool described;		  /* describe_file has run */
	bool resample;		  /* not on the reference grid */
	double srcwin[4];	  /* its window under the reference grid */
};

/* How to read and clean one band. */
struct band_use {
	int file; /* NO_FILE: unused */
	int band;
	bool has_nodata;
	double nodata;
	double scale, offset;
	bool mask_band; /* an alpha or internal mask to read */
};

struct rs_raster {
	struct rs_raster_opts o;
	unsigned roles;
	struct file files[MAX_FILES];
	int n_files;
	struct band_use role[RS_ROLE_COUNT];
	struct band_use mask, cls;
	int ref; /* the file whose grid we use */
	int width, height;
	double gt[6];
	char *wkt;
	int item_rows;
	bool flush_per_item;
};

struct reader {
	const struct rs_raster *r;
	GDALDatasetH ds[MAX_FILES];
	GDALDatasetH vrt[MAX_FILES];
	double *buf[RS_ROLE_COUNT];
	double *aux;
	unsigned char *bytes;
	size_t cap;
};

/* "msg" or "msg: what GDAL said". */
static int gdal_fail(struct err *e, enum err_code code, const char *what)
{
	const char *m = CPLGetLastErrorMsg();

	if (m && *m)
		return err_set(e, code, "%s: %s", what, m);
	return err_set(e, code, "%s", what);
}

/* ---- opening ---- */

static int file_index(struct rs_raster *r, const char *path)
{
	for (int i = 0; i < r->n_files; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return i;
	r->files[r->n_files].path = path;
	return r->n_files++;
}

static GDALDatasetH open_dataset(const char *path, struct err *e)
{
	GDALDatasetH ds;

	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
			NULL);
	if (!ds) {
		char what[600];

		snprintf(what, sizeof(what), "%s: cannot open as a raster",
			 path);
		gdal_fail(e, ERR_NOT_FOUND, what);
	}
	return ds;
}

static int describe_file(struct file *f, struct err *e)
{
	GDALDatasetH ds;
	OGRSpatialReferenceH srs;

	if (f->described)
		return 0;
	ds = open_dataset(f->path, e);
	if (!ds)
		return e->code;
	f->described = true;
	f->width = GDALGetRasterXSize(ds);
	f->height = GDALGetRasterYSize(ds);
	f->n_bands = GDALGetRasterCount(ds);
	f->has_gt = GDALGetGeoTransform(ds, f->gt) == CE_None;
	srs = GDALGetSpatialRef(ds);
	f->srs = srs ? OSRClone(srs) : NULL;
	if (f->srs)
		OSRSetAxisMappingStrategy(f->srs, OAMS_TRADITIONAL_GIS_ORDER);
	GDALClose(ds);
	if (f->n_bands < 1)
		return err_set(e, ERR_INVALID,
			       "%s: the file has no raster band", f->path);
	return 0;
}

static bool word_is(const char *desc, const char *const *names)
{
	char buf[64];
	size_t n;

	while (isspace((unsigned char)*desc))
		desc++;
	n = strlen(desc);
	while (n > 0 && isspace((unsigned char)desc[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, desc, n);
	buf[n] = 0;
	for (; *names; names++)
		if (strcasecmp(buf, *names) == 0)
			return true;
	return false;
}

/* Whether band b of ds looks like role: by colour or by description. */
static bool band_is(GDALRasterBandH b, enum rs_role role)
{
	static const char *const red[] = {"red", "B04", NULL};
	static const char *const green[] = {"green", "B03", NULL};
	static const char *const blue[] = {"blue", "B02", NULL};
	static const char *const rededge[] = {
	    "rededge", "red edge", "red_edge", "red-edge", "B05", NULL,
	};
	static const char *const nir[] = {
	    "nir", "near infrared", "near-infrared", "B08", "B8A", NULL,
	};
	const char *desc = GDALGetDescription(b);
	GDALColorInterp ci = GDALGetRasterColorInterpretation(b);

	switch (role) {
	case RS_ROLE_RED:
		return ci == GCI_RedBand || word_is(desc, red);
	case RS_ROLE_GREEN:
		return ci == GCI_GreenBand || word_is(desc, green);
	case RS_ROLE_BLUE:
		return ci == GCI_BlueBand || word_is(desc, blue);
	case RS_ROLE_REDEDGE:
		return word_is(desc, rededge);
	case RS_ROLE_NIR:
		return word_is(desc, nir);
	default:
		return false;
	}
}

static int find_band(const char *path, enum rs_role role, int *band,
		     struct err *e)
{
	GDALDatasetH ds = open_dataset(path, e);
	int n;

	if (!ds)
		return e->code;
	n = GDALGetRasterCount(ds);
	*band = 0;
	if (role == RS_ROLE_VALUE && n == 1)
		*band = 1;
	for (int i = 1; i <= n && !*band; i++)
		if (band_is(GDALGetRasterBand(ds, i), role))
			*band = i;
	GDALClose(ds);
	if (*band)
		return 0;
	if (role == RS_ROLE_VALUE)
		return err_set(e, ERR_INVALID,
			       "%s has %d bands: say which "
			       "one with --band N",
			       path, n);
	return err_set(e, ERR_INVALID,
		       "%s: no band is marked as %s (by "
		       "colour or by a description such as %s); give --%s N",
		       path, rs_role_name(role),
		       role == RS_ROLE_NIR     ? "B08"
		       : role == RS_ROLE_RED   ? "B04"
		       : role == RS_ROLE_GREEN ? "B03"
		       : role == RS_ROLE_BLUE  ? "B02"
					       : "B05",
		       rs_role_name(role));
}

int rs_raster_find_band(const char *path, enum rs_role role, int *band,
			struct err *e)
{
	GDALAllRegister();
	return find_band(path, role, band, e);
}

/* Nodata, scale, offset and mask of band u->band of its file. */
static int describe_band(struct rs_raster *r, struct band_use *u,
			 const char *option, struct err *e)
{
	const struct file *f = &r->files[u->file];
	GDALDatasetH ds;
	GDALRasterBandH b;
	int has, flags;

	if (u->band < 1 || u->band > f->n_bands)
		return err_set(e, ERR_NOT_FOUND,
			       "%s: %s asks for band %d but "
			       "the file has %d band%s",
			       f->path, option, u->band, f->n_bands,
			       f->n_bands == 1 ? "" : "s");
	ds = open_dataset(f->path, e);
	if (!ds)
		return e->code;
	b = GDALGetRasterBand(ds, u->band);
	u->nodata = GDALGetRasterNoDataValue(b, &has);
	u->has_nodata = has && !isnan(u->nodata);
	u->scale = GDALGetRasterScale(b, &has);
	if (!has || u->scale == 0)
		u->scale = 1;
	u->offset = GDALGetRasterOffset(b, &has);
	if (!has)
		u->offset = 0;
	if (r->o.has_scale)
		u->scale = r->o.scale;
	if (r->o.has_offset)
		u->offset = r->o.offset;
	flags = GDALGetMaskFlags(b);
	u->mask_band = !(flags & (GMF_ALL_VALID | GMF_NODATA));
	GDALClose(ds);
	return 0;
}

static int open_roles(struct rs_raster *r, struct err *e)
{
	for (int role = 0; role < RS_ROLE_COUNT; role++) {
		struct band_use *u = &r->role[role];
		const struct rs_band_ref *ref = &r->o.role[role];
		char option[32];

		u->file = NO_FILE;
		if (!(r->roles & (1u << role)))
			continue;
		snprintf(option, sizeof(option), "--%s",
			 role == RS_ROLE_VALUE ? "band" : rs_role_name(role));
		if (!ref->path || !*ref->path)
			return err_set(e, ERR_INVALID,
				       "%s needs a %s band: "
				       "give --raster FILE or %s",
				       rs_index_name(r->o.index),
				       rs_role_name(role), option);
		u->band = ref->band;
		if (u->band == 0 && find_band(ref->path, role, &u->band, e))
			return e->code;
		u->file = file_index(r, ref->path);
		if (describe_file(&r->files[u->file], e) ||
		    describe_band(r, u, option, e))
			return e->code;
	}
	return 0;
}

static int open_extra(struct rs_raster *r, const char *path, struct band_use *u,
		      const char *option, struct err *e)
{
	u->file = NO_FILE;
	if (!path)
		return 0;
	u->file = file_index(r, path);
	u->band = 1;
	if (describe_file(&r->files[u->file], e) ||
	    describe_band(r, u, option, e))
		return e->code;
	/* a mask is taken as it is: no scale, no mask of its own */
	u->scale = 1;
	u->offset = 0;
	u->mask_band = false;
	return 0;
}

/* ---- the grid ---- */

static double pixel_area(const double gt[6])
{
	return fabs(gt[1] * gt[5] - gt[2] * gt[4]);
}

static bool north_up(const double gt[6])
{
	return gt[2] == 0 && gt[4] == 0 && gt[1] > 0 && gt[5] < 0;
}

static bool close_to(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static bool same_grid(const struct file *a, const struct rs_raster *r)
{
	double tol = 1e-6 * fmin(fabs(r->gt[1]), fabs(r->gt[5]));

	if (a->width != r->width || a->height != r->height || !a->has_gt)
		return false;
	for (int i = 0; i < 6; i++)
		if (!close_to(a->gt[i], r->gt[i],
			      i == 0 || i == 3 ? tol : 1e-9 * fabs(r->gt[1])))
			return false;
	return true;
}

static int choose_reference(struct rs_raster *r, struct err *e)
{
	const struct file *f;

	r->ref = NO_FILE;
	for (int role = 0; role < RS_ROLE_COUNT; role++) {
		int i = r->role[role].file;

		if (i == NO_FILE)
			continue;
		if (!r->files[i].has_gt)
			return err_set(e, ERR_INVALID,
				       "%s: the raster is not "
				       "georeferenced (no geotransform)",
				       r->files[i].path);
		if (r->ref == NO_FILE ||
		    pixel_area(r->files[i].gt) <
			pixel_area(r->files[r->ref].gt) * (1 - 1e-9))
			r->ref = i;
	}
	f = &r->files[r->ref];
	if (!f->srs)
		return err_set(e, ERR_INVALID,
			       "%s: the raster has no CRS "
			       "(coordinate reference system); assign one, "
			       "e.g. gdal_edit.py -a_srs EPSG:32645 FILE",
			       f->path);
	r->width = f->width;
	r->height = f->height;
	memcpy(r->gt, f->gt, sizeof(r->gt));
	if (OSRExportToWkt(f->srs, &r->wkt) != OGRERR_NONE || !r->wkt)
		return err_set(e, ERR_INVALID,
			       "%s: cannot write its CRS as WKT", f->path);
	return 0;
}

/* Settle how file i is read on the reference grid. */
static int align_file(struct rs_raster *r, int i, struct err *e)
{
	struct file *f = &r->files[i];
	const struct file *ref = &r->files[r->ref];

	if (same_grid(f, r))
		return 0;
	if (!f->has_gt || !f->srs)
		return err_set(e, ERR_INVALID,
			       "%s: not on the grid of %s and "
			       "without %s to align it",
			       f->path, ref->path,
			       f->has_gt ? "a CRS" : "georeferencing");
	if (!OSRIsSame(f->srs, ref->srs))
		return err_set(
		    e, ERR_UNSUPPORTED,
		    "%s: its CRS differs from "
		    "that of %s; reproject it first (gdalwarp -t_srs)",
		    f->path, ref->path);
	if (!north_up(f->gt) || !north_up(r->gt))
		return err_set(e, ERR_UNSUPPORTED,
			       "%s: a rotated grid cannot "
			       "be aligned with %s",
			       f->path, ref->path);
	f->resample = true;
	f->srcwin[0] = (r->gt[0] - f->gt[0]) / f->gt[1];
	f->srcwin[1] = (r->gt[3] - f->gt[3]) / f->gt[5];
	f->srcwin[2] = r->width * r->gt[1] / f->gt[1];
	f->srcwin[3] = r->height * r->gt[5] / f->gt[5];
	if (f->srcwin[0] >= f->width || f->srcwin[1] >= f->height ||
	    f->srcwin[0] + f->srcwin[2] <= 0 ||
	    f->srcwin[1] + f->srcwin[3] <= 0)
		return err_set(e, ERR_INVALID, "%s does not overlap %s",
			       f->path, ref->path);
	return 0;
}

static void choose_item_rows(struct rs_raster *r)
{
	const struct band_use *u = NULL;
	GDALDatasetH ds;
	int bw = 0, bh = 0;

	for (int role = 0; role < RS_ROLE_COUNT && !u; role++)
		if (r->role[role].file == r->ref)
			u = &r->role[role];
	ds =
	    GDALOpenEx(r->files[r->ref].path, GDAL_OF_RASTER, NULL, NULL, NULL);
	if (ds) {
		GDALGetBlockSize(GDALGetRasterBand(ds, u->band), &bw, &bh);
		GDALClose(ds);
	}
	r->flush_per_item = true;
	if (bh <= 0)
		bh = MIN_ITEM_ROWS;
	if (bh < MIN_ITEM_ROWS)
		bh *= (MIN_ITEM_ROWS + bh - 1) / bh;
	if (bh > MAX_ITEM_ROWS) {
		/* one block is taller than we read at once: let it stay in
		 * GDAL's cache between items */
		bh = TALL_BLOCK_ITEM_ROWS;
		r->flush_per_item = false;
	}
	r->item_rows = bh;
}

int rs_raster_open(const struct rs_raster_opts *o, struct rs_raster **out,
		   struct err *e)
{
	struct rs_raster *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return err_nomem(e);
	r->o = *o;
	r->roles = rs_index_roles(o->index);
	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rc = open_roles(r, e);
	if (!rc)
		rc = open_extra(r, o->mask_path, &r->mask, "--mask", e);
	if (!rc)
		rc = open_extra(r, o->class_path, &r->cls, "--scl", e);
	if (!rc)
		rc = choose_reference(r, e);
	for (int i = 0; i < r->n_files && !rc; i++)
		rc = align_file(r, i, e);
	if (!rc)
		choose_item_rows(r);
	CPLPopErrorHandler();
	if (rc) {
		rs_raster_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void rs_raster_close(struct rs_raster *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n_files; i++)
		if (r->files[i].srs)
			OSRDestroySpatialReference(r->files[i].srs);
	CPLFree(r->wkt);
	free(r);
}

int rs_raster_width(const struct rs_raster *r)
{
	return r->width;
}

int rs_raster_height(const struct rs_raster *r)
{
	return r->height;
}

void rs_raster_geotransform(const struct rs_raster *r, double gt[6])
{
	memcpy(gt, r->gt, sizeof(r->gt));
}

const char *rs_raster_crs_wkt(const struct rs_raster *r)
{
	return r->wkt;
}

struct rs_band_ref rs_raster_band(const struct rs_raster *r, enum rs_role role)
{
	struct rs_band_ref ref = {NULL, 0};

	if (role >= 0 && role < RS_ROLE_COUNT &&
	    r->role[role].file != NO_FILE) {
		ref.path = r->files[r->role[role].file].path;
		ref.band = r->role[role].band;
	}
	return ref;
}

/* ---- readers ---- */

/* A VRT of the reader's handle of file f resampled onto the grid. */
static GDALDatasetH resampler(const struct rs_raster *r, const struct file *f,
			      GDALDatasetH ds, struct err *e)
{
	char win[4][32], size[2][16];
	char *argv[] = {
	    "-of",  "VRT",  "-r",	"nearest", "-srcwin", win[0], win[1],
	    win[2], win[3], "-outsize", size[0],   size[1],   NULL,
	};
	GDALTranslateOptions *opts;
	GDALDatasetH vrt;

	for (int i = 0; i < 4; i++)
		snprintf(win[i], sizeof(win[i]), "%.17g", f->srcwin[i]);
	snprintf(size[0], sizeof(size[0]), "%d", r->width);
	snprintf(size[1], sizeof(size[1]), "%d", r->height);
	opts = GDALTranslateOptionsNew(argv, NULL);
	if (!opts) {
		gdal_fail(e, ERR_INTERNAL, "cannot set up resampling");
		return NULL;
	}
	vrt = GDALTranslate("", ds, opts, NULL);
	GDALTranslateOptionsFree(opts);
	if (!vrt) {
		char what[600];

		snprintf(what, sizeof(what),
			 "%s: cannot resample it onto the "
			 "grid",
			 f->path);
		gdal_fail(e, ERR_INVALID, what);
	}
	return vrt;
}

static void reader_close(void *p)
{
	struct reader *rd = p;

	if (!rd)
		return;
	for (int i = 0; i < MAX_FILES; i++) {
		if (rd->vrt[i])
			GDALClose(rd->vrt[i]);
		if (rd->ds[i])
			GDALClose(rd->ds[i]);
	}
	for (int k = 0; k < RS_ROLE_COUNT; k++)
		free(rd->buf[k]);
	free(rd->aux);
	free(rd->bytes);
	free(rd);
	CPLPopErrorHandler();
}

static int reader_open(void *ctx, void **out, struct err *e)
{
	const struct rs_raster *r = ctx;
	struct reader *rd = calloc(1, sizeof(*rd));

	*out = NULL;
	if (!rd)
		return err_nomem(e);
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rd->r = r;
	*out = rd; /* reader_close pops the handler */
	for (int i = 0; i < r->n_files; i++) {
		rd->ds[i] = open_dataset(r->files[i].path, e);
		if (!rd->ds[i])
			return e->code;
		if (r->files[i].resample) {
			rd->vrt[i] = resampler(r, &r->files[i], rd->ds[i], e);
			if (!rd->vrt[i])
				return e->code;
		}
	}
	return 0;
}

static int reserve(struct reader *rd, size_t n, struct err *e)
{
	if (n <= rd->cap)
		return 0;
	for (int k = 0; k < RS_ROLE_COUNT; k++) {
		free(rd->buf[k]);
		rd->buf[k] = NULL;
	}
	free(rd->aux);
	free(rd->bytes);
	rd->aux = malloc(n * sizeof(double));
	rd->bytes = malloc(n);
	if (!rd->aux || !rd->bytes)
		return err_nomem(e);
	for (int k = 0; k < RS_ROLE_COUNT; k++) {
		if (!(rd->r->roles & (1u << k)))
			continue;
		rd->buf[k] = malloc(n * sizeof(double));
		if (!rd->buf[k])
			return err_nomem(e);
	}
	rd->cap = n;
	return 0;
}

static GDALRasterBandH reader_band(const struct reader *rd,
				   const struct band_use *u)
{
	GDALDatasetH ds = rd->vrt[u->file] ? rd->vrt[u->file] : rd->ds[u->file];

	return GDALGetRasterBand(ds, u->band);
}

static int read_rows(const struct reader *rd, GDALRasterBandH b, int row0,
		     int rows, void *buf, GDALDataType type, struct err *e)
{
	int w = rd->r->width;

	CPLErrorReset();
	if (GDALRasterIO(b, GF_Read, 0, row0, w, rows, buf, w, rows, type, 0,
			 0) != CE_None) {
		char what[600];

		snprintf(what, sizeof(what), "%s: cannot read rows %d-%d",
			 GDALGetDescription(GDALGetBandDataset(b)), row0,
			 row0 + rows - 1);
		return gdal_fail(e, ERR_IO, what);
	}
	return 0;
}

/* Digital numbers to reflectance; nodata, non-finite, masked to NAN. */
static int read_role(struct reader *rd, const struct band_use *u, int row0,
		     int rows, double *v, struct err *e)
{
	GDALRasterBandH b = reader_band(rd, u);
	size_t n = (size_t)rows * (size_t)rd->r->width;

	if (read_rows(rd, b, row0, rows, v, GDT_Float64, e))
		return e->code;
	for (size_t i = 0; i < n; i++) {
		if ((u->has_nodata && v[i] == u->nodata) || !isfinite(v[i]))
			v[i] = NAN;
		else
			v[i] = v[i] * u->scale + u->offset;
	}
	if (!u->mask_band)
		return 0;
	if (read_rows(rd, GDALGetMaskBand(b), row0, rows, rd->bytes, GDT_Byte,
		      e))
		return e->code;
	for (size_t i = 0; i < n; i++)
		if (rd->bytes[i] == 0)
			v[i] = NAN;
	return 0;
}

/* Leave out the pixels the mask file or the classification file drops. */
static int apply_masks(struct reader *rd, int row0, int rows, double *vals,
		       struct err *e)
{
	const struct rs_raster *r = rd->r;
	size_t n = (size_t)rows * (size_t)r->width;
	const struct band_use *m = &r->mask, *c = &r->cls;

	if (m->file != NO_FILE) {
		if (read_rows(rd, reader_band(rd, m), row0, rows, rd->aux,
			      GDT_Float64, e))
			return e->code;
		for (size_t i = 0; i < n; i++)
			if (rd->aux[i] != 0 && !isnan(rd->aux[i]) &&
			    !(m->has_nodata && rd->aux[i] == m->nodata))
				vals[i] = NAN;
	}
	if (c->file != NO_FILE) {
		if (read_rows(rd, reader_band(rd, c), row0, rows, rd->aux,
			      GDT_Float64, e))
			return e->code;
		for (size_t i = 0; i < n; i++) {
			double k = rd->aux[i];

			if (k >= 0 && k < 256 && r->o.drop_class[(int)k])
				vals[i] = NAN;
		}
	}
	return 0;
}

static int reader_read(void *p, int row0, int rows, double *vals, struct err *e)
{
	struct reader *rd = p;
	const struct rs_raster *r = rd->r;
	const double *in[RS_ROLE_COUNT] = {0};
	size_t n = (size_t)rows * (size_t)r->width;

	if (reserve(rd, n, e))
		return e->code;
	for (int k = 0; k < RS_ROLE_COUNT; k++) {
		if (r->role[k].file == NO_FILE)
			continue;
		if (read_role(rd, &r->role[k], row0, rows, rd->buf[k], e))
			return e->code;
		in[k] = rd->buf[k];
	}
	rs_index_compute(r->o.index, in, n, vals);
	return apply_masks(rd, row0, rows, vals, e);
}

/* Drop the decoded blocks of the item just done from GDAL's cache. */
static void reader_release(void *p)
{
	struct reader *rd = p;

	if (!rd->r->flush_per_item)
		return;
	for (int i = 0; i < MAX_FILES; i++) {
		GDALDatasetH sets[2] = {rd->vrt[i], rd->ds[i]};

		for (int k = 0; k < 2; k++) {
			if (!sets[k])
				continue;
			for (int b = 1; b <= GDALGetRasterCount(sets[k]); b++)
				GDALFlushRasterCache(
				    GDALGetRasterBand(sets[k], b));
		}
	}
}

void rs_raster_source(struct rs_raster *r, struct rs_zonal_source *src)
{
	memset(src, 0, sizeof(*src));
	src->width = r->width;
	src->height = r->height;
	src->item_rows = r->item_rows;
	src->ctx = r;
	src->open = reader_open;
	src->read = reader_read;
	src->release = reader_release;
	src->close = reader_close;
}
