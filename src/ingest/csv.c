/*
 * csv: CSV with a header row into a batch, in the two shapes of
 * ingest_csv_parse (batch.h): "series,ts_ms,value" and
 * "device,ts,METRIC1,METRIC2,...".
 *
 * Cells are read one at a time (RFC 4180 quoting) and handled at once: the
 * device and the time come before the values in both shapes, so a row
 * needs no buffering.  A quoted cell with "" inside is unescaped into one
 * scratch buffer reused for every cell.
 */
#include "ingest/batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum csv_shape { CSV_SERIES, CSV_WIDE };

struct csv_cell {
	const char *s;
	size_t len;
};

struct csv_parser {
	const char *p, *end;
	uint32_t line;        /* the line p is on */
	uint32_t rec_line;    /* the line the current record starts on */
	struct ingest_batch *b;
	struct err *e;
	char *scratch;        /* unescaped quoted cells */
	size_t scratch_cap;
	enum csv_shape shape;
	unsigned ncols;
	uint32_t *names;      /* arena offsets of the header's names */
	uint32_t empty;       /* offset of "" (the measurement) */
	bool have_dev;        /* dev_off holds the previous row's device */
	uint32_t dev_off;
	size_t dev_len;
	struct ingest_point pt; /* the row's point so far */
};

__attribute__((format(printf, 3, 4)))
static int csv_fail(struct csv_parser *cp, unsigned col, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX], q[INGEST_QUOTE_SIZE];
	const char *name;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (col == 0)
		return err_set(cp->e, ERR_INVALID, "line %" PRIu32 ": %s",
			       cp->rec_line, msg);
	if (!cp->names || col > cp->ncols)
		return err_set(cp->e, ERR_INVALID, "line %" PRIu32 ", column "
			       "%u: %s", cp->rec_line, col, msg);
	name = ingest_str(cp->b, cp->names[col - 1]);
	return err_set(cp->e, ERR_INVALID, "line %" PRIu32 ", column %u "
		       "('%s'): %s", cp->rec_line, col,
		       ingest__quote(q, name, strlen(name)), msg);
}

/* Prefix the message a helper left in e with the cell's place. */
static int csv_fail_with(struct csv_parser *cp, unsigned col)
{
	char msg[ERR_MSG_MAX];

	memcpy(msg, cp->e->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	return csv_fail(cp, col, "%s", msg);
}

static int csv_newline(struct csv_parser *cp, size_t count)
{
	if (count > UINT32_MAX - cp->line)
		return err_set(cp->e, ERR_TOO_LARGE, "more than %" PRIu32
			       " lines", UINT32_MAX);
	cp->line += (uint32_t)count;
	return ERR_OK;
}

static void skip_blanks(struct csv_parser *cp)
{
	while (cp->p < cp->end && (*cp->p == ' ' || *cp->p == '\t'))
		cp->p++;
}

/* The content of a quoted cell [s, s + n) with "" made ". */
static int csv_unquote(struct csv_parser *cp, const char *s, size_t n,
		       struct csv_cell *cell)
{
	size_t o = 0;
	char *buf;

	if (n > cp->scratch_cap) {
		buf = realloc(cp->scratch, n);
		if (!buf)
			return err_nomem(cp->e);
		cp->scratch = buf;
		cp->scratch_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		cp->scratch[o++] = s[i];
		if (s[i] == '"')
			i++;
	}
	cell->s = cp->scratch;
	cell->len = o;
	return ERR_OK;
}

static int csv_quoted(struct csv_parser *cp, unsigned col,
		      struct csv_cell *cell)
{
	const char *start = ++cp->p, *q, *nl;
	bool doubled = false;
	size_t lines = 0;

	for (;;) {
		q = memchr(cp->p, '"', (size_t)(cp->end - cp->p));
		if (!q)
			return csv_fail(cp, col, "the quoted cell has no "
					"closing quote");
		if (q + 1 < cp->end && q[1] == '"') {
			doubled = true;
			cp->p = q + 2;
			continue;
		}
		cp->p = q + 1;
		break;
	}
	for (nl = start; (nl = memchr(nl, '\n', (size_t)(q - nl))); nl++)
		lines++;
	if (csv_newline(cp, lines))
		return ERR_TOO_LARGE;
	skip_blanks(cp);
	if (cp->p < cp->end && *cp->p != ',' && *cp->p != '\n' &&
	    *cp->p != '\r')
		return csv_fail(cp, col, "text after the closing quote");
	if (doubled)
		return csv_unquote(cp, start, (size_t)(q - start), cell);
	cell->s = start;
	cell->len = (size_t)(q - start);
	return ERR_OK;
}

static int csv_plain(struct csv_parser *cp, unsigned col,
		     struct csv_cell *cell)
{
	const char *start = cp->p;

	while (cp->p < cp->end && *cp->p != ',' && *cp->p != '\n' &&
	       *cp->p != '\r') {
		if (*cp->p == '"')
			return csv_fail(cp, col, "a quote inside an unquoted "
					"cell (quote the whole cell and double "
					"the quote)");
		cp->p++;
	}
	cell->s = start;
	cell->len = (size_t)(cp->p - start);
	while (cell->len && (start[cell->len - 1] == ' ' ||
			     start[cell->len - 1] == '\t'))
		cell->len--;
	return ERR_OK;
}

/* Read cell col (1-based) of the record; *last when it ends the record. */
static int csv_cell(struct csv_parser *cp, unsigned col,
		    struct csv_cell *cell, bool *last)
{
	int rc;

	skip_blanks(cp);
	if (cp->p < cp->end && *cp->p == '"')
		rc = csv_quoted(cp, col, cell);
	else
		rc = csv_plain(cp, col, cell);
	if (rc)
		return rc;
	*last = true;
	if (cp->p == cp->end)
		return ERR_OK;
	switch (*cp->p) {
	case ',':
		cp->p++;
		*last = false;
		return ERR_OK;
	case '\n':
		cp->p++;
		return csv_newline(cp, 1);
	default: /* '\r' */
		if (cp->p + 1 == cp->end) {
			cp->p++;
			return ERR_OK;
		}
		if (cp->p[1] != '\n')
			return csv_fail(cp, col, "a carriage return not "
					"followed by a line feed");
		cp->p += 2;
		return csv_newline(cp, 1);
	}
}

/* Skip blank lines; *more is false at the end of the text. */
static int csv_next_record(struct csv_parser *cp, bool *more)
{
	const char *p;

	for (;;) {
		p = cp->p;
		while (p < cp->end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < cp->end && *p == '\r' && (p + 1 == cp->end ||
						   p[1] == '\n'))
			p++;
		*more = p < cp->end;
		if (!*more || *p != '\n') {
			cp->rec_line = cp->line;
			return ERR_OK;
		}
		cp->p = p + 1;
		if (csv_newline(cp, 1))
			return ERR_TOO_LARGE;
	}
}

static bool cell_is(const struct csv_cell *c, const char *name)
{
	return c->len == strlen(name) && strncasecmp(c->s, name, c->len) == 0;
}

static bool is_ts_name(const struct csv_cell *c)
{
	return cell_is(c, "ts") || cell_is(c, "ts_ms");
}

/* Check the header: fixed names, then (wide) metric names. */
static int csv_check_header(struct csv_parser *cp, const struct csv_cell *c,
			    unsigned col)
{
	const char *name;
	char q[INGEST_QUOTE_SIZE];

	if (col == 1) {
		if (cell_is(c, "series"))
			cp->shape = CSV_SERIES;
		else if (cell_is(c, "device"))
			cp->shape = CSV_WIDE;
		else
			return csv_fail(cp, 0, "the header starts with '%s' "
					"(expected 'series,ts_ms,value' or "
					"'device,ts,METRIC1,METRIC2,...')",
					ingest__quote(q, c->s, c->len));
		return ERR_OK;
	}
	if (col == 2)
		return is_ts_name(c) ? ERR_OK :
		       csv_fail(cp, 0, "column 2 of the header is '%s' "
				"(expected 'ts' or 'ts_ms')",
				ingest__quote(q, c->s, c->len));
	if (cp->shape == CSV_SERIES)
		return col == 3 && cell_is(c, "value") ? ERR_OK :
		       csv_fail(cp, 0, "the header of the series shape is "
				"'series,ts_ms,value'");
	if (ingest__check_name("the metric name", c->s, c->len, cp->e))
		return csv_fail_with(cp, col);
	for (unsigned i = 2; i < col - 1; i++) {
		name = ingest_str(cp->b, cp->names[i]);
		if (strlen(name) == c->len && memcmp(name, c->s, c->len) == 0)
			return csv_fail(cp, 0, "metric '%s' is both column %u "
					"and column %u", name, i + 1, col);
	}
	return ERR_OK;
}

static int csv_header(struct csv_parser *cp)
{
	struct csv_cell c;
	bool last = false, more;
	int rc;

	rc = csv_next_record(cp, &more);
	if (rc)
		return rc;
	if (!more)
		return err_set(cp->e, ERR_INVALID, "no header line (expected "
			       "'series,ts_ms,value' or "
			       "'device,ts,METRIC1,METRIC2,...')");
	cp->names = malloc(INGEST_CSV_MAX_COLUMNS * sizeof(*cp->names));
	if (!cp->names)
		return err_nomem(cp->e);
	for (unsigned col = 1; !last; col++) {
		if (col > INGEST_CSV_MAX_COLUMNS)
			return csv_fail(cp, 0, "more than %u columns",
					INGEST_CSV_MAX_COLUMNS);
		rc = csv_cell(cp, col, &c, &last);
		if (!rc)
			rc = csv_check_header(cp, &c, col);
		if (!rc && ingest_batch_intern(cp->b, c.s, c.len,
					       &cp->names[col - 1], cp->e))
			rc = csv_fail_with(cp, col);
		if (rc)
			return rc;
		cp->ncols = col;
	}
	if (cp->ncols < 3)
		return csv_fail(cp, 0, "the header has %u columns (expected "
				"'series,ts_ms,value' or "
				"'device,ts,METRIC1,...')", cp->ncols);
	return ERR_OK;
}

/* The offset of a device id, reusing the previous row's when equal. */
static int csv_device(struct csv_parser *cp, unsigned col, const char *s,
		      size_t len)
{
	if (cp->have_dev && cp->dev_len == len &&
	    memcmp(ingest_str(cp->b, cp->dev_off), s, len) == 0) {
		cp->pt.device = cp->dev_off;
		return ERR_OK;
	}
	if (ingest__check_name("the device id", s, len, cp->e) ||
	    ingest_batch_intern(cp->b, s, len, &cp->pt.device, cp->e))
		return csv_fail_with(cp, col);
	cp->have_dev = true;
	cp->dev_off = cp->pt.device;
	cp->dev_len = len;
	return ERR_OK;
}

/* "DEVICE/METRIC", split at the last '/'. */
static int csv_series(struct csv_parser *cp, const struct csv_cell *c)
{
	char q[INGEST_QUOTE_SIZE];
	const char *slash = NULL;
	int rc;

	for (size_t i = c->len; i-- > 0;) {
		if (c->s[i] == '/') {
			slash = c->s + i;
			break;
		}
	}
	if (!slash || slash == c->s || slash + 1 == c->s + c->len)
		return csv_fail(cp, 1, "'%s' is not DEVICE/METRIC",
				ingest__quote(q, c->s, c->len));
	rc = csv_device(cp, 1, c->s, (size_t)(slash - c->s));
	if (rc)
		return rc;
	slash++;
	if (ingest__check_name("the metric name", slash,
			       (size_t)(c->s + c->len - slash), cp->e) ||
	    ingest_batch_intern(cp->b, slash, (size_t)(c->s + c->len - slash),
				&cp->pt.metric, cp->e))
		return csv_fail_with(cp, 1);
	return ERR_OK;
}

static int csv_ts(struct csv_parser *cp, const struct csv_cell *c)
{
	if (c->len == 0)
		return csv_fail(cp, 2, "the timestamp is empty");
	if (ingest__parse_time_text(c->s, c->len, &cp->pt.ts_ms, cp->e))
		return csv_fail_with(cp, 2);
	return ERR_OK;
}

/* A value cell: a point unless empty. */
static int csv_value(struct csv_parser *cp, unsigned col,
		     const struct csv_cell *c)
{
	char q[INGEST_QUOTE_SIZE];

	if (c->len == 0)
		return ERR_OK;
	switch (ingest__parse_number(c->s, c->len, true, &cp->pt.value)) {
	case INGEST_NUM_OK:
		break;
	case INGEST_NUM_NOT_FINITE:
		return csv_fail(cp, col, "'%s' is not a finite number",
				ingest__quote(q, c->s, c->len));
	case INGEST_NUM_TOO_LONG:
		return csv_fail(cp, col, "'%s' is longer than 1023 characters",
				ingest__quote(q, c->s, c->len));
	default:
		return csv_fail(cp, col, "'%s' is not a number",
				ingest__quote(q, c->s, c->len));
	}
	if (cp->shape == CSV_WIDE)
		cp->pt.metric = cp->names[col - 1];
	return ingest_batch_add(cp->b, &cp->pt, cp->e);
}

static int csv_row_cell(struct csv_parser *cp, unsigned col,
			const struct csv_cell *c)
{
	if (col == 2)
		return csv_ts(cp, c);
	if (col > 2)
		return csv_value(cp, col, c);
	if (cp->shape == CSV_SERIES)
		return csv_series(cp, c);
	if (c->len == 0)
		return csv_fail(cp, 1, "the device id is empty");
	return csv_device(cp, 1, c->s, c->len);
}

static int csv_row(struct csv_parser *cp)
{
	struct csv_cell c;
	bool last = false;
	unsigned col;
	int rc;

	cp->pt.pos.line = cp->rec_line;
	for (col = 1; !last; col++) {
		if (col > cp->ncols)
			return csv_fail(cp, 0, "more cells than the "
					"header's %u columns", cp->ncols);
		rc = csv_cell(cp, col, &c, &last);
		if (!rc)
			rc = csv_row_cell(cp, col, &c);
		if (rc)
			return rc;
	}
	if (col - 1 < cp->ncols)
		return csv_fail(cp, 0, "%u cells, but the header has %u "
				"columns", col - 1, cp->ncols);
	return ERR_OK;
}

int ingest_csv_parse(const char *text, size_t len, int64_t now_ms,
		     struct ingest_batch *out, struct err *e)
{
	struct err local;
	struct csv_parser cp = {
		.p = text, .end = text + len, .line = 1 + out->line_base, .b = out,
		.e = e ? e : &local,
	};
	bool more = true;
	int rc;

	(void)now_ms;
	out->form = INGEST_FORM_LINES;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		cp.p += 3;
	rc = ingest_batch_intern(out, "", 0, &cp.empty, cp.e);
	if (!rc)
		rc = csv_header(&cp);
	cp.pt.measurement = cp.empty;
	while (!rc) {
		rc = csv_next_record(&cp, &more);
		if (rc || !more)
			break;
		rc = csv_row(&cp);
	}
	free(cp.scratch);
	free(cp.names);
	return rc;
}
