/*
 * rs_args: the text forms of the imagery options, shared by `oasis
 * zonal`, `oasis imagery ingest` and POST /api/v1/imagery: a band given as
 * a number or a path, a list of classes to drop, numbers.
 */
#ifndef OASIS_RS_RS_ARGS_H
#define OASIS_RS_RS_ARGS_H

#include <stdbool.h>

/* A band option as given: a band number, or a path (number 0). */
struct rs_band_arg {
	const char *text; /* NULL: not given */
	int number;       /* > 0 when text is a number */
};

/* "4": band 4; anything else names a file. */
void rs_band_arg_parse(const char *s, struct rs_band_arg *b);

/* "3,8,9,10" into drop[256]; -1 unless every item is a class 0-255. */
int rs_class_list_parse(const char *s, bool drop[256]);

/* The SCL classes dropped by default: 3, 8, 9, 10 (shadow, cloud, cirrus). */
void rs_class_default_drop(bool drop[256]);
#define RS_DEFAULT_SCL_DROP "3,8,9,10"

/* A whole decimal integer in [lo, hi]. */
bool rs_parse_long(const char *s, long lo, long hi, long *out);
/* A finite number. */
bool rs_parse_double(const char *s, double *out);

#endif
