/*
 * cli/table: the listings of the commands as an aligned table, CSV or JSON
 * (`--format table|csv|json`).  Table columns are aligned by display width
 * (wcwidth(3) in the C.UTF-8 locale), so Chinese names line up.
 */
#ifndef OASIS_CLI_TABLE_H
#define OASIS_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };

/* "table", "csv" or "json"; ERR_INVALID naming --format otherwise. */
int cli_format_parse(const char *s, enum cli_format *out, struct err *e);

/* Columns a UTF-8 string takes on a terminal (CJK: 2 each); bad bytes 1. */
size_t cli_text_width(const char *s);

struct cli_table {
	size_t ncols;
	const char *const *head;  /* ncols column names (JSON keys) */
	char **cells;             /* heap: nrows * ncols copies */
	size_t nrows, cap;
};

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head);
/* Append a row of ncols strings (copied; NULL is ""). */
int cli_table_add(struct cli_table *t, const char *const *row, struct err *e);
/* Print every row in the format; ERR_IO if out fails. */
int cli_table_print(const struct cli_table *t, enum cli_format f, FILE *out,
		    struct err *e);
void cli_table_free(struct cli_table *t);

#endif
