/*
 * pg_retry: transient PostgreSQL failures retried on a fresh connection
 * with a growing delay, within a window (the invariants are in pg_retry.h).
 */
#include "db/pg_retry.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/pg_internal.h"
#include "util/log.h"

#define WINDOW_DEFAULT_MS 30000u
#define DELAY_FIRST_MS 50u
#define DELAY_MAX_MS 1000u

static atomic_uint window_ms = WINDOW_DEFAULT_MS;
static atomic_uint_fast64_t n_transient, n_retried, n_gave_up;

/* The last failure of this thread's current attempt was transient. */
static _Thread_local bool last_transient;

/* What libpq says when the server went away without a SQLSTATE. */
static const char *const gone[] = {
	"server closed the connection",
	"terminating connection",
	"could not connect",
	"connection to server",
	"no connection to the server",
	"could not receive data",
	"could not send data",
	"SSL SYSCALL error",
	"session is read-only",
	"server does not allow writes",
	"is not accepting",
	"the database system is",
};

bool pg_retry_transient(const char *sqlstate, const char *message)
{
	if (!sqlstate)
		sqlstate = "";
	if (!strncmp(sqlstate, "08", 2) ||   /* connection exceptions */
	    !strcmp(sqlstate, "57P01") ||    /* admin shutdown (switchover) */
	    !strcmp(sqlstate, "57P02") ||    /* crash shutdown */
	    !strcmp(sqlstate, "57P03") ||    /* cannot connect now (starting) */
	    !strcmp(sqlstate, "25006"))      /* read-only: not the primary yet */
		return true;
	if (*sqlstate || !message)
		return false;
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (strstr(message, gone[i]))
			return true;
	return false;
}

unsigned pg_retry_delay_ms(unsigned attempt)
{
	unsigned d = DELAY_FIRST_MS;

	for (unsigned i = 1; i < attempt && d < DELAY_MAX_MS; i++)
		d *= 2;
	return d < DELAY_MAX_MS ? d : DELAY_MAX_MS;
}

void pg_retry_window(unsigned ms)
{
	atomic_store(&window_ms, ms ? ms : WINDOW_DEFAULT_MS);
}

/* This thread's own window, when it has a fallback (0: the window above). */
static _Thread_local unsigned thread_window_ms;

void pg_retry_thread_window(unsigned ms)
{
	thread_window_ms = ms;
}

void pg_retry_stats(struct pg_retry_stats *out)
{
	out->transient = atomic_load(&n_transient);
	out->retried = atomic_load(&n_retried);
	out->gave_up = atomic_load(&n_gave_up);
}

void pg_retry__note(const char *sqlstate, const char *message)
{
	if (pg_retry_transient(sqlstate, message)) {
		last_transient = true;
		atomic_fetch_add(&n_transient, 1);
	}
}

bool pg_retry__take(void)
{
	bool t = last_transient;

	last_transient = false;
	return t;
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Sleep ms, plus up to a quarter more so that nodes do not retry in step. */
static void pause_ms(unsigned ms)
{
	static _Thread_local unsigned seed;
	struct timespec t;

	if (!seed)
		seed = (unsigned)(uintptr_t)&seed ^ (unsigned)mono_ms();
	ms += (unsigned)(rand_r(&seed) % (ms / 4 + 1));
	t.tv_sec = ms / 1000;
	t.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&t, &t))
		;
}

int pg_retry_run(struct db *db, pg_retry_fn fn, void *ctx, struct err *e)
{
	int64_t until = mono_ms() + (thread_window_ms ? thread_window_ms
				     : atomic_load(&window_ms));
	struct pg_conn *c;
	unsigned attempt = 0;
	bool transient;
	int rc;

	for (;;) {
		pg_retry__take();
		rc = pg__conn_get(db, &c, e);
		if (!rc) {
			rc = fn(c, ctx, e);
			transient = rc && pg_retry__take();
			if (transient)
				pg__conn_discard(db, c);
			else
				pg__conn_put(db, c);
		} else {
			transient = pg_retry__take();
		}
		if (!rc || !transient)
			return rc;
		if (mono_ms() >= until) {
			atomic_fetch_add(&n_gave_up, 1);
			log_warn("store: still failing after %u ms of retries: %s",
				 atomic_load(&window_ms), e ? e->msg : "");
			return rc;
		}
		attempt++;
		atomic_fetch_add(&n_retried, 1);
		if (attempt == 1)
			log_warn("store: %s; retrying on a new connection",
				 e ? e->msg : "a transient failure");
		pause_ms(pg_retry_delay_ms(attempt));
	}
}
