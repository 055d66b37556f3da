/*
 * Pictures: an index of a scene, colour-mapped, as a PNG with a legend
 * (a colour bar with its range written under it), for the whole scene or
 * one plot.  Read from the scene's preview raster (imagery_scene.c: a file
 * of the store, db_file_get, opened from /vsimem/); the
 * plot's outline is burnt with GDAL's rasterizer, pixels outside it are
 * dimmed; the picture is put together in a GDAL MEM dataset and written
 * by GDAL's PNG driver into /vsimem/.
 *
 * Colours: ColorBrewer's RdYlGn, 5 classes (Cynthia Brewer,
 * colorbrewer2.org), interpolated, from the low end of the index's range
 * (red: bare or stressed) to the high end (green: dense canopy).
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
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define LEGEND_H 34      /* rows under the picture */
#define MIN_WIDTH 200    /* narrower pictures are widened (legend room) */
#define MIN_SIDE 256     /* smaller pictures are enlarged to this */
#define DIM_ALPHA 70     /* outside the plot */

static const unsigned char ramp[5][3] = {
	{ 215, 48, 39 }, { 252, 141, 89 }, { 255, 255, 191 },
	{ 145, 207, 96 }, { 26, 152, 80 },
};

/* The range each index is drawn over. */
static void index_range(const char *index, double *lo, double *hi)
{
	*lo = 0;
	*hi = 1;
	if (!strcmp(index, "ndre"))
		*hi = 0.6;
	else if (!strcmp(index, "savi"))
		*hi = 0.8;
	else if (!strcmp(index, "vari"))
		*lo = -0.3, *hi = 0.5;
	else if (!strcmp(index, "exg"))
		*lo = -0.1, *hi = 0.5;
}

static void colour_of(double v, double lo, double hi, unsigned char rgb[3])
{
	double t = (v - lo) / (hi - lo) * 4;
	int i;

	t = t < 0 ? 0 : t > 4 ? 4 : t;
	i = t >= 4 ? 3 : (int)t;
	t -= i;
	for (int c = 0; c < 3; c++)
		rgb[c] = (unsigned char)lround(ramp[i][c] +
					      t * (ramp[i + 1][c] - ramp[i][c]));
}

/* ---- the picture in memory ---- */

struct picture {
	int w, h;               /* including the legend */
	unsigned char *px;      /* RGBA, w * h * 4 */
};

static void put(struct picture *p, int x, int y, const unsigned char rgb[3],
		unsigned char a)
{
	unsigned char *q;

	if (x < 0 || y < 0 || x >= p->w || y >= p->h)
		return;
	q = p->px + ((size_t)y * p->w + x) * 4;
	q[0] = rgb[0];
	q[1] = rgb[1];
	q[2] = rgb[2];
	q[3] = a;
}

/* 3 x 5 digits, '.', '-' (rows top to bottom, bit 2 = left column). */
static const unsigned char glyphs[12][5] = {
	{ 7, 5, 5, 5, 7 }, { 2, 6, 2, 2, 7 }, { 7, 1, 7, 4, 7 },
	{ 7, 1, 7, 1, 7 }, { 5, 5, 7, 1, 1 }, { 7, 4, 7, 1, 7 },
	{ 7, 4, 7, 5, 7 }, { 7, 1, 1, 1, 1 }, { 7, 5, 7, 5, 7 },
	{ 7, 5, 7, 1, 7 }, { 0, 0, 0, 0, 2 }, { 0, 0, 7, 0, 0 },
};
#define GLYPH_SCALE 2

static int text_width(const char *s)
{
	return (int)strlen(s) * 4 * GLYPH_SCALE;
}

static void draw_text(struct picture *p, int x, int y, const char *s)
{
	static const unsigned char ink[3] = { 20, 20, 20 };

	for (; *s; s++, x += 4 * GLYPH_SCALE) {
		int g = *s == '.' ? 10 : *s == '-' ? 11 : *s - '0';

		if (g < 0 || g > 11)
			continue;
		for (int r = 0; r < 5 * GLYPH_SCALE; r++)
			for (int c = 0; c < 3 * GLYPH_SCALE; c++)
				if (glyphs[g][r / GLYPH_SCALE] &
				    (4 >> (c / GLYPH_SCALE)))
					put(p, x + c, y + r, ink, 255);
	}
}

/* The legend: a colour bar over the range, and lo, middle, hi under it. */
static void draw_legend(struct picture *p, int top, double lo, double hi)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	int x0 = 8, x1 = p->w - 8;
	char label[3][16];

	for (int y = top; y < p->h; y++)
		for (int x = 0; x < p->w; x++)
			put(p, x, y, white, 255);
	for (int x = x0; x < x1; x++) {
		unsigned char rgb[3];

		colour_of(lo + (hi - lo) * (x - x0) / (x1 - 1 - x0), lo, hi, rgb);
		for (int y = top + 4; y < top + 16; y++)
			put(p, x, y, rgb, 255);
	}
	snprintf(label[0], sizeof(label[0]), "%.1f", lo);
	snprintf(label[1], sizeof(label[1]), "%.2f", (lo + hi) / 2);
	snprintf(label[2], sizeof(label[2]), "%.1f", hi);
	draw_text(p, x0, top + 20, label[0]);
	draw_text(p, (x0 + x1 - text_width(label[1])) / 2, top + 20, label[1]);
	draw_text(p, x1 - text_width(label[2]), top + 20, label[2]);
}

/* ---- reading the preview ---- */

struct window {
	int x0, y0, w, h;       /* in the preview's pixels */
	float *vals;            /* w * h */
	unsigned char *inside;  /* w * h; NULL: all inside */
};

static int read_window(GDALDatasetH ds, struct window *win, struct err *e)
{
	win->vals = malloc((size_t)win->w * win->h * sizeof(float));
	if (!win->vals)
		return err_nomem(e);
	if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, win->x0, win->y0,
			 win->w, win->h, win->vals, win->w, win->h,
			 GDT_Float32, 0, 0) != CE_None)
		return err_set(e, ERR_IO, "the preview cannot be read");
	return ERR_OK;
}

/* The plot's geometry in the preview's CRS. */
static int plot_geometry(struct db *db, const char *code, GDALDatasetH ds,
			 OGRGeometryH *out, struct err *e)
{
	struct db_plot p;
	OGRSpatialReferenceH wgs, srs;
	OGRCoordinateTransformationH ct;
	int rc = ERR_OK;

	if (db_plot_get(db, code, &p, e))
		return e->code;
	*out = OGR_G_CreateGeometryFromJson(p.geometry);
	db_plot_free(&p);
	if (!*out)
		return err_set(e, ERR_INVALID, "plot %s: its geometry cannot be "
			       "read", code);
	wgs = OSRNewSpatialReference(NULL);
	srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
	OSRImportFromEPSG(wgs, 4326);
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	ct = OCTNewCoordinateTransformation(wgs, srs);
	if (!ct || OGR_G_Transform(*out, ct) != OGRERR_NONE)
		rc = err_set(e, ERR_INVALID, "plot %s cannot be placed on the "
			     "scene", code);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	OSRDestroySpatialReference(wgs);
	OSRDestroySpatialReference(srs);
	return rc;
}

/* The window around g (2 pixels of margin), cut to the preview. */
static int plot_window(GDALDatasetH ds, OGRGeometryH g, struct window *win,
		       const char *code, struct err *e)
{
	double gt[6], inv[6], xs[2], ys[2];
	OGREnvelope env;
	int W = GDALGetRasterXSize(ds), H = GDALGetRasterYSize(ds);
	int c0 = W, c1 = -1, r0 = H, r1 = -1;

	GDALGetGeoTransform(ds, gt);
	if (!GDALInvGeoTransform(gt, inv))
		return err_set(e, ERR_INTERNAL, "the preview's grid is singular");
	OGR_G_GetEnvelope(g, &env);
	xs[0] = env.MinX, xs[1] = env.MaxX, ys[0] = env.MinY, ys[1] = env.MaxY;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			double px = inv[0] + xs[i] * inv[1] + ys[j] * inv[2];
			double py = inv[3] + xs[i] * inv[4] + ys[j] * inv[5];

			c0 = fmin(c0, floor(px) - 2), c1 = fmax(c1, ceil(px) + 2);
			r0 = fmin(r0, floor(py) - 2), r1 = fmax(r1, ceil(py) + 2);
		}
	c0 = c0 < 0 ? 0 : c0, r0 = r0 < 0 ? 0 : r0;
	c1 = c1 > W ? W : c1, r1 = r1 > H ? H : r1;
	if (c1 <= c0 || r1 <= r0)
		return err_set(e, ERR_NOT_FOUND, "plot %s lies outside the "
			       "scene", code);
	*win = (struct window){ c0, r0, c1 - c0, r1 - r0, NULL, NULL };
	return ERR_OK;
}

/* Burn the plot into win->inside with GDAL's rasterizer (pixel centres). */
static int burn_plot(GDALDatasetH ds, OGRGeometryH g, struct window *win,
		     struct err *e)
{
	GDALDriverH mem = GDALGetDriverByName("MEM");
	GDALDatasetH m;
	double gt[6], burn = 1;
	int band = 1;
	CPLErr err;

	win->inside = calloc((size_t)win->w * win->h, 1);
	if (!win->inside)
		return err_nomem(e);
	m = GDALCreate(mem, "", win->w, win->h, 1, GDT_Byte, NULL);
	if (!m)
		return err_set(e, ERR_INTERNAL, "GDAL MEM: %s", CPLGetLastErrorMsg());
	GDALGetGeoTransform(ds, gt);
	gt[0] += win->x0 * gt[1] + win->y0 * gt[2];
	gt[3] += win->x0 * gt[4] + win->y0 * gt[5];
	GDALSetGeoTransform(m, gt);
	GDALSetProjection(m, GDALGetProjectionRef(ds));
	err = GDALRasterizeGeometries(m, 1, &band, 1, &g, NULL, NULL, &burn,
				      NULL, NULL, NULL);
	if (err == CE_None)
		err = GDALRasterIO(GDALGetRasterBand(m, 1), GF_Read, 0, 0,
				   win->w, win->h, win->inside, win->w,
				   win->h, GDT_Byte, 0, 0);
	GDALClose(m);
	if (err != CE_None)
		return err_set(e, ERR_INTERNAL, "the plot cannot be drawn");
	return ERR_OK;
}

/* ---- putting it together ---- */

static int paint(const struct window *win, const char *index,
		 struct picture *p, struct err *e)
{
	double lo, hi;
	int side = win->w > win->h ? win->w : win->h;
	int scale = (MIN_SIDE + side - 1) / side, iw, ih, pad;

	iw = win->w * scale;
	ih = win->h * scale;
	p->w = iw < MIN_WIDTH ? MIN_WIDTH : iw;
	p->h = ih + LEGEND_H;
	pad = (p->w - iw) / 2;
	p->px = calloc((size_t)p->w * p->h, 4);
	if (!p->px)
		return err_nomem(e);
	index_range(index, &lo, &hi);
	for (int y = 0; y < ih; y++)
		for (int x = 0; x < iw; x++) {
			size_t k = (size_t)(y / scale) * win->w + x / scale;
			unsigned char rgb[3];
			float v = win->vals[k];

			if (isnan(v))
				continue; /* transparent */
			colour_of(v, lo, hi, rgb);
			put(p, pad + x, y, rgb, win->inside && !win->inside[k]
			    ? DIM_ALPHA : 255);
		}
	draw_legend(p, ih, lo, hi);
	return ERR_OK;
}

int imagery__png_rgba(const unsigned char *rgba, int w, int h,
		      char **options, struct buf *out, struct err *e)
{
	static atomic_uint counter;
	char path[96];
	GDALDatasetH m, png;
	vsi_l_offset len = 0;
	GByte *data;

	m = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 4, GDT_Byte,
		       NULL);
	if (!m)
		return err_set(e, ERR_INTERNAL, "GDAL MEM: %s", CPLGetLastErrorMsg());
	if (GDALDatasetRasterIO(m, GF_Write, 0, 0, w, h, (void *)rgba, w, h,
				GDT_Byte, 4, NULL, 4, 4 * w, 1)) {
		GDALClose(m);
		return err_set(e, ERR_INTERNAL, "GDAL MEM: %s",
			       CPLGetLastErrorMsg());
	}
	snprintf(path, sizeof(path), "/vsimem/oasis-png-%ld-%u.png",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	png = GDALCreateCopy(GDALGetDriverByName("PNG"), path, m, FALSE,
			     options, NULL, NULL);
	GDALClose(m);
	if (!png)
		return err_set(e, ERR_INTERNAL, "GDAL PNG: %s", CPLGetLastErrorMsg());
	GDALClose(png);
	data = VSIGetMemFileBuffer(path, &len, FALSE);
	if (data)
		buf_append(out, data, (size_t)len);
	VSIUnlink(path);
	return data && !buf_failed(out) ? ERR_OK : err_nomem(e);
}

static int encode_png(const struct picture *p, struct buf *out, struct err *e)
{
	return imagery__png_rgba(p->px, p->w, p->h, NULL, out, e);
}

/*
 * The preview from the store's files into /vsimem/ (mem: its path there,
 * unlinked by the caller after GDALClose); ERR_NOT_FOUND when the store has
 * no such file.
 */
static int open_stored(struct db *db, const char *name, char *mem,
		       size_t size, GDALDatasetH *ds, struct err *e)
{
	static atomic_uint counter;
	struct db_file f;
	VSILFILE *fp;
	int rc;

	if ((rc = db_file_get(db, name, &f, e)))
		return rc;
	snprintf(mem, size, "/vsimem/oasis-preview-%ld-%u.tif", (long)getpid(),
		 atomic_fetch_add(&counter, 1));
	/* GDAL takes the bytes and frees them (VSIFree is free) */
	if (!(fp = VSIFileFromMemBuffer(mem, f.data, (vsi_l_offset)f.size,
					TRUE))) {
		db_file_free(&f);
		mem[0] = '\0';
		return err_nomem(e);
	}
	VSIFCloseL(fp);
	*ds = GDALOpen(mem, GA_ReadOnly);
	return ERR_OK;
}

/*
 * A scene's preview of index: from the store's files (name
 * PREVIEW/INDEX.tif), or for a scene ingested before previews moved into
 * the store, from the store's folder (data_dir/PREVIEW/INDEX.tif).
 */
static int open_preview(struct db *db, const char *data_dir, int64_t scene,
			const char *index, GDALDatasetH *ds, char *mem,
			size_t mem_size, struct err *e)
{
	struct db_scene s;
	char name[1200];
	size_t n = strlen(index);
	const char *p;
	int rc;

	*ds = NULL;
	mem[0] = '\0';
	if (db_scene_get(db, scene, &s, e))
		return e->code;
	db_scene_free(&s);
	for (p = strstr(s.indices, index); p; p = strstr(p + 1, index))
		if ((p == s.indices || p[-1] == ',') && (!p[n] || p[n] == ','))
			break;
	if (!p)
		return err_set(e, ERR_NOT_FOUND, "scene %lld has no %s (it has "
			       "%s)", (long long)scene, index, s.indices);
	if (!s.preview[0])
		return err_set(e, ERR_NOT_FOUND, "scene %lld has no picture "
			       "kept", (long long)scene);
	snprintf(name, sizeof(name), "%s/%s.tif", s.preview, index);
	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	rc = open_stored(db, name, mem, mem_size, ds, e);
	if (rc == ERR_NOT_FOUND && data_dir) {
		snprintf(name, sizeof(name), "%s/%s/%s.tif", data_dir,
			 s.preview, index);
		*ds = GDALOpen(name, GA_ReadOnly);
		rc = ERR_OK;
	}
	CPLPopErrorHandler();
	if (rc)
		return rc == ERR_NOT_FOUND ? err_set(e, ERR_NOT_FOUND, "scene "
			"%lld: its %s picture is gone from the store",
			(long long)scene, index) : rc;
	if (!*ds) {
		if (mem[0])
			VSIUnlink(mem);
		mem[0] = '\0';
		return err_set(e, ERR_NOT_FOUND, "scene %lld: its %s picture is "
			       "gone from the store", (long long)scene, index);
	}
	return ERR_OK;
}

static int window_of(struct db *db, GDALDatasetH ds, const char *plot,
		     struct window *win, struct err *e)
{
	OGRGeometryH g = NULL;
	int rc;

	if (!plot) {
		*win = (struct window){ 0, 0, GDALGetRasterXSize(ds),
					GDALGetRasterYSize(ds), NULL, NULL };
		return read_window(ds, win, e);
	}
	if (!(rc = plot_geometry(db, plot, ds, &g, e)) &&
	    !(rc = plot_window(ds, g, win, plot, e)) &&
	    !(rc = burn_plot(ds, g, win, e)))
		rc = read_window(ds, win, e);
	if (g)
		OGR_G_DestroyGeometry(g);
	return rc;
}

int imagery_png(struct db *db, const char *data_dir, int64_t scene,
		const char *index, const char *plot, struct buf *out,
		struct err *e)
{
	GDALDatasetH ds;
	struct window win = { 0 };
	struct picture pic = { 0 };
	char mem[96];
	int rc;

	if ((rc = open_preview(db, data_dir, scene, index, &ds, mem,
			       sizeof(mem), e)))
		return rc;
	if (!(rc = window_of(db, ds, plot, &win, e)) &&
	    !(rc = paint(&win, index, &pic, e)))
		rc = encode_png(&pic, out, e);
	GDALClose(ds);
	if (mem[0])
		VSIUnlink(mem);
	free(win.vals);
	free(win.inside);
	free(pic.px);
	return rc;
}
