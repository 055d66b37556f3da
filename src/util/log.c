#include "util/log.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level min_level = LOG_INFO;
static enum access_mode access_mode = ACCESS_SAMPLED;

void log_set_level(enum log_level level)
{
	min_level = level;
}

enum log_level log_get_level(void)
{
	return min_level;
}

int log_level_parse(const char *s, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_set_access_mode(enum access_mode mode)
{
	access_mode = mode;
}

enum access_mode log_get_access_mode(void)
{
	return access_mode;
}

int access_mode_parse(const char *s, enum access_mode *out)
{
	static const char *const names[] = { "off", "sampled", "all" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum access_mode)i;
			return 0;
		}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	char when[32];
	char line[2048];
	va_list ap;

	if (level < min_level)
		return;
	time_format_iso(time_now_ms(), when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	err_redact(line, sizeof(line)); /* no password reaches a log */
	/* one fprintf per line: stdio locks the stream, lines never interleave */
	fprintf(stderr, "%s %s %s\n", when, names[level], line);
}

/* ---- the access log ---------------------------------------------------- */

/* Latency buckets: bucket i holds up to 0.1 ms * 2^(i/4); the last the rest. */
#define HIST_BUCKETS 84
#define MAX_GROUPS 32  /* route groups summed up; more go to "other" */
#define MAX_SEEN 64    /* route group + status pairs whose last line we keep */
#define GROUP_LEN 48

struct hist {
	uint64_t count[HIST_BUCKETS];
	double max[HIST_BUCKETS]; /* the largest value seen in each bucket */
};

struct group {
	char name[GROUP_LEN];
	uint64_t requests;
	uint64_t classes[5]; /* 1xx .. 5xx */
	struct hist lat;
};

struct seen {
	char group[GROUP_LEN];
	unsigned status;
	int64_t last_ms;     /* when it last had a line */
	uint64_t left_out;   /* lines left out since */
};

struct access_log {
	pthread_mutex_t lock;
	enum access_mode mode;
	int64_t interval_ms;
	int64_t started_ms; /* of the current summary interval */
	size_t ngroups;
	struct group groups[MAX_GROUPS];
	size_t nseen;
	struct seen seen[MAX_SEEN];
	uint64_t left_out;  /* request lines left out in this interval */
};

void access_route_group(const char *path, char *out, size_t n)
{
	const char *p = path;
	int slashes = 0;

	if (strncmp(path, "/api/", 5)) {
		snprintf(out, n, "static");
		return;
	}
	/* keep "/api/v1/NAME": up to the fourth slash */
	while (*p && !(*p == '/' && ++slashes == 4))
		p++;
	snprintf(out, n, "%.*s", (int)(p - path), path);
}

static size_t bucket_of(double ms)
{
	size_t i;

	if (!(ms > 0.1))
		return 0;
	i = (size_t)ceil(4.0 * log2(ms / 0.1) - 1e-9);
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

static void hist_add(struct hist *h, double ms)
{
	size_t i = bucket_of(ms);

	h->count[i]++;
	if (ms > h->max[i])
		h->max[i] = ms;
}

static double hist_percentile(const struct hist *h, uint64_t total, double p)
{
	uint64_t rank = (uint64_t)ceil(p * (double)total - 1e-9), seen = 0;

	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return h->max[i];
	}
	return 0;
}

double access_percentile(const double *ms, size_t count, double p)
{
	struct hist *h = calloc(1, sizeof(*h));
	double v;

	if (!h)
		return NAN;
	for (size_t i = 0; i < count; i++)
		hist_add(h, ms[i]);
	v = hist_percentile(h, count, p);
	free(h);
	return v;
}

struct access_log *access_log_new(enum access_mode mode, int64_t interval_ms,
				  int64_t now_ms)
{
	struct access_log *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (pthread_mutex_init(&a->lock, NULL)) {
		free(a);
		return NULL;
	}
	a->mode = mode;
	a->interval_ms = interval_ms;
	a->started_ms = now_ms;
	return a;
}

void access_log_free(struct access_log *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static struct group *group_find(struct access_log *a, const char *name)
{
	for (size_t i = 0; i < a->ngroups; i++)
		if (!strcmp(a->groups[i].name, name))
			return &a->groups[i];
	if (a->ngroups >= MAX_GROUPS - 1 && strcmp(name, "other"))
		return group_find(a, "other");
	snprintf(a->groups[a->ngroups].name, GROUP_LEN, "%s", name);
	return &a->groups[a->ngroups++];
}

/* The pair's entry; a full table gives up the one unused the longest. */
static struct seen *seen_find(struct access_log *a, const char *group,
			      unsigned status)
{
	struct seen *oldest = NULL;

	for (size_t i = 0; i < a->nseen; i++) {
		struct seen *s = &a->seen[i];

		if (s->status == status && !strcmp(s->group, group))
			return s;
		if (!oldest || s->last_ms < oldest->last_ms)
			oldest = s;
	}
	if (a->nseen < MAX_SEEN)
		oldest = &a->seen[a->nseen++];
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->group, GROUP_LEN, "%s", group);
	oldest->status = status;
	oldest->last_ms = INT64_MIN;
	return oldest;
}

bool access_log_record(struct access_log *a, const char *method,
		       const char *path, unsigned status, double ms,
		       bool ended_early, int64_t now_ms, enum log_level *level,
		       char *line, size_t n)
{
	char name[GROUP_LEN];
	struct group *g;
	struct seen *s = NULL;
	bool notable = status >= 400 || ms > ACCESS_SLOW_MS;
	bool write;
	uint64_t left_out = 0;
	int len;

	access_route_group(path, name, sizeof(name));
	pthread_mutex_lock(&a->lock);
	g = group_find(a, name);
	g->requests++;
	if (status >= 100 && status < 600)
		g->classes[status / 100 - 1]++;
	hist_add(&g->lat, ms);
	if (a->mode == ACCESS_ALL) {
		write = true;
	} else if (a->mode == ACCESS_OFF || !notable) {
		write = false;
	} else {
		s = seen_find(a, name, status);
		write = s->last_ms == INT64_MIN ||
			now_ms - s->last_ms >= a->interval_ms;
		if (write) {
			left_out = s->left_out;
			s->left_out = 0;
			s->last_ms = now_ms;
		} else {
			s->left_out++;
		}
	}
	if (!write && a->mode != ACCESS_ALL && notable)
		a->left_out++;
	pthread_mutex_unlock(&a->lock);
	if (!write)
		return false;
	*level = status >= 500 || ms > ACCESS_SLOW_MS ? LOG_WARN : LOG_INFO;
	len = snprintf(line, n, "%s %s %u %.1fms%s", method, path, status, ms,
		       ended_early ? " (connection ended early)" : "");
	if (left_out && len > 0 && (size_t)len < n)
		snprintf(line + len, n - (size_t)len,
			 " (and %llu more %s %u since its last line)",
			 (unsigned long long)left_out, name, status);
	return true;
}

/* Appends to line at *len, never past n. */
static void add(char *line, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *line, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*len >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(line + *len, n - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len += (size_t)w < n - *len ? (size_t)w : n - *len;
}

static void group_summary(const struct group *g, char *line, size_t n,
			  size_t *len)
{
	add(line, n, len, "; %s %llu", g->name,
	    (unsigned long long)g->requests);
	for (int c = 0; c < 5; c++)
		if (g->classes[c])
			add(line, n, len, " %dxx=%llu", c + 1,
			    (unsigned long long)g->classes[c]);
	add(line, n, len, " p50=%.1fms p90=%.1fms p99=%.1fms",
	    hist_percentile(&g->lat, g->requests, 0.5),
	    hist_percentile(&g->lat, g->requests, 0.9),
	    hist_percentile(&g->lat, g->requests, 0.99));
}

bool access_log_summary(struct access_log *a, int64_t now_ms, bool force,
			char *line, size_t n)
{
	uint64_t total = 0;
	size_t len = 0;
	bool write;

	pthread_mutex_lock(&a->lock);
	write = force || now_ms - a->started_ms >= a->interval_ms;
	for (size_t i = 0; write && i < a->ngroups; i++)
		total += a->groups[i].requests;
	if (write && total) {
		add(line, n, &len, "http: %llu requests in %lld s",
		    (unsigned long long)total,
		    (long long)((now_ms - a->started_ms + 500) / 1000));
		if (a->left_out)
			add(line, n, &len, " (%llu error or slow lines left out)",
			    (unsigned long long)a->left_out);
		for (size_t i = 0; i < a->ngroups; i++)
			group_summary(&a->groups[i], line, n, &len);
	}
	if (write) {
		memset(a->groups, 0, a->ngroups * sizeof(a->groups[0]));
		a->ngroups = 0;
		a->left_out = 0;
		a->started_ms = now_ms;
	}
	pthread_mutex_unlock(&a->lock);
	return write && total;
}
