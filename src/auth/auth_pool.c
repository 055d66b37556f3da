#include "auth/auth_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
};

struct auth_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	pthread_t *threads;
	unsigned n_threads;
	struct job *queue;       /* a ring of capacity places */
	unsigned capacity;       /* threads + queue: jobs held at once */
	unsigned head, queued;   /* jobs waiting for a thread */
	unsigned reserved;       /* places taken: queued, running or coming */
	bool stopping;
};

static void *pool_main(void *arg)
{
	struct auth_pool *p = arg;
	struct job j;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->queued && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->queued)
			break; /* stopping, and nothing left to run */
		j = p->queue[p->head];
		p->head = (p->head + 1) % p->capacity;
		p->queued--;
		pthread_mutex_unlock(&p->lock);
		j.fn(j.arg);
		pthread_mutex_lock(&p->lock);
		p->reserved--;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int auth_pool_open(unsigned threads, unsigned queue, struct auth_pool **out,
		   struct err *e)
{
	struct auth_pool *p = calloc(1, sizeof(*p));

	if (!p || threads == 0)
		goto out_nomem;
	p->capacity = threads + queue;
	p->queue = calloc(p->capacity, sizeof(*p->queue));
	p->threads = calloc(threads, sizeof(*p->threads));
	if (!p->queue || !p->threads)
		goto out_nomem;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (; p->n_threads < threads; p->n_threads++)
		if (pthread_create(&p->threads[p->n_threads], NULL, pool_main,
				   p)) {
			auth_pool_close(p);
			return err_set(e, ERR_INTERNAL, "cannot start the "
				       "sign-in threads");
		}
	*out = p;
	return ERR_OK;
out_nomem:
	if (p) {
		free(p->queue);
		free(p->threads);
	}
	free(p);
	return err_nomem(e);
}

void auth_pool_close(struct auth_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p->threads);
	free(p);
}

bool auth_pool_reserve(struct auth_pool *p)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	ok = p->reserved < p->capacity;
	if (ok)
		p->reserved++;
	pthread_mutex_unlock(&p->lock);
	return ok;
}

void auth_pool_run(struct auth_pool *p, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&p->lock);
	p->queue[(p->head + p->queued) % p->capacity] = (struct job){ fn, arg };
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}
