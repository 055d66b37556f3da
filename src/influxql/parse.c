/*
 * influxql/parse: query text into statements (see influxql.h).  Recursive
 * descent over lex.c's tokens.  Syntax errors are InfluxDB's words
 * ("error parsing query: found X, expected Y at line L, char C") and fail
 * the whole query; what parses but Oasis does not run (DROP, derivative(),
 * conditions on field values) is kept as the statement's error, answered
 * in its result as InfluxDB answers a statement that fails.
 */
#include "influxql/influxql.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "influxql/lex.h"
#include "util/timeutil.h"

struct parser {
	struct iq_lexer lx;
	struct iq_token tok;       /* the current token */
	struct iq_lexer saved;     /* the lexer before tok (to rescan a regex) */
	int64_t now_ns;
	struct err *e;
	struct iq_stmt *st;        /* the statement being parsed */
};

static void advance(struct parser *p)
{
	p->saved = p->lx;
	iq_lex_next(&p->lx, &p->tok);
}

/* Rescan the current token as a /regex/. */
static void rescan_regex(struct parser *p)
{
	p->lx = p->saved;
	iq_lex_regex(&p->lx, &p->tok);
}

static const char *found(const struct iq_token *t, char *buf, size_t size)
{
	if (t->t == TK_EOF)
		return "EOF";
	if (t->t == TK_BADSTRING)
		return "bad string";
	snprintf(buf, size, "%.*s", (int)(t->len > 60 ? 60 : t->len), t->src);
	return buf;
}

static int fail(struct parser *p, const char *expected)
{
	char buf[64];

	return err_set(p->e, ERR_INVALID, "error parsing query: found %s, "
		       "expected %s at line %d, char %d",
		       found(&p->tok, buf, sizeof(buf)), expected, p->tok.line,
		       p->tok.col);
}

/* A semantic error of the statement: answered in its result. */
static void stmt_error(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stmt_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->st->error[0])
		return; /* the first one stands */
	va_start(ap, fmt);
	vsnprintf(p->st->error, sizeof(p->st->error), fmt, ap);
	va_end(ap);
}

static bool is_kw(const struct parser *p, const char *kw)
{
	return p->tok.t == TK_IDENT && !strcasecmp(p->tok.text, kw);
}

static int expect_kw(struct parser *p, const char *kw)
{
	if (!is_kw(p, kw))
		return fail(p, kw);
	advance(p);
	return ERR_OK;
}

static bool accept_kw(struct parser *p, const char *kw)
{
	if (!is_kw(p, kw))
		return false;
	advance(p);
	return true;
}

static int expect(struct parser *p, enum iq_tok t, const char *what)
{
	if (p->tok.t != t)
		return fail(p, what);
	advance(p);
	return ERR_OK;
}

static bool is_ident(const struct parser *p)
{
	return p->tok.t == TK_IDENT || p->tok.t == TK_QIDENT;
}

/* An identifier into out (at most IQ_NAME_MAX - 1 bytes). */
static int ident(struct parser *p, char out[IQ_NAME_MAX])
{
	if (!is_ident(p))
		return fail(p, "identifier");
	if (strlen(p->tok.text) >= IQ_NAME_MAX)
		return err_set(p->e, ERR_INVALID, "error parsing query: "
			       "identifier too long at line %d, char %d",
			       p->tok.line, p->tok.col);
	strcpy(out, p->tok.text);
	advance(p);
	return ERR_OK;
}

static int integer(struct parser *p, int64_t *out)
{
	if (p->tok.t != TK_INTEGER || p->tok.int_overflow)
		return fail(p, "integer");
	*out = p->tok.ns;
	advance(p);
	return ERR_OK;
}

/*
 * Bounded repetitions multiply what regcomp builds ((a{100}){100} is ten
 * thousand copies): the product of their counts is held to 1000, as much
 * as RE2 (InfluxDB's regexes) takes in one.
 */
static bool repetition_small(const char *re)
{
	unsigned long product = 1;

	for (const char *c = strchr(re, '{'); c; c = strchr(c + 1, '{')) {
		unsigned long most = 0;
		char *end;

		for (const char *d = c + 1; *d && *d != '}'; d++)
			if (isdigit((unsigned char)*d)) {
				unsigned long v = strtoul(d, &end, 10);

				most = v > most ? v : most;
				d = end - 1;
			}
		if (most > 1000 || (most && (product *= most) > 1000))
			return false;
	}
	return true;
}

static int regex_compile(struct parser *p, regex_t **out)
{
	regex_t *re;
	int rc;

	if (p->tok.t != TK_REGEX)
		return fail(p, "regex");
	if (!repetition_small(p->tok.text))
		return err_set(p->e, ERR_INVALID, "error parsing query: "
			       "invalid regular expression /%s/: repetition "
			       "counts multiply past 1000 at line %d, char %d",
			       p->tok.text, p->tok.line, p->tok.col);
	if (!(re = malloc(sizeof(*re))))
		return err_nomem(p->e);
	/* (?i) as RE2 writes "ignore case" (Grafana's measurement search) */
	if (!strncmp(p->tok.text, "(?i)", 4))
		rc = regcomp(re, p->tok.text + 4, REG_EXTENDED | REG_NOSUB |
			     REG_ICASE);
	else
		rc = regcomp(re, p->tok.text, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, re, msg, sizeof(msg));
		free(re);
		return err_set(p->e, ERR_INVALID, "error parsing query: "
			       "invalid regular expression /%s/: %s at line "
			       "%d, char %d", p->tok.text, msg, p->tok.line,
			       p->tok.col);
	}
	*out = re;
	advance(p);
	return ERR_OK;
}

/* ---- conditions ------------------------------------------------------------ */

static void cond_free(struct iq_cond *c)
{
	if (!c)
		return;
	cond_free(c->l);
	cond_free(c->r);
	if (c->re) {
		regfree(c->re);
		free(c->re);
	}
	free(c);
}

static struct iq_cond *cond_new(struct parser *p)
{
	struct iq_cond *c = calloc(1, sizeof(*c));

	if (!c)
		err_nomem(p->e);
	return c;
}

/* One term of a time expression: now(), 'RFC 3339', ns, a duration. */
static int time_term(struct parser *p, int64_t *ns)
{
	if (is_kw(p, "now")) {
		advance(p);
		if (expect(p, TK_LPAREN, "(") || expect(p, TK_RPAREN, ")"))
			return p->e->code;
		*ns = p->now_ns;
		return ERR_OK;
	}
	if (p->tok.t == TK_STRING) {
		int64_t ms;
		struct err te = { 0 };

		if (time_parse(p->tok.text, p->now_ns / 1000000, &ms, &te))
			return err_set(p->e, ERR_INVALID, "error parsing query: "
				       "invalid timestamp '%s' at line %d, "
				       "char %d", p->tok.text, p->tok.line,
				       p->tok.col);
		*ns = ms * 1000000;
		advance(p);
		return ERR_OK;
	}
	if (p->tok.t == TK_DURATION) {
		*ns = p->tok.ns;
		advance(p);
		return ERR_OK;
	}
	if (p->tok.t == TK_INTEGER && !p->tok.int_overflow) {
		*ns = p->tok.ns;
		advance(p);
		return ERR_OK;
	}
	return fail(p, "identifier, string, number, bool");
}

/* The bounds InfluxDB accepts: years 1677 to 2262 as int64 ns. */
static int time_expr(struct parser *p, int64_t *ns)
{
	int64_t v, t;
	int rc;

	if ((rc = time_term(p, &v)))
		return rc;
	while (p->tok.t == TK_PLUS || p->tok.t == TK_MINUS) {
		bool minus = p->tok.t == TK_MINUS;

		advance(p);
		if ((rc = time_term(p, &t)))
			return rc;
		if (minus ? __builtin_sub_overflow(v, t, &v)
			  : __builtin_add_overflow(v, t, &v))
			return err_set(p->e, ERR_INVALID, "error parsing query: "
				       "time overflows at line %d, char %d",
				       p->tok.line, p->tok.col);
	}
	*ns = v;
	return ERR_OK;
}

static bool is_cmp(enum iq_tok t)
{
	return t == TK_EQ || t == TK_NEQ || t == TK_LT || t == TK_LTE ||
	       t == TK_GT || t == TK_GTE || t == TK_EQREGEX || t == TK_NEQREGEX;
}

static enum iq_op op_of(enum iq_tok t)
{
	switch (t) {
	case TK_EQ: return IQ_EQ;
	case TK_NEQ: return IQ_NE;
	case TK_LT: return IQ_LT;
	case TK_LTE: return IQ_LE;
	case TK_GT: return IQ_GT;
	case TK_GTE: return IQ_GE;
	case TK_EQREGEX: return IQ_RE;
	default: return IQ_NRE;
	}
}

/* time OP expr: the bound, tightened into the statement's range. */
static int time_cond(struct parser *p, struct iq_cond *c)
{
	int64_t ns = 0;
	int rc;

	if (c->op == IQ_RE || c->op == IQ_NRE) {
		rescan_regex(p);
		advance(p);
		stmt_error(p, "invalid time comparison operator: %s",
			   c->op == IQ_RE ? "=~" : "!~");
		return ERR_OK;
	}
	if ((rc = time_expr(p, &ns)))
		return rc;
	c->always = true;
	switch (c->op) {
	case IQ_GT:
		ns = ns == INT64_MAX ? ns : ns + 1;
		/* fall through */
	case IQ_GE:
		if (!p->st->has_tmin || ns > p->st->tmin)
			p->st->tmin = ns;
		p->st->has_tmin = true;
		break;
	case IQ_LT:
		ns = ns == INT64_MIN ? ns : ns - 1;
		/* fall through */
	case IQ_LE:
		if (!p->st->has_tmax || ns < p->st->tmax)
			p->st->tmax = ns;
		p->st->has_tmax = true;
		break;
	case IQ_EQ:
		p->st->tmin = p->st->has_tmin && p->st->tmin > ns ? p->st->tmin : ns;
		p->st->tmax = p->st->has_tmax && p->st->tmax < ns ? p->st->tmax : ns;
		p->st->has_tmin = p->st->has_tmax = true;
		break;
	default:
		stmt_error(p, "invalid time comparison operator: !=");
	}
	return ERR_OK;
}

/* tag OP 'value' | tag =~ /re/ | time OP expr. */
static int comparison(struct parser *p, struct iq_cond **out)
{
	struct iq_cond *c;
	bool is_time;
	int rc;

	if (!is_ident(p))
		return fail(p, "identifier, string, number, bool");
	if (!(c = cond_new(p)))
		return p->e->code;
	*out = c;
	is_time = !strcasecmp(p->tok.text, "time");
	if ((rc = ident(p, c->key)))
		return rc;
	if (p->tok.t == TK_DOUBLECOLON) { /* tag::tag, field::field */
		advance(p);
		if (!is_ident(p))
			return fail(p, "identifier");
		advance(p);
	}
	if (!is_cmp(p->tok.t))
		return fail(p, "=, !=, <>, <, <=, >, >=, =~, !~");
	c->op = op_of(p->tok.t);
	advance(p);
	if (is_time)
		return time_cond(p, c);
	if (c->op == IQ_RE || c->op == IQ_NRE) {
		rescan_regex(p);
		return regex_compile(p, &c->re);
	}
	if (p->tok.t == TK_STRING && (c->op == IQ_EQ || c->op == IQ_NE)) {
		if (strlen(p->tok.text) >= IQ_NAME_MAX)
			return fail(p, "a shorter string");
		strcpy(c->value, p->tok.text);
		advance(p);
		return ERR_OK;
	}
	if (p->tok.t == TK_STRING || p->tok.t == TK_INTEGER ||
	    p->tok.t == TK_NUMBER || p->tok.t == TK_MINUS || is_ident(p)) {
		/* a field's value, or a tag compared with <: not run here */
		if (p->tok.t == TK_MINUS)
			advance(p);
		advance(p);
		c->always = true;
		stmt_error(p, "Oasis answers conditions on tags (device, plot) "
			   "and time only; '%s' is compared with a number or "
			   "a field", c->key);
		return ERR_OK;
	}
	return fail(p, "identifier, string, number, bool");
}

static int or_expr(struct parser *p, struct iq_cond **out);

static int unary(struct parser *p, struct iq_cond **out)
{
	int rc;

	if (p->tok.t != TK_LPAREN)
		return comparison(p, out);
	advance(p);
	if ((rc = or_expr(p, out)))
		return rc;
	return expect(p, TK_RPAREN, ")");
}

static int binary(struct parser *p, struct iq_cond **out, bool is_or)
{
	struct iq_cond *c;
	int rc = is_or ? binary(p, out, false) : unary(p, out);

	while (!rc && is_kw(p, is_or ? "OR" : "AND")) {
		advance(p);
		if (!(c = cond_new(p)))
			return p->e->code;
		c->op = is_or ? IQ_OR : IQ_AND;
		c->l = *out;
		*out = c;
		rc = is_or ? binary(p, &c->r, false) : unary(p, &c->r);
	}
	return rc;
}

static int or_expr(struct parser *p, struct iq_cond **out)
{
	return binary(p, out, true);
}

/* A time bound under an OR: InfluxDB refuses it too. */
static bool time_under_or(const struct iq_cond *c, bool under_or)
{
	if (!c)
		return false;
	if (c->op == IQ_AND || c->op == IQ_OR)
		return time_under_or(c->l, under_or || c->op == IQ_OR) ||
		       time_under_or(c->r, under_or || c->op == IQ_OR);
	return under_or && !strcasecmp(c->key, "time");
}

static int where(struct parser *p)
{
	int rc;

	if (!accept_kw(p, "WHERE"))
		return ERR_OK;
	if ((rc = or_expr(p, &p->st->where)))
		return rc;
	if (time_under_or(p->st->where, false))
		stmt_error(p, "invalid time condition: time bounds joined by "
			   "OR are not supported");
	return ERR_OK;
}

bool iq_cond_match(const struct iq_cond *c, const char *const *keys,
		   const char *const *values, size_t n)
{
	const char *v = "";

	if (!c || c->always)
		return true;
	if (c->op == IQ_AND)
		return iq_cond_match(c->l, keys, values, n) &&
		       iq_cond_match(c->r, keys, values, n);
	if (c->op == IQ_OR)
		return iq_cond_match(c->l, keys, values, n) ||
		       iq_cond_match(c->r, keys, values, n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], c->key))
			v = values[i];
	switch (c->op) {
	case IQ_EQ: return !strcmp(v, c->value);
	case IQ_NE: return strcmp(v, c->value) != 0;
	case IQ_RE: return regexec(c->re, v, 0, NULL, 0) == 0;
	case IQ_NRE: return regexec(c->re, v, 0, NULL, 0) != 0;
	default: return true;
	}
}

/* ---- SELECT ---------------------------------------------------------------- */

static const struct { const char *name; enum iq_func f; } funcs[] = {
	{ "mean", IQ_MEAN }, { "median", IQ_MEDIAN }, { "min", IQ_MIN },
	{ "max", IQ_MAX }, { "sum", IQ_SUM }, { "count", IQ_COUNT },
	{ "first", IQ_FIRST }, { "last", IQ_LAST }, { "spread", IQ_SPREAD },
	{ "stddev", IQ_STDDEV }, { "percentile", IQ_PERCENTILE },
};

/* InfluxDB's functions Oasis does not compute. */
static const char *const other_funcs[] = {
	"distinct", "integral", "mode", "bottom", "top", "sample", "derivative",
	"non_negative_derivative", "difference", "non_negative_difference",
	"moving_average", "cumulative_sum", "elapsed", "holt_winters",
	"holt_winters_with_fit", "abs", "ceil", "floor", "round", "sqrt", "pow",
	"exp", "ln", "log", "log2", "log10", "sin", "cos", "tan", "acos",
	"asin", "atan", "atan2", "chande_momentum_oscillator",
	"exponential_moving_average", "double_exponential_moving_average",
	"kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average",
	"triple_exponential_moving_average", "triple_exponential_derivative",
	"relative_strength_index",
};

static void skip_args(struct parser *p)
{
	int depth = 1;

	while (depth > 0 && p->tok.t != TK_EOF) {
		if (p->tok.t == TK_LPAREN)
			depth++;
		else if (p->tok.t == TK_RPAREN)
			depth--;
		advance(p);
	}
}

static int func_call(struct parser *p, struct iq_field *f, const char *name)
{
	size_t i, nargs = 0;
	char field[IQ_NAME_MAX] = "";
	bool field_arg = true;
	int rc;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcasecmp(name, funcs[i].name))
			break;
	advance(p); /* ( */
	if (i == sizeof(funcs) / sizeof(funcs[0])) {
		bool known = false;

		for (size_t j = 0; j < sizeof(other_funcs) / sizeof(*other_funcs); j++)
			known |= !strcasecmp(name, other_funcs[j]);
		skip_args(p);
		if (known)
			stmt_error(p, "Oasis does not compute %s()", name);
		else
			stmt_error(p, "undefined function %s()", name);
		return ERR_OK;
	}
	f->func = funcs[i].f;
	while (p->tok.t != TK_RPAREN) {
		if (nargs > 0 && (rc = expect(p, TK_COMMA, ", or )")))
			return rc;
		if (nargs == 0 && is_ident(p)) {
			if ((rc = ident(p, field)))
				return rc;
			if (p->tok.t == TK_DOUBLECOLON) {
				advance(p);
				advance(p);
			}
		} else if (nargs == 0 && p->tok.t == TK_MUL) {
			strcpy(field, "*");
			advance(p);
		} else if (p->tok.t == TK_INTEGER || p->tok.t == TK_NUMBER) {
			if (nargs == 0)
				field_arg = false;
			f->arg = p->tok.num;
			advance(p);
		} else if (p->tok.t == TK_EOF) {
			return fail(p, ")");
		} else {
			return fail(p, "identifier, string, number, bool");
		}
		nargs++;
	}
	advance(p); /* ) */
	if (f->func == IQ_PERCENTILE && nargs != 2)
		stmt_error(p, "invalid number of arguments for percentile, "
			   "expected 2, got %zu", nargs);
	else if (f->func != IQ_PERCENTILE && nargs != 1)
		stmt_error(p, "invalid number of arguments for %s, expected 1, "
			   "got %zu", funcs[i].name, nargs);
	else if (!field_arg || !field[0])
		stmt_error(p, "expected field argument in %s()", funcs[i].name);
	else if (!strcmp(field, "*"))
		stmt_error(p, "Oasis does not compute %s(*): name the field",
			   funcs[i].name);
	else if (f->func == IQ_PERCENTILE && (f->arg < 0 || f->arg > 100))
		stmt_error(p, "percentile: N must be between 0 and 100");
	strcpy(f->name, field);
	return ERR_OK;
}

static int select_field(struct parser *p, struct iq_field *f)
{
	char name[IQ_NAME_MAX];
	int rc;

	memset(f, 0, sizeof(*f));
	if (p->tok.t == TK_MUL) {
		strcpy(f->name, "*");
		advance(p);
	} else if (p->tok.t == TK_IDENT && p->lx.s[p->lx.pos] == '(') {
		if (strlen(p->tok.text) >= IQ_NAME_MAX)
			return fail(p, "a function");
		strcpy(name, p->tok.text);
		advance(p);
		if ((rc = func_call(p, f, name)))
			return rc;
	} else if ((rc = ident(p, f->name))) {
		return rc;
	} else if (p->tok.t == TK_DOUBLECOLON) {
		advance(p);
		if (!is_ident(p))
			return fail(p, "identifier");
		advance(p);
	}
	if (p->tok.t == TK_MUL || p->tok.t == TK_DIV || p->tok.t == TK_PLUS ||
	    p->tok.t == TK_MINUS) {
		stmt_error(p, "Oasis does not compute arithmetic on fields");
		while (p->tok.t != TK_EOF && p->tok.t != TK_COMMA &&
		       !is_kw(p, "FROM") && !is_kw(p, "AS"))
			advance(p);
	}
	if (accept_kw(p, "AS"))
		return ident(p, f->alias);
	return ERR_OK;
}

/* FROM m, "rp"."m", "db"."rp"."m", /regex/. */
static int source(struct parser *p)
{
	int rc;

	if (p->tok.t == TK_DIV) {
		rescan_regex(p);
		return regex_compile(p, &p->st->measurement_re);
	}
	if ((rc = ident(p, p->st->measurement)))
		return rc;
	for (int i = 0; i < 2 && p->tok.t == TK_DOT; i++) {
		advance(p);
		if (p->tok.t == TK_DOT)
			continue; /* "db".."m": the default policy */
		if ((rc = ident(p, p->st->measurement)))
			return rc;
	}
	return ERR_OK;
}

static int from(struct parser *p)
{
	int rc;

	if ((rc = source(p)))
		return rc;
	while (p->tok.t == TK_COMMA) {
		advance(p);
		if (p->tok.t == TK_DIV) {
			rescan_regex(p);
			advance(p);
		} else if ((rc = ident(p, p->st->measurement))) {
			return rc;
		}
		while (p->tok.t == TK_DOT) {
			advance(p);
			if (is_ident(p))
				advance(p);
		}
		stmt_error(p, "Oasis reads one measurement a statement");
	}
	return ERR_OK;
}

static int group_time(struct parser *p)
{
	int rc;

	advance(p); /* ( */
	if (p->tok.t != TK_DURATION)
		return fail(p, "duration");
	p->st->interval_ns = p->tok.ns;
	advance(p);
	if (p->tok.t == TK_COMMA) {
		bool minus;

		advance(p);
		minus = p->tok.t == TK_MINUS;
		if (minus)
			advance(p);
		if (p->tok.t != TK_DURATION)
			return fail(p, "duration");
		p->st->offset_ns = minus ? -p->tok.ns : p->tok.ns;
		advance(p);
	}
	if ((rc = expect(p, TK_RPAREN, ")")))
		return rc;
	if (p->st->interval_ns <= 0)
		stmt_error(p, "GROUP BY time must be a non-zero duration");
	return ERR_OK;
}

static int group_by(struct parser *p)
{
	int rc;

	if (!accept_kw(p, "GROUP"))
		return ERR_OK;
	if ((rc = expect_kw(p, "BY")))
		return rc;
	do {
		if (p->tok.t == TK_IDENT && !strcasecmp(p->tok.text, "time") &&
		    p->lx.s[p->lx.pos] == '(') {
			advance(p);
			if ((rc = group_time(p)))
				return rc;
		} else if (p->tok.t == TK_MUL) {
			p->st->group_all = true;
			advance(p);
		} else if (p->tok.t == TK_DIV) {
			rescan_regex(p);
			advance(p);
			stmt_error(p, "Oasis does not group by a regex of tags");
		} else if (p->st->n_group_tags < IQ_MAX_GROUP_TAGS) {
			if ((rc = ident(p, p->st->group_tags[p->st->n_group_tags++])))
				return rc;
			if (p->tok.t == TK_DOUBLECOLON) {
				advance(p);
				advance(p);
			}
		} else {
			return fail(p, "at most 8 tags");
		}
	} while (p->tok.t == TK_COMMA && (advance(p), true));
	return ERR_OK;
}

static int fill(struct parser *p)
{
	int rc;

	if (!(p->tok.t == TK_IDENT && !strcasecmp(p->tok.text, "fill") &&
	      p->lx.s[p->lx.pos] == '('))
		return ERR_OK;
	advance(p);
	advance(p);
	if (accept_kw(p, "null")) {
		p->st->fill = IQ_FILL_NULL;
	} else if (accept_kw(p, "none")) {
		p->st->fill = IQ_FILL_NONE;
	} else if (accept_kw(p, "previous")) {
		p->st->fill = IQ_FILL_PREVIOUS;
	} else if (accept_kw(p, "linear")) {
		p->st->fill = IQ_FILL_LINEAR;
	} else {
		bool minus = p->tok.t == TK_MINUS;

		if (minus)
			advance(p);
		if (p->tok.t != TK_INTEGER && p->tok.t != TK_NUMBER)
			return fail(p, "null, none, previous, linear, number");
		p->st->fill = IQ_FILL_VALUE;
		p->st->fill_value = minus ? -p->tok.num : p->tok.num;
		advance(p);
	}
	if ((rc = expect(p, TK_RPAREN, ")")))
		return rc;
	return ERR_OK;
}

static int order_by(struct parser *p)
{
	int rc;

	if (!accept_kw(p, "ORDER"))
		return ERR_OK;
	if ((rc = expect_kw(p, "BY")))
		return rc;
	if (!is_ident(p) || strcasecmp(p->tok.text, "time"))
		return fail(p, "time");
	advance(p);
	if (accept_kw(p, "DESC"))
		p->st->desc = true;
	else
		accept_kw(p, "ASC");
	return ERR_OK;
}

/* LIMIT, OFFSET, SLIMIT, SOFFSET in InfluxDB's order. */
static int limits(struct parser *p)
{
	static const char *const kw[] = { "LIMIT", "OFFSET", "SLIMIT", "SOFFSET" };
	int64_t *dst[] = { &p->st->limit, &p->st->offset, &p->st->slimit,
			   &p->st->soffset };
	int rc;

	for (size_t i = 0; i < 4; i++)
		if (accept_kw(p, kw[i]) && (rc = integer(p, dst[i])))
			return rc;
	return ERR_OK;
}

static void select_checks(struct parser *p)
{
	struct iq_stmt *s = p->st;
	size_t aggs = 0;

	for (size_t i = 0; i < s->n_fields; i++)
		aggs += s->fields[i].func != IQ_RAW;
	if (aggs && aggs < s->n_fields)
		stmt_error(p, "mixing aggregate and non-aggregate queries is "
			   "not supported");
	if (!aggs && s->interval_ns)
		stmt_error(p, "GROUP BY requires at least one aggregate function");
	if (aggs && s->interval_ns && !s->has_tmin)
		stmt_error(p, "aggregate functions with GROUP BY time require a "
			   "WHERE time clause with a lower limit");
	for (size_t i = 0; i < s->n_fields; i++)
		if (!strcasecmp(s->fields[i].name, "time") && !s->fields[i].func &&
		    s->n_fields == 1)
			stmt_error(p, "at least 1 non-time field must be queried");
}

static int select_stmt(struct parser *p)
{
	int rc;

	p->st->kind = IQ_SELECT;
	do {
		if (p->st->n_fields == IQ_MAX_FIELDS)
			return fail(p, "at most 32 fields");
		if ((rc = select_field(p, &p->st->fields[p->st->n_fields++])))
			return rc;
	} while (p->tok.t == TK_COMMA && (advance(p), true));
	if (accept_kw(p, "INTO"))
		return fail(p, "FROM (Oasis does not write with INTO)");
	if ((rc = expect_kw(p, "FROM")) || (rc = from(p)) || (rc = where(p)) ||
	    (rc = group_by(p)) || (rc = fill(p)) || (rc = order_by(p)) ||
	    (rc = limits(p)))
		return rc;
	if (is_kw(p, "tz") && p->lx.s[p->lx.pos] == '(') {
		advance(p);
		advance(p);
		skip_args(p);
		stmt_error(p, "Oasis answers in UTC only: tz() is not supported");
	}
	select_checks(p);
	return ERR_OK;
}

/* ---- SHOW ------------------------------------------------------------------ */

static int on_db(struct parser *p)
{
	if (!accept_kw(p, "ON"))
		return ERR_OK;
	return ident(p, p->st->db);
}

static int show_from(struct parser *p)
{
	if (!accept_kw(p, "FROM"))
		return ERR_OK;
	return from(p);
}

static int with_key(struct parser *p)
{
	struct iq_stmt *s = p->st;
	int rc;

	if ((rc = expect_kw(p, "WITH")) || (rc = expect_kw(p, "KEY")))
		return rc;
	if (accept_kw(p, "IN")) {
		s->key_op = IQ_OR;
		if ((rc = expect(p, TK_LPAREN, "(")))
			return rc;
		do {
			if (s->n_keys == IQ_MAX_GROUP_TAGS)
				return fail(p, "at most 8 keys");
			if ((rc = ident(p, s->keys[s->n_keys++])))
				return rc;
		} while (p->tok.t == TK_COMMA && (advance(p), true));
		return expect(p, TK_RPAREN, ")");
	}
	if (p->tok.t != TK_EQ && p->tok.t != TK_NEQ && p->tok.t != TK_EQREGEX &&
	    p->tok.t != TK_NEQREGEX)
		return fail(p, "=, !=, =~, !~, IN");
	s->key_op = op_of(p->tok.t);
	advance(p);
	if (s->key_op == IQ_RE || s->key_op == IQ_NRE) {
		rescan_regex(p);
		return regex_compile(p, &s->key_re);
	}
	s->n_keys = 1;
	return ident(p, s->keys[0]);
}

static int show_measurements(struct parser *p)
{
	int rc;

	p->st->kind = IQ_SHOW_MEASUREMENTS;
	if ((rc = on_db(p)))
		return rc;
	if (accept_kw(p, "WITH")) {
		if ((rc = expect_kw(p, "MEASUREMENT")))
			return rc;
		if (p->tok.t == TK_EQ) {
			advance(p);
			if ((rc = ident(p, p->st->measurement)))
				return rc;
		} else if (p->tok.t == TK_EQREGEX) {
			advance(p);
			rescan_regex(p);
			if ((rc = regex_compile(p, &p->st->measurement_re)))
				return rc;
		} else {
			return fail(p, "=, =~");
		}
	}
	if ((rc = where(p)))
		return rc;
	return limits(p);
}

static int show_stmt(struct parser *p)
{
	int rc;

	if (accept_kw(p, "DATABASES")) {
		p->st->kind = IQ_SHOW_DATABASES;
		return ERR_OK;
	}
	if (accept_kw(p, "MEASUREMENTS"))
		return show_measurements(p);
	if (accept_kw(p, "RETENTION")) {
		p->st->kind = IQ_SHOW_RETENTION_POLICIES;
		if ((rc = expect_kw(p, "POLICIES")))
			return rc;
		return on_db(p);
	}
	if (accept_kw(p, "FIELD")) {
		p->st->kind = IQ_SHOW_FIELD_KEYS;
		if ((rc = expect_kw(p, "KEYS")) || (rc = on_db(p)) ||
		    (rc = show_from(p)))
			return rc;
		return limits(p);
	}
	if (accept_kw(p, "TAG")) {
		if (accept_kw(p, "KEYS")) {
			p->st->kind = IQ_SHOW_TAG_KEYS;
			if ((rc = on_db(p)) || (rc = show_from(p)) ||
			    (rc = where(p)))
				return rc;
			return limits(p);
		}
		if ((rc = expect_kw(p, "VALUES")))
			return rc;
		p->st->kind = IQ_SHOW_TAG_VALUES;
		if ((rc = on_db(p)) || (rc = show_from(p)) || (rc = with_key(p)) ||
		    (rc = where(p)))
			return rc;
		return limits(p);
	}
	{
		static const char *const others[] = {
			"CONTINUOUS", "DIAGNOSTICS", "GRANTS", "MEASUREMENT",
			"QUERIES", "SERIES", "SHARD", "SHARDS", "STATS",
			"SUBSCRIPTIONS", "USERS",
		};

		for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
			if (is_kw(p, others[i]))
				return ERR_UNSUPPORTED;
	}
	return fail(p, "CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, "
		    "MEASUREMENT, MEASUREMENTS, QUERIES, RETENTION, SERIES, "
		    "SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, USERS");
}

/* ---- statements ------------------------------------------------------------ */

/* Skip to the end of the statement (a ';' outside quotes, or the end). */
static void skip_statement(struct parser *p)
{
	while (p->tok.t != TK_EOF && p->tok.t != TK_SEMI)
		advance(p);
}

static void remember_text(struct parser *p, const char *begin)
{
	size_t n = strcspn(begin, ";");

	while (n && isspace((unsigned char)begin[n - 1]))
		n--;
	snprintf(p->st->text, sizeof(p->st->text), "%.*s", (int)n, begin);
}

static int statement(struct parser *p)
{
	static const char *const others[] = {
		"DELETE", "DROP", "EXPLAIN", "GRANT", "REVOKE", "ALTER", "SET",
		"KILL",
	};
	int rc;

	remember_text(p, p->tok.src);
	if (accept_kw(p, "SELECT"))
		return select_stmt(p);
	if (accept_kw(p, "SHOW")) {
		rc = show_stmt(p);
		if (rc != ERR_UNSUPPORTED)
			return rc;
		p->st->kind = IQ_UNSUPPORTED;
		skip_statement(p);
		return ERR_OK;
	}
	if (accept_kw(p, "CREATE")) {
		if (accept_kw(p, "DATABASE")) {
			p->st->kind = IQ_CREATE_DATABASE;
			if ((rc = ident(p, p->st->db)))
				return rc;
		} else {
			p->st->kind = IQ_UNSUPPORTED;
		}
		skip_statement(p);
		return ERR_OK;
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
		if (accept_kw(p, others[i])) {
			p->st->kind = IQ_UNSUPPORTED;
			skip_statement(p);
			return ERR_OK;
		}
	return fail(p, "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, "
		    "REVOKE, ALTER, SET, KILL");
}

static void stmt_free(struct iq_stmt *s)
{
	cond_free(s->where);
	if (s->measurement_re) {
		regfree(s->measurement_re);
		free(s->measurement_re);
	}
	if (s->key_re) {
		regfree(s->key_re);
		free(s->key_re);
	}
}

void iq_query_free(struct iq_query *q)
{
	for (size_t i = 0; i < q->n; i++)
		stmt_free(&q->stmts[i]);
	free(q->stmts);
	q->stmts = NULL;
	q->n = 0;
}

/* Room for one more statement (grown by doubling: most queries have one). */
static int stmt_room(struct iq_query *q, struct err *e)
{
	struct iq_stmt *v;
	size_t cap = q->n ? q->n * 2 : 1;

	if (q->n & (q->n - 1) && q->n) /* not a power of two: room left */
		return ERR_OK;
	if (!(v = realloc(q->stmts, cap * sizeof(*v))))
		return err_nomem(e);
	memset(v + q->n, 0, (cap - q->n) * sizeof(*v));
	q->stmts = v;
	return ERR_OK;
}

int iq_parse(const char *text, int64_t now_ns, struct iq_query *out,
	     struct err *e)
{
	struct parser p = { .now_ns = now_ns, .e = e };
	int rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	iq_lex_init(&p.lx, text);
	advance(&p);
	while (p.tok.t != TK_EOF) {
		if (p.tok.t == TK_SEMI) {
			advance(&p);
			continue;
		}
		if (out->n == IQ_MAX_STATEMENTS) {
			rc = err_set(e, ERR_INVALID, "error parsing query: more "
				     "than %d statements", IQ_MAX_STATEMENTS);
			break;
		}
		if ((rc = stmt_room(out, e)))
			break;
		p.st = &out->stmts[out->n++];
		if ((rc = statement(&p)))
			break;
		if (p.tok.t != TK_EOF && p.tok.t != TK_SEMI) {
			rc = fail(&p, ";");
			break;
		}
	}
	if (!rc && out->n == 0)
		rc = err_set(e, ERR_INVALID, "error parsing query: found EOF, "
			     "expected SELECT, DELETE, SHOW, CREATE, DROP, "
			     "EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line "
			     "%d, char %d", p.tok.line, p.tok.col);
	if (rc)
		iq_query_free(out);
	return rc;
}
