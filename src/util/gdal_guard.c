#include "util/gdal_guard.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <cpl_vsi.h>
#include <gdal.h>

#define SCAN_BLOCK (64 * 1024)
#define SCAN_OVERLAP 1024    /* a reference cut by a block end is seen whole */
#define NAME_SHOWN 120       /* characters of a refused name in a message */

const char *const gdal_guard_vector_drivers[] = {
	"GeoJSON", "ESRI Shapefile", "KML", "LIBKML", "GPKG", "FlatGeobuf",
	"OpenFileGDB", NULL,
};

const char *const gdal_guard_raster_drivers[] = {
	"GTiff", "JP2OpenJPEG", NULL,
};

static atomic_bool network_off;

/* What CPLHTTPFetch answers, for every URL, once the network is off. */
static CPLHTTPResult *refuse_fetch(const char *url, CSLConstList options,
				   GDALProgressFunc progress, void *progress_arg,
				   CPLHTTPFetchWriteFunc write, void *write_arg,
				   void *ctx)
{
	CPLHTTPResult *r = CPLCalloc(1, sizeof(*r));

	(void)url, (void)options, (void)progress, (void)progress_arg;
	(void)write, (void)write_arg, (void)ctx;
	r->nStatus = 1;
	r->pszErrBuf = CPLStrdup("network access is off in this server");
	return r;
}

void gdal_guard_network(void)
{
	if (atomic_exchange(&network_off, true))
		return;
	/* /vsicurl/, /vsis3/, ... open only this name, which no URL is */
	CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_FILENAME",
			   "oasis: no network access");
	CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", "{noext}.none");
	/* formats that could reach out even so: no external styles,
	 * links, schemas, SQLite extensions or Python in VRTs */
	CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "0");
	CPLSetConfigOption("LIBKML_RESOLVE_STYLE", "NO");
	CPLSetConfigOption("LIBKML_EXTERNAL_STYLE", "NO");
	CPLSetConfigOption("GML_SKIP_RESOLVE_ELEMS", "ALL");
	CPLSetConfigOption("GML_DOWNLOAD_WFS_SCHEMA", "NO");
	CPLSetConfigOption("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS", "NO");
	CPLSetConfigOption("GDAL_VRT_ENABLE_PYTHON", "NO");
	CPLHTTPSetFetchCallback(refuse_fetch, NULL);
}

bool gdal_guard_network_off(void)
{
	return atomic_load(&network_off);
}

/*
 * Does s (n bytes) start a GDAL virtual path, "/vsi" + a lower-case name +
 * "/" (/vsicurl/, /vsis3/, /vsizip/, ...)?  That strict a form is rare
 * enough by chance in binary data (a GeoPackage, a Shapefile's table)
 * never to refuse one wrongly.
 */
static bool is_vsi_path(const char *s, size_t n)
{
	size_t i = 4;

	if (n < 7 || memcmp(s, "/vsi", 4))
		return false;
	while (i < n && i < 16 && ((s[i] >= 'a' && s[i] <= 'z') ||
				   (s[i] >= '0' && s[i] <= '9')))
		i++;
	return i >= 6 && i < n && s[i] == '/';
}

/* Why name may not be in an upload, or NULL when it may. */
static const char *name_fault(const char *name)
{
	size_t n = strlen(name);

	for (const char *p = name; (p = strchr(p, '/')); p++)
		if (is_vsi_path(p, strlen(p)))
			return "a GDAL virtual path";
	if (strstr(name, "://"))
		return "a URL";
	if (name[0] == '/' || name[0] == '\\' || (n > 1 && name[1] == ':'))
		return "an absolute path";
	if (!strcmp(name, "..") || !strncmp(name, "../", 3) ||
	    strstr(name, "/../") || (n >= 3 && !strcmp(name + n - 3, "/..")))
		return "a path out of the upload";
	return NULL;
}

int gdal_guard_name(const char *name, const char *what, struct err *e)
{
	const char *why = name_fault(name);

	if (!why)
		return ERR_OK;
	return err_set(e, ERR_INVALID, "%s is '%.*s', %s: an upload may not "
		       "refer to other files or to the network", what,
		       NAME_SHOWN, name, why);
}

/* The reference starting at s, up to a quote, tag or space, into out. */
static void reference_text(const char *s, const char *end, char *out,
			   size_t size)
{
	size_t n = 0;

	while (s + n < end && n + 1 < size && !strchr("\"'<> \t\r\n", s[n]) &&
	       s[n] != '\0')
		n++;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* A KML NetworkLink at p: its <href> when it is in the window. */
static int refuse_network_link(const char *p, const char *end,
			       const char *label, struct err *e)
{
	char href[NAME_SHOWN + 1] = "";
	const char *h = memmem(p, (size_t)(end - p), "<href>", 6);

	if (h) {
		h += 6;
		while (h < end && strchr(" \t\r\n", *h))
			h++;
		reference_text(h, end, href, sizeof(href));
	}
	return err_set(e, ERR_INVALID, "%s: a KML NetworkLink%s%s%s: an upload "
		       "may not refer to other files or to the network", label,
		       href[0] ? " to '" : "", href, href[0] ? "'" : "");
}

/* Look through one block of the file for what may not be there. */
static int scan_block(const char *d, size_t n, const char *label,
		      struct err *e)
{
	const char *end = d + n;
	char ref[NAME_SHOWN + 1];

	for (const char *p = d; (p = memchr(p, '/', (size_t)(end - p))); p++) {
		if (!is_vsi_path(p, (size_t)(end - p)))
			continue;
		reference_text(p, end, ref, sizeof(ref));
		return err_set(e, ERR_INVALID, "%s refers to '%s', a GDAL "
			       "virtual path: an upload may not refer to other "
			       "files or to the network", label, ref);
	}
	for (const char *p = d; (p = memchr(p, '<', (size_t)(end - p))); p++)
		if ((size_t)(end - p) >= 12 && !memcmp(p, "<NetworkLink", 12))
			return refuse_network_link(p, end, label, e);
	return ERR_OK;
}

int gdal_guard_scan(const char *path, const char *label, struct err *e)
{
	size_t kept = 0, got, have;
	VSILFILE *f;
	char *buf;
	int rc = ERR_OK;

	if (!(f = VSIFOpenL(path, "rb")))
		return err_set(e, ERR_INVALID, "%s cannot be read", label);
	if (!(buf = VSIMalloc(SCAN_BLOCK + SCAN_OVERLAP))) {
		VSIFCloseL(f);
		return err_nomem(e);
	}
	while ((got = VSIFReadL(buf + kept, 1, SCAN_BLOCK, f)) > 0) {
		have = kept + got;
		if ((rc = scan_block(buf, have, label, e)))
			break;
		/* keep the tail: what a block's end cut is whole next time */
		kept = have < SCAN_OVERLAP ? have : SCAN_OVERLAP;
		memmove(buf, buf + have - kept, kept);
	}
	VSIFCloseL(f);
	VSIFree(buf);
	return rc;
}

/* ---- the names in a zip's central directory ---- */

#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_EOCD_LEN 22
#define ZIP_CENTRAL_LEN 46

static unsigned le16(const GByte *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const GByte *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The end-of-central-directory record (its comment may follow it). */
static const GByte *zip_eocd(const GByte *d, size_t len)
{
	size_t stop = len > ZIP_EOCD_LEN + 65535 ? len - ZIP_EOCD_LEN - 65535 : 0;

	if (len < ZIP_EOCD_LEN)
		return NULL;
	for (size_t at = len - ZIP_EOCD_LEN + 1; at-- > stop;)
		if (le32(d + at) == ZIP_EOCD_SIG)
			return d + at;
	return NULL;
}

int gdal_guard_zip_names(const char *path, struct err *e)
{
	char name[1024];
	vsi_l_offset size = 0;
	const GByte *d = VSIGetMemFileBuffer(path, &size, FALSE), *eocd, *p;
	size_t off, n, nlen;

	if (!d || !(eocd = zip_eocd(d, (size_t)size)))
		return ERR_OK; /* not a zip in memory: GDAL says what it is */
	n = le16(eocd + 10);
	off = le32(eocd + 16);
	for (size_t i = 0; i < n; i++) {
		p = d + off;
		if (off + ZIP_CENTRAL_LEN > size || le32(p) != ZIP_CENTRAL_SIG)
			return ERR_OK; /* zip64 or damaged: GDAL judges */
		nlen = le16(p + 28);
		if (off + ZIP_CENTRAL_LEN + nlen > size)
			return ERR_OK;
		snprintf(name, sizeof(name), "%.*s", (int)nlen,
			 (const char *)p + ZIP_CENTRAL_LEN);
		if (gdal_guard_name(name, "a file in the zip", e))
			return e->code;
		off += ZIP_CENTRAL_LEN + nlen + le16(p + 30) + le16(p + 32);
	}
	return ERR_OK;
}

/* "a VRT (Virtual Raster)": the format a driver reads, for messages. */
static void format_name(GDALDriverH d, char *out, size_t size)
{
	const char *name = GDALGetDriverShortName(d);
	const char *longname = GDALGetDriverLongName(d);

	if (longname && *longname && strcmp(name, longname))
		snprintf(out, size, "%s (%s)", name, longname);
	else
		snprintf(out, size, "%s", name);
}

int gdal_guard_driver(const char *path, unsigned kind,
		      const char *const *drivers, const char *accepted,
		      const char **driver, struct err *e)
{
	GDALDriverH d;
	char what[160];

	*driver = NULL;
	CPLErrorReset();
	d = GDALIdentifyDriverEx(path, kind, (const char *const *)drivers, NULL);
	if (d) {
		*driver = GDALGetDriverShortName(d);
		return ERR_OK;
	}
	/* which format it is, to say so (identifying reads only its bytes) */
	d = GDALIdentifyDriverEx(path, kind, NULL, NULL);
	if (!d)
		return err_set(e, ERR_UNSUPPORTED, "not a format that is "
			       "accepted (%s)", accepted);
	format_name(d, what, sizeof(what));
	return err_set(e, ERR_INVALID, "the upload is %s, which is not "
		       "accepted: uploads are %s only", what, accepted);
}
