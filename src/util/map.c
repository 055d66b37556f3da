#include "util/map.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/* FNV-1a, then mixed: string keys are short ids and metric names. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return mix64(h);
}

void *imap_get(const struct imap *m, int64_t key)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return NULL;
	for (i = mix64((uint64_t)key) & mask; m->values[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			return m->values[i];
	return NULL;
}

static void imap_place(int64_t *keys, void **values, size_t cap, int64_t key,
		       void *value)
{
	size_t mask = cap - 1, i = mix64((uint64_t)key) & mask;

	while (values[i] && keys[i] != key)
		i = (i + 1) & mask;
	keys[i] = key;
	values[i] = value;
}

static int imap_grow(struct imap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	int64_t *keys = calloc(cap, sizeof(*keys));
	void **values = calloc(cap, sizeof(*values));

	if (!keys || !values) {
		free(keys);
		free(values);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->values[i])
			imap_place(keys, values, cap, m->keys[i], m->values[i]);
	free(m->keys);
	free(m->values);
	m->keys = keys;
	m->values = values;
	m->cap = cap;
	return ERR_OK;
}

int imap_put(struct imap *m, int64_t key, void *value)
{
	if ((m->n + 1) * 10 > m->cap * 7 && imap_grow(m))
		return ERR_NOMEM;
	if (!imap_get(m, key))
		m->n++;
	imap_place(m->keys, m->values, m->cap, key, value);
	return ERR_OK;
}

void imap_foreach(const struct imap *m,
		  void (*fn)(int64_t key, void *value, void *ctx), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->values[i])
			fn(m->keys[i], m->values[i], ctx);
}

void imap_free(struct imap *m)
{
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

bool smap_get(const struct smap *m, const char *key, int64_t *out)
{
	size_t mask = m->cap - 1, i;

	if (!m->cap)
		return false;
	for (i = hash_str(key) & mask; m->keys[i]; i = (i + 1) & mask) {
		if (!strcmp(m->keys[i], key)) {
			*out = m->values[i];
			return true;
		}
	}
	return false;
}

static void smap_place(char **keys, int64_t *values, size_t cap, char *key,
		       int64_t value)
{
	size_t mask = cap - 1, i = hash_str(key) & mask;

	while (keys[i])
		i = (i + 1) & mask;
	keys[i] = key;
	values[i] = value;
}

static int smap_grow(struct smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	char **keys = calloc(cap, sizeof(*keys));
	int64_t *values = calloc(cap, sizeof(*values));

	if (!keys || !values) {
		free(keys);
		free(values);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			smap_place(keys, values, cap, m->keys[i], m->values[i]);
	free(m->keys);
	free(m->values);
	m->keys = keys;
	m->values = values;
	m->cap = cap;
	return ERR_OK;
}

int smap_put(struct smap *m, const char *key, int64_t value)
{
	size_t mask, i;
	char *copy;

	if ((m->n + 1) * 10 > m->cap * 7 && smap_grow(m))
		return ERR_NOMEM;
	mask = m->cap - 1;
	for (i = hash_str(key) & mask; m->keys[i]; i = (i + 1) & mask) {
		if (!strcmp(m->keys[i], key)) {
			m->values[i] = value;
			return ERR_OK;
		}
	}
	if (!(copy = strdup(key)))
		return ERR_NOMEM;
	m->keys[i] = copy;
	m->values[i] = value;
	m->n++;
	return ERR_OK;
}

void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}
