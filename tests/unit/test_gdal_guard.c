/*
 * util/gdal_guard: names and references an upload may not hold, the formats
 * it may be, and a server's GDAL that reaches no URL (a listener on
 * loopback sees no connection whatever GDAL is asked to open).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <cpl_vsi.h>
#include <gdal.h>

#include "util/gdal_guard.h"

static void names_out_of_an_upload_are_refused(void **state)
{
	static const char *const bad[] = {
		"/vsicurl/http://127.0.0.1:1/a.shp", "dir/vsis3/bucket/x.dbf",
		"http://example.invalid/x.geojson", "/etc/passwd", "../up.shp",
		"a/../../up.shp", "a/..", "C:/x.shp", "\\server\\x.shp",
	};
	static const char *const good[] = {
		"plots.shp", "zone/plots.dbf", "doc.kml", "files/icon.png",
		"a..b.geojson", "vsi/x.shp", "my.gdb/",
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(gdal_guard_name(bad[i], "a file in the zip",
						 &e), ERR_INVALID);
		assert_non_null(strstr(e.msg, "a file in the zip is '"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(gdal_guard_name(good[i], "x", &e), ERR_OK);
}

static int scan_text(const char *text, struct err *e)
{
	VSILFILE *f = VSIFileFromMemBuffer("/vsimem/guard-scan.txt",
					   (GByte *)text, strlen(text), FALSE);
	int rc;

	VSIFCloseL(f);
	rc = gdal_guard_scan("/vsimem/guard-scan.txt", "the upload", e);
	VSIUnlink("/vsimem/guard-scan.txt");
	return rc;
}

static void references_inside_are_found(void **state)
{
	char big[200000];
	struct err e;

	(void)state;
	assert_int_equal(scan_text("<OGRVRTDataSource><OGRVRTLayer name='a'>"
				   "<SrcDataSource>/vsicurl/http://127.0.0.1:9/"
				   "a.csv</SrcDataSource>", &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "'/vsicurl/http://127.0.0.1:9/a.csv'"));
	assert_int_equal(scan_text("<kml><Document><NetworkLink><Link><href>"
				   "http://127.0.0.1:9/more.kml</href></Link>"
				   "</NetworkLink></Document></kml>", &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "NetworkLink to "
			       "'http://127.0.0.1:9/more.kml'"));
	/* plain text, namespaces and icon links are fine */
	assert_int_equal(scan_text("<kml xmlns=\"http://www.opengis.net/kml/"
				   "2.2\"><Icon><href>http://x/i.png</href>"
				   "</Icon> /vsi is a word; /vsi/ too</kml>",
				   &e), ERR_OK);
	/* a reference cut by a read block's end is found whole */
	memset(big, ' ', sizeof(big));
	memcpy(big + 64 * 1024 - 5, "/vsizip/x.zip/a", 15);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(scan_text(big, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "'/vsizip/x.zip/a'"));
}

static const char raster_vrt[] =
	"<VRTDataset rasterXSize=\"1\" rasterYSize=\"1\">"
	"<VRTRasterBand dataType=\"Byte\" band=\"1\"><SimpleSource>"
	"<SourceFilename>/vsicurl/http://127.0.0.1:%d/b.tif</SourceFilename>"
	"<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>"
	"</VRTDataset>";

static void formats_outside_the_list_are_named(void **state)
{
	char vrt[1024];
	const char *driver;
	VSILFILE *f;
	struct err e;

	(void)state;
	GDALAllRegister();
	snprintf(vrt, sizeof(vrt), raster_vrt, 9);
	f = VSIFileFromMemBuffer("/vsimem/guard.vrt", (GByte *)vrt,
				 strlen(vrt), FALSE);
	VSIFCloseL(f);
	assert_int_equal(gdal_guard_driver("/vsimem/guard.vrt", GDAL_OF_RASTER,
					   gdal_guard_raster_drivers, "GeoTIFF",
					   &driver, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "the upload is VRT (Virtual Raster)"));
	assert_null(strstr(e.msg, "127.0.0.1"));
	VSIUnlink("/vsimem/guard.vrt");
	f = VSIFileFromMemBuffer("/vsimem/guard.bin", (GByte *)"nothing", 7,
				 FALSE);
	VSIFCloseL(f);
	assert_int_equal(gdal_guard_driver("/vsimem/guard.bin", GDAL_OF_RASTER,
					   gdal_guard_raster_drivers, "GeoTIFF",
					   &driver, &e), ERR_UNSUPPORTED);
	VSIUnlink("/vsimem/guard.bin");
}

/* A listener on loopback; returns its socket and port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static bool contacted(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 100) > 0;
}

static void a_guarded_gdal_reaches_no_url(void **state)
{
	char vrt[1024], url[128];
	CPLHTTPResult *res;
	VSIStatBufL st;
	GDALDatasetH ds;
	VSILFILE *f;
	int port, fd = listen_loopback(&port);

	(void)state;
	GDALAllRegister();
	/* unguarded, GDAL connects and waits for an answer: not for long */
	CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "1");
	assert_false(contacted(fd));
	gdal_guard_network();
	assert_true(gdal_guard_network_off());
	CPLPushErrorHandler(CPLQuietErrorHandler);
	snprintf(url, sizeof(url), "/vsicurl/http://127.0.0.1:%d/a.tif", port);
	assert_int_not_equal(VSIStatL(url, &st), 0);
	assert_null(VSIFOpenL(url, "rb"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/a.json", port);
	res = CPLHTTPFetch(url, NULL);
	assert_non_null(res);
	assert_int_not_equal(res->nStatus, 0);
	CPLHTTPDestroyResult(res);
	/* a VRT opened with every driver still reaches nothing */
	snprintf(vrt, sizeof(vrt), raster_vrt, port);
	f = VSIFileFromMemBuffer("/vsimem/net.vrt", (GByte *)vrt, strlen(vrt),
				 FALSE);
	VSIFCloseL(f);
	ds = GDALOpenEx("/vsimem/net.vrt", GDAL_OF_RASTER, NULL, NULL, NULL);
	if (ds) {
		GByte px;
		CPLErr read = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read,
					   0, 0, 1, 1, &px, 1, 1, GDT_Byte, 0,
					   0);

		assert_int_not_equal(read, CE_None);
		GDALClose(ds);
	}
	VSIUnlink("/vsimem/net.vrt");
	CPLPopErrorHandler();
	assert_false(contacted(fd));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_out_of_an_upload_are_refused),
		cmocka_unit_test(references_inside_are_found),
		cmocka_unit_test(formats_outside_the_list_are_named),
		cmocka_unit_test(a_guarded_gdal_reaches_no_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
