/*
 * NMEA 0183 parser (src/fleet/nmea.c) and the JPEG structure check
 * (src/fleet/jpeg.c).
 *
 * Sentences are receivers' documentation examples, quoted as printed:
 *   [DALE]  Dale DePriest, "NMEA data", gpsinformation.org/dale/nmea.htm
 *           (GGA, RMC, VTG of fix 12:35:19 on 23 March 1994);
 *   [UBX]   u-blox NEO-6M power-up output before a fix (as logged in
 *           gpsd's test/daemon/uBlox-lea-4h.log and chris.cnie.de/avr/
 *           neo-6.html): empty RMC, VTG and GGA;
 *   [MT]    gpsd test/daemon/mt3339.log (MediaTek MT3339): DGPS GGA and
 *           RMC of 13 April 2015 20:26:40 with gpsd's decoded values
 *           (lat 44.068843333, lon -121.314191667, track 225.97);
 *   [CTM]   Cypress Solutions CTM200 "Message Type 82, GPRMC" (NMEA 2.0
 *           and 3.0 forms);
 *   [NOAA]  NOAA PSL PISTON 2019 ship GPS log (Hemisphere VS100): GGA,
 *           VTG, RMC of 16 September 2019 19:59:59;
 *   [DFR]   DFRobot TEL0132 (GPS + BeiDou) wiki "Getting Started": $GN
 *           multi-constellation GGA/RMC/VTG and $BD GSA/GSV of 14 Dec 2016;
 *           the $GB and $BD forms of its GGA/RMC/VTG are the same fields
 *           under those talkers, checksums recomputed;
 *   [UNI]   UniTraQ UD-731N user's manual 10.5: its RMC example prints the
 *           checksum *25 where the bytes give 64: refused, as it must be.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fleet/jpeg.h"
#include "fleet/nmea.h"

/* 2026-07-01T00:00:00Z */
#define NOW INT64_C(1782864000000)
#define KNOT (1852.0 / 3600.0)

static struct nmea_track tr;
static struct err err;

static int setup(void **state)
{
	(void)state;
	nmea_track_init(&tr);
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nmea_track_free(&tr);
	return 0;
}

static int parse(const char *text)
{
	return nmea_parse(text, strlen(text), NOW, &tr, &err);
}

static void near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("%.9f is not %.9f (+- %g)", got, want, tol);
}

/* [DALE] one epoch in three sentences makes one fix. */
static void test_dale_epoch(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"
		"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n"
		"$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48\r\n"), ERR_OK);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.sentences, 3);
	/* 1994-03-23T12:35:19Z */
	assert_int_equal(tr.fixes[0].ts_ms, INT64_C(764426119000));
	near(tr.fixes[0].lat, 48 + 7.038 / 60, 1e-12);
	near(tr.fixes[0].lon, 11 + 31.0 / 60, 1e-12);
	assert_int_equal(tr.fixes[0].quality, 1);
	/* the VTG comes last and wins: 10.2 km/h, 54.7 degrees true */
	near(tr.fixes[0].speed_ms, 10.2 / 3.6, 1e-12);
	near(tr.fixes[0].course_deg, 54.7, 1e-12);
	assert_int_equal(tr.fixes[0].line, 1);
}

/* [DALE] RMC alone: speed in knots. */
static void test_dale_rmc(void **state)
{
	(void)state;
	assert_int_equal(parse("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,"
			       "084.4,230394,003.1,W*6A"), ERR_OK);
	assert_int_equal(tr.n, 1);
	near(tr.fixes[0].speed_ms, 22.4 * KNOT, 1e-12);
	near(tr.fixes[0].course_deg, 84.4, 1e-12);
	assert_int_equal(tr.fixes[0].quality, -1);
}

/* [MT] against gpsd's own decoding of the same log. */
static void test_mt3339_against_gpsd(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"$GPGGA,202640.000,4404.1306,N,12118.8515,W,2,10,0.98,1127.7,M,-19.6,M,0000,0000*6C\n"
		"$GPGSA,A,3,20,16,09,03,07,10,23,19,27,30,,,1.64,0.98,1.31*05\n"
		"$GPRMC,202640.000,A,4404.1306,N,12118.8515,W,0.03,225.97,130415,,,D*73\n"
		"$GPZDA,202640.000,13,04,2015,,*54\n"), ERR_OK);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.skipped, 2);
	/* gpsd: "time":"2015-04-13T20:26:40.000Z" */
	assert_int_equal(tr.fixes[0].ts_ms, INT64_C(1428956800000));
	near(tr.fixes[0].lat, 44.068843333, 1e-9);
	near(tr.fixes[0].lon, -121.314191667, 1e-9);
	near(tr.fixes[0].course_deg, 225.97, 1e-9);
	near(tr.fixes[0].speed_ms, 0.03 * KNOT, 1e-12); /* gpsd: 0.015 */
	assert_int_equal(tr.fixes[0].quality, 2);
}

/* [CTM] NMEA 2.0 and 3.0 RMC; [NOAA] high-precision GGA with VTG and RMC. */
static void test_ctm_and_noaa(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"$GPRMC,001207.00,A,4911.2236,N,12254.4779,W,012.3,201.0,170109,,*2D\n"
		"$GPRMC,222414.00,A,4915.3920,N,12259.8072,W,000.2,242.0,211210,,,A*49\n"
		"$GPGGA,195959.00,1813.38282955,N,12606.12767097,E,2,07,1.4,17.2,M,36.5,M,4.0,0129*78\n"
		"$GPVTG,262.13,T,265.08,M,1.31,N,2.43,K,D*2D\n"
		"$GPRMC,195959.00,A,1813.38282955,N,12606.12767097,E,1.31,262.13,160919,3.0,W,D*21\n"),
		ERR_OK);
	assert_int_equal(tr.n, 3);
	/* 2009-01-17T00:12:07Z, 2010-12-21T22:24:14Z, 2019-09-16T19:59:59Z */
	assert_int_equal(tr.fixes[0].ts_ms, INT64_C(1232151127000));
	assert_int_equal(tr.fixes[1].ts_ms, INT64_C(1292970254000));
	assert_int_equal(tr.fixes[2].ts_ms, INT64_C(1568663999000));
	near(tr.fixes[0].lon, -(122 + 54.4779 / 60), 1e-12);
	near(tr.fixes[2].lat, 18 + 13.38282955 / 60, 1e-12);
	near(tr.fixes[2].lon, 126 + 6.12767097 / 60, 1e-12);
	/* the RMC comes after the VTG in that epoch: its 1.31 knots win */
	near(tr.fixes[2].speed_ms, 1.31 * KNOT, 1e-12);
	assert_int_equal(tr.fixes[2].line, 3);
}

/* [DFR] GPS + BeiDou receiver: $GN, $BD, and the same under $GB. */
static void test_beidou_talkers(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"$GNGGA,084852.000,2236.9453,N,11408.4790,E,1,05,3.1,89.7,M,0.0,M,,*48\n"
		"$GNGLL,2236.9453,N,11408.4790,E,084852.000,A,A*4C\n"
		"$BDGSA,A,3,06,07,,,,,,,,,,,6.3,3.1,5.4*24\n"
		"$BDGSV,1,1,02,06,68,055,27,07,82,211,31*6A\n"
		"$GNRMC,084852.000,A,2236.9453,N,11408.4790,E,0.53,292.44,141216,,,A*75\n"
		"$GNVTG,292.44,T,,M,0.53,N,0.98,K,A*2D\n"
		"$GNZDA,084852.000,14,12,2016,00,00*48\n"
		"$GPTXT,01,01,01,ANTENNA OK*35\n"), ERR_OK);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.sentences, 8);
	assert_int_equal(tr.skipped, 5);
	/* 2016-12-14T08:48:52Z */
	assert_int_equal(tr.fixes[0].ts_ms, INT64_C(1481705332000));
	near(tr.fixes[0].lat, 22 + 36.9453 / 60, 1e-12);
	near(tr.fixes[0].lon, 114 + 8.4790 / 60, 1e-12);
	nmea_track_free(&tr);
	assert_int_equal(parse(
		"$GBGGA,084852.000,2236.9453,N,11408.4790,E,1,05,3.1,89.7,M,0.0,M,,*44\n"
		"$BDRMC,084852.000,A,2236.9453,N,11408.4790,E,0.53,292.44,141216,,,A*7A\n"
		"$BDVTG,292.44,T,,M,0.53,N,0.98,K,A*22\n"), ERR_OK);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.fixes[0].ts_ms, INT64_C(1481705332000));
	near(tr.fixes[0].speed_ms, 0.98 / 3.6, 1e-12);
}

/* [UBX] a receiver without a fix: nothing to place, nothing refused. */
static void test_no_fix(void **state)
{
	(void)state;
	assert_int_equal(parse("$GPRMC,,V,,,,,,,,,,N*53\n$GPVTG,,,,,,,,,N*30\n"
			       "$GPGGA,,,,,,0,00,99.99,,,,,,*48\n"), ERR_OK);
	assert_int_equal(tr.n, 0);
	assert_int_equal(tr.sentences, 3);
}

/* GGA alone takes the day that puts it just before now. */
static void test_time_of_day_only(void **state)
{
	(void)state;
	/* now is 2026-07-01T00:00Z: 23:59:59 is yesterday, then midnight rolls */
	assert_int_equal(parse(
		"$GPGGA,235959.00,4404.1306,N,12118.8515,W,1,10,0.98,1127.7,M,-19.6,M,,*5C\n"
		"$GPGGA,000001.00,4404.1306,N,12118.8515,W,1,10,0.98,1127.7,M,-19.6,M,,*5C\n"),
		ERR_OK);
	assert_int_equal(tr.n, 2);
	assert_int_equal(tr.fixes[0].ts_ms, NOW - 1000);
	assert_int_equal(tr.fixes[1].ts_ms, NOW + 1000);
}

static void refused(const char *text, const char *needle)
{
	nmea_track_free(&tr);
	assert_int_not_equal(parse(text), ERR_OK);
	assert_int_equal(err.code, ERR_INVALID);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' does not say '%s'", err.msg, needle);
	assert_int_equal(tr.n, 0);
}

static void test_bad_checksums(void **state)
{
	(void)state;
	/* [UNI] the manual's own example */
	refused("$GPRMC,092204.999,A,4250.55899,S,14718.50849,E,0.00,89.68,"
		"211200,,A*25\r\n", "line 1: checksum *25 does not match the "
		"sentence (its bytes give 64)");
	/* [DALE] GGA with one digit changed, on line 2 */
	refused("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n"
		"$GPGGA,123520,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\n",
		"line 2: checksum");
	refused("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,\n",
		"line 1: no checksum");
	refused("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*4\n",
		"not two hex digits");
	refused("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47x\n",
		"not two hex digits");
}

static void test_truncated(void **state)
{
	(void)state;
	refused("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*",
		"not two hex digits");
	refused("$GPGGA,123519,4807.038,N*27", "GGA: too few fields");
	refused("$", "no checksum");
	refused("$*00", "the address");
}

static void test_hostile(void **state)
{
	char big[NMEA_LINE_MAX + 10];

	(void)state;
	refused("$XXGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*50",
		"unknown talker 'XX'");
	refused("GPGGA,123519*00", "starts with '$'");
	refused("$GP\x01GGA*57", "byte 0x01 at column 4");
	memset(big, 'A', sizeof(big));
	big[0] = '$';
	big[sizeof(big) - 1] = '\0';
	refused(big, "too long");
	/* fields out of range, checksums correct */
	refused("$GPGGA,253519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*43",
		"bad UTC time");
	refused("$GPGGA,123519,4867.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*41",
		"bad latitude");
	refused("$GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*51",
		"bad latitude");
	refused("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,310294,003.1,W*68",
		"bad date");
	refused("$GPRMC,123519,A,4807.038,N,01131.000,E,-22.4,084.4,230394,003.1,W*77",
		"speed");
	/* proprietary sentences are skipped once their checksum holds */
	nmea_track_free(&tr);
	assert_int_equal(parse("$PUBX,00,081350.00,4717.113210,N*5B\n"), ERR_OK);
	assert_int_equal(tr.skipped, 1);
}

/* Every prefix of a good text either parses or is refused, never more. */
static void test_every_prefix(void **state)
{
	static const char text[] =
		"$GNGGA,084852.000,2236.9453,N,11408.4790,E,1,05,3.1,89.7,M,0.0,M,,*48\n"
		"$GNRMC,084852.000,A,2236.9453,N,11408.4790,E,0.53,292.44,141216,,,A*75\n";

	(void)state;
	for (size_t n = 0; n <= sizeof(text) - 1; n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, text, n);
		nmea_track_free(&tr);
		if (nmea_parse(copy, n, NOW, &tr, &err) == ERR_OK)
			assert_true(tr.n <= 1);
		free(copy);
	}
}

/* ---- JPEG ---------------------------------------------------------------- */

/*
 * The smallest baseline JPEG: a 1x1 grey image (SOI, DQT, SOF0, DHT x2,
 * SOS, one entropy-coded byte, EOI), laid out as T.81 annex B describes.
 */
static unsigned char tiny_jpeg[2 + 69 + 13 + 2 * 22 + 10 + 4 + 2];

static void build_tiny_jpeg(void)
{
	static const unsigned char sof[] = { 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00,
					     0x01, 0x00, 0x01, 0x01, 0x01,
					     0x11, 0x00 };
	static const unsigned char sos[] = { 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01,
					     0x00, 0x00, 0x3F, 0x00 };
	static const unsigned char scan[] = { 0x00, 0xFF, 0x00, 0x3F };
	unsigned char *p = tiny_jpeg;

	*p++ = 0xFF, *p++ = 0xD8;
	*p++ = 0xFF, *p++ = 0xDB, *p++ = 0x00, *p++ = 0x43, *p++ = 0x00;
	memset(p, 1, 64), p += 64;
	memcpy(p, sof, sizeof(sof)), p += sizeof(sof);
	for (int t = 0; t < 2; t++) {
		*p++ = 0xFF, *p++ = 0xC4, *p++ = 0x00, *p++ = 0x14;
		*p++ = t ? 0x10 : 0x00;
		memset(p, 0, 16), p[0] = 1, p += 16;
		*p++ = 0x00;
	}
	memcpy(p, sos, sizeof(sos)), p += sizeof(sos);
	memcpy(p, scan, sizeof(scan)), p += sizeof(scan);
	*p++ = 0xFF, *p++ = 0xD9;
	assert_int_equal(p - tiny_jpeg, sizeof(tiny_jpeg));
}


static void test_jpeg_ok(void **state)
{
	struct jpeg_info info;

	(void)state;
	build_tiny_jpeg();
	assert_int_equal(jpeg_check(tiny_jpeg, sizeof(tiny_jpeg), &info, &err),
			 ERR_OK);
	assert_int_equal(info.width, 1);
	assert_int_equal(info.height, 1);
	assert_int_equal(info.components, 1);
}

static void jpeg_refused(const unsigned char *d, size_t n, const char *needle)
{
	struct jpeg_info info;

	assert_int_equal(jpeg_check(d, n, &info, &err), ERR_UNSUPPORTED);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' does not say '%s'", err.msg, needle);
}

static void test_jpeg_refused(void **state)
{
	unsigned char buf[sizeof(tiny_jpeg) + 8];
	static const unsigned char magic_only[] = { 0xFF, 0xD8, 0xFF, 0xE0,
						    '<', 'h', 't', 'm', 'l' };

	(void)state;
	build_tiny_jpeg();
	jpeg_refused((const unsigned char *)"GIF89a", 6, "no start-of-image");
	jpeg_refused(magic_only, sizeof(magic_only), "runs past the end");
	/* every truncation */
	for (size_t n = 0; n < sizeof(tiny_jpeg); n++)
		jpeg_refused(tiny_jpeg, n, "");
	/* something appended after EOI (a polyglot) */
	memcpy(buf, tiny_jpeg, sizeof(tiny_jpeg));
	memcpy(buf + sizeof(tiny_jpeg), "PK\3\4zip!", 8);
	jpeg_refused(buf, sizeof(buf), "after the end-of-image");
	/* zero padding after EOI is fine */
	memset(buf + sizeof(tiny_jpeg), 0, 8);
	{
		struct jpeg_info info;

		assert_int_equal(jpeg_check(buf, sizeof(buf), &info, &err), ERR_OK);
	}
	/* a zero-width frame */
	memcpy(buf, tiny_jpeg, sizeof(tiny_jpeg));
	buf[2 + 69 + 7] = 0; /* SOF0's width */
	buf[2 + 69 + 8] = 0;
	jpeg_refused(buf, sizeof(tiny_jpeg), "zero width");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dale_epoch),
		T(test_dale_rmc),
		T(test_mt3339_against_gpsd),
		T(test_ctm_and_noaa),
		T(test_beidou_talkers),
		T(test_no_fix),
		T(test_time_of_day_only),
		T(test_bad_checksums),
		T(test_truncated),
		T(test_hostile),
		T(test_every_prefix),
		T(test_jpeg_ok),
		T(test_jpeg_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
