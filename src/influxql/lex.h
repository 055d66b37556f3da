/*
 * influxql/lex: InfluxQL's tokens (internal to influxql/): identifiers
 * bare or double-quoted, 'strings', numbers, durations (10m, 1700000000000ms),
 * /regexes/ (scanned only where the parser expects one), operators.
 */
#ifndef OASIS_INFLUXQL_LEX_H
#define OASIS_INFLUXQL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "influxql/influxql.h"

enum iq_tok {
	TK_EOF, TK_ILLEGAL, TK_IDENT, TK_QIDENT, TK_STRING, TK_BADSTRING,
	TK_NUMBER, TK_INTEGER, TK_DURATION, TK_REGEX,
	TK_EQ, TK_NEQ, TK_LT, TK_LTE, TK_GT, TK_GTE, TK_EQREGEX, TK_NEQREGEX,
	TK_LPAREN, TK_RPAREN, TK_COMMA, TK_SEMI, TK_DOT, TK_PLUS, TK_MINUS,
	TK_MUL, TK_DIV, TK_DOUBLECOLON,
};

struct iq_token {
	enum iq_tok t;
	const char *src;           /* where it starts in the text */
	size_t len;                /* its length there */
	char text[IQ_NAME_MAX * 2];/* the value: unquoted, unescaped */
	bool truncated;            /* the value did not fit text */
	int line, col;             /* 1-based */
	double num;                /* TK_NUMBER, TK_INTEGER */
	int64_t ns;                /* TK_DURATION; TK_INTEGER as ns */
	bool int_overflow;         /* TK_INTEGER past int64 */
};

struct iq_lexer {
	const char *s;
	size_t pos;
	int line;
	size_t line_start;
};

void iq_lex_init(struct iq_lexer *lx, const char *s);
/* The next token (whitespace and -- comments skipped). */
void iq_lex_next(struct iq_lexer *lx, struct iq_token *t);
/* A /regex/ at the current position (after whitespace), else TK_ILLEGAL. */
void iq_lex_regex(struct iq_lexer *lx, struct iq_token *t);

#endif
