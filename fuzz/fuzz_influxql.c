/*
 * libFuzzer harness for the InfluxQL parser (src/influxql/lex.c, parse.c).
 * The bytes are the query text (up to the first NUL); now() is fixed.
 * Beyond not crashing: a parse that succeeds gives 1..64 statements, each
 * of a known kind with its text and error NUL-terminated; one that fails
 * leaves a message beginning "error parsing query".  Tag matching on every
 * statement's condition is run too (the regexes compiled must execute).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "influxql/influxql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "device", "plot" };
	static const char *const values[] = { "ws-01", "6523241010001" };
	char *text = malloc(size + 1);
	struct iq_query q;
	struct err e = { 0 };

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (iq_parse(text, 1700000000000000000LL, &q, &e) == ERR_OK) {
		if (q.n == 0 || q.n > IQ_MAX_STATEMENTS)
			abort();
		for (size_t i = 0; i < q.n; i++) {
			if (q.stmts[i].kind > IQ_UNSUPPORTED ||
			    !memchr(q.stmts[i].text, 0, sizeof(q.stmts[i].text)) ||
			    !memchr(q.stmts[i].error, 0, sizeof(q.stmts[i].error)))
				abort();
			(void)iq_cond_match(q.stmts[i].where, keys, values, 2);
		}
		iq_query_free(&q);
	} else if (e.code != ERR_NOMEM &&
		   strncmp(e.msg, "error parsing query", 19)) {
		abort();
	}
	free(text);
	return 0;
}
