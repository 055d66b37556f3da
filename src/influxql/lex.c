/* influxql/lex: InfluxQL's tokens, one at a time (see lex.h). */
#include "influxql/lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void iq_lex_init(struct iq_lexer *lx, const char *s)
{
	lx->s = s;
	lx->pos = 0;
	lx->line = 1;
	lx->line_start = 0;
}

static void skip_space(struct iq_lexer *lx)
{
	for (;;) {
		char ch = lx->s[lx->pos];

		if (ch == '\n') {
			lx->pos++;
			lx->line++;
			lx->line_start = lx->pos;
		} else if (ch == ' ' || ch == '\t' || ch == '\r') {
			lx->pos++;
		} else if (ch == '-' && lx->s[lx->pos + 1] == '-') {
			while (lx->s[lx->pos] && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else {
			return;
		}
	}
}

static void start(struct iq_lexer *lx, struct iq_token *t)
{
	memset(t, 0, sizeof(*t));
	t->src = lx->s + lx->pos;
	t->line = lx->line;
	t->col = (int)(lx->pos - lx->line_start) + 1;
}

static void put(struct iq_token *t, size_t *n, char ch)
{
	if (*n + 1 < sizeof(t->text))
		t->text[(*n)++] = ch;
	else
		t->truncated = true;
	t->text[*n] = '\0';
}

/* A quoted string or identifier up to the closing quote q. */
static void quoted(struct iq_lexer *lx, struct iq_token *t, char q)
{
	size_t n = 0;

	lx->pos++;
	for (;;) {
		char ch = lx->s[lx->pos];

		if (ch == '\0' || ch == '\n') {
			t->t = TK_BADSTRING;
			return;
		}
		lx->pos++;
		if (ch == q)
			return;
		if (ch == '\\') {
			char nx = lx->s[lx->pos];

			if (nx == q || nx == '\\') {
				lx->pos++;
				put(t, &n, nx);
				continue;
			}
			if (nx == 'n') {
				lx->pos++;
				put(t, &n, '\n');
				continue;
			}
		}
		put(t, &n, ch);
	}
}

/* Duration units, longest first; the factor to ns. */
static const struct { const char *u; int64_t ns; } units[] = {
	{ "ns", 1 }, { "ms", 1000000 }, { "\xc2\xb5", 1000 }, { "u", 1000 },
	{ "s", 1000000000 }, { "m", 60000000000LL }, { "h", 3600000000000LL },
	{ "d", 86400000000000LL }, { "w", 604800000000000LL },
};

/* The unit at p (not followed by an identifier character); its length. */
static size_t unit_at(const char *p, int64_t *factor)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t l = strlen(units[i].u);

		if (!strncmp(p, units[i].u, l) && !isalnum((unsigned char)p[l]) &&
		    p[l] != '_') {
			*factor = units[i].ns;
			return l;
		}
	}
	return 0;
}

bool iq_duration_parse(const char *s, size_t len, int64_t *ns)
{
	int64_t total = 0;
	size_t i = 0;

	if (len == 0)
		return false;
	while (i < len) {
		int64_t v = 0, factor = 0;
		size_t d = i, ul = 0;
		char unit[4] = { 0 };

		while (i < len && isdigit((unsigned char)s[i])) {
			if (v > (INT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (s[i++] - '0');
		}
		if (i == d)
			return false;
		while (i < len && ul < 2 && !isdigit((unsigned char)s[i]))
			unit[ul++] = s[i++];
		if (unit_at(unit, &factor) != ul || ul == 0)
			return false;
		if (v > INT64_MAX / factor || total > INT64_MAX - v * factor)
			return false;
		total += v * factor;
	}
	*ns = total;
	return true;
}

static void number(struct iq_lexer *lx, struct iq_token *t)
{
	const char *p = lx->s + lx->pos, *q = p;
	bool dot = false;
	int64_t factor;
	size_t ul;

	while (isdigit((unsigned char)*q) || (*q == '.' && !dot &&
					      isdigit((unsigned char)q[1]))) {
		if (*q == '.')
			dot = true;
		q++;
	}
	if (!dot && (ul = unit_at(q, &factor))) {
		/* a duration: digits and a unit (1h, 1700000000000ms) */
		t->t = TK_DURATION;
		lx->pos += (size_t)(q - p) + ul;
		t->len = (size_t)(q - p) + ul;
		memcpy(t->text, p, t->len < sizeof(t->text) ? t->len : 0);
		if (!iq_duration_parse(p, t->len, &t->ns))
			t->t = TK_ILLEGAL;
		return;
	}
	t->len = (size_t)(q - p);
	lx->pos += t->len;
	if (t->len < sizeof(t->text))
		memcpy(t->text, p, t->len);
	t->num = strtod(t->text, NULL);
	t->t = dot ? TK_NUMBER : TK_INTEGER;
	if (!dot) {
		errno = 0;
		t->ns = strtoll(t->text, NULL, 10);
		t->int_overflow = errno == ERANGE || t->len >= sizeof(t->text);
	}
}

static void ident(struct iq_lexer *lx, struct iq_token *t)
{
	size_t n = 0;

	t->t = TK_IDENT;
	while (isalnum((unsigned char)lx->s[lx->pos]) || lx->s[lx->pos] == '_')
		put(t, &n, lx->s[lx->pos++]);
}

/* Two-character operators first, then one. */
static bool op(struct iq_lexer *lx, struct iq_token *t)
{
	static const struct { const char *s; enum iq_tok t; } ops[] = {
		{ "!=", TK_NEQ }, { "<>", TK_NEQ }, { "<=", TK_LTE },
		{ ">=", TK_GTE }, { "=~", TK_EQREGEX }, { "!~", TK_NEQREGEX },
		{ "::", TK_DOUBLECOLON }, { "=", TK_EQ }, { "<", TK_LT },
		{ ">", TK_GT }, { "(", TK_LPAREN }, { ")", TK_RPAREN },
		{ ",", TK_COMMA }, { ";", TK_SEMI }, { ".", TK_DOT },
		{ "+", TK_PLUS }, { "-", TK_MINUS }, { "*", TK_MUL },
		{ "/", TK_DIV },
	};
	const char *p = lx->s + lx->pos;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t l = strlen(ops[i].s);

		if (!strncmp(p, ops[i].s, l)) {
			t->t = ops[i].t;
			t->len = l;
			memcpy(t->text, p, l);
			lx->pos += l;
			return true;
		}
	}
	return false;
}

void iq_lex_next(struct iq_lexer *lx, struct iq_token *t)
{
	char ch;
	size_t at;

	skip_space(lx);
	start(lx, t);
	at = lx->pos;
	ch = lx->s[lx->pos];
	if (ch == '\0') {
		t->t = TK_EOF;
		strcpy(t->text, "EOF");
		return;
	}
	if (ch == '"' || ch == '\'') {
		quoted(lx, t, ch);
		if (t->t != TK_BADSTRING)
			t->t = ch == '"' ? TK_QIDENT : TK_STRING;
	} else if (isdigit((unsigned char)ch) ||
		   (ch == '.' && isdigit((unsigned char)lx->s[lx->pos + 1]))) {
		number(lx, t);
	} else if (isalpha((unsigned char)ch) || ch == '_') {
		ident(lx, t);
	} else if (!op(lx, t)) {
		t->t = TK_ILLEGAL;
		t->text[0] = ch;
		lx->pos++;
	}
	t->len = lx->pos - at;
}

void iq_lex_regex(struct iq_lexer *lx, struct iq_token *t)
{
	size_t n = 0;

	skip_space(lx);
	start(lx, t);
	if (lx->s[lx->pos] != '/') {
		iq_lex_next(lx, t);
		t->t = t->t == TK_EOF ? TK_EOF : TK_ILLEGAL;
		return;
	}
	lx->pos++;
	for (;;) {
		char ch = lx->s[lx->pos];

		if (ch == '\0' || ch == '\n') {
			t->t = TK_ILLEGAL;
			strcpy(t->text, "/");
			return;
		}
		lx->pos++;
		if (ch == '/')
			break;
		if (ch == '\\' && lx->s[lx->pos] == '/') {
			lx->pos++;
			ch = '/';
		}
		put(t, &n, ch);
	}
	t->t = TK_REGEX;
	t->len = (size_t)(lx->s + lx->pos - t->src);
}
