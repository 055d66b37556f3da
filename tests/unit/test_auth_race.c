/*
 * The sign-in guards under concurrency (run under ThreadSanitizer by make
 * test): auth_pool runs every job it took a place for, exactly once, never
 * more than its places at once; auth_limit's counts stay whole when many
 * threads begin and end sign-ins together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "auth/auth_limit.h"
#include "auth/auth_pool.h"

#define THREADS 8
#define ROUNDS 400

static atomic_int ran, running, most;

static void job(void *arg)
{
	int now = atomic_fetch_add(&running, 1) + 1;
	int seen = atomic_load(&most);

	(void)arg;
	while (now > seen && !atomic_compare_exchange_weak(&most, &seen, now))
		;
	atomic_fetch_add(&ran, 1);
	atomic_fetch_sub(&running, 1);
}

struct submitter {
	struct auth_pool *pool;
	int accepted;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;

	for (int i = 0; i < ROUNDS; i++) {
		if (!auth_pool_reserve(s->pool)) {
			usleep(10);
			continue;
		}
		auth_pool_run(s->pool, job, NULL);
		s->accepted++;
	}
	return NULL;
}

static void the_pool_runs_each_accepted_job_once(void **state)
{
	struct submitter subs[THREADS];
	pthread_t t[THREADS];
	struct auth_pool *pool;
	struct err e;
	int accepted = 0;

	(void)state;
	assert_int_equal(auth_pool_open(2, 3, &pool, &e), ERR_OK);
	for (int i = 0; i < THREADS; i++) {
		subs[i] = (struct submitter){ pool, 0 };
		pthread_create(&t[i], NULL, submit_main, &subs[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		accepted += subs[i].accepted;
	}
	auth_pool_close(pool); /* runs what is queued */
	assert_int_equal(atomic_load(&ran), accepted);
	assert_true(accepted > 0);
	assert_true(atomic_load(&most) <= 2);
}

struct signer {
	struct auth_limit *limit;
	char address[32];
};

static void *sign_main(void *arg)
{
	struct signer *s = arg;

	for (int i = 0; i < ROUNDS; i++)
		if (auth_limit_begin(s->limit, "shared", s->address) == 0)
			auth_limit_end(s->limit, "shared", s->address,
				       i % 50 ? AUTH_LIMIT_UNDECIDED :
					        AUTH_LIMIT_OK);
	return NULL;
}

static void the_limits_stay_whole_under_many_threads(void **state)
{
	struct signer sg[THREADS];
	struct auth_limit_opts o;
	struct auth_limit *l;
	pthread_t t[THREADS];
	struct err e;

	(void)state;
	auth_limit_defaults(&o);
	assert_int_equal(auth_limit_open(&o, &l, &e), ERR_OK);
	for (int i = 0; i < THREADS; i++) {
		sg[i].limit = l;
		snprintf(sg[i].address, sizeof(sg[i].address), "10.0.0.%d", i);
		pthread_create(&t[i], NULL, sign_main, &sg[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* nothing failed and every attempt ended: nobody waits */
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(auth_limit_begin(l, "shared", sg[i].address),
				 0);
		auth_limit_end(l, "shared", sg[i].address,
			       AUTH_LIMIT_UNDECIDED);
	}
	auth_limit_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_pool_runs_each_accepted_job_once),
		cmocka_unit_test(the_limits_stay_whole_under_many_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
