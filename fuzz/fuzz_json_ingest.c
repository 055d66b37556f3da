/*
 * libFuzzer harness for the telemetry JSON parser (src/ingest/json.c):
 * one object, an array, NDJSON.
 *
 * The first byte picks the default device (none, or "ws-01" as an MQTT
 * topic would give); the rest is the text, handed over as an exact-size
 * buffer (no NUL after it), so any read past len is an AddressSanitizer
 * report.  Beyond not crashing, a parse that succeeds must give a batch
 * whose every point has a non-empty device and metric in the arena,
 * NUL-terminated, valid UTF-8 without control bytes, and a finite value;
 * a parse that fails must leave a message that is printable UTF-8.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const struct ingest_batch *b, uint32_t off,
		      bool may_be_empty)
{
	const char *s;
	size_t n;

	if (off >= b->arena_len)
		abort();
	s = b->arena + off;
	n = strnlen(s, b->arena_len - off);
	if (n == b->arena_len - off || (!may_be_empty && n == 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			abort();
	if (!ingest__utf8_valid(s, n))
		abort();
}

static void check_result(int rc, const struct ingest_batch *b,
			 const struct err *e, const char *device_default)
{
	size_t n;

	if (rc != ERR_OK) {
		n = strnlen(e->msg, sizeof(e->msg));
		if (n == sizeof(e->msg) || n == 0)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)e->msg[i] < 0x20)
				abort();
		if (!ingest__utf8_valid(e->msg, n))
			abort();
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct ingest_point *p = &b->points[i];

		check_str(b, p->device, false);
		check_str(b, p->metric, false);
		check_str(b, p->measurement, true);
		if (!isfinite(p->value))
			abort();
		if (device_default &&
		    strcmp(ingest_str(b, p->device), device_default) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_batch b;
	struct err e;
	const char *device_default;
	char *text;
	size_t len;
	int rc;

	if (size == 0)
		return 0;
	device_default = data[0] & 1 ? "ws-01" : NULL;
	len = size - 1;
	text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	ingest_batch_init(&b);
	rc = ingest_json_parse(text, len, device_default,
			       INT64_C(1782864000000), &b, &e);
	check_result(rc, &b, &e, device_default);
	ingest_batch_free(&b);
	free(text);
	return 0;
}
