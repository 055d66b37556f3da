/*
 * buf: a growable byte buffer, always NUL-terminated, for building answers
 * (JSON, CSV, GeoJSON) and collecting request bodies.
 *
 * A failed allocation is sticky: the buffer remembers it, later appends do
 * nothing, and buf_failed() tells the caller once at the end.
 */
#ifndef OASIS_UTIL_BUF_H
#define OASIS_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	bool failed;  /* an allocation failed; contents are incomplete */
};

#define BUF_INIT { NULL, 0, 0, false }

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included. */
void buf_json_string(struct buf *b, const char *s);
/* Append s as a CSV field, quoted when it holds a comma, quote or newline. */
void buf_csv_field(struct buf *b, const char *s);
/* Make room for n more bytes; false on allocation failure. */
bool buf_reserve(struct buf *b, size_t n);
bool buf_failed(const struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hand the bytes to the caller (free() them); the buffer is left empty. */
char *buf_steal(struct buf *b);

#endif
