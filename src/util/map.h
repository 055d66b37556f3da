/*
 * map: two small open-addressing hash maps for hot paths.
 *
 *   struct imap   int64 key  -> void *value   (series id -> head)
 *   struct smap   string key -> int64 value   ("device\x1fmetric" -> id)
 *
 * Linear probing, power-of-two capacity, grown at 70% load; no deletion
 * (what these maps hold lives as long as the process).  Not thread-safe:
 * the owner locks.  A failed allocation returns ERR_NOMEM and leaves the map
 * as it was.
 */
#ifndef OASIS_UTIL_MAP_H
#define OASIS_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct imap {
	int64_t *keys;
	void **values;   /* NULL marks an empty slot */
	size_t cap, n;
};

void *imap_get(const struct imap *m, int64_t key);
/* Insert or replace; value must not be NULL. */
int imap_put(struct imap *m, int64_t key, void *value);
/* Visit every entry; order unspecified. */
void imap_foreach(const struct imap *m,
		  void (*fn)(int64_t key, void *value, void *ctx), void *ctx);
void imap_free(struct imap *m);

struct smap {
	char **keys;     /* heap copies; NULL marks an empty slot */
	int64_t *values;
	size_t cap, n;
};

bool smap_get(const struct smap *m, const char *key, int64_t *out);
int smap_put(struct smap *m, const char *key, int64_t value);
void smap_free(struct smap *m);

#endif
