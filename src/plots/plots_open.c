/*
 * Opening the vector dataset to read plots from: a path as GDAL names it, a
 * zip (looked into, so that a zip of a Shapefile in a folder, a KMZ or a
 * zipped GeoPackage all open, and a zip of several datasets is refused
 * rather than half read), or a buffer placed in /vsimem/.
 *
 * An upload (a buffer) opens only with the drivers of
 * gdal_guard_vector_drivers, and is refused when a name or a reference in
 * it is a GDAL virtual path, a URL or a path out of it (util/gdal_guard.h).
 */
#include "plots/plots_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "util/buf.h"
#include "util/gdal_guard.h"

/* What uploads may be, for messages. */
#define UPLOAD_FORMATS "GeoJSON, a zipped Shapefile, KML, KMZ, GeoPackage, " \
	"FlatGeobuf or a zipped FileGDB"

#define ZIP_MAGIC "PK\x03\x04"
#define SQLITE_MAGIC "SQLite format 3" /* and its NUL: 16 bytes */
#define FGB_MAGIC "fgb\x03"
#define SNIFF_BYTES 4096
#define LIST_NAMES_MAX 5

/* How surely a file in a zip is a vector dataset. */
enum zip_tier { TIER_NONE, TIER_LOOSE, TIER_DATASET };

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* GDAL's message if it says more than "not recognized". */
static const char *gdal_detail(void)
{
	const char *msg = CPLGetLastErrorMsg();

	if (!msg || !*msg || strstr(msg, "not recognized as a supported"))
		return NULL;
	return msg;
}

/* Why path did not open: missing, unreadable, or not a vector file. */
static int open_failure(const char *path, struct err *e)
{
	const char *detail = gdal_detail();
	VSIStatBufL st;
	VSILFILE *fp;

	if (VSIStatL(path, &st) != 0)
		return err_set(e, ERR_NOT_FOUND, "no such file");
	if (VSI_ISREG(st.st_mode)) {
		errno = 0;
		fp = VSIFOpenL(path, "rb");
		if (!fp)
			return err_set(e, ERR_IO, "cannot be read: %s",
				       errno ? strerror(errno) : "unknown reason");
		VSIFCloseL(fp);
	}
	if (detail)
		return err_set(e, ERR_UNSUPPORTED,
			       "cannot be read as a vector file: %s", detail);
	return err_set(e, ERR_UNSUPPORTED,
		       "not a vector file GDAL can read (GeoJSON, Shapefile or "
		       "a zip of one, KML, GeoPackage, ...)");
}

static int open_dataset(const char *path, const char *encoding,
			bool upload, GDALDatasetH *out, struct err *e)
{
	const char *const *drivers = upload ? gdal_guard_vector_drivers : NULL;
	const char *driver;
	char option[64];
	const char *options[2] = { NULL, NULL };

	if (encoding && *encoding) {
		snprintf(option, sizeof(option), "ENCODING=%s", encoding);
		options[0] = option;
	}
	CPLErrorReset();
	*out = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY |
				GDAL_OF_VERBOSE_ERROR,
			  (const char *const *)drivers, options, NULL);
	if (*out)
		return ERR_OK;
	/* a format uploads may not be (a VRT...) is named as such */
	if (drivers && gdal_guard_driver(path, GDAL_OF_VECTOR, drivers,
					 UPLOAD_FORMATS, &driver, e) == ERR_INVALID)
		return e->code;
	return open_failure(path, e);
}

/* Resource forks and dot files that archivers add beside the data. */
static bool zip_entry_hidden(const char *entry)
{
	const char *base = strrchr(entry, '/');

	if (strncmp(entry, "__MACOSX/", 9) == 0)
		return true;
	base = base ? base + 1 : entry;
	return base[0] == '.';
}

/*
 * The tier of one entry of a zip listing ("dir/", "dir/f.shp") and, in
 * dataset, the path of the dataset it stands for: a Shapefile stands for
 * its folder (GDAL reads every Shapefile of a folder as one dataset), a
 * FileGDB is its .gdb folder.
 */
static enum zip_tier zip_entry_tier(const char *entry, char *dataset,
				    size_t size)
{
	static const char *const dataset_ext[] = {
		".geojson", ".kml", ".gpkg", ".gml", ".fgb", ".tab", ".mif",
		".sqlite", ".gpx",
	};
	const char *slash = strrchr(entry, '/');
	const char *gdb = strcasestr(entry, ".gdb/");
	size_t len = strlen(entry);

	if (zip_entry_hidden(entry))
		return TIER_NONE;
	if (gdb) {
		if ((size_t)(gdb - entry) + 5 != len)
			return TIER_NONE; /* a file inside the .gdb */
		snprintf(dataset, size, "%.*s", (int)len - 1, entry);
		return TIER_DATASET;
	}
	if (len && entry[len - 1] == '/')
		return TIER_NONE;
	if (has_suffix(entry, ".shp")) {
		snprintf(dataset, size, "%.*s",
			 slash ? (int)(slash - entry) : 0, entry);
		return TIER_DATASET;
	}
	snprintf(dataset, size, "%s", entry);
	for (size_t i = 0; i < sizeof(dataset_ext) / sizeof(*dataset_ext); i++)
		if (has_suffix(entry, dataset_ext[i]))
			return TIER_DATASET;
	return has_suffix(entry, ".json") ? TIER_LOOSE : TIER_NONE;
}

/* "a, b, c, ..." of at most LIST_NAMES_MAX names; NULL if out of memory. */
static char *join_names(char **names)
{
	struct buf b = BUF_INIT;
	int n = CSLCount(names);

	for (int i = 0; i < n && i < LIST_NAMES_MAX; i++)
		buf_printf(&b, "%s%s", i ? ", " : "",
			   *names[i] ? names[i] : "(top folder)");
	if (n > LIST_NAMES_MAX)
		buf_puts(&b, ", ...");
	if (!b.data)
		buf_puts(&b, "");
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * From the recursive listing of a zip, the one dataset in it, as a path
 * relative to the zip ("" for its top folder), into *chosen (CPLFree it).
 */
static int zip_choose(char **listing, char **chosen, struct err *e)
{
	char **found[TIER_DATASET + 1] = { NULL, NULL, NULL };
	char **files = NULL, **pick, *names;
	char dataset[1024];
	int rc = ERR_OK;

	for (int i = 0; listing && listing[i]; i++) {
		enum zip_tier t = zip_entry_tier(listing[i], dataset,
						 sizeof(dataset));

		if (t != TIER_NONE && CSLFindString(found[t], dataset) < 0)
			found[t] = CSLAddString(found[t], dataset);
		if (!zip_entry_hidden(listing[i]) &&
		    !has_suffix(listing[i], "/"))
			files = CSLAddString(files, listing[i]);
	}
	pick = found[TIER_DATASET] ? found[TIER_DATASET] : found[TIER_LOOSE];
	if (!pick && CSLCount(files) == 1)
		pick = files; /* let GDAL tell its format from its content */
	if (CSLCount(pick) == 1) {
		*chosen = CPLStrdup(pick[0]);
		goto out_free_lists;
	}
	names = join_names(pick ? pick : files);
	if (!names)
		rc = err_nomem(e);
	else if (!pick)
		rc = err_set(e, ERR_UNSUPPORTED,
			     "the zip holds no vector file GDAL can read "
			     "(it holds: %s)", *names ? names : "nothing");
	else
		rc = err_set(e, ERR_UNSUPPORTED,
			     "the zip holds %d vector datasets (%s); put one in "
			     "each zip", CSLCount(pick), names);
	free(names);
out_free_lists:
	CSLDestroy(found[TIER_LOOSE]);
	CSLDestroy(found[TIER_DATASET]);
	CSLDestroy(files);
	return rc;
}

/* Every file of an uploaded zip: its name, and what it refers to. */
static int zip_check(const char *root, char **listing, struct err *e)
{
	struct buf member = BUF_INIT;
	char label[300];
	int rc = ERR_OK;

	for (int i = 0; listing[i] && !rc; i++) {
		if ((rc = gdal_guard_name(listing[i], "a file in the zip", e)))
			break;
		if (has_suffix(listing[i], "/"))
			continue;
		buf_reset(&member);
		buf_printf(&member, "%s/%s", root, listing[i]);
		if (buf_failed(&member)) {
			rc = err_nomem(e);
			break;
		}
		snprintf(label, sizeof(label), "'%s' in the zip", listing[i]);
		rc = gdal_guard_scan(member.data, label, e);
	}
	buf_free(&member);
	return rc;
}

static int open_zip(const char *path, const char *encoding, bool upload,
		    GDALDatasetH *out, struct err *e)
{
	struct buf root = BUF_INIT, inner = BUF_INIT;
	char **listing;
	char *chosen = NULL;
	int rc;

	if (strncmp(path, "/vsizip/", 8) != 0)
		buf_puts(&root, "/vsizip/");
	buf_puts(&root, path);
	if (buf_failed(&root))
		return err_nomem(e);
	if (upload && (rc = gdal_guard_zip_names(path, e)))
		goto out_free_root;
	CPLErrorReset();
	listing = VSIReadDirRecursive(root.data);
	if (!listing) {
		VSIStatBufL st;

		rc = VSIStatL(path, &st) != 0 ?
			err_set(e, ERR_NOT_FOUND, "no such file") :
			err_set(e, ERR_UNSUPPORTED, "not a zip file GDAL can read");
		goto out_free_root;
	}
	rc = upload ? zip_check(root.data, listing, e) : ERR_OK;
	if (!rc)
		rc = zip_choose(listing, &chosen, e);
	CSLDestroy(listing);
	if (rc)
		goto out_free_root;
	buf_puts(&inner, root.data);
	if (*chosen)
		buf_printf(&inner, "/%s", chosen);
	if (buf_failed(&inner)) {
		rc = err_nomem(e);
		goto out_free_inner;
	}
	rc = open_dataset(inner.data, encoding, upload, out, e);
	if (rc && *chosen)
		err_prefix(e, "%s in the zip", chosen);
out_free_inner:
	buf_free(&inner);
	CPLFree(chosen);
out_free_root:
	buf_free(&root);
	return rc;
}

int plots__open(const char *path, bool force_zip, const char *encoding,
		bool upload, GDALDatasetH *out, struct err *e)
{
	int rc;

	*out = NULL;
	if (force_zip || has_suffix(path, ".zip"))
		return open_zip(path, encoding, upload, out, e);
	if (upload && (rc = gdal_guard_scan(path, "the upload", e)))
		return rc;
	return open_dataset(path, encoding, upload, out, e);
}

/* The extension that tells GDAL what kind of file the bytes are. */
static const char *sniff_extension(const unsigned char *d, size_t len,
				   bool *is_zip)
{
	size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES, i = 0;

	*is_zip = len >= 4 && memcmp(d, ZIP_MAGIC, 4) == 0;
	if (*is_zip)
		return ".zip";
	if (len >= 16 && memcmp(d, SQLITE_MAGIC, 16) == 0)
		return ".gpkg";
	if (len >= 4 && memcmp(d, FGB_MAGIC, 4) == 0)
		return ".fgb";
	if (n >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && strchr(" \t\r\n", d[i]))
		i++;
	if (i < n && d[i] == '{')
		return ".json";
	if (i < n && d[i] == '<') {
		if (memmem(d, n, "<kml", 4))
			return ".kml";
		if (memmem(d, n, "<gpx", 4))
			return ".gpx";
		return ".gml";
	}
	return "";
}

int plots__mem_put(const void *data, size_t len, char *dir, size_t dir_size,
		   char *path, size_t path_size, bool *is_zip, struct err *e)
{
	static atomic_ulong serial;
	const char *ext = sniff_extension(data, len, is_zip);
	VSILFILE *fp;

	snprintf(dir, dir_size, "/vsimem/oasis-plots-%ld-%lu", (long)getpid(),
		 atomic_fetch_add(&serial, 1) + 1);
	snprintf(path, path_size, "%s/upload%s", dir, ext);
	/* GDAL opens it read-only, so the caller's bytes are never written */
	fp = VSIFileFromMemBuffer(path, (GByte *)(uintptr_t)data, len, FALSE);
	if (!fp)
		return err_set(e, ERR_IO, "cannot place the upload in memory: %s",
			       CPLGetLastErrorMsg());
	VSIFCloseL(fp);
	return ERR_OK;
}

void plots__mem_drop(const char *dir)
{
	VSIRmdirRecursive(dir);
}
