/*
 * pr_csv: the interval CSV of `oasis pv pr` (see pv/pr_csv.h).  Plain CSV:
 * no quoting (the columns are times and numbers), LF or CRLF line ends,
 * blank lines skipped, spaces around a field ignored.
 */
#include "pv/pr_csv.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pvtime.h"

enum col { COL_TIME, COL_POA, COL_TAIR, COL_WIND, COL_TMOD, COL_PDC, COL_PAC,
	   COL_N };

static const char *const col_names[COL_N] = {
	"time", "poa_global", "temp_air", "wind_speed", "temp_module",
	"p_dc_kw", "p_ac_kw",
};

/* Physical bounds of each column (time has none): a value outside is a
 * unit or sensor mistake, and the bounds keep every sum finite. */
static const double col_min[COL_N] = { 0, -100, -90, 0, -90, -1e9, -1e9 };
static const double col_max[COL_N] = { 0, 3000, 90, 100, 150, 1e9, 1e9 };

#define MAX_FIELDS 64
#define FIELD_MAX 64

/* One line cut into fields (pointers into the buffer, not terminated). */
struct line {
	const char *f[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	int n;
};

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' ||
			(*s)[*len - 1] == '\r'))
		(*len)--;
}

/* Cut s[0..len) at commas; ERR_INVALID when there are too many fields. */
static int split(const char *s, size_t len, size_t lineno, struct line *l,
		 struct err *e)
{
	size_t start = 0;

	l->n = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (l->n == MAX_FIELDS)
			return err_set(e, ERR_INVALID,
				       "line %zu: more than %d fields", lineno,
				       MAX_FIELDS);
		l->f[l->n] = s + start;
		l->len[l->n] = i - start;
		trim(&l->f[l->n], &l->len[l->n]);
		l->n++;
		start = i + 1;
	}
	return ERR_OK;
}

/* Which field holds each column, from the header line. */
static int map_header(const struct line *h, int where[COL_N], struct err *e)
{
	for (int c = 0; c < COL_N; c++)
		where[c] = -1;
	for (int i = 0; i < h->n; i++)
		for (int c = 0; c < COL_N; c++) {
			if (h->len[i] != strlen(col_names[c]) ||
			    memcmp(h->f[i], col_names[c], h->len[i]))
				continue;
			if (where[c] >= 0)
				return err_set(e, ERR_INVALID,
					       "line 1: column '%s' given twice",
					       col_names[c]);
			where[c] = i;
		}
	for (int c = 0; c < COL_N; c++)
		if (where[c] < 0)
			return err_set(e, ERR_INVALID,
				       "line 1: the header has no column '%s' "
				       "(needs time,poa_global,temp_air,"
				       "wind_speed,temp_module,p_dc_kw,p_ac_kw)",
				       col_names[c]);
	return ERR_OK;
}

/* A finite number within [lo, hi]; empty is NaN when allowed. */
static int number(const char *s, size_t len, bool may_be_empty,
		  double lo, double hi, size_t lineno, const char *col,
		  double *out, struct err *e)
{
	char buf[FIELD_MAX];
	char *end;

	if (len == 0 && may_be_empty) {
		*out = NAN;
		return ERR_OK;
	}
	if (len == 0 || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || errno == ERANGE || !isfinite(*out))
		goto bad;
	if (*out < lo || *out > hi)
		return err_set(e, ERR_INVALID, "line %zu, column '%s': %s is "
			       "out of range [%g, %g]", lineno, col, buf, lo,
			       hi);
	return ERR_OK;
bad:
	return err_set(e, ERR_INVALID, "line %zu, column '%s': '%.*s' is not "
		       "a number", lineno, col, (int)(len > 32 ? 32 : len), s);
}

static int grow(struct pv_pr_rows *r, size_t *cap, size_t lineno,
		struct err *e)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	struct pv_interval *v;
	int64_t *t;

	if (r->n < *cap)
		return ERR_OK;
	if (r->n >= PV_PR_CSV_MAX_ROWS)
		return err_set(e, ERR_TOO_LARGE, "line %zu: more than %d rows",
			       lineno, PV_PR_CSV_MAX_ROWS);
	if (!(v = realloc(r->v, ncap * sizeof(*v))))
		return err_nomem(e);
	r->v = v;
	if (!(t = realloc(r->time_ms, ncap * sizeof(*t))))
		return err_nomem(e);
	r->time_ms = t;
	*cap = ncap;
	return ERR_OK;
}

static int row(const struct line *l, const int where[COL_N], size_t lineno,
	       int fields, struct pv_pr_rows *r, struct err *e)
{
	struct pv_interval *v = &r->v[r->n];
	double *dst[COL_N] = { NULL, &v->poa_global, &v->temp_air,
			       &v->wind_speed, &v->temp_module, &v->p_dc_kw,
			       &v->p_ac_kw };
	int64_t t;
	int off, rc;

	if (l->n != fields)
		return err_set(e, ERR_INVALID, "line %zu: %d fields, the header "
			       "has %d", lineno, l->n, fields);
	if (pv_time_parse(l->f[where[COL_TIME]], l->len[where[COL_TIME]], &t,
			  &off, e))
		return err_prefix(e, "line %zu, column 'time'", lineno);
	if (r->n && t <= r->time_ms[r->n - 1])
		return err_set(e, ERR_INVALID, "line %zu, column 'time': not "
			       "after the previous row's time", lineno);
	for (int c = 1; c < COL_N; c++)
		if ((rc = number(l->f[where[c]], l->len[where[c]],
				 c == COL_TAIR || c == COL_WIND, col_min[c],
				 col_max[c], lineno,
				 col_names[c], dst[c], e)))
			return rc;
	r->time_ms[r->n++] = t;
	return ERR_OK;
}

int pv_pr_csv_parse(const char *buf, size_t len, struct pv_pr_rows *out,
		    struct err *e)
{
	struct line l;
	int where[COL_N], fields = -1, rc = ERR_OK;
	size_t pos = 0, lineno = 0, cap = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		const char *t = s;
		size_t tn = n;

		pos += n + (nl != NULL);
		lineno++;
		trim(&t, &tn);
		if (tn == 0)
			continue;
		if ((rc = split(s, n, lineno, &l, e)))
			break;
		if (fields < 0) {
			if ((rc = map_header(&l, where, e)))
				break;
			fields = l.n;
			continue;
		}
		if ((rc = grow(out, &cap, lineno, e)) ||
		    (rc = row(&l, where, lineno, fields, out, e)))
			break;
	}
	if (!rc && fields < 0)
		rc = err_set(e, ERR_INVALID, "line 1: no header line (the "
			     "input is empty)");
	return rc;
}

void pv_pr_rows_free(struct pv_pr_rows *r)
{
	free(r->v);
	free(r->time_ms);
	memset(r, 0, sizeof(*r));
}
