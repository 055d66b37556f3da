/*
 * lp: InfluxDB line protocol into a batch (see ingest_lp_parse in batch.h
 * for the grammar and its edge cases).
 *
 * One pass over the text, no copy of it, no allocation but the batch's (and
 * one small scratch array for the tag keys of a line).
 * Names repeat from line to line (the same measurement, often the same
 * device, the same field keys in the same order), so the parser remembers
 * the raw bytes of the previous line's measurement, device and field keys
 * and reuses their arena offsets when the bytes are the same: the common
 * line costs a few memcmp calls, the number conversions and the appends.
 *
 * Tags other than device are not stored, but as InfluxDB does a line that
 * repeats a tag key is refused: the keys of a line are compared pairwise
 * (a few tags) or sorted (many, in a scratch array kept across lines).
 */
#include "ingest/batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field keys remembered by position in the line. */
#define LP_FIELD_CACHE 64

/* Tag keys of one line compared pairwise; more are sorted. */
#define LP_TAG_PAIRWISE 16

/* A tag key as the line spells it (escaped: one spelling per key). */
struct lp_span {
	const char *p;
	size_t n;
};

/* A name as the previous line spelt it, and where it went in the arena. */
struct lp_name {
	const char *raw;
	size_t len;
	uint32_t off;
};

struct lp_parser {
	const char *p, *end;
	uint32_t line;
	enum ingest_precision prec;
	int64_t now_ms;
	struct ingest_batch *b;
	struct err *e;
	struct lp_name meas, dev;
	struct lp_name fields[LP_FIELD_CACHE + 1]; /* the last one: overflow */
	struct lp_span *tags;        /* this line's tag keys but device (heap) */
	size_t n_tags, cap_tags;
};

/* What a scan met inside a name. */
#define NAME_ESCAPED 1u  /* a backslash */
#define NAME_HIGH 2u     /* a byte >= 0x80: check UTF-8 */

enum lp_elem { LP_MEASUREMENT, LP_KEY };

int ingest_precision_parse(const char *s, enum ingest_precision *out,
			   struct err *e)
{
	static const struct {
		const char *name;
		enum ingest_precision prec;
	} names[] = {
		{ "ns", PRECISION_NS }, { "n", PRECISION_NS },
		{ "us", PRECISION_US }, { "u", PRECISION_US },
		{ "ms", PRECISION_MS }, { "s", PRECISION_S },
		{ "m", PRECISION_M }, { "h", PRECISION_H },
	};
	char q[INGEST_QUOTE_SIZE];

	if (!s) {
		*out = PRECISION_NS;
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].prec;
			return ERR_OK;
		}
	}
	return err_set(e, ERR_INVALID, "precision '%s' is not one of ns, us, "
		       "ms, s (or n, u, m, h)", ingest__quote(q, s, strlen(s)));
}

static const char *precision_name(enum ingest_precision prec)
{
	static const char *const names[] = { "ns", "us", "ms", "s", "m", "h" };

	return names[prec];
}

__attribute__((format(printf, 2, 3)))
static int lp_fail(struct lp_parser *lp, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(lp->e, ERR_INVALID, "line %" PRIu32 ": %s", lp->line,
		       msg);
}

/* The byte at p, named for a message. */
static const char *describe_at(const struct lp_parser *lp, const char *p,
			       char buf[16])
{
	unsigned char c;

	if (p == lp->end || *p == '\n' || (*p == '\r' && (p + 1 == lp->end ||
							  p[1] == '\n')))
		return "the end of the line";
	c = (unsigned char)*p;
	if (c == ' ')
		return "a space";
	if (c == '\t')
		return "a tab";
	if (c < 0x20 || c >= 0x7F)
		snprintf(buf, 16, "byte 0x%02X", c);
	else
		snprintf(buf, 16, "'%c'", c);
	return buf;
}

static bool at_eol(const struct lp_parser *lp, const char *p)
{
	return p == lp->end || *p == '\n' || *p == '\r';
}

static bool escapable(char c, enum lp_elem elem)
{
	return c == ',' || c == ' ' || (elem == LP_KEY && c == '=');
}

/*
 * Scan a measurement (elem LP_MEASUREMENT) or a tag key, tag value or
 * field key (LP_KEY) from p: up to an unescaped ',' or ' ' (and '=' for
 * keys) or any control byte.  Returns where it stopped; *flags says what
 * the name holds.
 */
static const char *scan_name(const char *p, const char *end,
			     enum lp_elem elem, unsigned *flags)
{
	unsigned char hi = 0;
	unsigned f = 0;

	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c > ' ' && c != ',' && c != '\\' && c != 0x7F &&
		    (c != '=' || elem == LP_MEASUREMENT)) {
			hi |= c;
			p++;
			continue;
		}
		if (c != '\\')
			break;
		f |= NAME_ESCAPED;
		p += p + 1 < end && escapable(p[1], elem) ? 2 : 1;
	}
	if (hi & 0x80)
		f |= NAME_HIGH;
	*flags = f;
	return p;
}

static size_t unescape(char *dst, const char *raw, size_t len,
		       enum lp_elem elem)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\\' && i + 1 < len &&
		    escapable(raw[i + 1], elem))
			i++;
		dst[o++] = raw[i];
	}
	return o;
}

/*
 * The arena offset of the name raw[0..len): the cached one when the
 * previous line spelt it the same, else unescaped into the arena.
 */
static int lp_intern(struct lp_parser *lp, struct lp_name *cache,
		     const char *raw, size_t len, unsigned flags,
		     enum lp_elem elem, const char *what, uint32_t *off)
{
	char q[INGEST_QUOTE_SIZE];
	char *dst;
	size_t n;

	if (cache->raw && cache->len == len &&
	    memcmp(cache->raw, raw, len) == 0) {
		*off = cache->off;
		return ERR_OK;
	}
	dst = ingest__reserve_tail(lp->b, len, lp->e);
	if (!dst)
		return err_prefix(lp->e, "line %" PRIu32, lp->line);
	if (flags & NAME_ESCAPED) {
		n = unescape(dst, raw, len, elem);
	} else {
		memcpy(dst, raw, len);
		n = len;
	}
	if ((flags & NAME_HIGH) && !ingest__utf8_valid(dst, n))
		return lp_fail(lp, "%s '%s' is not valid UTF-8", what,
			       ingest__quote(q, dst, n));
	*off = ingest__commit_tail(lp->b, n);
	cache->raw = raw;
	cache->len = len;
	cache->off = *off;
	return ERR_OK;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

static int lp_measurement(struct lp_parser *lp, uint32_t *off)
{
	const char *start = lp->p;
	unsigned flags;
	char c[16];

	lp->p = scan_name(start, lp->end, LP_MEASUREMENT, &flags);
	if (lp->p == start)
		return lp_fail(lp, "expected a measurement name, found %s",
			       describe_at(lp, lp->p, c));
	if (!at_eol(lp, lp->p) && *lp->p != ',' && *lp->p != ' ')
		return lp_fail(lp, "the measurement name is followed by %s "
			       "(expected ',' or a space)",
			       describe_at(lp, lp->p, c));
	return lp_intern(lp, &lp->meas, start, (size_t)(lp->p - start), flags,
			 LP_MEASUREMENT, "measurement", off);
}

/* Remember a tag key of the line, for lp_unique_tags. */
static int lp_keep_tag(struct lp_parser *lp, const char *key, size_t len)
{
	if (lp->n_tags == lp->cap_tags) {
		size_t cap = lp->cap_tags ? lp->cap_tags * 2 : LP_TAG_PAIRWISE;
		struct lp_span *t = realloc(lp->tags, cap * sizeof(*t));

		if (!t)
			return err_nomem(lp->e);
		lp->tags = t;
		lp->cap_tags = cap;
	}
	lp->tags[lp->n_tags++] = (struct lp_span){ key, len };
	return ERR_OK;
}

static int compare_span(const void *a, const void *b)
{
	const struct lp_span *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static bool same_span(const struct lp_span *x, const struct lp_span *y)
{
	return x->n == y->n && memcmp(x->p, y->p, x->n) == 0;
}

/* Refuse a line whose tags repeat a key, as InfluxDB does. */
static int lp_unique_tags(struct lp_parser *lp)
{
	char q[INGEST_QUOTE_SIZE];
	const struct lp_span *dup = NULL;
	size_t n = lp->n_tags;

	if (n <= LP_TAG_PAIRWISE) {
		for (size_t i = 1; i < n && !dup; i++)
			for (size_t j = 0; j < i && !dup; j++)
				if (same_span(&lp->tags[i], &lp->tags[j]))
					dup = &lp->tags[i];
	} else {
		qsort(lp->tags, n, sizeof(*lp->tags), compare_span);
		for (size_t i = 1; i < n && !dup; i++)
			if (same_span(&lp->tags[i], &lp->tags[i - 1]))
				dup = &lp->tags[i];
	}
	if (dup)
		return lp_fail(lp, "tag '%s' appears twice",
			       ingest__quote(q, dup->p, dup->n));
	return ERR_OK;
}

/* One tag after its ',': sets *dev (and *have_dev) for the device tag. */
static int lp_tag(struct lp_parser *lp, bool *have_dev, uint32_t *dev)
{
	char q[INGEST_QUOTE_SIZE], c[16];
	const char *key = lp->p, *val;
	size_t key_len;
	unsigned flags;

	lp->p = scan_name(key, lp->end, LP_KEY, &flags);
	key_len = (size_t)(lp->p - key);
	if (key_len == 0)
		return lp_fail(lp, "expected a tag key after ',', found %s",
			       describe_at(lp, lp->p, c));
	if (lp->p == lp->end || *lp->p != '=')
		return lp_fail(lp, "tag '%s' has no value (expected '=', found "
			       "%s)", ingest__quote(q, key, key_len),
			       describe_at(lp, lp->p, c));
	val = ++lp->p;
	lp->p = scan_name(val, lp->end, LP_KEY, &flags);
	if (lp->p == val)
		return lp_fail(lp, "tag '%s' has an empty value",
			       ingest__quote(q, key, key_len));
	if (!at_eol(lp, lp->p) && *lp->p != ',' && *lp->p != ' ')
		return lp_fail(lp, "tag '%s': the value is followed by %s%s",
			       ingest__quote(q, key, key_len),
			       describe_at(lp, lp->p, c),
			       *lp->p == '=' ? " (escape it as \\=)" :
			       " (expected ',' or a space)");
	if (key_len != 6 || memcmp(key, "device", 6) != 0)
		return lp_keep_tag(lp, key, key_len);
	if (*have_dev)
		return lp_fail(lp, "tag 'device' appears twice");
	*have_dev = true;
	return lp_intern(lp, &lp->dev, val, (size_t)(lp->p - val), flags,
			 LP_KEY, "device", dev);
}

/* The measurement and tags, up to the space before the fields. */
static int lp_series(struct lp_parser *lp, uint32_t *meas, uint32_t *dev)
{
	bool have_dev = false;
	char c[16];
	int rc;

	lp->n_tags = 0;
	rc = lp_measurement(lp, meas);
	while (!rc && lp->p < lp->end && *lp->p == ',') {
		lp->p++;
		rc = lp_tag(lp, &have_dev, dev);
	}
	if (!rc && lp->n_tags > 1)
		rc = lp_unique_tags(lp);
	if (rc)
		return rc;
	if (lp->p == lp->end || *lp->p != ' ')
		return lp_fail(lp, "no fields (expected 'measurement,device=ID "
			       "field=value [timestamp]', found %s)",
			       describe_at(lp, lp->p, c));
	lp->p = skip_spaces(lp->p, lp->end);
	if (at_eol(lp, lp->p))
		return lp_fail(lp, "no fields (expected 'measurement,device=ID "
			       "field=value [timestamp]')");
	if (!have_dev)
		return lp_fail(lp, "no 'device' tag (expected e.g. "
			       "'weather,device=ws-01 air_temp=21.5')");
	return ERR_OK;
}

/* Skip a string field value from its opening quote; false if unclosed. */
static bool skip_string(struct lp_parser *lp)
{
	const char *p = lp->p + 1;

	while (p < lp->end) {
		if (*p == '\\') {
			if (lp->end - p < 2)
				break;
			p += 2;
			continue;
		}
		if (*p == '"') {
			lp->p = p + 1;
			return true;
		}
		p++;
	}
	return false;
}

static bool is_bool_word(const char *v, size_t n, bool *truth)
{
	static const char *const words[] = {
		"t", "T", "true", "True", "TRUE",
		"f", "F", "false", "False", "FALSE",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) == n && memcmp(words[i], v, n) == 0) {
			*truth = i < 5;
			return true;
		}
	}
	return false;
}

static bool parse_uint64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Convert the value text v[0..n) (n >= 1) of the field named key. */
static int lp_value(struct lp_parser *lp, const char *key, const char *v,
		    size_t n, double *out)
{
	char q[INGEST_QUOTE_SIZE];
	char c = v[0], last = v[n - 1];
	bool truth;
	int64_t i64;
	uint64_t u64;

	if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
		if (!is_bool_word(v, n, &truth))
			return lp_fail(lp, "field '%s': '%s' is not a number "
				       "or boolean", key,
				       ingest__quote(q, v, n));
		*out = truth ? 1.0 : 0.0;
		return ERR_OK;
	}
	if (last == 'i' && (c == '-' || (c >= '0' && c <= '9'))) {
		if (!ingest__parse_int64(v, n - 1, &i64))
			return lp_fail(lp, "field '%s': '%s' is not an integer "
				       "(or is beyond 64 bits)", key,
				       ingest__quote(q, v, n));
		*out = (double)i64;
		return ERR_OK;
	}
	if (last == 'u' && c >= '0' && c <= '9') {
		if (!parse_uint64(v, n - 1, &u64))
			return lp_fail(lp, "field '%s': '%s' is not an "
				       "unsigned integer (or is beyond 64 "
				       "bits)", key,
				       ingest__quote(q, v, n));
		*out = (double)u64;
		return ERR_OK;
	}
	switch (ingest__parse_number(v, n, false, out)) {
	case INGEST_NUM_OK:
		return ERR_OK;
	case INGEST_NUM_NOT_FINITE:
		return lp_fail(lp, "field '%s': '%s' is not a finite number",
			       key, ingest__quote(q, v, n));
	case INGEST_NUM_TOO_LONG:
		return lp_fail(lp, "field '%s': '%s' is longer than 1023 "
			       "characters", key, ingest__quote(q, v, n));
	default:
		return lp_fail(lp, "field '%s': '%s' is not a number", key,
			       ingest__quote(q, v, n));
	}
}

/* One field at lp->p, added as a point (its time set later). */
static int lp_field(struct lp_parser *lp, size_t index,
		    const struct ingest_point *proto)
{
	struct lp_name *cache = &lp->fields[index < LP_FIELD_CACHE ?
					    index : LP_FIELD_CACHE];
	struct ingest_point pt = *proto;
	const char *key = lp->p, *v, *name;
	unsigned flags;
	char c[16];
	int rc;

	lp->p = scan_name(key, lp->end, LP_KEY, &flags);
	if (lp->p == key)
		return lp_fail(lp, "expected a field key, found %s",
			       describe_at(lp, lp->p, c));
	rc = lp_intern(lp, cache, key, (size_t)(lp->p - key), flags, LP_KEY,
		       "field key", &pt.metric);
	if (rc)
		return rc;
	name = ingest_str(lp->b, pt.metric);
	if (lp->p == lp->end || *lp->p != '=')
		return lp_fail(lp, "field '%s' has no value (expected '=', "
			       "found %s)", name, describe_at(lp, lp->p, c));
	v = ++lp->p;
	if (v < lp->end && *v == '"') {
		if (!skip_string(lp))
			return lp_fail(lp, "field '%s': the string value has "
				       "no closing quote", name);
		return lp_fail(lp, "field '%s' is a string; Oasis stores "
			       "numbers only", name);
	}
	while (lp->p < lp->end && *lp->p != ',' && *lp->p != ' ' &&
	       *lp->p != '\n' && *lp->p != '\r')
		lp->p++;
	if (lp->p == v)
		return lp_fail(lp, "field '%s' has no value", name);
	rc = lp_value(lp, name, v, (size_t)(lp->p - v), &pt.value);
	if (rc)
		return rc;
	return ingest_batch_add(lp->b, &pt, lp->e) ?
	       err_prefix(lp->e, "line %" PRIu32, lp->line) : ERR_OK;
}

/* The fields, up to the space before the timestamp or the line's end. */
static int lp_fields(struct lp_parser *lp, const struct ingest_point *proto)
{
	char c[16];
	int rc;

	for (size_t i = 0;; i++) {
		rc = lp_field(lp, i, proto);
		if (rc)
			return rc;
		if (lp->p == lp->end || *lp->p != ',')
			return ERR_OK;
		lp->p++;
		if (at_eol(lp, lp->p) || *lp->p == ' ')
			return lp_fail(lp, "expected a field after ',', found "
				       "%s", describe_at(lp, lp->p, c));
	}
}

static int64_t floor_div(int64_t a, int64_t d)
{
	int64_t q = a / d;

	return (a % d != 0 && a < 0) ? q - 1 : q;
}

/* t in prec to ms; false if t is not representable in int64 ns. */
static bool lp_time_to_ms(int64_t t, enum ingest_precision prec, int64_t *ms)
{
	static const int64_t ns_per[] = {
		[PRECISION_NS] = 1,
		[PRECISION_US] = INT64_C(1000),
		[PRECISION_MS] = INT64_C(1000000),
		[PRECISION_S] = INT64_C(1000000000),
		[PRECISION_M] = INT64_C(60000000000),
		[PRECISION_H] = INT64_C(3600000000000),
	};
	int64_t f = ns_per[prec];

	if (t > INT64_MAX / f || t < INT64_MIN / f)
		return false;
	if (prec == PRECISION_NS || prec == PRECISION_US)
		*ms = floor_div(t, INT64_C(1000000) / f);
	else
		*ms = t * (f / INT64_C(1000000));
	return true;
}

/* The optional timestamp, and the end of the line. */
static int lp_timestamp(struct lp_parser *lp, int64_t *ms)
{
	char q[INGEST_QUOTE_SIZE];
	const char *t;
	int64_t v;
	size_t n, i;

	lp->p = skip_spaces(lp->p, lp->end);
	*ms = lp->now_ms;
	if (!at_eol(lp, lp->p)) {
		t = lp->p;
		while (!at_eol(lp, lp->p) && *lp->p != ' ')
			lp->p++;
		n = (size_t)(lp->p - t);
		i = *t == '-';
		while (i < n && t[i] >= '0' && t[i] <= '9')
			i++;
		if (i != n || n == (size_t)(*t == '-'))
			return lp_fail(lp, "timestamp '%s' is not an integer",
				       ingest__quote(q, t, n));
		if (!ingest__parse_int64(t, n, &v) ||
		    !lp_time_to_ms(v, lp->prec, ms))
			return lp_fail(lp, "timestamp '%s' is out of range for "
				       "precision %s (1677-09-21 to "
				       "2262-04-11)", ingest__quote(q, t, n),
				       precision_name(lp->prec));
		lp->p = skip_spaces(lp->p, lp->end);
		if (!at_eol(lp, lp->p))
			return lp_fail(lp, "unexpected text after the "
				       "timestamp: '%s'", ingest__quote(q,
				       lp->p, (size_t)(lp->end - lp->p)));
	}
	if (lp->p < lp->end && *lp->p == '\r') {
		if (lp->p + 1 < lp->end && lp->p[1] != '\n')
			return lp_fail(lp, "a carriage return not followed by "
				       "a line feed");
		lp->p++;
	}
	return ERR_OK;
}

/* One point line from its first byte; leaves lp->p at its '\n' (or end). */
static int lp_point(struct lp_parser *lp)
{
	struct ingest_point proto = { .pos = { lp->line, 0 } };
	size_t first = lp->b->n;
	int64_t ms;
	int rc;

	rc = lp_series(lp, &proto.measurement, &proto.device);
	if (!rc)
		rc = lp_fields(lp, &proto);
	if (!rc)
		rc = lp_timestamp(lp, &ms);
	if (rc)
		return rc;
	for (size_t i = first; i < lp->b->n; i++)
		lp->b->points[i].ts_ms = ms;
	return ERR_OK;
}

/* Past the '\n' at lp->p, counting the line. */
static int lp_next_line(struct lp_parser *lp)
{
	if (lp->p == lp->end)
		return ERR_OK;
	lp->p++;
	if (lp->line == UINT32_MAX)
		return err_set(lp->e, ERR_TOO_LARGE, "more than %" PRIu32
			       " lines", UINT32_MAX);
	lp->line++;
	return ERR_OK;
}

int ingest_lp_parse(const char *text, size_t len, enum ingest_precision prec,
		    int64_t now_ms, struct ingest_batch *out, struct err *e)
{
	struct lp_parser lp;
	struct err local;
	const char *nl;
	int rc;

	memset(&lp, 0, sizeof(lp));
	lp.p = text;
	lp.end = text + len;
	lp.line = 1 + out->line_base;
	lp.prec = prec;
	lp.now_ms = now_ms;
	lp.b = out;
	lp.e = e ? e : &local;
	out->form = INGEST_FORM_LINES;
	if ((unsigned)prec > PRECISION_H)
		return err_set(lp.e, ERR_INVALID, "unknown precision %d", prec);
	rc = ERR_OK;
	while (lp.p < lp.end && !rc) {
		while (lp.p < lp.end && (*lp.p == ' ' || *lp.p == '\t'))
			lp.p++;
		if (lp.p == lp.end)
			break;
		if (*lp.p == '#') {
			nl = memchr(lp.p, '\n', (size_t)(lp.end - lp.p));
			lp.p = nl ? nl : lp.end;
		} else if (*lp.p == '\r' && (lp.p + 1 == lp.end ||
					      lp.p[1] == '\n')) {
			lp.p++;
		} else if (*lp.p != '\n') {
			rc = lp_point(&lp);
		}
		if (!rc)
			rc = lp_next_line(&lp);
	}
	free(lp.tags);
	return rc;
}
