/* http_metrics: the request latency histogram (see http_metrics.h). */
#include "http/http_metrics.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds in seconds, as Prometheus's client libraries default them. */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static _Atomic uint64_t in_bucket[N_BOUNDS + 1]; /* the last: above all */
static _Atomic uint64_t sum_us;

void http_metrics_observe(double ms)
{
	double s = ms / 1000.0;
	size_t i = 0;

	while (i < N_BOUNDS && s > bounds[i])
		i++;
	atomic_fetch_add_explicit(&in_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us, (uint64_t)(ms * 1000.0 + 0.5),
				  memory_order_relaxed);
}

void http_metrics_write(struct buf *b)
{
	uint64_t cum = 0;

	buf_puts(b, "# HELP oasis_http_request_duration_seconds Time from a "
		 "request's start to its answer.\n"
		 "# TYPE oasis_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= N_BOUNDS; i++) {
		cum += atomic_load_explicit(&in_bucket[i], memory_order_relaxed);
		if (i < N_BOUNDS)
			buf_printf(b, "oasis_http_request_duration_seconds_bucket"
				   "{le=\"%g\"} %llu\n", bounds[i],
				   (unsigned long long)cum);
		else
			buf_printf(b, "oasis_http_request_duration_seconds_bucket"
				   "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	buf_printf(b, "oasis_http_request_duration_seconds_sum %.6f\n"
		   "oasis_http_request_duration_seconds_count %llu\n",
		   (double)atomic_load_explicit(&sum_us, memory_order_relaxed) / 1e6,
		   (unsigned long long)cum);
}

/* An address into 16 bytes (IPv4 as ::ffff:a.b.c.d); its family's bits. */
static bool addr_parse(const char *s, unsigned char out[16], int *bits)
{
	unsigned char v4[4];

	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, v4) == 1) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		*bits = 32;
		return true;
	}
	*bits = 128;
	return inet_pton(AF_INET6, s, out) == 1;
}

/* One entry "ADDR[/LEN]" into its address and prefix length (of 128). */
static bool entry_parse(const char *e, size_t n, unsigned char net[16],
			int *prefix)
{
	char text[64], *slash;
	int bits;

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, e, n);
	text[n] = '\0';
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (!addr_parse(text, net, &bits))
		return false;
	*prefix = bits;
	if (slash) {
		char *end;
		long len = strtol(slash + 1, &end, 10);

		if (end == slash + 1 || *end || len < 0 || len > bits)
			return false;
		*prefix = (int)len;
	}
	*prefix += 128 - bits;
	return true;
}

static bool prefix_match(const unsigned char a[16], const unsigned char b[16],
			 int prefix)
{
	int whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, (size_t)whole))
		return false;
	return !rest || ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

bool http_metrics_allow_valid(const char *list)
{
	unsigned char net[16];
	int prefix;

	while (*list) {
		size_t n = strcspn(list, ",");

		if (!entry_parse(list, n, net, &prefix))
			return false;
		list += n + (list[n] == ',');
	}
	return true;
}

bool http_metrics_allowed(const char *list, const char *addr)
{
	unsigned char a[16], net[16];
	int bits, prefix;

	if (!list || !addr_parse(addr, a, &bits))
		return false;
	while (*list) {
		size_t n = strcspn(list, ",");

		if (entry_parse(list, n, net, &prefix) &&
		    prefix_match(a, net, prefix))
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}
