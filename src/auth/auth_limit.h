/*
 * auth_limit: how often sign-ins may fail, per account and per address.
 *
 * Each account and each client address has a count of failed sign-ins.
 * The first `free_failures` cost nothing; after that every failure blocks
 * further attempts for a time that doubles (base_ms, 2 x base_ms, ...) up to
 * max_ms, and an attempt while blocked is refused at once (429 with
 * Retry-After) without checking any password; past the free failures only
 * one attempt at a time is checked.  A success clears the
 * account's and the address's counts; counts are forgotten forget_ms after
 * the last failure.  Failures are logged once per log_every_ms for each
 * account and address ("12 failed sign-ins in 60 s"), not once per attempt.
 *
 * The table is fixed in size: when it is full the entry of the oldest
 * failure gives way.  The clock is injectable, for tests.
 */
#ifndef OASIS_AUTH_AUTH_LIMIT_H
#define OASIS_AUTH_AUTH_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct auth_limit_opts {
	unsigned free_failures;  /* before any wait (default 3) */
	int64_t base_ms;         /* the first wait (default 1 s) */
	int64_t max_ms;          /* the longest wait (default 15 min) */
	int64_t forget_ms;       /* counts end this long after (default 1 h) */
	int64_t log_every_ms;    /* one log line per key per (default 60 s) */
	size_t slots;            /* accounts and addresses kept (default 4096) */
	int64_t (*now_ms)(void *ctx); /* NULL: a monotonic clock */
	void *clock_ctx;
};

/* Fill every field with its default. */
void auth_limit_defaults(struct auth_limit_opts *o);

struct auth_limit;

int auth_limit_open(const struct auth_limit_opts *o, struct auth_limit **out,
		    struct err *e);
void auth_limit_close(struct auth_limit *l);

/*
 * Begin a sign-in to account from address: 0 when it may be tried now
 * (then auth_limit_end must follow), else the milliseconds to wait (the
 * longer of the two).  Once failures have used up the free ones, one
 * attempt at a time is let through per account and per address, so that
 * a crowd of simultaneous guesses counts as what it is.
 */
int64_t auth_limit_begin(struct auth_limit *l, const char *account,
			 const char *address);

enum auth_limit_outcome {
	AUTH_LIMIT_OK,        /* signed in: both counts are cleared */
	AUTH_LIMIT_FAILED,    /* a wrong name or password */
	AUTH_LIMIT_UNDECIDED, /* not tried after all (busy, store down) */
};

/* The end of a sign-in that auth_limit_begin let through. */
void auth_limit_end(struct auth_limit *l, const char *account,
		    const char *address, enum auth_limit_outcome outcome);

#endif
