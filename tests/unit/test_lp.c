/*
 * Line protocol parser (src/ingest/lp.c) and the batch it fills
 * (src/ingest/batch.c).
 *
 * Escaping cases follow the "Special characters" section of InfluxDB's
 * line protocol reference (docs.influxdata.com, influxdb v1 "line protocol
 * tutorial" and v2 "line protocol" reference) and the grammar of
 * influxdata/line-protocol (line-protocol.ebnf); a device tag is added where
 * the documented example has none, since Oasis requires one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest/batch.h"

#define NOW INT64_C(1782864000123)

static struct ingest_batch batch;
static struct err err;

static int setup(void **state)
{
	(void)state;
	ingest_batch_init(&batch);
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ingest_batch_free(&batch);
	return 0;
}

/*
 * Parse text (without its NUL) from a heap copy of exactly its length, so
 * that AddressSanitizer catches any read past len.
 */
static int parse_prec(const char *text, enum ingest_precision prec)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ingest_batch_reset(&batch);
	err.code = ERR_OK;
	err.msg[0] = '\0';
	rc = ingest_lp_parse(copy, len, prec, NOW, &batch, &err);
	free(copy);
	return rc;
}

static int parse(const char *text)
{
	return parse_prec(text, PRECISION_NS);
}

static void parse_ok(const char *text)
{
	if (parse(text) != ERR_OK)
		fail_msg("parse failed: %s", err.msg);
}

static void expect_error(const char *text, const char *msg)
{
	int rc = parse(text);

	if (rc != ERR_INVALID)
		fail_msg("expected ERR_INVALID for [%s], got %d (%s)", text, rc,
			 err.msg);
	assert_string_equal(err.msg, msg);
}

static void expect_error_prec(const char *text, enum ingest_precision prec,
			      const char *msg)
{
	assert_int_equal(parse_prec(text, prec), ERR_INVALID);
	assert_string_equal(err.msg, msg);
}

/* Bit-exact comparison of doubles (0.0 and -0.0 differ). */
static void assert_same_double(double got, double want)
{
	if (memcmp(&got, &want, sizeof(got)) != 0)
		fail_msg("got %.17g, want %.17g", got, want);
}

static const struct ingest_point *pt(size_t i)
{
	assert_true(i < batch.n);
	return &batch.points[i];
}

static void expect_point(size_t i, const char *meas, const char *dev,
			 const char *metric, double value, int64_t ts)
{
	const struct ingest_point *p = pt(i);

	assert_string_equal(ingest_str(&batch, p->measurement), meas);
	assert_string_equal(ingest_str(&batch, p->device), dev);
	assert_string_equal(ingest_str(&batch, p->metric), metric);
	assert_same_double(p->value, value);
	assert_int_equal(p->ts_ms, ts);
}

/* ---- the common line -------------------------------------------------- */

static void test_weather_line(void **state)
{
	(void)state;
	parse_ok("weather,device=ws-0001 air_temp=27.3,rh=41,solar_rad=812,"
		 "wind_speed=2.3,wind_dir=187,rain=0,pressure=951.2 "
		 "1782864000000000000\n");
	assert_int_equal(batch.n, 7);
	assert_int_equal(batch.form, INGEST_FORM_LINES);
	expect_point(0, "weather", "ws-0001", "air_temp", 27.3,
		     INT64_C(1782864000000));
	expect_point(1, "weather", "ws-0001", "rh", 41, INT64_C(1782864000000));
	expect_point(6, "weather", "ws-0001", "pressure", 951.2,
		     INT64_C(1782864000000));
	assert_int_equal(pt(6)->pos.line, 1);
	assert_int_equal(pt(6)->pos.index, 0);
}

static void test_lines_share_names(void **state)
{
	(void)state;
	parse_ok("soil,device=sp-1 m10=31.5,t10=24.1 1000000\n"
		 "soil,device=sp-1 m10=31.4,t10=24.0 2000000\n"
		 "soil,device=sp-2 t10=23.9,m10=30.0 3000000\n");
	assert_int_equal(batch.n, 6);
	/* The same name on consecutive lines: the same offset. */
	assert_int_equal(pt(0)->device, pt(2)->device);
	assert_int_equal(pt(0)->metric, pt(2)->metric);
	assert_int_equal(pt(0)->measurement, pt(5)->measurement);
	assert_true(pt(4)->device != pt(0)->device);
	/* Keys in another order on line 3: still the right names. */
	expect_point(4, "soil", "sp-2", "t10", 23.9, 3);
	expect_point(5, "soil", "sp-2", "m10", 30.0, 3);
	assert_int_equal(pt(5)->pos.line, 3);
}

static void test_many_fields(void **state)
{
	char line[4096], key[32];
	size_t o;

	(void)state;
	/* More fields than the parser's per-position key cache holds. */
	o = (size_t)snprintf(line, sizeof(line), "m,device=d ");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%sf%d=%d",
				      i ? "," : "", i, i);
	snprintf(line + o, sizeof(line) - o, " 5000000\n");
	parse_ok(line);
	assert_int_equal(batch.n, 100);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "f%d", i);
		expect_point((size_t)i, "m", "d", key, i, 5);
	}
}

/* ---- field values ----------------------------------------------------- */

static void test_float_forms(void **state)
{
	static const struct {
		const char *text;
		double value;
	} cases[] = {
		{ "27.3", 27.3 }, { "-27.3", -27.3 }, { "41", 41.0 },
		{ "1e3", 1000.0 }, { "1E3", 1000.0 }, { "1e+3", 1000.0 },
		{ "-1.5E-2", -0.015 }, { ".5", 0.5 }, { "-.5", -0.5 },
		{ "1.", 1.0 }, { "0", 0.0 }, { "-0", -0.0 }, { "-0.0", -0.0 },
		{ "0.1", 0.1 }, { "007.50", 7.5 },
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "4.9e-324", 4.9e-324 }, { "1e-400", 0.0 },
		{ "123456789012345678901234567890",
		  123456789012345678901234567890.0 },
		{ "9007199254740993", 9007199254740992.0 },
		{ "0.30000000000000004", 0.30000000000000004 },
	};
	char line[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "m,device=d x=%s 1000000",
			 cases[i].text);
		parse_ok(line);
		assert_int_equal(batch.n, 1);
		assert_same_double(pt(0)->value, cases[i].value);
	}
}

static void test_integer_forms(void **state)
{
	(void)state;
	parse_ok("m,device=d a=42i,b=-42i,c=0i,d=9223372036854775807i,"
		 "e=-9223372036854775808i,f=42u,g=18446744073709551615u,h=0u");
	assert_int_equal(batch.n, 8);
	assert_same_double(pt(0)->value, 42.0);
	assert_same_double(pt(1)->value, -42.0);
	assert_same_double(pt(2)->value, 0.0);
	assert_same_double(pt(3)->value, 9223372036854775807.0);
	assert_same_double(pt(4)->value, -9223372036854775808.0);
	assert_same_double(pt(5)->value, 42.0);
	assert_same_double(pt(6)->value, 18446744073709551615.0);
	assert_same_double(pt(7)->value, 0.0);
}

static void test_booleans(void **state)
{
	(void)state;
	parse_ok("m,device=d a=t,b=T,c=true,d=True,e=TRUE,"
		 "f=f,g=F,h=false,i=False,j=FALSE");
	assert_int_equal(batch.n, 10);
	for (size_t i = 0; i < 10; i++)
		assert_same_double(pt(i)->value, i < 5 ? 1.0 : 0.0);
	expect_error("m,device=d a=tRuE", "line 1: field 'a': 'tRuE' is not a "
		     "number or boolean");
	expect_error("m,device=d a=yes", "line 1: field 'a': 'yes' is not a "
		     "number");
}

/* ---- timestamps and precision ----------------------------------------- */

static void expect_ms(const char *ts, enum ingest_precision prec,
		      int64_t want)
{
	char line[128];

	snprintf(line, sizeof(line), "m,device=d x=1 %s", ts);
	if (parse_prec(line, prec))
		fail_msg("%s: %s", line, err.msg);
	assert_int_equal(batch.n, 1);
	assert_int_equal(pt(0)->ts_ms, want);
}

static void test_precisions(void **state)
{
	(void)state;
	/* 2026-07-01T00:00:00Z = 1782864000 s. */
	expect_ms("1782864000123456789", PRECISION_NS, INT64_C(1782864000123));
	expect_ms("1782864000123456", PRECISION_US, INT64_C(1782864000123));
	expect_ms("1782864000123", PRECISION_MS, INT64_C(1782864000123));
	expect_ms("1782864000", PRECISION_S, INT64_C(1782864000000));
	expect_ms("29714400", PRECISION_M, INT64_C(1782864000000));
	expect_ms("495240", PRECISION_H, INT64_C(1782864000000));
	/* ns and us: floor division, also for instants before 1970. */
	expect_ms("999999", PRECISION_NS, 0);
	expect_ms("-1", PRECISION_NS, -1);
	expect_ms("-1000000", PRECISION_NS, -1);
	expect_ms("-1000001", PRECISION_NS, -2);
	expect_ms("-1", PRECISION_US, -1);
	expect_ms("1999", PRECISION_US, 1);
	expect_ms("-1999", PRECISION_US, -2);
	expect_ms("-5", PRECISION_S, -5000);
	/* The ends of int64 nanoseconds. */
	expect_ms("9223372036854775807", PRECISION_NS,
		  INT64_C(9223372036854));
	expect_ms("-9223372036854775808", PRECISION_NS,
		  INT64_C(-9223372036855));
	expect_ms("9223372036", PRECISION_S, INT64_C(9223372036000));
	expect_ms("2562047", PRECISION_H, INT64_C(9223369200000));
}

static void test_timestamp_out_of_range(void **state)
{
	(void)state;
	expect_error_prec("m,device=d x=1 9223372037", PRECISION_S,
			  "line 1: timestamp '9223372037' is out of range for "
			  "precision s (1677-09-21 to 2262-04-11)");
	expect_error_prec("m,device=d x=1 -9223372037", PRECISION_S,
			  "line 1: timestamp '-9223372037' is out of range for "
			  "precision s (1677-09-21 to 2262-04-11)");
	expect_error_prec("m,device=d x=1 9223372036855", PRECISION_MS,
			  "line 1: timestamp '9223372036855' is out of range "
			  "for precision ms (1677-09-21 to 2262-04-11)");
	expect_error_prec("m,device=d x=1 2562048", PRECISION_H,
			  "line 1: timestamp '2562048' is out of range for "
			  "precision h (1677-09-21 to 2262-04-11)");
	expect_error_prec("m,device=d x=1 153722868", PRECISION_M,
			  "line 1: timestamp '153722868' is out of range for "
			  "precision m (1677-09-21 to 2262-04-11)");
	expect_error("m,device=d x=1 9223372036854775808",
		     "line 1: timestamp '9223372036854775808' is out of range "
		     "for precision ns (1677-09-21 to 2262-04-11)");
	expect_error_prec("m,device=d x=1 9223372036854776", PRECISION_US,
			  "line 1: timestamp '9223372036854776' is out of "
			  "range for precision us (1677-09-21 to 2262-04-11)");
}

static void test_precision_names(void **state)
{
	static const struct {
		const char *name;
		enum ingest_precision prec;
	} cases[] = {
		{ "ns", PRECISION_NS }, { "n", PRECISION_NS },
		{ "us", PRECISION_US }, { "u", PRECISION_US },
		{ "ms", PRECISION_MS }, { "s", PRECISION_S },
		{ "m", PRECISION_M }, { "h", PRECISION_H },
	};
	enum ingest_precision p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = PRECISION_H;
		assert_int_equal(ingest_precision_parse(cases[i].name, &p,
							&err), ERR_OK);
		assert_int_equal(p, cases[i].prec);
	}
	p = PRECISION_H;
	assert_int_equal(ingest_precision_parse(NULL, &p, &err), ERR_OK);
	assert_int_equal(p, PRECISION_NS);
	assert_int_equal(ingest_precision_parse("sec", &p, &err), ERR_INVALID);
	assert_string_equal(err.msg, "precision 'sec' is not one of ns, us, "
			    "ms, s (or n, u, m, h)");
	assert_int_equal(ingest_precision_parse("MS", &p, &err), ERR_INVALID);
	/* absent is ns; present but empty is a mistake, not a default */
	assert_int_equal(ingest_precision_parse("", &p, &err), ERR_INVALID);
	assert_string_equal(err.msg, "precision '' is not one of ns, us, "
			    "ms, s (or n, u, m, h)");
}

static void test_missing_timestamp_is_now(void **state)
{
	(void)state;
	parse_ok("m,device=d x=1\n"
		 "m,device=d y=2   \n"
		 "m,device=d z=3 1000000");
	assert_int_equal(batch.n, 3);
	assert_int_equal(pt(0)->ts_ms, NOW);
	assert_int_equal(pt(1)->ts_ms, NOW);
	assert_int_equal(pt(2)->ts_ms, 1);
	/* now is not truncated to the precision. */
	assert_int_equal(parse_prec("m,device=d x=1", PRECISION_H), ERR_OK);
	assert_int_equal(pt(0)->ts_ms, NOW);
}

/* ---- lines ------------------------------------------------------------ */

static void test_comments_blank_lines_crlf(void **state)
{
	(void)state;
	parse_ok("# a comment, with = and \"quotes\"\r\n"
		 "\r\n"
		 "\n"
		 "   \t \n"
		 "  # an indented comment\n"
		 "m,device=d a=1 1000000\r\n"
		 "  m,device=d b=2 2000000  \r\n"
		 "\tm,device=d c=3\r\n"
		 "m,device=d d=4 4000000\r");
	assert_int_equal(batch.n, 4);
	expect_point(0, "m", "d", "a", 1, 1);
	assert_int_equal(pt(0)->pos.line, 6);
	expect_point(1, "m", "d", "b", 2, 2);
	assert_int_equal(pt(1)->pos.line, 7);
	expect_point(2, "m", "d", "c", 3, NOW);
	assert_int_equal(pt(2)->pos.line, 8);
	expect_point(3, "m", "d", "d", 4, 4);
	assert_int_equal(pt(3)->pos.line, 9);
}

static void test_empty_text(void **state)
{
	(void)state;
	parse_ok("");
	assert_int_equal(batch.n, 0);
	parse_ok("\n\n# nothing\n");
	assert_int_equal(batch.n, 0);
}

static void test_spaces_between_sections(void **state)
{
	(void)state;
	parse_ok("m,device=d    x=1,y=2     3000000    ");
	assert_int_equal(batch.n, 2);
	expect_point(1, "m", "d", "y", 2, 3);
}

/* The text is a byte range: nothing after len is read. */
static void test_not_nul_terminated(void **state)
{
	const char text[] = "m,device=d x=12345 6000000";
	struct err e;

	(void)state;
	ingest_batch_reset(&batch);
	/* Up to "x=12": the value ends where the range does. */
	assert_int_equal(ingest_lp_parse(text, 15, PRECISION_NS, NOW, &batch,
					 &e), ERR_OK);
	assert_int_equal(batch.n, 1);
	assert_same_double(pt(0)->value, 12.0);
	assert_int_equal(pt(0)->ts_ms, NOW);
	/* A backslash as the last byte escapes nothing (and reads nothing
	 * beyond: parse() hands over an exact-size heap copy). */
	expect_error("m\\", "line 1: no fields (expected 'measurement,"
		     "device=ID field=value [timestamp]', found the end of the "
		     "line)");
	expect_error("m,device=d x=1\\", "line 1: field 'x': '1\\' is not a "
		     "number");
	expect_error("m,device=d x\\=1", "line 1: field 'x=1' has no value "
		     "(expected '=', found the end of the line)");
}

/* ---- escaping (InfluxDB's "Special characters") ---------------------- */

static void test_escapes_measurement(void **state)
{
	(void)state;
	/* v1 tutorial: wea\,ther and wea\ ther. */
	parse_ok("wea\\,ther,device=us-midwest temperature=82 "
		 "1465839830100400200");
	expect_point(0, "wea,ther", "us-midwest", "temperature", 82,
		     INT64_C(1465839830100));
	parse_ok("wea\\ ther,device=us-midwest temperature=82 "
		 "1465839830100400200");
	expect_point(0, "wea ther", "us-midwest", "temperature", 82,
		     INT64_C(1465839830100));
	/* v2 reference: my\ Measurement; '=' needs no escape here. */
	parse_ok("my\\ Measurement,device=d fieldKey=1");
	expect_point(0, "my Measurement", "d", "fieldKey", 1, NOW);
	parse_ok("a=b,device=d x=1");
	expect_point(0, "a=b", "d", "x", 1, NOW);
	/* "\=" is not an escape in a measurement: the backslash stays. */
	parse_ok("a\\=b,device=d x=1");
	expect_point(0, "a\\=b", "d", "x", 1, NOW);
}

static void test_escapes_tags_and_keys(void **state)
{
	(void)state;
	/* v1 tutorial: location=us\,midwest, temp\=rature, location\ place. */
	parse_ok("weather,device=us\\,midwest temp\\=rature=82 "
		 "1465839830100400200");
	expect_point(0, "weather", "us,midwest", "temp=rature", 82,
		     INT64_C(1465839830100));
	parse_ok("weather,location\\ place=us-midwest,device=ws\\ 01 "
		 "temperature=82");
	expect_point(0, "weather", "ws 01", "temperature", 82, NOW);
	/* v2 reference: tag\ Key1=tag\ Value1 (ignored tags still parse). */
	parse_ok("myMeasurement,tag\\ Key1=tag\\ Value1,tag\\ Key2=tag\\ Value2"
		 ",device=d fieldKey=100");
	expect_point(0, "myMeasurement", "d", "fieldKey", 100, NOW);
	parse_ok("m,device=a\\=b field\\ key\\,x=1");
	expect_point(0, "m", "a=b", "field key,x", 1, NOW);
	/* v2 reference: emoji in tag values. */
	parse_ok("myMeasurement,tagKey=\xF0\x9F\x8D\xAD,device=\xE6\xB0\x94"
		 "\xE8\xB1\xA1 fieldKey=1 1556813561098000000");
	expect_point(0, "myMeasurement", "\xE6\xB0\x94\xE8\xB1\xA1",
		     "fieldKey", 1, INT64_C(1556813561098));
}

static void test_escapes_backslashes(void **state)
{
	(void)state;
	/* A backslash before a byte that is not special is kept. */
	parse_ok("m,device=a\\b x\\y=1");
	expect_point(0, "m", "a\\b", "x\\y", 1, NOW);
	/* "\\," is a kept backslash, then an escaped comma. */
	parse_ok("m,device=a\\\\,b x=1");
	expect_point(0, "m", "a\\,b", "x", 1, NOW);
	/* "\\ " likewise in a measurement: a\ b. */
	parse_ok("a\\\\ b,device=d x=1");
	expect_point(0, "a\\ b", "d", "x", 1, NOW);
}

/* ---- string fields ---------------------------------------------------- */

static void test_string_fields_refused(void **state)
{
	(void)state;
	expect_error("m,device=d a=1,status=\"ok\" 1000000",
		     "line 1: field 'status' is a string; Oasis stores numbers "
		     "only");
	/* The reference's field\,key="string, with \"quotes\"" case. */
	expect_error("m,device=d field\\,key=\"string, with \\\"quotes\\\"\"",
		     "line 1: field 'field,key' is a string; Oasis stores "
		     "numbers only");
	expect_error("weather,device=d temperature=\"too\\\"hot\\\"\" "
		     "1465839830100400200",
		     "line 1: field 'temperature' is a string; Oasis stores "
		     "numbers only");
	expect_error("m,device=d x=1\nm,device=d a\\ b=\"x y=z, w\",c=2\n",
		     "line 2: field 'a b' is a string; Oasis stores numbers "
		     "only");
	/* "\\" before the closing quote: the string is closed. */
	expect_error("m,device=d s=\"a\\\\\"", "line 1: field 's' is a "
		     "string; Oasis stores numbers only");
	expect_error("m,device=d s=\"a\\\"", "line 1: field 's': the string "
		     "value has no closing quote");
	expect_error("m,device=d s=\"", "line 1: field 's': the string value "
		     "has no closing quote");
	expect_error("m,device=d s=\"\"", "line 1: field 's' is a string; "
		     "Oasis stores numbers only");
}

/* ---- refusals --------------------------------------------------------- */

/* InfluxDB 1.6 refuses a line repeating a tag key ("duplicate tags"). */
static void test_duplicate_tags(void **state)
{
	char line[4096];
	size_t o;

	(void)state;
	expect_error("cpu,device=lp-1,host=a,host=b value=1i",
		     "line 1: tag 'host' appears twice");
	expect_error("cpu,device=lp-1 value=1i\ncpu,host=a,device=lp-1,"
		     "region=x,host=a value=2i", "line 2: tag 'host' appears "
		     "twice");
	/* escaped keys compare as written: "h\,x" twice, but not "hx" */
	expect_error("cpu,device=d,h\\,x=1,h\\,x=2 v=1",
		     "line 1: tag 'h\\,x' appears twice");
	parse_ok("cpu,device=d,h\\,x=1,hx=2,host=a,hosts=a,Host=a v=1");
	/* a tag key repeating a field key is fine, as in InfluxDB */
	parse_ok("cpu,device=d,value=a value=1");
	/* many tags go through the sorted path: the last one repeats */
	o = (size_t)snprintf(line, sizeof(line), "m,device=d");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, ",t%d=v", i);
	snprintf(line + o, sizeof(line) - o, ",t57=w x=1");
	expect_error(line, "line 1: tag 't57' appears twice");
	line[o] = '\0';
	snprintf(line + o, sizeof(line) - o, ",t100=w x=1\nm,device=d,a=1 x=2");
	parse_ok(line);
	assert_int_equal(batch.n, 2);
}

static void test_missing_device(void **state)
{
	(void)state;
	expect_error("m,device=d x=1\nweather,host=a air_temp=1 1000000\n",
		     "line 2: no 'device' tag (expected e.g. "
		     "'weather,device=ws-01 air_temp=21.5')");
	expect_error("weather air_temp=1", "line 1: no 'device' tag (expected "
		     "e.g. 'weather,device=ws-01 air_temp=21.5')");
	/* Tag keys are case-sensitive. */
	expect_error("m,Device=d x=1", "line 1: no 'device' tag (expected e.g. "
		     "'weather,device=ws-01 air_temp=21.5')");
	expect_error("m,device=a,device=b x=1",
		     "line 1: tag 'device' appears twice");
}

static void test_bad_numbers(void **state)
{
	(void)state;
	expect_error("m,device=d x=1\n\nweather,device=ws air_temp=12.5.1 1",
		     "line 3: field 'air_temp': '12.5.1' is not a number");
	expect_error("m,device=d x=1.2.3", "line 1: field 'x': '1.2.3' is not "
		     "a number");
	expect_error("m,device=d x=+1", "line 1: field 'x': '+1' is not a "
		     "number");
	expect_error("m,device=d x=1e", "line 1: field 'x': '1e' is not a "
		     "number");
	expect_error("m,device=d x=.", "line 1: field 'x': '.' is not a "
		     "number");
	expect_error("m,device=d x=-", "line 1: field 'x': '-' is not a "
		     "number");
	expect_error("m,device=d x=0x10", "line 1: field 'x': '0x10' is not a "
		     "number");
	expect_error("m,device=d x=12abc", "line 1: field 'x': '12abc' is not "
		     "a number");
	expect_error("m,device=d x=1.5i", "line 1: field 'x': '1.5i' is not an "
		     "integer (or is beyond 64 bits)");
	expect_error("m,device=d x=9223372036854775808i", "line 1: field 'x': "
		     "'9223372036854775808i' is not an integer (or is beyond "
		     "64 bits)");
	expect_error("m,device=d x=18446744073709551616u", "line 1: field 'x':"
		     " '18446744073709551616u' is not an unsigned integer (or "
		     "is beyond 64 bits)");
	expect_error("m,device=d x=-1u", "line 1: field 'x': '-1u' is not a "
		     "number");
}

static void test_non_finite(void **state)
{
	(void)state;
	expect_error("m,device=d x=NaN", "line 1: field 'x': 'NaN' is not a "
		     "finite number");
	expect_error("m,device=d x=nan", "line 1: field 'x': 'nan' is not a "
		     "finite number");
	expect_error("m,device=d x=-Inf", "line 1: field 'x': '-Inf' is not a "
		     "finite number");
	expect_error("m,device=d x=inf", "line 1: field 'x': 'inf' is not a "
		     "finite number");
	expect_error("m,device=d x=+Infinity", "line 1: field 'x': "
		     "'+Infinity' is not a finite number");
	expect_error("m,device=d x=1e999", "line 1: field 'x': '1e999' is not "
		     "a finite number");
	expect_error("m,device=d x=-1.8e308", "line 1: field 'x': '-1.8e308' "
		     "is not a finite number");
}

static void test_missing_field_set(void **state)
{
	(void)state;
	expect_error("weather,device=a", "line 1: no fields (expected "
		     "'measurement,device=ID field=value [timestamp]', found "
		     "the end of the line)");
	expect_error("weather,device=a   \n", "line 1: no fields (expected "
		     "'measurement,device=ID field=value [timestamp]')");
	expect_error("weather\r\n", "line 1: no fields (expected "
		     "'measurement,device=ID field=value [timestamp]', found "
		     "the end of the line)");
	expect_error("weather,device=a 1782864000", "line 1: field "
		     "'1782864000' has no value (expected '=', found the end "
		     "of the line)");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("m,device=d x=1 123 junk",
		     "line 1: unexpected text after the timestamp: 'junk'");
	expect_error("m,device=d x=1 12a", "line 1: timestamp '12a' is not an "
		     "integer");
	expect_error("m,device=d x=1 1.5e9", "line 1: timestamp '1.5e9' is "
		     "not an integer");
	expect_error("m,device=d x=1 -", "line 1: timestamp '-' is not an "
		     "integer");
	expect_error("m,device=d x=1 +5", "line 1: timestamp '+5' is not an "
		     "integer");
	expect_error("m,device=d =1", "line 1: expected a field key, found "
		     "'='");
	expect_error("m,device=d x= 1", "line 1: field 'x' has no value");
	expect_error("m,device=d x=1, y=2", "line 1: expected a field after "
		     "',', found a space");
	expect_error("m,device=d x=1,", "line 1: expected a field after ',', "
		     "found the end of the line");
	expect_error("m,device=d x", "line 1: field 'x' has no value "
		     "(expected '=', found the end of the line)");
	expect_error(",device=d x=1", "line 1: expected a measurement name, "
		     "found ','");
	expect_error("m,=d x=1", "line 1: expected a tag key after ',', found "
		     "'='");
	expect_error("m, x=1", "line 1: expected a tag key after ',', found a "
		     "space");
	expect_error("m,device x=1", "line 1: tag 'device' has no value "
		     "(expected '=', found a space)");
	expect_error("m,device= x=1", "line 1: tag 'device' has an empty "
		     "value");
	expect_error("m,device=a=b x=1", "line 1: tag 'device': the value is "
		     "followed by '=' (escape it as \\=)");
	expect_error("m\tx,device=d x=1", "line 1: the measurement name is "
		     "followed by a tab (expected ',' or a space)");
	expect_error("m,device=d\x01 x=1", "line 1: tag 'device': the value is "
		     "followed by byte 0x01 (expected ',' or a space)");
	expect_error("m,device=d x=1\rm,device=d y=2", "line 1: a carriage "
		     "return not followed by a line feed");
	expect_error("m,device=d x=1 5\rx", "line 1: a carriage return not "
		     "followed by a line feed");
	expect_error("m,device=\xC3\x28 x=1", "line 1: device '?(' is not valid"
		     " UTF-8");
	expect_error("m,device=d \xED\xA0\x80=1", "line 1: field key '?" "?" "?' is "
		     "not valid UTF-8");
}

static void test_error_quotes_are_bounded(void **state)
{
	char line[600];

	(void)state;
	/* A long bad value is cut in the message, which stays readable. */
	memset(line, 0, sizeof(line));
	strcpy(line, "m,device=d x=");
	memset(line + strlen(line), '7', 300);
	strcat(line, "z");
	assert_int_equal(parse(line), ERR_INVALID);
	assert_true(strlen(err.msg) < 120);
	assert_non_null(strstr(err.msg, "...' is not a number"));
}

static void test_error_keeps_line_of_later_lines(void **state)
{
	(void)state;
	expect_error("# header\n"
		     "m,device=d x=1 1000000\n"
		     "\n"
		     "m,device=d x=1 1000000\n"
		     "m,device=d x=oops 1000000\n",
		     "line 5: field 'x': 'oops' is not a number");
}

/* ---- numbers: the fast path is exactly strtod ------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	/* xorshift64* (Vigna), deterministic. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static void test_number_parser_matches_strtod(void **state)
{
	char s[64];
	double got, want;
	int n;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rng_next();
		int digits = 1 + (int)(r % 19);
		int point = (int)((r >> 8) % (uint64_t)(digits + 1));
		int ex = (int)((r >> 16) % 61) - 30;
		bool with_exp = (r >> 24) & 1, neg = (r >> 25) & 1;

		n = 0;
		if (neg)
			s[n++] = '-';
		for (int d = 0; d < digits; d++) {
			if (d == point && d > 0)
				s[n++] = '.';
			s[n++] = (char)('0' + rng_next() % 10);
		}
		if (with_exp)
			n += snprintf(s + n, sizeof(s) - (size_t)n, "e%d", ex);
		s[n] = '\0';
		want = strtod(s, NULL);
		if (ingest__parse_number(s, (size_t)n, false, &got) !=
		    INGEST_NUM_OK)
			fail_msg("'%s' refused", s);
		if (memcmp(&got, &want, sizeof(got)) != 0)
			fail_msg("'%s': got %.17g, strtod %.17g", s, got, want);
	}
}

static void test_number_parser_edges(void **state)
{
	char big[1100];
	double v;

	(void)state;
	assert_int_equal(ingest__parse_number("+1", 2, true, &v),
			 INGEST_NUM_OK);
	assert_same_double(v, 1.0);
	assert_int_equal(ingest__parse_number("+1", 2, false, &v),
			 INGEST_NUM_SYNTAX);
	assert_int_equal(ingest__parse_number("", 0, true, &v),
			 INGEST_NUM_SYNTAX);
	assert_int_equal(ingest__parse_number("1e5000000000000000000000", 24,
					      false, &v), INGEST_NUM_NOT_FINITE);
	assert_int_equal(ingest__parse_number("1e-5000000000000000000000", 25,
					      false, &v), INGEST_NUM_OK);
	assert_same_double(v, 0.0);
	/* 1e23 is the classic case that a naive 1e22 * 10 gets wrong. */
	assert_int_equal(ingest__parse_number("1e23", 4, false, &v),
			 INGEST_NUM_OK);
	assert_same_double(v, 1e23);
	assert_int_equal(ingest__parse_number("123e20", 6, false, &v),
			 INGEST_NUM_OK);
	assert_same_double(v, 123e20);
	memset(big, '1', sizeof(big));
	big[0] = '0';
	big[1] = '.';
	assert_int_equal(ingest__parse_number(big, 1023, false, &v),
			 INGEST_NUM_OK);
	big[1023] = '\0';
	assert_same_double(v, strtod(big, NULL));
	big[1023] = '1';
	assert_int_equal(ingest__parse_number(big, 1024, false, &v),
			 INGEST_NUM_TOO_LONG);
}

/* ---- the batch -------------------------------------------------------- */

static void test_batch_intern(void **state)
{
	uint32_t a, b2, c, d;

	(void)state;
	ingest_batch_reset(&batch);
	assert_int_equal(ingest_batch_intern(&batch, "ws-01", 5, &a, &err), 0);
	assert_int_equal(ingest_batch_intern(&batch, "air_temp", 8, &b2, &err),
			 0);
	assert_int_equal(ingest_batch_intern(&batch, "ws-01xyz", 5, &c, &err),
			 0);
	assert_int_equal(ingest_batch_intern(&batch, "ws-0", 4, &d, &err), 0);
	assert_int_equal(a, c);
	assert_true(a != b2 && d != a);
	assert_string_equal(ingest_str(&batch, a), "ws-01");
	assert_string_equal(ingest_str(&batch, d), "ws-0");
	assert_int_equal(ingest_batch_intern(&batch, "a\0b", 3, &d, &err),
			 ERR_INVALID);
	/* Many distinct strings: each offset holds its own text. */
	for (int i = 0; i < 5000; i++) {
		char s[16];
		uint32_t off;

		snprintf(s, sizeof(s), "dev-%d", i);
		assert_int_equal(ingest_batch_intern(&batch, s, strlen(s), &off,
						     &err), 0);
		assert_string_equal(ingest_str(&batch, off), s);
	}
	assert_string_equal(ingest_str(&batch, b2), "air_temp");
}

static void test_batch_grows_and_resets(void **state)
{
	struct ingest_point p = { .value = 1.0 };

	(void)state;
	ingest_batch_reset(&batch);
	for (int i = 0; i < 100000; i++) {
		p.ts_ms = i;
		assert_int_equal(ingest_batch_add(&batch, &p, &err), 0);
	}
	assert_int_equal(batch.n, 100000);
	assert_int_equal(batch.points[99999].ts_ms, 99999);
	ingest_batch_reset(&batch);
	assert_int_equal(batch.n, 0);
	assert_int_equal(batch.arena_len, 0);
	assert_true(batch.cap >= 100000);
}

static void test_batch_point_limit(void **state)
{
	struct ingest_point p = { 0 };
	const char *text = "m,device=d a=1,b=2\nm,device=d c=3,d=4\n";

	(void)state;
	assert_int_equal(batch.max_points, INGEST_BATCH_MAX_POINTS);
	assert_int_equal(INGEST_BATCH_MAX_POINTS, 1000000);
	batch.max_points = 3;
	for (int i = 0; i < 3; i++)
		assert_int_equal(ingest_batch_add(&batch, &p, &err), 0);
	assert_int_equal(ingest_batch_add(&batch, &p, &err), ERR_TOO_LARGE);
	assert_non_null(strstr(err.msg, "more than 3 points"));
	assert_non_null(strstr(err.msg, "--max-batch-points"));
	ingest_batch_reset(&batch);
	assert_int_equal(batch.max_points, 3);
	/* the parser names the line where the limit was passed */
	assert_int_equal(ingest_lp_parse(text, strlen(text), PRECISION_NS, 0,
					 &batch, &err), ERR_TOO_LARGE);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(batch.n, 3);
}

static void test_pos_format(void **state)
{
	char s[32];
	struct ingest_pos line = { 12, 0 }, item = { 0, 4 };

	(void)state;
	batch.form = INGEST_FORM_LINES;
	assert_string_equal(ingest_pos_format(&batch, &line, s, sizeof(s)),
			    "line 12");
	batch.form = INGEST_FORM_JSON_ARRAY;
	assert_string_equal(ingest_pos_format(&batch, &item, s, sizeof(s)),
			    "item 4");
	batch.form = INGEST_FORM_JSON_OBJECT;
	assert_string_equal(ingest_pos_format(&batch, &(struct ingest_pos){
		0, 0 }, s, sizeof(s)), "the object");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_weather_line),
		T(test_lines_share_names),
		T(test_many_fields),
		T(test_float_forms),
		T(test_integer_forms),
		T(test_booleans),
		T(test_precisions),
		T(test_timestamp_out_of_range),
		T(test_precision_names),
		T(test_missing_timestamp_is_now),
		T(test_comments_blank_lines_crlf),
		T(test_empty_text),
		T(test_spaces_between_sections),
		T(test_not_nul_terminated),
		T(test_escapes_measurement),
		T(test_escapes_tags_and_keys),
		T(test_escapes_backslashes),
		T(test_string_fields_refused),
		T(test_missing_device),
		T(test_duplicate_tags),
		T(test_bad_numbers),
		T(test_non_finite),
		T(test_missing_field_set),
		T(test_syntax_errors),
		T(test_error_quotes_are_bounded),
		T(test_error_keeps_line_of_later_lines),
		T(test_number_parser_matches_strtod),
		T(test_number_parser_edges),
		T(test_batch_intern),
		T(test_batch_grows_and_resets),
		T(test_batch_point_limit),
		T(test_pos_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
