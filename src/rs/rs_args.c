/* The text forms of the imagery options (rs_args.h). */
#include "rs/rs_args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool rs_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s && !*end && !errno && *out >= lo && *out <= hi;
}

bool rs_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*out);
}

void rs_band_arg_parse(const char *s, struct rs_band_arg *b)
{
	long n;

	b->text = s;
	b->number = rs_parse_long(s, 1, 100000, &n) ? (int)n : 0;
}

int rs_class_list_parse(const char *s, bool drop[256])
{
	char *copy = strdup(s), *save = NULL;
	int rc = 0;

	if (!copy)
		return -1;
	memset(drop, 0, 256 * sizeof(bool));
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		long k;

		if (!rs_parse_long(t, 0, 255, &k)) {
			rc = -1;
			break;
		}
		drop[k] = true;
	}
	free(copy);
	return rc;
}

void rs_class_default_drop(bool drop[256])
{
	rs_class_list_parse(RS_DEFAULT_SCL_DROP, drop);
}
