/* Listings as an aligned table, CSV (RFC 4180) or a JSON array of objects. */
#include "cli/table.h"

#include <jansson.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int cli_format_parse(const char *s, enum cli_format *out, struct err *e)
{
	if (!strcmp(s, "table"))
		*out = CLI_FORMAT_TABLE;
	else if (!strcmp(s, "csv"))
		*out = CLI_FORMAT_CSV;
	else if (!strcmp(s, "json"))
		*out = CLI_FORMAT_JSON;
	else
		return err_set(e, ERR_INVALID, "--format '%s': expected table, "
			       "csv or json", s);
	return ERR_OK;
}

/* The C.UTF-8 locale for this thread's wide-character calls, made once. */
static locale_t utf8_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	return loc;
}

size_t cli_text_width(const char *s)
{
	locale_t loc = utf8_locale(), old = (locale_t)0;
	size_t len = strlen(s), width = 0;
	mbstate_t st;
	wchar_t wc;

	if (loc)
		old = uselocale(loc);
	memset(&st, 0, sizeof(st));
	while (len) {
		size_t n = mbrtowc(&wc, s, len, &st);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			n = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
		}
		width += w > 0 ? (size_t)w : 0;
		s += n;
		len -= n;
	}
	if (loc)
		uselocale(old);
	return width;
}

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
}

int cli_table_add(struct cli_table *t, const char *const *row, struct err *e)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (!cells)
			return err_set(e, ERR_NOMEM, "out of memory listing rows");
		t->cells = cells;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char *c = strdup(row[i] ? row[i] : "");

		if (!c) {
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			return err_set(e, ERR_NOMEM, "out of memory listing rows");
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
	return ERR_OK;
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static const char *cell(const struct cli_table *t, size_t r, size_t c)
{
	return t->cells[r * t->ncols + c];
}

/* One line of the table: cells padded to widths, the last one not padded. */
static void table_line(FILE *out, const struct cli_table *t,
		       const char *const *row, const size_t *widths)
{
	for (size_t c = 0; c < t->ncols; c++) {
		fputs(row[c], out);
		if (c + 1 < t->ncols)
			fprintf(out, "%*s", (int)(widths[c] - cli_text_width(row[c]) + 2),
				"");
	}
	fputc('\n', out);
}

static int print_table(const struct cli_table *t, FILE *out, struct err *e)
{
	size_t *widths = calloc(t->ncols, sizeof(*widths));

	if (!widths)
		return err_set(e, ERR_NOMEM, "out of memory printing a table");
	for (size_t c = 0; c < t->ncols; c++) {
		widths[c] = cli_text_width(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = cli_text_width(cell(t, r, c));

			if (w > widths[c])
				widths[c] = w;
		}
	}
	table_line(out, t, t->head, widths);
	for (size_t r = 0; r < t->nrows; r++)
		table_line(out, t, (const char *const *)&t->cells[r * t->ncols],
			   widths);
	free(widths);
	return ERR_OK;
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void csv_line(FILE *out, size_t n, const char *const *row)
{
	for (size_t c = 0; c < n; c++) {
		if (c)
			fputc(',', out);
		csv_field(out, row[c]);
	}
	fputs("\r\n", out);
}

static int print_json(const struct cli_table *t, FILE *out, struct err *e)
{
	json_t *a = json_array();
	int rc = ERR_OK;

	for (size_t r = 0; a && r < t->nrows && !rc; r++) {
		json_t *o = json_object();

		for (size_t c = 0; o && c < t->ncols; c++)
			json_object_set_new(o, t->head[c],
					    json_string(cell(t, r, c)));
		if (!o || json_array_append_new(a, o))
			rc = ERR_NOMEM;
	}
	if (!a || rc) {
		json_decref(a);
		return err_set(e, ERR_NOMEM, "out of memory printing JSON");
	}
	rc = json_dumpf(a, out, JSON_INDENT(1)) ? ERR_IO : ERR_OK;
	fputc('\n', out);
	json_decref(a);
	return rc ? err_set(e, ERR_IO, "cannot write the output") : ERR_OK;
}

int cli_table_print(const struct cli_table *t, enum cli_format f, FILE *out,
		    struct err *e)
{
	int rc;

	if (f == CLI_FORMAT_JSON)
		return print_json(t, out, e);
	if (f == CLI_FORMAT_TABLE) {
		if ((rc = print_table(t, out, e)))
			return rc;
	} else {
		csv_line(out, t->ncols, t->head);
		for (size_t r = 0; r < t->nrows; r++)
			csv_line(out, t->ncols,
				 (const char *const *)&t->cells[r * t->ncols]);
	}
	return fflush(out) || ferror(out) ? err_set(e, ERR_IO, "cannot write "
						    "the output") : ERR_OK;
}
