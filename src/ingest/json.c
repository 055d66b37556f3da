/*
 * json: telemetry JSON (one object, an array of objects, or NDJSON) into
 * a batch, with jansson (see ingest_json_parse in batch.h for the rules).
 */
#include "ingest/batch.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define JSON_FLAGS JSON_REJECT_DUPLICATES

struct tel_parser {
	const char *device_default;
	bool default_only;  /* a named device is not checked against it */
	int64_t now_ms;
	struct ingest_batch *b;
	struct err *e;
	uint32_t empty;     /* offset of "" (the measurement) */
	char where[48];     /* "item 4: ", "line 7: " or "" */
};

__attribute__((format(printf, 2, 3)))
static int tel_fail(struct tel_parser *jp, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(jp->e, ERR_INVALID, "%s%s", jp->where, msg);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static const char *quote_key(char q[INGEST_QUOTE_SIZE], const char *key)
{
	return ingest__quote(q, key, strlen(key));
}

/* The device of one object: its "device" member or the default. */
static int tel_device(struct tel_parser *jp, const json_t *dev,
		      uint32_t *off)
{
	char q[INGEST_QUOTE_SIZE], q2[INGEST_QUOTE_SIZE];
	const char *id;
	size_t len;
	int rc;

	if (!dev) {
		if (!jp->device_default)
			return tel_fail(jp, "no 'device' member (it may be left "
					"out only with a device's token)");
		id = jp->device_default;
		len = strlen(id);
	} else {
		if (!json_is_string(dev))
			return tel_fail(jp, "'device': expected a string, got "
					"%s", type_name(dev));
		id = json_string_value(dev);
		len = json_string_length(dev);
		rc = ingest__check_name("the id", id, len, jp->e);
		if (rc)
			return err_prefix(jp->e, "%s'device'", jp->where);
		if (jp->device_default && !jp->default_only &&
		    strcmp(id, jp->device_default) != 0)
			return tel_fail(jp, "'device' is '%s' but the topic "
					"names '%s'", ingest__quote(q, id, len),
					quote_key(q2, jp->device_default));
	}
	rc = ingest_batch_intern(jp->b, id, len, off, jp->e);
	return rc ? err_prefix(jp->e, "%s'device'", jp->where) : ERR_OK;
}

static int tel_ts(struct tel_parser *jp, const json_t *ts, int64_t *ms)
{
	double d;

	if (!ts) {
		*ms = jp->now_ms;
		return ERR_OK;
	}
	switch (json_typeof(ts)) {
	case JSON_INTEGER:
		*ms = (int64_t)json_integer_value(ts);
		return ERR_OK;
	case JSON_REAL:
		d = json_real_value(ts);
		/* A whole number of ms that a double holds exactly. */
		if (d != floor(d) || fabs(d) > 9007199254740992.0)
			return tel_fail(jp, "'ts': %.17g is not a whole number "
					"of epoch milliseconds", d);
		*ms = (int64_t)d;
		return ERR_OK;
	case JSON_STRING:
		if (ingest__parse_time_text(json_string_value(ts),
					    json_string_length(ts), ms, jp->e))
			return err_prefix(jp->e, "%s'ts'", jp->where);
		return ERR_OK;
	default:
		return tel_fail(jp, "'ts': expected epoch milliseconds or an "
				"RFC 3339 string, got %s", type_name(ts));
	}
}

static int tel_value(struct tel_parser *jp, const char *metric,
		     const json_t *v, double *out)
{
	char q[INGEST_QUOTE_SIZE];

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		*out = (double)json_integer_value(v);
		return ERR_OK;
	case JSON_REAL:
		/* jansson refuses NaN, Inf and overflowing literals. */
		*out = json_real_value(v);
		return ERR_OK;
	case JSON_TRUE:
		*out = 1.0;
		return ERR_OK;
	case JSON_FALSE:
		*out = 0.0;
		return ERR_OK;
	default:
		return tel_fail(jp, "'values'.'%s': expected a number, got %s",
				quote_key(q, metric), type_name(v));
	}
}

static int tel_values(struct tel_parser *jp, const json_t *values,
		      struct ingest_point *pt)
{
	const char *metric;
	json_t *v;
	int rc;

	if (!values)
		return tel_fail(jp, "no 'values' member");
	if (!json_is_object(values))
		return tel_fail(jp, "'values': expected an object, got %s",
				type_name(values));
	if (json_object_size(values) == 0)
		return tel_fail(jp, "'values' is empty");
	json_object_foreach((json_t *)values, metric, v) {
		rc = tel_value(jp, metric, v, &pt->value);
		if (!rc && ingest__check_name("the metric name", metric,
					      strlen(metric), jp->e))
			rc = err_prefix(jp->e, "%s'values'", jp->where);
		if (!rc && ingest_batch_intern(jp->b, metric, strlen(metric),
					       &pt->metric, jp->e))
			rc = err_prefix(jp->e, "%s'values'", jp->where);
		if (!rc)
			rc = ingest_batch_add(jp->b, pt, jp->e);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

/* One telemetry object at pos; jp->where names it. */
static int tel_object(struct tel_parser *jp, const json_t *obj,
		      struct ingest_pos pos)
{
	char q[INGEST_QUOTE_SIZE];
	struct ingest_point pt = { .measurement = jp->empty, .pos = pos };
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(obj))
		return tel_fail(jp, "expected an object, got %s",
				type_name(obj));
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "device") && strcmp(key, "ts") &&
		    strcmp(key, "values"))
			return tel_fail(jp, "unknown member '%s' (expected "
					"'device', 'ts' and 'values')",
					quote_key(q, key));
	}
	rc = tel_device(jp, json_object_get(obj, "device"), &pt.device);
	if (!rc)
		rc = tel_ts(jp, json_object_get(obj, "ts"), &pt.ts_ms);
	if (!rc)
		rc = tel_values(jp, json_object_get(obj, "values"), &pt);
	return rc;
}

/*
 * jansson's message, with any control byte (or broken UTF-8) it quotes
 * shown as '?'; hint is added after it.
 */
static int tel_syntax(struct tel_parser *jp, const json_error_t *je,
		      int line_offset, const char *hint)
{
	char text[sizeof(je->text)];
	size_t n = strnlen(je->text, sizeof(je->text) - 1);

	memcpy(text, je->text, n);
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7F)
			text[i] = '?';
	if (!ingest__utf8_valid(text, n))
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)text[i] >= 0x80)
				text[i] = '?';
	return err_set(jp->e, ERR_INVALID, "line %d, column %d: %s%s",
		       je->line + line_offset, je->column, text, hint);
}

static int tel_array(struct tel_parser *jp, const json_t *root)
{
	size_t i;
	json_t *item;
	int rc;

	json_array_foreach(root, i, item) {
		if (i > UINT32_MAX)
			return err_set(jp->e, ERR_TOO_LARGE,
				       "more than %" PRIu32 " items",
				       UINT32_MAX);
		snprintf(jp->where, sizeof(jp->where), "item %zu: ", i);
		rc = tel_object(jp, item, (struct ingest_pos){ 0,
				(uint32_t)i });
		if (rc)
			return rc;
	}
	return ERR_OK;
}

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One object per line; blank lines skipped. */
static int tel_ndjson(struct tel_parser *jp, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	json_error_t je;
	json_t *obj;
	uint32_t line = jp->b->line_base;
	size_t n;
	int rc;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		n = (size_t)(nl - p);
		if (line == UINT32_MAX)
			return err_set(jp->e, ERR_TOO_LARGE,
				       "more than %" PRIu32 " lines",
				       UINT32_MAX);
		line++;
		if (blank_line(p, n))
			continue;
		obj = json_loadb(p, n, JSON_FLAGS, &je);
		if (!obj)
			return tel_syntax(jp, &je, (int)line - 1,
					  json_error_code(&je) ==
					  json_error_premature_end_of_input ?
					  " (NDJSON: one whole object per line)"
					  : "");
		snprintf(jp->where, sizeof(jp->where), "line %" PRIu32 ": ",
			 line);
		rc = tel_object(jp, obj, (struct ingest_pos){ line, 0 });
		json_decref(obj);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

static int json_parse(const char *text, size_t len, const char *device_default,
		      bool default_only, int64_t now_ms,
		      struct ingest_batch *out, struct err *e)
{
	struct err local;
	struct tel_parser jp = {
		.device_default = device_default, .default_only = default_only,
		.now_ms = now_ms, .b = out, .e = e ? e : &local,
	};
	json_error_t je;
	json_t *root;
	size_t i = 0;
	int rc;

	out->form = INGEST_FORM_JSON_OBJECT;
	if (device_default && ingest__check_name("the default device",
						 device_default,
						 strlen(device_default), jp.e))
		return ERR_INVALID;
	rc = ingest_batch_intern(out, "", 0, &jp.empty, jp.e);
	if (rc)
		return rc;
	while (i < len && (text[i] == ' ' || text[i] == '\t' ||
			   text[i] == '\n' || text[i] == '\r'))
		i++;
	root = json_loadb(text, len, JSON_FLAGS, &je);
	if (!root) {
		if (i < len && text[i] == '{' &&
		    json_error_code(&je) == json_error_end_of_input_expected) {
			out->form = INGEST_FORM_LINES;
			return tel_ndjson(&jp, text, len);
		}
		return tel_syntax(&jp, &je, 0, "");
	}
	if (json_is_array(root)) {
		out->form = INGEST_FORM_JSON_ARRAY;
		rc = tel_array(&jp, root);
	} else {
		rc = tel_object(&jp, root, (struct ingest_pos){ 0, 0 });
	}
	json_decref(root);
	return rc;
}

int ingest_json_parse(const char *text, size_t len, const char *device_default,
		      int64_t now_ms, struct ingest_batch *out, struct err *e)
{
	return json_parse(text, len, device_default, false, now_ms, out, e);
}

int ingest_json_parse_owned(const char *text, size_t len, const char *owner,
			    int64_t now_ms, struct ingest_batch *out,
			    struct err *e)
{
	return json_parse(text, len, owner, true, now_ms, out, e);
}
