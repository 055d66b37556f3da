/*
 * libFuzzer harness for a PV plant's layout (src/pvsite/pvsite_layout.c):
 * CSV or GeoJSON text, as `oasis pv import` reads it, against one stored
 * block ("B0") that rows may hang under.
 *
 * The text is an exact-size buffer (no NUL after it).  Beyond not
 * crashing: an accepted layout has ids, a known device kind per row, and
 * numbers that are NaN or finite; a refused one says why.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvsite/pvsite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db_pv_equipment stored = { .id = "B0", .kind = "pv_block" };
	struct pvsite_layout l;
	struct err e = { 0 };

	if (pvsite_layout_read("fuzz.csv", (const char *)data, size, &stored, 1,
			       &l, &e)) {
		if (!e.msg[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct db_pv_equipment *q = &l.rows[i];

		if (!q->id[0] || !pvsite_layout_kind(q->kind) ||
		    !pvsite_device_kind(q->kind) || isinf(q->kwp_dc) ||
		    isinf(q->lat) || isinf(q->gcr))
			abort();
	}
	pvsite_layout_free(&l);
	return 0;
}
