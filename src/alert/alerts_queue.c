/*
 * The monitoring's queue: the writers hand it the durable points (after
 * their batch is durable, before they are answered) and a monitoring
 * thread evaluates them in batches, so that the rules never cost the
 * acknowledgement more than a copy of the points that matter.
 *
 * A writer looks each point's series up once (struct mon_queue's seen): a
 * series never seen sends its names once (MON_PENDING until the
 * monitoring thread classifies it); a watched series queues every point;
 * a quiet one only a point newer than any queued of its device.  When
 * queue_max points wait, the writer waits for room at most
 * ALERTS_QUEUE_WAIT_MS per batch (backpressure), then drops what does not
 * fit: counted in alerts_stats and logged at most every 10 s.  Nothing is
 * dropped silently.  The monitoring thread evaluates the queue in the
 * order it was filled, and on stopping evaluates what is left.
 */
#include "alert/alerts_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/duty.h"
#include "util/log.h"
#include "util/timeutil.h"

#define QUEUE_MAX_DEFAULT 262144
/* Past a burst, arrays larger than these are given back (names are rare). */
#define KEEP_POINTS 131072
#define KEEP_NAMES 1024
#define DROP_LOG_EVERY_MS (10 * 1000)

/* Where a writer's point gets its names, asked once per new series. */
struct name_src {
	const struct ingest_observed *batch;  /* from ingestion, or */
	const struct ingest_seen *seen;       /* given */
	bool remote;                          /* relayed by another node */
};

/* A writer's patience for one batch. */
struct budget {
	struct timespec until;
	bool started, spent;
};

static bool grow_to(void **arr, size_t *cap, size_t want, size_t elem)
{
	size_t c = *cap ? *cap : 1024;
	void *p;

	if (want <= *cap)
		return true;
	while (c < want)
		c *= 2;
	if (!(p = realloc(*arr, c * elem)))
		return false;
	*arr = p;
	*cap = c;
	return true;
}

/* What to queue of a series' points: MON_*, 0 if never seen. */
static uintptr_t class_of(const struct mon_queue *q, int64_t series)
{
	if (series >= 0 && series < MON_DENSE)
		return (size_t)series < q->n_seen ? q->seen[series] : 0;
	return (uintptr_t)imap_get(&q->seen_far, series);
}

static bool set_class(struct mon_queue *q, int64_t series, uintptr_t what)
{
	size_t had = q->n_seen;

	if (series < 0 || series >= MON_DENSE)
		return !imap_put(&q->seen_far, series, (void *)what);
	if (!grow_to((void **)&q->seen, &q->n_seen, (size_t)series + 1,
		     sizeof(*q->seen)))
		return false;
	memset(q->seen + had, 0, (q->n_seen - had) * sizeof(*q->seen));
	q->seen[series] = (uint32_t)what;
	return true;
}

static bool queue_name(struct mon_queue *q, const struct name_src *src,
		       size_t i, int64_t series)
{
	struct mon_name *nm;
	struct ingest_seen p;
	char plot[DB_CODE_MAX];

	if (!grow_to((void **)&q->names, &q->cap_names, q->n_names + 1,
		     sizeof(*nm)) || !set_class(q, series, MON_PENDING))
		return false;
	if (src->batch)
		ingest_observed_point(src->batch, i, &p, plot);
	else
		p = src->seen[i];
	nm = &q->names[q->n_names++];
	nm->series = series;
	snprintf(nm->device, sizeof(nm->device), "%s", p.device);
	snprintf(nm->metric, sizeof(nm->metric), "%s", p.metric);
	snprintf(nm->plot, sizeof(nm->plot), "%s", p.plot ? p.plot : "");
	q->seq++;
	return true;
}

/* Wait for room while the batch's patience lasts; false: none. */
static bool make_room(struct mon_queue *q, struct budget *b)
{
	if (b->spent || !q->started)
		return false;
	if (!b->started) {
		b->until = time_deadline_in(ALERTS_QUEUE_WAIT_MS);
		b->started = true;
	}
	while (q->n >= q->max && !q->stop)
		if (pthread_cond_timedwait(&q->room, &q->lock, &b->until) ==
		    ETIMEDOUT)
			break;
	b->spent = q->n >= q->max;
	return !b->spent;
}

/* Under the queue's lock: queue one point if it matters; false: dropped. */
static bool queue_point(struct mon_queue *q, const struct name_src *src,
			size_t i, const struct mon_point *pt, struct budget *b)
{
	uintptr_t what = class_of(q, pt->series);

	if (!what) {
		if (!queue_name(q, src, i, pt->series))
			return false;
	} else if (what >= MON_QUIET) {
		int64_t *last = &q->dev_last[what - MON_QUIET];

		if (pt->ts <= *last)
			return true;
		*last = pt->ts;
	}
	if (q->n >= q->max && !make_room(q, b))
		return false;
	if (!grow_to((void **)&q->pts, &q->cap, q->n + 1, sizeof(*q->pts)))
		return false;
	q->pts[q->n++] = *pt;
	q->seq++;
	return true;
}

/* Under the queue's lock: count dropped points, and say so now and then. */
static void count_dropped(struct mon_queue *q, size_t dropped)
{
	int64_t now = time_now_ms();

	q->dropped += dropped;
	q->dropped_unlogged += dropped;
	if (!q->dropped_unlogged || now - q->dropped_logged_ms <
	    DROP_LOG_EVERY_MS)
		return;
	log_warn("monitoring: %llu points not evaluated (the queue of %zu "
		 "was full for %d ms); %llu since the start",
		 (unsigned long long)q->dropped_unlogged, q->max,
		 ALERTS_QUEUE_WAIT_MS, (unsigned long long)q->dropped);
	q->dropped_unlogged = 0;
	q->dropped_logged_ms = now;
}

/* Queue the n points of a batch (writes, or given points), under the lock. */
static void enqueue(struct mon_queue *q, const struct name_src *src,
		    const struct ts_write *writes, size_t n)
{
	struct budget b = { 0 };
	size_t dropped = 0;

	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++) {
		struct mon_point pt;

		if (writes)
			pt = (struct mon_point){ writes[i].series, writes[i].ts,
						 writes[i].value, false };
		else
			pt = (struct mon_point){ src->seen[i].series,
						 src->seen[i].ts,
						 src->seen[i].value,
						 src->remote };
		dropped += !queue_point(q, src, i, &pt, &b);
	}
	if (dropped)
		count_dropped(q, dropped);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

void alerts_observe(const struct ingest_observed *batch,
		    const struct ts_write *pts, size_t n, void *ctx)
{
	struct alerts *a = ctx;
	struct name_src src = { batch, NULL, false };

	enqueue(&a->queue, &src, pts, n);
}

void alerts_observe_points(struct alerts *a, const struct ingest_seen *pts,
			   size_t n)
{
	struct name_src src = { NULL, pts, false };

	enqueue(&a->queue, &src, NULL, n);
}

/* One relayed reading: [series, ts, value, device, metric, plot]. */
static bool reading_of(json_t *r, struct ingest_seen *out)
{
	json_t *s = json_array_get(r, 0), *ts = json_array_get(r, 1),
	       *v = json_array_get(r, 2);

	*out = (struct ingest_seen){
		.device = json_string_value(json_array_get(r, 3)),
		.metric = json_string_value(json_array_get(r, 4)),
		.plot = json_string_value(json_array_get(r, 5)),
	};
	if (!json_is_integer(s) || !json_is_integer(ts) ||
	    !json_is_number(v) || !out->device || !out->metric || !out->plot)
		return false;
	out->series = json_integer_value(s);
	out->ts = json_integer_value(ts);
	out->value = json_number_value(v);
	return true;
}

void alerts_observe_remote(struct alerts *a, const char *data)
{
	json_t *j = json_loads(data, 0, NULL), *list = json_object_get(j, "r"), *r;
	struct ingest_seen *pts = NULL;
	struct name_src src = { NULL, NULL, true };
	size_t i, n = 0;

	/* only the holder evaluates them (a new holder misses a few) */
	if (!a->o.cluster || !duty_held(DUTY_ALERTS) || !json_is_array(list) ||
	    !(pts = calloc(json_array_size(list) + 1, sizeof(*pts))))
		goto out;
	json_array_foreach(list, i, r)
		n += reading_of(r, &pts[n]);
	src.seen = pts;
	enqueue(&a->queue, &src, NULL, n);
out:
	free(pts);
	json_decref(j);
}

void alerts__classify(struct alerts *a, int64_t series, uintptr_t what)
{
	struct mon_queue *q = &a->queue;
	size_t dev = what >= MON_QUIET ? what - MON_QUIET : 0, had;

	pthread_mutex_lock(&q->lock);
	had = q->cap_dev_last;
	/* only a series still pending: a change of rules may have reset it */
	if (class_of(q, series) != MON_PENDING || what > UINT32_MAX)
		goto out;
	if (what >= MON_QUIET) {
		if (!grow_to((void **)&q->dev_last, &q->cap_dev_last, dev + 1,
			     sizeof(*q->dev_last)))
			goto out;   /* stays pending: every point is queued */
		memset(q->dev_last + had, 0,
		       (q->cap_dev_last - had) * sizeof(*q->dev_last));
	}
	set_class(q, series, what);
out:
	pthread_mutex_unlock(&q->lock);
}

void alerts__forget_classes(struct alerts *a)
{
	struct mon_queue *q = &a->queue;

	pthread_mutex_lock(&q->lock);
	if (q->seen)
		memset(q->seen, 0, q->n_seen * sizeof(*q->seen));
	imap_free(&q->seen_far);
	pthread_mutex_unlock(&q->lock);
}

/* Under the queue's lock: take what is queued; the writers get room. */
static void take(struct mon_queue *q, size_t *n, size_t *n_names)
{
	void *p;
	size_t c;

	p = q->out, q->out = q->pts, q->pts = p;
	c = q->cap_out, q->cap_out = q->cap, q->cap = c;
	p = q->out_names, q->out_names = q->names, q->names = p;
	c = q->cap_out_names, q->cap_out_names = q->cap_names, q->cap_names = c;
	*n = q->n_taken = q->n;
	*n_names = q->n_names;
	q->n = q->n_names = 0;
	pthread_cond_broadcast(&q->room);
}

/* Under the queue's lock: give back what a burst grew the evaluated arrays to. */
static void trim(struct mon_queue *q)
{
	if (q->cap_out > KEEP_POINTS) {
		free(q->out);
		q->out = NULL;
		q->cap_out = 0;
	}
	if (q->cap_out_names > KEEP_NAMES) {
		free(q->out_names);
		q->out_names = NULL;
		q->cap_out_names = 0;
	}
}

static void *monitor_main(void *arg)
{
	struct alerts *a = arg;
	struct mon_queue *q = &a->queue;
	size_t n, n_names;
	uint64_t upto;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->n && !q->n_names && !q->stop)
			pthread_cond_wait(&q->work, &q->lock);
		if (!q->n && !q->n_names)
			break;   /* stopping, and all is evaluated */
		take(q, &n, &n_names);
		upto = q->seq;
		pthread_mutex_unlock(&q->lock);
		alerts__evaluate(a, q->out_names, n_names, q->out, n);
		pthread_mutex_lock(&q->lock);
		q->done_seq = upto;
		q->evaluated += n;
		q->n_taken = 0;
		trim(q);
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int alerts__queue_start(struct alerts *a)
{
	struct mon_queue *q = &a->queue;

	q->max = a->o.queue_max ? a->o.queue_max : QUEUE_MAX_DEFAULT;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->room, NULL);
	pthread_cond_init(&q->done, NULL);
	if (pthread_create(&q->thread, NULL, monitor_main, a))
		return -1;
	q->started = true;
	return 0;
}

void alerts__queue_stop(struct alerts *a)
{
	struct mon_queue *q = &a->queue;

	if (!q->started)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->started = false;
}

void alerts__queue_free(struct alerts *a)
{
	struct mon_queue *q = &a->queue;

	if (!q->max)
		return;   /* never set up */
	free(q->seen);
	imap_free(&q->seen_far);
	free(q->pts);
	free(q->out);
	free(q->names);
	free(q->out_names);
	free(q->dev_last);
	pthread_cond_destroy(&q->done);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->lock);
}

bool alerts_settle(struct alerts *a, int64_t timeout_ms)
{
	struct mon_queue *q = &a->queue;
	struct timespec until = time_deadline_in(timeout_ms);
	uint64_t target;
	bool done;

	pthread_mutex_lock(&q->lock);
	target = q->seq;
	while (q->done_seq < target && q->started)
		if (pthread_cond_timedwait(&q->done, &q->lock, &until) ==
		    ETIMEDOUT)
			break;
	done = q->done_seq >= target;
	pthread_mutex_unlock(&q->lock);
	return done;
}

void alerts_stats(struct alerts *a, struct alerts_stats *out)
{
	struct mon_queue *q = &a->queue;

	pthread_mutex_lock(&q->lock);
	out->queued = q->n + q->n_taken;
	out->evaluated = q->evaluated;
	out->dropped = q->dropped;
	pthread_mutex_unlock(&q->lock);
}
