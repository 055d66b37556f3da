/*
 * codec_size: how small and how fast the time-series chunk codec is on real
 * telemetry.
 *
 * Reads InfluxDB line protocol (nanosecond timestamps; tag `device` names the
 * device, each field is a metric) or CSV `series,ts_ms,value`, groups the
 * points per series (device/metric), sorts them by time, keeps the last of
 * points with equal timestamps (as the engine does), cuts chunks (by UTC day
 * or by a fixed number of points), encodes every chunk, decodes it again and
 * checks that every timestamp and every value's bits came back and that the
 * summary matches.  Prints bytes per point overall and per metric, and
 * encode, decode and summary throughput on one core.  With --peers it also
 * sizes the same chunks under two well-known codings: Gorilla (Pelkonen et
 * al., VLDB 2015: delta-of-delta timestamps, XOR values; bits counted, as
 * in section 4.1 of the paper) and zlib deflate of the raw 16-byte points.
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o build/codec_size \
 *      bench/codec_size.c src/ts/codec.c src/util/buf.c src/util/err.c -lz
 *   python3 ../shared/tools/gen_telemetry.py --stations 100 --probes 1000 \
 *      --days 1 | build/codec_size --chunk day --peers
 *
 * docs/CODEC.md gives the figures.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "ts/codec.h"
#include "util/buf.h"
#include "util/err.h"

#define MS_PER_DAY INT64_C(86400000)
#define MAX_METRICS 64
#define NAME_MAX_LEN 128

struct series {
	char name[NAME_MAX_LEN];
	int metric;
	struct ts_point *pts;
	size_t n, cap;
};

struct metric {
	char name[NAME_MAX_LEN];
	size_t points, bytes, chunks;
};

struct dataset {
	struct series *series;
	size_t nseries, cap;
	size_t *slots;	/* open-addressing table of series index + 1 */
	size_t nslots;
	struct metric metrics[MAX_METRICS];
	int nmetrics;
	size_t points;
};

struct chunk {
	size_t series, first, n; /* points series[series].pts[first..first+n) */
	size_t off, len;	 /* bytes in the encoded buffer */
};

static void die(const char *what)
{
	fprintf(stderr, "codec_size: %s\n", what);
	exit(1);
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		die("out of memory");
	return p;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int metric_index(struct dataset *d, const char *name)
{
	for (int i = 0; i < d->nmetrics; i++)
		if (!strcmp(d->metrics[i].name, name))
			return i;
	if (d->nmetrics == MAX_METRICS)
		die("too many metrics");
	snprintf(d->metrics[d->nmetrics].name, NAME_MAX_LEN, "%s", name);
	return d->nmetrics++;
}

static void grow_slots(struct dataset *d)
{
	size_t nslots = d->nslots ? d->nslots * 2 : 1024;
	size_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		die("out of memory");
	for (size_t i = 0; i < d->nseries; i++) {
		size_t h = hash_name(d->series[i].name) & (nslots - 1);

		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = i + 1;
	}
	free(d->slots);
	d->slots = slots;
	d->nslots = nslots;
}

static struct series *series_get(struct dataset *d, const char *device,
				 const char *metric)
{
	char name[NAME_MAX_LEN];
	struct series *s;
	size_t h;

	snprintf(name, sizeof(name), "%s/%s", device, metric);
	if (2 * (d->nseries + 1) > d->nslots)
		grow_slots(d);
	h = hash_name(name) & (d->nslots - 1);
	while (d->slots[h]) {
		s = &d->series[d->slots[h] - 1];
		if (!strcmp(s->name, name))
			return s;
		h = (h + 1) & (d->nslots - 1);
	}
	if (d->nseries == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->series = xrealloc(d->series, d->cap * sizeof(*d->series));
	}
	s = &d->series[d->nseries];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->metric = metric_index(d, metric);
	d->slots[h] = ++d->nseries;
	return s;
}

static void series_add(struct dataset *d, struct series *s, int64_t ts,
		       double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->pts = xrealloc(s->pts, s->cap * sizeof(*s->pts));
	}
	s->pts[s->n].ts = ts;
	s->pts[s->n].value = v;
	s->n++;
	d->points++;
}

/* "weather,device=ws-0001 air_temp=19.8,rh=78 1782864001000000000" */
static void parse_lp(struct dataset *d, char *line, size_t lineno)
{
	char *tags = strchr(line, ','), *fields, *tsp, *dev, *end, *f;
	char device[NAME_MAX_LEN];
	long long ts;

	fields = strchr(line, ' ');
	tsp = fields ? strrchr(fields + 1, ' ') : NULL;
	dev = tags ? strstr(tags, "device=") : NULL;
	if (!fields || !tsp || !dev || dev > fields) {
		fprintf(stderr, "line %zu: not line protocol with a device tag\n",
			lineno);
		exit(1);
	}
	dev += 7;
	end = dev + strcspn(dev, ", ");
	snprintf(device, sizeof(device), "%.*s", (int)(end - dev), dev);
	*tsp++ = '\0';
	errno = 0;
	ts = strtoll(tsp, &end, 10);
	if (errno || end == tsp) {
		fprintf(stderr, "line %zu: bad timestamp\n", lineno);
		exit(1);
	}
	ts /= 1000000;
	for (f = strtok(fields + 1, ","); f; f = strtok(NULL, ",")) {
		char *eq = strchr(f, '=');
		double v;

		if (!eq) {
			fprintf(stderr, "line %zu: bad field\n", lineno);
			exit(1);
		}
		*eq = '\0';
		v = strtod(eq + 1, &end);
		if (end == eq + 1)
			continue;
		series_add(d, series_get(d, device, f), ts, v);
	}
}

/* "ws-0001/air_temp,1782864001000,19.8" */
static void parse_csv(struct dataset *d, char *line, size_t lineno)
{
	char *c1 = strchr(line, ','), *c2, *slash, *end;
	long long ts;
	double v;

	c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	slash = strchr(line, '/');
	if (!c2 || !slash || slash > c1) {
		fprintf(stderr, "line %zu: not series,ts_ms,value\n", lineno);
		exit(1);
	}
	*slash = *c1 = *c2 = '\0';
	ts = strtoll(c1 + 1, &end, 10);
	v = strtod(c2 + 1, &end);
	series_add(d, series_get(d, line, slash + 1), ts, v);
}

static void load(struct dataset *d, FILE *in)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t got;
	bool csv = false;

	while ((got = getline(&line, &cap, in)) > 0) {
		lineno++;
		while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (!got || line[0] == '#')
			continue;
		if (lineno == 1 && !strncmp(line, "series,", 7)) {
			csv = true;
			continue;
		}
		if (csv)
			parse_csv(d, line, lineno);
		else
			parse_lp(d, line, lineno);
	}
	free(line);
}

static int cmp_ts(const void *a, const void *b)
{
	const struct ts_point *x = a, *y = b;

	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* Sort by time; of equal timestamps keep the last one read. */
static void tidy(struct series *s)
{
	size_t w = 0;
	bool sorted = true;

	for (size_t i = 1; i < s->n && sorted; i++)
		sorted = s->pts[i].ts >= s->pts[i - 1].ts;
	if (!sorted)
		qsort(s->pts, s->n, sizeof(*s->pts), cmp_ts);
	for (size_t i = 0; i < s->n; i++) {
		if (w && s->pts[w - 1].ts == s->pts[i].ts)
			w--;
		s->pts[w++] = s->pts[i];
	}
	s->n = w;
}

static size_t cut_chunks(const struct dataset *d, long points_per_chunk,
			 struct chunk **out)
{
	struct chunk *c = NULL;
	size_t n = 0, cap = 0;

	for (size_t si = 0; si < d->nseries; si++) {
		const struct series *s = &d->series[si];
		size_t i = 0;

		while (i < s->n) {
			size_t j = i + 1;

			if (points_per_chunk > 0) {
				j = i + (size_t)points_per_chunk;
				j = j > s->n ? s->n : j;
			} else {
				int64_t day = s->pts[i].ts / MS_PER_DAY;

				while (j < s->n && s->pts[j].ts / MS_PER_DAY == day)
					j++;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 4096;
				c = xrealloc(c, cap * sizeof(*c));
			}
			c[n++] = (struct chunk){ .series = si, .first = i,
						 .n = j - i };
			i = j;
		}
	}
	*out = c;
	return n;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double encode_all(const struct dataset *d, struct chunk *c, size_t nc,
			 struct buf *out)
{
	struct err e;
	double t0 = now_s();

	buf_reset(out);
	for (size_t i = 0; i < nc; i++) {
		const struct series *s = &d->series[c[i].series];

		c[i].off = out->len;
		if (ts_codec_encode(s->pts + c[i].first, c[i].n, out, &e)) {
			fprintf(stderr, "%s: %s\n", s->name, e.msg);
			exit(1);
		}
		c[i].len = out->len - c[i].off;
	}
	return now_s() - t0;
}

static double decode_all(const struct chunk *c, size_t nc,
			 const struct buf *enc, struct ts_point *tmp,
			 size_t cap)
{
	struct err e;
	size_t n;
	double t0 = now_s();

	for (size_t i = 0; i < nc; i++) {
		if (ts_codec_decode(enc->data + c[i].off, c[i].len, tmp, cap,
				    &n, &e))
			die(e.msg);
	}
	return now_s() - t0;
}

static double summarize_all(const struct chunk *c, size_t nc,
			    const struct buf *enc, double *total)
{
	struct ts_chunk_summary s;
	struct err e;
	double t0 = now_s();

	*total = 0;
	for (size_t i = 0; i < nc; i++) {
		if (ts_codec_summary(enc->data + c[i].off, c[i].len, &s, &e))
			die(e.msg);
		*total += s.sum;
	}
	return now_s() - t0;
}

/* Decode every chunk and compare with the source points, bit for bit. */
static void verify_all(const struct dataset *d, const struct chunk *c,
		       size_t nc, const struct buf *enc, struct ts_point *tmp,
		       size_t cap)
{
	for (size_t i = 0; i < nc; i++) {
		const struct series *s = &d->series[c[i].series];
		const struct ts_point *src = s->pts + c[i].first;
		struct ts_chunk_summary sum;
		struct err e;
		size_t n;

		if (ts_codec_decode(enc->data + c[i].off, c[i].len, tmp, cap,
				    &n, &e) ||
		    ts_codec_summary(enc->data + c[i].off, c[i].len, &sum, &e))
			die(e.msg);
		if (n != c[i].n || memcmp(tmp, src, n * sizeof(*tmp)) ||
		    sum.count != n || sum.ts_min != src[0].ts ||
		    sum.ts_max != src[n - 1].ts) {
			fprintf(stderr, "%s: chunk %zu does not round-trip\n",
				s->name, i);
			exit(1);
		}
	}
}

static void report(struct dataset *d, const struct chunk *c, size_t nc,
		   size_t bytes)
{
	for (size_t i = 0; i < nc; i++) {
		struct metric *m = &d->metrics[d->series[c[i].series].metric];

		m->points += c[i].n;
		m->bytes += c[i].len;
		m->chunks++;
	}
	printf("%-18s %10s %8s %10s %8s %8s\n", "metric", "points", "chunks",
	       "bytes", "B/point", "bits/pt");
	for (int i = 0; i < d->nmetrics; i++) {
		struct metric *m = &d->metrics[i];

		printf("%-18s %10zu %8zu %10zu %8.3f %8.2f\n", m->name,
		       m->points, m->chunks, m->bytes,
		       (double)m->bytes / (double)m->points,
		       8.0 * (double)m->bytes / (double)m->points);
	}
	printf("%-18s %10zu %8zu %10zu %8.3f %8.2f\n", "TOTAL", d->points, nc,
	       bytes, (double)bytes / (double)d->points,
	       8.0 * (double)bytes / (double)d->points);
}

/* Gorilla's bits for one timestamp's delta of delta (VLDB 2015, 4.1.1). */
static unsigned gorilla_ts_bits(int64_t dod)
{
	if (dod == 0)
		return 1;
	if (dod >= -63 && dod <= 64)
		return 2 + 7;
	if (dod >= -255 && dod <= 256)
		return 3 + 9;
	if (dod >= -2047 && dod <= 2048)
		return 4 + 12;
	return dod >= INT32_MIN && dod <= INT32_MAX ? 4 + 32 : 4 + 64;
}

/* Gorilla's XOR coding of the values (4.1.2), bits only. */
struct xor_window {
	unsigned lead, trail;
	bool valid;
};

static unsigned gorilla_value_bits(uint64_t x, struct xor_window *w)
{
	unsigned lead, trail;

	if (x == 0)
		return 1;
	lead = (unsigned)__builtin_clzll(x);
	trail = (unsigned)__builtin_ctzll(x);
	lead = lead > 31 ? 31 : lead;
	if (w->valid && lead >= w->lead && trail >= w->trail)
		return 2 + (64 - w->lead - w->trail);
	w->lead = lead;
	w->trail = trail;
	w->valid = true;
	return 2 + 5 + 6 + (64 - lead - trail);
}

static uint64_t gorilla_bits(const struct ts_point *p, size_t n)
{
	struct xor_window w = { 0, 0, false };
	uint64_t bits = 64 + 64, prev, cur;
	int64_t prev_delta = 0;

	memcpy(&prev, &p[0].value, sizeof(prev));
	for (size_t i = 1; i < n; i++) {
		int64_t delta = p[i].ts - p[i - 1].ts;

		bits += gorilla_ts_bits(delta - prev_delta);
		prev_delta = delta;
		memcpy(&cur, &p[i].value, sizeof(cur));
		bits += gorilla_value_bits(cur ^ prev, &w);
		prev = cur;
	}
	return bits;
}

static void report_peers(const struct dataset *d, const struct chunk *c,
			 size_t nc, size_t ours)
{
	uint64_t gbits = 0;
	size_t zbytes = 0, cap = 0;
	Bytef *z = NULL;

	for (size_t i = 0; i < nc; i++) {
		const struct ts_point *p = d->series[c[i].series].pts +
					   c[i].first;
		uLongf zlen;

		gbits += gorilla_bits(p, c[i].n);
		if (compressBound(c[i].n * sizeof(*p)) > cap) {
			cap = compressBound(c[i].n * sizeof(*p));
			z = xrealloc(z, cap);
		}
		zlen = cap;
		if (compress2(z, &zlen, (const Bytef *)p, c[i].n * sizeof(*p),
			      6) != Z_OK)
			die("zlib failed");
		zbytes += zlen;
	}
	free(z);
	printf("peers on the same chunks (bytes/point):\n");
	printf("  this codec            %8.3f\n",
	       (double)ours / (double)d->points);
	printf("  Gorilla (bits counted) %7.3f\n",
	       (double)gbits / 8.0 / (double)d->points);
	printf("  zlib -6 of raw points %8.3f\n",
	       (double)zbytes / (double)d->points);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: codec_size [--chunk day|N] [--repeat R] [--peers] [FILE]\n"
		"  Reads line protocol or CSV (series,ts_ms,value) from FILE or\n"
		"  stdin; --chunk day cuts chunks at UTC midnight (default),\n"
		"  --chunk N every N points; --repeat R times encode/decode R\n"
		"  times and reports the best run; --peers also sizes the chunks\n"
		"  as Gorilla and as zlib-compressed raw points.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "peers", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dataset d = { 0 };
	struct buf enc = BUF_INIT;
	struct chunk *chunks;
	struct ts_point *tmp;
	long per_chunk = 0, repeat = 3;
	size_t nc, maxn = 0;
	double t_enc = 1e30, t_dec = 1e30, t_sum = 1e30, total;
	FILE *in = stdin;
	bool peers = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:r:ph", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			per_chunk = strcmp(optarg, "day") ? atol(optarg) : 0;
			if (strcmp(optarg, "day") && per_chunk <= 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'r':
			repeat = atol(optarg);
			repeat = repeat < 1 ? 1 : repeat;
			break;
		case 'p':
			peers = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !(in = fopen(argv[optind], "r"))) {
		perror(argv[optind]);
		return 1;
	}
	load(&d, in);
	if (in != stdin)
		fclose(in);
	d.points = 0;
	for (size_t i = 0; i < d.nseries; i++) {
		tidy(&d.series[i]);
		d.points += d.series[i].n;
	}
	nc = cut_chunks(&d, per_chunk, &chunks);
	for (size_t i = 0; i < nc; i++)
		maxn = chunks[i].n > maxn ? chunks[i].n : maxn;
	tmp = xrealloc(NULL, (maxn ? maxn : 1) * sizeof(*tmp));
	for (long r = 0; r < repeat; r++) {
		double te = encode_all(&d, chunks, nc, &enc);
		double td = decode_all(chunks, nc, &enc, tmp, maxn);
		double ts = summarize_all(chunks, nc, &enc, &total);

		t_enc = te < t_enc ? te : t_enc;
		t_dec = td < t_dec ? td : t_dec;
		t_sum = ts < t_sum ? ts : t_sum;
	}
	verify_all(&d, chunks, nc, &enc, tmp, maxn);
	printf("series %zu, points %zu, chunks %zu (%s), %.1f points/chunk\n",
	       d.nseries, d.points, nc, per_chunk ? "fixed count" : "UTC day",
	       (double)d.points / (double)nc);
	report(&d, chunks, nc, enc.len);
	printf("encode  %.1f M points/s\n", (double)d.points / t_enc / 1e6);
	printf("decode  %.1f M points/s\n", (double)d.points / t_dec / 1e6);
	printf("summary %.2f M chunks/s\n", (double)nc / t_sum / 1e6);
	printf("round trip verified: every timestamp and value bit\n");
	if (peers)
		report_peers(&d, chunks, nc, enc.len);
	buf_free(&enc);
	free(tmp);
	free(chunks);
	for (size_t i = 0; i < d.nseries; i++)
		free(d.series[i].pts);
	free(d.series);
	free(d.slots);
	return 0;
}
